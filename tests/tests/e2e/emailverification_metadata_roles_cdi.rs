//! The email verification, user metadata and user roles CDI surface as the SDKs use it: JSON
//! shapes, status strings, tenant prefixes, 400 messages, and how the recipes meet users
//! (`verified` in user objects, `/user/remove`).

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};
use supertokens_tests::{TestCore, TestCoreOptions, start_core};

/// Sends a request with the recipe's `rid` header; returns the status and the body (JSON
/// when it parses, else the text).
async fn send(
    core: &TestCore,
    method: reqwest::Method,
    rid: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = core
        .client
        .request(method, format!("{}{path}", core.base_url))
        .header("rid", rid);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

async fn post(core: &TestCore, rid: &str, path: &str, body: Value) -> (u16, Value) {
    send(core, reqwest::Method::POST, rid, path, Some(body)).await
}

async fn put(core: &TestCore, rid: &str, path: &str, body: Value) -> (u16, Value) {
    send(core, reqwest::Method::PUT, rid, path, Some(body)).await
}

async fn get(core: &TestCore, rid: &str, path: &str) -> (u16, Value) {
    send(core, reqwest::Method::GET, rid, path, None).await
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

/// Asserts a 400 whose text contains `message`.
fn assert_400((status, body): (u16, Value), message: &str) {
    assert_eq!(status, 400, "{body}");
    let text = body.as_str().unwrap_or_default();
    assert!(text.contains(message), "{text:?} lacks {message:?}");
}

const EV: &str = "emailverification";
const META: &str = "usermetadata";
const ROLES: &str = "userroles";

async fn new_token(core: &TestCore, user_id: &str, email: &str) -> String {
    let (status, body) = post(
        core,
        EV,
        "/public/recipe/user/email/verify/token",
        json!({"userId": user_id, "email": email}),
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("OK")),
        "{body}"
    );
    assert_eq!(keys(&body), BTreeSet::from(["status", "token"]));
    body["token"].as_str().unwrap().to_owned()
}

async fn is_verified(core: &TestCore, user_id: &str, email: &str) -> bool {
    let (status, body) = get(
        core,
        EV,
        &format!("/recipe/user/email/verify?userId={user_id}&email={email}"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(keys(&body), BTreeSet::from(["status", "isVerified"]));
    body["isVerified"].as_bool().unwrap()
}

#[tokio::test]
async fn email_verification_routes() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let token = new_token(&core, "user-1", " Ann@Example.com").await;
    assert!(!is_verified(&core, "user-1", "ann%40example.com").await);

    let (status, body) = post(
        &core,
        EV,
        "/public/recipe/user/email/verify",
        json!({"method": "token", "token": token}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"status": "OK", "userId": "user-1", "email": "ann@example.com"})
    );
    assert!(is_verified(&core, "user-1", "ANN%40example.com").await);
    // Single use.
    let (_, again) = post(
        &core,
        EV,
        "/recipe/user/email/verify",
        json!({"method": "token", "token": token}),
    )
    .await;
    assert_eq!(
        again,
        json!({"status": "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"})
    );
    let (_, already) = post(
        &core,
        EV,
        "/recipe/user/email/verify/token",
        json!({"userId": "user-1", "email": "ann@example.com"}),
    )
    .await;
    assert_eq!(already, json!({"status": "EMAIL_ALREADY_VERIFIED_ERROR"}));

    // Un-verify, then revoke the tokens made since.
    let (status, body) = post(
        &core,
        EV,
        "/recipe/user/email/verify/remove",
        json!({"userId": "user-1", "email": "ann@example.com"}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"status": "OK"})));
    assert!(!is_verified(&core, "user-1", "ann%40example.com").await);
    let revoked = new_token(&core, "user-1", "ann@example.com").await;
    let (status, body) = post(
        &core,
        EV,
        "/public/recipe/user/email/verify/token/remove",
        json!({"userId": "user-1", "email": "ann@example.com"}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"status": "OK"})));
    let (_, body) = post(
        &core,
        EV,
        "/recipe/user/email/verify",
        json!({"method": "token", "token": revoked}),
    )
    .await;
    assert_eq!(
        body,
        json!({"status": "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"})
    );

    // Expired at the configured lifetime (600 s in tests).
    let late = new_token(&core, "user-2", "b@example.com").await;
    core.clock.advance(Duration::from_secs(600));
    let (_, body) = post(
        &core,
        EV,
        "/recipe/user/email/verify",
        json!({"method": "token", "token": late}),
    )
    .await;
    assert_eq!(
        body,
        json!({"status": "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"})
    );

    // Bad input.
    assert_400(
        post(
            &core,
            EV,
            "/recipe/user/email/verify",
            json!({"method": "otp", "token": "x"}),
        )
        .await,
        "Unsupported method for email verification",
    );
    assert_400(
        post(
            &core,
            EV,
            "/recipe/user/email/verify",
            json!({"token": "x"}),
        )
        .await,
        "missing field `method`",
    );
    assert_400(
        post(
            &core,
            EV,
            "/recipe/user/email/verify/token",
            json!({"userId": "u", "email": " "}),
        )
        .await,
        "Field name 'email' cannot be an empty String",
    );
    assert_400(
        post(
            &core,
            EV,
            "/recipe/user/email/verify/token",
            json!({"userId": "", "email": "a@b.co"}),
        )
        .await,
        "Field name 'userId' cannot be an empty String",
    );
    assert_400(
        post(
            &core,
            EV,
            "/recipe/user/email/verify/remove",
            json!({"userId": "u"}),
        )
        .await,
        "missing field `email`",
    );
    assert_400(
        get(&core, EV, "/recipe/user/email/verify?userId=u").await,
        "Field name 'email' is missing in GET request",
    );
    assert_400(
        get(&core, EV, "/recipe/user/email/verify?email=a%40b.co").await,
        "Field name 'userId' is missing in GET request",
    );
    let (status, _) = send(
        &core,
        reqwest::Method::PUT,
        EV,
        "/recipe/user/email/verify",
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn user_objects_and_user_removal_follow_email_verification() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let (_, signed_up) = core
        .post(
            "/public/recipe/signup",
            json!({"email": "ann@example.com", "password": "pw-123456"}),
        )
        .await
        .unwrap();
    let user_id = signed_up["user"]["id"].as_str().unwrap().to_owned();
    assert_eq!(signed_up["user"]["loginMethods"][0]["verified"], false);

    let token = new_token(&core, &user_id, "ann@example.com").await;
    post(
        &core,
        EV,
        "/recipe/user/email/verify",
        json!({"method": "token", "token": token}),
    )
    .await;
    let (_, body) = core
        .get(&format!("/user/id?userId={user_id}"))
        .await
        .unwrap();
    assert_eq!(body["user"]["loginMethods"][0]["verified"], true);
    let (_, body) = core
        .get("/public/users/by-accountinfo?email=ann%40example.com")
        .await
        .unwrap();
    assert_eq!(body["users"][0]["loginMethods"][0]["verified"], true);
    let (_, body) = core.get("/public/users").await.unwrap();
    assert_eq!(body["users"][0]["loginMethods"][0]["verified"], true);

    // A new email through PUT /recipe/user starts unverified.
    let (status, body) = core
        .put(
            "/recipe/user",
            json!({"recipeUserId": user_id, "email": "ann.new@example.com"}),
        )
        .await
        .unwrap();
    assert_eq!((status, body), (200, json!({"status": "OK"})));
    let (_, body) = core
        .get(&format!("/user/id?userId={user_id}"))
        .await
        .unwrap();
    assert_eq!(body["user"]["emails"], json!(["ann.new@example.com"]));
    assert_eq!(body["user"]["loginMethods"][0]["verified"], false);
    assert!(!is_verified(&core, &user_id, "ann.new%40example.com").await);

    // Removing the user removes its verification state, tokens, metadata and roles.
    post(
        &core,
        EV,
        "/recipe/user/email/verify/remove",
        json!({"userId": user_id, "email": "ann@example.com"}),
    )
    .await;
    let pending = new_token(&core, &user_id, "ann@example.com").await;
    let verified_token = new_token(&core, &user_id, "ann.new@example.com").await;
    post(
        &core,
        EV,
        "/recipe/user/email/verify",
        json!({"method": "token", "token": verified_token}),
    )
    .await;
    put(
        &core,
        META,
        "/recipe/user/metadata",
        json!({"userId": user_id, "metadataUpdate": {"a": 1}}),
    )
    .await;
    put(&core, ROLES, "/recipe/role", json!({"role": "admin"})).await;
    put(
        &core,
        ROLES,
        "/public/recipe/user/role",
        json!({"userId": user_id, "role": "admin"}),
    )
    .await;
    let (status, _) = core
        .post("/user/remove", json!({"userId": user_id}))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(!is_verified(&core, &user_id, "ann.new%40example.com").await);
    let (_, body) = post(
        &core,
        EV,
        "/recipe/user/email/verify",
        json!({"method": "token", "token": pending}),
    )
    .await;
    assert_eq!(body["status"], "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR");
    let (_, body) = get(
        &core,
        META,
        &format!("/recipe/user/metadata?userId={user_id}"),
    )
    .await;
    assert_eq!(body, json!({"status": "OK", "metadata": {}}));
    let (_, body) = get(&core, ROLES, "/public/recipe/role/users?role=admin").await;
    assert_eq!(body, json!({"status": "OK", "users": []}));
}

#[tokio::test]
async fn user_metadata_routes() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let (status, body) = get(&core, META, "/recipe/user/metadata?userId=u1").await;
    assert_eq!(
        (status, body),
        (200, json!({"status": "OK", "metadata": {}}))
    );

    let (status, body) = put(
        &core,
        META,
        "/recipe/user/metadata",
        json!({"userId": "u1", "metadataUpdate": {"a": 1, "b": {"x": 1}, "c": "keep"}}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"status": "OK", "metadata": {"a": 1, "b": {"x": 1}, "c": "keep"}})
    );
    let (_, body) = put(
        &core,
        META,
        "/recipe/user/metadata",
        json!({"userId": "u1", "metadataUpdate": {"a": null, "b": {"y": 2}}}),
    )
    .await;
    assert_eq!(
        body,
        json!({"status": "OK", "metadata": {"b": {"y": 2}, "c": "keep"}})
    );
    let (_, body) = get(&core, META, "/recipe/user/metadata?userId=u1").await;
    assert_eq!(
        body,
        json!({"status": "OK", "metadata": {"b": {"y": 2}, "c": "keep"}})
    );

    let (status, body) = post(
        &core,
        META,
        "/recipe/user/metadata/remove",
        json!({"userId": "u1"}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"status": "OK"})));
    let (_, body) = get(&core, META, "/recipe/user/metadata?userId=u1").await;
    assert_eq!(body, json!({"status": "OK", "metadata": {}}));

    for update in [json!("text"), json!([1]), json!(null), json!(5)] {
        assert_400(
            put(
                &core,
                META,
                "/recipe/user/metadata",
                json!({"userId": "u1", "metadataUpdate": update}),
            )
            .await,
            "Field name 'metadataUpdate' is invalid in JSON input: it must be a JSON object",
        );
    }
    assert_400(
        put(
            &core,
            META,
            "/recipe/user/metadata",
            json!({"userId": "u1"}),
        )
        .await,
        "missing field `metadataUpdate`",
    );
    assert_400(
        get(&core, META, "/recipe/user/metadata").await,
        "Field name 'userId' is missing in GET request",
    );
    assert_400(
        post(
            &core,
            META,
            "/recipe/user/metadata/remove",
            json!({"userId": ""}),
        )
        .await,
        "Field name 'userId' cannot be an empty String",
    );
}

#[tokio::test]
async fn user_roles_routes() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let (status, body) = put(
        &core,
        ROLES,
        "/recipe/role",
        json!({"role": "admin", "permissions": ["write", "read"]}),
    )
    .await;
    assert_eq!(
        (status, body),
        (200, json!({"status": "OK", "createdNewRole": true}))
    );
    let (_, body) = put(
        &core,
        ROLES,
        "/recipe/role",
        json!({"role": "admin", "permissions": ["delete"]}),
    )
    .await;
    assert_eq!(body, json!({"status": "OK", "createdNewRole": false}));
    put(
        &core,
        ROLES,
        "/recipe/role",
        json!({"role": "viewer", "permissions": ["read"]}),
    )
    .await;
    put(&core, ROLES, "/recipe/role", json!({"role": "empty"})).await;

    let (status, body) = get(&core, ROLES, "/recipe/roles").await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"status": "OK", "roles": ["admin", "empty", "viewer"]})
        )
    );
    let (_, body) = get(&core, ROLES, "/recipe/role/permissions?role=admin").await;
    assert_eq!(
        body,
        json!({"status": "OK", "permissions": ["delete", "read", "write"]})
    );
    let (_, body) = get(&core, ROLES, "/recipe/role/permissions?role=nope").await;
    assert_eq!(body, json!({"status": "UNKNOWN_ROLE_ERROR"}));
    let (_, body) = get(&core, ROLES, "/recipe/permission/roles?permission=read").await;
    assert_eq!(body, json!({"status": "OK", "roles": ["admin", "viewer"]}));

    let (status, body) = post(
        &core,
        ROLES,
        "/recipe/role/permissions/remove",
        json!({"role": "admin", "permissions": ["read"]}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"status": "OK"})));
    let (_, body) = get(&core, ROLES, "/recipe/role/permissions?role=admin").await;
    assert_eq!(
        body,
        json!({"status": "OK", "permissions": ["delete", "write"]})
    );
    let (_, body) = post(
        &core,
        ROLES,
        "/recipe/role/permissions/remove",
        json!({"role": "viewer"}),
    )
    .await;
    assert_eq!(body, json!({"status": "OK"}));
    let (_, body) = get(&core, ROLES, "/recipe/role/permissions?role=viewer").await;
    assert_eq!(body, json!({"status": "OK", "permissions": []}));
    let (_, body) = post(
        &core,
        ROLES,
        "/recipe/role/permissions/remove",
        json!({"role": "nope"}),
    )
    .await;
    assert_eq!(body, json!({"status": "UNKNOWN_ROLE_ERROR"}));

    // Users' roles, with and without the tenant prefix.
    let (status, body) = put(
        &core,
        ROLES,
        "/public/recipe/user/role",
        json!({"userId": "u1", "role": "admin"}),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"status": "OK", "didUserAlreadyHaveRole": false})
        )
    );
    let (_, body) = put(
        &core,
        ROLES,
        "/recipe/user/role",
        json!({"userId": "u1", "role": "admin"}),
    )
    .await;
    assert_eq!(
        body,
        json!({"status": "OK", "didUserAlreadyHaveRole": true})
    );
    put(
        &core,
        ROLES,
        "/recipe/user/role",
        json!({"userId": "u1", "role": "viewer"}),
    )
    .await;
    put(
        &core,
        ROLES,
        "/recipe/user/role",
        json!({"userId": "u0", "role": "admin"}),
    )
    .await;
    let (_, body) = put(
        &core,
        ROLES,
        "/recipe/user/role",
        json!({"userId": "u1", "role": "nope"}),
    )
    .await;
    assert_eq!(body, json!({"status": "UNKNOWN_ROLE_ERROR"}));
    let (_, body) = get(&core, ROLES, "/public/recipe/user/roles?userId=u1").await;
    assert_eq!(body, json!({"status": "OK", "roles": ["admin", "viewer"]}));
    let (_, body) = get(&core, ROLES, "/recipe/role/users?role=admin").await;
    assert_eq!(body, json!({"status": "OK", "users": ["u0", "u1"]}));
    let (_, body) = get(&core, ROLES, "/recipe/role/users?role=nope").await;
    assert_eq!(body, json!({"status": "UNKNOWN_ROLE_ERROR"}));

    let (status, body) = post(
        &core,
        ROLES,
        "/public/recipe/user/role/remove",
        json!({"userId": "u1", "role": "viewer"}),
    )
    .await;
    assert_eq!(
        (status, body),
        (200, json!({"status": "OK", "didUserHaveRole": true}))
    );
    let (_, body) = post(
        &core,
        ROLES,
        "/recipe/user/role/remove",
        json!({"userId": "u1", "role": "viewer"}),
    )
    .await;
    assert_eq!(body, json!({"status": "OK", "didUserHaveRole": false}));
    let (_, body) = post(
        &core,
        ROLES,
        "/recipe/user/role/remove",
        json!({"userId": "u1", "role": "nope"}),
    )
    .await;
    assert_eq!(body, json!({"status": "UNKNOWN_ROLE_ERROR"}));

    // Removing a role takes it from its users.
    let (status, body) = post(
        &core,
        ROLES,
        "/recipe/role/remove",
        json!({"role": "admin"}),
    )
    .await;
    assert_eq!(
        (status, body),
        (200, json!({"status": "OK", "didRoleExist": true}))
    );
    let (_, body) = post(
        &core,
        ROLES,
        "/recipe/role/remove",
        json!({"role": "admin"}),
    )
    .await;
    assert_eq!(body, json!({"status": "OK", "didRoleExist": false}));
    let (_, body) = get(&core, ROLES, "/recipe/user/roles?userId=u1").await;
    assert_eq!(body, json!({"status": "OK", "roles": []}));

    // Bad input.
    assert_400(
        put(&core, ROLES, "/recipe/role", json!({"role": " "})).await,
        "Field name 'role' cannot be an empty String",
    );
    assert_400(
        put(
            &core,
            ROLES,
            "/recipe/role",
            json!({"role": "r", "permissions": ["ok", ""]}),
        )
        .await,
        "Field name 'permissions' cannot contain an empty string",
    );
    assert_400(
        put(
            &core,
            ROLES,
            "/recipe/role",
            json!({"role": "r", "permissions": [1]}),
        )
        .await,
        "Invalid JSON input",
    );
    assert_400(
        post(&core, ROLES, "/recipe/role/remove", json!({"role": ""})).await,
        "Field name 'role' cannot be an empty String",
    );
    assert_400(
        post(
            &core,
            ROLES,
            "/recipe/role/permissions/remove",
            json!({"role": "viewer", "permissions": [" "]}),
        )
        .await,
        "Field name 'permissions' cannot contain an empty string",
    );
    assert_400(
        get(&core, ROLES, "/recipe/role/permissions").await,
        "Field name 'role' is missing in GET request",
    );
    assert_400(
        get(&core, ROLES, "/recipe/permission/roles?permission=").await,
        "Field name 'permission' cannot be an empty String",
    );
    assert_400(
        put(
            &core,
            ROLES,
            "/recipe/user/role",
            json!({"userId": "", "role": "viewer"}),
        )
        .await,
        "Field name 'userId' cannot be an empty String",
    );
    assert_400(
        post(
            &core,
            ROLES,
            "/recipe/user/role/remove",
            json!({"userId": "u1"}),
        )
        .await,
        "missing field `role`",
    );
    assert_400(
        get(&core, ROLES, "/recipe/user/roles").await,
        "Field name 'userId' is missing in GET request",
    );
    assert_400(
        get(&core, ROLES, "/recipe/role/users?role=%20").await,
        "Field name 'role' cannot be an empty String",
    );
    // An unknown tenant is refused before the recipe is reached.
    assert_400(
        get(&core, ROLES, "/acme/recipe/user/roles?userId=u1").await,
        "AppId or tenantId not found",
    );
}
