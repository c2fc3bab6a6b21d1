//! The passwordless recipe: sign-in with one-time codes and magic links sent by email or SMS,
//! wire-compatible with supertokens-node so that the official frontends (supertokens-web-js,
//! the prebuilt UI of supertokens-auth-react) work unchanged.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # fn main() -> supertokens::Result<()> {
//! use supertokens_delivery::email::LogEmailDelivery;
//! use supertokens_passwordless::{ContactMethod, FlowType, PasswordlessConfig};
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
//!         supertokens_passwordless::init(PasswordlessConfig {
//!             // Development only: codes and links go to the log.
//!             email_delivery: Some(Arc::new(LogEmailDelivery)),
//!             ..PasswordlessConfig::new(ContactMethod::Email, FlowType::UserInputCodeAndMagicLink)
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
//! | `POST /signinup/code` `{email}` or `{phoneNumber}` | `OK` + `deviceId`, `preAuthSessionId`, `flowType` (the code was sent); `GENERAL_ERROR` (invalid email/phone, limits, delivery failure) |
//! | `POST /signinup/code/resend` `{deviceId, preAuthSessionId}` | `OK`; `RESTART_FLOW_ERROR`; `GENERAL_ERROR` |
//! | `POST /signinup/code/consume` `{preAuthSessionId, linkCode}` or `{preAuthSessionId, deviceId, userInputCode}` | `OK` + `createdNewRecipeUser` + `user` + session; `INCORRECT_USER_INPUT_CODE_ERROR` / `EXPIRED_USER_INPUT_CODE_ERROR` + `failedCodeInputAttemptCount` + `maximumCodeInputAttempts`; `RESTART_FLOW_ERROR` |
//! | `GET /passwordless/email/exists?email=` (and deprecated `/signup/email/exists`) | `OK` + `exists` |
//! | `GET /passwordless/phonenumber/exists?phoneNumber=` (and `/signup/phonenumber/exists`; both also in `phoneNumber` casing) | `OK` + `exists` |
//! | `GET /loginmethods?clientType=` | the tenant's login methods (see [`supertokens::multitenancy`]) |
//!
//! Malformed input gets 400 `{"message": …}` with node's messages. `SIGN_IN_UP_NOT_ALLOWED`
//! exists in the types, but node returns it only for account-linking conflicts; this SDK has
//! no account linking, so it is only sent when an override returns it.
//!
//! `/signup/email/exists` is also emailpassword's route: when both recipes are in the list,
//! the SDK's router picks the recipe named by the `rid` header (web-js sends `passwordless`),
//! and the first recipe of the list when there is none.
//!
//! # Contacts and validation
//!
//! [`ContactMethod`] says what `POST /signinup/code` accepts; the other field is a 400.
//! Emails are trimmed and checked with node's pattern (`Email is invalid`); phone numbers
//! must be international (`+…`) and valid for their country (`Phone number is invalid`),
//! and are stored in E.164. Both validators can be replaced ([`validator`]).
//!
//! # Delivery
//!
//! Codes go by email ([`PasswordlessConfig::email_delivery`]) or SMS
//! ([`PasswordlessConfig::sms_delivery`]) with the built-in [`templates`] or the app's.
//! The answer waits for the delivery (so the frontend can show a failure): when it fails,
//! the code just created is revoked (for a new sign-in, with its device), the failure is
//! logged at WARN without the code, and the answer is `GENERAL_ERROR` `Could not send the
//! sign-in code. Please try again later.`.
//!
//! # Abuse limits
//!
//! A resend cooldown per device and a send budget per email address / phone number; see
//! [`SendLimits`] (and its note on deployments with several instances).
//!
//! # Sessions
//!
//! Consuming a code creates a session through the session recipe (`supertokens-session`),
//! which must be in `recipe_list`; its response headers (cookies or tokens, `front-token`)
//! are put on the answer.

// Outcomes mirror node's shapes; boxing the users of the `Ok` variants would buy nothing.
#![allow(clippy::large_enum_variant)]

pub mod api;
pub mod config;
pub mod implementation;
pub mod interface;
pub mod limits;
pub mod recipe;
pub mod templates;
pub mod validators;

use std::sync::Arc;

pub use supertokens::cdi::AuthRecipeUser;
pub use supertokens::cdi::passwordless::{
    CodeInfo, ConsumedDevice, CreatedCode, DeviceWithCodes, FieldUpdate,
};
use supertokens::{Result, SuperTokens, SuperTokensError};
/// The deliveries (SMTP, Twilio-shaped and webhook SMS gateways, log, capture for tests).
pub use supertokens_delivery as delivery;
pub use supertokens_delivery::email::{EmailDelivery, EmailMessage};
pub use supertokens_delivery::sms::{SmsDelivery, SmsMessage};
pub use supertokens_session::{Clock, SystemClock};

pub use crate::config::{
    ApisOverride, ContactMethod, ContactValidator, DisabledApis, EmailTemplate, FlowType,
    FunctionsOverride, NormalisedPasswordlessConfig, PasswordlessConfig, SendLimits, SmsTemplate,
    validator,
};
pub use crate::interface::{
    ApiOptions, CheckCodeResult, ConsumeCodeInput, ConsumeCodePostResponse, ConsumeCodeResult,
    Contact, CreateCodePostResponse, CreateNewCodeForDeviceResult, ExistsGetResponse,
    LoginMethodsGetResponse, PasswordlessApis, PasswordlessFunctions, ResendCodePostResponse,
    UpdateUserInput, UpdateUserResult,
};
pub use crate::limits::{InMemorySendLimiter, SendDecision, SendLimiter, SendSlot};
pub use crate::recipe::{DeliveryFailure, PasswordlessRecipe, SendPermit, init};
pub use crate::templates::{PasswordlessLoginEmailInput, PasswordlessLoginSmsInput};

/// The recipe id (`rid`).
pub const RECIPE_ID: &str = "passwordless";

/// The passwordless recipe of an initialised SDK.
pub fn recipe(supertokens: &SuperTokens) -> Result<Arc<PasswordlessRecipe>> {
    PasswordlessRecipe::from_supertokens(supertokens)
}

/// Starts a sign-in for a contact without sending anything (the caller delivers the code or
/// [`magic link`](PasswordlessRecipe::magic_link) itself). No limits apply.
pub async fn create_code(
    supertokens: &SuperTokens,
    tenant_id: &str,
    contact: &Contact,
    user_input_code: Option<&str>,
) -> Result<CreatedCode> {
    recipe(supertokens)?
        .functions()
        .create_code(contact, user_input_code, tenant_id)
        .await
}

/// Signs in with a code (no session is created: the caller decides).
pub async fn consume_code(
    supertokens: &SuperTokens,
    tenant_id: &str,
    input: &ConsumeCodeInput,
) -> Result<ConsumeCodeResult> {
    recipe(supertokens)?
        .functions()
        .consume_code(input, tenant_id)
        .await
}

/// A magic link for a contact (node's `createMagicLink`); nothing is sent.
pub async fn create_magic_link(
    supertokens: &SuperTokens,
    tenant_id: &str,
    contact: &Contact,
) -> Result<String> {
    let recipe = recipe(supertokens)?;
    let code = recipe
        .functions()
        .create_code(contact, None, tenant_id)
        .await?;
    Ok(recipe.magic_link(&code.pre_auth_session_id, &code.link_code, tenant_id))
}

/// What [`sign_in_up`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInUpResult {
    /// Whether the passwordless user was created.
    pub created_new_recipe_user: bool,
    /// The user.
    pub user: AuthRecipeUser,
    /// The passwordless login method.
    pub recipe_user_id: String,
}

/// Signs a contact in (creating the user if new) without any code exchange: node's
/// `signInUp`, for trusted server-side use (imports, tests). No session is created.
pub async fn sign_in_up(
    supertokens: &SuperTokens,
    tenant_id: &str,
    contact: &Contact,
) -> Result<SignInUpResult> {
    let recipe = recipe(supertokens)?;
    let functions = recipe.functions();
    let code = functions.create_code(contact, None, tenant_id).await?;
    let input = ConsumeCodeInput::LinkCode {
        pre_auth_session_id: code.pre_auth_session_id,
        link_code: code.link_code,
    };
    match functions.consume_code(&input, tenant_id).await? {
        ConsumeCodeResult::Ok {
            created_new_recipe_user,
            user,
            recipe_user_id,
            ..
        } => Ok(SignInUpResult {
            created_new_recipe_user,
            user,
            recipe_user_id,
        }),
        other => Err(SuperTokensError::Internal(format!(
            "consuming a code just created failed: {other:?}"
        ))),
    }
}

/// The user with a passwordless login method for this email in the tenant.
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

/// The user with a passwordless login method for this phone number in the tenant.
pub async fn get_user_by_phone_number(
    supertokens: &SuperTokens,
    tenant_id: &str,
    phone_number: &str,
) -> Result<Option<AuthRecipeUser>> {
    recipe(supertokens)?
        .functions()
        .get_user_by_phone_number(phone_number, tenant_id)
        .await
}

/// Changes the email and/or phone number of a passwordless login method.
pub async fn update_user(
    supertokens: &SuperTokens,
    input: &UpdateUserInput,
) -> Result<UpdateUserResult> {
    recipe(supertokens)?.functions().update_user(input).await
}

/// Revokes every pending code of an email or phone number in the tenant.
pub async fn revoke_all_codes(
    supertokens: &SuperTokens,
    tenant_id: &str,
    contact: &Contact,
) -> Result<()> {
    recipe(supertokens)?
        .functions()
        .revoke_all_codes(contact, tenant_id)
        .await
}
