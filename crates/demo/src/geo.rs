//! Where the demo city's places lie: plausible points and polygons around Datong
//! (40.09 N, 113.30 E), laid out so that places of one level never overlap, a
//! community's grids tile its area and its buildings stand inside their grid. WGS 84
//! degrees throughout.

/// The centre of Datong's urban area.
pub const CENTRE: Point = Point {
    lon: 113.30,
    lat: 40.09,
};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub lon: f64,
    pub lat: f64,
}

/// A degree of longitude is shorter than one of latitude this far north.
fn lon_scale() -> f64 {
    CENTRE.lat.to_radians().cos()
}

impl Point {
    /// `dx`, `dy` in degrees of latitude (about 111 km each).
    pub fn offset(self, dx: f64, dy: f64) -> Point {
        Point {
            lon: self.lon + dx / lon_scale(),
            lat: self.lat + dy,
        }
    }
}

/// An axis-aligned rectangle.
#[derive(Debug, Clone, Copy)]
pub struct Rect {
    pub min: Point,
    pub max: Point,
}

impl Rect {
    pub fn centre(&self) -> Point {
        Point {
            lon: (self.min.lon + self.max.lon) / 2.0,
            lat: (self.min.lat + self.max.lat) / 2.0,
        }
    }

    /// `n` cells tiling this rectangle row by row.
    pub fn cells(&self, n: usize) -> Vec<Rect> {
        let cols = (n as f64).sqrt().ceil().max(1.0) as usize;
        let rows = n.div_ceil(cols);
        let (w, h) = (
            (self.max.lon - self.min.lon) / cols as f64,
            (self.max.lat - self.min.lat) / rows as f64,
        );
        (0..n)
            .map(|i| {
                let (c, r) = ((i % cols) as f64, (i / cols) as f64);
                let min = Point {
                    lon: self.min.lon + c * w,
                    lat: self.min.lat + r * h,
                };
                Rect {
                    min,
                    max: Point {
                        lon: min.lon + w,
                        lat: min.lat + h,
                    },
                }
            })
            .collect()
    }

    /// GeoJSON polygon coordinates: one closed ring, counter-clockwise.
    pub fn polygon_json(&self) -> String {
        let (a, b) = (self.min, self.max);
        format!(
            "[[[{:.6},{:.6}],[{:.6},{:.6}],[{:.6},{:.6}],[{:.6},{:.6}],[{:.6},{:.6}]]]",
            a.lon, a.lat, b.lon, a.lat, b.lon, b.lat, a.lon, b.lat, a.lon, a.lat
        )
    }
}

/// Boxes laid out in rows: each box's lower-left corner relative to the layout's, and
/// the layout's size. Sizes are (width, height) in degrees of latitude.
#[derive(Debug, Clone)]
pub struct Shelves {
    pub corners: Vec<(f64, f64)>,
    pub size: (f64, f64),
}

/// Boxes of the given sizes laid out in rows about as wide as the square root of their
/// total area, `gap` apart, so that no two overlap; no boxes take `empty`'s ground.
pub fn shelves(sizes: &[(f64, f64)], gap: f64, empty: (f64, f64)) -> Shelves {
    if sizes.is_empty() {
        return Shelves {
            corners: Vec::new(),
            size: empty,
        };
    }
    let area: f64 = sizes.iter().map(|(w, h)| (w + gap) * (h + gap)).sum();
    let widest = sizes.iter().map(|s| s.0).fold(0.0, f64::max);
    let target = area.sqrt().max(widest);
    let (mut x, mut y, mut row, mut width) = (0.0, 0.0, 0.0_f64, 0.0_f64);
    let mut corners = Vec::with_capacity(sizes.len());
    for &(w, h) in sizes {
        if x > 0.0 && x + w > target {
            y += row + gap;
            (x, row) = (0.0, 0.0);
        }
        corners.push((x, y));
        width = width.max(x + w);
        x += w + gap;
        row = row.max(h);
    }
    Shelves {
        corners,
        size: (width, y + row),
    }
}

impl Rect {
    /// The box `(w, h)` whose lower-left corner is `(x, y)` from `origin` (degrees of
    /// latitude, as `Point::offset` takes them).
    pub fn from_corner(origin: Point, (x, y): (f64, f64), (w, h): (f64, f64)) -> Rect {
        Rect {
            min: origin.offset(x, y),
            max: origin.offset(x + w, y + h),
        }
    }

    /// True when the two share more than an edge.
    #[cfg(test)]
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.min.lon < other.max.lon
            && other.min.lon < self.max.lon
            && self.min.lat < other.max.lat
            && other.min.lat < self.max.lat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(r: &Rect, p: Point) -> bool {
        (r.min.lon..=r.max.lon).contains(&p.lon) && (r.min.lat..=r.max.lat).contains(&p.lat)
    }

    #[test]
    fn cells_tile_the_square() {
        let sq = Rect::from_corner(CENTRE, (0.0, 0.0), (0.006, 0.006));
        for n in 1..20 {
            let cells = sq.cells(n);
            assert_eq!(cells.len(), n);
            for c in &cells {
                assert!(contains(&sq, c.centre()));
            }
        }
    }

    #[test]
    fn shelves_never_overlap() {
        let sizes: Vec<(f64, f64)> = (0..40)
            .map(|i| (0.001 * (1 + i % 7) as f64, 0.001 * (1 + i % 5) as f64))
            .collect();
        let Shelves {
            corners,
            size: (w, h),
        } = shelves(&sizes, 0.0002, (0.0, 0.0));
        let rects: Vec<Rect> = corners
            .iter()
            .zip(&sizes)
            .map(|(c, s)| Rect::from_corner(CENTRE, *c, *s))
            .collect();
        let all = Rect::from_corner(CENTRE, (0.0, 0.0), (w, h));
        for (i, a) in rects.iter().enumerate() {
            assert!(contains(&all, a.min) && contains(&all, a.max), "{i} inside");
            for b in &rects[i + 1..] {
                assert!(!a.overlaps(b));
            }
        }
        assert!(w < 4.0 * h && h < 4.0 * w, "{w} x {h}: about square");
    }
}
