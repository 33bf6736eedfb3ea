//! Who is calling: a bearer token (`Authorization: Bearer …`).

use crate::app::App;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

pub use datong_store::access::Caller;

pub struct Authenticated(pub Caller);

impl FromRequestParts<App> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty() && t.len() <= 128)
            .ok_or_else(ApiError::unauthenticated)?;
        let now = app.now_text();
        let caller = app
            .run(move |c| datong_store::account::caller_for_secret(c, &token, &now))
            .await?;
        caller
            .map(Authenticated)
            .ok_or_else(ApiError::unauthenticated)
    }
}
