//! `/t/{code}/street`: a street's 5+2+1 offices with their staff, and its five powers as
//! they stand — the agencies in it with their heads and ratings, consultations and
//! advice, and summonses with each department's report and resolution. A town (镇, 乡)
//! shows its own offices; the five powers are a street's alone.

use crate::dashboard::{crumbs, head, tabs};
use crate::layout::{failure, page};
use crate::paths::NodePath;
use crate::viewer::Viewer;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use datong_domain::division::Kind;
use datong_http::App;
use datong_store::duty::project;
use datong_store::sql::Page;
use datong_store::street::{powers, structure};
use maud::html;

pub async fn show(State(app): State<App>, viewer: Viewer, NodePath(code): NodePath) -> Response {
    let caller = viewer.caller.clone();
    let loaded = app
        .run(move |c| {
            let (node, lineage) = head(c, &caller, &code)?;
            let offices = structure::offices(c, &caller, &code)?;
            let agencies = powers::agencies(c, &caller, &code)?;
            let ratings = powers::ratings(c, &caller, &code, None)?;
            let page = Page {
                limit: 20,
                offset: 0,
            };
            let consultations = powers::consultations(c, &caller, &code, &page)?;
            let summonses = powers::summonses(c, &caller, &code, &page)?;
            let progress = project::of_node(c, &caller, &code)?;
            Ok((
                node,
                lineage,
                offices,
                agencies,
                ratings,
                consultations,
                summonses,
                progress,
            ))
        })
        .await;
    let (node, lineage, offices, agencies, ratings, consultations, summonses, progress) =
        match loaded {
            Ok(x) => x,
            Err(e) => return failure(viewer.lang, e),
        };
    let (lang, t) = (viewer.lang, viewer.lang.text());
    let is_street = node.kind == Kind::Street;
    let yes_no = |late: bool| {
        if late {
            lang.pick("逾期", "late")
        } else {
            ""
        }
    };
    let body = html! {
        (crumbs(&lineage, &node))
        h1 { (node.name) " · " (if is_street { lang.pick("街道机构与五项权力", "Street offices and powers") } else { lang.pick("乡镇机构", "Town offices") }) }
        (tabs(t, &node.code, "street"))
        @if is_street {
            h2 { (lang.pick("机构设置（5+2+1）", "Offices (5+2+1)")) }
        } @else {
            h2 { (lang.pick("机构设置（乡镇模板）", "Offices (the towns' template)")) }
        }
        div.table-wrap { table #offices {
            thead { tr { th { (lang.pick("机构", "Office")) } th { (lang.pick("类别", "Kind")) } th { (lang.pick("人员", "Staff")) } } }
            tbody {
                @for o in &offices {
                    tr { td { (o.name) } td { (lang.label(o.kind.label(), o.kind.as_str())) }
                         td { @for (i, s) in o.staff.iter().enumerate() { @if i > 0 { "、" } (s.name) "（" (s.post) "）" } } }
                }
                @if offices.is_empty() { tr { td colspan="3" { (t.none) } } }
            }
        } }
        @if is_street {
            h2 { (lang.pick("派出机构负责人与考核", "Agency heads and ratings")) }
            div.table-wrap { table #agencies {
                thead { tr { th { (lang.pick("派出机构", "Agency")) } th { (lang.pick("主管部门", "Department")) } th { (lang.pick("负责人", "Head")) } th { (lang.pick("最近考核", "Last rating")) } } }
                tbody {
                    @for a in &agencies {
                        @let last = ratings.iter().find(|r| r.agency_id == a.id);
                        tr { td { (a.name) } td { (a.department) } td { (a.head.as_deref().unwrap_or("—")) }
                             td { @if let Some(r) = last { (r.period) " " (lang.label(r.grade.label(), r.grade.as_str())) } @else { "—" } } }
                    }
                    @if agencies.is_empty() { tr { td colspan="4" { (t.none) } } }
                }
            } }
            h2 { (lang.pick("规划征询与决策建议", "Consultations and advice")) }
            div.table-wrap { table #consultations {
                thead { tr { th { (lang.pick("类别", "Kind")) } th { (lang.pick("事项", "Subject")) } th { (lang.pick("答复期限", "Due")) } th { (lang.pick("答复", "Answer")) } } }
                tbody {
                    @for x in &consultations {
                        tr { td { (lang.label(x.kind.label(), x.kind.as_str())) } td { (x.subject) } td.error[x.late] { (x.due) " " (yes_no(x.late)) }
                             td { (x.answer.as_deref().unwrap_or("—")) } }
                    }
                    @if consultations.is_empty() { tr { td colspan="4" { (t.none) } } }
                }
            } }
            h2 { (lang.pick("吹哨报到", "Summonses")) }
            div.table-wrap { table #summonses {
                thead { tr { th { (lang.pick("事项", "Subject")) } th { (lang.pick("部门", "Department")) } th { (lang.pick("报到", "Reported")) } th { (lang.pick("办结", "Resolved")) } } }
                tbody {
                    @for s in &summonses {
                        @for d in &s.departments {
                            tr { td { (s.subject) } td { (d.department) }
                                 td.error[d.reported_late] { (d.reported_at.as_deref().and_then(|a| a.get(..10)).unwrap_or("—")) " " (yes_no(d.reported_late)) }
                                 td.error[d.resolved_late] { (d.resolved_at.as_deref().and_then(|a| a.get(..10)).unwrap_or("—")) " " (yes_no(d.resolved_late)) } }
                        }
                    }
                    @if summonses.is_empty() { tr { td colspan="4" { (t.none) } } }
                }
            } }
        } @else {
            p.muted #powers-street-only { (lang.pick("派出机构考核、人事任免征求意见、规划参与、吹哨报到和决策建议等五项权力适用于街道；乡镇按其自身配置。", "The five powers apply to streets (街道); towns are configured on their own.")) }
        }
        h2 { (lang.pick("项目化履责", "Projects")) " " span.muted { (progress.progress.map_or("—".to_owned(), |p| format!("{p:.1}%"))) } }
        div.table-wrap { table #projects {
            thead { tr { th { (lang.pick("项目", "Project")) } th { (lang.pick("负责人", "Owner")) } th { (lang.pick("权重", "Weight")) } th { (lang.pick("进度", "Progress")) } } }
            tbody {
                @for p in &progress.projects {
                    tr { td { (p.name) } td { (p.owner) } td { (p.weight) } td { (format!("{:.1}%", p.progress)) } }
                }
                @if progress.projects.is_empty() { tr { td colspan="4" { (t.none) } } }
            }
        } }
    };
    page(
        lang,
        Some(&viewer),
        lang.pick("街道", "Street"),
        false,
        body,
    )
    .into_response()
}
