//! The FDI routes: each reads its input as node does (400 `{"message"}` for malformed input,
//! `GENERAL_ERROR` for an invalid email or phone number), calls the (possibly overridden)
//! API, and writes the outcome.

mod consume_code;
mod create_code;
mod exists;
mod login_methods;
mod resend_code;
pub mod user_shape;

use serde_json::{Map, Value};
use supertokens::{ApiContext, Result, SdkResponse, SuperTokensError};
use supertokens_session::load_session_for_linking;

use crate::interface::ApiOptions;
use crate::recipe::{PasswordlessRecipe, route_ids};

/// Serves one of the recipe's routes.
pub(crate) async fn handle(
    recipe: &PasswordlessRecipe,
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
        route_ids::CREATE_CODE => create_code::handle(&options, tenant_id).await,
        route_ids::RESEND_CODE => resend_code::handle(&options, tenant_id).await,
        route_ids::CONSUME_CODE => consume_code::handle(&options, tenant_id).await,
        route_ids::EMAIL_EXISTS => exists::email(&options, tenant_id).await,
        route_ids::PHONE_NUMBER_EXISTS => exists::phone_number(&options, tenant_id).await,
        route_ids::LOGIN_METHODS => login_methods::handle(&options, tenant_id).await,
        other => Err(SuperTokensError::Internal(format!(
            "the passwordless recipe has no route {other:?}"
        ))),
    }
}

/// A body field as node reads it (`body.x !== undefined`; JSON `null` counts as absent here).
fn field<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    body.get(name).filter(|value| !value.is_null())
}

/// A body field that must be a string when present.
fn string_field<'a>(body: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>> {
    match field(body, name) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(SuperTokensError::BadInput(format!(
            "{name} must be a string"
        ))),
    }
}

/// Node's lookup of the current session before create/resend/consume, for account linking (see
/// [`load_session_for_linking`]).
async fn load_session_if_needed(options: &ApiOptions<'_>, body: &Map<String, Value>) -> Result<()> {
    load_session_for_linking(options.supertokens, options.request, body, crate::RECIPE_ID).await
}
