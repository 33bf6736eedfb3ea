//! `/t/{code}/oversight`: how each node one level below carries its duties over a period
//! (list coverage, admissions, tasks on time, escalations, score and rank), each row
//! drilling down to the same page one level lower.

use crate::dashboard::{crumbs, head, tabs};
use crate::layout::{failure, page};
use crate::paths::NodePath;
use crate::viewer::Viewer;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use datong_domain::Level;
use datong_domain::accountability::Period;
use datong_http::App;
use datong_http::error::ApiError;
use datong_store::duty::oversight;
use maud::html;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PeriodQuery {
    period: String,
}

fn rate(n: u32, of: u32) -> String {
    if of == 0 {
        "—".into()
    } else {
        format!("{:.0}%", 100.0 * f64::from(n) / f64::from(of))
    }
}

pub async fn show(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let lang = viewer.lang;
    let period_text = if q.period.trim().is_empty() {
        viewer.caller.today().format("%Y-%m").to_string()
    } else {
        q.period.trim().to_owned()
    };
    let period = match Period::parse(&period_text) {
        Ok(p) => p,
        Err(e) => return failure(lang, ApiError::bad_request("period", e.to_string())),
    };
    let caller = viewer.caller.clone();
    let key = format!("oversight|{}|{code}|{period_text}", caller.memo_key());
    let loaded = app
        .memo(key, move |c| {
            let (node, lineage) = head(c, &caller, &code)?;
            let rows = oversight::of_children(c, &caller, &code, &period)?;
            Ok((node, lineage, rows))
        })
        .await;
    let loaded = match loaded {
        Ok(x) => x,
        Err(e) => return failure(lang, e),
    };
    let (node, lineage, rows) = &*loaded;
    let t = lang.text();
    let drills = node.code.level() < Level::District;
    let body = html! {
        (crumbs(lineage, node))
        h1 { (node.name) " · " (lang.pick("两级督导", "Oversight")) }
        (tabs(t, &node.code, "oversight"))
        form.filters method="get" {
            label { (lang.pick("考核期（年、半年、季度或月）", "Period (year, half-year, quarter or month)"))
                input name="period" value=(period_text) pattern="[0-9]{4}(-H[12]|-Q[1-4]|-[0-9]{2})?" maxlength="7"; }
            button.primary type="submit" { (lang.pick("查看", "Show")) }
        }
        div.table-wrap tabindex="0" { table #oversight {
            thead {
                tr {
                    th rowspan="2" { (lang.pick("名次", "Rank")) } th rowspan="2" { (lang.pick("单位", "Unit")) }
                    th rowspan="2" { (lang.pick("清单覆盖", "Lists")) }
                    th colspan="4" { (lang.pick("清单外事项准入", "Admissions")) }
                    th colspan="3" { (lang.pick("任务", "Tasks")) }
                    th colspan="4" { (lang.pick("逾期升级", "Escalations")) }
                    th rowspan="2" { (lang.pick("得分", "Score")) }
                }
                tr {
                    th { (lang.pick("申请", "filed")) } th { (lang.pick("批准", "approved")) } th { (lang.pick("未批准", "rejected")) } th { (lang.pick("待办", "pending")) }
                    th { (lang.pick("到期", "due")) } th { (lang.pick("按期", "on time")) } th { (lang.pick("按期率", "rate")) }
                    th { (lang.pick("提醒", "reminder")) } th { (lang.pick("督办", "supervision")) } th { (lang.pick("约谈", "interview")) } th { (lang.pick("通报", "notice")) }
                }
            }
            tbody {
                @for r in rows {
                    @let a = &r.assessment;
                    tr data-code=(a.code) {
                        td { (a.rank) }
                        td { @if drills { a href={ "/t/" (a.code) "/oversight?period=" (period_text) } { (a.name) } } @else { a href={ "/t/" (a.code) "/duties" } { (a.name) } } }
                        td { (r.coverage.listed) " / " (r.coverage.streets) }
                        td { (r.admissions.filed) } td { (r.admissions.approved) } td { (r.admissions.rejected) } td { (r.admissions.pending) }
                        td { (a.facts.due) } td { (a.facts.on_time) } td { (rate(a.facts.on_time, a.facts.due)) }
                        @for n in a.facts.escalations { td.error[n > 0] { (n) } }
                        td.score { (a.score.map_or("—".to_owned(), |s| format!("{s:.1}"))) }
                    }
                }
                @if rows.is_empty() { tr { td colspan="15" { (t.none) } } }
            }
        } }
    };
    page(
        lang,
        Some(&viewer),
        lang.pick("两级督导", "Oversight"),
        false,
        body,
    )
    .into_response()
}
