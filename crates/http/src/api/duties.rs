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
use datong_domain::DivisionCode;
use datong_domain::duty::{AdmissionStage, Category, DutyArea, Opinion, TargetStatus};
use datong_store::duty::admission::{self, Admission, AdmissionDraft, AdmissionFilter};
use datong_store::duty::list::{self, Item};
use datong_store::duty::task::{self, Target, TargetFilter, Task, TaskDraft};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/territories/{code}/duties", get(duties))
        .route("/duty-items/{id}/history", get(item_history))
        .route("/tasks", post(send))
        .route("/tasks/{id}", get(task_one))
        .route("/task-targets", get(targets))
        .route("/task-targets/{id}/complete", post(complete))
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
}

async fn send(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    JsonBody(b): JsonBody<TaskBody>,
) -> ApiResult<(StatusCode, Json<Task>)> {
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
    Ok((
        StatusCode::CREATED,
        Json(app.run(move |c| task::send(c, &caller, &d)).await?),
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
    limit: Option<i64>,
    offset: Option<i64>,
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
    };
    Ok(Json(List::new(
        app.run(move |c| task::targets(c, &caller, &f, &page))
            .await?,
        page,
    )))
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
