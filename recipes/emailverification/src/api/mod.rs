//! The FDI routes: each loads the session as node does (claim validators skipped), reads its
//! input (400 `{"message"}` for malformed input), calls the (possibly overridden) API, and
//! writes the outcome with the session's header changes (a new access token when the
//! `st-ev` claim changed).

use serde_json::{Value, json};
use supertokens::fdi::{general_error, ok_json};
use supertokens::{ApiContext, Result, SdkResponse, SuperTokensError};
use supertokens_session::{SessionContainer, SessionRecipe, VerifySessionOptions};

use crate::interface::{
    ApiOptions, GenerateEmailVerifyTokenPostResponse, IsEmailVerifiedGetResponse,
    VerifyEmailPostResponse,
};
use crate::recipe::{EmailVerificationRecipe, route_ids};

/// Serves one of the recipe's routes.
pub(crate) async fn handle(
    recipe: &EmailVerificationRecipe,
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
        route_ids::GENERATE_EMAIL_VERIFY_TOKEN => generate_token(&options).await,
        route_ids::VERIFY_EMAIL => verify_email(&options, tenant_id).await,
        route_ids::IS_EMAIL_VERIFIED => is_email_verified(&options).await,
        other => Err(SuperTokensError::Internal(format!(
            "the emailverification recipe has no route {other:?}"
        ))),
    }
}

/// The request's session with every claim validator skipped (node's
/// `overrideGlobalClaimValidators: () => []`): these routes are how unverified users get
/// verified.
async fn load_session(
    options: &ApiOptions<'_>,
    session_required: bool,
) -> Result<Option<SessionContainer>> {
    let sessions = SessionRecipe::required_by(options.supertokens, crate::RECIPE_ID)?;
    let verify = VerifySessionOptions::default()
        .with_session_required(session_required)
        .without_claim_validators();
    sessions.get_session(options.request, &verify).await
}

async fn required_session(options: &ApiOptions<'_>) -> Result<SessionContainer> {
    load_session(options, true)
        .await?
        .ok_or_else(|| SuperTokensError::Internal("a required session was not returned".into()))
}

fn with_session(mut response: SdkResponse, session: Option<&SessionContainer>) -> SdkResponse {
    if let Some(session) = session {
        response.apply(&session.response_headers());
    }
    response
}

/// `POST /<tenant>/user/email/verify/token` (session required).
async fn generate_token(options: &ApiOptions<'_>) -> Result<SdkResponse> {
    let session = required_session(options).await?;
    let outcome = options
        .recipe
        .apis()
        .generate_email_verify_token_post(&session, options)
        .await?;
    let response = match outcome {
        GenerateEmailVerifyTokenPostResponse::GeneralError { message } => general_error(&message),
        other => ok_json(&other),
    };
    Ok(with_session(response, Some(&session)))
}

/// `POST /<tenant>/user/email/verify` `{"method":"token","token":…}` (session optional).
/// Like node, `method` is not checked (the core only knows `token`).
async fn verify_email(options: &ApiOptions<'_>, tenant_id: &str) -> Result<SdkResponse> {
    let body = options.request.json_object()?;
    let token = match body.get("token") {
        None | Some(Value::Null) => {
            return Err(SuperTokensError::BadInput(
                "Please provide the email verification token".into(),
            ));
        }
        Some(Value::String(token)) => token.as_str(),
        Some(_) => {
            return Err(SuperTokensError::BadInput(
                "The email verification token must be a string".into(),
            ));
        }
    };
    let session = load_session(options, false).await?;
    let outcome = options
        .recipe
        .apis()
        .verify_email_post(token, tenant_id, session.as_ref(), options)
        .await?;
    let response = match outcome {
        VerifyEmailPostResponse::Ok { .. } => ok_json(&json!({ "status": "OK" })),
        VerifyEmailPostResponse::EmailVerificationInvalidTokenError => {
            ok_json(&json!({ "status": "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR" }))
        }
        VerifyEmailPostResponse::GeneralError { message } => general_error(&message),
    };
    Ok(with_session(response, session.as_ref()))
}

/// `GET /user/email/verify` (session required).
async fn is_email_verified(options: &ApiOptions<'_>) -> Result<SdkResponse> {
    let session = required_session(options).await?;
    let outcome = options
        .recipe
        .apis()
        .is_email_verified_get(&session, options)
        .await?;
    let response = match outcome {
        IsEmailVerifiedGetResponse::GeneralError { message } => general_error(&message),
        other => ok_json(&other),
    };
    Ok(with_session(response, Some(&session)))
}
