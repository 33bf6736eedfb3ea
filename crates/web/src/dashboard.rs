//! `/t/{code}`: a node's dashboard — key figures and charts from its roll-up, and its
//! children with their own figures for drill-down. Everything comes from the kept
//! counters, so the city's page costs what a community's does.

use crate::i18n::{Lang, Text};
use crate::layout::{failure, page};
use crate::paths::NodePath;
use crate::viewer::Viewer;
use axum::extract::State;
use axum::response::Html;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use datong_domain::division::Kind;
use datong_domain::member::Education;
use datong_domain::org::OrgKind;
use datong_domain::unit::UnitKind;
use datong_domain::{DivisionCode, Level};
use datong_http::App;
use datong_http::error::ApiError;
use datong_store::access::Caller;
use datong_store::rollup::{self, Rollup};
use datong_store::sql::Page;
use datong_store::territory::{self, Territory};
use maud::{Markup, html};
use serde_json::{Value, json};
use std::sync::Arc;

pub struct Node {
    pub node: Territory,
    /// Ancestors, each with whether the viewer may open it.
    pub lineage: Vec<(Territory, bool)>,
    pub rollup: Rollup,
    pub children: Vec<(Territory, Rollup)>,
}

async fn load(app: &App, viewer: &Viewer, code: DivisionCode) -> Result<Arc<Node>, ApiError> {
    let caller = viewer.caller.clone();
    let key = format!("node|{}|{code}", caller.memo_key());
    app.memo(key, move |c| {
        let (node, lineage) = head(c, &caller, &code)?;
        // `head` has checked the scope.
        let rollup = rollup::read(c, &code)?;
        let page = Page {
            limit: 200,
            offset: 0,
        };
        let kids = territory::children(c, &caller, &code, &page)?;
        let codes: Vec<DivisionCode> = kids.iter().map(|k| k.code.clone()).collect();
        let children = kids
            .into_iter()
            .zip(rollup::read_many(c, &codes)?)
            .collect();
        Ok(Node {
            node,
            lineage,
            rollup,
            children,
        })
    })
    .await
}

/// The ancestors of `code` the caller may name, each with whether it may open them.
/// The node a page is about, inside the caller's scope, and its ancestors the caller may
/// name, each with whether it may open them.
pub fn head(
    c: &mut datong_store::Conn,
    caller: &Caller,
    code: &DivisionCode,
) -> datong_store::StoreResult<(Territory, Vec<(Territory, bool)>)> {
    let node = territory::get_in_scope(c, caller, code)?;
    let lineage = code
        .lineage()
        .into_iter()
        .filter(|a| a != code && caller.places.sees_path_to(a))
        .filter_map(|a| territory::get(c, caller, &a).ok())
        .map(|t| {
            let inside = caller.places.contains(&t.code);
            (t, inside)
        })
        .collect();
    Ok((node, lineage))
}

pub fn crumbs(lineage: &[(Territory, bool)], node: &Territory) -> Markup {
    html! {
        nav.crumbs {
            @for (a, inside) in lineage {
                @if *inside { a href={ "/t/" (a.code) } { (a.name) } } @else { span { (a.name) } }
                " / "
            }
            span { (node.name) }
        }
    }
}

pub fn tabs(t: &Text, code: &DivisionCode, on: &str) -> Markup {
    html! {
        div.tabs {
            a.on[on == "overview"] href={ "/t/" (code) } { (t.overview) }
            a.on[on == "members"] href={ "/t/" (code) "/members" } { (t.members) }
            a.on[on == "orgs"] href={ "/t/" (code) "/orgs" } { (t.orgs) }
            a.on[on == "units"] href={ "/t/" (code) "/units" } { (t.units) }
            @if code.level() >= Level::City && code.level() <= Level::Community {
                a.on[on == "duties"] href={ "/t/" (code) "/duties" } { (t.duties) }
            }
            @if code.level() == Level::Street {
                a.on[on == "street"] href={ "/t/" (code) "/street" } { (t.street) }
            }
            @if code.level() < Level::Street {
                a.on[on == "oversight"] href={ "/t/" (code) "/oversight" } { (t.oversight) }
            }
            @if code.level() >= Level::City && code.level() <= Level::Grid {
                a.on[on == "requests"] href={ "/t/" (code) "/requests" } { (t.requests) }
            }
            @if code.level() >= Level::Province && code.level() <= Level::Community {
                a.on[on == "request-figures"] href={ "/t/" (code) "/request-figures" } { (t.request_figures) }
            }
            @if code.level() >= Level::Community && code.level() <= Level::Grid {
                a.on[on == "map"] href={ "/t/" (code) "/map" } { (t.map) }
            }
        }
    }
}

fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn bar(labels: Vec<String>, values: Vec<Value>, unit: &str) -> String {
    // Counts (no unit) tick in whole numbers; a chart with nothing to show says so.
    let mut y =
        json!({ "type": "value", "axisLabel": { "formatter": format!("{{value}}{unit}") } });
    if unit.is_empty() {
        y["minInterval"] = json!(1);
    }
    let mut option = json!({
        "grid": { "left": 48, "right": 16, "top": 16, "bottom": 40, "containLabel": true },
        "tooltip": { "trigger": "axis" },
        "xAxis": { "type": "category", "data": labels, "axisLabel": { "interval": 0, "rotate": 30 } },
        "yAxis": y,
        "series": [{ "type": "bar", "data": values, "itemStyle": { "color": "#c8161d" } }]
    });
    let empty = values
        .iter()
        .all(|v| v.is_null() || v.as_f64() == Some(0.0));
    if empty {
        option["title"] = json!({ "text": "暂无数据 · No data", "left": "center", "top": "middle",
            "textStyle": { "color": "#6a737d", "fontSize": 14, "fontWeight": "normal" } });
    }
    option.to_string()
}

fn pie(items: Vec<(String, i64)>) -> String {
    let data: Vec<Value> = items
        .into_iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect();
    json!({
        "tooltip": { "trigger": "item" },
        "series": [{ "type": "pie", "radius": ["35%", "65%"], "data": data }]
    })
    .to_string()
}

/// Birth decades as age bands this year: born 1950–1959 is 67–76 in 2026.
fn age_bands(r: &Rollup, t: &Text) -> (Vec<String>, Vec<Value>) {
    let year = chrono::Local::now().year();
    r.members_by_birth_decade
        .iter()
        .rev()
        .filter_map(|(decade, n)| {
            let d: i32 = decade.parse().ok()?;
            Some((
                format!("{}–{}{}", (year - d - 9).max(0), year - d, t.years_old),
                json!(n),
            ))
        })
        .unzip()
}

fn charts(r: &Rollup, lang: Lang) -> Markup {
    let t = lang.text();
    let (ages, age_n) = age_bands(r, t);
    let education: Vec<(String, i64)> = Education::ALL
        .iter()
        .filter_map(|e| {
            r.members_by_education
                .get(e.as_str())
                .map(|n| (label_education(*e, lang), *n))
        })
        .collect();
    let (joined, joined_n): (Vec<String>, Vec<Value>) = r
        .members_by_joined_decade
        .iter()
        .map(|(d, n)| (format!("{d}{}", t.decade), json!(n)))
        .unzip();
    let (kinds, kind_n): (Vec<String>, Vec<Value>) = OrgKind::ALL
        .iter()
        .filter_map(|k| {
            r.orgs
                .get(k.as_str())
                .map(|n| (label_org(*k, lang), json!(n)))
        })
        .unzip();
    let (unit_kinds, rates): (Vec<String>, Vec<Value>) = UnitKind::ALL
        .iter()
        .filter_map(|k| {
            let c = r.units.get(k.as_str())?;
            Some((
                label_unit(*k, lang),
                json!(c.coverage_rate.map(|x| (x * 1000.0).round() / 10.0)),
            ))
        })
        .unzip();
    html! {
        div.charts {
            div.chart-box { h2 { (t.by_age) } div.chart #chart-age data-chart=(bar(ages, age_n, "")) {} }
            div.chart-box { h2 { (t.by_education) } div.chart #chart-education data-chart=(pie(education)) {} }
            div.chart-box { h2 { (t.by_joined) } div.chart #chart-joined data-chart=(bar(joined, joined_n, "")) {} }
            div.chart-box { h2 { (t.by_org_kind) } div.chart #chart-orgs data-chart=(bar(kinds, kind_n, "")) {} }
            div.chart-box { h2 { (t.coverage_by_kind) } div.chart #chart-coverage data-chart=(bar(unit_kinds, rates, "%")) {} }
            div.chart-box {
                h2 { (t.findings) }
                div.chart #chart-findings data-chart-src={ "/t/" (r.code) "/findings.json" }
                    data-drill={ "/t/" (r.code) "/findings?rule=" }
                    data-drill-keys=(datong_domain::branch_rules::FindingCode::ALL.map(|f| f.as_str()).join(",")) {}
                p { a #findings-drill href={ "/t/" (r.code) "/findings" } { (lang.pick("查看存在问题的组织", "The organisations behind these")) } }
            }
        }
    }
}

pub fn label_education(e: Education, lang: Lang) -> String {
    lang.label(e.label(), e.as_str())
}

pub fn label_org(k: OrgKind, lang: Lang) -> String {
    lang.label(k.label(), k.as_str())
}

pub fn label_unit(k: UnitKind, lang: Lang) -> String {
    lang.label(k.label(), k.as_str())
}

fn territory_count(r: &Rollup, level: &str) -> i64 {
    r.territories.get(level).copied().unwrap_or(0)
}

/// Places below by kind: the seed counts streets apart from towns, communities apart
/// from villages.
fn kind_count(r: &Rollup, kinds: &[Kind]) -> i64 {
    kinds
        .iter()
        .map(|k| r.territory_kinds.get(k.as_str()).copied().unwrap_or(0))
        .sum()
}

fn figures(r: &Rollup, t: &Text) -> Markup {
    let orgs: i64 = r.orgs.values().sum();
    let coverage = |k: UnitKind| r.units.get(k.as_str()).and_then(|c| c.coverage_rate);
    let figure = |n: String, k: &str| html! { div.figure { div.n { (n) } div.k { (k) } } };
    html! {
        div.figures {
            (figure(r.members_total.to_string(), t.members))
            (figure(r.members.get("full").copied().unwrap_or(0).to_string(), t.full))
            (figure(r.members.get("probationary").copied().unwrap_or(0).to_string(), t.probationary))
            (figure(orgs.to_string(), t.orgs))
            (figure(r.units_total.to_string(), t.units))
            (figure(r.social_workers.to_string(), t.social_workers))
            @if territory_count(r, "street") > 0 {
                (figure(kind_count(r, &[Kind::Street]).to_string(), t.streets))
                (figure(kind_count(r, &[Kind::Town, Kind::Township]).to_string(), t.towns))
            }
            (figure(kind_count(r, &[Kind::Community]).to_string(), t.communities))
            (figure(kind_count(r, &[Kind::Village]).to_string(), t.villages))
            (figure(territory_count(r, "grid").to_string(), t.grids))
            (figure(territory_count(r, "building").to_string(), t.buildings))
            (figure(territory_count(r, "household").to_string(), t.households))
            (figure(percent(coverage(UnitKind::NonPublicEnterprise)), t.coverage_non_public))
            (figure(percent(coverage(UnitKind::SocialOrganisation)), t.coverage_social))
        }
    }
}

pub fn render(n: &Node, viewer: &Viewer) -> Html<String> {
    let lang = viewer.lang;
    let t = lang.text();
    let body = html! {
        (crumbs(&n.lineage, &n.node))
        h1 { (n.node.name) " " span.muted { (n.node.code) } }
        (tabs(t, &n.node.code, "overview"))
        (figures(&n.rollup, t))
        (charts(&n.rollup, lang))
        @if !n.children.is_empty() {
            h2 { (t.children) }
            div.table-wrap tabindex="0" {
                table #children {
                    thead { tr { th { (t.name) } th { (t.code) } th { (t.members) } th { (t.orgs) } th { (t.households) } } }
                    tbody {
                        @for (child, r) in &n.children {
                            tr {
                                td { a href={ "/t/" (child.code) } { (child.name) } }
                                td { (child.code) }
                                td { (r.members_total) }
                                td { (r.orgs.values().sum::<i64>()) }
                                td { (territory_count(r, "household")) }
                            }
                        }
                    }
                }
            }
        }
    };
    page(lang, Some(viewer), &n.node.name, true, body)
}

pub async fn show(State(app): State<App>, viewer: Viewer, NodePath(code): NodePath) -> Response {
    match load(&app, &viewer, code).await {
        Ok(node) => render(&node, &viewer).into_response(),
        Err(e) => failure(viewer.lang, e),
    }
}

/// `/t/{code}/findings.json`: organisations with each branch-rule finding in the subtree,
/// as a chart. Fetched after the page has drawn: judging every organisation takes longer
/// than reading counters.
pub async fn findings(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
) -> Response {
    let caller = viewer.caller.clone();
    let key = format!("findings|{}|{code}", caller.memo_key());
    match app
        .memo(key, move |c| {
            datong_store::org::findings_summary(c, &caller, &code)
        })
        .await
    {
        Ok(counts) => {
            let (labels, values): (Vec<String>, Vec<Value>) =
                datong_domain::branch_rules::FindingCode::ALL
                    .iter()
                    .map(|f| {
                        let label = match viewer.lang {
                            Lang::Zh => f.label().to_owned(),
                            Lang::En => format!("{f:?}"),
                        };
                        (label, json!(counts.get(f).copied().unwrap_or(0)))
                    })
                    .unzip();
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                bar(labels, values, ""),
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}
