//! `POST <apiBasePath>/signout`.

use http::StatusCode;
use serde_json::json;
use supertokens::{Result, SdkResponse, SuperTokensError};

use crate::interface::{ApiOptions, SignOutPostResponse};
use crate::recipe::VerifySessionOptions;

/// Revokes the request's session: 200 `{"status":"OK"}` with the tokens cleared. The session
/// is required (401 without one); claim validators are skipped.
pub(crate) async fn signout(options: &ApiOptions<'_>) -> Result<SdkResponse> {
    let verify = VerifySessionOptions::default()
        .with_session_required(true)
        .without_claim_validators();
    let session = options
        .recipe
        .get_session(options.request, &verify)
        .await?
        .ok_or_else(|| SuperTokensError::Internal("a required session was not returned".into()))?;
    let body = match options
        .recipe
        .apis()
        .signout_post(&session, options)
        .await?
    {
        SignOutPostResponse::Ok => json!({ "status": "OK" }),
        SignOutPostResponse::GeneralError { message } => {
            json!({ "status": "GENERAL_ERROR", "message": message })
        }
    };
    let mut response = SdkResponse::json(StatusCode::OK, &body);
    response.apply(&session.response_headers());
    Ok(response)
}
