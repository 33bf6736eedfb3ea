use crate::db::DbError;

/// What a repository call can fail with. The HTTP layer maps each to one status and code.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Absent, or outside the caller's scope: the two are not told apart, so that a scope
    /// never learns what exists beyond it.
    #[error("不存在或无权访问")]
    NotFound,
    /// The caller may see the object but not do this to it.
    #[error("无权执行此操作")]
    Forbidden,
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{field}: {message}")]
    Conflict { field: String, message: String },
    /// A domain rule refused the request: `code` names the rule, `details` what it met
    /// (the task gate's refused targets with the relevant part of their lists).
    #[error("{message}")]
    Refused {
        code: &'static str,
        message: String,
        details: serde_json::Value,
    },
    #[error(transparent)]
    Db(#[from] DbError),
}

impl StoreError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        StoreError::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }
    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        StoreError::Conflict {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
