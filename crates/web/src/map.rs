//! `/t/{code}/map`: a community's (or grid's) grids and buildings, drawn as SVG on the
//! server from our own geometry in Web Mercator, with a tile layer underneath only when a
//! tile URL is configured. Above a community (a street, a district, the city) the map is
//! a choropleth instead: the communities shaded by a measure, a legend, and a panel that a
//! click on an area fills — not thousands of labels and dots.

use crate::dashboard::{crumbs, head, tabs};
use crate::layout::{failure, page};
use crate::paths::NodePath;
use crate::viewer::Viewer;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use datong_domain::{DivisionCode, Level};
use datong_http::App;
use datong_http::memo::Ends;
use datong_store::request::tally;
use datong_store::rollup;
use datong_store::territory::{self, Placed};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use std::collections::HashMap;

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

/// A stored polygon as an SVG path in the view, its pixels to `decimals` places.
fn outline(view: &View, polygon: &str, decimals: usize) -> String {
    rings(polygon)
        .iter()
        .map(|ring| {
            let pts: Vec<String> = ring
                .iter()
                .map(|&(lon, lat)| {
                    let (x, y) = view.at(lon, lat);
                    format!("{x:.decimals$},{y:.decimals$}")
                })
                .collect();
            format!("M{}Z", pts.join("L"))
        })
        .collect()
}

fn rings(polygon: &str) -> Vec<Vec<(f64, f64)>> {
    serde_json::from_str::<Vec<Vec<(f64, f64)>>>(polygon).unwrap_or_default()
}

/// The places as an SVG map. The projection rides on the element (`data-zoom`,
/// `data-left`, `data-top`), so a script can turn a tap back into a longitude and latitude.
pub(crate) fn svg(places: &[Placed], tiles: Option<&str>, label: &str) -> Markup {
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
    let path = |poly: &str| outline(&view, poly, 1);
    let area = |l: Level| {
        places
            .iter()
            .filter(move |p| p.level == l && p.polygon.is_some())
    };
    html! {
        svg #map viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } width="100%" role="img" aria-label=(label) xmlns="http://www.w3.org/2000/svg"
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

/// What a choropleth shades the communities by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measure {
    Members,
    OpenRequests,
}

impl Measure {
    fn parse(s: &str) -> Self {
        match s {
            "open_requests" => Measure::OpenRequests,
            _ => Measure::Members,
        }
    }
    fn key(self) -> &'static str {
        match self {
            Measure::Members => "members",
            Measure::OpenRequests => "open_requests",
        }
    }
    fn label(self, lang: crate::i18n::Lang) -> &'static str {
        match self {
            Measure::Members => lang.pick("党员数", "Members"),
            Measure::OpenRequests => lang.pick("在办诉求", "Open requests"),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MapQuery {
    measure: String,
}

/// The five shades, lightest first.
const SHADES: [&str; 5] = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];

/// Class breaks by quantile: the lowest value of each of the five classes past the first.
fn breaks(values: &[i64]) -> Vec<i64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let mut out: Vec<i64> = (1..SHADES.len())
        .filter_map(|k| sorted.get(k * sorted.len() / SHADES.len()).copied())
        .collect();
    out.dedup();
    out
}

fn shade(v: i64, breaks: &[i64]) -> usize {
    breaks.iter().filter(|b| v >= **b).count()
}

/// Areas to label by name: few enough to read.
const LABELLED: usize = 40;

/// Communities drawn for a choropleth: what the places alone decide, kept across the
/// writes of daily work (`Ends::PlacesChange`).
struct Outlines {
    areas: Vec<Outline>,
}

struct Outline {
    code: DivisionCode,
    name: String,
    /// The SVG path, in whole pixels.
    d: String,
    /// Where its label goes, when there are few enough to label.
    at: (f64, f64),
}

fn outlines(areas: &[Placed]) -> Outlines {
    let points: Vec<(f64, f64)> = areas
        .iter()
        .flat_map(|a| {
            rings(a.polygon.as_deref().unwrap_or("[]"))
                .into_iter()
                .flatten()
        })
        .collect();
    if points.is_empty() {
        return Outlines { areas: Vec::new() };
    }
    let view = View::fit(&points);
    Outlines {
        areas: areas
            .iter()
            .map(|a| Outline {
                code: a.code.clone(),
                name: a.name.clone(),
                // Whole pixels: a city's communities stay well under half a megabyte.
                d: outline(&view, a.polygon.as_deref().unwrap_or("[]"), 0),
                at: view.at(a.lon, a.lat),
            })
            .collect(),
    }
}

fn choropleth(
    lang: crate::i18n::Lang,
    drawn: &Outlines,
    values: &HashMap<String, i64>,
    measure: Measure,
) -> Markup {
    let areas = &drawn.areas;
    if areas.is_empty() {
        return html! { p.muted { (lang.text().none) } };
    }
    let value = |a: &Outline| values.get(a.code.as_path()).copied().unwrap_or(0);
    let all: Vec<i64> = areas.iter().map(value).collect();
    let cuts = breaks(&all);
    // Each shade in the legend with the least value it takes.
    let mut lows = vec![all.iter().copied().min().unwrap_or(0)];
    lows.extend(&cuts);
    html! {
        div.map-box {
            svg #map.choropleth viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } width="100%" role="img"
                aria-label=(measure.label(lang)) xmlns="http://www.w3.org/2000/svg" {
                @for a in areas {
                    @let v = value(a);
                    path.area d=(a.d) fill=(SHADES[shade(v, &cuts)])
                        data-code=(a.code) data-name=(a.name) data-value=(v) {}
                }
                @if areas.len() <= LABELLED {
                    @for a in areas {
                        text.label x=(format!("{:.0}", a.at.0)) y=(format!("{:.0}", a.at.1)) text-anchor="middle" { (a.name) }
                    }
                }
            }
        }
        ul.legend aria-label=(lang.pick("图例", "Legend")) {
            @for low in &lows {
                li { span.swatch style={ "background:" (SHADES[shade(*low, &cuts)]) } {} " ≥ " (low) }
            }
        }
        div #area-panel aria-live="polite" data-open=(lang.pick("查看该社区", "Open this community")) {
            p.muted { (lang.pick("点击地图上的区域查看详情。", "Click an area for its figures.")) }
        }
    }
}

/// What a map draws from the places alone: above a community its communities' outlines,
/// at a community its grids and buildings.
enum Drawn {
    Overview(Outlines),
    Community(Vec<Placed>),
}

pub async fn show(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(mq): Query<MapQuery>,
) -> Response {
    let caller = viewer.caller.clone();
    let measure = Measure::parse(&mq.measure);
    let overview = code.level() < Level::Community;
    let (lang, t) = (viewer.lang, viewer.lang.text());
    let tiles = app.map_tiles.clone();
    let who = caller.memo_key();
    let memo = app.memo.clone();
    // Drawn and shaded, kept until the next write; inside, the places and their outlines,
    // kept until a write to the places (the costly part: a city's 1,800 outlines).
    let key = format!("map|{who}|{code}|{}|{lang:?}|{tiles:?}", measure.key());
    let loaded = app
        .memo(key, move |c| {
            let places = memo.get(
                c,
                Ends::PlacesChange,
                format!("map-places|{who}|{code}"),
                |c| {
                    let (node, lineage) = head(c, &caller, &code)?;
                    let drawn = if overview {
                        let areas: Vec<Placed> =
                            territory::placed_below(c, &caller, &code, Level::Community)?
                                .into_iter()
                                .filter(|p| p.level == Level::Community && p.polygon.is_some())
                                .collect();
                        Drawn::Overview(outlines(&areas))
                    } else {
                        Drawn::Community(territory::placed_below(
                            c,
                            &caller,
                            &code,
                            Level::Building,
                        )?)
                    };
                    Ok((node, lineage, drawn))
                },
            )?;
            let (node, _, drawn) = &*places;
            let shown = match drawn {
                Drawn::Overview(o) => {
                    let values = match measure {
                        Measure::Members => {
                            let codes: Vec<DivisionCode> =
                                o.areas.iter().map(|a| a.code.clone()).collect();
                            rollup::sum_many(c, &codes, &["member:full", "member:probationary"])?
                        }
                        Measure::OpenRequests => {
                            tally::open_by_node(c, &caller, &code, Level::Community)?
                        }
                    };
                    choropleth(lang, o, &values, measure)
                }
                Drawn::Community(places) if places.is_empty() => {
                    html! { p.muted { (lang.text().none) } }
                }
                Drawn::Community(places) => {
                    let label = format!("{} {}", node.name, lang.text().map);
                    html! { div.map-box { (svg(places, tiles.as_deref(), &label)) } }
                }
            };
            Ok((places, shown.into_string()))
        })
        .await;
    let loaded = match loaded {
        Ok(x) => x,
        Err(e) => return failure(lang, e),
    };
    let (places, shown) = &*loaded;
    let (node, lineage, _) = &**places;
    let base = format!("/t/{}/map", node.code);
    let body = html! {
        (crumbs(lineage, node))
        h1 { (node.name) " · " (t.map) }
        (tabs(t, &node.code, "map"))
        @if overview {
            nav.filters aria-label=(lang.pick("着色指标", "Shaded by")) {
                @for m in [Measure::Members, Measure::OpenRequests] {
                    a href={ (base) "?measure=" (m.key()) } aria-current=[(m == measure).then_some("true")] { (m.label(lang)) }
                }
            }
        }
        (PreEscaped(shown.as_str()))
    };
    page(lang, Some(&viewer), t.map, false, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_classes_shade_from_light_to_dark() {
        let values: Vec<i64> = (1..=100).collect();
        let cuts = breaks(&values);
        assert_eq!(cuts, [21, 41, 61, 81]);
        let shades: Vec<usize> = [1, 20, 21, 60, 81, 100]
            .iter()
            .map(|v| shade(*v, &cuts))
            .collect();
        assert_eq!(shades, [0, 0, 1, 2, 4, 4]);
        // Many equal values give fewer classes, never an empty one in between.
        assert_eq!(breaks(&[0, 0, 0, 0, 5]), [0, 5]);
        assert_eq!(shade(0, &[0, 5]), 1);
        assert!(breaks(&[]).is_empty());
    }

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
