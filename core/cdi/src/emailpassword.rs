//! The emailpassword recipe's CDI endpoints.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::user::AuthRecipeUser;

/// `POST /recipe/signup` and `POST /recipe/signin` body.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    /// Email; the core trims and lower-cases it.
    pub email: String,
    /// Plain-text password.
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// `POST /recipe/signup` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum SignUpResponse {
    /// The user was created.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// The new user.
        user: AuthRecipeUser,
        /// The login method just created.
        recipe_user_id: String,
    },
    /// The email is taken in this tenant.
    EmailAlreadyExistsError,
}

/// `POST /recipe/signin` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum SignInResponse {
    /// The credentials match.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// The user.
        user: AuthRecipeUser,
        /// The login method used.
        recipe_user_id: String,
    },
    /// Unknown email or wrong password (indistinguishable by design).
    WrongCredentialsError,
}

/// `PUT /recipe/user` body (emailpassword).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = EmailPasswordUpdateUserRequest))]
#[serde(rename_all = "camelCase")]
pub struct UpdateUserRequest {
    /// The login method to change (CDI ≥ 4.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipe_user_id: Option<String>,
    /// The user to change (CDI < 4.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// New email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// New password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl fmt::Debug for UpdateUserRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateUserRequest")
            .field("recipe_user_id", &self.recipe_user_id)
            .field("user_id", &self.user_id)
            .field("email", &self.email)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// `PUT /recipe/user` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = EmailPasswordUpdateUserResponse))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum UpdateUserResponse {
    /// Changed.
    Ok,
    /// No emailpassword user with that id.
    UnknownUserIdError,
    /// The new email is taken.
    EmailAlreadyExistsError,
    /// The change is not allowed (account linking rules).
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    EmailChangeNotAllowedError {
        /// Why.
        reason: String,
    },
}

/// `POST /recipe/user/password/reset/token` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateResetTokenRequest {
    /// The user.
    pub user_id: String,
    /// The email the token is for (required from CDI 4.0; the user's email otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// `POST /recipe/user/password/reset/token` outcome.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum CreateResetTokenResponse {
    /// The token to email to the user.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// The token (shown once; only its hash is stored).
        token: String,
    },
    /// No emailpassword user with that id.
    UnknownUserIdError,
}

impl fmt::Debug for CreateResetTokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ok { .. } => f.write_str("Ok { token: <redacted> }"),
            Self::UnknownUserIdError => f.write_str("UnknownUserIdError"),
        }
    }
}

/// `POST /recipe/user/password/reset/token/consume` body.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConsumeResetTokenRequest {
    /// The token from the email.
    pub token: String,
}

impl fmt::Debug for ConsumeResetTokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConsumeResetTokenRequest { token: <redacted> }")
    }
}

/// `POST /recipe/user/password/reset/token/consume` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum ConsumeResetTokenResponse {
    /// The token was valid and is now used up.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// The user it belonged to.
        user_id: String,
        /// The email it was issued for.
        email: String,
    },
    /// Unknown, used or expired token.
    ResetPasswordInvalidTokenError,
}

/// `POST /recipe/user/password/reset` body (older combined flow).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResetPasswordRequest {
    /// Must be `token`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^token$"))]
    pub method: String,
    /// The token from the email.
    pub token: String,
    /// The new password.
    pub new_password: String,
}

impl fmt::Debug for ResetPasswordRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResetPasswordRequest")
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

/// `POST /recipe/user/password/reset` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum ResetPasswordResponse {
    /// The password was changed.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// The user whose password changed.
        user_id: String,
    },
    /// Unknown, used or expired token.
    ResetPasswordInvalidTokenError,
}

/// `POST /recipe/user/passwordhash/import` body: a user moved from another system.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportPasswordHashRequest {
    /// The user's email.
    pub email: String,
    /// The hash as the other system stored it.
    pub password_hash: String,
    /// `argon2` or `bcrypt`; detected from the hash when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashing_algorithm: Option<String>,
}

impl fmt::Debug for ImportPasswordHashRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportPasswordHashRequest")
            .field("email", &self.email)
            .field("hashing_algorithm", &self.hashing_algorithm)
            .finish_non_exhaustive()
    }
}

/// `POST /recipe/user/passwordhash/import` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum ImportPasswordHashResponse {
    /// Imported (or the existing user's hash replaced).
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// The user.
        user: AuthRecipeUser,
        /// Whether a user with this email existed already.
        did_user_already_exist: bool,
    },
}
