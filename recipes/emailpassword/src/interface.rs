//! What apps can override: the functions that talk to the core ([`EmailPasswordFunctions`])
//! and the FDI route handlers ([`EmailPasswordApis`]), with their typed outcomes.
//!
//! Overrides are decorators: `override_functions` / `override_apis` receive the built-in
//! implementation and return a value that keeps it and delegates to it where it does not
//! change anything. Every [`EmailPasswordApis`] method has the built-in behaviour as its
//! default body, so an override implements only the routes it changes.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use supertokens::cdi::AuthRecipeUser;
use supertokens::multitenancy::LoginMethods;
use supertokens::{Result, SdkRequest, SuperTokens};

use crate::form_fields::FormFieldValue;
use crate::implementation::apis;
use crate::recipe::EmailPasswordRecipe;
use crate::session::SessionContainer;

/// Outcome of [`EmailPasswordFunctions::sign_up`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignUpResult {
    /// The user was created.
    Ok {
        /// The new user.
        user: AuthRecipeUser,
        /// Its emailpassword login method.
        recipe_user_id: String,
    },
    /// An emailpassword user with this email exists in the tenant.
    EmailAlreadyExistsError,
}

/// Outcome of [`EmailPasswordFunctions::sign_in`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInResult {
    /// The credentials match.
    Ok {
        /// The user.
        user: AuthRecipeUser,
        /// The emailpassword login method used.
        recipe_user_id: String,
    },
    /// Unknown email or wrong password (indistinguishable by design).
    WrongCredentialsError,
}

/// Outcome of [`EmailPasswordFunctions::create_reset_password_token`].
#[derive(Clone, PartialEq, Eq)]
pub enum CreateResetPasswordTokenResult {
    /// The token to put in the link.
    Ok {
        /// The token (a credential: never log it).
        token: String,
    },
    /// No emailpassword user with that id.
    UnknownUserIdError,
}

impl fmt::Debug for CreateResetPasswordTokenResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ok { .. } => f.write_str("Ok { token: <redacted> }"),
            Self::UnknownUserIdError => f.write_str("UnknownUserIdError"),
        }
    }
}

/// Outcome of [`EmailPasswordFunctions::consume_password_reset_token`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsumePasswordResetTokenResult {
    /// The token was valid; it and the user's other reset tokens are used up.
    Ok {
        /// The (recipe) user it was created for.
        user_id: String,
        /// The email it was created for.
        email: String,
    },
    /// Unknown, used or expired token.
    ResetPasswordInvalidTokenError,
}

/// Input of [`EmailPasswordFunctions::update_email_or_password`].
#[derive(Clone, PartialEq, Eq)]
pub struct UpdateEmailOrPasswordInput {
    /// The emailpassword login method to change.
    pub recipe_user_id: String,
    /// New email, if it changes.
    pub email: Option<String>,
    /// New password, if it changes (checked against the sign-up password validator).
    pub password: Option<String>,
    /// Tenant whose password policy applies.
    pub tenant_id_for_password_policy: String,
}

impl fmt::Debug for UpdateEmailOrPasswordInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateEmailOrPasswordInput")
            .field("recipe_user_id", &self.recipe_user_id)
            .field("email", &self.email)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field(
                "tenant_id_for_password_policy",
                &self.tenant_id_for_password_policy,
            )
            .finish()
    }
}

/// Outcome of [`EmailPasswordFunctions::update_email_or_password`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateEmailOrPasswordResult {
    /// Changed.
    Ok,
    /// No emailpassword user with that id.
    UnknownUserIdError,
    /// The new email is taken.
    EmailAlreadyExistsError,
    /// The core refused the email change.
    EmailChangeNotAllowedError {
        /// Why.
        reason: String,
    },
    /// The new password breaks the password validator.
    PasswordPolicyViolatedError {
        /// The validator's message.
        failure_reason: String,
    },
}

/// The recipe's operations on the core. The built-in implementation calls the core's CDI.
#[async_trait]
pub trait EmailPasswordFunctions: Send + Sync {
    /// Creates an emailpassword user (`POST /<tenant>/recipe/signup`).
    async fn sign_up(&self, email: &str, password: &str, tenant_id: &str) -> Result<SignUpResult>;

    /// Checks credentials (`POST /<tenant>/recipe/signin`).
    async fn sign_in(&self, email: &str, password: &str, tenant_id: &str) -> Result<SignInResult>;

    /// The user with an emailpassword login method for this email in the tenant
    /// (`GET /<tenant>/users/by-accountinfo`).
    async fn get_user_by_email(
        &self,
        email: &str,
        tenant_id: &str,
    ) -> Result<Option<AuthRecipeUser>>;

    /// A user by id (`GET /user/id`).
    async fn get_user_by_id(&self, user_id: &str) -> Result<Option<AuthRecipeUser>>;

    /// A password reset token for the user and email
    /// (`POST /<tenant>/recipe/user/password/reset/token`).
    async fn create_reset_password_token(
        &self,
        user_id: &str,
        email: &str,
        tenant_id: &str,
    ) -> Result<CreateResetPasswordTokenResult>;

    /// Uses up a password reset token
    /// (`POST /<tenant>/recipe/user/password/reset/token/consume`).
    async fn consume_password_reset_token(
        &self,
        token: &str,
        tenant_id: &str,
    ) -> Result<ConsumePasswordResetTokenResult>;

    /// Changes the email and/or password of a login method (`PUT /recipe/user`); a new
    /// password is checked against the sign-up password validator first.
    async fn update_email_or_password(
        &self,
        input: UpdateEmailOrPasswordInput,
    ) -> Result<UpdateEmailOrPasswordResult>;
}

/// What an API handler gets besides its inputs.
#[derive(Clone, Copy)]
pub struct ApiOptions<'a> {
    /// The SDK (the core, the other recipes).
    pub supertokens: &'a SuperTokens,
    /// The request being served.
    pub request: &'a SdkRequest,
    /// This recipe (its functions, forms, email delivery).
    pub recipe: &'a EmailPasswordRecipe,
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
    pub fn functions(&self) -> &Arc<dyn EmailPasswordFunctions> {
        self.recipe.functions()
    }
}

/// Outcome of `POST /signup`.
pub enum SignUpPostResponse {
    /// `{"status":"OK","user":…}` plus the new session's tokens.
    Ok {
        /// The new user.
        user: AuthRecipeUser,
        /// Its session (its headers go on the response).
        session: SessionContainer,
    },
    /// Sent as `FIELD_ERROR` on `email`: `This email already exists. Please sign in instead.`
    EmailAlreadyExistsError,
    /// `{"status":"SIGN_UP_NOT_ALLOWED","reason":…}`.
    SignUpNotAllowed {
        /// Shown to the user.
        reason: String,
    },
    /// `{"status":"GENERAL_ERROR","message":…}`.
    GeneralError {
        /// Shown to the user.
        message: String,
    },
}

/// Outcome of `POST /signin`.
pub enum SignInPostResponse {
    /// `{"status":"OK","user":…}` plus the new session's tokens.
    Ok {
        /// The user.
        user: AuthRecipeUser,
        /// Its new session.
        session: SessionContainer,
    },
    /// `{"status":"WRONG_CREDENTIALS_ERROR"}`.
    WrongCredentialsError,
    /// `{"status":"SIGN_IN_NOT_ALLOWED","reason":…}`.
    SignInNotAllowed {
        /// Shown to the user.
        reason: String,
    },
    /// `{"status":"GENERAL_ERROR","message":…}`.
    GeneralError {
        /// Shown to the user.
        message: String,
    },
}

impl fmt::Debug for SignUpPostResponse {
    // The session holds tokens: only the user id is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ok { user, .. } => f
                .debug_struct("Ok")
                .field("user_id", &user.id)
                .finish_non_exhaustive(),
            Self::EmailAlreadyExistsError => f.write_str("EmailAlreadyExistsError"),
            Self::SignUpNotAllowed { reason } => f
                .debug_struct("SignUpNotAllowed")
                .field("reason", reason)
                .finish(),
            Self::GeneralError { message } => f
                .debug_struct("GeneralError")
                .field("message", message)
                .finish(),
        }
    }
}

impl fmt::Debug for SignInPostResponse {
    // The session holds tokens: only the user id is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ok { user, .. } => f
                .debug_struct("Ok")
                .field("user_id", &user.id)
                .finish_non_exhaustive(),
            Self::WrongCredentialsError => f.write_str("WrongCredentialsError"),
            Self::SignInNotAllowed { reason } => f
                .debug_struct("SignInNotAllowed")
                .field("reason", reason)
                .finish(),
            Self::GeneralError { message } => f
                .debug_struct("GeneralError")
                .field("message", message)
                .finish(),
        }
    }
}

/// Outcome of `GET /emailpassword/email/exists`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EmailExistsGetResponse {
    /// `{"status":"OK","exists":…}`.
    Ok {
        /// Whether an emailpassword user has this email in the tenant.
        exists: bool,
    },
    /// `{"status":"GENERAL_ERROR","message":…}`.
    GeneralError {
        /// Shown to the user.
        message: String,
    },
}

/// Outcome of `POST /user/password/reset/token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GeneratePasswordResetTokenPostResponse {
    /// `{"status":"OK"}`, whether or not the email belongs to a user.
    Ok,
    /// `{"status":"PASSWORD_RESET_NOT_ALLOWED","reason":…}`.
    PasswordResetNotAllowed {
        /// Shown to the user.
        reason: String,
    },
    /// `{"status":"GENERAL_ERROR","message":…}`.
    GeneralError {
        /// Shown to the user.
        message: String,
    },
}

/// Outcome of `POST /user/password/reset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordResetPostResponse {
    /// Sent as `{"status":"OK"}`.
    Ok {
        /// The (recipe) user whose password changed.
        user_id: String,
        /// The email the token was created for.
        email: String,
    },
    /// `{"status":"RESET_PASSWORD_INVALID_TOKEN_ERROR"}`.
    ResetPasswordInvalidTokenError,
    /// Sent as `FIELD_ERROR` on `password`.
    PasswordPolicyViolatedError {
        /// The validator's message.
        failure_reason: String,
    },
    /// `{"status":"GENERAL_ERROR","message":…}`.
    GeneralError {
        /// Shown to the user.
        message: String,
    },
}

/// Outcome of `GET /loginmethods`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LoginMethodsGetResponse {
    /// `{"status":"OK","emailPassword":…,"thirdParty":…,"passwordless":…,"firstFactors":…}`.
    Ok(LoginMethods),
    /// `{"status":"GENERAL_ERROR","message":…}`.
    GeneralError {
        /// Shown to the user.
        message: String,
    },
}

/// The FDI route handlers. Each default body is the built-in behaviour.
#[async_trait]
pub trait EmailPasswordApis: Send + Sync {
    /// `POST /<tenant>/signup`, after `formFields` passed validation.
    async fn sign_up_post(
        &self,
        form_fields: &[FormFieldValue],
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<SignUpPostResponse> {
        apis::sign_up_post(form_fields, tenant_id, options).await
    }

    /// `POST /<tenant>/signin`, after `formFields` passed validation.
    async fn sign_in_post(
        &self,
        form_fields: &[FormFieldValue],
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<SignInPostResponse> {
        apis::sign_in_post(form_fields, tenant_id, options).await
    }

    /// `GET /<tenant>/emailpassword/email/exists?email=` (and the deprecated
    /// `/signup/email/exists`).
    async fn email_exists_get(
        &self,
        email: &str,
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<EmailExistsGetResponse> {
        apis::email_exists_get(email, tenant_id, options).await
    }

    /// `POST /<tenant>/user/password/reset/token`, after `formFields` passed validation.
    async fn generate_password_reset_token_post(
        &self,
        form_fields: &[FormFieldValue],
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<GeneratePasswordResetTokenPostResponse> {
        apis::generate_password_reset_token_post(form_fields, tenant_id, options).await
    }

    /// `POST /<tenant>/user/password/reset`, after `formFields` and `token` passed validation.
    async fn password_reset_post(
        &self,
        form_fields: &[FormFieldValue],
        token: &str,
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<PasswordResetPostResponse> {
        apis::password_reset_post(form_fields, token, tenant_id, options).await
    }

    /// `GET /<tenant>/loginmethods?clientType=` (multitenancy's route, served here).
    async fn login_methods_get(
        &self,
        tenant_id: &str,
        client_type: Option<&str>,
        options: &ApiOptions<'_>,
    ) -> Result<LoginMethodsGetResponse> {
        apis::login_methods_get(tenant_id, client_type, options).await
    }
}
