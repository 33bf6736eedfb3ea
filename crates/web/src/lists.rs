//! `/t/{code}/orgs` and `/t/{code}/units`: the organisations and the resident units of a
//! subtree, with filters, sorting and paging, read through the same store functions as
//! the API.

use crate::dashboard::{crumbs, head, label_org, label_unit, tabs};
use crate::download::in_batches;
use crate::i18n::Lang;
use crate::layout::{failure, page};
use crate::paths::NodePath;
use crate::table;
use crate::viewer::Viewer;
use crate::xlsx::Column;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use datong_domain::DivisionCode;
use datong_domain::org::OrgKind;
use datong_domain::unit::{Coverage, UnitKind};
use datong_http::App;
use datong_store::org::{self, OrgFilter};
use datong_store::sql::{Count, ListOrder, Page};
use datong_store::territory;
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
        if table::sort_key(&self.sort).0 == "name" {
            ListOrder::Name
        } else {
            ListOrder::Place
        }
    }
    fn descending(&self) -> bool {
        table::sort_key(&self.sort).1
    }
    fn page_no(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 100_000)
    }
    fn page(&self) -> Page {
        Page {
            limit: PAGE_SIZE,
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
        if page > 1 {
            kept.push(("page", page.to_string()));
        }
        serde_urlencoded::to_string(kept).unwrap_or_default()
    }
}

pub(crate) fn label_coverage(c: Coverage, lang: Lang) -> &'static str {
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
                    option value="place" selected[q.order() == ListOrder::Place] { (t.place) }
                    option value="name" selected[q.order() == ListOrder::Name] { (t.name) }
                }
            }
            button.primary type="submit" { (t.filter) }
        }
    }
}

/// The list's pages, its total, and its export with the same filters.
fn footer(viewer: &Viewer, base: &str, q: &ListQuery, count: Count) -> Markup {
    let lang = viewer.lang;
    html! {
        (table::pager(lang, count, q.page_no(), PAGE_SIZE, &|n| format!("{base}?{}", q.link(n))))
        p.exports { a #export href={ (base) ".xlsx?" (q.link(0)) } { (lang.text().export) } }
    }
}

/// A header that sorts by `key` (the list's own orders: place or name).
fn sortable(label: &str, key: &str, base: &str, q: &ListQuery) -> Markup {
    let current = match table::sort_key(&q.sort) {
        ("name", true) => "-name",
        ("name", false) => "name",
        (_, true) => "-place",
        (_, false) => "place",
    };
    table::sort_header(label, key, current, &|k| {
        let sorted = ListQuery {
            sort: k.to_owned(),
            name: q.name.clone(),
            kind: q.kind.clone(),
            coverage: q.coverage.clone(),
            page: None,
        };
        format!("{base}?{}", sorted.link(0))
    })
}

fn org_filter(q: &ListQuery, code: &DivisionCode) -> OrgFilter {
    OrgFilter {
        order: q.order(),
        descending: q.descending(),
        kind: OrgKind::parse(&q.kind),
        territory: Some(code.clone()),
        name: q.name(),
        ..OrgFilter::default()
    }
}

fn unit_filter(q: &ListQuery, code: &DivisionCode) -> UnitFilter {
    UnitFilter {
        order: q.order(),
        descending: q.descending(),
        kind: UnitKind::parse(&q.kind),
        coverage: Coverage::parse(&q.coverage),
        territory: Some(code.clone()),
        name: q.name(),
    }
}

const ORG_COLUMNS: [Column; 5] = [
    Column::new("组织名称", 36),
    Column::new("类型", 14),
    Column::new("所在地", 24),
    Column::new("委员人数", 10),
    Column::new("届满日期", 12),
];

/// `/t/{code}/orgs.xlsx`: the organisations as listed, every page.
pub async fn orgs_export(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(q): Query<ListQuery>,
) -> Response {
    let f = org_filter(&q, &code);
    let caller = viewer.caller.clone();
    let file = format!("orgs-{code}.xlsx");
    crate::download::xlsx(
        &app,
        viewer.lang,
        file,
        "党组织",
        &ORG_COLUMNS,
        move |c, rows| {
            territory::get_in_scope(c, &caller, &code)?;
            in_batches(
                c,
                |c, page| org::list(c, &caller, &f, page),
                |c, items| {
                    let places = territory::names(c, items.iter().map(|o| &o.territory))?;
                    for o in &items {
                        rows.row(&[
                            &o.name,
                            &label_org(o.kind, Lang::Zh),
                            places.get(o.territory.as_path()).map_or("", String::as_str),
                            &o.committee_size.to_string(),
                            o.term_end.as_deref().unwrap_or(""),
                        ])?;
                    }
                    Ok(())
                },
            )
        },
    )
    .await
}

const UNIT_COLUMNS: [Column; 6] = [
    Column::new("单位名称", 36),
    Column::text("统一社会信用代码", 22),
    Column::new("类型", 14),
    Column::new("所在地", 24),
    Column::new("党组织覆盖", 16),
    Column::new("党组织", 36),
];

/// `/t/{code}/units.xlsx`: the resident units as listed, every page.
pub async fn units_export(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(q): Query<ListQuery>,
) -> Response {
    let f = unit_filter(&q, &code);
    let caller = viewer.caller.clone();
    let file = format!("units-{code}.xlsx");
    crate::download::xlsx(
        &app,
        viewer.lang,
        file,
        "驻区单位",
        &UNIT_COLUMNS,
        move |c, rows| {
            territory::get_in_scope(c, &caller, &code)?;
            in_batches(
                c,
                |c, page| unit::list(c, &caller, &f, page),
                |c, items| {
                    let places = territory::names(c, items.iter().map(|u| &u.territory))?;
                    let orgs = org::names(c, &caller, items.iter().filter_map(|u| u.org_id))?;
                    for u in &items {
                        rows.row(&[
                            &u.name,
                            &u.credit_code,
                            &label_unit(u.kind, Lang::Zh),
                            places.get(u.territory.as_path()).map_or("", String::as_str),
                            label_coverage(u.coverage, Lang::Zh),
                            u.org_id
                                .and_then(|id| orgs.get(&id))
                                .map_or("", String::as_str),
                        ])?;
                    }
                    Ok(())
                },
            )
        },
    )
    .await
}

pub async fn orgs(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(q): Query<ListQuery>,
) -> Response {
    let f = org_filter(&q, &code);
    let (caller, page_req) = (viewer.caller.clone(), q.page());
    let key = format!("orgs|{}|{code}|{f:?}|{page_req:?}", caller.memo_key());
    let loaded = app
        .memo(key, move |c| {
            let (node, lineage) = head(c, &caller, &code)?;
            let items = org::list(c, &caller, &f, &page_req)?;
            let count = org::count(c, &caller, &f)?;
            let places = territory::names(c, items.iter().map(|o| &o.territory))?;
            Ok((node, lineage, items, count, places))
        })
        .await;
    let loaded = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let (node, lineage, items, count, places) = &*loaded;
    let (lang, t) = (viewer.lang, viewer.lang.text());
    let base = format!("/t/{}/orgs", node.code);
    let kinds: Vec<(String, String)> = OrgKind::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), label_org(*k, lang)))
        .collect();
    let today = chrono::Local::now().date_naive().to_string();
    let body = html! {
        (crumbs(lineage, node))
        h1 { (node.name) " · " (t.orgs) }
        (tabs(t, &node.code, "orgs"))
        (filters(&viewer, &base, &q, &kinds, false))
        div.table-wrap tabindex="0" { table #orgs {
            thead { tr { (sortable(t.name, "name", &base, &q)) th { (t.kind) } (sortable(t.place, "place", &base, &q)) th { (t.committee) } th { (t.term_end) } } }
            tbody {
                @for o in items {
                    tr {
                        td { a href={ "/orgs/" (o.id) } { (o.name) } }
                        td { (label_org(o.kind, lang)) }
                        td { a href={ "/t/" (o.territory) } { (places.get(o.territory.as_path()).map_or("", String::as_str)) } }
                        td { (o.committee_size) }
                        td.error[o.term_end.as_deref().is_some_and(|e| e < today.as_str())] { (o.term_end.as_deref().unwrap_or("—")) }
                    }
                }
                @if items.is_empty() { tr { td colspan="5" { (t.none) } } }
            }
        } }
        (footer(&viewer, &base, &q, *count))
    };
    page(lang, Some(&viewer), t.orgs, false, body).into_response()
}

pub async fn units(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(q): Query<ListQuery>,
) -> Response {
    let f = unit_filter(&q, &code);
    let (caller, page_req) = (viewer.caller.clone(), q.page());
    let key = format!("units|{}|{code}|{f:?}|{page_req:?}", caller.memo_key());
    let loaded = app
        .memo(key, move |c| {
            let (node, lineage) = head(c, &caller, &code)?;
            let items = unit::list(c, &caller, &f, &page_req)?;
            let count = unit::count(c, &caller, &f)?;
            let orgs = org::names(c, &caller, items.iter().filter_map(|u| u.org_id))?;
            let places = territory::names(c, items.iter().map(|u| &u.territory))?;
            Ok((node, lineage, items, count, orgs, places))
        })
        .await;
    let loaded = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let (node, lineage, items, count, orgs, places) = &*loaded;
    let (lang, t) = (viewer.lang, viewer.lang.text());
    let base = format!("/t/{}/units", node.code);
    let kinds: Vec<(String, String)> = UnitKind::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), label_unit(*k, lang)))
        .collect();
    let body = html! {
        (crumbs(lineage, node))
        h1 { (node.name) " · " (t.units) }
        (tabs(t, &node.code, "units"))
        (filters(&viewer, &base, &q, &kinds, true))
        div.table-wrap tabindex="0" { table #units {
            thead { tr { (sortable(t.name, "name", &base, &q)) th { (t.credit_code) } th { (t.kind) } (sortable(t.place, "place", &base, &q)) th { (t.coverage) } th { (t.org) } } }
            tbody {
                @for u in items {
                    tr {
                        td { a href={ "/units/" (u.id) } { (u.name) } }
                        td { (u.credit_code) }
                        td { (label_unit(u.kind, lang)) }
                        td { a href={ "/t/" (u.territory) } { (places.get(u.territory.as_path()).map_or("", String::as_str)) } }
                        td { (label_coverage(u.coverage, lang)) }
                        td { (u.org_id.and_then(|id| orgs.get(&id)).map_or("—", String::as_str)) }
                    }
                }
                @if items.is_empty() { tr { td colspan="6" { (t.none) } } }
            }
        } }
        (footer(&viewer, &base, &q, *count))
    };
    page(lang, Some(&viewer), t.units, false, body).into_response()
}
