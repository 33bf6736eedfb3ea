use super::List;
use crate::app::App;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, PathParam, QueryParams};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use datong_domain::Name;
use datong_domain::{DivisionCode, Level};
use datong_store::rollup::{self, Rollup};
use datong_store::territory::{self, NewTerritory, Territory, Version};
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/territories", get(search))
        .route("/territories/{code}", get(get_one).patch(update))
        .route(
            "/territories/{code}/children",
            get(children).post(create_child),
        )
        .route("/territories/{code}/rollup", get(rollup))
        .route("/territories/{code}/history", get(history))
}

fn parse_code(s: &str) -> ApiResult<DivisionCode> {
    DivisionCode::parse(s).map_err(|_| ApiError::not_found())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    level: Option<Level>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn search(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    QueryParams(q): QueryParams<SearchQuery>,
) -> ApiResult<Json<List<Territory>>> {
    let page = super::page(q.limit, q.offset)?;
    if q.q.chars().count() > 50 {
        return Err(ApiError::bad_request("q", "检索词过长"));
    }
    let items = app
        .run(move |c| territory::search(c, &caller, q.q.trim(), q.level, &page))
        .await?;
    Ok(Json(List::new(items, page)))
}

/// The day to read a node as of (today's without it).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AsOf {
    as_of: Option<chrono::NaiveDate>,
}

async fn get_one(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
    QueryParams(q): QueryParams<AsOf>,
) -> ApiResult<Json<Territory>> {
    let code = parse_code(&code)?;
    Ok(Json(
        app.run(move |c| territory::get_as_of(c, &caller, &code, q.as_of))
            .await?,
    ))
}

/// Paging, and the day to read the tree as of (today's tree without it).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChildrenQuery {
    as_of: Option<chrono::NaiveDate>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn children(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
    QueryParams(q): QueryParams<ChildrenQuery>,
) -> ApiResult<Json<List<Territory>>> {
    let code = parse_code(&code)?;
    let page = super::page(q.limit, q.offset)?;
    let items = app
        .run(move |c| territory::children_as_of(c, &caller, &code, q.as_of, &page))
        .await?;
    Ok(Json(List::new(items, page)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewChild {
    name: Name,
    serial: Option<u32>,
    #[serde(default)]
    member_centre: bool,
}

async fn create_child(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
    JsonBody(b): JsonBody<NewChild>,
) -> ApiResult<(StatusCode, Json<Territory>)> {
    let parent = parse_code(&code)?;
    let n = NewTerritory {
        parent,
        serial: b.serial,
        name: b.name,
        member_centre: b.member_centre,
    };
    Ok((
        StatusCode::CREATED,
        Json(app.run(move |c| territory::create(c, &caller, n)).await?),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    name: Option<Name>,
    member_centre: Option<bool>,
}

async fn update(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
    JsonBody(b): JsonBody<Change>,
) -> ApiResult<Json<Territory>> {
    let code = parse_code(&code)?;
    Ok(Json(
        app.run(move |c| territory::update(c, &caller, &code, b.name, b.member_centre))
            .await?,
    ))
}

async fn rollup(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
) -> ApiResult<Json<Rollup>> {
    let code = parse_code(&code)?;
    Ok(Json(
        app.run(move |c| rollup::read_for(c, &caller, &code))
            .await?,
    ))
}

async fn history(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(code): PathParam<String>,
) -> ApiResult<Json<Vec<Version>>> {
    let code = parse_code(&code)?;
    Ok(Json(
        app.run(move |c| territory::history(c, &caller, &code))
            .await?,
    ))
}
