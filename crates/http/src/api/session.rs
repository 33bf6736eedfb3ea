//! `/api/v1/session`: a browser logs in with its password and gets an HttpOnly cookie and
//! a CSRF token; `GET` tells who is calling (cookie or bearer token); `DELETE` logs out.

use crate::app::App;
use crate::auth::{Authenticated, Presented, set_session_cookie as cookie};
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use datong_store::access::{Assignment, Caller};
use datong_store::account::{self, CredentialKind, Login};
use serde::{Deserialize, Deserializer, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

pub fn routes() -> Router<App> {
    Router::new().route("/session", post(log_in).get(whoami).delete(log_out))
}

/// A password as typed: kept exactly (no trimming), at most 256 characters, never printed.
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl<'de> Deserialize<'de> for Password {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.is_empty() || s.chars().count() > 256 {
            return Err(serde::de::Error::custom("应为 1 至 256 个字符"));
        }
        Ok(Password(s))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    login: super::Text<64>,
    password: Password,
}

/// Who is calling, with what roles where; a browser session also gets its CSRF token.
#[derive(Serialize)]
struct SessionView {
    login: String,
    assignments: Vec<Assignment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
}

/// The client's address, when the server was started with connection info: the
/// connection's, or the one a trusted proxy names for it.
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<App> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientIp(peer.map(|peer| {
            app.trusted_proxies
                .client(peer, parts.headers.get_all("x-forwarded-for").iter())
        })))
    }
}

/// Why a login was refused: the same three answers for the API and the login page.
pub enum LoginRefused {
    /// This address has failed too often; it may try again after the wait.
    Throttled(std::time::Duration),
    /// Unknown login, wrong password, disabled or locked account, not told apart: a
    /// lock shown as such would tell who has an account.
    Failed,
}

/// What a failed login is told, whatever the reason.
const FAILED: &str = "登录名或密码错误（连续失败 5 次的账号将锁定 15 分钟）";

impl LoginRefused {
    pub fn status(&self) -> StatusCode {
        match self {
            LoginRefused::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            LoginRefused::Failed => StatusCode::UNAUTHORIZED,
        }
    }

    pub fn message(&self) -> String {
        match self {
            LoginRefused::Throttled(wait) => {
                format!(
                    "登录失败次数过多，请 {} 分钟后再试",
                    wait.as_secs().div_ceil(60)
                )
            }
            LoginRefused::Failed => FAILED.to_owned(),
        }
    }
}

/// A login attempt from `ip`: throttled per address, counted against the account, and
/// on success a new session with the caller it opens for.
pub async fn attempt_login(
    app: &App,
    ip: Option<IpAddr>,
    login: String,
    password: String,
) -> Result<Result<(account::Session, Caller), LoginRefused>, ApiError> {
    if let Some(ip) = ip
        && let Err(wait) = app.login_throttle.check(&ip, Instant::now())
    {
        return Ok(Err(LoginRefused::Throttled(wait)));
    }
    let now = app.clock.now();
    let at = app.now_text();
    let outcome = app
        .run(move |c| {
            Ok(match account::log_in(c, &login, &password, now)? {
                Login::Opened(s) => {
                    let who =
                        account::caller_for_secret(c, &s.secret, CredentialKind::Session, &at)?
                            .expect("the session just opened");
                    Ok((s, who.caller))
                }
                Login::Locked { .. } | Login::Refused => Err(LoginRefused::Failed),
            })
        })
        .await?;
    if outcome.is_err()
        && let Some(ip) = ip
    {
        app.login_throttle.record(&ip, Instant::now());
    }
    Ok(outcome)
}

async fn log_in(
    State(app): State<App>,
    ClientIp(ip): ClientIp,
    JsonBody(body): JsonBody<LoginBody>,
) -> Result<Response, ApiError> {
    match attempt_login(&app, ip, body.login.0, body.password.0).await? {
        Ok((session, caller)) => {
            let view = SessionView {
                login: caller.actor.login,
                assignments: caller.assignments,
                csrf_token: Some(session.csrf_token),
                expires_at: Some(session.expires_at),
            };
            let max_age = account::SESSION_HOURS * 3600;
            Ok((
                StatusCode::CREATED,
                [(header::SET_COOKIE, cookie(&app, &session.secret, max_age))],
                Json(view),
            )
                .into_response())
        }
        Err(refused) => {
            let code = match refused {
                LoginRefused::Throttled(_) => "too_many_attempts",
                LoginRefused::Failed => "login_failed",
            };
            let err = ApiError::new(refused.status(), code, refused.message());
            Ok(match refused {
                LoginRefused::Throttled(wait) => (
                    [(header::RETRY_AFTER, wait.as_secs().max(1).to_string())],
                    err,
                )
                    .into_response(),
                _ => err.into_response(),
            })
        }
    }
}

async fn whoami(State(app): State<App>, headers: HeaderMap) -> ApiResult<Json<SessionView>> {
    let presented = Presented::from_headers(&headers).ok_or_else(ApiError::unauthenticated)?;
    let (kind, secret) = (presented.kind(), presented.secret().to_owned());
    let now = app.now_text();
    let resolved = app
        .run(move |c| account::caller_for_secret(c, &secret, kind, &now))
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    Ok(Json(SessionView {
        login: resolved.caller.actor.login,
        assignments: resolved.caller.assignments,
        csrf_token: resolved.csrf_token,
        expires_at: None,
    }))
}

async fn log_out(
    State(app): State<App>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
) -> ApiResult<Response> {
    // The credential that authenticated this call ends: the browser's session, or the
    // script's token (which is how a token is revoked by whoever holds it).
    if let Some(presented) = Presented::from_headers(&headers) {
        let (kind, secret) = (presented.kind(), presented.secret().to_owned());
        app.run(move |c| account::log_out(c, &caller.actor, &secret, kind))
            .await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, cookie(&app, "", 0))],
    )
        .into_response())
}
