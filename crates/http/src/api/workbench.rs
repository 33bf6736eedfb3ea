//! The caller's 工作台 over HTTP: its pending work by group, and the count alone for the
//! header's badge.

use crate::app::App;
use crate::auth::Authenticated;
use crate::error::ApiResult;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use datong_store::access::Caller;
use datong_store::workbench::{self, Workbench};
use serde::Serialize;
use std::sync::Arc;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/workbench", get(read))
        .route("/workbench/count", get(count))
}

/// The caller's 工作台, kept until the next write or the next minute (what is late
/// is judged to the minute): the badge asks for it from every open page.
pub async fn of(app: &App, caller: Caller) -> ApiResult<Arc<Workbench>> {
    let key = caller.memo_key_to_the_minute();
    app.memo(key, move |c| workbench::read(c, &caller)).await
}

async fn read(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
) -> ApiResult<Json<Workbench>> {
    Ok(Json(Arc::unwrap_or_clone(of(&app, caller).await?)))
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
    let w = of(&app, caller).await?;
    Ok(Json(Count {
        pending: w.pending,
        overdue: w.overdue,
    }))
}
