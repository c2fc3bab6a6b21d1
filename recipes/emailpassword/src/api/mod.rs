//! The FDI routes: each reads its input as node does (400 `{"message"}` for malformed input,
//! `FIELD_ERROR` for validation failures), calls the (possibly overridden) API, and writes
//! the outcome.

mod email_exists;
mod login_methods;
mod password_reset;
mod sign_in;
mod sign_up;
pub mod user_shape;

use http::StatusCode;
use serde_json::{Map, Value, json};
use supertokens::{ApiContext, Result, SdkResponse, SuperTokensError};

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

/// `{"status":"GENERAL_ERROR","message":…}`.
pub(crate) fn general_error(message: &str) -> SdkResponse {
    ok_json(&json!({ "status": "GENERAL_ERROR", "message": message }))
}

/// A 200 JSON response.
pub(crate) fn ok_json<T: serde::Serialize + ?Sized>(body: &T) -> SdkResponse {
    SdkResponse::json(StatusCode::OK, body)
}

/// Node loads the session in sign-in/up when the frontend may want to link the new login to
/// it: `shouldTryLinkingWithSessionUser` true (FDI ≥ 3.1) requires a session (401 without
/// one), and FDIs before 3.1 load it optionally (an expired token answers 401 try-refresh).
/// Linking itself needs account linking, which this SDK does not implement: with a session
/// and `shouldTryLinkingWithSessionUser: true` node fails, and so does this (500).
async fn load_session_if_needed(options: &ApiOptions<'_>, body: &Map<String, Value>) -> Result<()> {
    use crate::session::{SessionRecipe, VerifySessionOptions};
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
                "the emailpassword recipe needs the session recipe in recipe_list".into(),
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
