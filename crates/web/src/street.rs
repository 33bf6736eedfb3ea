//! `/t/{code}/street`: a street's 5+2+1 offices with their staff, and its five powers as
//! they stand — the agencies in it with their heads and ratings, consultations and
//! advice, and summonses with each department's report and resolution. A town (镇, 乡)
//! shows its own offices; the five powers are a street's alone.

use crate::dashboard::{crumbs, head, tabs};
use crate::layout::{Done, failure, page};
use crate::paths::NodePath;
use crate::viewer::Viewer;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use datong_domain::accountability::quarter_of;
use datong_domain::division::Kind;
use datong_domain::street::Grade;
use datong_domain::{DivisionCode, Role};
use datong_http::App;
use datong_http::error::ApiError;
use datong_store::duty::project;
use datong_store::sql::Page;
use datong_store::street::{powers, structure};
use maud::{Markup, html};
use serde::Deserialize;

fn message(ok: &str, lang: crate::i18n::Lang) -> Option<&'static str> {
    match ok {
        "summoned" => Some(lang.pick(
            "已吹哨，所选部门须按时报到。",
            "Summoned: the departments must report in time.",
        )),
        "report" => Some(lang.pick("已报到。", "Reported.")),
        "resolve" => Some(lang.pick("已办结。", "Resolved.")),
        "rated" => Some(lang.pick("考核结果已保存。", "Rating saved.")),
        "answered" => Some(lang.pick("已答复。", "Answered.")),
        "consented" => Some(lang.pick("街道意见已记录。", "The street's answer is recorded.")),
        _ => None,
    }
}

/// A summoned department's 报到 or 办结, in its own row.
fn respond_form(
    viewer: &Viewer,
    street: &DivisionCode,
    id: i64,
    department: i64,
    step: &str,
) -> Markup {
    let lang = viewer.lang;
    html! {
        form.inline.respond method="post" action={ "/t/" (street) "/summonses/" (id) "/" (department) "/" (step) } {
            input type="hidden" name="csrf_token" value=(viewer.csrf);
            input name="text" maxlength="2000" required placeholder=(if step == "report" { lang.pick("报到情况", "What you will do") } else { lang.pick("办理结果", "What was done") });
            button type="submit" { (if step == "report" { lang.pick("报到", "Report") } else { lang.pick("办结", "Resolve") }) }
        }
    }
}

pub async fn show(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Query(done): Query<Done>,
) -> Response {
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
            let pending = powers::pending_appointments(c, &caller, &code)?;
            // The district's departments, for the street's own staff to summon.
            let departments = match code.parent() {
                Some(d) if caller.acting_as(&[Role::Street], &code).as_ref() == Some(&code) => {
                    powers::departments(c, &caller, &d)?
                }
                _ => Vec::new(),
            };
            Ok((
                node,
                lineage,
                offices,
                agencies,
                ratings,
                consultations,
                summonses,
                (progress, departments, pending),
            ))
        })
        .await;
    let (
        node,
        lineage,
        offices,
        agencies,
        ratings,
        consultations,
        summonses,
        (progress, departments, pending),
    ) = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let (lang, t) = (viewer.lang, viewer.lang.text());
    let is_street = node.kind == Kind::Street;
    // The street's own staff: they rate its agencies' heads, this quarter.
    let own_street = viewer
        .caller
        .acting_as(&[Role::Street], &node.code)
        .as_ref()
        == Some(&node.code);
    let quarter = quarter_of(viewer.caller.today());
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
        @if let Some(m) = message(&done.ok, lang) { p.notice role="status" { (m) } }
        @if is_street {
            h2 { (lang.pick("机构设置（5+2+1）", "Offices (5+2+1)")) }
        } @else {
            h2 { (lang.pick("机构设置（乡镇模板）", "Offices (the towns' template)")) }
        }
        div.table-wrap tabindex="0" { table #offices {
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
            div.table-wrap tabindex="0" { table #agencies {
                thead { tr { th { (lang.pick("派出机构", "Agency")) } th { (lang.pick("主管部门", "Department")) } th { (lang.pick("负责人", "Head")) } th { (lang.pick("最近考核", "Last rating")) } } }
                tbody {
                    @for a in &agencies {
                        @let last = ratings.iter().find(|r| r.agency_id == a.id);
                        tr { td { (a.name) } td { (a.department) } td { (a.head.as_deref().unwrap_or("—")) }
                             td {
                                 @if let Some(r) = last { (r.period) " " (lang.label(r.grade.label(), r.grade.as_str())) } @else { "—" }
                                 @if own_street && a.head.is_some() && last.is_none_or(|r| r.period != quarter) {
                                     form.inline.rate-agency method="post" action={ "/t/" (node.code) "/agencies/" (a.id) "/rating" } {
                                         input type="hidden" name="csrf_token" value=(viewer.csrf);
                                         select name="grade" required aria-label={ (a.name) " " (lang.pick("考核等次", "grade")) } {
                                             @for g in Grade::ALL { option value=(g.as_str()) { (lang.label(g.label(), g.as_str())) } }
                                         }
                                         input name="comment" maxlength="500" placeholder=(lang.pick("考核意见", "Comment")) aria-label=(lang.pick("考核意见", "Comment"));
                                         button type="submit" { (lang.pick("考核", "Rate")) " " (quarter) }
                                     }
                                 }
                             } }
                    }
                    @if agencies.is_empty() { tr { td colspan="4" { (t.none) } } }
                }
            } }
            @if !pending.is_empty() {
                h2 { (lang.pick("待街道答复的负责人任免", "Appointments awaiting the street's answer")) }
                ul #appointments {
                    @for (p, a) in &pending {
                        li {
                            (a.name) "：" (lang.label(p.action.label(), p.action.as_str())) " " (p.person) " " span.muted { "（" (p.reason) "）" }
                            @if own_street {
                                form.inline.consent method="post" action={ "/t/" (node.code) "/appointments/" (p.id) "/consent" } {
                                    input type="hidden" name="csrf_token" value=(viewer.csrf);
                                    input name="text" maxlength="2000" required placeholder=(lang.pick("意见", "Opinion"));
                                    button type="submit" name="given" value="true" { (lang.pick("同意", "Consent")) }
                                    button type="submit" name="given" value="false" { (lang.pick("不同意", "Refuse")) }
                                }
                            }
                        }
                    }
                }
            }
            h2 { (lang.pick("规划征询与决策建议", "Consultations and advice")) }
            div.table-wrap tabindex="0" { table #consultations {
                thead { tr { th { (lang.pick("类别", "Kind")) } th { (lang.pick("事项", "Subject")) } th { (lang.pick("答复期限", "Due")) } th { (lang.pick("答复", "Answer")) } } }
                tbody {
                    @for x in &consultations {
                        tr { td { (lang.label(x.kind.label(), x.kind.as_str())) } td { (x.subject) } td.error[x.late] { (x.due) " " (yes_no(x.late)) }
                             td {
                                 (x.answer.as_deref().unwrap_or("—"))
                                 @if x.answer.is_none() && viewer.caller.acting_as(powers::answerers(x.kind), &node.code).is_some() {
                                     form.inline.answer method="post" action={ "/t/" (node.code) "/consultations/" (x.id) "/answer" } {
                                         input type="hidden" name="csrf_token" value=(viewer.csrf);
                                         input name="text" maxlength="4000" required placeholder=(lang.pick("答复意见", "Answer"));
                                         button type="submit" { (lang.pick("答复", "Answer")) }
                                     }
                                 }
                             } }
                    }
                    @if consultations.is_empty() { tr { td colspan="4" { (t.none) } } }
                }
            } }
            h2 { (lang.pick("吹哨报到", "Summonses")) }
                @if !departments.is_empty() {
                details #summon-box {
                    summary { (lang.pick("发起吹哨", "Summon departments")) }
                    form #summon method="post" action={ "/t/" (node.code) "/summonses" } {
                        input type="hidden" name="csrf_token" value=(viewer.csrf);
                        label { (lang.pick("事项", "Subject")) input name="subject" maxlength="100" required; }
                        label { (lang.pick("情况说明", "What is needed")) textarea name="body" rows="3" maxlength="4000" required {} }
                        fieldset {
                            legend { (lang.pick("吹哨部门", "Departments")) }
                            @for d in &departments {
                                label.check { input type="checkbox" name="departments" value=(d.id); (d.name) }
                            }
                        }
                        label { (lang.pick("报到时限", "Report by")) input type="date" name="report_by" required; }
                        label { (lang.pick("办结时限", "Resolve by")) input type="date" name="resolve_by" required; }
                        button.primary type="submit" { (lang.pick("吹哨", "Summon")) }
                    }
                }
            }
            div.table-wrap tabindex="0" { table #summonses {
                thead { tr { th { (lang.pick("事项", "Subject")) } th { (lang.pick("部门", "Department")) } th { (lang.pick("报到", "Reported")) } th { (lang.pick("办结", "Resolved")) } } }
                tbody {
                    @for s in &summonses {
                        @for d in &s.departments {
                            @let mine = viewer.caller.own.departments.contains(&d.department_id);
                            tr { td { (s.subject) } td { (d.department) }
                                 td.error[d.reported_late] {
                                     (d.reported_at.as_deref().and_then(|a| a.get(..10)).unwrap_or("—")) " " (yes_no(d.reported_late))
                                     @if mine && d.reported_at.is_none() { (respond_form(&viewer, &node.code, s.id, d.department_id, "report")) }
                                 }
                                 td.error[d.resolved_late] {
                                     (d.resolved_at.as_deref().and_then(|a| a.get(..10)).unwrap_or("—")) " " (yes_no(d.resolved_late))
                                     @if mine && d.reported_at.is_some() && d.resolved_at.is_none() { (respond_form(&viewer, &node.code, s.id, d.department_id, "resolve")) }
                                 } }
                        }
                    }
                    @if summonses.is_empty() { tr { td colspan="4" { (t.none) } } }
                }
            } }
        } @else {
            p.muted #powers-street-only { (lang.pick("派出机构考核、人事任免征求意见、规划参与、吹哨报到和决策建议等五项权力适用于街道；乡镇按其自身配置。", "The five powers apply to streets (街道); towns are configured on their own.")) }
        }
        h2 { (lang.pick("项目化履责", "Projects")) " " span.muted { (progress.progress.map_or("—".to_owned(), |p| format!("{p:.1}%"))) } }
        @if viewer.caller.may_write(&node.code).is_ok() {
            p { a.button #new-project href={ "/t/" (node.code) "/projects/new" } { (lang.pick("立项", "New project")) } }
        }
        div.table-wrap tabindex="0" { table #projects {
            thead { tr { th { (lang.pick("项目", "Project")) } th { (lang.pick("负责人", "Owner")) } th { (lang.pick("权重", "Weight")) } th { (lang.pick("进度", "Progress")) } } }
            tbody {
                @for p in &progress.projects {
                    tr { td { a href={ "/projects/" (p.id) } { (p.name) } } td { (p.owner) } td { (p.weight) } td { (format!("{:.1}%", p.progress)) } }
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

/// The street blows the whistle (发起吹哨) on the departments it ticks.
pub async fn summon(
    State(app): State<App>,
    viewer: Viewer,
    NodePath(code): NodePath,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    if let Some(r) = viewer.csrf_refusal(&get("csrf_token")) {
        return r;
    }
    let date = |k: &str| get(k).parse::<chrono::NaiveDate>();
    let (Ok(report_by), Ok(resolve_by)) = (date("report_by"), date("resolve_by")) else {
        return failure(
            viewer.lang,
            ApiError::invalid("report_by", "请填写报到和办结时限"),
        );
    };
    let draft = powers::SummonsDraft {
        street: code.clone(),
        subject: get("subject"),
        body: get("body"),
        departments: pairs
            .iter()
            .filter(|(k, _)| k == "departments")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
        report_by,
        resolve_by,
    };
    let caller = viewer.caller.clone();
    step(&app, &viewer, &code, "summoned", move |c| {
        powers::summon(c, &caller, &draft)
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RespondForm {
    csrf_token: String,
    text: String,
}

/// A summoned department's 报到 (`report`) or 办结 (`resolve`).
pub async fn respond(
    State(app): State<App>,
    viewer: Viewer,
    Path((code, id, department, action)): Path<(String, i64, i64, String)>,
    Form(f): Form<RespondForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let Ok(code) = DivisionCode::parse(&code) else {
        return not_found(&viewer);
    };
    let (resolved, ok) = match action.as_str() {
        "report" => (false, "report"),
        "resolve" => (true, "resolve"),
        _ => return not_found(&viewer),
    };
    let caller = viewer.caller.clone();
    let text = f.text.trim().chars().take(2000).collect::<String>();
    step(&app, &viewer, &code, ok, move |c| {
        powers::respond(c, &caller, id, department, resolved, &text)
    })
    .await
}

/// One step taken from the street page: back to it with `ok` when done, or the error.
async fn step<T: Send + 'static>(
    app: &App,
    viewer: &Viewer,
    code: &DivisionCode,
    ok: &str,
    f: impl FnOnce(&mut datong_store::Conn) -> datong_store::StoreResult<T> + Send + 'static,
) -> Response {
    match app.run(f).await {
        Ok(_) => Redirect::to(&format!("/t/{code}/street?ok={ok}")).into_response(),
        Err(e) => failure(viewer.lang, e),
    }
}

fn not_found(viewer: &Viewer) -> Response {
    failure(viewer.lang, ApiError::not_found())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RatingForm {
    csrf_token: String,
    grade: String,
    comment: String,
}

/// The street rates an agency's head for this quarter (管理考核权).
pub async fn rate_agency(
    State(app): State<App>,
    viewer: Viewer,
    Path((code, id)): Path<(String, i64)>,
    Form(f): Form<RatingForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let (Ok(code), Some(grade)) = (DivisionCode::parse(&code), Grade::parse(&f.grade)) else {
        return failure(viewer.lang, ApiError::invalid("grade", "请选择考核等次"));
    };
    let period = quarter_of(viewer.caller.today());
    let caller = viewer.caller.clone();
    let comment = f.comment.trim().chars().take(500).collect::<String>();
    step(&app, &viewer, &code, "rated", move |c| {
        powers::rate(c, &caller, id, &period, grade, &comment)
    })
    .await
}

/// A consultation answered by its other side: the street a planning one, the district
/// advice.
pub async fn answer(
    State(app): State<App>,
    viewer: Viewer,
    Path((code, id)): Path<(String, i64)>,
    Form(f): Form<RespondForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let Ok(code) = DivisionCode::parse(&code) else {
        return not_found(&viewer);
    };
    let caller = viewer.caller.clone();
    let text = f.text.trim().chars().take(4000).collect::<String>();
    step(&app, &viewer, &code, "answered", move |c| {
        powers::answer(c, &caller, id, &text)
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConsentForm {
    csrf_token: String,
    given: String,
    text: String,
}

/// The street's written answer to a proposed appointment or removal (人事任免征求意见).
pub async fn consent(
    State(app): State<App>,
    viewer: Viewer,
    Path((code, id)): Path<(String, i64)>,
    Form(f): Form<ConsentForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let Ok(code) = DivisionCode::parse(&code) else {
        return not_found(&viewer);
    };
    let given = f.given == "true";
    let caller = viewer.caller.clone();
    let text = f.text.trim().chars().take(2000).collect::<String>();
    step(&app, &viewer, &code, "consented", move |c| {
        powers::consent(c, &caller, id, given, &text)
    })
    .await
}
