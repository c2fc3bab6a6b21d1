//! What the recipes that sign users in (emailpassword, passwordless) need of the session
//! recipe: the session of a new sign-in, and node's lookup of the current session for
//! account linking.

use std::sync::Arc;

use serde_json::{Map, Value};
use supertokens::fdi::fdi_at_least;
use supertokens::{Result, SdkRequest, SuperTokens, SuperTokensError};

use crate::recipe::{SessionRecipe, VerifySessionOptions};
use crate::session_container::SessionContainer;

/// Creates the session of a sign-in/up made through `recipe` (e.g. `passwordless`), with an
/// empty access token payload and session data (see [`SessionRecipe::create_new_session`]);
/// a configuration error naming `recipe` when the session recipe is not in the list.
pub async fn create_sign_in_session(
    supertokens: &SuperTokens,
    request: &SdkRequest,
    tenant_id: &str,
    recipe_user_id: &str,
    recipe: &str,
) -> Result<SessionContainer> {
    SessionRecipe::required_by(supertokens, recipe)?
        .create_new_session(request, tenant_id, recipe_user_id, Map::new(), Map::new())
        .await
}

/// Node loads the session in sign-in/up routes (emailpassword's sign-in and sign-up,
/// passwordless' create/resend/consume code) when the frontend may want to link the new
/// login to it: `shouldTryLinkingWithSessionUser` true in `body` (FDI ≥ 3.1) requires a
/// session (401 without one), and FDIs before 3.1 load it optionally (an expired token
/// answers 401 try-refresh). Linking itself needs account linking, which this SDK does not
/// implement: with a session and `shouldTryLinkingWithSessionUser: true` node fails, and so
/// does this (500). `recipe` names the calling recipe in the configuration error returned
/// when the session recipe is not in the list.
pub async fn load_session_for_linking(
    supertokens: &SuperTokens,
    request: &SdkRequest,
    body: &Map<String, Value>,
    recipe: &str,
) -> Result<()> {
    let should_try_linking = if fdi_at_least(request, "3.1") {
        Some(body.get("shouldTryLinkingWithSessionUser") == Some(&Value::Bool(true)))
    } else {
        None
    };
    if should_try_linking == Some(false) {
        return Ok(());
    }
    let sessions = SessionRecipe::required_by(supertokens, recipe)?;
    let verify = VerifySessionOptions {
        session_required: should_try_linking == Some(true),
        // As node: claim validators do not apply to this lookup.
        override_global_claim_validators: Some(Arc::new(|_, _| Vec::new())),
        ..VerifySessionOptions::default()
    };
    let session = sessions.get_session(request, &verify).await?;
    if session.is_some() && should_try_linking == Some(true) {
        return Err(SuperTokensError::Internal(
            "shouldTryLinkingWithSessionUser needs account linking, which is not available".into(),
        ));
    }
    Ok(())
}
