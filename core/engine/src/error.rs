//! Failures of the engine. Expected outcomes (wrong password, unknown user) are not errors:
//! they are variants of the response enums.

use supertokens_storage::StorageError;

/// Result alias of the engine.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// Why an engine call failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The request is invalid; the message says what to fix (HTTP 400).
    #[error("{0}")]
    BadRequest(String),
    /// The caller may not do this from where it asked (HTTP 403), e.g. manage apps from
    /// another app than `public`.
    #[error("{0}")]
    Forbidden(String),
    /// The database failed or is unreachable.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A cryptographic operation failed unexpectedly.
    #[error("cryptographic failure: {0}")]
    Crypto(String),
    /// The engine is overloaded or shutting down (HTTP 503).
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Too many attempts for one account (HTTP 429 with `Retry-After`); see
    /// [`crate::ratelimit`]. The message names what was limited and when to retry.
    #[error("{message}")]
    RateLimited {
        /// How long until an attempt may be allowed again.
        retry_after: std::time::Duration,
        /// For the client, e.g. "Too many sign-in attempts for this account; retry in 8 s".
        message: String,
    },
}

impl EngineError {
    /// A 400 with this message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(message.into())
    }

    /// A 403 with this message.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    /// A 429 for "too many `what`", retry after `retry_after` (announced in whole seconds,
    /// rounded up, at least 1; see [`retry_after_seconds`]).
    pub fn rate_limited(what: &str, retry_after: std::time::Duration) -> Self {
        Self::RateLimited {
            retry_after,
            message: format!(
                "Too many {what}; retry in {} s",
                retry_after_seconds(retry_after)
            ),
        }
    }
}

/// A wait as the whole seconds of a `Retry-After` header: rounded up, at least 1.
pub fn retry_after_seconds(retry_after: std::time::Duration) -> u64 {
    let seconds = retry_after.as_secs();
    let seconds = if retry_after.subsec_nanos() > 0 {
        seconds.saturating_add(1)
    } else {
        seconds
    };
    seconds.max(1)
}

impl From<supertokens_crypto::CryptoError> for EngineError {
    fn from(error: supertokens_crypto::CryptoError) -> Self {
        Self::Crypto(error.to_string())
    }
}
