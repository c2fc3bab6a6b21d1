//! The user part of the consume answer, shaped by the request's `fdi-version` as node's
//! `getBackwardsCompatibleUserInfo` does (see [`supertokens::fdi`]): FDI 1.18–1.x and ≥ 3.0
//! (and a missing header) get `user` (the full user) and `createdNewRecipeUser`; older FDIs
//! get the legacy `user{id, timeJoined, email?, phoneNumber?}` and `createdNewUser`.

use serde_json::{Value, json};
use supertokens::SdkRequest;
use supertokens::cdi::AuthRecipeUser;
use supertokens::fdi::{user_json, wants_full_user};

/// `{"user": …, "createdNewRecipeUser": …}` or, for old FDIs,
/// `{"user": {legacy}, "createdNewUser": …}`. `recipe_user_id` picks the login method of the
/// legacy shape (the oldest one when it is not found).
pub fn user_info(
    request: &SdkRequest,
    user: &AuthRecipeUser,
    recipe_user_id: &str,
    created_new_recipe_user: bool,
) -> Value {
    let user = user_json(request, user, recipe_user_id);
    if wants_full_user(request) {
        json!({ "user": user, "createdNewRecipeUser": created_new_recipe_user })
    } else {
        json!({ "user": user, "createdNewUser": created_new_recipe_user })
    }
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderName, HeaderValue, Method};
    use supertokens::cdi::LoginMethod;
    use supertokens::cdi::user::WebauthnCredentials;

    use super::*;

    fn request(fdi: Option<&'static str>) -> SdkRequest {
        let headers = fdi
            .map(|fdi| {
                (
                    HeaderName::from_static("fdi-version"),
                    HeaderValue::from_static(fdi),
                )
            })
            .into_iter()
            .collect::<HeaderMap>();
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
        let no_header = user_info(&request(None), &user(), "u1", false);
        assert_eq!(no_header["createdNewRecipeUser"], false);
    }
}
