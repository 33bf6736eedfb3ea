//! The one error type of the HTTP layer.
//!
//! Policy: every API error is `{"error": {"code", "message", "field"?}}` with a stable
//! machine `code` and a Chinese `message`, and `details` where a domain rule refused the
//! request and says what it met. Bad input is a 4xx naming the field; a store
//! error that is not the caller's fault is logged in full and shown only as `internal`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use datong_store::StoreError;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub details: Option<serde_json::Value>,
    /// Seconds to wait before trying again, sent as `Retry-After` (429s).
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            details: None,
            retry_after: None,
        }
    }
    /// Too many requests from one client: try again after `wait`.
    pub fn too_many(message: impl Into<String>, wait: std::time::Duration) -> Self {
        ApiError {
            retry_after: Some(wait.as_secs().max(1)),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", message)
        }
    }
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message).field(field)
    }
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message).field(field)
    }
    pub fn unauthenticated() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "请先登录或提供有效的访问令牌",
        )
    }
    pub fn not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "不存在或无权访问")
    }
    pub fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误，请稍后重试",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Forbidden => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", "无权执行此操作")
            }
            StoreError::Invalid { field, message } => ApiError::invalid(field, message),
            StoreError::Conflict { field, message } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", message).field(field)
            }
            StoreError::Refused {
                code,
                message,
                details,
            } => {
                let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message);
                e.details = (!details.is_null()).then_some(details);
                e
            }
            StoreError::Db(e) => {
                tracing::error!(error = %e, "database error");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                field: self.field.as_deref(),
                details: self.details.as_ref(),
            },
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, s.into());
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
