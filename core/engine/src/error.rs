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
}

impl From<supertokens_crypto::CryptoError> for EngineError {
    fn from(error: supertokens_crypto::CryptoError) -> Self {
        Self::Crypto(error.to_string())
    }
}
