//! Accounts and the credentials that end: the city's organisation department and the
//! administrator add accounts (a member's or a unit's bound to its record), disable and
//! enable them, and revoke their tokens; Open311 keys are listed and revoked beside them.

use super::{List, Name};
use crate::app::App;
use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::extract::{JsonBody, PathParam, QueryParams};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use datong_domain::{DivisionCode, Role};
use datong_store::account::{self, AccountView, Binding, NewAccount};
use datong_store::request::keys::{self, KeyView};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/accounts", get(list).post(create))
        .route("/accounts/{login}", get(get_one).patch(change))
        .route("/accounts/{login}/tokens", delete(revoke_tokens))
        .route("/open311-keys", get(keys).post(create_key))
        .route("/open311-keys/{id}", delete(revoke_key))
}

async fn list(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    QueryParams(q): QueryParams<super::Paging>,
) -> ApiResult<Json<List<AccountView>>> {
    let page = q.page()?;
    Ok(Json(List::new(
        app.run(move |c| account::list(c, &caller, &page)).await?,
        page,
    )))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAccountBody {
    login: String,
    password: String,
    role: Role,
    /// Where the role is held; a member's or a unit's account takes its record's node.
    scope: Option<DivisionCode>,
    #[serde(default)]
    unmask: bool,
    member_id: Option<i64>,
    unit_id: Option<i64>,
    department_id: Option<i64>,
}

async fn create(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    JsonBody(b): JsonBody<NewAccountBody>,
) -> ApiResult<(StatusCode, Json<AccountView>)> {
    let binding = match (b.member_id, b.unit_id, b.department_id) {
        (None, None, None) => Binding::None,
        (Some(m), None, None) => Binding::Member(m),
        (None, Some(u), None) => Binding::Unit(u),
        (None, None, Some(d)) => Binding::Department(d),
        _ => {
            return Err(crate::error::ApiError::invalid(
                "member_id",
                "member_id、unit_id、department_id 至多填写一项",
            ));
        }
    };
    let view = app
        .run(move |c| {
            caller.may_set_city_wide()?;
            let new = NewAccount {
                login: &b.login,
                password: &b.password,
                role: b.role,
                scope: b.scope,
                unmask: b.unmask,
                binding,
            };
            account::add_user(c, &caller.actor, &new)?;
            account::get(c, &caller, &b.login)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn get_one(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(login): PathParam<String>,
) -> ApiResult<Json<AccountView>> {
    Ok(Json(
        app.run(move |c| account::get(c, &caller, &login)).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    disabled: bool,
}

async fn change(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(login): PathParam<String>,
    JsonBody(b): JsonBody<Change>,
) -> ApiResult<Json<AccountView>> {
    Ok(Json(
        app.run(move |c| account::set_disabled(c, &caller, &login, b.disabled))
            .await?,
    ))
}

#[derive(Serialize)]
struct Revoked {
    revoked: u64,
}

async fn revoke_tokens(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(login): PathParam<String>,
) -> ApiResult<Json<Revoked>> {
    let revoked = app
        .run(move |c| {
            account::get(c, &caller, &login)?;
            account::revoke_tokens(c, &caller.actor, &login)
        })
        .await?;
    Ok(Json(Revoked { revoked }))
}

async fn keys(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
) -> ApiResult<Json<Vec<KeyView>>> {
    Ok(Json(app.run(move |c| keys::list(c, &caller)).await?))
}

async fn revoke_key(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    PathParam(id): PathParam<String>,
) -> ApiResult<Json<KeyView>> {
    Ok(Json(app.run(move |c| keys::revoke(c, &caller, &id)).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyBody {
    label: Name,
}

#[derive(Serialize)]
struct IssuedKey {
    api_key: String,
}

async fn create_key(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    JsonBody(b): JsonBody<KeyBody>,
) -> ApiResult<(StatusCode, Json<IssuedKey>)> {
    let api_key = app
        .run(move |c| keys::create(c, &caller, &b.label.0))
        .await?;
    Ok((StatusCode::CREATED, Json(IssuedKey { api_key })))
}
