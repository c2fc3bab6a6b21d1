//! `POST /<tenant>/signup`.

use serde_json::json;
use supertokens::fdi::{general_error, ok_json, user_json};
use supertokens::{Result, SdkResponse};

use super::{Form, field_error, load_session_if_needed, read_form};
use crate::config::FORM_FIELD_EMAIL_ID;
use crate::form_fields::FieldError;
use crate::interface::{ApiOptions, SignUpPostResponse};
use crate::validators::EMAIL_ALREADY_EXISTS;

pub(super) async fn handle(options: &ApiOptions<'_>, tenant_id: &str) -> Result<SdkResponse> {
    let body = options.request.json_object()?;
    let fields = match read_form(&body, &options.recipe.forms().sign_up, tenant_id).await? {
        Form::Valid(fields) => fields,
        Form::Refused(response) => return Ok(response),
    };
    load_session_if_needed(options, &body).await?;
    let outcome = options
        .recipe
        .apis()
        .sign_up_post(&fields, tenant_id, options)
        .await?;
    Ok(match outcome {
        SignUpPostResponse::Ok { user, session } => {
            let recipe_user_id = user
                .login_methods
                .iter()
                .find(|method| method.recipe_id == crate::RECIPE_ID)
                .map_or(user.id.as_str(), |method| method.recipe_user_id.as_str());
            let mut response = ok_json(&json!({
                "status": "OK",
                "user": user_json(options.request, &user, recipe_user_id),
            }));
            response.apply(&session.response_headers());
            response
        }
        SignUpPostResponse::EmailAlreadyExistsError => {
            field_error(&[FieldError::new(FORM_FIELD_EMAIL_ID, EMAIL_ALREADY_EXISTS)])
        }
        SignUpPostResponse::SignUpNotAllowed { reason } => {
            ok_json(&json!({ "status": "SIGN_UP_NOT_ALLOWED", "reason": reason }))
        }
        SignUpPostResponse::GeneralError { message } => general_error(&message),
    })
}
