//! The emailpassword recipe: sign-up, sign-in and password reset, wire-compatible with
//! supertokens-node so that the official frontends (supertokens-web-js, the prebuilt UI of
//! supertokens-auth-react) work unchanged.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # fn main() -> supertokens::Result<()> {
//! use supertokens_emailpassword::{EmailPasswordConfig, LogEmailDelivery};
//! let st = supertokens::init(supertokens::SuperTokensConfig {
//!     app_info: supertokens::AppInfo {
//!         app_name: "Demo".into(),
//!         api_domain: "http://localhost:3001".into(),
//!         website_domain: "http://localhost:3000".into(),
//!         api_base_path: None,
//!         website_base_path: None,
//!     },
//!     connection_uri: "http://localhost:3567".into(),
//!     api_key: None,
//!     rate_limits: supertokens::RateLimitConfig::default(),
//!     recipe_list: vec![
//!         supertokens_session::init(supertokens_session::SessionConfig::default()),
//!         supertokens_emailpassword::init(EmailPasswordConfig {
//!             // Development only: reset links go to the log.
//!             email_delivery: Some(Arc::new(LogEmailDelivery)),
//!             ..Default::default()
//!         }),
//!     ],
//! })?;
//! # let _ = st; Ok(()) }
//! ```
//!
//! # Routes (below `api_base_path`, optionally after `/<tenantId>`)
//!
//! | Route | Answers |
//! |---|---|
//! | `POST /signup` | `OK` + `user` + session; `FIELD_ERROR` (also for a taken email); `GENERAL_ERROR` |
//! | `POST /signin` | `OK` + `user` + session; `WRONG_CREDENTIALS_ERROR`; `FIELD_ERROR` |
//! | `GET /emailpassword/email/exists?email=` (and deprecated `/signup/email/exists`) | `OK` + `exists` |
//! | `POST /user/password/reset/token` | `OK` whether or not the email is known; `FIELD_ERROR` |
//! | `POST /user/password/reset` | `OK`; `RESET_PASSWORD_INVALID_TOKEN_ERROR`; `FIELD_ERROR` |
//! | `GET /loginmethods?clientType=` | the tenant's login methods (see below) |
//!
//! Malformed input gets 400 `{"message": …}` with node's messages; see [`form_fields`].
//!
//! # Tenants
//!
//! `/<tenantId>/signup` signs up in that tenant of the connection URI's app (the core's
//! `/<tenantId>/recipe/signup`), and the session it creates carries the tenant (`tId`); the
//! same goes for sign-in, the email check and password reset (whose links carry
//! `tenantId=<tenant>`). As in node, sign-in and sign-up first check that the tenant takes
//! `emailpassword` as a first factor
//! ([`supertokens::multitenancy::check_first_factors`]): when it does not, sign-up answers
//! 401 `unauthorised` and so does sign-in, unless the email is unknown in the tenant
//! (`WRONG_CREDENTIALS_ERROR`); an unknown tenant is a 500.
//!
//! # `GET /loginmethods`
//!
//! Node answers it from its multitenancy recipe, which it always initialises. This SDK has
//! no separate multitenancy recipe: the answer is computed by
//! [`supertokens::multitenancy::login_methods`] from the core's tenant configuration and the
//! first factors of the recipes in the list, and this recipe serves the route (it can be
//! disabled with [`DisabledApis::disable_login_methods_get`] or overridden with
//! [`EmailPasswordApis::login_methods_get`]). Another recipe offering a first factor may
//! serve it too; the SDK's router then uses the first one, and both answer the same.
//!
//! # Sessions
//!
//! Sign-in and sign-up create sessions through the session recipe (`supertokens-session`),
//! which must be in `recipe_list`; its response headers (cookies or tokens, `front-token`)
//! are put on the answer.
//!
//! # Password reset emails
//!
//! Sent from a background task after the answer's one core lookup, so neither the answer nor
//! its timing tells whether the email has an account; failures are logged. See [`email`].

// Outcomes mirror node's shapes; boxing the users of the `Ok` variants would buy nothing.
#![allow(clippy::large_enum_variant)]

pub mod api;
pub mod config;
pub mod email;
pub mod form_fields;
pub mod implementation;
pub mod interface;
pub mod recipe;
pub mod validators;

use std::sync::Arc;

pub use supertokens::cdi::AuthRecipeUser;
use supertokens::{Result, SuperTokens, SuperTokensError};

pub use crate::config::{
    ApisOverride, DisabledApis, EmailPasswordConfig, FieldValidator, FormField, FunctionsOverride,
    PasswordResetEmailRenderer, SignUpFeature,
};
pub use crate::email::EmailDeliveryError;
pub use crate::email::{
    CapturingEmailDelivery, EmailDelivery, EmailMessage, LogEmailDelivery, PasswordResetEmailInput,
    SmtpEmailDelivery, SmtpSecurity, SmtpSettings,
};
pub use crate::form_fields::{FieldError, FormFieldValue};
pub use crate::interface::{
    ApiOptions, ConsumePasswordResetTokenResult, CreateResetPasswordTokenResult,
    EmailExistsGetResponse, EmailPasswordApis, EmailPasswordFunctions,
    GeneratePasswordResetTokenPostResponse, LoginMethodsGetResponse, PasswordResetPostResponse,
    SignInPostResponse, SignInResult, SignUpPostResponse, SignUpResult, UpdateEmailOrPasswordInput,
    UpdateEmailOrPasswordResult,
};
pub use crate::recipe::{EmailPasswordRecipe, init};

pub(crate) use supertokens_session as session;

/// The recipe id (`rid`).
pub const RECIPE_ID: &str = "emailpassword";

/// The emailpassword recipe of an initialised SDK.
pub fn recipe(supertokens: &SuperTokens) -> Result<Arc<EmailPasswordRecipe>> {
    supertokens.recipe::<EmailPasswordRecipe>().ok_or_else(|| {
        SuperTokensError::Config("the emailpassword recipe is not in recipe_list".into())
    })
}

/// Creates an emailpassword user (no session, no password policy check: the caller decides).
pub async fn sign_up(
    supertokens: &SuperTokens,
    tenant_id: &str,
    email: &str,
    password: &str,
) -> Result<SignUpResult> {
    recipe(supertokens)?
        .functions()
        .sign_up(email, password, tenant_id)
        .await
}

/// Checks credentials (no session is created).
pub async fn sign_in(
    supertokens: &SuperTokens,
    tenant_id: &str,
    email: &str,
    password: &str,
) -> Result<SignInResult> {
    recipe(supertokens)?
        .functions()
        .sign_in(email, password, tenant_id)
        .await
}

/// The user with an emailpassword login method for this email in the tenant.
pub async fn get_user_by_email(
    supertokens: &SuperTokens,
    tenant_id: &str,
    email: &str,
) -> Result<Option<AuthRecipeUser>> {
    recipe(supertokens)?
        .functions()
        .get_user_by_email(email, tenant_id)
        .await
}

/// A password reset token for an emailpassword login method.
pub async fn create_reset_password_token(
    supertokens: &SuperTokens,
    tenant_id: &str,
    recipe_user_id: &str,
    email: &str,
) -> Result<CreateResetPasswordTokenResult> {
    recipe(supertokens)?
        .functions()
        .create_reset_password_token(recipe_user_id, email, tenant_id)
        .await
}

/// A password reset link for an emailpassword login method; `None` for an unknown user.
pub async fn create_reset_password_link(
    supertokens: &SuperTokens,
    tenant_id: &str,
    recipe_user_id: &str,
    email: &str,
) -> Result<Option<String>> {
    let recipe = recipe(supertokens)?;
    Ok(
        match recipe
            .functions()
            .create_reset_password_token(recipe_user_id, email, tenant_id)
            .await?
        {
            CreateResetPasswordTokenResult::Ok { token } => {
                Some(recipe.password_reset_link(&token, tenant_id))
            }
            CreateResetPasswordTokenResult::UnknownUserIdError => None,
        },
    )
}

/// Creates a token and sends the password reset email now (waiting for the delivery and
/// returning its failure); `false` for an unknown user.
pub async fn send_reset_password_email(
    supertokens: &SuperTokens,
    tenant_id: &str,
    user_id: &str,
    recipe_user_id: &str,
    email: &str,
) -> Result<bool> {
    recipe(supertokens)?
        .send_password_reset_email(&recipe::PasswordResetJob {
            user_id: user_id.to_owned(),
            recipe_user_id: recipe_user_id.to_owned(),
            email: email.to_owned(),
            tenant_id: tenant_id.to_owned(),
        })
        .await
}

/// Uses up a reset token and sets the new password (checked against the password policy).
pub async fn reset_password_using_token(
    supertokens: &SuperTokens,
    tenant_id: &str,
    token: &str,
    new_password: &str,
) -> Result<PasswordResetPostResponse> {
    let recipe = recipe(supertokens)?;
    implementation::reset_password(recipe.functions().as_ref(), token, new_password, tenant_id)
        .await
}

/// Changes the email and/or password of an emailpassword login method.
pub async fn update_email_or_password(
    supertokens: &SuperTokens,
    input: UpdateEmailOrPasswordInput,
) -> Result<UpdateEmailOrPasswordResult> {
    recipe(supertokens)?
        .functions()
        .update_email_or_password(input)
        .await
}
