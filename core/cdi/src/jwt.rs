//! The JWT recipe and the JWKS document.

use serde::{Deserialize, Serialize};

/// An RSA public key in JWK form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jwk {
    /// Always `RSA`.
    pub kty: String,
    /// Key id (`d-…` dynamic, `s-…` static).
    pub kid: String,
    /// Modulus, base64url without padding.
    pub n: String,
    /// Exponent, base64url without padding.
    pub e: String,
    /// Always `RS256`.
    pub alg: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    pub use_: String,
}

/// `GET /.well-known/jwks.json` (no `status` field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jwks {
    /// Every key a token may currently be signed with: dynamic keys newest first, then static.
    pub keys: Vec<Jwk>,
}

/// `GET /recipe/jwt/jwks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum JwksResponse {
    /// The keys.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// As in [`Jwks`].
        keys: Vec<Jwk>,
    },
}

/// `POST /recipe/jwt` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateJwtRequest {
    /// Claims of the token.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Map<String, serde_json::Value>,
    /// Only `RS256` (case-insensitive) is supported.
    pub algorithm: String,
    /// Becomes `iss` unless the payload has one.
    pub jwks_domain: String,
    /// Seconds; must be positive (checked after `algorithm`).
    pub validity: i64,
    /// Sign with the static key (the default when absent) or the newest dynamic key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_static_signing_key: Option<bool>,
}

/// `POST /recipe/jwt` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum CreateJwtResponse {
    /// The signed token.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Compact JWT.
        jwt: String,
    },
    /// The algorithm is not supported.
    UnsupportedAlgorithmError,
}
