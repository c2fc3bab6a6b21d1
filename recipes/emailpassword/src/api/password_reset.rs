//! `POST /<tenant>/user/password/reset/token` and `POST /<tenant>/user/password/reset`.

use serde_json::{Value, json};
use supertokens::fdi::{general_error, ok_json};
use supertokens::{Result, SdkResponse, SuperTokensError};

use super::{Form, field_error, read_form};
use crate::config::FORM_FIELD_PASSWORD_ID;
use crate::form_fields::FieldError;
use crate::interface::{ApiOptions, PasswordResetPostResponse};

pub(super) async fn generate_token(
    options: &ApiOptions<'_>,
    tenant_id: &str,
) -> Result<SdkResponse> {
    let body = options.request.json_object()?;
    let form = &options.recipe.forms().generate_password_reset_token;
    let fields = match read_form(&body, form, tenant_id).await? {
        Form::Valid(fields) => fields,
        Form::Refused(response) => return Ok(response),
    };
    let outcome = options
        .recipe
        .apis()
        .generate_password_reset_token_post(&fields, tenant_id, options)
        .await?;
    Ok(ok_json(&outcome))
}

pub(super) async fn reset(options: &ApiOptions<'_>, tenant_id: &str) -> Result<SdkResponse> {
    let body = options.request.json_object()?;
    // The password is checked before the token, so a weak password does not use it up.
    let form = &options.recipe.forms().password_reset;
    let fields = match read_form(&body, form, tenant_id).await? {
        Form::Valid(fields) => fields,
        Form::Refused(response) => return Ok(response),
    };
    let token = match body.get("token") {
        None => {
            return Err(SuperTokensError::BadInput(
                "Please provide the password reset token".into(),
            ));
        }
        Some(Value::String(token)) => token.as_str(),
        Some(_) => {
            return Err(SuperTokensError::BadInput(
                "The password reset token must be a string".into(),
            ));
        }
    };
    let outcome = options
        .recipe
        .apis()
        .password_reset_post(&fields, token, tenant_id, options)
        .await?;
    Ok(match outcome {
        PasswordResetPostResponse::Ok { .. } => ok_json(&json!({ "status": "OK" })),
        PasswordResetPostResponse::ResetPasswordInvalidTokenError => {
            ok_json(&json!({ "status": "RESET_PASSWORD_INVALID_TOKEN_ERROR" }))
        }
        PasswordResetPostResponse::PasswordPolicyViolatedError { failure_reason } => {
            field_error(&[FieldError::new(FORM_FIELD_PASSWORD_ID, failure_reason)])
        }
        PasswordResetPostResponse::GeneralError { message } => general_error(&message),
    })
}
