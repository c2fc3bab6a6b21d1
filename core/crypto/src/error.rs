//! The crate's error type.

use crate::signing::JwtError;

/// Result alias of the crypto crate.
pub type Result<T, E = CryptoError> = std::result::Result<T, E>;

/// Why a cryptographic operation failed.
///
/// A wrong password is not an error (`verify_password` returns `Ok(false)`), and a JWT that does
/// not verify is a [`JwtError`].
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// A password-hashing parameter is out of range; the message names the parameter.
    #[error("invalid password hashing policy: {0}")]
    InvalidPolicy(String),
    /// A stored password hash is in no format this crate can verify.
    #[error("unrecognised password hash format")]
    UnrecognisedHashFormat,
    /// A stored password hash has a recognised prefix but is malformed.
    #[error("malformed password hash: {0}")]
    MalformedHash(String),
    /// A password hash to import would cost more to verify than the bounds of imported
    /// hashes; the message names the parameter and its bound.
    #[error("{0}")]
    HashTooCostly(String),
    /// Hashing a password failed.
    #[error("password hashing failed: {0}")]
    PasswordHashing(String),
    /// Generating a key failed.
    #[error("key generation failed")]
    KeyGeneration,
    /// A key could not be parsed or was rejected.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// Signing failed.
    #[error("signing failed")]
    Signing,
    /// A value could not be serialised to JSON.
    #[error("JSON serialisation failed: {0}")]
    Json(#[from] serde_json::Error),
    /// An encrypted token could not be opened (bad encoding, too short, or failed authentication).
    #[error("invalid encrypted token")]
    InvalidCiphertext,
    /// Encryption failed.
    #[error("encryption failed")]
    Encryption,
    /// A JWT could not be verified or decoded.
    #[error(transparent)]
    Jwt(#[from] JwtError),
}
