//! `/t/{code}/orgs` and `/t/{code}/units`: the organisations and the resident units of a
//! subtree, with filters, sorting and paging, read through the same store functions as
//! the API.

use crate::dashboard::{crumbs, head, label_org, label_unit, tabs};
use crate::i18n::Lang;
use crate::layout::{failure, page};
use crate::paths::NodePath;
use crate::viewer::Viewer;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use datong_domain::org::OrgKind;
use datong_domain::unit::{Coverage, UnitKind};
use datong_http::App;
use datong_store::org::{self, OrgFilter};
use datong_store::sql::{ListOrder, Page};
use datong_store::unit::{self, UnitFilter};
use maud::{Markup, html};
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    name: String,
    kind: String,
    coverage: String,
    sort: String,
    page: Option<i64>,
}

impl ListQuery {
    fn name(&self) -> Option<String> {
        Some(self.name.trim().chars().take(100).collect::<String>()).filter(|n| !n.is_empty())
    }
    fn order(&self) -> ListOrder {
        if self.sort == "name" {
            ListOrder::Name
        } else {
            ListOrder::Place
        }
    }
    fn page_no(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 100_000)
    }
    fn page(&self) -> Page {
        Page {
            limit: PAGE_SIZE + 1,
            offset: (self.page_no() - 1) * PAGE_SIZE,
        }
    }
    fn link(&self, page: i64) -> String {
        let pairs = [
            ("name", self.name.as_str()),
            ("kind", &self.kind),
            ("coverage", &self.coverage),
            ("sort", &self.sort),
        ];
        let mut kept: Vec<(&str, String)> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (*k, v.to_string()))
            .collect();
        kept.push(("page", page.to_string()));
        serde_urlencoded::to_string(kept).unwrap_or_default()
    }
}

fn label_coverage(c: Coverage, lang: Lang) -> &'static str {
    match (c, lang) {
        (Coverage::OwnOrg, Lang::Zh) => "单独建立党组织",
        (Coverage::JointBranch, Lang::Zh) => "联合党支部",
        (Coverage::Instructor, Lang::Zh) => "选派党建指导员",
        (Coverage::None, Lang::Zh) => "尚未覆盖",
        (Coverage::OwnOrg, Lang::En) => "own organisation",
        (Coverage::JointBranch, Lang::En) => "joint branch",
        (Coverage::Instructor, Lang::En) => "instructor",
        (Coverage::None, Lang::En) => "not covered",
    }
}

fn filters(
    viewer: &Viewer,
    action: &str,
    q: &ListQuery,
    kinds: &[(String, String)],
    coverage: bool,
) -> Markup {
    let t = viewer.lang.text();
    html! {
        form.filters method="get" action=(action) {
            label { (t.name) input name="name" value=(q.name) maxlength="100"; }
            label { (t.kind)
                select name="kind" {
                    option value="" { (t.all) }
                    @for (v, l) in kinds { option value=(v) selected[q.kind == *v] { (l) } }
                }
            }
            @if coverage {
                label { (t.coverage)
                    select name="coverage" {
                        option value="" { (t.all) }
                        @for c in Coverage::ALL { option value=(c.as_str()) selected[q.coverage == c.as_str()] { (label_coverage(c, viewer.lang)) } }
                    }
                }
            }
            label { (t.sort)
                select name="sort" {
                    option value="place" selected[q.sort != "name"] { (t.place) }
                    option value="name" selected[q.sort == "name"] { (t.name) }
                }
            }
            button.primary type="submit" { (t.filter) }
        }
    }
}

fn pager(viewer: &Viewer, base: &str, q: &ListQuery, more: bool) -> Markup {
    let t = viewer.lang.text();
    let n = q.page_no();
    html! {
        div.pager {
            @if n > 1 { a rel="prev" href={ (base) "?" (q.link(n - 1)) } { (t.previous) } }
            span.muted { (n) }
            @if more { a rel="next" href={ (base) "?" (q.link(n + 1)) } { (t.next) } }
        }
    }
}

pub async fn orgs(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(q): Query<ListQuery>,
) -> Response {
    let f = OrgFilter {
        order: q.order(),
        kind: OrgKind::parse(&q.kind),
        territory: Some(code.clone()),
        name: q.name(),
        ..OrgFilter::default()
    };
    let (caller, page_req) = (viewer.caller.clone(), q.page());
    let loaded = app
        .run(move |c| {
            let (node, lineage) = head(c, &caller, &code)?;
            let mut items = org::list(c, &caller, &f, &page_req)?;
            let more = items.len() as i64 > PAGE_SIZE;
            items.truncate(PAGE_SIZE as usize);
            Ok((node, lineage, items, more))
        })
        .await;
    let (node, lineage, items, more) = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let (lang, t) = (viewer.lang, viewer.lang.text());
    let base = format!("/t/{}/orgs", node.code);
    let kinds: Vec<(String, String)> = OrgKind::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), label_org(*k, lang)))
        .collect();
    let today = chrono::Local::now().date_naive().to_string();
    let body = html! {
        (crumbs(&lineage, &node))
        h1 { (node.name) " · " (t.orgs) }
        (tabs(t, &node.code, "orgs"))
        (filters(&viewer, &base, &q, &kinds, false))
        div.table-wrap { table #orgs {
            thead { tr { th { (t.name) } th { (t.kind) } th { (t.code) } th { (t.committee) } th { (t.term_end) } } }
            tbody {
                @for o in &items {
                    tr {
                        td { a href={ "/orgs/" (o.id) } { (o.name) } }
                        td { (label_org(o.kind, lang)) }
                        td { a href={ "/t/" (o.territory) } { (o.territory) } }
                        td { (o.committee_size) }
                        td.error[o.term_end.as_deref().is_some_and(|e| e < today.as_str())] { (o.term_end.as_deref().unwrap_or("—")) }
                    }
                }
                @if items.is_empty() { tr { td colspan="5" { (t.none) } } }
            }
        } }
        (pager(&viewer, &base, &q, more))
    };
    page(lang, Some(&viewer), t.orgs, false, body).into_response()
}

pub async fn units(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(q): Query<ListQuery>,
) -> Response {
    let f = UnitFilter {
        order: q.order(),
        kind: UnitKind::parse(&q.kind),
        coverage: Coverage::parse(&q.coverage),
        territory: Some(code.clone()),
        name: q.name(),
    };
    let (caller, page_req) = (viewer.caller.clone(), q.page());
    let loaded = app
        .run(move |c| {
            let (node, lineage) = head(c, &caller, &code)?;
            let mut items = unit::list(c, &caller, &f, &page_req)?;
            let more = items.len() as i64 > PAGE_SIZE;
            items.truncate(PAGE_SIZE as usize);
            let orgs = org::names(c, &caller, items.iter().filter_map(|u| u.org_id))?;
            Ok((node, lineage, items, more, orgs))
        })
        .await;
    let (node, lineage, items, more, orgs) = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let (lang, t) = (viewer.lang, viewer.lang.text());
    let base = format!("/t/{}/units", node.code);
    let kinds: Vec<(String, String)> = UnitKind::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), label_unit(*k, lang)))
        .collect();
    let body = html! {
        (crumbs(&lineage, &node))
        h1 { (node.name) " · " (t.units) }
        (tabs(t, &node.code, "units"))
        (filters(&viewer, &base, &q, &kinds, true))
        div.table-wrap { table #units {
            thead { tr { th { (t.name) } th { (t.credit_code) } th { (t.kind) } th { (t.code) } th { (t.coverage) } th { (t.org) } } }
            tbody {
                @for u in &items {
                    tr {
                        td { (u.name) }
                        td { (u.credit_code) }
                        td { (label_unit(u.kind, lang)) }
                        td { a href={ "/t/" (u.territory) } { (u.territory) } }
                        td { (label_coverage(u.coverage, lang)) }
                        td { (u.org_id.and_then(|id| orgs.get(&id)).map_or("—", String::as_str)) }
                    }
                }
                @if items.is_empty() { tr { td colspan="6" { (t.none) } } }
            }
        } }
        (pager(&viewer, &base, &q, more))
    };
    page(lang, Some(&viewer), t.units, false, body).into_response()
}
