//! The built-in implementations: [`CoreFunctions`] calls the core; [`apis`] holds the default
//! route behaviour; [`DefaultApis`] is the API trait with nothing overridden.

use std::sync::Arc;

use async_trait::async_trait;
use supertokens::cdi::AuthRecipeUser;
use supertokens::cdi::general::OkResponse;
use supertokens::cdi::passwordless::{
    CheckCodeResponse, ConsumeCodeRequest, ConsumeCodeResponse, CreateCodeRequest,
    CreateCodeResponse, CreatedCode, DeviceWithCodes, ListCodesResponse, RemoveCodeRequest,
    RemoveCodesRequest, UpdateUserRequest, UpdateUserResponse,
};
use supertokens::{Querier, Result, SuperTokensError, users};

use crate::RECIPE_ID;
use crate::interface::{
    CheckCodeResult, ConsumeCodeInput, ConsumeCodeResult, Contact, CreateNewCodeForDeviceResult,
    PasswordlessApis, PasswordlessFunctions, UpdateUserInput, UpdateUserResult,
};
use crate::validators::{normalise_email, normalise_phone_number};

/// The functions as supertokens-node implements them, talking to the core.
pub struct CoreFunctions {
    querier: Arc<Querier>,
}

impl std::fmt::Debug for CoreFunctions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreFunctions")
            .field("querier", &self.querier)
            .finish()
    }
}

impl CoreFunctions {
    /// Functions using this core connection.
    pub fn new(querier: Arc<Querier>) -> Self {
        Self { querier }
    }

    async fn list_codes(
        &self,
        tenant_id: &str,
        query: (&str, &str),
    ) -> Result<Vec<DeviceWithCodes>> {
        let path = format!("/{tenant_id}/recipe/signinup/codes");
        let ListCodesResponse::Ok { devices } =
            self.querier.get(&path, &[query], Some(RECIPE_ID)).await?;
        Ok(devices)
    }

    async fn remove_code(&self, body: &RemoveCodeRequest, tenant_id: &str) -> Result<()> {
        let path = format!("/{tenant_id}/recipe/signinup/code/remove");
        let OkResponse::Ok = self.querier.post(&path, body, Some(RECIPE_ID)).await?;
        Ok(())
    }

    /// The tenant's user with a passwordless login method for this (normalised) contact.
    async fn user_with_contact(
        &self,
        tenant_id: &str,
        contact: &Contact,
    ) -> Result<Option<AuthRecipeUser>> {
        let account_info = match contact {
            Contact::Email(email) => ("email", email.as_str()),
            Contact::PhoneNumber(phone) => ("phoneNumber", phone.as_str()),
        };
        Ok(
            users::users_by_account_info(&self.querier, tenant_id, account_info)
                .await?
                .into_iter()
                .find(|user| passwordless_login_method(user, contact).is_some()),
        )
    }
}

/// The core's 400s on consume/check (a device id that does not match the preAuthSessionId,
/// badly encoded codes) are the client's mistake: they become 400s of the FDI too.
fn client_mistake(error: SuperTokensError) -> SuperTokensError {
    match error {
        SuperTokensError::Core {
            status: 400,
            message,
            ..
        } => SuperTokensError::BadInput(message),
        other => other,
    }
}

/// Removes a secret that travelled in a core URL from an error's text (errors are logged).
fn redact(error: SuperTokensError, secret: &str) -> SuperTokensError {
    let encoded = serde_urlencoded::to_string([("", secret)])
        .map(|pair| pair.trim_start_matches('=').to_owned())
        .unwrap_or_default();
    let scrub = |text: String| {
        let text = text.replace(secret, "<redacted>");
        if encoded.is_empty() {
            text
        } else {
            text.replace(&encoded, "<redacted>")
        }
    };
    match error {
        SuperTokensError::Core {
            status,
            path,
            message,
        } => SuperTokensError::Core {
            status,
            path: scrub(path),
            message: scrub(message),
        },
        SuperTokensError::CoreUnreachable(text) => SuperTokensError::CoreUnreachable(scrub(text)),
        SuperTokensError::Internal(text) => SuperTokensError::Internal(scrub(text)),
        other => other,
    }
}

fn consume_body(input: &ConsumeCodeInput) -> ConsumeCodeRequest {
    match input {
        ConsumeCodeInput::UserInputCode {
            pre_auth_session_id,
            device_id,
            user_input_code,
        } => ConsumeCodeRequest {
            pre_auth_session_id: Some(pre_auth_session_id.clone()),
            device_id: Some(device_id.clone()),
            user_input_code: Some(user_input_code.clone()),
            link_code: None,
        },
        ConsumeCodeInput::LinkCode {
            pre_auth_session_id,
            link_code,
        } => ConsumeCodeRequest {
            pre_auth_session_id: Some(pre_auth_session_id.clone()),
            link_code: Some(link_code.clone()),
            device_id: None,
            user_input_code: None,
        },
    }
}

/// The user's passwordless login method for this contact, if it has one.
pub fn passwordless_login_method<'a>(
    user: &'a AuthRecipeUser,
    contact: &Contact,
) -> Option<&'a supertokens::cdi::LoginMethod> {
    user.login_methods.iter().find(|method| {
        method.recipe_id == RECIPE_ID
            && match contact {
                Contact::Email(email) => method
                    .email
                    .as_deref()
                    .is_some_and(|known| normalise_email(known) == normalise_email(email)),
                Contact::PhoneNumber(phone) => {
                    method.phone_number.as_deref().is_some_and(|known| {
                        normalise_phone_number(known) == normalise_phone_number(phone)
                    })
                }
            }
    })
}

#[async_trait]
impl PasswordlessFunctions for CoreFunctions {
    async fn create_code(
        &self,
        contact: &Contact,
        user_input_code: Option<&str>,
        tenant_id: &str,
    ) -> Result<CreatedCode> {
        let body = CreateCodeRequest {
            email: contact.email().map(str::to_owned),
            phone_number: contact.phone_number().map(str::to_owned),
            device_id: None,
            user_input_code: user_input_code.map(str::to_owned),
        };
        let path = format!("/{tenant_id}/recipe/signinup/code");
        match self
            .querier
            .post::<_, CreateCodeResponse>(&path, &body, Some(RECIPE_ID))
            .await?
        {
            CreateCodeResponse::Ok(code) => Ok(code),
            other => Err(SuperTokensError::Internal(format!(
                "the core answered {other:?} when creating a code for a new device"
            ))),
        }
    }

    async fn create_new_code_for_device(
        &self,
        device_id: &str,
        user_input_code: Option<&str>,
        tenant_id: &str,
    ) -> Result<CreateNewCodeForDeviceResult> {
        let body = CreateCodeRequest {
            device_id: Some(device_id.to_owned()),
            user_input_code: user_input_code.map(str::to_owned),
            ..CreateCodeRequest::default()
        };
        let path = format!("/{tenant_id}/recipe/signinup/code");
        Ok(
            match self
                .querier
                .post::<_, CreateCodeResponse>(&path, &body, Some(RECIPE_ID))
                .await
                .map_err(client_mistake)?
            {
                CreateCodeResponse::Ok(code) => CreateNewCodeForDeviceResult::Ok(code),
                CreateCodeResponse::RestartFlowError => {
                    CreateNewCodeForDeviceResult::RestartFlowError
                }
                CreateCodeResponse::UserInputCodeAlreadyUsedError => {
                    CreateNewCodeForDeviceResult::UserInputCodeAlreadyUsedError
                }
            },
        )
    }

    async fn consume_code(
        &self,
        input: &ConsumeCodeInput,
        tenant_id: &str,
    ) -> Result<ConsumeCodeResult> {
        let path = format!("/{tenant_id}/recipe/signinup/code/consume");
        Ok(
            match self
                .querier
                .post::<_, ConsumeCodeResponse>(&path, &consume_body(input), Some(RECIPE_ID))
                .await
                .map_err(client_mistake)?
            {
                ConsumeCodeResponse::Ok {
                    created_new_user,
                    user,
                    recipe_user_id,
                    consumed_device,
                } => ConsumeCodeResult::Ok {
                    created_new_recipe_user: created_new_user,
                    user,
                    recipe_user_id,
                    consumed_device,
                },
                ConsumeCodeResponse::IncorrectUserInputCodeError {
                    failed_code_input_attempt_count,
                    maximum_code_input_attempts,
                } => ConsumeCodeResult::IncorrectUserInputCodeError {
                    failed_code_input_attempt_count,
                    maximum_code_input_attempts,
                },
                ConsumeCodeResponse::ExpiredUserInputCodeError {
                    failed_code_input_attempt_count,
                    maximum_code_input_attempts,
                } => ConsumeCodeResult::ExpiredUserInputCodeError {
                    failed_code_input_attempt_count,
                    maximum_code_input_attempts,
                },
                ConsumeCodeResponse::RestartFlowError => ConsumeCodeResult::RestartFlowError,
            },
        )
    }

    async fn check_code(
        &self,
        input: &ConsumeCodeInput,
        tenant_id: &str,
    ) -> Result<CheckCodeResult> {
        let path = format!("/{tenant_id}/recipe/signinup/code/check");
        Ok(
            match self
                .querier
                .post::<_, CheckCodeResponse>(&path, &consume_body(input), Some(RECIPE_ID))
                .await
                .map_err(client_mistake)?
            {
                CheckCodeResponse::Ok { consumed_device } => {
                    CheckCodeResult::Ok { consumed_device }
                }
                CheckCodeResponse::IncorrectUserInputCodeError {
                    failed_code_input_attempt_count,
                    maximum_code_input_attempts,
                } => CheckCodeResult::IncorrectUserInputCodeError {
                    failed_code_input_attempt_count,
                    maximum_code_input_attempts,
                },
                CheckCodeResponse::ExpiredUserInputCodeError {
                    failed_code_input_attempt_count,
                    maximum_code_input_attempts,
                } => CheckCodeResult::ExpiredUserInputCodeError {
                    failed_code_input_attempt_count,
                    maximum_code_input_attempts,
                },
                CheckCodeResponse::RestartFlowError => CheckCodeResult::RestartFlowError,
            },
        )
    }

    async fn list_codes_by_email(
        &self,
        email: &str,
        tenant_id: &str,
    ) -> Result<Vec<DeviceWithCodes>> {
        self.list_codes(tenant_id, ("email", &normalise_email(email)))
            .await
    }

    async fn list_codes_by_phone_number(
        &self,
        phone_number: &str,
        tenant_id: &str,
    ) -> Result<Vec<DeviceWithCodes>> {
        self.list_codes(
            tenant_id,
            ("phoneNumber", &normalise_phone_number(phone_number)),
        )
        .await
    }

    async fn list_codes_by_device_id(
        &self,
        device_id: &str,
        tenant_id: &str,
    ) -> Result<Option<DeviceWithCodes>> {
        // The device id is a secret: keep it out of error messages (they are logged).
        let devices = self
            .list_codes(tenant_id, ("deviceId", device_id))
            .await
            .map_err(|error| redact(error, device_id))?;
        Ok(devices.into_iter().next())
    }

    async fn list_codes_by_pre_auth_session_id(
        &self,
        pre_auth_session_id: &str,
        tenant_id: &str,
    ) -> Result<Option<DeviceWithCodes>> {
        let devices = self
            .list_codes(tenant_id, ("preAuthSessionId", pre_auth_session_id))
            .await?;
        Ok(devices.into_iter().next())
    }

    async fn revoke_code(&self, code_id: &str, tenant_id: &str) -> Result<()> {
        let body = RemoveCodeRequest {
            code_id: Some(code_id.to_owned()),
            pre_auth_session_id: None,
        };
        self.remove_code(&body, tenant_id).await
    }

    async fn revoke_device(&self, pre_auth_session_id: &str, tenant_id: &str) -> Result<()> {
        let body = RemoveCodeRequest {
            code_id: None,
            pre_auth_session_id: Some(pre_auth_session_id.to_owned()),
        };
        self.remove_code(&body, tenant_id).await
    }

    async fn revoke_all_codes(&self, contact: &Contact, tenant_id: &str) -> Result<()> {
        let body = RemoveCodesRequest {
            email: contact.email().map(normalise_email),
            phone_number: contact.phone_number().map(normalise_phone_number),
        };
        let path = format!("/{tenant_id}/recipe/signinup/codes/remove");
        let OkResponse::Ok = self.querier.post(&path, &body, Some(RECIPE_ID)).await?;
        Ok(())
    }

    async fn get_user_by_id(&self, user_id: &str) -> Result<Option<AuthRecipeUser>> {
        users::get_user_by_id(&self.querier, user_id).await
    }

    async fn get_user_by_email(
        &self,
        email: &str,
        tenant_id: &str,
    ) -> Result<Option<AuthRecipeUser>> {
        let contact = Contact::Email(normalise_email(email));
        self.user_with_contact(tenant_id, &contact).await
    }

    async fn get_user_by_phone_number(
        &self,
        phone_number: &str,
        tenant_id: &str,
    ) -> Result<Option<AuthRecipeUser>> {
        let contact = Contact::PhoneNumber(normalise_phone_number(phone_number));
        self.user_with_contact(tenant_id, &contact).await
    }

    async fn update_user(&self, input: &UpdateUserInput) -> Result<UpdateUserResult> {
        use supertokens::cdi::passwordless::FieldUpdate;
        let body = UpdateUserRequest {
            recipe_user_id: Some(input.recipe_user_id.clone()),
            user_id: None,
            email: match &input.email {
                FieldUpdate::Set(email) => FieldUpdate::Set(normalise_email(email)),
                other => other.clone(),
            },
            phone_number: match &input.phone_number {
                FieldUpdate::Set(phone) => FieldUpdate::Set(normalise_phone_number(phone)),
                other => other.clone(),
            },
        };
        Ok(
            match self
                .querier
                .put::<_, UpdateUserResponse>("/recipe/user", &body, Some(RECIPE_ID))
                .await?
            {
                UpdateUserResponse::Ok => UpdateUserResult::Ok,
                UpdateUserResponse::UnknownUserIdError => UpdateUserResult::UnknownUserIdError,
                UpdateUserResponse::EmailAlreadyExistsError => {
                    UpdateUserResult::EmailAlreadyExistsError
                }
                UpdateUserResponse::PhoneNumberAlreadyExistsError => {
                    UpdateUserResult::PhoneNumberAlreadyExistsError
                }
                UpdateUserResponse::EmailChangeNotAllowedError { reason } => {
                    UpdateUserResult::EmailChangeNotAllowedError { reason }
                }
                UpdateUserResponse::PhoneNumberChangeNotAllowedError { reason } => {
                    UpdateUserResult::PhoneNumberChangeNotAllowedError { reason }
                }
            },
        )
    }
}

/// The API trait with every route left to its built-in behaviour.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultApis;

impl PasswordlessApis for DefaultApis {}

/// The built-in behaviour of each route (the default bodies of [`PasswordlessApis`]);
/// overrides can call these too.
pub mod apis {
    use std::time::Duration;

    use supertokens::multitenancy::{check_first_factors, factor_ids, login_methods};
    use supertokens_session::{SessionContainer, create_sign_in_session};

    use super::*;
    use crate::config::{FlowType, enabled_factors};
    use crate::interface::{
        ApiOptions, ConsumeCodePostResponse, CreateCodePostResponse, ExistsGetResponse,
        LoginMethodsGetResponse, ResendCodePostResponse,
    };
    use crate::limits::{budget_message, cooldown_message};
    use crate::recipe::SendPermit;

    /// `GENERAL_ERROR` message when a code could not be delivered.
    pub const DELIVERY_FAILED: &str = "Could not send the sign-in code. Please try again later.";
    /// `GENERAL_ERROR` message when no unique code could be generated for a device (node's).
    pub const CODE_GENERATION_FAILED: &str = "Failed to generate a one time code. Please try again";
    /// How many times a resend tries to create a code when the code is already in use.
    pub const RESEND_ATTEMPTS: u32 = 3;

    /// Creates a session for a sign-in through the session recipe.
    pub async fn create_session(
        options: &ApiOptions<'_>,
        tenant_id: &str,
        recipe_user_id: &str,
    ) -> Result<SessionContainer> {
        create_sign_in_session(
            options.supertokens,
            options.request,
            tenant_id,
            recipe_user_id,
            RECIPE_ID,
        )
        .await
    }

    /// The factors of `candidates` the tenant accepts as first factors (its configured list
    /// in the core, or all when it sets none). None accepted is a 401, as in node (a session
    /// would be needed to use them as secondary factors, which this SDK does not offer); an
    /// unknown tenant is an error (500).
    pub async fn valid_first_factors(
        options: &ApiOptions<'_>,
        tenant_id: &str,
        candidates: Vec<&'static str>,
    ) -> Result<Vec<&'static str>> {
        check_first_factors(options.supertokens, tenant_id, &candidates)
            .await?
            .into_result(tenant_id)
    }

    /// The recipe's factors for this kind of contact (`otp-email`/`link-email` or
    /// `otp-phone`/`link-phone`, as the flow type enables them).
    pub fn factors_for(options: &ApiOptions<'_>, contact: &Contact) -> Vec<&'static str> {
        let config = options.recipe.config();
        let wanted: [&str; 2] = match contact {
            Contact::Email(_) => [factor_ids::OTP_EMAIL, factor_ids::LINK_EMAIL],
            Contact::PhoneNumber(_) => [factor_ids::OTP_PHONE, factor_ids::LINK_PHONE],
        };
        enabled_factors(config.contact_method, config.flow_type)
            .into_iter()
            .filter(|factor| wanted.contains(factor))
            .collect()
    }

    /// Counts the send against the contact's budget, creates the device and its first code,
    /// and sends it. A failed delivery revokes the code (and so the device) and frees the
    /// budget slot: nothing is left half made.
    pub async fn create_code_post(
        contact: &Contact,
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<CreateCodePostResponse> {
        let recipe = options.recipe;
        let factors =
            valid_first_factors(options, tenant_id, factors_for(options, contact)).await?;
        let flow_type = FlowType::from_factors(&factors);
        let slot = match recipe.acquire_send(contact).await? {
            SendPermit::Granted(slot) => slot,
            SendPermit::Denied { retry_after } => {
                return Ok(CreateCodePostResponse::GeneralError {
                    message: budget_message(retry_after),
                });
            }
        };
        let code = match options
            .functions()
            .create_code(contact, None, tenant_id)
            .await
        {
            Ok(code) => code,
            Err(error) => {
                recipe.release_send(slot.as_ref()).await;
                return Err(error);
            }
        };
        if let Err(failure) = recipe.send_code(contact, &code, flow_type, tenant_id).await {
            recipe
                .undo_send(&failure, &code, slot.as_ref(), tenant_id)
                .await;
            return Ok(CreateCodePostResponse::GeneralError {
                message: DELIVERY_FAILED.into(),
            });
        }
        Ok(CreateCodePostResponse::Ok {
            device_id: code.device_id,
            pre_auth_session_id: code.pre_auth_session_id,
            flow_type,
        })
    }

    /// Sends another code for the device, after the resend cooldown and within the
    /// contact's budget. `preAuthSessionId` is accepted but, as in node, not checked.
    pub async fn resend_code_post(
        device_id: &str,
        _pre_auth_session_id: &str,
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<ResendCodePostResponse> {
        let recipe = options.recipe;
        let config = recipe.config();
        let Some(device) = options
            .functions()
            .list_codes_by_device_id(device_id, tenant_id)
            .await?
        else {
            return Ok(ResendCodePostResponse::RestartFlowError);
        };
        let contact = match Contact::of_device(&device) {
            Some(contact @ Contact::Email(_)) if config.contact_method.allows_email() => contact,
            Some(contact @ Contact::PhoneNumber(_)) if config.contact_method.allows_phone() => {
                contact
            }
            // The contact method changed since the device was made.
            _ => return Ok(ResendCodePostResponse::RestartFlowError),
        };
        let factors =
            valid_first_factors(options, tenant_id, factors_for(options, &contact)).await?;
        let flow_type = FlowType::from_factors(&factors);
        if let Some(cooldown) = config.resend_cooldown
            && let Some(newest) = device.codes.iter().map(|code| code.time_created).max()
        {
            let elapsed = config.clock.now_ms().saturating_sub(newest).max(0);
            let cooldown_ms = i64::try_from(cooldown.as_millis()).unwrap_or(i64::MAX);
            if elapsed < cooldown_ms {
                let remaining = u64::try_from(cooldown_ms - elapsed).unwrap_or(0);
                return Ok(ResendCodePostResponse::GeneralError {
                    message: cooldown_message(Duration::from_millis(remaining)),
                });
            }
        }
        let slot = match recipe.acquire_send(&contact).await? {
            SendPermit::Granted(slot) => slot,
            SendPermit::Denied { retry_after } => {
                return Ok(ResendCodePostResponse::GeneralError {
                    message: budget_message(retry_after),
                });
            }
        };
        let mut attempts = 0;
        let code = loop {
            attempts += 1;
            let created = options
                .functions()
                .create_new_code_for_device(device_id, None, tenant_id)
                .await;
            match created {
                Ok(CreateNewCodeForDeviceResult::Ok(code)) => break code,
                Ok(CreateNewCodeForDeviceResult::UserInputCodeAlreadyUsedError)
                    if attempts < RESEND_ATTEMPTS => {}
                Ok(CreateNewCodeForDeviceResult::UserInputCodeAlreadyUsedError) => {
                    recipe.release_send(slot.as_ref()).await;
                    return Ok(ResendCodePostResponse::GeneralError {
                        message: CODE_GENERATION_FAILED.into(),
                    });
                }
                Ok(CreateNewCodeForDeviceResult::RestartFlowError) => {
                    recipe.release_send(slot.as_ref()).await;
                    return Ok(ResendCodePostResponse::RestartFlowError);
                }
                Err(error) => {
                    recipe.release_send(slot.as_ref()).await;
                    return Err(error);
                }
            }
        };
        if let Err(failure) = recipe
            .send_code(&contact, &code, flow_type, tenant_id)
            .await
        {
            recipe
                .undo_send(&failure, &code, slot.as_ref(), tenant_id)
                .await;
            return Ok(ResendCodePostResponse::GeneralError {
                message: DELIVERY_FAILED.into(),
            });
        }
        Ok(ResendCodePostResponse::Ok)
    }

    /// Looks the device up (no device → `RESTART_FLOW_ERROR` without consuming), checks that
    /// the tenant accepts the factor, consumes the code and starts a session.
    pub async fn consume_code_post(
        input: &ConsumeCodeInput,
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<ConsumeCodePostResponse> {
        let Some(device) = options
            .functions()
            .list_codes_by_pre_auth_session_id(input.pre_auth_session_id(), tenant_id)
            .await?
        else {
            return Ok(ConsumeCodePostResponse::RestartFlowError);
        };
        let factor = match (device.phone_number.is_some(), input.is_user_input_code()) {
            (false, true) => factor_ids::OTP_EMAIL,
            (false, false) => factor_ids::LINK_EMAIL,
            (true, true) => factor_ids::OTP_PHONE,
            (true, false) => factor_ids::LINK_PHONE,
        };
        valid_first_factors(options, tenant_id, vec![factor]).await?;
        Ok(
            match options.functions().consume_code(input, tenant_id).await? {
                ConsumeCodeResult::Ok {
                    created_new_recipe_user,
                    user,
                    recipe_user_id,
                    ..
                } => {
                    let session = create_session(options, tenant_id, &recipe_user_id).await?;
                    ConsumeCodePostResponse::Ok {
                        created_new_recipe_user,
                        user,
                        recipe_user_id,
                        session,
                    }
                }
                ConsumeCodeResult::IncorrectUserInputCodeError {
                    failed_code_input_attempt_count,
                    maximum_code_input_attempts,
                } => ConsumeCodePostResponse::IncorrectUserInputCodeError {
                    failed_code_input_attempt_count,
                    maximum_code_input_attempts,
                },
                ConsumeCodeResult::ExpiredUserInputCodeError {
                    failed_code_input_attempt_count,
                    maximum_code_input_attempts,
                } => ConsumeCodePostResponse::ExpiredUserInputCodeError {
                    failed_code_input_attempt_count,
                    maximum_code_input_attempts,
                },
                ConsumeCodeResult::RestartFlowError => ConsumeCodePostResponse::RestartFlowError,
            },
        )
    }

    /// Whether a passwordless user has this email in the tenant.
    pub async fn email_exists_get(
        email: &str,
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<ExistsGetResponse> {
        let user = options
            .functions()
            .get_user_by_email(email, tenant_id)
            .await?;
        Ok(ExistsGetResponse::Ok {
            exists: user.is_some(),
        })
    }

    /// Whether a passwordless user has this phone number in the tenant (compared in E.164).
    pub async fn phone_number_exists_get(
        phone_number: &str,
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<ExistsGetResponse> {
        let user = options
            .functions()
            .get_user_by_phone_number(phone_number, tenant_id)
            .await?;
        Ok(ExistsGetResponse::Ok {
            exists: user.is_some(),
        })
    }

    /// The tenant's login methods (see [`supertokens::multitenancy`]).
    pub async fn login_methods_get(
        tenant_id: &str,
        client_type: Option<&str>,
        options: &ApiOptions<'_>,
    ) -> Result<LoginMethodsGetResponse> {
        Ok(LoginMethodsGetResponse::Ok(
            login_methods(options.supertokens, tenant_id, client_type).await?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_scrubbed_from_errors() {
        let device_id = "abc+/def=";
        let error = SuperTokensError::Core {
            status: 500,
            path: "/public/recipe/signinup/codes?deviceId=abc%2B%2Fdef%3D".into(),
            message: "boom abc+/def=".into(),
        };
        let text = redact(error, device_id).to_string();
        assert!(!text.contains("abc"), "{text}");
        let unreachable = redact(
            SuperTokensError::CoreUnreachable("http://x/codes?deviceId=abc%2B%2Fdef%3D".into()),
            device_id,
        );
        assert!(!unreachable.to_string().contains("abc"));
    }

    #[test]
    fn core_400s_on_consume_are_bad_input() {
        let error = client_mistake(SuperTokensError::Core {
            status: 400,
            path: "/public/recipe/signinup/code/consume".into(),
            message: "preAuthSessionId and deviceId doesn't match".into(),
        });
        assert!(matches!(error, SuperTokensError::BadInput(message) if message.contains("match")));
    }
}
