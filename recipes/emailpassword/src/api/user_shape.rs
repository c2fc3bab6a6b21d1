//! The user object of sign-in/up answers, shaped by the request's `fdi-version` as node's
//! `getBackwardsCompatibleUserInfo` does: FDI 1.18–1.x and ≥ 3.0 (and a missing header) get
//! the full user; older FDIs get the legacy `{id, timeJoined, email?, phoneNumber?,
//! thirdParty?}`.

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

/// The user as the request's FDI expects it. `recipe_user_id` picks the login method of the
/// legacy shape (the oldest one when it is not found).
pub fn user_json(request: &SdkRequest, user: &AuthRecipeUser, recipe_user_id: &str) -> Value {
    if wants_full_user(request) {
        return serde_json::to_value(user).unwrap_or(Value::Null);
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
        if let Some(third_party) = &method.third_party {
            legacy.insert("thirdParty".into(), json!(third_party));
        }
        if let Some(email) = &method.email {
            legacy.insert("email".into(), json!(email));
        }
        if let Some(phone) = &method.phone_number {
            legacy.insert("phoneNumber".into(), json!(phone));
        }
    }
    Value::Object(legacy)
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
        SdkRequest::new(Method::POST, "/auth/signin", headers)
    }

    fn user() -> AuthRecipeUser {
        AuthRecipeUser {
            id: "u1".into(),
            is_primary_user: false,
            tenant_ids: vec!["public".into()],
            time_joined: 10,
            emails: vec!["a@b.co".into()],
            phone_numbers: vec![],
            third_party: vec![],
            webauthn: WebauthnCredentials::default(),
            login_methods: vec![LoginMethod {
                recipe_id: "emailpassword".into(),
                recipe_user_id: "u1".into(),
                tenant_ids: vec!["public".into()],
                verified: false,
                time_joined: 10,
                email: Some("a@b.co".into()),
                phone_number: None,
                third_party: None,
            }],
        }
    }

    #[test]
    fn versions_pick_the_shape() {
        for (header, full) in [
            (None, true),
            (Some("3.1,4.0,4.1,4.2"), true),
            (Some("1.16,1.17,1.18,1.19,2.0,3.0,3.1,4.0,4.1"), true),
            (Some("3.0"), true),
            (Some("2.0"), false),
            (Some("1.17"), false),
            (Some("1.18"), true),
            (Some("1.19, 2.0"), false),
            (Some("garbage"), true),
        ] {
            assert_eq!(wants_full_user(&request(header)), full, "{header:?}");
        }
        assert!(fdi_at_least(&request(Some("3.0,3.1")), "3.1"));
        assert!(!fdi_at_least(&request(Some("3.0")), "3.1"));
        assert!(fdi_at_least(&request(None), "3.1"));
        assert!(fdi_at_least(&request(Some("4.10")), "4.2"));
    }

    #[test]
    fn full_and_legacy_shapes() {
        let full = user_json(&request(Some("4.2")), &user(), "u1");
        assert_eq!(full["loginMethods"][0]["recipeUserId"], "u1");
        assert_eq!(full["isPrimaryUser"], false);
        assert_eq!(full["webauthn"], json!({"credentialIds": []}));
        let legacy = user_json(&request(Some("1.17")), &user(), "u1");
        assert_eq!(
            legacy,
            json!({"id": "u1", "timeJoined": 10, "email": "a@b.co"})
        );
    }
}
