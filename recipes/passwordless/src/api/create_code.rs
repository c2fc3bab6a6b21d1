//! `POST /<tenant>/signinup/code`.

use supertokens::fdi::{general_error, ok_json};
use supertokens::{Result, SdkResponse, SuperTokensError};

use super::{load_session_if_needed, string_field};
use crate::config::ContactMethod;
use crate::interface::{ApiOptions, Contact};
use crate::validators::{js_trim, normalise_phone_number};

pub(super) async fn handle(options: &ApiOptions<'_>, tenant_id: &str) -> Result<SdkResponse> {
    let body = options.request.json_object()?;
    let email = string_field(&body, "email");
    let phone_number = string_field(&body, "phoneNumber");
    let present = |field: &Result<Option<&str>>| !matches!(field, Ok(None));
    if present(&email) == present(&phone_number) {
        return Err(SuperTokensError::BadInput(
            "Please provide exactly one of email or phoneNumber".into(),
        ));
    }
    let config = options.recipe.config();
    if !present(&email) && config.contact_method == ContactMethod::Email {
        return Err(SuperTokensError::BadInput(
            "Please provide an email since you have set the contactMethod to \"EMAIL\"".into(),
        ));
    }
    if !present(&phone_number) && config.contact_method == ContactMethod::Phone {
        return Err(SuperTokensError::BadInput(
            "Please provide a phoneNumber since you have set the contactMethod to \"PHONE\"".into(),
        ));
    }
    let contact = if let Some(email) = email? {
        let email = js_trim(email);
        if let Some(message) = config.validate_email.validate(email, tenant_id).await {
            return Ok(general_error(&message));
        }
        Contact::Email(email.to_owned())
    } else if let Some(phone_number) = phone_number? {
        if let Some(message) = config
            .validate_phone_number
            .validate(phone_number, tenant_id)
            .await
        {
            return Ok(general_error(&message));
        }
        Contact::PhoneNumber(normalise_phone_number(phone_number))
    } else {
        return Err(SuperTokensError::BadInput(
            "Please provide exactly one of email or phoneNumber".into(),
        ));
    };
    load_session_if_needed(options, &body).await?;
    let outcome = options
        .recipe
        .apis()
        .create_code_post(&contact, tenant_id, options)
        .await?;
    Ok(ok_json(&outcome))
}
