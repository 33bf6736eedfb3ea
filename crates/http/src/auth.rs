//! Who is calling: a bearer token (`Authorization: Bearer …`) for scripts, or the session
//! cookie of a browser that logged in at `/api/v1/session`.
//!
//! Architecture invariant: a request authenticated by the cookie may change something only
//! with the session's CSRF token in `X-CSRF-Token`; bearer tokens are never sent by a
//! browser on its own, so they need none.

use crate::app::App;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use datong_store::account::CredentialKind;

pub use datong_store::access::Caller;

pub const SESSION_COOKIE: &str = "datong_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

pub struct Authenticated(pub Caller);

/// The credential a request carries, before it is looked up.
pub enum Presented {
    Bearer(String),
    Cookie(String),
}

impl Presented {
    pub fn from_headers(headers: &HeaderMap) -> Option<Presented> {
        if let Some(v) = headers.get(header::AUTHORIZATION) {
            let token = v.to_str().ok()?.strip_prefix("Bearer ")?.trim();
            return plausible(token).map(|t| Presented::Bearer(t.to_owned()));
        }
        session_cookie(headers).map(Presented::Cookie)
    }

    pub fn kind(&self) -> CredentialKind {
        match self {
            Presented::Bearer(_) => CredentialKind::Token,
            Presented::Cookie(_) => CredentialKind::Session,
        }
    }

    pub fn secret(&self) -> &str {
        match self {
            Presented::Bearer(s) | Presented::Cookie(s) => s,
        }
    }
}

fn plausible(secret: &str) -> Option<&str> {
    (!secret.is_empty() && secret.len() <= 128).then_some(secret)
}

/// The `Set-Cookie` value that stores a session secret (or, with `max_age` 0, clears it).
pub fn set_session_cookie(app: &App, value: &str, max_age: i64) -> String {
    let secure = if app.secure_cookies { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    )
}

/// The session secret from the `Cookie` headers, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .and_then(|(_, value)| plausible(value.trim()).map(str::to_owned))
}

impl FromRequestParts<App> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let presented =
            Presented::from_headers(&parts.headers).ok_or_else(ApiError::unauthenticated)?;
        let now = app.now_text();
        let kind = presented.kind();
        let secret = presented.secret().to_owned();
        let resolved = app
            .run(move |c| datong_store::account::caller_for_secret(c, &secret, kind, &now))
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if let (Some(expected), false) = (&resolved.csrf_token, safe) {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent != Some(expected.as_str()) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "请求缺少有效的 X-CSRF-Token，请刷新页面后重试",
                ));
            }
        }
        Ok(Authenticated(resolved.caller))
    }
}
