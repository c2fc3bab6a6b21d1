//! The user part of the consume answer, shaped by the request's `fdi-version` as node's
//! `getBackwardsCompatibleUserInfo` does: FDI 1.18–1.x and ≥ 3.0 (and a missing header) get
//! `user` (the full user) and `createdNewRecipeUser`; older FDIs get the legacy
//! `user{id, timeJoined, email?, phoneNumber?}` and `createdNewUser`.

use serde_json::{Map, Value, json};
use supertokens::SdkRequest;
use supertokens::cdi::AuthRecipeUser;

/// A dotted version as numbers, e.g. `3.1` → `[3, 1]`.
type Version = Vec<u64>;

fn parse_version(text: &str) -> Option<Version> {
    text.trim()
        .split('.')
        .map(|part| part.parse::<u64>().ok())
        .collect()
}

/// The highest version in the request's `fdi-version` list; `None` when the header is absent
/// or holds no version (then the latest is assumed).
pub fn request_fdi_version(request: &SdkRequest) -> Option<Version> {
    request
        .header("fdi-version")?
        .split(',')
        .filter_map(parse_version)
        .max()
}

/// Whether the request's FDI is at least `version` (true when unknown: latest assumed).
pub fn fdi_at_least(request: &SdkRequest, version: &str) -> bool {
    match (request_fdi_version(request), parse_version(version)) {
        (Some(requested), Some(wanted)) => requested >= wanted,
        _ => true,
    }
}

/// Whether the request's FDI understands the full user object.
pub fn wants_full_user(request: &SdkRequest) -> bool {
    let Some(version) = request_fdi_version(request) else {
        return true;
    };
    let at_least = |wanted: &[u64]| version.as_slice() >= wanted;
    (at_least(&[1, 18]) && !at_least(&[2, 0])) || at_least(&[3, 0])
}

/// `{"user": …, "createdNewRecipeUser": …}` or, for old FDIs,
/// `{"user": {legacy}, "createdNewUser": …}`. `recipe_user_id` picks the login method of the
/// legacy shape (the oldest one when it is not found).
pub fn user_info(
    request: &SdkRequest,
    user: &AuthRecipeUser,
    recipe_user_id: &str,
    created_new_recipe_user: bool,
) -> Value {
    if wants_full_user(request) {
        return json!({
            "user": serde_json::to_value(user).unwrap_or(Value::Null),
            "createdNewRecipeUser": created_new_recipe_user,
        });
    }
    let method = user
        .login_methods
        .iter()
        .find(|method| method.recipe_user_id == recipe_user_id)
        .or_else(|| user.login_methods.iter().min_by_key(|m| m.time_joined));
    let mut legacy = Map::new();
    legacy.insert("id".into(), json!(user.id));
    legacy.insert(
        "timeJoined".into(),
        json!(method.map_or(user.time_joined, |m| m.time_joined)),
    );
    if let Some(method) = method {
        if let Some(email) = &method.email {
            legacy.insert("email".into(), json!(email));
        }
        if let Some(phone) = &method.phone_number {
            legacy.insert("phoneNumber".into(), json!(phone));
        }
    }
    json!({ "user": legacy, "createdNewUser": created_new_recipe_user })
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue, Method};
    use supertokens::cdi::LoginMethod;
    use supertokens::cdi::user::WebauthnCredentials;

    use super::*;

    fn request(fdi: Option<&'static str>) -> SdkRequest {
        let mut headers = HeaderMap::new();
        if let Some(fdi) = fdi {
            headers.insert("fdi-version", HeaderValue::from_static(fdi));
        }
        SdkRequest::new(Method::POST, "/auth/signinup/code/consume", headers)
    }

    fn user() -> AuthRecipeUser {
        AuthRecipeUser {
            id: "u1".into(),
            is_primary_user: false,
            tenant_ids: vec!["public".into()],
            time_joined: 10,
            emails: vec![],
            phone_numbers: vec!["+16502530000".into()],
            third_party: vec![],
            webauthn: WebauthnCredentials::default(),
            login_methods: vec![LoginMethod {
                recipe_id: "passwordless".into(),
                recipe_user_id: "u1".into(),
                tenant_ids: vec!["public".into()],
                verified: true,
                time_joined: 10,
                email: None,
                phone_number: Some("+16502530000".into()),
                third_party: None,
            }],
        }
    }

    #[test]
    fn new_and_legacy_shapes() {
        let full = user_info(&request(Some("3.1,4.0")), &user(), "u1", true);
        assert_eq!(full["createdNewRecipeUser"], true);
        assert_eq!(full["user"]["loginMethods"][0]["recipeId"], "passwordless");
        assert!(full.get("createdNewUser").is_none());
        let legacy = user_info(&request(Some("1.17")), &user(), "u1", false);
        assert_eq!(
            legacy,
            json!({"user": {"id": "u1", "timeJoined": 10, "phoneNumber": "+16502530000"}, "createdNewUser": false})
        );
        assert!(fdi_at_least(&request(None), "3.1"));
        assert!(!fdi_at_least(&request(Some("3.0")), "3.1"));
    }
}
