//! `/t/{code}/members`: the member roster of a subtree — filters, sorting, paging.
//! ID and phone numbers are always masked here; unmasking is a per-record, audited read.

use crate::dashboard::{crumbs, head, label_education, tabs};
use crate::i18n::Lang;
use crate::layout::{failure, page};
use crate::paths::NodePath;
use crate::table;
use crate::viewer::Viewer;
use crate::xlsx::Column;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::response::{IntoResponse, Response};
use datong_domain::DivisionCode;
use datong_domain::member::MemberStatus;
use datong_http::App;
use datong_store::member::{self, Member, MemberFilter, MemberSort};
use datong_store::sql::{Count, Page};
use datong_store::territory::{self, Territory};
use maud::html;
use serde::Deserialize;
use std::collections::HashMap;

pub const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct RosterQuery {
    #[serde(default)]
    name: String,
    status: Option<String>,
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    page: Option<i64>,
    /// Exports only: whole ID and phone numbers (needs the right; audited).
    #[serde(default)]
    unmask: bool,
}

fn filter_of(q: &RosterQuery, code: &DivisionCode) -> MemberFilter {
    MemberFilter {
        sort: sort_of(q.sort.as_deref()),
        descending: q.sort.as_deref().is_some_and(|s| table::sort_key(s).1),
        territory: Some(code.clone()),
        status: q.status.as_deref().and_then(MemberStatus::parse),
        name: Some(q.name.trim().chars().take(100).collect::<String>()).filter(|n| !n.is_empty()),
        ..MemberFilter::default()
    }
}

struct Roster {
    node: Territory,
    lineage: Vec<(Territory, bool)>,
    members: Vec<Member>,
    orgs: HashMap<i64, String>,
    count: Count,
}

fn status_label(s: MemberStatus, lang: Lang) -> &'static str {
    match s {
        MemberStatus::Full => lang.text().full,
        MemberStatus::Probationary => lang.text().probationary,
    }
}

fn sort_of(s: Option<&str>) -> MemberSort {
    match s.map(|s| table::sort_key(s).0) {
        Some("name") => MemberSort::Name,
        Some("joined_on") => MemberSort::JoinedOn,
        Some("birth_date") => MemberSort::BirthDate,
        Some("id") => MemberSort::Id,
        _ => MemberSort::Place,
    }
}

fn query_string(q: &RosterQuery, page: i64) -> String {
    let mut pairs = if page > 0 {
        vec![("page", page.to_string())]
    } else {
        Vec::new()
    };
    if !q.name.is_empty() {
        pairs.push(("name", q.name.clone()));
    }
    if let Some(s) = &q.status {
        pairs.push(("status", s.clone()));
    }
    if let Some(s) = &q.sort {
        pairs.push(("sort", s.clone()));
    }
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

fn render(r: &Roster, q: &RosterQuery, page_no: i64, viewer: &Viewer) -> Html<String> {
    let lang = viewer.lang;
    let t = lang.text();
    let base = format!("/t/{}/members", r.node.code);
    let selected = |v: &str, cur: Option<&str>| cur.map(|c| table::sort_key(c).0) == Some(v);
    let sort_key = q.sort.as_deref().unwrap_or("place");
    let by = |key: &str| {
        let sorted = RosterQuery {
            sort: Some(key.to_owned()),
            name: q.name.clone(),
            status: q.status.clone(),
            ..RosterQuery::default()
        };
        format!("{base}?{}", query_string(&sorted, 0))
    };
    let body = html! {
        (crumbs(&r.lineage, &r.node))
        h1 { (r.node.name) " · " (t.members) }
        (tabs(t, &r.node.code, "members"))
        @if viewer.caller.scope.contains(&r.node.code) {
            p {
                a.button #new-member href={ "/t/" (r.node.code) "/members/new" } { (t.new_member) }
                " "
                a.button #import-roster href={ "/t/" (r.node.code) "/members/import" } { (t.import_roster) }
            }
        }
        form.filters method="get" action=(base) {
            label { (t.name) input name="name" value=(q.name) maxlength="100"; }
            label { (t.status)
                select name="status" {
                    option value="" { (t.all) }
                    @for s in MemberStatus::ALL {
                        option value=(s.as_str()) selected[selected(s.as_str(), q.status.as_deref())] { (status_label(s, lang)) }
                    }
                }
            }
            label { (t.sort)
                select name="sort" {
                    @for (v, l) in [("place", t.place), ("name", t.name), ("joined_on", t.joined_on), ("birth_date", t.by_age)] {
                        option value=(v) selected[selected(v, q.sort.as_deref())] { (l) }
                    }
                }
            }
            button.primary type="submit" { (t.filter) }
        }
        div.table-wrap tabindex="0" {
            table #roster {
                thead { tr {
                    (table::sort_header(t.name, "name", sort_key, &by))
                    th { (t.sex) } th { (t.id_number) } th { (t.education) }
                    (table::sort_header(t.joined_on, "joined_on", sort_key, &by))
                    th { (t.status) }
                    (table::sort_header(t.org, "place", sort_key, &by))
                    th { (t.phone) }
                } }
                tbody {
                    @for m in &r.members {
                        tr {
                            td { a href={ "/members/" (m.id) } { (m.name) } }
                            td { @if m.sex.as_str() == "male" { (t.male) } @else { (t.female) } }
                            td { (m.id_number) }
                            td { (label_education(m.education, lang)) }
                            td { (m.joined_on) }
                            td { (status_label(m.status, lang)) }
                            td { (r.orgs.get(&m.org_id).map_or("", String::as_str)) }
                            td { (m.phone.as_deref().unwrap_or("")) }
                        }
                    }
                    @if r.members.is_empty() { tr { td colspan="8" { (t.none) } } }
                }
            }
        }
        p.exports {
            a #export href={ (base) ".xlsx?" (query_string(q, 0)) } { (t.export) }
            @if viewer.caller.unmask_scope.contains(&r.node.code) {
                " · " a #export-unmasked href={ (base) ".xlsx?unmask=true&" (query_string(q, 0)) } { (t.export_unmasked) }
            }
        }
        (table::pager(lang, r.count, page_no, PAGE_SIZE, &|n| format!("{base}?{}", query_string(q, n))))
    };
    page(lang, Some(viewer), t.members, false, body)
}

pub async fn show(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(q): Query<RosterQuery>,
) -> Response {
    let page_no = q.page.unwrap_or(1).clamp(1, 100_000);
    let filter = filter_of(&q, &code);
    let caller = viewer.caller.clone();
    let loaded = app
        .run(move |c| {
            let (node, lineage) = head(c, &caller, &code)?;
            // One row more than a page tells whether there is a next page.
            let page = Page {
                limit: PAGE_SIZE + 1,
                offset: (page_no - 1) * PAGE_SIZE,
            };
            let mut members = member::list(c, &caller, &filter, &page)?;
            members.truncate(PAGE_SIZE as usize);
            let count = member::count(c, &caller, &filter)?;
            let orgs = datong_store::org::names(c, &caller, members.iter().map(|m| m.org_id))?;
            Ok(Roster {
                node,
                lineage,
                members,
                orgs,
                count,
            })
        })
        .await;
    match loaded {
        Ok(r) => render(&r, &q, page_no, &viewer).into_response(),
        Err(e) => failure(viewer.lang, e),
    }
}

/// The national roster's columns, in its order; ID and phone numbers kept as text.
pub const COLUMNS: [Column; 11] = [
    Column::new("姓名", 10),
    Column::new("性别", 6),
    Column::new("民族", 8),
    Column::text("公民身份号码", 22),
    Column::new("出生日期", 12),
    Column::new("学历", 12),
    Column::new("入党日期", 12),
    Column::new("转正日期", 12),
    Column::new("人员类别", 10),
    Column::new("所在党组织", 36),
    Column::text("联系电话", 14),
];

/// `/t/{code}/members.xlsx`: the roster view as a spreadsheet, streamed while it is read,
/// masked unless asked and allowed (then audited).
pub async fn export(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(q): Query<RosterQuery>,
) -> Response {
    let filter = filter_of(&q, &code);
    let (caller, unmask) = (viewer.caller.clone(), q.unmask);
    let file_name = format!("members-{code}.xlsx");
    crate::download::xlsx(
        &app,
        viewer.lang,
        file_name,
        "党员",
        &COLUMNS,
        move |c, rows| {
            territory::get_in_scope(c, &caller, &code)?;
            // Organisation names are read once each, batch by batch.
            let mut orgs: HashMap<i64, String> = HashMap::new();
            member::export(c, &caller, &filter, unmask, &mut |c, batch| {
                let missing: Vec<i64> = batch
                    .iter()
                    .map(|m| m.org_id)
                    .filter(|o| !orgs.contains_key(o))
                    .collect();
                if !missing.is_empty() {
                    orgs.extend(datong_store::org::names(c, &caller, missing)?);
                }
                for m in &batch {
                    let sex = if m.sex.as_str() == "male" {
                        "男"
                    } else {
                        "女"
                    };
                    rows.row(&[
                        &m.name,
                        sex,
                        &m.ethnicity,
                        &m.id_number,
                        &m.birth_date,
                        m.education.label(),
                        &m.joined_on,
                        m.full_on.as_deref().unwrap_or(""),
                        status_label(m.status, Lang::Zh),
                        orgs.get(&m.org_id).map_or("", String::as_str),
                        m.phone.as_deref().unwrap_or(""),
                    ])?;
                }
                Ok(())
            })
        },
    )
    .await
}
