//! The passwordless recipe: one-time codes and magic links sent to an email or a phone.
//!
//! A *device* is one sign-in attempt for one contact. Its `deviceId` (32 random bytes,
//! standard base64) is a secret kept by the frontend; the core stores only its SHA-256, the
//! public `preAuthSessionId` (URL-safe base64 without padding). Each send adds a *code* to
//! the device. A code has two forms that are the same secret: the `userInputCode` typed by
//! the user (6 digits unless the caller chose one), and the `linkCode` of the magic link:
//!
//! ```text
//! linkCode     = base64url_nopad(HMAC-SHA256(key = deviceId ‖ linkCodeSalt, msg = userInputCode))
//! linkCodeHash = base64(SHA-256(linkCode))        (stored; unique across all codes)
//! ```
//!
//! The per-device `linkCodeSalt` stops anyone who guesses OTPs from deriving links, and
//! since the key needs the device id, only the holder of the device can turn a typed code
//! into its link hash. Checking a code (`attempt_passwordless_code`) is one atomic storage
//! call: wrong or expired typed codes count against the device, which is deleted when the
//! attempts run out; a consume also signs the contact in or up (finding or storing its
//! user, marking an email verified) in the same transaction. A new code is counted against
//! its contact's budget (see [`crate::ratelimit`]) in the transaction that stores it.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use supertokens_cdi::passwordless::{
    CheckCodeResponse, CodeInfo, ConsumeCodeRequest, ConsumeCodeResponse, ConsumedDevice,
    CreateCodeRequest, CreateCodeResponse, CreatedCode, DeviceWithCodes, FieldUpdate,
    ListCodesResponse, UpdateUserRequest, UpdateUserResponse,
};
use supertokens_cdi::user::GetUserResponse;
use supertokens_crypto::hashing::{hmac_sha256, sha256};
use supertokens_crypto::random::{
    RandomSource, random_bytes, random_numeric_code, random_uuid_v4, random_uuid_v7,
};
use supertokens_storage::{
    CodeAttempt, CodeAttemptOutcome, ContactUpdate, InsertCodeOutcome, PasswordlessCodeRecord,
    PasswordlessDeviceRecord, RECIPE_PASSWORDLESS, RateLimitRecord, Storage, StorageError,
    UpdateContactOutcome, UserRecord,
};
use zeroize::Zeroizing;

use crate::clock::{Clock, millis};
use crate::config::TenantSettings;
use crate::error::{EngineError, Result};
use crate::multitenancy::Tenants;
use crate::ratelimit::{Account, RateLimits, WindowBudget};
use crate::users::{auth_recipe_user, normalise_email, to_auth_recipe_user};

/// Bytes in a device id.
pub const DEVICE_ID_BYTES: usize = 32;
/// Bytes in a device's link code salt.
pub const LINK_CODE_SALT_BYTES: usize = 32;
/// Digits in a generated user input code.
pub const USER_INPUT_CODE_DIGITS: usize = 6;
/// How often freshly generated identifiers are regenerated after a collision before giving
/// up (a real collision of 256-bit values means the random source is broken; a generated
/// 6-digit code may collide with another code of the same device).
const MAX_GENERATION_ATTEMPTS: usize = 5;

/// Standard base64, padding optional when decoding (as Java's decoder).
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
/// URL-safe base64, padding optional when decoding (as Java's URL decoder).
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The `preAuthSessionId` of a device: URL-safe base64 without padding of SHA-256 of the
/// device id's bytes.
pub fn pre_auth_session_id(device_id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(sha256(device_id))
}

/// The link code of a user input code: URL-safe base64 without padding of
/// HMAC-SHA256(key = device id bytes ‖ salt bytes, message = the code's UTF-8).
pub fn link_code(device_id: &[u8], link_code_salt: &[u8], user_input_code: &str) -> String {
    let mut key = Zeroizing::new(Vec::with_capacity(device_id.len() + link_code_salt.len()));
    key.extend_from_slice(device_id);
    key.extend_from_slice(link_code_salt);
    URL_SAFE_NO_PAD.encode(hmac_sha256(&key, user_input_code.as_bytes()))
}

/// The stored hash of a link code: standard base64 (with padding) of SHA-256 of the link
/// code's text.
pub fn link_code_hash(link_code: &str) -> String {
    STANDARD.encode(sha256(link_code.as_bytes()))
}

/// Decodes a `deviceId` (standard base64 of 32 bytes, padding optional).
pub fn decode_device_id(device_id: &str) -> Result<Zeroizing<Vec<u8>>> {
    let bytes = Zeroizing::new(
        STANDARD_LENIENT
            .decode(device_id.trim())
            .map_err(|_| EngineError::bad_request("Input encoding error in deviceId"))?,
    );
    if bytes.len() != DEVICE_ID_BYTES {
        return Err(EngineError::bad_request("Input encoding error in deviceId"));
    }
    Ok(bytes)
}

/// A `linkCode` in canonical form (URL-safe base64 without padding), so that a link sent
/// with or without padding hashes the same.
fn canonical_link_code(link_code: &str) -> Result<String> {
    let bytes = Zeroizing::new(
        URL_SAFE_LENIENT
            .decode(link_code.trim())
            .map_err(|_| EngineError::bad_request("Input encoding error in linkCode"))?,
    );
    if bytes.is_empty() {
        return Err(EngineError::bad_request("Input encoding error in linkCode"));
    }
    Ok(URL_SAFE_NO_PAD.encode(bytes.as_slice()))
}

/// A `preAuthSessionId` as stored: without `=` padding.
fn stored_pre_auth_session_id(pre_auth_session_id: &str) -> &str {
    pre_auth_session_id.trim().trim_end_matches('=')
}

/// How a consume or check request names its code.
enum CodeInput {
    /// From a magic link.
    Link { link_code: String },
    /// Typed by the user on the device.
    Typed {
        device_id: Zeroizing<Vec<u8>>,
        user_input_code: String,
    },
}

/// A validated consume or check request.
struct ParsedAttempt {
    pre_auth_session_id: String,
    input: CodeInput,
}

impl ParsedAttempt {
    fn parse(request: &ConsumeCodeRequest) -> Result<Self> {
        let pre_auth_session_id = request
            .pre_auth_session_id
            .as_deref()
            .ok_or_else(|| EngineError::bad_request("Please provide preAuthSessionId"))?;
        let input = match (
            request.link_code.as_deref(),
            request.device_id.as_deref(),
            request.user_input_code.as_deref(),
        ) {
            (Some(link_code), None, None) => CodeInput::Link {
                link_code: canonical_link_code(link_code)?,
            },
            (None, Some(device_id), Some(user_input_code)) => CodeInput::Typed {
                device_id: decode_device_id(device_id)?,
                user_input_code: user_input_code.to_owned(),
            },
            (None, Some(_), None) | (None, None, Some(_)) => {
                return Err(EngineError::bad_request(
                    "Please provide both deviceId and userInputCode",
                ));
            }
            _ => {
                return Err(EngineError::bad_request(
                    "Please provide one of (linkCode) or (deviceId+userInputCode) and not both",
                ));
            }
        };
        Ok(Self {
            pre_auth_session_id: stored_pre_auth_session_id(pre_auth_session_id).to_owned(),
            input,
        })
    }
}

/// What `GET /recipe/signinup/codes` asks for: exactly one of the fields.
#[derive(Clone, Copy, Default)]
pub struct CodesQuery<'a> {
    /// Devices of this email.
    pub email: Option<&'a str>,
    /// Devices of this phone number.
    pub phone_number: Option<&'a str>,
    /// The device with this id.
    pub device_id: Option<&'a str>,
    /// The device with this public id.
    pub pre_auth_session_id: Option<&'a str>,
}

impl fmt::Debug for CodesQuery<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodesQuery")
            .field("email", &self.email)
            .field("phone_number", &self.phone_number)
            .field("device_id", &self.device_id.map(|_| "<redacted>"))
            .field("pre_auth_session_id", &self.pre_auth_session_id)
            .finish()
    }
}

/// Outcome of a code attempt, before it becomes a consume or check response.
enum Attempted {
    Accepted(PasswordlessDeviceRecord),
    /// Consumed: the device, the contact's user, and whether it was created.
    Consumed(PasswordlessDeviceRecord, UserRecord, bool),
    Incorrect(u32),
    Expired(u32),
    RestartFlow,
}

/// The passwordless recipe.
pub struct Passwordless {
    storage: Arc<dyn Storage>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    tenants: Arc<Tenants>,
    limits: Arc<RateLimits>,
}

impl fmt::Debug for Passwordless {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Passwordless").finish_non_exhaustive()
    }
}

impl Passwordless {
    /// The recipe over this storage. Code lifetimes and the most code input attempts per
    /// device are the `passwordless_code_lifetime` and `passwordless_max_code_input_attempts`
    /// of the tenant a request is addressed to. Codes created (new devices and resends) go
    /// through `limits`, per email or phone number.
    pub fn new(
        storage: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        tenants: Arc<Tenants>,
        limits: Arc<RateLimits>,
    ) -> Self {
        Self {
            storage,
            clock,
            rng,
            tenants,
            limits,
        }
    }

    /// Codes of a tenant with these settings created before this instant have expired.
    fn expired_before_ms(&self, settings: &TenantSettings) -> i64 {
        self.clock
            .now_ms()
            .saturating_sub(millis(settings.passwordless_code_lifetime))
    }

    /// Creates a code: on a new device for an email or a phone number, or on the existing
    /// device `deviceId` (resend). The code lives for the tenant's
    /// `passwordless_code_lifetime` (sent back as `codeLifetime`).
    pub async fn create_code(
        &self,
        tenant_id: &str,
        request: &CreateCodeRequest,
    ) -> Result<CreateCodeResponse> {
        let chosen_code = match request.user_input_code.as_deref() {
            Some("") => {
                return Err(EngineError::bad_request(
                    "userInputCode cannot be an empty string",
                ));
            }
            other => other,
        };
        match (
            request.email.as_deref(),
            request.phone_number.as_deref(),
            request.device_id.as_deref(),
        ) {
            (Some(email), None, None) => {
                let email = normalise_email(email);
                if email.is_empty() {
                    return Err(EngineError::bad_request("email cannot be an empty string"));
                }
                let budget = self
                    .limits
                    .passwordless_code_budget(tenant_id, Account::Email(&email));
                self.create_device(tenant_id, Some(email), None, chosen_code, budget)
                    .await
            }
            (None, Some(phone_number), None) => {
                let phone_number = normalise_phone_number(phone_number);
                if phone_number.is_empty() {
                    return Err(EngineError::bad_request(
                        "phoneNumber cannot be an empty string",
                    ));
                }
                let budget = self
                    .limits
                    .passwordless_code_budget(tenant_id, Account::PhoneNumber(&phone_number));
                self.create_device(tenant_id, None, Some(phone_number), chosen_code, budget)
                    .await
            }
            (None, None, Some(device_id)) => {
                let device_id = decode_device_id(device_id)?;
                self.add_code(tenant_id, &device_id, chosen_code).await
            }
            _ => Err(EngineError::bad_request(
                "Please provide exactly one of email, phoneNumber or deviceId",
            )),
        }
    }

    fn user_input_code(&self, chosen: Option<&str>) -> String {
        chosen.map_or_else(
            || random_numeric_code(self.rng.as_ref(), USER_INPUT_CODE_DIGITS),
            str::to_owned,
        )
    }

    async fn create_device(
        &self,
        tenant_id: &str,
        email: Option<String>,
        phone_number: Option<String>,
        chosen_code: Option<&str>,
        budget: Option<WindowBudget>,
    ) -> Result<CreateCodeResponse> {
        let code_lifetime = self
            .tenants
            .settings(tenant_id)
            .await?
            .passwordless_code_lifetime;
        for _ in 0..MAX_GENERATION_ATTEMPTS {
            let device_id = Zeroizing::new(random_bytes(self.rng.as_ref(), DEVICE_ID_BYTES));
            let salt = Zeroizing::new(random_bytes(self.rng.as_ref(), LINK_CODE_SALT_BYTES));
            let user_input_code = self.user_input_code(chosen_code);
            let link_code = link_code(&device_id, &salt, &user_input_code);
            let device = PasswordlessDeviceRecord {
                device_id_hash: pre_auth_session_id(&device_id),
                tenant_id: tenant_id.to_owned(),
                email: email.clone(),
                phone_number: phone_number.clone(),
                link_code_salt: STANDARD.encode(salt.as_slice()),
                failed_attempts: 0,
            };
            let now_ms = self.clock.now_ms();
            let code = PasswordlessCodeRecord {
                code_id: random_uuid_v7(self.rng.as_ref(), now_ms),
                device_id_hash: device.device_id_hash.clone(),
                link_code_hash: link_code_hash(&link_code),
                created_at_ms: now_ms,
            };
            let code_budget = budget.as_ref().map(WindowBudget::as_code_budget);
            match self
                .storage
                .insert_passwordless_device(&device, &code, code_budget.as_ref())
                .await?
            {
                InsertCodeOutcome::Inserted => {
                    return Ok(created(
                        &device_id,
                        code,
                        user_input_code,
                        link_code,
                        code_lifetime,
                    ));
                }
                InsertCodeOutcome::OverBudget(counter) => {
                    return Err(over_budget(budget.as_ref(), &counter));
                }
                // A fresh device cannot collide except by chance: draw again.
                InsertCodeOutcome::DeviceIdHashTaken
                | InsertCodeOutcome::CodeIdTaken
                | InsertCodeOutcome::LinkCodeHashTaken
                | InsertCodeOutcome::UnknownDevice => {}
            }
        }
        Err(generation_failed())
    }

    async fn add_code(
        &self,
        tenant_id: &str,
        device_id: &[u8],
        chosen_code: Option<&str>,
    ) -> Result<CreateCodeResponse> {
        let code_lifetime = self
            .tenants
            .settings(tenant_id)
            .await?
            .passwordless_code_lifetime;
        let device_id_hash = pre_auth_session_id(device_id);
        let Some(device) = self
            .storage
            .passwordless_device(tenant_id, &device_id_hash)
            .await?
        else {
            return Ok(CreateCodeResponse::RestartFlowError);
        };
        // A resend counts against the device's email or phone number.
        let contact = match (&device.email, &device.phone_number) {
            (Some(email), _) => Some(Account::Email(email)),
            (None, Some(phone_number)) => Some(Account::PhoneNumber(phone_number)),
            (None, None) => None,
        };
        let budget =
            contact.and_then(|contact| self.limits.passwordless_code_budget(tenant_id, contact));
        let code_budget = budget.as_ref().map(WindowBudget::as_code_budget);
        let salt = decode_salt(&device)?;
        for _ in 0..MAX_GENERATION_ATTEMPTS {
            let user_input_code = self.user_input_code(chosen_code);
            let link_code = link_code(device_id, &salt, &user_input_code);
            let now_ms = self.clock.now_ms();
            let code = PasswordlessCodeRecord {
                code_id: random_uuid_v7(self.rng.as_ref(), now_ms),
                device_id_hash: device_id_hash.clone(),
                link_code_hash: link_code_hash(&link_code),
                created_at_ms: now_ms,
            };
            match self
                .storage
                .insert_passwordless_code(tenant_id, &code, code_budget.as_ref())
                .await?
            {
                InsertCodeOutcome::Inserted => {
                    return Ok(created(
                        device_id,
                        code,
                        user_input_code,
                        link_code,
                        code_lifetime,
                    ));
                }
                InsertCodeOutcome::OverBudget(counter) => {
                    return Err(over_budget(budget.as_ref(), &counter));
                }
                // Consumed, revoked or cleaned up since it was read.
                InsertCodeOutcome::UnknownDevice => {
                    return Ok(CreateCodeResponse::RestartFlowError);
                }
                // The same code is already on this device.
                InsertCodeOutcome::LinkCodeHashTaken if chosen_code.is_some() => {
                    return Ok(CreateCodeResponse::UserInputCodeAlreadyUsedError);
                }
                InsertCodeOutcome::LinkCodeHashTaken
                | InsertCodeOutcome::CodeIdTaken
                | InsertCodeOutcome::DeviceIdHashTaken => {}
            }
        }
        Err(generation_failed())
    }

    /// Finds the device and the link code hash of a consume or check request, then applies
    /// the attempt atomically, with the tenant's code lifetime and most attempts.
    async fn attempt(
        &self,
        tenant_id: &str,
        settings: &TenantSettings,
        request: &ConsumeCodeRequest,
        consume: bool,
    ) -> Result<Attempted> {
        let parsed = ParsedAttempt::parse(request)?;
        let (device_id_hash, hash, known_device) = match &parsed.input {
            CodeInput::Link { link_code } => {
                let hash = link_code_hash(link_code);
                let code = self
                    .storage
                    .passwordless_code_by_link_code_hash(tenant_id, &hash)
                    .await?;
                let Some(code) =
                    code.filter(|code| code.created_at_ms >= self.expired_before_ms(settings))
                else {
                    return Ok(Attempted::RestartFlow);
                };
                (code.device_id_hash, hash, None)
            }
            CodeInput::Typed {
                device_id,
                user_input_code,
            } => {
                let device_id_hash = pre_auth_session_id(device_id);
                let Some(device) = self
                    .storage
                    .passwordless_device(tenant_id, &device_id_hash)
                    .await?
                else {
                    return Ok(Attempted::RestartFlow);
                };
                let salt = decode_salt(&device)?;
                let hash = link_code_hash(&link_code(device_id, &salt, user_input_code));
                (device_id_hash, hash, Some(device))
            }
        };
        if device_id_hash != parsed.pre_auth_session_id {
            return Err(EngineError::bad_request(
                "preAuthSessionId and deviceId doesn't match",
            ));
        }
        for _ in 0..MAX_GENERATION_ATTEMPTS {
            // A consume signs the contact in or up in its transaction: this user is stored
            // (with the device's contact) when the contact has none yet.
            let new_user = consume.then(|| UserRecord {
                user_id: random_uuid_v4(self.rng.as_ref()),
                recipe_id: RECIPE_PASSWORDLESS.to_owned(),
                tenant_ids: vec![tenant_id.to_owned()],
                email: None,
                phone_number: None,
                password_hash: None,
                time_joined_ms: self.clock.now_ms(),
            });
            let attempt = CodeAttempt {
                tenant_id,
                device_id_hash: &device_id_hash,
                link_code_hash: &hash,
                typed: known_device.is_some(),
                expired_before_ms: self.expired_before_ms(settings),
                max_attempts: settings.passwordless_max_code_input_attempts.max(1),
                consume,
                known_device: known_device.as_ref(),
                new_user: new_user.as_ref(),
            };
            return Ok(
                match self.storage.attempt_passwordless_code(&attempt).await? {
                    CodeAttemptOutcome::Accepted(device) => Attempted::Accepted(device),
                    CodeAttemptOutcome::Consumed {
                        device,
                        user,
                        created_new_user,
                    } => Attempted::Consumed(device, user, created_new_user),
                    CodeAttemptOutcome::IncorrectCode { failed_attempts } => {
                        Attempted::Incorrect(failed_attempts)
                    }
                    CodeAttemptOutcome::ExpiredCode { failed_attempts } => {
                        Attempted::Expired(failed_attempts)
                    }
                    CodeAttemptOutcome::RestartFlow => Attempted::RestartFlow,
                    // Only by chance: draw another id.
                    CodeAttemptOutcome::NewUserIdTaken => continue,
                },
            );
        }
        Err(generation_failed())
    }

    /// Checks a code without using it up: on success nothing is deleted. Wrong typed codes
    /// still count against the device.
    pub async fn check_code(
        &self,
        tenant_id: &str,
        request: &ConsumeCodeRequest,
    ) -> Result<CheckCodeResponse> {
        let settings = self.tenants.settings(tenant_id).await?;
        let max = settings.passwordless_max_code_input_attempts.max(1);
        Ok(
            match self.attempt(tenant_id, &settings, request, false).await? {
                Attempted::Accepted(device) | Attempted::Consumed(device, _, _) => {
                    CheckCodeResponse::Ok {
                        consumed_device: consumed_device(device),
                    }
                }
                Attempted::Incorrect(failed) => CheckCodeResponse::IncorrectUserInputCodeError {
                    failed_code_input_attempt_count: failed,
                    maximum_code_input_attempts: max,
                },
                Attempted::Expired(failed) => CheckCodeResponse::ExpiredUserInputCodeError {
                    failed_code_input_attempt_count: failed,
                    maximum_code_input_attempts: max,
                },
                Attempted::RestartFlow => CheckCodeResponse::RestartFlowError,
            },
        )
    }

    /// Uses up a code: on success every device of the contact is deleted and the
    /// passwordless user of the contact is found or created.
    pub async fn consume_code(
        &self,
        tenant_id: &str,
        request: &ConsumeCodeRequest,
    ) -> Result<ConsumeCodeResponse> {
        let settings = self.tenants.settings(tenant_id).await?;
        let max = settings.passwordless_max_code_input_attempts.max(1);
        let (device, user, created_new_user) = match self
            .attempt(tenant_id, &settings, request, true)
            .await?
        {
            Attempted::Consumed(device, user, created_new_user) => (device, user, created_new_user),
            Attempted::Incorrect(failed) => {
                return Ok(ConsumeCodeResponse::IncorrectUserInputCodeError {
                    failed_code_input_attempt_count: failed,
                    maximum_code_input_attempts: max,
                });
            }
            Attempted::Expired(failed) => {
                return Ok(ConsumeCodeResponse::ExpiredUserInputCodeError {
                    failed_code_input_attempt_count: failed,
                    maximum_code_input_attempts: max,
                });
            }
            Attempted::RestartFlow => return Ok(ConsumeCodeResponse::RestartFlowError),
            Attempted::Accepted(_) => {
                return Err(EngineError::Storage(StorageError::Database(
                    "the storage consumed a code without signing its contact in".to_owned(),
                )));
            }
        };
        // A code sent to an email proves the user owns it (as the Java core has it, on
        // sign-up and on sign-in): the storage marked it verified with the consume.
        let user_object = match &device.email {
            Some(email) if user.email.as_ref() == Some(email) => to_auth_recipe_user(&user, true),
            _ => auth_recipe_user(self.storage.as_ref(), &user).await?,
        };
        Ok(ConsumeCodeResponse::Ok {
            created_new_user,
            user: user_object,
            recipe_user_id: user.user_id.clone(),
            consumed_device: consumed_device(device),
        })
    }

    /// Devices with their codes, for exactly one of email, phone number, device id or
    /// `preAuthSessionId`.
    pub async fn list_codes(
        &self,
        tenant_id: &str,
        query: CodesQuery<'_>,
    ) -> Result<ListCodesResponse> {
        let devices = match (
            query.email,
            query.phone_number,
            query.device_id,
            query.pre_auth_session_id,
        ) {
            (Some(email), None, None, None) => {
                self.storage
                    .passwordless_devices_by_email(tenant_id, &normalise_email(email))
                    .await?
            }
            (None, Some(phone_number), None, None) => {
                self.storage
                    .passwordless_devices_by_phone_number(
                        tenant_id,
                        &normalise_phone_number(phone_number),
                    )
                    .await?
            }
            (None, None, Some(device_id), None) => {
                let device_id_hash = pre_auth_session_id(&decode_device_id(device_id)?);
                self.storage
                    .passwordless_device(tenant_id, &device_id_hash)
                    .await?
                    .into_iter()
                    .collect()
            }
            (None, None, None, Some(pre_auth_session_id)) => self
                .storage
                .passwordless_device(tenant_id, stored_pre_auth_session_id(pre_auth_session_id))
                .await?
                .into_iter()
                .collect(),
            _ => {
                return Err(EngineError::bad_request(
                    "Please provide exactly one of email, phoneNumber, deviceId or preAuthSessionId",
                ));
            }
        };
        let code_lifetime = millis(
            self.tenants
                .settings(tenant_id)
                .await?
                .passwordless_code_lifetime,
        );
        let mut listed = Vec::with_capacity(devices.len());
        for device in devices {
            let codes = self
                .storage
                .passwordless_codes_of_device(tenant_id, &device.device_id_hash)
                .await?;
            // A device whose last code was removed in the meantime is gone.
            if codes.is_empty() {
                continue;
            }
            listed.push(DeviceWithCodes {
                pre_auth_session_id: device.device_id_hash,
                failed_code_input_attempt_count: device.failed_attempts,
                email: device.email,
                phone_number: device.phone_number,
                codes: codes
                    .into_iter()
                    .map(|code| CodeInfo {
                        code_id: code.code_id,
                        time_created: code.created_at_ms,
                        code_lifetime,
                    })
                    .collect(),
            });
        }
        Ok(ListCodesResponse::Ok { devices: listed })
    }

    /// Revokes one code (its device goes too when it was the last one), or a whole device by
    /// its `preAuthSessionId`. Revoking what does not exist is not an error.
    pub async fn remove_code(
        &self,
        tenant_id: &str,
        code_id: Option<&str>,
        pre_auth_session_id: Option<&str>,
    ) -> Result<()> {
        match (code_id, pre_auth_session_id) {
            (Some(code_id), None) => {
                self.storage
                    .delete_passwordless_code(tenant_id, code_id)
                    .await?;
            }
            (None, Some(pre_auth_session_id)) => {
                self.storage
                    .delete_passwordless_device(
                        tenant_id,
                        stored_pre_auth_session_id(pre_auth_session_id),
                    )
                    .await?;
            }
            _ => {
                return Err(EngineError::bad_request(
                    "Please provide exactly one of codeId or preAuthSessionId",
                ));
            }
        }
        Ok(())
    }

    /// Revokes every device of an email or a phone number.
    pub async fn remove_codes(
        &self,
        tenant_id: &str,
        email: Option<&str>,
        phone_number: Option<&str>,
    ) -> Result<()> {
        match (email, phone_number) {
            (Some(email), None) => {
                self.storage
                    .delete_passwordless_devices_by_email(tenant_id, &normalise_email(email))
                    .await?;
            }
            (None, Some(phone_number)) => {
                self.storage
                    .delete_passwordless_devices_by_phone_number(
                        tenant_id,
                        &normalise_phone_number(phone_number),
                    )
                    .await?;
            }
            _ => {
                return Err(EngineError::bad_request(
                    "Please provide exactly one of email or phoneNumber",
                ));
            }
        }
        Ok(())
    }

    /// The passwordless user with this id (users of other recipes do not count).
    pub async fn user_by_id(&self, user_id: &str) -> Result<Option<UserRecord>> {
        Ok(self
            .storage
            .user_by_id(user_id)
            .await?
            .filter(|user| user.recipe_id == RECIPE_PASSWORDLESS))
    }

    /// The passwordless user of the tenant with this email.
    pub async fn user_by_email(&self, tenant_id: &str, email: &str) -> Result<Option<UserRecord>> {
        Ok(self
            .storage
            .user_by_email(tenant_id, RECIPE_PASSWORDLESS, &normalise_email(email))
            .await?)
    }

    /// The passwordless user of the tenant with this phone number.
    pub async fn user_by_phone_number(
        &self,
        tenant_id: &str,
        phone_number: &str,
    ) -> Result<Option<UserRecord>> {
        Ok(self
            .storage
            .users_by_phone_number(tenant_id, &normalise_phone_number(phone_number))
            .await?
            .into_iter()
            .find(|user| user.recipe_id == RECIPE_PASSWORDLESS))
    }

    /// `GET /recipe/user` with rid `passwordless`: exactly one of user id, email (in the
    /// tenant) or phone number (in the tenant).
    pub async fn get_user(
        &self,
        tenant_id: &str,
        user_id: Option<&str>,
        email: Option<&str>,
        phone_number: Option<&str>,
    ) -> Result<GetUserResponse> {
        let (user, missing) = match (user_id, email, phone_number) {
            (Some(user_id), None, None) => (
                self.user_by_id(user_id).await?,
                GetUserResponse::UnknownUserIdError,
            ),
            (None, Some(email), None) => (
                self.user_by_email(tenant_id, email).await?,
                GetUserResponse::UnknownEmailError,
            ),
            (None, None, Some(phone_number)) => (
                self.user_by_phone_number(tenant_id, phone_number).await?,
                GetUserResponse::UnknownPhoneNumberError,
            ),
            _ => {
                return Err(EngineError::bad_request(
                    "Please provide exactly one of userId, email or phoneNumber",
                ));
            }
        };
        Ok(match user {
            Some(user) => GetUserResponse::Ok {
                user: auth_recipe_user(self.storage.as_ref(), &user).await?,
            },
            None => missing,
        })
    }

    /// `PUT /recipe/user` with rid `passwordless`: sets or clears the email and/or phone
    /// number of a passwordless user (absent fields are kept). A user must keep at least one
    /// of them. Devices of the old and new contacts are deleted with the change.
    pub async fn update_user(&self, request: &UpdateUserRequest) -> Result<UpdateUserResponse> {
        let user_id = request
            .recipe_user_id
            .as_deref()
            .or(request.user_id.as_deref())
            .ok_or_else(|| {
                EngineError::bad_request("Field name 'recipeUserId' is missing in JSON input")
            })?;
        if request.email == FieldUpdate::Clear && request.phone_number == FieldUpdate::Clear {
            return Err(EngineError::bad_request(
                "A user must keep an email or a phone number",
            ));
        }
        let email = match &request.email {
            FieldUpdate::Keep => None,
            FieldUpdate::Clear => Some(None),
            FieldUpdate::Set(email) => {
                let email = normalise_email(email);
                if email.is_empty() {
                    return Err(EngineError::bad_request(
                        "email cannot be an empty string; send null to remove it",
                    ));
                }
                Some(Some(email))
            }
        };
        let phone_number = match &request.phone_number {
            FieldUpdate::Keep => None,
            FieldUpdate::Clear => Some(None),
            FieldUpdate::Set(phone_number) => {
                let phone_number = normalise_phone_number(phone_number);
                if phone_number.is_empty() {
                    return Err(EngineError::bad_request(
                        "phoneNumber cannot be an empty string; send null to remove it",
                    ));
                }
                Some(Some(phone_number))
            }
        };
        let Some(user) = self.user_by_id(user_id).await? else {
            return Ok(UpdateUserResponse::UnknownUserIdError);
        };
        let final_email = email.clone().unwrap_or(user.email);
        let final_phone_number = phone_number.clone().unwrap_or(user.phone_number);
        if final_email.is_none() && final_phone_number.is_none() {
            return Err(EngineError::bad_request(
                "A user must keep an email or a phone number",
            ));
        }
        if email.is_none() && phone_number.is_none() {
            return Ok(UpdateUserResponse::Ok);
        }
        let update = ContactUpdate {
            user_id,
            email: email.as_ref().map(Option::as_deref),
            phone_number: phone_number.as_ref().map(Option::as_deref),
        };
        Ok(
            match self.storage.update_passwordless_contact(&update).await? {
                UpdateContactOutcome::Updated => UpdateUserResponse::Ok,
                UpdateContactOutcome::UnknownUser => UpdateUserResponse::UnknownUserIdError,
                UpdateContactOutcome::EmailTaken => UpdateUserResponse::EmailAlreadyExistsError,
                UpdateContactOutcome::PhoneNumberTaken => {
                    UpdateUserResponse::PhoneNumberAlreadyExistsError
                }
            },
        )
    }

    /// Deletes up to `batch_size × max_batches` devices whose newest code has expired;
    /// returns how many. Devices are swept with the longest code lifetime in force in the
    /// app (its own or any tenant's), so that no device goes before its tenant's lifetime
    /// has passed; a shorter-lived tenant's expired devices are refused when used and swept
    /// a little later.
    pub async fn delete_expired(&self, batch_size: u32, max_batches: u32) -> Result<u64> {
        let lifetime = self.tenants.longest_code_lifetime().await?;
        let before_ms = self.clock.now_ms().saturating_sub(millis(lifetime));
        let mut total = 0;
        for _ in 0..max_batches {
            let deleted = self
                .storage
                .delete_expired_passwordless_devices(before_ms, batch_size)
                .await?;
            total += deleted;
            if deleted < u64::from(batch_size) {
                break;
            }
        }
        Ok(total)
    }
}

/// Trims a phone number. (The SDK sends E.164 already; the Java core additionally
/// reformats parseable numbers with libphonenumber.)
pub fn normalise_phone_number(phone_number: &str) -> String {
    phone_number.trim().to_owned()
}

/// The answer to a code created for `code_lifetime`.
fn created(
    device_id: &[u8],
    code: PasswordlessCodeRecord,
    user_input_code: String,
    link_code: String,
    code_lifetime: std::time::Duration,
) -> CreateCodeResponse {
    CreateCodeResponse::Ok(CreatedCode {
        pre_auth_session_id: code.device_id_hash,
        code_id: code.code_id,
        device_id: STANDARD.encode(device_id),
        user_input_code,
        link_code,
        time_created: code.created_at_ms,
        code_lifetime: millis(code_lifetime),
    })
}

fn consumed_device(device: PasswordlessDeviceRecord) -> ConsumedDevice {
    ConsumedDevice {
        pre_auth_session_id: device.device_id_hash,
        failed_code_input_attempt_count: device.failed_attempts,
        email: device.email,
        phone_number: device.phone_number,
    }
}

fn decode_salt(device: &PasswordlessDeviceRecord) -> Result<Zeroizing<Vec<u8>>> {
    STANDARD_LENIENT
        .decode(&device.link_code_salt)
        .map(Zeroizing::new)
        .map_err(|_| {
            EngineError::Crypto("a stored passwordless link code salt is not base64".into())
        })
}

/// The refusal of a code the storage found past its budget (which it can only do when it
/// was given one).
fn over_budget(budget: Option<&WindowBudget>, counter: &RateLimitRecord) -> EngineError {
    match budget {
        Some(budget) => budget.refusal(counter),
        None => EngineError::Storage(StorageError::Database(
            "the storage refused a code for a budget it was not given".to_owned(),
        )),
    }
}

fn generation_failed() -> EngineError {
    EngineError::Crypto(format!(
        "freshly generated passwordless identifiers collided {MAX_GENERATION_ATTEMPTS} times; \
         the random source may be broken"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEVICE_ID: [u8; 32] = [7; 32];
    const SALT: [u8; 32] = [9; 32];

    #[test]
    fn pre_auth_session_id_is_url_safe_sha256_without_padding() {
        let id = pre_auth_session_id(&DEVICE_ID);
        assert_eq!(id, URL_SAFE_NO_PAD.encode(sha256(&DEVICE_ID)));
        assert_eq!(id.len(), 43);
        assert!(!id.contains(['=', '+', '/']));
    }

    #[test]
    fn link_code_is_hmac_of_the_code_under_device_id_and_salt() {
        let mut key = DEVICE_ID.to_vec();
        key.extend_from_slice(&SALT);
        let expected = URL_SAFE_NO_PAD.encode(hmac_sha256(&key, b"123456"));
        assert_eq!(link_code(&DEVICE_ID, &SALT, "123456"), expected);
        assert_ne!(link_code(&DEVICE_ID, &SALT, "123457"), expected);
        assert_ne!(link_code(&SALT, &DEVICE_ID, "123456"), expected);
        let hash = link_code_hash(&expected);
        assert_eq!(hash, STANDARD.encode(sha256(expected.as_bytes())));
        assert!(hash.ends_with('='), "standard base64 with padding: {hash}");
    }

    #[test]
    fn device_ids_must_be_32_bytes_of_standard_base64() {
        let encoded = STANDARD.encode(DEVICE_ID);
        assert_eq!(decode_device_id(&encoded).unwrap().as_slice(), &DEVICE_ID);
        assert_eq!(
            decode_device_id(encoded.trim_end_matches('='))
                .unwrap()
                .as_slice(),
            &DEVICE_ID
        );
        for bad in ["%%%", "", &STANDARD.encode([1u8; 16])] {
            let error = decode_device_id(bad).unwrap_err();
            assert_eq!(
                error.to_string(),
                "Input encoding error in deviceId",
                "{bad}"
            );
        }
    }

    #[test]
    fn link_codes_are_canonicalised() {
        let code = link_code(&DEVICE_ID, &SALT, "1");
        assert_eq!(canonical_link_code(&code).unwrap(), code);
        assert_eq!(canonical_link_code(&format!("{code}=")).unwrap(), code);
        assert_eq!(
            canonical_link_code("a+b/").unwrap_err().to_string(),
            "Input encoding error in linkCode"
        );
    }

    fn parse(value: serde_json::Value) -> Result<ParsedAttempt> {
        ParsedAttempt::parse(&serde_json::from_value(value).unwrap())
    }

    fn message(result: Result<ParsedAttempt>) -> String {
        match result {
            Ok(_) => panic!("expected an error"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn consume_inputs_are_validated() {
        let device_id = STANDARD.encode(DEVICE_ID);
        let link = link_code(&DEVICE_ID, &SALT, "1");
        assert_eq!(
            message(parse(serde_json::json!({"linkCode": link}))),
            "Please provide preAuthSessionId"
        );
        assert_eq!(
            message(parse(
                serde_json::json!({"preAuthSessionId": "p", "linkCode": link, "deviceId": device_id})
            )),
            "Please provide one of (linkCode) or (deviceId+userInputCode) and not both"
        );
        assert_eq!(
            message(parse(serde_json::json!({"preAuthSessionId": "p"}))),
            "Please provide one of (linkCode) or (deviceId+userInputCode) and not both"
        );
        assert_eq!(
            message(parse(
                serde_json::json!({"preAuthSessionId": "p", "deviceId": device_id})
            )),
            "Please provide both deviceId and userInputCode"
        );
        assert_eq!(
            message(parse(
                serde_json::json!({"preAuthSessionId": "p", "userInputCode": "1"})
            )),
            "Please provide both deviceId and userInputCode"
        );
        assert_eq!(
            message(parse(
                serde_json::json!({"preAuthSessionId": "p", "deviceId": "!!", "userInputCode": "1"})
            )),
            "Input encoding error in deviceId"
        );
        let parsed = parse(
            serde_json::json!({"preAuthSessionId": "abc==", "deviceId": device_id, "userInputCode": "1"}),
        )
        .unwrap();
        assert_eq!(parsed.pre_auth_session_id, "abc");
        assert!(matches!(parsed.input, CodeInput::Typed { .. }));
    }

    #[test]
    fn codes_query_debug_hides_the_device_id() {
        let query = CodesQuery {
            device_id: Some("secret-device"),
            ..CodesQuery::default()
        };
        assert!(!format!("{query:?}").contains("secret"));
    }
}
