//! The one place where failures become HTTP responses.
//!
//! CDI failures are plain-text bodies with a status code (the SDKs treat any non-200 as an
//! exception and show the text); business outcomes never come through here.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use supertokens_core_engine::EngineError;
use supertokens_core_engine::StorageError;

/// A failed CDI request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed; the message says what to fix.
    #[error("{0}")]
    BadRequest(String),
    /// 401: missing or wrong API key.
    #[error("Invalid API key")]
    InvalidApiKey,
    /// 403: not allowed from this app or tenant; the message says why.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such path.
    #[error("Not found")]
    NotFound,
    /// 405: the path exists but not for this method.
    #[error("Method not supported")]
    MethodNotAllowed,
    /// 413: the body is too large.
    #[error("Request body is too large: the limit is {0} bytes")]
    PayloadTooLarge(usize),
    /// 503: the database (or another dependency) is unavailable.
    #[error("Service unavailable: {0}")]
    Unavailable(String),
    /// 500: anything else; details go to the log, not to the client.
    #[error("Internal error")]
    Internal(String),
}

impl ApiError {
    /// A 400 with this message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(message.into())
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::InvalidApiKey => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> Self {
        match error {
            EngineError::BadRequest(message) => Self::BadRequest(message),
            EngineError::Forbidden(message) => Self::Forbidden(message),
            EngineError::Storage(StorageError::Unavailable(cause)) => {
                tracing::warn!(%cause, "database unavailable");
                Self::Unavailable("the database is unreachable; retry later".into())
            }
            EngineError::Unavailable(cause) => Self::Unavailable(cause),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let Self::Internal(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let mut response = (status, self.to_string()).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        response
    }
}

/// Result alias of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
