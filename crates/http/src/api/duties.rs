//! 两级三责 over HTTP: a node's responsibility list, tasks sent through the gate, and
//! admissions (file → the street's opinion → the decision).

use super::{List, Name, Note, Writing};
use crate::app::App;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, PathParam, QueryParams};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use datong_domain::accountability::{Escalation, Ladder, Period, Weights};
use datong_domain::duty::{AdmissionStage, Category, DutyArea, Opinion, TargetStatus};
use datong_domain::{DivisionCode, Level};
use datong_store::duty::accountability::{self, Assessment, EscalationRow};
use datong_store::duty::admission::{self, Admission, AdmissionDraft, AdmissionFilter};
use datong_store::duty::list::{self, Item};
use datong_store::duty::plea::{self, Decision, Plea, PleaDraft};
use datong_store::duty::project::EvidenceInfo;
use datong_store::duty::target::{self, TargetView};
use datong_store::duty::task::{self, SentTask, Target, TargetFilter, Task, TaskDraft};
use datong_store::job::{self, Job};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/territories/{code}/duties", get(duties))
        .route("/duty-items/{id}/history", get(item_history))
        .route("/tasks", post(send))
        .route("/jobs/{id}", get(job_one))
        .route("/escalation-ladder", get(ladder).put(set_ladder))
        .route("/task-targets/{id}/escalations", get(escalations))
        .route("/task-targets/{id}/rating", post(rate))
        .route("/territories/{code}/assessments", get(assessments))
        .route("/territories/{code}/oversight", get(oversight))
        .route("/tasks/{id}", get(task_one))
        .route("/territories/{code}/sent-tasks", get(sent))
        .route("/task-targets", get(targets))
        .route("/task-targets/{id}", get(target_one))
        .route("/task-targets/{id}/sign", post(sign))
        .route(
            "/task-targets/{id}/evidence",
            post(attach).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/task-evidence/{id}", get(download))
        .route("/task-targets/{id}/complete", post(complete))
        .route("/task-targets/{id}/pleas", post(plead))
        .route("/task-pleas/{id}/decision", post(decide_plea))
        .route("/admissions", get(admissions).post(file))
        .route("/admissions/{id}", get(admission_one))
        .route("/admissions/{id}/opinion", post(answer))
        .route("/admissions/{id}/decision", post(decide))
}

#[derive(Serialize)]
struct DutyList {
    territory: DivisionCode,
    items: Vec<Item>,
}

async fn duties(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
) -> ApiResult<Json<DutyList>> {
    let code = DivisionCode::parse(&code).map_err(|_| ApiError::not_found())?;
    let items = {
        let code = code.clone();
        app.run(move |c| list::of_node(c, &caller, &code)).await?
    };
    Ok(Json(DutyList {
        territory: code,
        items,
    }))
}

async fn item_history(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Vec<Item>>> {
    Ok(Json(app.run(move |c| list::history(c, &caller, id)).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskBody {
    title: Name,
    category: Category,
    area: DutyArea,
    detail: Option<Writing>,
    sender: Name,
    evidence: Note,
    deadline: NaiveDate,
    targets: Vec<DivisionCode>,
    /// Send on this later day instead of now (through the gate as it stands then).
    send_on: Option<NaiveDate>,
}

/// A task sent now, or the job that will send it on the chosen day.
#[derive(Serialize)]
#[serde(untagged)]
enum Sent {
    Task(Task),
    Scheduled(Job),
}

async fn send(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    JsonBody(b): JsonBody<TaskBody>,
) -> ApiResult<(StatusCode, Json<Sent>)> {
    let d = TaskDraft {
        title: b.title.0,
        category: b.category,
        area: b.area,
        detail: b.detail.map(|d| d.0).unwrap_or_default(),
        sender: b.sender.0,
        evidence: b.evidence.0,
        deadline: b.deadline,
        targets: b.targets,
    };
    let send_on = b.send_on;
    app.run(move |c| match send_on {
        None => Ok((
            StatusCode::CREATED,
            Json(Sent::Task(task::send(c, &caller, &d)?)),
        )),
        Some(on) => Ok((
            StatusCode::ACCEPTED,
            Json(Sent::Scheduled(job::schedule_send(c, &caller, &d, on)?)),
        )),
    })
    .await
}

async fn job_one(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Job>> {
    Ok(Json(app.run(move |c| job::get_own(c, &caller, id)).await?))
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LadderStep {
    step: Escalation,
    days_overdue: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LadderBody {
    steps: Vec<LadderStep>,
}

fn ladder_body(l: &Ladder) -> LadderBody {
    LadderBody {
        steps: l
            .steps()
            .iter()
            .map(|(step, days_overdue)| LadderStep {
                step: *step,
                days_overdue: *days_overdue,
            })
            .collect(),
    }
}

async fn ladder(
    State(app): State<App>,
    Authenticated(_caller): Authenticated,
) -> ApiResult<Json<LadderBody>> {
    let l = app.run(accountability::ladder).await?;
    Ok(Json(ladder_body(&l)))
}

async fn set_ladder(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    JsonBody(b): JsonBody<LadderBody>,
) -> ApiResult<Json<LadderBody>> {
    let l = Ladder::new(
        b.steps
            .into_iter()
            .map(|s| (s.step, s.days_overdue))
            .collect(),
    )
    .map_err(|e| ApiError::invalid("steps", e.to_string()))?;
    let l = app
        .run(move |c| accountability::set_ladder(c, &caller, &l))
        .await?;
    Ok(Json(ladder_body(&l)))
}

async fn escalations(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Vec<EscalationRow>>> {
    Ok(Json(
        app.run(move |c| accountability::escalations(c, &caller, id))
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RatingBody {
    rating: u8,
}

async fn rate(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<RatingBody>,
) -> ApiResult<StatusCode> {
    app.run(move |c| accountability::rate(c, &caller, id, b.rating))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssessmentQuery {
    level: Level,
    period: String,
}

async fn assessments(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
    QueryParams(q): QueryParams<AssessmentQuery>,
) -> ApiResult<Json<Vec<Assessment>>> {
    let code = DivisionCode::parse(&code).map_err(|_| ApiError::not_found())?;
    let period =
        Period::parse(&q.period).map_err(|e| ApiError::bad_request("period", e.to_string()))?;
    Ok(Json(
        app.run(move |c| {
            accountability::assess(c, &caller, &code, q.level, &period, &Weights::default())
        })
        .await?,
    ))
}

async fn task_one(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Task>> {
    Ok(Json(app.run(move |c| task::get(c, &caller, id)).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetQuery {
    territory: Option<DivisionCode>,
    status: Option<TargetStatus>,
    #[serde(default)]
    overdue: bool,
    step: Option<Escalation>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SentQuery {
    step: Option<Escalation>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// Tasks sent from a node, each with its receiving ends counted (x/N done).
async fn sent(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
    QueryParams(q): QueryParams<SentQuery>,
) -> ApiResult<Json<List<SentTask>>> {
    let code = DivisionCode::parse(&code).map_err(|_| ApiError::not_found())?;
    let page = super::page(q.limit, q.offset)?;
    Ok(Json(List::new(
        app.run(move |c| task::sent_from(c, &caller, &code, q.step, &page))
            .await?,
        page,
    )))
}

async fn targets(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    QueryParams(q): QueryParams<TargetQuery>,
) -> ApiResult<Json<List<Target>>> {
    let page = super::page(q.limit, q.offset)?;
    let f = TargetFilter {
        territory: q.territory,
        status: q.status,
        overdue: q.overdue,
        step: q.step,
    };
    Ok(Json(List::new(
        app.run(move |c| task::targets(c, &caller, &f, &page))
            .await?,
        page,
    )))
}

async fn target_one(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<TargetView>> {
    Ok(Json(app.run(move |c| target::get(c, &caller, id)).await?))
}

/// 签收: the receiver takes the task on.
async fn sign(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<TargetView>> {
    Ok(Json(app.run(move |c| target::sign(c, &caller, id)).await?))
}

/// 申请延期 / 退回: the receiver asks the sender.
async fn plead(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(d): JsonBody<PleaDraft>,
) -> ApiResult<(StatusCode, Json<Plea>)> {
    Ok((
        StatusCode::CREATED,
        Json(app.run(move |c| plea::file(c, &caller, id, &d)).await?),
    ))
}

/// The sender grants or refuses a plea.
async fn decide_plea(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(d): JsonBody<Decision>,
) -> ApiResult<Json<Plea>> {
    Ok(Json(
        app.run(move |c| plea::decide(c, &caller, id, &d)).await?,
    ))
}

/// 佐证材料: one file, the raw body, named by `name`.
async fn attach(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    QueryParams(q): QueryParams<super::projects::FileQuery>,
    body: axum::body::Body,
) -> ApiResult<(StatusCode, Json<EvidenceInfo>)> {
    let bytes = super::projects::evidence_body(body).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            app.run(move |c| target::attach(c, &caller, id, &q.name, bytes))
                .await?,
        ),
    ))
}

async fn download(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<axum::response::Response> {
    let (name, content_type, bytes) = app.run(move |c| target::file(c, &caller, id)).await?;
    Ok(super::projects::attachment(&name, content_type, bytes))
}

async fn complete(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Target>> {
    Ok(Json(
        app.run(move |c| task::complete(c, &caller, id)).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdmissionBody {
    street: DivisionCode,
    category: Category,
    name: Name,
    area: DutyArea,
    basis: Note,
    office: Name,
    requester: Name,
    request: Writing,
}

async fn file(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    JsonBody(b): JsonBody<AdmissionBody>,
) -> ApiResult<(StatusCode, Json<Admission>)> {
    let d = AdmissionDraft {
        street: b.street,
        category: b.category,
        name: b.name.0,
        area: b.area,
        basis: b.basis.0,
        office: b.office.0,
        requester: b.requester.0,
        request: b.request.0,
    };
    Ok((
        StatusCode::CREATED,
        Json(app.run(move |c| admission::file(c, &caller, &d)).await?),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdmissionQuery {
    territory: Option<DivisionCode>,
    stage: Option<AdmissionStage>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn admissions(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    QueryParams(q): QueryParams<AdmissionQuery>,
) -> ApiResult<Json<List<Admission>>> {
    let page = super::page(q.limit, q.offset)?;
    let f = AdmissionFilter {
        territory: q.territory,
        stage: q.stage,
    };
    Ok(Json(List::new(
        app.run(move |c| admission::list(c, &caller, &f, &page))
            .await?,
        page,
    )))
}

async fn admission_one(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Admission>> {
    Ok(Json(
        app.run(move |c| admission::get(c, &caller, id)).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpinionBody {
    opinion: Opinion,
    text: Writing,
}

async fn answer(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<OpinionBody>,
) -> ApiResult<Json<Admission>> {
    Ok(Json(
        app.run(move |c| admission::answer(c, &caller, id, b.opinion, &b.text.0))
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    approve: bool,
    #[serde(default)]
    text: Option<Writing>,
}

async fn decide(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<DecisionBody>,
) -> ApiResult<Json<Admission>> {
    let text = b.text.map(|t| t.0).unwrap_or_default();
    Ok(Json(
        app.run(move |c| admission::decide(c, &caller, id, b.approve, &text))
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodQuery {
    period: String,
}

async fn oversight(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
    QueryParams(q): QueryParams<PeriodQuery>,
) -> ApiResult<Json<Vec<datong_store::duty::oversight::Row>>> {
    let code = DivisionCode::parse(&code).map_err(|_| ApiError::not_found())?;
    let period =
        Period::parse(&q.period).map_err(|e| ApiError::bad_request("period", e.to_string()))?;
    Ok(Json(
        app.run(move |c| datong_store::duty::oversight::of_children(c, &caller, &code, &period))
            .await?,
    ))
}
