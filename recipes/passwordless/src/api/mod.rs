//! The FDI routes: each reads its input as node does (400 `{"message"}` for malformed input,
//! `GENERAL_ERROR` for an invalid email or phone number), calls the (possibly overridden)
//! API, and writes the outcome.

mod consume_code;
mod create_code;
mod exists;
mod login_methods;
mod resend_code;
pub mod user_shape;

use http::StatusCode;
use serde_json::{Map, Value, json};
use supertokens::{ApiContext, Result, SdkResponse, SuperTokensError};

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

/// `{"status":"GENERAL_ERROR","message":…}`.
pub(crate) fn general_error(message: &str) -> SdkResponse {
    ok_json(&json!({ "status": "GENERAL_ERROR", "message": message }))
}

/// A 200 JSON response.
pub(crate) fn ok_json<T: serde::Serialize + ?Sized>(body: &T) -> SdkResponse {
    SdkResponse::json(StatusCode::OK, body)
}

/// Node loads the session in create/resend/consume when the frontend may want to link the
/// new login to it: `shouldTryLinkingWithSessionUser` true (FDI ≥ 3.1) requires a session
/// (401 without one), and FDIs before 3.1 load it optionally (an expired token answers 401
/// try-refresh). Linking itself needs account linking, which this SDK does not implement:
/// with a session and `shouldTryLinkingWithSessionUser: true` node fails, and so does this
/// (500).
async fn load_session_if_needed(options: &ApiOptions<'_>, body: &Map<String, Value>) -> Result<()> {
    use supertokens_session::{SessionRecipe, VerifySessionOptions};
    let should_try_linking = if user_shape::fdi_at_least(options.request, "3.1") {
        Some(body.get("shouldTryLinkingWithSessionUser") == Some(&Value::Bool(true)))
    } else {
        None
    };
    if should_try_linking == Some(false) {
        return Ok(());
    }
    let sessions = options
        .supertokens
        .recipe::<SessionRecipe>()
        .ok_or_else(|| {
            SuperTokensError::Config(
                "the passwordless recipe needs the session recipe in recipe_list".into(),
            )
        })?;
    let verify = VerifySessionOptions {
        session_required: should_try_linking == Some(true),
        // As node: claim validators do not apply to this lookup.
        override_global_claim_validators: Some(std::sync::Arc::new(|_, _| Vec::new())),
        ..VerifySessionOptions::default()
    };
    let session = sessions.get_session(options.request, &verify).await?;
    if session.is_some() && should_try_linking == Some(true) {
        return Err(SuperTokensError::Internal(
            "shouldTryLinkingWithSessionUser needs account linking, which is not available".into(),
        ));
    }
    Ok(())
}
