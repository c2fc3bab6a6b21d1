//! `POST /<tenant>/signin`.

use serde_json::json;
use supertokens::fdi::{general_error, ok_json, user_json};
use supertokens::{Result, SdkResponse};

use super::{Form, load_session_if_needed, read_form};
use crate::config::FORM_FIELD_EMAIL_ID;
use crate::form_fields::field_str;
use crate::implementation::emailpassword_login_method;
use crate::interface::{ApiOptions, SignInPostResponse};

pub(super) async fn handle(options: &ApiOptions<'_>, tenant_id: &str) -> Result<SdkResponse> {
    let body = options.request.json_object()?;
    let fields = match read_form(&body, &options.recipe.forms().sign_in, tenant_id).await? {
        Form::Valid(fields) => fields,
        Form::Refused(response) => return Ok(response),
    };
    load_session_if_needed(options, &body).await?;
    let outcome = options
        .recipe
        .apis()
        .sign_in_post(&fields, tenant_id, options)
        .await?;
    Ok(match outcome {
        SignInPostResponse::Ok { user, session } => {
            let email = field_str(&fields, FORM_FIELD_EMAIL_ID);
            let recipe_user_id = emailpassword_login_method(&user, email)
                .map_or(user.id.as_str(), |method| method.recipe_user_id.as_str());
            let mut response = ok_json(&json!({
                "status": "OK",
                "user": user_json(options.request, &user, recipe_user_id),
            }));
            response.apply(&session.response_headers());
            response
        }
        SignInPostResponse::WrongCredentialsError => {
            ok_json(&json!({ "status": "WRONG_CREDENTIALS_ERROR" }))
        }
        SignInPostResponse::SignInNotAllowed { reason } => {
            ok_json(&json!({ "status": "SIGN_IN_NOT_ALLOWED", "reason": reason }))
        }
        SignInPostResponse::GeneralError { message } => general_error(&message),
    })
}
