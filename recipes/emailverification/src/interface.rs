//! What apps can override: the functions that talk to the core
//! ([`EmailVerificationFunctions`], node's `RecipeInterface`) and the FDI route handlers
//! ([`EmailVerificationApis`], node's `APIInterface`), with their typed outcomes.
//!
//! Overrides are decorators: `override_functions` / `override_apis` receive the built-in
//! implementation and return a value that keeps it and delegates to it where it changes
//! nothing. Every [`EmailVerificationApis`] method has the built-in behaviour as its default
//! body, so an override implements only the routes it changes.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use supertokens::{Result, SdkRequest, SuperTokens};
use supertokens_session::SessionContainer;

use crate::implementation::apis;
use crate::recipe::EmailVerificationRecipe;

/// Outcome of [`EmailVerificationFunctions::create_email_verification_token`].
#[derive(Clone, PartialEq, Eq)]
pub enum CreateEmailVerificationTokenResult {
    /// The token to put in the link.
    Ok {
        /// The token (a credential: never log it).
        token: String,
    },
    /// The email is verified already: no token was made.
    EmailAlreadyVerifiedError,
}

impl fmt::Debug for CreateEmailVerificationTokenResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ok { .. } => f.write_str("Ok { token: <redacted> }"),
            Self::EmailAlreadyVerifiedError => f.write_str("EmailAlreadyVerifiedError"),
        }
    }
}

/// The login method and email a token verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailVerificationUser {
    /// The login method.
    pub recipe_user_id: String,
    /// The email, now verified.
    pub email: String,
}

/// Outcome of [`EmailVerificationFunctions::verify_email_using_token`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyEmailUsingTokenResult {
    /// The email is verified; every token of the pair is used up.
    Ok {
        /// Whose email.
        user: EmailVerificationUser,
    },
    /// Unknown, used or expired token.
    EmailVerificationInvalidTokenError,
}

/// The recipe's operations on the core. The built-in implementation calls the core's CDI.
/// Verification state belongs to a pair (login method, email): changing the email of a
/// login method leaves the new email unverified.
#[async_trait]
pub trait EmailVerificationFunctions: Send + Sync {
    /// A token for the pair (`POST /<tenant>/recipe/user/email/verify/token`).
    async fn create_email_verification_token(
        &self,
        recipe_user_id: &str,
        email: &str,
        tenant_id: &str,
    ) -> Result<CreateEmailVerificationTokenResult>;

    /// Uses up a token, verifying its pair (`POST /<tenant>/recipe/user/email/verify`).
    async fn verify_email_using_token(
        &self,
        token: &str,
        tenant_id: &str,
    ) -> Result<VerifyEmailUsingTokenResult>;

    /// Whether the pair is verified (`GET /recipe/user/email/verify`).
    async fn is_email_verified(&self, recipe_user_id: &str, email: &str) -> Result<bool>;

    /// Deletes the pair's unused tokens in the tenant
    /// (`POST /<tenant>/recipe/user/email/verify/token/remove`).
    async fn revoke_email_verification_tokens(
        &self,
        recipe_user_id: &str,
        email: &str,
        tenant_id: &str,
    ) -> Result<()>;

    /// Marks the pair unverified (`POST /recipe/user/email/verify/remove`).
    async fn unverify_email(&self, recipe_user_id: &str, email: &str) -> Result<()>;
}

/// What an API handler gets besides its inputs.
#[derive(Clone, Copy)]
pub struct ApiOptions<'a> {
    /// The SDK (the core, the other recipes).
    pub supertokens: &'a SuperTokens,
    /// The request being served.
    pub request: &'a SdkRequest,
    /// This recipe (its functions, email lookup and delivery).
    pub recipe: &'a EmailVerificationRecipe,
}

impl fmt::Debug for ApiOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiOptions")
            .field("method", &self.request.method)
            .field("path", &self.request.path)
            .finish_non_exhaustive()
    }
}

impl ApiOptions<'_> {
    /// The recipe's (possibly overridden) functions.
    pub fn functions(&self) -> &Arc<dyn EmailVerificationFunctions> {
        self.recipe.functions()
    }
}

/// Outcome of `POST /user/email/verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyEmailPostResponse {
    /// Sent as `{"status":"OK"}`.
    Ok {
        /// Whose email got verified.
        user: EmailVerificationUser,
    },
    /// `{"status":"EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}`.
    EmailVerificationInvalidTokenError,
    /// `{"status":"GENERAL_ERROR","message":…}`.
    GeneralError {
        /// Shown to the user.
        message: String,
    },
}

/// Outcome of `GET /user/email/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum IsEmailVerifiedGetResponse {
    /// `{"status":"OK","isVerified":…}`.
    Ok {
        /// Whether the session user's email is verified.
        is_verified: bool,
    },
    /// `{"status":"GENERAL_ERROR","message":…}`.
    GeneralError {
        /// Shown to the user.
        message: String,
    },
}

/// Outcome of `POST /user/email/verify/token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GenerateEmailVerifyTokenPostResponse {
    /// `{"status":"OK"}`: the email was sent.
    Ok,
    /// `{"status":"EMAIL_ALREADY_VERIFIED_ERROR"}` (the session's `st-ev` claim is updated).
    EmailAlreadyVerifiedError,
    /// `{"status":"GENERAL_ERROR","message":…}`.
    GeneralError {
        /// Shown to the user.
        message: String,
    },
}

/// The FDI route handlers. Each default body is the built-in behaviour (see
/// [`implementation::apis`](crate::implementation::apis)).
#[async_trait]
pub trait EmailVerificationApis: Send + Sync {
    /// `POST /<tenant>/user/email/verify`, after `token` passed validation; `session` is the
    /// request's session, if it has one (claim validators skipped).
    async fn verify_email_post(
        &self,
        token: &str,
        tenant_id: &str,
        session: Option<&SessionContainer>,
        options: &ApiOptions<'_>,
    ) -> Result<VerifyEmailPostResponse> {
        apis::verify_email_post(token, tenant_id, session, options).await
    }

    /// `GET /user/email/verify` for the request's session (claim validators skipped).
    async fn is_email_verified_get(
        &self,
        session: &SessionContainer,
        options: &ApiOptions<'_>,
    ) -> Result<IsEmailVerifiedGetResponse> {
        apis::is_email_verified_get(session, options).await
    }

    /// `POST /<tenant>/user/email/verify/token` for the request's session (claim validators
    /// skipped).
    async fn generate_email_verify_token_post(
        &self,
        session: &SessionContainer,
        options: &ApiOptions<'_>,
    ) -> Result<GenerateEmailVerifyTokenPostResponse> {
        apis::generate_email_verify_token_post(session, options).await
    }
}
