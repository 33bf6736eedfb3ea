//! 项目化履责 over HTTP: projects on a node's list items, milestones, progress reports,
//! evidence files (the raw body, its kind told by its bytes), and a node's progress.

use super::Name;
use crate::app::App;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, PathParam, QueryParams};
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use datong_domain::DivisionCode;
use datong_domain::project::MAX_EVIDENCE_BYTES;
use datong_store::duty::project::{self, EvidenceInfo, NodeProgress, ProjectDraft, ProjectView};
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/projects", post(create))
        .route("/projects/{id}", get(get_one))
        .route("/projects/{id}/milestones", post(add_milestone))
        .route("/milestones/{id}/progress", post(report))
        .route(
            "/milestones/{id}/evidence",
            post(attach).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/evidence/{id}", get(download))
        .route("/territories/{code}/projects", get(of_node))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectBody {
    territory: DivisionCode,
    item_id: i64,
    parent_id: Option<i64>,
    name: Name,
    owner: Name,
    #[serde(default = "one")]
    weight: u32,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
}

fn one() -> u32 {
    1
}

async fn create(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    JsonBody(b): JsonBody<ProjectBody>,
) -> ApiResult<(StatusCode, Json<ProjectView>)> {
    let d = ProjectDraft {
        territory: b.territory,
        item_id: b.item_id,
        parent_id: b.parent_id,
        name: b.name.0,
        owner: b.owner.0,
        weight: b.weight,
        starts_on: b.starts_on,
        ends_on: b.ends_on,
    };
    Ok((
        StatusCode::CREATED,
        Json(app.run(move |c| project::create(c, &caller, &d)).await?),
    ))
}

async fn get_one(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<ProjectView>> {
    Ok(Json(app.run(move |c| project::get(c, &caller, id)).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MilestoneBody {
    name: Name,
    #[serde(default = "one")]
    weight: u32,
    due: NaiveDate,
}

async fn add_milestone(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<MilestoneBody>,
) -> ApiResult<(StatusCode, Json<ProjectView>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            app.run(move |c| project::add_milestone(c, &caller, id, &b.name.0, b.weight, b.due))
                .await?,
        ),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgressBody {
    percent: u32,
}

async fn report(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<ProgressBody>,
) -> ApiResult<Json<ProjectView>> {
    Ok(Json(
        app.run(move |c| project::report(c, &caller, id, b.percent))
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileQuery {
    pub(super) name: String,
}

/// An evidence file from a request's raw body, refused whole past 10 MB.
pub(super) async fn evidence_body(body: Body) -> ApiResult<Vec<u8>> {
    Ok(axum::body::to_bytes(body, MAX_EVIDENCE_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "file_too_large",
                "文件超过 10 MB",
            )
            .field("body")
        })?
        .to_vec())
}

/// A stored file as a download: never rendered in place, its name kept whatever script.
pub fn attachment(name: &str, content_type: String, bytes: Vec<u8>) -> Response {
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        name.bytes()
            .map(|b| if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            })
            .collect::<String>()
    );
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

async fn attach(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    QueryParams(q): QueryParams<FileQuery>,
    body: Body,
) -> ApiResult<(StatusCode, Json<EvidenceInfo>)> {
    let bytes = evidence_body(body).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            app.run(move |c| project::attach(c, &caller, id, &q.name, bytes))
                .await?,
        ),
    ))
}

async fn download(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Response> {
    let (name, content_type, bytes) = app.run(move |c| project::evidence(c, &caller, id)).await?;
    Ok(attachment(&name, content_type, bytes))
}

async fn of_node(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
) -> ApiResult<Json<NodeProgress>> {
    let code = DivisionCode::parse(&code).map_err(|_| ApiError::not_found())?;
    Ok(Json(
        app.run(move |c| project::of_node(c, &caller, &code))
            .await?,
    ))
}
