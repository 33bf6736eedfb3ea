//! What a page's path names: a node by its division code, a record by its id. A path
//! that cannot name anything is the 404 page, which never repeats what was sent.

use crate::i18n::Lang;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::Response;
use datong_domain::DivisionCode;
use datong_http::error::ApiError;

fn not_found(parts: &Parts) -> Response {
    crate::layout::failure(Lang::from_headers(&parts.headers), ApiError::not_found())
}

/// The node a page is about.
pub struct NodePath(pub DivisionCode);

impl<S: Send + Sync> FromRequestParts<S> for NodePath {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(code)) => DivisionCode::parse(&code)
                .map(NodePath)
                .map_err(|_| not_found(parts)),
            Err(_) => Err(not_found(parts)),
        }
    }
}

/// The record (member, request, admission …) a page is about.
pub struct IdPath(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        Path::<i64>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| IdPath(id))
            .map_err(|_| not_found(parts))
    }
}
