//! The logic of the app's own routes, shared by both examples (each wires it into its
//! framework: routing, extractors, error answers).
//!
//! | route | session check | answer |
//! |---|---|---|
//! | `GET /sessioninfo` | `verify_session(VerifySessionOptions::default())`: the global validators, so `st-ev` in `REQUIRED` mode | [`session_info`] |
//! | `GET /admin` | [`admin_only`]: the global validators + `st-role` includes `admin` | [`admin_info`] |
//! | `POST /refresh-claims` | default | [`refresh_role_claims`]: the session's roles and permissions fetched again |
//! | `GET /metadata`, `PUT /metadata` | default | [`get_metadata`], [`update_metadata`] |
//!
//! Roles are given outside the app (the core's CDI, `supertokens_userroles::add_role_to_user`
//! from an admin tool, the dashboard): a session learns about a new role when its claim is
//! fetched again (`POST /refresh-claims`) or after the claim's max age (5 minutes).

use serde_json::{Value, json};
use supertokens::{SuperTokens, SuperTokensError};
use supertokens_session::{SessionContainer, VerifySessionOptions};
use supertokens_usermetadata::JsonObject;
use supertokens_userroles::{PermissionClaim, UserRoleClaim};

/// The role `GET /admin` requires.
pub const ADMIN_ROLE: &str = "admin";

/// The largest metadata update `PUT /metadata` accepts, in bytes.
pub const MAX_METADATA_UPDATE_BYTES: usize = 16 * 1024;

/// `GET /sessioninfo`: who is signed in.
pub fn session_info(session: &SessionContainer) -> Value {
    json!({
        "userId": session.user_id(),
        "sessionHandle": session.session_handle(),
        "accessTokenPayload": session.access_token_payload(),
    })
}

/// The session check of `GET /admin`: the global validators (the verified email in
/// `REQUIRED` mode) and the `admin` role in the session's `st-role` claim. Others get 403
/// `{"message":"invalid claim","claimValidationErrors":[{"id":"st-role",…}]}`.
pub fn admin_only() -> VerifySessionOptions {
    VerifySessionOptions::default().with_extra_claim_validator(UserRoleClaim::includes(ADMIN_ROLE))
}

/// `GET /admin`: the admin, with the roles and permissions the session carries.
pub fn admin_info(session: &SessionContainer) -> Value {
    let payload = session.access_token_payload();
    json!({
        "userId": session.user_id(),
        "roles": UserRoleClaim::get_value(&payload).unwrap_or_default(),
        "permissions": PermissionClaim::get_value(&payload).unwrap_or_default(),
    })
}

/// `POST /refresh-claims`: fetches the session's roles and permissions again (after they
/// changed) and puts them in its access token, which goes out with the answer;
/// `{"roles": […], "permissions": […]}`.
pub async fn refresh_role_claims(session: &SessionContainer) -> supertokens::Result<Value> {
    session.fetch_and_set_claim(&UserRoleClaim).await?;
    session.fetch_and_set_claim(&PermissionClaim).await?;
    let payload = session.access_token_payload();
    Ok(json!({
        "roles": UserRoleClaim::get_value(&payload).unwrap_or_default(),
        "permissions": PermissionClaim::get_value(&payload).unwrap_or_default(),
    }))
}

/// `GET /metadata`: the signed-in user's metadata, `{"metadata": {…}}`.
pub async fn get_metadata(
    supertokens: &SuperTokens,
    session: &SessionContainer,
) -> supertokens::Result<Value> {
    let metadata =
        supertokens_usermetadata::get_user_metadata(supertokens, session.user_id()).await?;
    Ok(json!({ "metadata": metadata }))
}

/// `PUT /metadata`: merges the body (a JSON object; top-level keys replace the stored ones,
/// `null` removes one) into the signed-in user's metadata; `{"metadata": <merged>}`. A body
/// that is not a JSON object, or is too large, is a bad input (400).
pub async fn update_metadata(
    supertokens: &SuperTokens,
    session: &SessionContainer,
    body: &[u8],
) -> supertokens::Result<Value> {
    let update = metadata_update(body)?;
    let metadata =
        supertokens_usermetadata::update_user_metadata(supertokens, session.user_id(), update)
            .await?;
    Ok(json!({ "metadata": metadata }))
}

/// The update a `PUT /metadata` body asks for.
fn metadata_update(body: &[u8]) -> supertokens::Result<JsonObject> {
    if body.len() > MAX_METADATA_UPDATE_BYTES {
        return Err(SuperTokensError::BadInput(format!(
            "the metadata update is {} bytes: send at most {MAX_METADATA_UPDATE_BYTES}",
            body.len()
        )));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(update)) => Ok(update),
        Ok(_) | Err(_) => Err(SuperTokensError::BadInput(
            "the body must be a JSON object of the keys to set, e.g. {\"theme\":\"dark\"} \
             (null removes a key)"
                .into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_updates_are_json_objects_of_bounded_size() {
        assert_eq!(
            metadata_update(br#"{"theme":"dark","old":null}"#).unwrap(),
            json!({"theme": "dark", "old": null})
                .as_object()
                .cloned()
                .unwrap()
        );
        for bad in [&b"[1]"[..], b"", b"{", b"\"x\""] {
            let error = metadata_update(bad).unwrap_err();
            assert!(
                matches!(&error, SuperTokensError::BadInput(message) if message.contains("JSON object")),
                "{error}"
            );
        }
        let large = format!(r#"{{"k":"{}"}}"#, "x".repeat(MAX_METADATA_UPDATE_BYTES));
        let error = metadata_update(large.as_bytes()).unwrap_err();
        assert!(
            matches!(&error, SuperTokensError::BadInput(message) if message.contains("at most 16384")),
            "{error}"
        );
    }

    #[test]
    fn the_admin_route_requires_the_admin_role() {
        let options = admin_only();
        let ids: Vec<&str> = options
            .extra_claim_validators
            .iter()
            .map(|validator| validator.id())
            .collect();
        assert_eq!(ids, ["st-role"]);
        assert!(options.override_global_claim_validators.is_none());
    }
}
