//! Errors of the storage layer.

/// Result alias of the storage layer.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Why a storage call failed. Expected outcomes (a taken email, a missing row) are not errors;
/// they are return values.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StorageError {
    /// The database could not be reached (connection refused, pool timed out, connection lost).
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The database answered with an error.
    #[error("database error: {0}")]
    Database(String),
    /// A stored value could not be decoded.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The connection URL or options are invalid.
    #[error("invalid database configuration: {0}")]
    Config(String),
}
