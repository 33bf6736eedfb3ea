//! `/t/{code}/members`: the member roster of a subtree — filters, sorting, paging.
//! ID and phone numbers are always masked here; unmasking is a per-record, audited read.

use crate::dashboard::{crumbs, head, label_education, tabs};
use crate::i18n::Lang;
use crate::layout::{failure, page};
use crate::paths::NodePath;
use crate::viewer::Viewer;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::Html;
use axum::response::{IntoResponse, Response};
use datong_domain::DivisionCode;
use datong_domain::member::MemberStatus;
use datong_http::App;
use datong_store::member::{self, Member, MemberFilter, MemberSort};
use datong_store::sql::Page;
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
    more: bool,
}

fn status_label(s: MemberStatus, lang: Lang) -> &'static str {
    match s {
        MemberStatus::Full => lang.text().full,
        MemberStatus::Probationary => lang.text().probationary,
    }
}

fn sort_of(s: Option<&str>) -> MemberSort {
    match s {
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
    let selected = |v: &str, cur: Option<&str>| cur == Some(v);
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
        div.table-wrap {
            table #roster {
                thead { tr {
                    th { (t.name) } th { (t.sex) } th { (t.id_number) } th { (t.education) }
                    th { (t.joined_on) } th { (t.status) } th { (t.org) } th { (t.phone) }
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
        div.pager {
            @if page_no > 1 { a rel="prev" href={ (base) "?" (query_string(q, page_no - 1)) } { (t.previous) } }
            span.muted { (page_no) }
            @if r.more { a rel="next" href={ (base) "?" (query_string(q, page_no + 1)) } { (t.next) } }
        }
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
            let more = members.len() as i64 > PAGE_SIZE;
            members.truncate(PAGE_SIZE as usize);
            let orgs = datong_store::org::names(c, &caller, members.iter().map(|m| m.org_id))?;
            Ok(Roster {
                node,
                lineage,
                members,
                orgs,
                more,
            })
        })
        .await;
    match loaded {
        Ok(r) => render(&r, &q, page_no, &viewer).into_response(),
        Err(e) => failure(viewer.lang, e),
    }
}

/// The national roster's columns, in its order.
const COLUMNS: [&str; 11] = [
    "姓名",
    "性别",
    "民族",
    "公民身份号码",
    "出生日期",
    "学历",
    "入党日期",
    "转正日期",
    "人员类别",
    "所在党组织",
    "联系电话",
];

fn workbook(
    members: &[Member],
    orgs: &HashMap<i64, String>,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("党员")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    for (c, h) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    // The ID column is text, so no spreadsheet turns it into a rounded number.
    sheet.set_column_format(3, &text)?;
    sheet.set_column_format(10, &text)?;
    for (i, m) in members.iter().enumerate() {
        let row = i as u32 + 1;
        let cells = [
            m.name.as_str(),
            if m.sex.as_str() == "male" {
                "男"
            } else {
                "女"
            },
            m.ethnicity.as_str(),
            m.id_number.as_str(),
            m.birth_date.as_str(),
            m.education.label(),
            m.joined_on.as_str(),
            m.full_on.as_deref().unwrap_or(""),
            status_label(m.status, Lang::Zh),
            orgs.get(&m.org_id).map_or("", String::as_str),
            m.phone.as_deref().unwrap_or(""),
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(row, c as u16, *v)?;
        }
    }
    sheet.set_column_width(3, 22)?;
    sheet.set_column_width(9, 36)?;
    book.save_to_buffer()
}

/// `/t/{code}/members.xlsx`: the roster view as a spreadsheet, masked unless asked and
/// allowed (then audited).
pub async fn export(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(q): Query<RosterQuery>,
) -> Response {
    let filter = filter_of(&q, &code);
    let (caller, unmask, file_code) = (viewer.caller.clone(), q.unmask, code.clone());
    let loaded = app
        .run(move |c| {
            territory::get_in_scope(c, &caller, &code)?;
            let members = member::export(c, &caller, &filter, unmask)?;
            let orgs = datong_store::org::names(c, &caller, members.iter().map(|m| m.org_id))?;
            Ok((members, orgs))
        })
        .await;
    let (members, orgs) = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let built = tokio::task::spawn_blocking(move || workbook(&members, &orgs)).await;
    match built {
        Ok(Ok(bytes)) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"members-{file_code}.xlsx\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        other => {
            tracing::error!(error = ?other.err(), "building a roster spreadsheet failed");
            datong_http::error::ApiError::internal().into_response()
        }
    }
}
