//! `/t/{code}/map`: a community's (or grid's) grids and buildings, drawn as SVG on the
//! server from our own geometry in Web Mercator, with a tile layer underneath only when a
//! tile URL is configured.

use crate::dashboard::{crumbs, head, tabs};
use crate::layout::{failure, page};
use crate::paths::NodePath;
use crate::viewer::Viewer;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use datong_domain::Level;
use datong_http::App;
use datong_store::territory::{self, Placed};
use maud::{Markup, html};

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 640.0;
const TILE: f64 = 256.0;

/// Web Mercator pixel position at zoom 0 (the world is 256 pixels wide).
fn world(lon: f64, lat: f64) -> (f64, f64) {
    let x = (lon + 180.0) / 360.0 * TILE;
    let s = lat.to_radians();
    let y = (1.0 - (s.tan() + 1.0 / s.cos()).ln() / std::f64::consts::PI) / 2.0 * TILE;
    (x, y)
}

/// Where the map sits: the zoom that fits every place, and its top-left pixel.
struct View {
    zoom: i32,
    left: f64,
    top: f64,
}

impl View {
    fn fit(points: &[(f64, f64)]) -> View {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for &(lon, lat) in points {
            let (x, y) = world(lon, lat);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let span = ((x1 - x0) / WIDTH).max((y1 - y0) / HEIGHT).max(1e-9);
        // Tiles exist at whole zooms: the largest one at which everything still fits.
        let zoom = ((1.0 / span).log2().floor() as i32).clamp(1, 19);
        let scale = f64::from(1 << zoom);
        let (cx, cy) = ((x0 + x1) / 2.0 * scale, (y0 + y1) / 2.0 * scale);
        View {
            zoom,
            left: cx - WIDTH / 2.0,
            top: cy - HEIGHT / 2.0,
        }
    }

    fn at(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (x, y) = world(lon, lat);
        let scale = f64::from(1 << self.zoom);
        (x * scale - self.left, y * scale - self.top)
    }

    fn tiles(&self, template: &str) -> Vec<(f64, f64, String)> {
        let (tx0, ty0) = (
            (self.left / TILE).floor() as i64,
            (self.top / TILE).floor() as i64,
        );
        let (tx1, ty1) = (
            ((self.left + WIDTH) / TILE).floor() as i64,
            ((self.top + HEIGHT) / TILE).floor() as i64,
        );
        let mut out = Vec::new();
        for ty in ty0..=ty1 {
            for tx in tx0..=tx1 {
                let url = template
                    .replace("{z}", &self.zoom.to_string())
                    .replace("{x}", &tx.to_string())
                    .replace("{y}", &ty.to_string());
                out.push((
                    tx as f64 * TILE - self.left,
                    ty as f64 * TILE - self.top,
                    url,
                ));
            }
        }
        out
    }
}

fn rings(polygon: &str) -> Vec<Vec<(f64, f64)>> {
    serde_json::from_str::<Vec<Vec<(f64, f64)>>>(polygon).unwrap_or_default()
}

/// The places as an SVG map. The projection rides on the element (`data-zoom`,
/// `data-left`, `data-top`), so a script can turn a tap back into a longitude and latitude.
pub(crate) fn svg(places: &[Placed], tiles: Option<&str>) -> Markup {
    let mut points: Vec<(f64, f64)> = places.iter().map(|p| (p.lon, p.lat)).collect();
    for p in places {
        if let Some(poly) = &p.polygon {
            points.extend(rings(poly).into_iter().flatten());
        }
    }
    if points.is_empty() {
        return html! {};
    }
    let view = View::fit(&points);
    let path = |poly: &str| {
        rings(poly)
            .iter()
            .map(|ring| {
                let pts: Vec<String> = ring
                    .iter()
                    .map(|&(lon, lat)| {
                        let (x, y) = view.at(lon, lat);
                        format!("{x:.1},{y:.1}")
                    })
                    .collect();
                format!("M{}Z", pts.join("L"))
            })
            .collect::<String>()
    };
    let area = |l: Level| {
        places
            .iter()
            .filter(move |p| p.level == l && p.polygon.is_some())
    };
    html! {
        svg #map viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } width="100%" role="img" xmlns="http://www.w3.org/2000/svg"
            data-zoom=(view.zoom) data-left=(format!("{:.3}", view.left)) data-top=(format!("{:.3}", view.top)) {
            @if let Some(t) = tiles {
                @for (x, y, url) in view.tiles(t) {
                    image.tile href=(url) x=(format!("{x:.1}")) y=(format!("{y:.1}")) width=(TILE) height=(TILE) {}
                }
            }
            @for c in area(Level::Community) {
                path.community d=(path(c.polygon.as_deref().unwrap_or("[]"))) { title { (c.name) } }
            }
            @for (i, g) in area(Level::Grid).enumerate() {
                path.grid data-code=(g.code) d=(path(g.polygon.as_deref().unwrap_or("[]"))) fill=(["#fde2e2", "#e2f0fd", "#e6f6e2", "#fdf3dc"][i % 4]) {
                    title { (g.name) }
                }
            }
            @for g in area(Level::Grid) {
                @let (x, y) = view.at(g.lon, g.lat);
                text.label x=(format!("{x:.1}")) y=(format!("{y:.1}")) text-anchor="middle" { (g.name) }
            }
            @for b in places.iter().filter(|p| p.level == Level::Building) {
                @let (x, y) = view.at(b.lon, b.lat);
                circle.building cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="4" { title { (b.name) } }
            }
        }
    }
}

pub async fn show(State(app): State<App>, viewer: Viewer, NodePath(code): NodePath) -> Response {
    let caller = viewer.caller.clone();
    let loaded = app
        .run(move |c| {
            let (node, lineage) = head(c, &caller, &code)?;
            let places = territory::placed_below(c, &caller, &code, Level::Building)?;
            Ok((node, lineage, places))
        })
        .await;
    let (node, lineage, places) = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let t = viewer.lang.text();
    let body = html! {
        (crumbs(&lineage, &node))
        h1 { (node.name) " · " (t.map) }
        (tabs(t, &node.code, "map"))
        @if places.is_empty() { p.muted { (t.none) } } @else { div.map-box { (svg(&places, app.map_tiles.as_deref())) } }
    };
    page(viewer.lang, Some(&viewer), t.map, false, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mercator_and_fit() {
        let (x, y) = world(0.0, 0.0);
        assert!((x - 128.0).abs() < 1e-9 && (y - 128.0).abs() < 1e-9);
        let pts = [(113.300, 40.090), (113.306, 40.096)];
        let v = View::fit(&pts);
        for &(lon, lat) in &pts {
            let (x, y) = v.at(lon, lat);
            assert!(
                (0.0..=WIDTH).contains(&x) && (0.0..=HEIGHT).contains(&y),
                "{x} {y}"
            );
        }
        assert!(
            (14..=18).contains(&v.zoom),
            "a community fits at street zooms: {}",
            v.zoom
        );
        let tiles = v.tiles("http://t/{z}/{x}/{y}.png");
        assert!(
            !tiles.is_empty()
                && tiles
                    .iter()
                    .all(|(_, _, u)| u.starts_with(&format!("http://t/{}/", v.zoom)))
        );
    }
}
