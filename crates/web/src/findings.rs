//! `/t/{code}/findings`: the organisations behind the branch-rule findings of a subtree —
//! what a bar of the dashboard's findings chart stands for, one rule at a time or all of
//! them — each linking to its organisation's page.

use crate::dashboard::{crumbs, head, tabs};
use crate::layout::{failure, page};
use crate::paths::NodePath;
use crate::viewer::Viewer;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use datong_domain::branch_rules::FindingCode;
use datong_http::App;
use datong_store::org;
use datong_store::territory;
use maud::html;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RuleQuery {
    rule: String,
}

pub async fn show(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(q): Query<RuleQuery>,
) -> Response {
    let rule = FindingCode::parse(&q.rule);
    let caller = viewer.caller.clone();
    let loaded = app
        .run(move |c| {
            let (node, lineage) = head(c, &caller, &code)?;
            let judged: Vec<_> = org::judged(c, &caller, &code)?
                .into_iter()
                .filter(|j| match rule {
                    Some(r) => j.findings.iter().any(|f| f.code == r),
                    None => !j.findings.is_empty(),
                })
                .collect();
            let places = territory::names(c, judged.iter().map(|j| &j.territory))?;
            Ok((node, lineage, judged, places))
        })
        .await;
    let (node, lineage, judged, places) = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let (lang, t) = (viewer.lang, viewer.lang.text());
    let base = format!("/t/{}/findings", node.code);
    let body = html! {
        (crumbs(&lineage, &node))
        h1 { (node.name) " · " (t.findings) }
        (tabs(t, &node.code, ""))
        nav.filters aria-label=(lang.pick("按问题筛选", "Filter by rule")) {
            a href=(base) aria-current=[rule.is_none().then_some("true")] { (lang.pick("全部问题", "All")) }
            @for f in FindingCode::ALL {
                " " a href={ (base) "?rule=" (f.as_str()) } aria-current=[(rule == Some(f)).then_some("true")] { (f.label()) }
            }
        }
        p.total { (lang.pick("共 ", "")) (judged.len()) (lang.pick(" 个组织", " organisations")) }
        div.table-wrap tabindex="0" { table #findings {
            thead { tr { th { (t.org) } th { (t.place) } th { (lang.pick("问题", "Findings")) } } }
            tbody {
                @for j in &judged {
                    tr {
                        td { a href={ "/orgs/" (j.id) } { (j.name) } }
                        td { (places.get(j.territory.as_path()).map_or("", String::as_str)) }
                        td { @for f in &j.findings { @if rule.is_none_or(|r| r == f.code) { div { (f.message) } } } }
                    }
                }
                @if judged.is_empty() { tr { td colspan="3" { (t.none) } } }
            }
        } }
    };
    page(lang, Some(&viewer), t.findings, false, body).into_response()
}
