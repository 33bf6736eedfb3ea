use super::{List, Name, Note};
use crate::app::App;
use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::extract::{JsonBody, PathParam, QueryParams};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use datong_domain::DivisionCode;
use datong_domain::credit_code::CreditCode;
use datong_domain::unit::{Coverage, UnitKind};
use datong_store::unit::{self, Unit, UnitFilter, UnitInput};
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/units", get(list).post(create))
        .route("/units/{id}", get(get_one).put(replace))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    kind: Option<UnitKind>,
    coverage: Option<Coverage>,
    territory: Option<DivisionCode>,
    name: Option<Name>,
    #[serde(default)]
    sort: datong_store::sql::ListOrder,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn list(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Json<List<Unit>>> {
    let page = super::page(q.limit, q.offset)?;
    let f = UnitFilter {
        order: q.sort,
        descending: false,
        kind: q.kind,
        coverage: q.coverage,
        territory: q.territory,
        name: q.name.map(|n| n.0),
    };
    Ok(Json(List::new(
        app.run(move |c| unit::list(c, &caller, &f, &page)).await?,
        page,
    )))
}

async fn get_one(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Unit>> {
    Ok(Json(app.run(move |c| unit::get(c, &caller, id)).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitBody {
    name: Name,
    credit_code: CreditCode,
    kind: UnitKind,
    territory: DivisionCode,
    address: Option<Note>,
    coverage: Coverage,
    org_id: Option<i64>,
    version: Option<i64>,
}

impl UnitBody {
    fn input(self) -> (UnitInput, Option<i64>) {
        let v = self.version;
        (
            UnitInput {
                name: self.name.0,
                credit_code: self.credit_code,
                kind: self.kind,
                territory: self.territory,
                address: self.address.map(|a| a.0),
                coverage: self.coverage,
                org_id: self.org_id,
            },
            v,
        )
    }
}

async fn create(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    JsonBody(b): JsonBody<UnitBody>,
) -> ApiResult<(StatusCode, Json<Unit>)> {
    let (u, _) = b.input();
    Ok((
        StatusCode::CREATED,
        Json(app.run(move |c| unit::create(c, &caller, u)).await?),
    ))
}

async fn replace(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<UnitBody>,
) -> ApiResult<Json<Unit>> {
    let (u, v) = b.input();
    Ok(Json(
        app.run(move |c| unit::update(c, &caller, id, u, v)).await?,
    ))
}
