//! The caller's 工作台 over HTTP: its pending work by group, and the count alone for the
//! header's badge.

use crate::app::App;
use crate::auth::Authenticated;
use crate::error::ApiResult;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use datong_store::workbench::{self, Workbench};
use serde::Serialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/workbench", get(read))
        .route("/workbench/count", get(count))
}

async fn read(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
) -> ApiResult<Json<Workbench>> {
    Ok(Json(app.run(move |c| workbench::read(c, &caller)).await?))
}

#[derive(Serialize)]
struct Count {
    pending: i64,
    overdue: i64,
}

async fn count(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
) -> ApiResult<Json<Count>> {
    let w = app.run(move |c| workbench::read(c, &caller)).await?;
    Ok(Json(Count {
        pending: w.pending,
        overdue: w.overdue,
    }))
}
