//! Where the demo city's places lie: plausible points and polygons around Datong
//! (40.09 N, 113.30 E), laid out so that a community's grids tile its area and its
//! buildings stand inside their grid. WGS 84 degrees throughout.

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

/// The `k`-th point of a sunflower spiral around `centre`: evenly spread, never
/// overlapping, for any number of points.
pub fn spiral(centre: Point, k: usize, spacing: f64) -> Point {
    const GOLDEN_ANGLE: f64 = 2.399_963_229_728_653;
    let r = spacing * (k as f64 + 0.5).sqrt();
    let a = k as f64 * GOLDEN_ANGLE;
    centre.offset(r * a.cos(), r * a.sin())
}

/// A point on a ring of radius `r` around `centre`, at the `k`-th of `n` angles.
pub fn ring(centre: Point, k: usize, n: usize, r: f64) -> Point {
    let a = std::f64::consts::TAU * k as f64 / n.max(1) as f64 + 0.4;
    centre.offset(r * a.cos(), r * a.sin())
}

/// An axis-aligned rectangle.
#[derive(Debug, Clone, Copy)]
pub struct Rect {
    pub min: Point,
    pub max: Point,
}

impl Rect {
    /// A square of side `2 * half` (degrees of latitude) around `centre`.
    pub fn square(centre: Point, half: f64) -> Rect {
        Rect {
            min: centre.offset(-half, -half),
            max: centre.offset(half, half),
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(r: &Rect, p: Point) -> bool {
        (r.min.lon..=r.max.lon).contains(&p.lon) && (r.min.lat..=r.max.lat).contains(&p.lat)
    }

    #[test]
    fn cells_tile_the_square() {
        let sq = Rect::square(CENTRE, 0.003);
        for n in 1..20 {
            let cells = sq.cells(n);
            assert_eq!(cells.len(), n);
            for c in &cells {
                assert!(contains(&sq, c.centre()));
            }
        }
    }

    #[test]
    fn spiral_points_stay_apart() {
        let pts: Vec<Point> = (0..200).map(|k| spiral(CENTRE, k, 0.01)).collect();
        for (i, a) in pts.iter().enumerate() {
            for b in &pts[i + 1..] {
                let d = ((a.lon - b.lon) * lon_scale()).hypot(a.lat - b.lat);
                assert!(d > 0.004, "{a:?} {b:?}");
            }
        }
    }
}
