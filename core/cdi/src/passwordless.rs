//! The passwordless recipe's CDI endpoints (rid `passwordless`): one-time codes and magic
//! links.
//!
//! A *device* is one sign-in attempt for one email or phone number: the frontend keeps its
//! `deviceId`, and `preAuthSessionId` is the URL-safe SHA-256 of it. A device holds one code
//! per send (resends add codes to the same device). The typed `userInputCode` and the
//! `linkCode` of a code are the same secret in two forms.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::user::AuthRecipeUser;

/// `POST /recipe/signinup/code` body: exactly one of `email`, `phoneNumber` (new device)
/// or `deviceId` (another code for an existing device).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCodeRequest {
    /// Email to send the code to; the core trims and lower-cases it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number (E.164) to send the code to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The device to add a code to (resend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// A code chosen by the caller instead of a random one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_input_code: Option<String>,
}

/// The schema says what the core checks: exactly one of `email`, `phoneNumber` and
/// `deviceId` is a non-empty string (`null` counts as absent), so exactly one branch of the
/// `oneOf` matches; a chosen `userInputCode` is not empty.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for CreateCodeRequest {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};

        const KEYS: [(&str, &str); 3] = [
            (
                "email",
                "Email to send the code to; the core trims and lower-cases it.",
            ),
            ("phoneNumber", "Phone number (E.164) to send the code to."),
            ("deviceId", "The device to add a code to (resend)."),
        ];
        let text = |types: Vec<Type>, description: &str| {
            ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::SchemaType::from_iter(types))
                .min_length(Some(1))
                .description(Some(description))
        };
        let mut one_of = OneOfBuilder::new().description(Some(
            "`POST /recipe/signinup/code` body: exactly one of `email`, `phoneNumber` (new \
             device) or `deviceId` (another code for an existing device).",
        ));
        for (key, _) in KEYS {
            let mut variant = ObjectBuilder::new().schema_type(Type::Object).property(
                "userInputCode",
                text(
                    vec![Type::String, Type::Null],
                    "A code chosen by the caller instead of a random one.",
                ),
            );
            for (property, description) in KEYS {
                let types = if property == key {
                    vec![Type::String]
                } else {
                    vec![Type::String, Type::Null]
                };
                variant = variant.property(property, text(types, description));
            }
            one_of = one_of.item(variant.required(key));
        }
        one_of.into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for CreateCodeRequest {}

impl fmt::Debug for CreateCodeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateCodeRequest")
            .field("email", &self.email)
            .field("phone_number", &self.phone_number)
            .field("device_id", &self.device_id.as_ref().map(|_| "<redacted>"))
            .field(
                "user_input_code",
                &self.user_input_code.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// A code just created: everything the SDK needs to send it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedCode {
    /// URL-safe SHA-256 of the device id, without padding.
    pub pre_auth_session_id: String,
    /// UUID of the code.
    pub code_id: String,
    /// Standard base64 of 32 random bytes; a secret kept by the frontend.
    pub device_id: String,
    /// The code to type (6 digits unless the caller chose one).
    pub user_input_code: String,
    /// The code for the magic link (URL-safe base64, no padding).
    pub link_code: String,
    /// Epoch milliseconds.
    pub time_created: i64,
    /// Milliseconds the code stays valid.
    pub code_lifetime: i64,
}

impl fmt::Debug for CreatedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedCode")
            .field("pre_auth_session_id", &self.pre_auth_session_id)
            .field("code_id", &self.code_id)
            .field("device_id", &"<redacted>")
            .field("user_input_code", &"<redacted>")
            .field("link_code", &"<redacted>")
            .field("time_created", &self.time_created)
            .field("code_lifetime", &self.code_lifetime)
            .finish()
    }
}

/// `POST /recipe/signinup/code` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum CreateCodeResponse {
    /// The code was created.
    Ok(CreatedCode),
    /// The `deviceId` is unknown (consumed, revoked or expired): start again.
    RestartFlowError,
    /// The caller-chosen `userInputCode` already exists on this device.
    UserInputCodeAlreadyUsedError,
}

/// `POST /recipe/signinup/code/consume` and `/code/check` body:
/// `preAuthSessionId` with either `linkCode` or `deviceId` + `userInputCode`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConsumeCodeRequest {
    /// The device's public id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_auth_session_id: Option<String>,
    /// The code from a magic link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_code: Option<String>,
    /// The device id (with `userInputCode`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// The typed code (with `deviceId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_input_code: Option<String>,
}

impl fmt::Debug for ConsumeCodeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |value: &Option<String>| value.as_ref().map(|_| "<redacted>");
        f.debug_struct("ConsumeCodeRequest")
            .field("pre_auth_session_id", &self.pre_auth_session_id)
            .field("link_code", &redact(&self.link_code))
            .field("device_id", &redact(&self.device_id))
            .field("user_input_code", &redact(&self.user_input_code))
            .finish()
    }
}

/// The device a successful consume or check used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConsumedDevice {
    /// The device's public id.
    pub pre_auth_session_id: String,
    /// Wrong or expired codes typed on this device before the right one.
    pub failed_code_input_attempt_count: u32,
    /// The device's email, if it is for an email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The device's phone number, if it is for a phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

/// `POST /recipe/signinup/code/consume` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum ConsumeCodeResponse {
    /// The code was right: the user is signed in (and was created if new).
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Whether the user was created by this consume.
        created_new_user: bool,
        /// The user.
        user: AuthRecipeUser,
        /// The passwordless login method.
        recipe_user_id: String,
        /// The device the code belonged to (now deleted with every device of the contact).
        consumed_device: ConsumedDevice,
    },
    /// The typed code is not one of the device's codes.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    IncorrectUserInputCodeError {
        /// Failed attempts on the device, this one included.
        failed_code_input_attempt_count: u32,
        /// Attempts allowed before the device is deleted.
        maximum_code_input_attempts: u32,
    },
    /// The typed code was right but has expired (it counts as a failed attempt).
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    ExpiredUserInputCodeError {
        /// Failed attempts on the device, this one included.
        failed_code_input_attempt_count: u32,
        /// Attempts allowed before the device is deleted.
        maximum_code_input_attempts: u32,
    },
    /// The device or link is unknown, used, expired or out of attempts: start again.
    RestartFlowError,
}

/// `POST /recipe/signinup/code/check` outcome: as consume, without signing in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum CheckCodeResponse {
    /// The code is right; nothing was deleted.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// The device the code belongs to.
        consumed_device: ConsumedDevice,
    },
    /// The typed code is not one of the device's codes.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    IncorrectUserInputCodeError {
        /// Failed attempts on the device, this one included.
        failed_code_input_attempt_count: u32,
        /// Attempts allowed before the device is deleted.
        maximum_code_input_attempts: u32,
    },
    /// The typed code was right but has expired.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    ExpiredUserInputCodeError {
        /// Failed attempts on the device, this one included.
        failed_code_input_attempt_count: u32,
        /// Attempts allowed before the device is deleted.
        maximum_code_input_attempts: u32,
    },
    /// The device or link is unknown, used, expired or out of attempts: start again.
    RestartFlowError,
}

/// `POST /recipe/signinup/code/remove` body: `codeId` or `preAuthSessionId`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RemoveCodeRequest {
    /// The code to revoke; its device goes too when it was the device's last code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_id: Option<String>,
    /// The device to revoke with all its codes (CDI ≥ 5.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_auth_session_id: Option<String>,
}

/// `POST /recipe/signinup/codes/remove` body: `email` or `phoneNumber`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RemoveCodesRequest {
    /// Revoke every device of this email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Revoke every device of this phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

/// One code of a device, as listed (never the code itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CodeInfo {
    /// UUID of the code.
    pub code_id: String,
    /// Epoch milliseconds.
    pub time_created: i64,
    /// Milliseconds the code stays valid.
    pub code_lifetime: i64,
}

/// A device with its codes, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeviceWithCodes {
    /// The device's public id.
    pub pre_auth_session_id: String,
    /// Wrong or expired codes typed on this device so far.
    pub failed_code_input_attempt_count: u32,
    /// The device's email, if it is for an email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The device's phone number, if it is for a phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Codes, oldest first (expired ones included until cleanup removes them).
    pub codes: Vec<CodeInfo>,
}

/// `GET /recipe/signinup/codes` outcome (one of `email`, `phoneNumber`, `deviceId`,
/// `preAuthSessionId` in the query).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum ListCodesResponse {
    /// The devices (none when nothing matches).
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Matching devices.
        devices: Vec<DeviceWithCodes>,
    },
}

/// A field of an update: absent (`Keep`), `null` (`Clear`) or a value (`Set`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FieldUpdate {
    /// Absent from the JSON: leave the stored value as it is.
    #[default]
    Keep,
    /// `null` in the JSON: delete the stored value.
    Clear,
    /// A new value.
    Set(String),
}

impl FieldUpdate {
    /// True when the field was absent.
    pub fn is_keep(&self) -> bool {
        matches!(self, Self::Keep)
    }
}

impl Serialize for FieldUpdate {
    // `Keep` is skipped by `skip_serializing_if`; if serialised anyway it is `null`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Keep | Self::Clear => serializer.serialize_none(),
            Self::Set(value) => serializer.serialize_str(value),
        }
    }
}

impl<'de> Deserialize<'de> for FieldUpdate {
    // Only called when the field is present (`#[serde(default)]` gives `Keep` otherwise).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<String>::deserialize(deserializer)? {
            None => Self::Clear,
            Some(value) => Self::Set(value),
        })
    }
}

/// `PUT /recipe/user` body with rid `passwordless`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = PasswordlessUpdateUserRequest))]
#[serde(rename_all = "camelCase")]
pub struct UpdateUserRequest {
    /// The passwordless login method to change (CDI ≥ 4.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipe_user_id: Option<String>,
    /// The user to change (CDI < 4.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// New email, `null` to remove it, absent to keep it.
    #[serde(default, skip_serializing_if = "FieldUpdate::is_keep")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub email: FieldUpdate,
    /// New phone number, `null` to remove it, absent to keep it.
    #[serde(default, skip_serializing_if = "FieldUpdate::is_keep")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub phone_number: FieldUpdate,
}

/// `PUT /recipe/user` outcome with rid `passwordless`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = PasswordlessUpdateUserResponse))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum UpdateUserResponse {
    /// Changed.
    Ok,
    /// No passwordless user with that id.
    UnknownUserIdError,
    /// Another passwordless user of the tenant has the new email.
    EmailAlreadyExistsError,
    /// Another passwordless user of the tenant has the new phone number.
    PhoneNumberAlreadyExistsError,
    /// The email change is not allowed (account linking rules).
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    EmailChangeNotAllowedError {
        /// Why.
        reason: String,
    },
    /// The phone number change is not allowed (account linking rules).
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    PhoneNumberChangeNotAllowedError {
        /// Why.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn field_updates_tell_absent_from_null() {
        let request: UpdateUserRequest =
            serde_json::from_value(json!({"recipeUserId": "u", "email": null})).unwrap();
        assert_eq!(request.email, FieldUpdate::Clear);
        assert_eq!(request.phone_number, FieldUpdate::Keep);
        let request: UpdateUserRequest =
            serde_json::from_value(json!({"recipeUserId": "u", "phoneNumber": "+15550100"}))
                .unwrap();
        assert_eq!(request.phone_number, FieldUpdate::Set("+15550100".into()));
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"recipeUserId": "u", "phoneNumber": "+15550100"})
        );
        let clear = UpdateUserRequest {
            recipe_user_id: Some("u".into()),
            email: FieldUpdate::Clear,
            ..UpdateUserRequest::default()
        };
        assert_eq!(
            serde_json::to_value(&clear).unwrap(),
            json!({"recipeUserId": "u", "email": null})
        );
    }

    #[test]
    fn created_code_is_flat_and_debug_hides_secrets() {
        let response = CreateCodeResponse::Ok(CreatedCode {
            pre_auth_session_id: "p".into(),
            code_id: "c".into(),
            device_id: "secret-device".into(),
            user_input_code: "123456".into(),
            link_code: "secret-link".into(),
            time_created: 1,
            code_lifetime: 900_000,
        });
        let value = serde_json::to_value(&response).unwrap();
        assert_eq!(value["status"], "OK");
        assert_eq!(value["userInputCode"], "123456");
        assert_eq!(value["codeLifetime"], 900_000);
        let text = format!("{response:?}");
        assert!(
            !text.contains("123456") && !text.contains("secret"),
            "{text}"
        );
        let back: CreateCodeResponse = serde_json::from_value(value).unwrap();
        assert_eq!(back, response);
    }

    #[test]
    fn consume_errors_carry_both_counters() {
        let value = serde_json::to_value(ConsumeCodeResponse::IncorrectUserInputCodeError {
            failed_code_input_attempt_count: 2,
            maximum_code_input_attempts: 5,
        })
        .unwrap();
        assert_eq!(
            value,
            json!({"status": "INCORRECT_USER_INPUT_CODE_ERROR", "failedCodeInputAttemptCount": 2, "maximumCodeInputAttempts": 5})
        );
    }
}
