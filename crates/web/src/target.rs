//! `/task-targets/{id}`: one task as its receiver works it and its sender sees it — what
//! was asked, the due date, 签收, 佐证材料 with 办结 (the files and the report in one form),
//! and the sender's 评价. Only the steps the viewer may take are shown; each ends with a
//! message saying what was done.

use crate::layout::{Done, failure, page};
use crate::paths::IdPath;
use crate::viewer::Viewer;
use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use datong_domain::duty::{PleaKind, PleaStage, TargetStatus};
use datong_http::App;
use datong_http::error::ApiError;
use datong_store::duty::plea::{self, Decision, PleaDraft};
use datong_store::duty::target::{self, TargetView};
use datong_store::duty::{accountability, task};
use maud::html;
use serde::Deserialize;

fn message(ok: &str, lang: crate::i18n::Lang) -> Option<&'static str> {
    match ok {
        "signed" => Some(lang.pick("已签收。", "Signed for.")),
        "done" => Some(lang.pick(
            "已办结，佐证材料已上传。",
            "Reported done with its evidence.",
        )),
        "rated" => Some(lang.pick("评价已保存。", "Rating saved.")),
        "pleaded" => Some(lang.pick("申请已提交，等待下达单位审核。", "Plea sent to the sender.")),
        "granted" => Some(lang.pick("已同意该申请。", "Plea granted.")),
        "refused" => Some(lang.pick("已答复不同意。", "Plea refused.")),
        _ => None,
    }
}

async fn render(
    app: &App,
    viewer: &Viewer,
    id: i64,
    ok: &str,
    error: Option<ApiError>,
) -> Response {
    let caller = viewer.caller.clone();
    let view = match app.run(move |c| target::get(c, &caller, id)).await {
        Ok(v) => v,
        Err(e) => return failure(viewer.lang, e),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, page_of(viewer, &view, ok, error.as_ref())).into_response()
}

fn page_of(
    viewer: &Viewer,
    v: &TargetView,
    ok: &str,
    error: Option<&ApiError>,
) -> axum::response::Html<String> {
    let lang = viewer.lang;
    let t = &v.target;
    let today = viewer.caller.today();
    let overdue = t.status == TargetStatus::Open && t.due < today;
    let body = html! {
        nav.crumbs { a href={ "/t/" (t.territory) "/duties" } { (t.territory_name) } " › " span { (t.title) } }
        h1 { (t.title) }
        @if let Some(m) = message(ok, lang) { p.notice role="status" { (m) } }
        @if let Some(e) = error { p.error role="alert" { (e.message) } }
        dl.facts {
            dt { (lang.pick("下达单位", "Sent by")) } dd { (v.sender) }
            dt { (lang.pick("接收单位", "Receiver")) } dd { (t.territory_name) }
            dt { (lang.pick("完成时限", "Due")) } dd.error[overdue] { (t.due) @if overdue { " " (lang.pick("已逾期", "overdue")) } }
            dt { (lang.pick("状态", "Status")) } dd { (lang.label(t.status.label(), t.status.as_str())) }
            dt { (lang.pick("签收", "Signed for")) } dd { (v.signed_at.as_deref().and_then(|a| a.get(..10)).unwrap_or("—")) }
            dt { (lang.pick("须提交的佐证材料", "Evidence asked for")) } dd { (v.evidence_required) }
            @if !v.detail.is_empty() { dt { (lang.pick("任务说明", "Detail")) } dd { (v.detail) } }
            @if let Some(r) = v.rating { dt { (lang.pick("评价", "Rating")) } dd { (r) " / 5" } }
        }
        h2 { (lang.pick("佐证材料", "Evidence")) }
        ul #files {
            @for f in &v.files { li { a href={ "/task-evidence/" (f.id) } { (f.file_name) } " " span.muted { (f.uploaded_at.get(..10).unwrap_or("")) } } }
            @if v.files.is_empty() { li.muted { (lang.pick("尚未上传", "None yet")) } }
        }
        @if !v.pleas.is_empty() {
            h2 { (lang.pick("延期与退回申请", "Pleas")) }
            ul #pleas {
                @for p in &v.pleas {
                    li {
                        strong { (lang.label(p.kind.label(), p.kind.as_str())) }
                        @if let Some(u) = p.until { " " (lang.pick("至", "to")) " " (u) }
                        " · " (lang.label(p.stage.label(), p.stage.as_str()))
                        " " span.muted { (p.filed_at.get(..10).unwrap_or("")) }
                        p { (p.reason) }
                        @if let Some(a) = &p.answer { p.muted { (lang.pick("答复：", "Answer: ")) (a) } }
                    }
                }
            }
        }
        @if let Some(plea) = v.may_decide {
            form #decide method="post" action={ "/task-targets/" (t.id) "/plea-decision" } {
                input type="hidden" name="csrf_token" value=(viewer.csrf);
                input type="hidden" name="plea" value=(plea);
                label { (lang.pick("答复（不同意时必填）", "Answer (required to refuse)"))
                    textarea name="answer" maxlength="500" rows="2" {} }
                button.primary type="submit" name="grant" value="1" { (lang.pick("同意", "Grant")) }
                " "
                button type="submit" name="grant" value="0" { (lang.pick("不同意", "Refuse")) }
            }
        }
        @if v.may_work && v.signed_at.is_none() {
            form #sign method="post" action={ "/task-targets/" (t.id) "/sign" } {
                input type="hidden" name="csrf_token" value=(viewer.csrf);
                button.primary type="submit" { (lang.pick("签收", "Sign for it")) }
            }
        }
        @if v.may_work {
            form #complete method="post" action={ "/task-targets/" (t.id) "/complete" } enctype="multipart/form-data" {
                input type="hidden" name="csrf_token" value=(viewer.csrf);
                label { (lang.pick("佐证材料（PDF、图片、Word、Excel，每个不超过 10 MB）", "Evidence (PDF, pictures, Word, Excel; 10 MB each)"))
                    input type="file" name="file" multiple required accept=".pdf,.jpg,.jpeg,.png,.docx,.xlsx"; }
                button.primary type="submit" { (lang.pick("上传并办结", "Upload and report done")) }
            }
        }
        @if v.may_plead {
            details #plead {
                summary { (lang.pick("申请延期或退回", "Ask for more time or return the task")) }
                form method="post" action={ "/task-targets/" (t.id) "/pleas" } {
                    input type="hidden" name="csrf_token" value=(viewer.csrf);
                    label { (lang.pick("申请", "Plea"))
                        select name="kind" {
                            @for k in PleaKind::ALL { option value=(k.as_str()) { (lang.label(k.label(), k.as_str())) } }
                        }
                    }
                    label { (lang.pick("新的完成时限（申请延期时填写）", "New due date (for more time)"))
                        input type="date" name="until" min=(t.due.succ_opt().unwrap_or(t.due)); }
                    label { (lang.pick("理由", "Reason"))
                        textarea name="reason" required maxlength="500" rows="3" {} }
                    button.primary type="submit" { (lang.pick("提交申请", "Send")) }
                }
            }
        }
        @if v.may_rate {
            form #rate method="post" action={ "/task-targets/" (t.id) "/rating" } {
                input type="hidden" name="csrf_token" value=(viewer.csrf);
                label { (lang.pick("办结质量", "Quality of the work"))
                    select name="rating" required {
                        @for (n, zh, en) in [(5, "5 优秀", "5 excellent"), (4, "4 良好", "4 good"), (3, "3 合格", "3 fair"), (2, "2 较差", "2 poor"), (1, "1 差", "1 bad")] {
                            option value=(n) { (lang.pick(zh, en)) }
                        }
                    }
                }
                button.primary type="submit" { (lang.pick("评价", "Rate")) }
            }
        }
    };
    page(lang, Some(viewer), &t.title, false, body)
}

pub async fn show(
    State(app): State<App>,
    viewer: Viewer,
    IdPath(id): IdPath,
    Query(d): Query<Done>,
) -> Response {
    render(&app, &viewer, id, &d.ok, None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StepForm {
    csrf_token: String,
    rating: String,
}

pub async fn sign(
    State(app): State<App>,
    viewer: Viewer,
    IdPath(id): IdPath,
    Form(f): Form<StepForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let caller = viewer.caller.clone();
    match app.run(move |c| target::sign(c, &caller, id)).await {
        Ok(_) => Redirect::to(&format!("/task-targets/{id}?ok=signed")).into_response(),
        Err(e) => render(&app, &viewer, id, "", Some(e)).await,
    }
}

pub async fn rate(
    State(app): State<App>,
    viewer: Viewer,
    IdPath(id): IdPath,
    Form(f): Form<StepForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let Ok(rating) = f.rating.parse::<u8>() else {
        return render(
            &app,
            &viewer,
            id,
            "",
            Some(ApiError::invalid("rating", "请选择评分")),
        )
        .await;
    };
    let caller = viewer.caller.clone();
    match app
        .run(move |c| accountability::rate(c, &caller, id, rating))
        .await
    {
        Ok(()) => Redirect::to(&format!("/task-targets/{id}?ok=rated")).into_response(),
        Err(e) => render(&app, &viewer, id, "", Some(e)).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PleaForm {
    csrf_token: String,
    kind: String,
    until: String,
    reason: String,
}

/// 申请延期 / 退回, by the receiver.
pub async fn plead(
    State(app): State<App>,
    viewer: Viewer,
    IdPath(id): IdPath,
    Form(f): Form<PleaForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let Some(kind) = PleaKind::parse(&f.kind) else {
        let e = ApiError::invalid("kind", "请选择申请延期或退回");
        return render(&app, &viewer, id, "", Some(e)).await;
    };
    // The date field is sent empty for a return; a date is read only for an extension.
    let until = match (kind, f.until.trim()) {
        (PleaKind::Return, _) | (_, "") => None,
        (_, u) => match u.parse() {
            Ok(d) => Some(d),
            Err(_) => {
                let e = ApiError::invalid("until", "日期格式应为 YYYY-MM-DD");
                return render(&app, &viewer, id, "", Some(e)).await;
            }
        },
    };
    let draft = PleaDraft {
        kind,
        until,
        reason: f.reason,
    };
    let caller = viewer.caller.clone();
    match app.run(move |c| plea::file(c, &caller, id, &draft)).await {
        Ok(_) => Redirect::to(&format!("/task-targets/{id}?ok=pleaded")).into_response(),
        Err(e) => render(&app, &viewer, id, "", Some(e)).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    csrf_token: String,
    plea: i64,
    grant: String,
    answer: String,
}

/// The sender's answer to the waiting plea.
pub async fn decide(
    State(app): State<App>,
    viewer: Viewer,
    IdPath(id): IdPath,
    Form(f): Form<DecisionForm>,
) -> Response {
    if let Some(r) = viewer.csrf_refusal(&f.csrf_token) {
        return r;
    }
    let d = Decision {
        grant: f.grant == "1",
        answer: f.answer,
    };
    let caller = viewer.caller.clone();
    let plea_id = f.plea;
    match app
        .run(move |c| plea::decide(c, &caller, plea_id, &d))
        .await
    {
        Ok(p) => {
            let ok = match p.stage {
                PleaStage::Granted => "granted",
                _ => "refused",
            };
            // The plea's own task, whatever page the form was on.
            Redirect::to(&format!("/task-targets/{}?ok={ok}", p.target_id)).into_response()
        }
        Err(e) => render(&app, &viewer, id, "", Some(e)).await,
    }
}

/// 办结: the files are attached and the work reported done in one transaction: a bad file
/// leaves nothing behind.
pub async fn complete(
    State(app): State<App>,
    viewer: Viewer,
    IdPath(id): IdPath,
    m: Multipart,
) -> Response {
    let form = match crate::evidence::read(m).await {
        Ok(f) => f,
        Err(e) => return render(&app, &viewer, id, "", Some(e)).await,
    };
    let (csrf, files) = (form.field("csrf_token").to_owned(), form.files);
    if let Some(r) = viewer.csrf_refusal(&csrf) {
        return r;
    }
    if files.is_empty() {
        let e = ApiError::invalid("file", "请上传佐证材料");
        return render(&app, &viewer, id, "", Some(e)).await;
    }
    let caller = viewer.caller.clone();
    let done = app
        .run(move |c| {
            c.tx(|c| {
                for (name, bytes) in files {
                    target::attach(c, &caller, id, &name, bytes)?;
                }
                task::complete(c, &caller, id)
            })
        })
        .await;
    match done {
        Ok(_) => Redirect::to(&format!("/task-targets/{id}?ok=done")).into_response(),
        Err(e) => render(&app, &viewer, id, "", Some(e)).await,
    }
}

/// A task's evidence file, for whoever sees the task there.
pub async fn download(State(app): State<App>, viewer: Viewer, IdPath(id): IdPath) -> Response {
    let caller = viewer.caller.clone();
    match app.run(move |c| target::file(c, &caller, id)).await {
        Ok((name, content_type, bytes)) => {
            datong_http::api::projects::attachment(&name, content_type, bytes)
        }
        Err(e) => failure(viewer.lang, e),
    }
}
