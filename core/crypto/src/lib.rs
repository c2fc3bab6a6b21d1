//! Cryptography of the SuperTokens-compatible core: password hashing, RS256 signing keys,
//! JWT/JWKS, refresh-token encryption, opaque tokens and constant-time helpers.
//!
//! The crate does no IO. Randomness is an input ([`RandomSource`]), so the engine can inject a
//! deterministic source in tests. Password hashing is synchronous and CPU-heavy: callers run it
//! inside `tokio::task::spawn_blocking`.

pub mod aead;
mod error;
pub mod hashing;
pub mod password;
pub mod random;
pub mod signing;

pub use aead::RefreshTokenCipher;
pub use error::{CryptoError, Result};
pub use hashing::{constant_time_eq, hmac_sha256, sha256, sha256_hex};
pub use password::{
    Argon2Memory, PasswordHashingPolicy, hash_password, hash_password_with_memory, verify_password,
    verify_password_with_memory,
};
pub use random::{
    DeterministicRandom, OsRandom, RandomSource, random_bytes, random_numeric_code, random_token,
    random_uuid_v4,
};
pub use signing::{
    DecodedJwt, Jwk, JwtError, SigningKey, VerifyingKey, decode_unverified, verify_jwt,
};
