//! The one place where failures become HTTP responses.
//!
//! CDI failures are plain-text bodies with a status code (the SDKs treat any non-200 as an
//! exception and show the text); business outcomes never come through here.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use supertokens_core_engine::EngineError;
use supertokens_core_engine::StorageError;
use supertokens_core_engine::error::retry_after_seconds;

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
    /// 429: too many attempts for one account; `Retry-After` gives the whole seconds to
    /// wait and the message says what was limited.
    #[error("{message}")]
    TooManyRequests {
        /// Seconds to wait (at least 1).
        retry_after_seconds: u64,
        /// E.g. "Too many sign-in attempts for this account; retry in 8 s".
        message: String,
    },
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
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
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
            EngineError::RateLimited {
                retry_after,
                message,
            } => Self::TooManyRequests {
                retry_after_seconds: retry_after_seconds(retry_after),
                message,
            },
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
        let retry_after = match &self {
            Self::Unavailable(_) => Some(1),
            Self::TooManyRequests {
                retry_after_seconds,
                ..
            } => Some(*retry_after_seconds),
            _ => None,
        };
        let mut response = (status, self.to_string()).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        response
    }
}

/// Result alias of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    async fn answer(error: EngineError) -> (StatusCode, Option<String>, String) {
        let response = ApiError::from(error).into_response();
        let status = response.status();
        let retry_after = response
            .headers()
            .get(axum::http::header::RETRY_AFTER)
            .map(|value| value.to_str().unwrap_or_default().to_owned());
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap_or_default();
        (
            status,
            retry_after,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    #[tokio::test]
    async fn rate_limits_are_429_with_retry_after_in_whole_seconds() {
        let (status, retry_after, body) = answer(EngineError::rate_limited(
            "sign-in attempts for this account",
            Duration::from_millis(7_200),
        ))
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(retry_after.as_deref(), Some("8"));
        assert_eq!(
            body,
            "Too many sign-in attempts for this account; retry in 8 s"
        );
        // Never less than a second.
        let (_, retry_after, body) =
            answer(EngineError::rate_limited("codes", Duration::from_millis(1))).await;
        assert_eq!(retry_after.as_deref(), Some("1"));
        assert!(body.ends_with("retry in 1 s"), "{body}");
        let (status, retry_after, _) = answer(EngineError::bad_request("x")).await;
        assert_eq!((status, retry_after), (StatusCode::BAD_REQUEST, None));
    }
}
