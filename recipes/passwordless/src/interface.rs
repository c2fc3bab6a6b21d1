//! What apps can override: the functions that talk to the core ([`PasswordlessFunctions`])
//! and the FDI route handlers ([`PasswordlessApis`]), with their typed outcomes.
//!
//! Overrides are decorators: `override_functions` / `override_apis` receive the built-in
//! implementation and return a value that keeps it. To keep overrides short:
//!
//! * every [`PasswordlessFunctions`] method forwards, by default, to the implementation
//!   returned by [`PasswordlessFunctions::original`], so a decorator implements `original`
//!   and the methods it changes;
//! * every [`PasswordlessApis`] method has the built-in behaviour as its default body (the
//!   functions in [`crate::implementation::apis`], which overrides can call too).
//!
//! ```
//! use std::sync::Arc;
//! use async_trait::async_trait;
//! use supertokens_passwordless::{Contact, CreatedCode, PasswordlessFunctions};
//!
//! struct Audit(Arc<dyn PasswordlessFunctions>);
//!
//! #[async_trait]
//! impl PasswordlessFunctions for Audit {
//!     fn original(&self) -> Option<&dyn PasswordlessFunctions> {
//!         Some(self.0.as_ref())
//!     }
//!     async fn create_code(
//!         &self,
//!         contact: &Contact,
//!         user_input_code: Option<&str>,
//!         tenant_id: &str,
//!     ) -> supertokens::Result<CreatedCode> {
//!         // ... audit the request (never log the code) ...
//!         self.0.create_code(contact, user_input_code, tenant_id).await
//!     }
//! }
//! ```

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use supertokens::cdi::AuthRecipeUser;
use supertokens::cdi::passwordless::{ConsumedDevice, CreatedCode, DeviceWithCodes, FieldUpdate};
use supertokens::multitenancy::LoginMethods;
use supertokens::{Result, SdkRequest, SuperTokens, SuperTokensError};
use supertokens_session::SessionContainer;

use crate::config::FlowType;
use crate::implementation::apis;
use crate::recipe::PasswordlessRecipe;

/// Where codes go: an email address or a phone number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Contact {
    /// An email address (trimmed; the core lower-cases it).
    Email(String),
    /// A phone number (E.164 when it parses).
    PhoneNumber(String),
}

impl Contact {
    /// The email, if this is one.
    pub fn email(&self) -> Option<&str> {
        match self {
            Self::Email(email) => Some(email),
            Self::PhoneNumber(_) => None,
        }
    }

    /// The phone number, if this is one.
    pub fn phone_number(&self) -> Option<&str> {
        match self {
            Self::PhoneNumber(phone) => Some(phone),
            Self::Email(_) => None,
        }
    }

    /// The contact of a listed device.
    pub fn of_device(device: &DeviceWithCodes) -> Option<Self> {
        match (&device.email, &device.phone_number) {
            (_, Some(phone)) => Some(Self::PhoneNumber(phone.clone())),
            (Some(email), None) => Some(Self::Email(email.clone())),
            (None, None) => None,
        }
    }
}

/// The code to check or consume: a typed code on a device, or the code of a magic link.
#[derive(Clone, PartialEq, Eq)]
pub enum ConsumeCodeInput {
    /// The user typed the code.
    UserInputCode {
        /// The device's public id.
        pre_auth_session_id: String,
        /// The device id (kept by the frontend; a secret).
        device_id: String,
        /// The typed code (a secret).
        user_input_code: String,
    },
    /// The user opened the magic link.
    LinkCode {
        /// The device's public id.
        pre_auth_session_id: String,
        /// The code from the link's fragment (a secret).
        link_code: String,
    },
}

impl ConsumeCodeInput {
    /// The device's public id.
    pub fn pre_auth_session_id(&self) -> &str {
        match self {
            Self::UserInputCode {
                pre_auth_session_id,
                ..
            }
            | Self::LinkCode {
                pre_auth_session_id,
                ..
            } => pre_auth_session_id,
        }
    }

    /// Whether the code was typed (rather than a link opened).
    pub fn is_user_input_code(&self) -> bool {
        matches!(self, Self::UserInputCode { .. })
    }
}

impl fmt::Debug for ConsumeCodeInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UserInputCode {
                pre_auth_session_id,
                ..
            } => f
                .debug_struct("UserInputCode")
                .field("pre_auth_session_id", pre_auth_session_id)
                .field("device_id", &"<redacted>")
                .field("user_input_code", &"<redacted>")
                .finish(),
            Self::LinkCode {
                pre_auth_session_id,
                ..
            } => f
                .debug_struct("LinkCode")
                .field("pre_auth_session_id", pre_auth_session_id)
                .field("link_code", &"<redacted>")
                .finish(),
        }
    }
}

/// Outcome of [`PasswordlessFunctions::create_new_code_for_device`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateNewCodeForDeviceResult {
    /// Another code for the device (earlier codes stay valid until they expire).
    Ok(CreatedCode),
    /// The device is gone (consumed, revoked, out of attempts): start again.
    RestartFlowError,
    /// The caller-chosen code already exists on the device.
    UserInputCodeAlreadyUsedError,
}

/// Outcome of [`PasswordlessFunctions::consume_code`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsumeCodeResult {
    /// Signed in; every device of the contact is deleted.
    Ok {
        /// Whether the passwordless user was created by this consume.
        created_new_recipe_user: bool,
        /// The user.
        user: AuthRecipeUser,
        /// The passwordless login method.
        recipe_user_id: String,
        /// The device the code belonged to.
        consumed_device: ConsumedDevice,
    },
    /// The typed code is not one of the device's codes.
    IncorrectUserInputCodeError {
        /// Failed attempts on the device, this one included.
        failed_code_input_attempt_count: u32,
        /// Attempts allowed before the device is deleted.
        maximum_code_input_attempts: u32,
    },
    /// The typed code was right but expired (it counts as a failed attempt).
    ExpiredUserInputCodeError {
        /// Failed attempts on the device, this one included.
        failed_code_input_attempt_count: u32,
        /// Attempts allowed before the device is deleted.
        maximum_code_input_attempts: u32,
    },
    /// Unknown, used or expired device or link, or out of attempts: start again.
    RestartFlowError,
}

/// Outcome of [`PasswordlessFunctions::check_code`]: as consume, without signing in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckCodeResult {
    /// The code is right; nothing was deleted.
    Ok {
        /// The device the code belongs to.
        consumed_device: ConsumedDevice,
    },
    /// The typed code is not one of the device's codes.
    IncorrectUserInputCodeError {
        /// Failed attempts on the device, this one included.
        failed_code_input_attempt_count: u32,
        /// Attempts allowed before the device is deleted.
        maximum_code_input_attempts: u32,
    },
    /// The typed code was right but expired.
    ExpiredUserInputCodeError {
        /// Failed attempts on the device, this one included.
        failed_code_input_attempt_count: u32,
        /// Attempts allowed before the device is deleted.
        maximum_code_input_attempts: u32,
    },
    /// Unknown, used or expired device or link, or out of attempts: start again.
    RestartFlowError,
}

/// Input of [`PasswordlessFunctions::update_user`]: absent fields are kept, `Clear` removes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateUserInput {
    /// The passwordless login method to change.
    pub recipe_user_id: String,
    /// New email.
    pub email: FieldUpdate,
    /// New phone number (E.164).
    pub phone_number: FieldUpdate,
}

/// Outcome of [`PasswordlessFunctions::update_user`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateUserResult {
    /// Changed.
    Ok,
    /// No passwordless user with that id.
    UnknownUserIdError,
    /// Another passwordless user of the tenant has the new email.
    EmailAlreadyExistsError,
    /// Another passwordless user of the tenant has the new phone number.
    PhoneNumberAlreadyExistsError,
    /// The core refused the email change.
    EmailChangeNotAllowedError {
        /// Why.
        reason: String,
    },
    /// The core refused the phone number change.
    PhoneNumberChangeNotAllowedError {
        /// Why.
        reason: String,
    },
}

fn delegate<'a>(
    original: Option<&'a dyn PasswordlessFunctions>,
    method: &str,
) -> Result<&'a dyn PasswordlessFunctions> {
    original.ok_or_else(|| {
        SuperTokensError::Internal(format!(
            "PasswordlessFunctions::{method} is not implemented: implement it, or return the \
             decorated implementation from `original()`"
        ))
    })
}

/// The recipe's operations on the core. The built-in implementation
/// ([`CoreFunctions`](crate::implementation::CoreFunctions)) calls the core's CDI; every
/// method's default body forwards to [`original`](Self::original).
#[async_trait]
pub trait PasswordlessFunctions: Send + Sync {
    /// The implementation this one decorates; the default bodies forward to it.
    fn original(&self) -> Option<&dyn PasswordlessFunctions> {
        None
    }

    /// Starts a sign-in: a new device for the contact with its first code
    /// (`POST /<tenant>/recipe/signinup/code`). `user_input_code` replaces the random code.
    async fn create_code(
        &self,
        contact: &Contact,
        user_input_code: Option<&str>,
        tenant_id: &str,
    ) -> Result<CreatedCode> {
        delegate(self.original(), "create_code")?
            .create_code(contact, user_input_code, tenant_id)
            .await
    }

    /// Another code for an existing device (resend).
    async fn create_new_code_for_device(
        &self,
        device_id: &str,
        user_input_code: Option<&str>,
        tenant_id: &str,
    ) -> Result<CreateNewCodeForDeviceResult> {
        delegate(self.original(), "create_new_code_for_device")?
            .create_new_code_for_device(device_id, user_input_code, tenant_id)
            .await
    }

    /// Signs in with a code, creating the user if new
    /// (`POST /<tenant>/recipe/signinup/code/consume`).
    async fn consume_code(
        &self,
        input: &ConsumeCodeInput,
        tenant_id: &str,
    ) -> Result<ConsumeCodeResult> {
        delegate(self.original(), "consume_code")?
            .consume_code(input, tenant_id)
            .await
    }

    /// Checks a code without signing in (`POST /<tenant>/recipe/signinup/code/check`); wrong
    /// codes count as failed attempts.
    async fn check_code(
        &self,
        input: &ConsumeCodeInput,
        tenant_id: &str,
    ) -> Result<CheckCodeResult> {
        delegate(self.original(), "check_code")?
            .check_code(input, tenant_id)
            .await
    }

    /// The devices (with their codes' metadata) of an email.
    async fn list_codes_by_email(
        &self,
        email: &str,
        tenant_id: &str,
    ) -> Result<Vec<DeviceWithCodes>> {
        delegate(self.original(), "list_codes_by_email")?
            .list_codes_by_email(email, tenant_id)
            .await
    }

    /// The devices (with their codes' metadata) of a phone number.
    async fn list_codes_by_phone_number(
        &self,
        phone_number: &str,
        tenant_id: &str,
    ) -> Result<Vec<DeviceWithCodes>> {
        delegate(self.original(), "list_codes_by_phone_number")?
            .list_codes_by_phone_number(phone_number, tenant_id)
            .await
    }

    /// The device with this device id, if it still exists.
    async fn list_codes_by_device_id(
        &self,
        device_id: &str,
        tenant_id: &str,
    ) -> Result<Option<DeviceWithCodes>> {
        delegate(self.original(), "list_codes_by_device_id")?
            .list_codes_by_device_id(device_id, tenant_id)
            .await
    }

    /// The device with this public id, if it still exists.
    async fn list_codes_by_pre_auth_session_id(
        &self,
        pre_auth_session_id: &str,
        tenant_id: &str,
    ) -> Result<Option<DeviceWithCodes>> {
        delegate(self.original(), "list_codes_by_pre_auth_session_id")?
            .list_codes_by_pre_auth_session_id(pre_auth_session_id, tenant_id)
            .await
    }

    /// Revokes one code; the core deletes its device when it was the device's last code
    /// (`POST /<tenant>/recipe/signinup/code/remove {codeId}`).
    async fn revoke_code(&self, code_id: &str, tenant_id: &str) -> Result<()> {
        delegate(self.original(), "revoke_code")?
            .revoke_code(code_id, tenant_id)
            .await
    }

    /// Revokes a device with all its codes
    /// (`POST /<tenant>/recipe/signinup/code/remove {preAuthSessionId}`).
    async fn revoke_device(&self, pre_auth_session_id: &str, tenant_id: &str) -> Result<()> {
        delegate(self.original(), "revoke_device")?
            .revoke_device(pre_auth_session_id, tenant_id)
            .await
    }

    /// Revokes every device of an email or phone number
    /// (`POST /<tenant>/recipe/signinup/codes/remove`).
    async fn revoke_all_codes(&self, contact: &Contact, tenant_id: &str) -> Result<()> {
        delegate(self.original(), "revoke_all_codes")?
            .revoke_all_codes(contact, tenant_id)
            .await
    }

    /// A user by id (primary or recipe user id).
    async fn get_user_by_id(&self, user_id: &str) -> Result<Option<AuthRecipeUser>> {
        delegate(self.original(), "get_user_by_id")?
            .get_user_by_id(user_id)
            .await
    }

    /// The user with a passwordless login method for this email in the tenant.
    async fn get_user_by_email(
        &self,
        email: &str,
        tenant_id: &str,
    ) -> Result<Option<AuthRecipeUser>> {
        delegate(self.original(), "get_user_by_email")?
            .get_user_by_email(email, tenant_id)
            .await
    }

    /// The user with a passwordless login method for this phone number in the tenant.
    async fn get_user_by_phone_number(
        &self,
        phone_number: &str,
        tenant_id: &str,
    ) -> Result<Option<AuthRecipeUser>> {
        delegate(self.original(), "get_user_by_phone_number")?
            .get_user_by_phone_number(phone_number, tenant_id)
            .await
    }

    /// Changes the email and/or phone number of a passwordless login method
    /// (`PUT /recipe/user`).
    async fn update_user(&self, input: &UpdateUserInput) -> Result<UpdateUserResult> {
        delegate(self.original(), "update_user")?
            .update_user(input)
            .await
    }
}

/// What an API handler gets besides its inputs.
#[derive(Clone, Copy)]
pub struct ApiOptions<'a> {
    /// The SDK (the core, the other recipes).
    pub supertokens: &'a SuperTokens,
    /// The request being served.
    pub request: &'a SdkRequest,
    /// This recipe (its functions, configuration, deliveries).
    pub recipe: &'a PasswordlessRecipe,
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
    pub fn functions(&self) -> &Arc<dyn PasswordlessFunctions> {
        self.recipe.functions()
    }
}

/// Outcome of `POST /signinup/code`.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum CreateCodePostResponse {
    /// `{"status":"OK","deviceId","preAuthSessionId","flowType"}`; the code was sent.
    Ok {
        /// The device id, kept by the frontend (a secret).
        device_id: String,
        /// The device's public id.
        pre_auth_session_id: String,
        /// What was sent: the frontend shows the matching screen.
        flow_type: FlowType,
    },
    /// `{"status":"SIGN_IN_UP_NOT_ALLOWED","reason"}`. Node returns it for account-linking
    /// conflicts; this SDK has no account linking, so only an override produces it.
    SignInUpNotAllowed {
        /// Shown to the user.
        reason: String,
    },
    /// `{"status":"GENERAL_ERROR","message"}` (invalid email or phone, limits, delivery
    /// failures).
    GeneralError {
        /// Shown to the user.
        message: String,
    },
}

impl fmt::Debug for CreateCodePostResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ok {
                pre_auth_session_id,
                flow_type,
                ..
            } => f
                .debug_struct("Ok")
                .field("device_id", &"<redacted>")
                .field("pre_auth_session_id", pre_auth_session_id)
                .field("flow_type", flow_type)
                .finish(),
            Self::SignInUpNotAllowed { reason } => f
                .debug_struct("SignInUpNotAllowed")
                .field("reason", reason)
                .finish(),
            Self::GeneralError { message } => f
                .debug_struct("GeneralError")
                .field("message", message)
                .finish(),
        }
    }
}

/// Outcome of `POST /signinup/code/resend`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResendCodePostResponse {
    /// `{"status":"OK"}`: another code was sent.
    Ok,
    /// `{"status":"RESTART_FLOW_ERROR"}`: the device is gone, start again.
    RestartFlowError,
    /// `{"status":"GENERAL_ERROR","message"}` (limits, delivery failures).
    GeneralError {
        /// Shown to the user.
        message: String,
    },
}

/// Outcome of `POST /signinup/code/consume`.
pub enum ConsumeCodePostResponse {
    /// `{"status":"OK","createdNewRecipeUser","user"}` plus the new session's tokens.
    Ok {
        /// Whether the passwordless user was created.
        created_new_recipe_user: bool,
        /// The user.
        user: AuthRecipeUser,
        /// The passwordless login method signed in with.
        recipe_user_id: String,
        /// The new session (its headers go on the response).
        session: SessionContainer,
    },
    /// `{"status":"INCORRECT_USER_INPUT_CODE_ERROR",…}` with both counters.
    IncorrectUserInputCodeError {
        /// Failed attempts on the device, this one included.
        failed_code_input_attempt_count: u32,
        /// Attempts allowed before the device is deleted.
        maximum_code_input_attempts: u32,
    },
    /// `{"status":"EXPIRED_USER_INPUT_CODE_ERROR",…}` with both counters.
    ExpiredUserInputCodeError {
        /// Failed attempts on the device, this one included.
        failed_code_input_attempt_count: u32,
        /// Attempts allowed before the device is deleted.
        maximum_code_input_attempts: u32,
    },
    /// `{"status":"RESTART_FLOW_ERROR"}`.
    RestartFlowError,
    /// `{"status":"SIGN_IN_UP_NOT_ALLOWED","reason"}` (only from overrides: no account
    /// linking here).
    SignInUpNotAllowed {
        /// Shown to the user.
        reason: String,
    },
    /// `{"status":"GENERAL_ERROR","message"}`.
    GeneralError {
        /// Shown to the user.
        message: String,
    },
}

impl fmt::Debug for ConsumeCodePostResponse {
    // The session holds tokens: only the user id is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ok {
                created_new_recipe_user,
                user,
                ..
            } => f
                .debug_struct("Ok")
                .field("created_new_recipe_user", created_new_recipe_user)
                .field("user_id", &user.id)
                .finish_non_exhaustive(),
            Self::IncorrectUserInputCodeError {
                failed_code_input_attempt_count,
                maximum_code_input_attempts,
            } => f
                .debug_struct("IncorrectUserInputCodeError")
                .field("failed", failed_code_input_attempt_count)
                .field("maximum", maximum_code_input_attempts)
                .finish(),
            Self::ExpiredUserInputCodeError {
                failed_code_input_attempt_count,
                maximum_code_input_attempts,
            } => f
                .debug_struct("ExpiredUserInputCodeError")
                .field("failed", failed_code_input_attempt_count)
                .field("maximum", maximum_code_input_attempts)
                .finish(),
            Self::RestartFlowError => f.write_str("RestartFlowError"),
            Self::SignInUpNotAllowed { reason } => f
                .debug_struct("SignInUpNotAllowed")
                .field("reason", reason)
                .finish(),
            Self::GeneralError { message } => f
                .debug_struct("GeneralError")
                .field("message", message)
                .finish(),
        }
    }
}

/// Outcome of the email and phone number existence checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExistsGetResponse {
    /// `{"status":"OK","exists":…}`.
    Ok {
        /// Whether a passwordless user has it in the tenant.
        exists: bool,
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
pub trait PasswordlessApis: Send + Sync {
    /// `POST /<tenant>/signinup/code`, after the email (trimmed) or phone number (E.164 when
    /// it parses) passed validation: creates a device and sends its first code.
    async fn create_code_post(
        &self,
        contact: &Contact,
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<CreateCodePostResponse> {
        apis::create_code_post(contact, tenant_id, options).await
    }

    /// `POST /<tenant>/signinup/code/resend`: sends another code for the device.
    async fn resend_code_post(
        &self,
        device_id: &str,
        pre_auth_session_id: &str,
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<ResendCodePostResponse> {
        apis::resend_code_post(device_id, pre_auth_session_id, tenant_id, options).await
    }

    /// `POST /<tenant>/signinup/code/consume`: signs in and starts a session.
    async fn consume_code_post(
        &self,
        input: &ConsumeCodeInput,
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<ConsumeCodePostResponse> {
        apis::consume_code_post(input, tenant_id, options).await
    }

    /// `GET /<tenant>/passwordless/email/exists?email=` (and the deprecated
    /// `/signup/email/exists`).
    async fn email_exists_get(
        &self,
        email: &str,
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<ExistsGetResponse> {
        apis::email_exists_get(email, tenant_id, options).await
    }

    /// `GET /<tenant>/passwordless/phonenumber/exists?phoneNumber=` (and the deprecated
    /// `/signup/phonenumber/exists`).
    async fn phone_number_exists_get(
        &self,
        phone_number: &str,
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<ExistsGetResponse> {
        apis::phone_number_exists_get(phone_number, tenant_id, options).await
    }

    /// `GET /<tenant>/loginmethods?clientType=` (multitenancy's route, served here too).
    async fn login_methods_get(
        &self,
        tenant_id: &str,
        client_type: Option<&str>,
        options: &ApiOptions<'_>,
    ) -> Result<LoginMethodsGetResponse> {
        apis::login_methods_get(tenant_id, client_type, options).await
    }
}
