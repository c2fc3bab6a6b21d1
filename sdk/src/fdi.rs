//! What the recipes' FDI routes share: the request's `fdi-version`, the user object of
//! sign-in/up answers shaped by it, and the common response bodies.
//!
//! The user object follows node's `getBackwardsCompatibleUserInfo`: FDI 1.18–1.x and ≥ 3.0
//! (and a missing header) get the full user; older FDIs get the legacy `{id, timeJoined,
//! email?, phoneNumber?, thirdParty?}`.

use http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value, json};
use supertokens_cdi::AuthRecipeUser;

use crate::http_types::{SdkRequest, SdkResponse};

/// A dotted version as numbers, e.g. `3.1` → `[3, 1]`.
fn parse_version(text: &str) -> Option<Vec<u64>> {
    text.trim()
        .split('.')
        .map(|part| part.parse::<u64>().ok())
        .collect()
}

/// The highest version in the request's `fdi-version` list, as numbers (`3.1` → `[3, 1]`);
/// `None` when the header is absent or holds no version (then the latest is assumed).
pub fn request_fdi_version(request: &SdkRequest) -> Option<Vec<u64>> {
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

/// A 200 JSON response: how the FDI answers every outcome, errors included.
pub fn ok_json<T: Serialize + ?Sized>(body: &T) -> SdkResponse {
    SdkResponse::json(StatusCode::OK, body)
}

/// `{"status":"GENERAL_ERROR","message":…}` (200): an error the frontend shows as it is.
pub fn general_error(message: &str) -> SdkResponse {
    ok_json(&json!({ "status": "GENERAL_ERROR", "message": message }))
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue, Method};
    use supertokens_cdi::LoginMethod;
    use supertokens_cdi::user::WebauthnCredentials;

    use super::*;

    fn request(fdi: Option<&'static str>) -> SdkRequest {
        let mut headers = HeaderMap::new();
        if let Some(fdi) = fdi {
            headers.insert("fdi-version", HeaderValue::from_static(fdi));
        }
        SdkRequest::new(Method::POST, "/auth/signin", headers)
    }

    fn login_method(
        recipe_id: &str,
        time_joined: i64,
        email: Option<&str>,
        phone_number: Option<&str>,
    ) -> LoginMethod {
        LoginMethod {
            recipe_id: recipe_id.into(),
            recipe_user_id: "u1".into(),
            tenant_ids: vec!["public".into()],
            verified: false,
            time_joined,
            email: email.map(Into::into),
            phone_number: phone_number.map(Into::into),
            third_party: None,
        }
    }

    fn user(login_method: LoginMethod) -> AuthRecipeUser {
        AuthRecipeUser {
            id: "u1".into(),
            is_primary_user: false,
            tenant_ids: vec!["public".into()],
            time_joined: 10,
            emails: login_method.email.iter().cloned().collect(),
            phone_numbers: login_method.phone_number.iter().cloned().collect(),
            third_party: vec![],
            webauthn: WebauthnCredentials::default(),
            login_methods: vec![login_method],
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
        assert_eq!(
            request_fdi_version(&request(Some("1.17, 3.1"))),
            Some(vec![3, 1])
        );
        assert_eq!(request_fdi_version(&request(Some("garbage"))), None);
    }

    #[test]
    fn full_and_legacy_shapes() {
        let user = user(login_method("emailpassword", 10, Some("a@b.co"), None));
        let full = user_json(&request(Some("4.2")), &user, "u1");
        assert_eq!(full["loginMethods"][0]["recipeUserId"], "u1");
        assert_eq!(full["isPrimaryUser"], false);
        assert_eq!(full["webauthn"], json!({"credentialIds": []}));
        let legacy = user_json(&request(Some("1.17")), &user, "u1");
        assert_eq!(
            legacy,
            json!({"id": "u1", "timeJoined": 10, "email": "a@b.co"})
        );
    }

    #[test]
    fn legacy_shape_of_a_phone_number_user() {
        let user = user(login_method("passwordless", 10, None, Some("+16502530000")));
        assert_eq!(
            user_json(&request(Some("1.17")), &user, "u1"),
            json!({"id": "u1", "timeJoined": 10, "phoneNumber": "+16502530000"})
        );
        assert_eq!(
            user_json(&request(Some("3.1,4.0")), &user, "u1")["loginMethods"][0]["recipeId"],
            "passwordless"
        );
    }

    #[test]
    fn response_bodies() {
        let response = general_error("nope");
        assert_eq!(response.status, StatusCode::OK);
        let body: Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(body, json!({"status": "GENERAL_ERROR", "message": "nope"}));
        let response = ok_json(&json!({"status": "OK"}));
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(&response.body[..], br#"{"status":"OK"}"#);
    }
}
