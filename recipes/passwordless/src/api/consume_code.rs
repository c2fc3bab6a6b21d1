//! `POST /<tenant>/signinup/code/consume`.

use serde_json::{Value, json};
use supertokens::fdi::{general_error, ok_json};
use supertokens::{Result, SdkResponse, SuperTokensError};

use super::user_shape::user_info;
use super::{check_device_id, load_session_if_needed, string_field};
use crate::interface::{ApiOptions, ConsumeCodeInput, ConsumeCodePostResponse};

const ONE_OF: &str = "Please provide one of (linkCode) or (deviceId+userInputCode) and not both";

pub(super) async fn handle(options: &ApiOptions<'_>, tenant_id: &str) -> Result<SdkResponse> {
    let body = options.request.json_object()?;
    let Some(pre_auth_session_id) = string_field(&body, "preAuthSessionId")? else {
        return Err(SuperTokensError::BadInput(
            "Please provide preAuthSessionId".into(),
        ));
    };
    let link_code = string_field(&body, "linkCode")?;
    let device_id = string_field(&body, "deviceId")?;
    let user_input_code = string_field(&body, "userInputCode")?;
    let input = if device_id.is_some() || user_input_code.is_some() {
        if link_code.is_some() {
            return Err(SuperTokensError::BadInput(ONE_OF.into()));
        }
        let (Some(device_id), Some(user_input_code)) = (device_id, user_input_code) else {
            return Err(SuperTokensError::BadInput(
                "Please provide both deviceId and userInputCode".into(),
            ));
        };
        check_device_id(device_id)?;
        ConsumeCodeInput::UserInputCode {
            pre_auth_session_id: pre_auth_session_id.to_owned(),
            device_id: device_id.to_owned(),
            user_input_code: user_input_code.to_owned(),
        }
    } else if let Some(link_code) = link_code {
        ConsumeCodeInput::LinkCode {
            pre_auth_session_id: pre_auth_session_id.to_owned(),
            link_code: link_code.to_owned(),
        }
    } else {
        return Err(SuperTokensError::BadInput(ONE_OF.into()));
    };
    load_session_if_needed(options, &body).await?;
    let outcome = options
        .recipe
        .apis()
        .consume_code_post(&input, tenant_id, options)
        .await?;
    Ok(match outcome {
        ConsumeCodePostResponse::Ok {
            created_new_recipe_user,
            user,
            recipe_user_id,
            session,
        } => {
            let mut answer = json!({ "status": "OK" });
            if let (Value::Object(answer), Value::Object(info)) = (
                &mut answer,
                user_info(
                    options.request,
                    &user,
                    &recipe_user_id,
                    created_new_recipe_user,
                ),
            ) {
                answer.extend(info);
            }
            let mut response = ok_json(&answer);
            response.apply(&session.response_headers());
            response
        }
        ConsumeCodePostResponse::IncorrectUserInputCodeError {
            failed_code_input_attempt_count,
            maximum_code_input_attempts,
        } => ok_json(&json!({
            "status": "INCORRECT_USER_INPUT_CODE_ERROR",
            "failedCodeInputAttemptCount": failed_code_input_attempt_count,
            "maximumCodeInputAttempts": maximum_code_input_attempts,
        })),
        ConsumeCodePostResponse::ExpiredUserInputCodeError {
            failed_code_input_attempt_count,
            maximum_code_input_attempts,
        } => ok_json(&json!({
            "status": "EXPIRED_USER_INPUT_CODE_ERROR",
            "failedCodeInputAttemptCount": failed_code_input_attempt_count,
            "maximumCodeInputAttempts": maximum_code_input_attempts,
        })),
        ConsumeCodePostResponse::RestartFlowError => {
            ok_json(&json!({ "status": "RESTART_FLOW_ERROR" }))
        }
        ConsumeCodePostResponse::SignInUpNotAllowed { reason } => {
            ok_json(&json!({ "status": "SIGN_IN_UP_NOT_ALLOWED", "reason": reason }))
        }
        ConsumeCodePostResponse::GeneralError { message } => general_error(&message),
    })
}
