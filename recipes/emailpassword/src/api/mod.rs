//! The FDI routes: each reads its input as node does (400 `{"message"}` for malformed input,
//! `FIELD_ERROR` for validation failures), calls the (possibly overridden) API, and writes
//! the outcome.

mod email_exists;
mod login_methods;
mod password_reset;
mod sign_in;
mod sign_up;

use serde_json::{Map, Value, json};
use supertokens::fdi::ok_json;
use supertokens::{ApiContext, Result, SdkResponse, SuperTokensError};
use supertokens_session::load_session_for_linking;

use crate::config::NormalisedFormField;
use crate::form_fields::{FieldError, FormFieldValue, FormFieldsError, validate_form_fields};
use crate::interface::ApiOptions;
use crate::recipe::{EmailPasswordRecipe, route_ids};

/// Serves one of the recipe's routes.
pub(crate) async fn handle(
    recipe: &EmailPasswordRecipe,
    api_id: &str,
    context: &ApiContext<'_>,
) -> Result<SdkResponse> {
    let options = ApiOptions {
        supertokens: context.supertokens,
        request: context.request,
        recipe,
    };
    let tenant_id = context.tenant_id.as_str();
    match api_id {
        route_ids::SIGN_UP => sign_up::handle(&options, tenant_id).await,
        route_ids::SIGN_IN => sign_in::handle(&options, tenant_id).await,
        route_ids::EMAIL_EXISTS | route_ids::EMAIL_EXISTS_OLD => {
            email_exists::handle(&options, tenant_id).await
        }
        route_ids::GENERATE_PASSWORD_RESET_TOKEN => {
            password_reset::generate_token(&options, tenant_id).await
        }
        route_ids::PASSWORD_RESET => password_reset::reset(&options, tenant_id).await,
        route_ids::LOGIN_METHODS => login_methods::handle(&options, tenant_id).await,
        other => Err(SuperTokensError::Internal(format!(
            "the emailpassword recipe has no route {other:?}"
        ))),
    }
}

/// `formFields` read and validated, or the response to send instead.
enum Form {
    Valid(Vec<FormFieldValue>),
    Refused(SdkResponse),
}

/// Reads `formFields` from the body and validates it against `form`.
async fn read_form(
    body: &Map<String, Value>,
    form: &[NormalisedFormField],
    tenant_id: &str,
) -> Result<Form> {
    match validate_form_fields(form, body.get("formFields"), tenant_id).await {
        Ok(fields) => Ok(Form::Valid(fields)),
        Err(FormFieldsError::BadInput(message)) => Err(SuperTokensError::BadInput(message)),
        Err(FormFieldsError::Fields(errors)) => Ok(Form::Refused(field_error(&errors))),
    }
}

/// `{"status":"FIELD_ERROR","formFields":[{"id","error"}…]}`.
pub(crate) fn field_error(errors: &[FieldError]) -> SdkResponse {
    ok_json(&json!({ "status": "FIELD_ERROR", "formFields": errors }))
}

/// Node's lookup of the current session before sign-in and sign-up, for account linking (see
/// [`load_session_for_linking`]).
async fn load_session_if_needed(options: &ApiOptions<'_>, body: &Map<String, Value>) -> Result<()> {
    load_session_for_linking(options.supertokens, options.request, body, crate::RECIPE_ID).await
}
