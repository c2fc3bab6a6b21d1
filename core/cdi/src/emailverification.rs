//! The email verification recipe's CDI endpoints (rid `emailverification`).
//!
//! Verification state belongs to a pair (user id, email): changing a user's email leaves the
//! new one unverified. Tokens are single-use secrets the core keeps only as hashes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Body of `POST /recipe/user/email/verify/token`, `…/token/remove` and
/// `POST /recipe/user/email/verify/remove`: the pair the call is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserEmailRequest {
    /// The user (recipe user id or external id); free-form, not checked for existence.
    pub user_id: String,
    /// The email of that user.
    pub email: String,
}

/// `POST /recipe/user/email/verify/token` outcome.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum CreateEmailVerificationTokenResponse {
    /// A new token; earlier unused tokens of the pair stay valid until they expire.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// The secret to put in the verification link.
        token: String,
    },
    /// The email is already verified for this user; no token was made.
    EmailAlreadyVerifiedError,
}

impl fmt::Debug for CreateEmailVerificationTokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ok { .. } => f.debug_struct("Ok").field("token", &"<redacted>").finish(),
            Self::EmailAlreadyVerifiedError => f.write_str("EmailAlreadyVerifiedError"),
        }
    }
}

/// Body of `POST /recipe/user/email/verify`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct VerifyEmailRequest {
    /// Must be `token`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^token$"))]
    pub method: String,
    /// The token from the verification link.
    pub token: String,
}

impl fmt::Debug for VerifyEmailRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyEmailRequest")
            .field("method", &self.method)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// `POST /recipe/user/email/verify` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum VerifyEmailResponse {
    /// The email is now verified; every token of the pair is gone.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// The user the token was made for.
        user_id: String,
        /// The email that is now verified.
        email: String,
    },
    /// The token is unknown, used or expired.
    EmailVerificationInvalidTokenError,
}

/// `GET /recipe/user/email/verify` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum IsEmailVerifiedResponse {
    /// Whether the pair is verified.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// `true` once a token of the pair was used (and not un-verified since).
        is_verified: bool,
    },
}
