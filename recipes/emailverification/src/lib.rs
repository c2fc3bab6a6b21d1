//! The email verification recipe: verification emails with single-use links, the `st-ev`
//! session claim that says whether the session's email is verified, and the FDI routes the
//! official frontends (supertokens-web-js, the prebuilt UI) call, wire-compatible with
//! supertokens-node.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # fn main() -> supertokens::Result<()> {
//! use supertokens_emailverification::{EmailVerificationConfig, EmailVerificationMode};
//! use supertokens_emailverification::delivery::email::LogEmailDelivery;
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
//!         supertokens_emailverification::init(EmailVerificationConfig {
//!             // Development only: verification links go to the log.
//!             email_delivery: Some(Arc::new(LogEmailDelivery)),
//!             ..EmailVerificationConfig::new(EmailVerificationMode::Required)
//!         }),
//!         // … emailpassword / passwordless …
//!     ],
//! })?;
//! # let _ = st; Ok(()) }
//! ```
//!
//! # Routes (below `api_base_path`, optionally after `/<tenantId>`)
//!
//! | Route | Session | Answers |
//! |---|---|---|
//! | `POST /user/email/verify/token` | required | `OK` (the email was sent); `EMAIL_ALREADY_VERIFIED_ERROR` (the `st-ev` claim is set to `true`: new access token); `GENERAL_ERROR` (delivery failed) |
//! | `POST /user/email/verify` `{"method":"token","token":…}` | optional | `OK`; `EMAIL_VERIFICATION_INVALID_TOKEN_ERROR`; 400 when `token` is missing or not a string. With a session of the verified login method, its `st-ev` claim is refreshed |
//! | `GET /user/email/verify` | required | `OK` + `isVerified`; the `st-ev` claim is set to the answer (new access token when it changed) |
//!
//! All three skip claim validators (as node does: they are how unverified users get
//! verified). The session's login method (`rsub`) and its current email are what is
//! verified; a login method without an email counts as verified; a user the core does not
//! know gets 401 `unauthorised` with the tokens cleared. The link is
//! `<websiteDomain><websiteBasePath>/verify-email?token=<token>&tenantId=<tenant>`.
//!
//! # Modes and the `st-ev` claim
//!
//! Every new session gets `{"st-ev": {"v": <verified>, "t": <ms>}}` in its access token. In
//! [`EmailVerificationMode::Required`], every `get_session` also runs
//! [`EmailVerificationClaim::is_verified`]: unverified sessions get 403
//! `{"message":"invalid claim","claimValidationErrors":[{"id":"st-ev","reason":{"message":"wrong value","expectedValue":true,"actualValue":false}}]}`
//! (a `false` value is fetched again from the core when older than 10 seconds, so a
//! verification made in another browser is seen). Routes that must stay reachable opt out:
//! `VerifySessionOptions::default().with_claim_validators(|globals| globals.into_iter().filter(|v| v.id() != "st-ev").collect())`.
//! In [`EmailVerificationMode::Optional`], routes that require a verified email add the
//! check themselves: `.with_extra_claim_validator(EmailVerificationClaim::is_verified())`.
//!
//! # Changing an email needs a new verification
//!
//! Verification belongs to a pair (login method, email) in the core. After a user's email
//! changes (emailpassword's `update_email_or_password`, passwordless' `update_user`),
//! [`is_email_verified`] answers `false` for the new email, and the user's sessions learn it
//! when their claim is fetched again: `GET /user/email/verify` sets `st-ev` to `false`, so
//! does `POST /user/email/verify/token` (before sending the new link), and in `REQUIRED`
//! mode the global validator fetches it once a `false` value is 10 s old — a stale `true`
//! stays until one of these or `session.fetch_and_set_claim(&EmailVerificationClaim)`, as in
//! node. Verifying the old email again does not help: its token verifies the old pair.
//!
//! # Delivery
//!
//! Emails go through [`EmailVerificationConfig::email_delivery`] (required: SMTP, or the log
//! in development; see [`delivery`]) with the built-in [`email`] template or the app's
//! ([`EmailVerificationConfig::email_template`]). The token route waits for the delivery;
//! a failure is logged at WARN without the link and answered with `GENERAL_ERROR`.

mod api;
pub mod claims;
pub mod config;
pub mod email;
pub mod implementation;
pub mod interface;
pub mod recipe;

use std::sync::Arc;

use supertokens::{Result, SuperTokens, SuperTokensError};
/// The deliveries (SMTP, log, capture for tests).
pub use supertokens_delivery as delivery;

pub use crate::claims::{
    DEFAULT_REFETCH_TIME_ON_FALSE, EMAIL_VERIFICATION_CLAIM_KEY, EmailVerificationClaim,
    IsVerifiedValidator,
};
pub use crate::config::{
    ApisOverride, DisabledApis, EmailLookup, EmailLookupResult, EmailTemplate,
    EmailVerificationConfig, EmailVerificationMode, FunctionsOverride, email_lookup,
};
pub use crate::email::{EmailVerificationEmailInput, email_verification_email};
pub use crate::interface::{
    ApiOptions, CreateEmailVerificationTokenResult, EmailVerificationApis,
    EmailVerificationFunctions, EmailVerificationUser, GenerateEmailVerifyTokenPostResponse,
    IsEmailVerifiedGetResponse, VerifyEmailPostResponse, VerifyEmailUsingTokenResult,
};
pub use crate::recipe::{EmailVerificationRecipe, EmailVerificationRecipient, init};

/// The recipe id (`rid`).
pub const RECIPE_ID: &str = "emailverification";

/// The email verification recipe of an initialised SDK.
pub fn recipe(supertokens: &SuperTokens) -> Result<Arc<EmailVerificationRecipe>> {
    EmailVerificationRecipe::from_supertokens(supertokens)
}

/// The email to work with: `email` when given, else the login method's (`None` when it has
/// none). Unknown users are a bad input.
async fn email_of(
    recipe: &EmailVerificationRecipe,
    recipe_user_id: &str,
    email: Option<&str>,
) -> Result<Option<String>> {
    if let Some(email) = email {
        return Ok(Some(email.to_owned()));
    }
    match recipe.email_for_recipe_user_id(recipe_user_id).await? {
        EmailLookupResult::Ok { email } => Ok(Some(email)),
        EmailLookupResult::EmailDoesNotExistError => Ok(None),
        EmailLookupResult::UnknownUserIdError => Err(SuperTokensError::BadInput(format!(
            "Unknown User ID provided: {recipe_user_id}"
        ))),
    }
}

/// A verification token for a login method and email (its current one when `email` is
/// `None`); `EmailAlreadyVerifiedError` when verified (or without email). Nothing is sent.
pub async fn create_email_verification_token(
    supertokens: &SuperTokens,
    tenant_id: &str,
    recipe_user_id: &str,
    email: Option<&str>,
) -> Result<CreateEmailVerificationTokenResult> {
    let recipe = recipe(supertokens)?;
    let Some(email) = email_of(&recipe, recipe_user_id, email).await? else {
        return Ok(CreateEmailVerificationTokenResult::EmailAlreadyVerifiedError);
    };
    recipe
        .functions()
        .create_email_verification_token(recipe_user_id, &email, tenant_id)
        .await
}

/// A verification link (see [`create_email_verification_token`]); `None` when the email is
/// verified already (or there is none). Nothing is sent.
pub async fn create_email_verification_link(
    supertokens: &SuperTokens,
    tenant_id: &str,
    recipe_user_id: &str,
    email: Option<&str>,
) -> Result<Option<String>> {
    let recipe = recipe(supertokens)?;
    Ok(
        match create_email_verification_token(supertokens, tenant_id, recipe_user_id, email).await?
        {
            CreateEmailVerificationTokenResult::Ok { token } => {
                Some(recipe.email_verify_link(&token, tenant_id))
            }
            CreateEmailVerificationTokenResult::EmailAlreadyVerifiedError => None,
        },
    )
}

/// Creates a token and sends the verification email now (waiting for the delivery and
/// returning its failure); `false` when the email is verified already (or there is none).
pub async fn send_email_verification_email(
    supertokens: &SuperTokens,
    tenant_id: &str,
    user_id: &str,
    recipe_user_id: &str,
    email: Option<&str>,
) -> Result<bool> {
    let recipe = recipe(supertokens)?;
    let Some(email) = email_of(&recipe, recipe_user_id, email).await? else {
        return Ok(false);
    };
    let token = match recipe
        .functions()
        .create_email_verification_token(recipe_user_id, &email, tenant_id)
        .await?
    {
        CreateEmailVerificationTokenResult::Ok { token } => token,
        CreateEmailVerificationTokenResult::EmailAlreadyVerifiedError => return Ok(false),
    };
    let recipient = EmailVerificationRecipient {
        user_id: user_id.to_owned(),
        recipe_user_id: recipe_user_id.to_owned(),
        email,
        tenant_id: tenant_id.to_owned(),
    };
    recipe
        .send_email(&recipient, &token)
        .await
        .map_err(|error| SuperTokensError::Internal(format!("verification email: {error}")))?;
    Ok(true)
}

/// Uses up a verification token, verifying its login method and email.
pub async fn verify_email_using_token(
    supertokens: &SuperTokens,
    tenant_id: &str,
    token: &str,
) -> Result<VerifyEmailUsingTokenResult> {
    recipe(supertokens)?
        .functions()
        .verify_email_using_token(token, tenant_id)
        .await
}

/// Whether a login method's email (its current one when `email` is `None`) is verified; a
/// login method without an email counts as verified.
pub async fn is_email_verified(
    supertokens: &SuperTokens,
    recipe_user_id: &str,
    email: Option<&str>,
) -> Result<bool> {
    let recipe = recipe(supertokens)?;
    match email_of(&recipe, recipe_user_id, email).await? {
        Some(email) => {
            recipe
                .functions()
                .is_email_verified(recipe_user_id, &email)
                .await
        }
        None => Ok(true),
    }
}

/// Deletes the unused verification tokens of a login method and email in a tenant.
pub async fn revoke_email_verification_tokens(
    supertokens: &SuperTokens,
    tenant_id: &str,
    recipe_user_id: &str,
    email: Option<&str>,
) -> Result<()> {
    let recipe = recipe(supertokens)?;
    match email_of(&recipe, recipe_user_id, email).await? {
        Some(email) => {
            recipe
                .functions()
                .revoke_email_verification_tokens(recipe_user_id, &email, tenant_id)
                .await
        }
        None => Ok(()),
    }
}

/// Marks a login method's email unverified (sessions learn it when their claim is fetched
/// again).
pub async fn unverify_email(
    supertokens: &SuperTokens,
    recipe_user_id: &str,
    email: Option<&str>,
) -> Result<()> {
    let recipe = recipe(supertokens)?;
    match email_of(&recipe, recipe_user_id, email).await? {
        Some(email) => {
            recipe
                .functions()
                .unverify_email(recipe_user_id, &email)
                .await
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use http::{Method, StatusCode};
    use serde_json::{Value, json};
    use supertokens::SdkRequest;
    use supertokens_delivery::email::CapturingEmailDelivery;
    use supertokens_session::{ClaimRegistry, SessionConfig};

    use super::*;

    fn request(method: Method, path: &str, body: &str) -> SdkRequest {
        SdkRequest::new(method, path, http::HeaderMap::new())
            .with_body(body.to_owned().into_bytes().into())
    }

    fn sdk(config: EmailVerificationConfig) -> supertokens::Result<Arc<SuperTokens>> {
        supertokens::init(supertokens::SuperTokensConfig {
            app_info: supertokens::AppInfo {
                app_name: "t".into(),
                api_domain: "http://localhost:3001".into(),
                website_domain: "http://localhost:3000".into(),
                api_base_path: None,
                website_base_path: Some("/auth".into()),
            },
            connection_uri: "http://127.0.0.1:1".into(),
            api_key: None,
            rate_limits: supertokens::RateLimitConfig::default(),
            recipe_list: vec![
                init(config),
                supertokens_session::init(SessionConfig::default()),
            ],
        })
    }

    fn config(mode: EmailVerificationMode) -> EmailVerificationConfig {
        EmailVerificationConfig {
            email_delivery: Some(Arc::new(CapturingEmailDelivery::new())),
            ..EmailVerificationConfig::new(mode)
        }
    }

    #[test]
    fn email_delivery_is_required() {
        let error = sdk(EmailVerificationConfig::new(
            EmailVerificationMode::Optional,
        ))
        .unwrap_err();
        assert!(error.to_string().contains("email_delivery"), "{error}");
    }

    #[test]
    fn modes_decide_the_global_validator() {
        let st = sdk(config(EmailVerificationMode::Required)).unwrap();
        let registry = st.shared::<ClaimRegistry>().unwrap();
        assert_eq!(registry.claims_for_new_sessions()[0].key(), "st-ev");
        let ids: Vec<String> = registry
            .claim_validators()
            .iter()
            .map(|v| v.id().to_owned())
            .collect();
        assert_eq!(ids, ["st-ev"]);
        let st = sdk(config(EmailVerificationMode::Optional)).unwrap();
        let registry = st.shared::<ClaimRegistry>().unwrap();
        assert!(registry.claim_validators().is_empty());
        assert_eq!(registry.claims_for_new_sessions().len(), 1);
        let recipe = recipe(&st).unwrap();
        assert_eq!(recipe.mode().as_str(), "OPTIONAL");
        assert_eq!(
            recipe.email_verify_link("a+b/c", "t1"),
            "http://localhost:3000/auth/verify-email?token=a%2Bb%2Fc&tenantId=t1"
        );
    }

    async fn answer(st: &SuperTokens, request: &SdkRequest) -> (StatusCode, Value) {
        let response = st.handle(request).await.unwrap();
        (
            response.status,
            serde_json::from_slice(&response.body).unwrap(),
        )
    }

    #[tokio::test]
    async fn verify_route_needs_a_string_token() {
        let st = sdk(config(EmailVerificationMode::Required)).unwrap();
        for (body, message) in [
            (
                r#"{"method":"token"}"#,
                "Please provide the email verification token",
            ),
            (
                r#"{"method":"token","token":null}"#,
                "Please provide the email verification token",
            ),
            (
                r#"{"method":"token","token":2000}"#,
                "The email verification token must be a string",
            ),
        ] {
            let req = request(Method::POST, "/auth/user/email/verify", body);
            assert_eq!(
                answer(&st, &req).await,
                (StatusCode::BAD_REQUEST, json!({ "message": message }))
            );
        }
        // Tenant-scoped too.
        let req = request(Method::POST, "/auth/t1/user/email/verify", "{}");
        assert_eq!(answer(&st, &req).await.0, StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn disabled_routes_fall_through() {
        let mut config = config(EmailVerificationMode::Optional);
        config.disabled_apis = DisabledApis {
            disable_generate_email_verify_token_post: true,
            disable_verify_email_post: true,
            disable_is_email_verified_get: true,
        };
        let st = sdk(config).unwrap();
        for (method, path) in [
            (Method::POST, "/auth/user/email/verify/token"),
            (Method::POST, "/auth/user/email/verify"),
            (Method::GET, "/auth/user/email/verify"),
        ] {
            assert!(st.handle(&request(method, path, "{}")).await.is_none());
        }
    }

    #[tokio::test]
    async fn protected_routes_need_a_session() {
        let st = sdk(config(EmailVerificationMode::Required)).unwrap();
        for (method, path) in [
            (Method::POST, "/auth/user/email/verify/token"),
            (Method::GET, "/auth/user/email/verify"),
        ] {
            assert_eq!(
                answer(&st, &request(method, path, "")).await,
                (StatusCode::UNAUTHORIZED, json!({"message": "unauthorised"}))
            );
        }
    }
}
