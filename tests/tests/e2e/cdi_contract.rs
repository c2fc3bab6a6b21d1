//! The CDI surface as the official SDKs use it: headers, prefixes, status strings, bad input.

use serde_json::{Value, json};
use supertokens_tests::{API_KEY, TestCoreOptions, start_core};

#[tokio::test]
async fn hello_and_jwks_are_open_everything_else_needs_the_key() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let bare = reqwest::Client::new();
    let hello = bare
        .get(format!("{}/hello", core.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(hello.status(), 200);
    assert_eq!(hello.text().await.unwrap(), "Hello");
    let jwks = bare
        .get(format!("{}/.well-known/jwks.json", core.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(jwks.status(), 200);
    let cache_control = jwks.headers()["cache-control"].to_str().unwrap().to_owned();
    assert!(
        cache_control.starts_with("max-age=") && cache_control.ends_with("must-revalidate"),
        "{cache_control}"
    );
    let body: Value = jwks.json().await.unwrap();
    assert!(body.get("status").is_none());
    let key = &body["keys"][0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["alg"].as_str(),
            key["use"].as_str()
        ),
        (Some("RSA"), Some("RS256"), Some("sig"))
    );
    assert!(key["kid"].as_str().unwrap().starts_with("d-"));

    for path in ["/apiversion", "/recipe/session/verify", "/users/count"] {
        let response = bare
            .get(format!("{}{path}", core.base_url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{path}");
        assert_eq!(response.text().await.unwrap(), "Invalid API key");
    }
    let wrong = bare
        .get(format!("{}/apiversion", core.base_url))
        .header("api-key", "x".repeat(25))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let bearer = bare
        .get(format!("{}/apiversion", core.base_url))
        .header("authorization", format!("Bearer {API_KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 200);
}

#[tokio::test]
async fn apiversion_lists_5_4_without_a_status() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let (status, body) = core
        .get("/apiversion?apiDomain=x&websiteDomain=y")
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(body.get("status").is_none());
    let versions: Vec<&str> = body["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for needed in ["5.2", "5.3", "5.4"] {
        assert!(
            versions.contains(&needed),
            "{needed} missing from {versions:?}"
        );
    }
}

#[tokio::test]
async fn cdi_version_header_is_validated() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/users/count", core.base_url);
    let send = |version: Option<&'static str>| {
        let mut request = client.get(&url).header("api-key", API_KEY);
        if let Some(version) = version {
            request = request.header("cdi-version", version);
        }
        request.send()
    };
    assert_eq!(send(None).await.unwrap().status(), 200);
    assert_eq!(send(Some("5.4")).await.unwrap().status(), 200);
    let bad = send(Some("banana")).await.unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.text().await.unwrap(), "cdi-version header is invalid");
    let unsupported = send(Some("9.9")).await.unwrap();
    assert_eq!(unsupported.status(), 400);
    assert_eq!(
        unsupported.text().await.unwrap(),
        "cdi-version 9.9 not supported"
    );
}

#[tokio::test]
async fn tenant_and_app_prefixes_reach_the_same_routes() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let credentials = json!({"email": "p@example.com", "password": "pw-123456"});
    let (status, body) = core
        .post("/public/recipe/signup", credentials.clone())
        .await
        .unwrap();
    assert_eq!((status, body["status"].as_str()), (200, Some("OK")));
    for path in [
        "/recipe/signin",
        "/public/recipe/signin",
        "/appid-public/public/recipe/signin",
        "/appid-public/recipe/signin/",
    ] {
        let (status, body) = core.post(path, credentials.clone()).await.unwrap();
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("OK")),
            "{path}"
        );
    }
    let (status, body) = core.post("/acme/recipe/signin", credentials).await.unwrap();
    assert_eq!(status, 400);
    assert!(
        body.as_str()
            .unwrap()
            .starts_with("AppId or tenantId not found"),
        "{body}"
    );
    let (status, body) = core
        .get("/public/recipe/multitenancy/tenant/v2")
        .await
        .unwrap();
    assert_eq!(
        (status, body["status"].as_str(), body["tenantId"].as_str()),
        (200, Some("OK"), Some("public"))
    );
    assert!(
        body["thirdParty"]["providers"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(body.get("firstFactors").is_none());
}

#[tokio::test]
async fn unknown_paths_methods_and_bad_bodies_get_clear_4xx() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let (status, body) = core.get("/recipe/nothing-here").await.unwrap();
    assert_eq!((status, body.as_str()), (404, Some("Not found")));
    let (status, body) = core.get("/recipe/signup").await.unwrap();
    assert_eq!((status, body.as_str()), (405, Some("Method not supported")));

    let raw = |body: &'static str| {
        core.client
            .post(format!("{}/recipe/signup", core.base_url))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let malformed = raw("{not json").await.unwrap();
    assert_eq!(malformed.status(), 400);
    assert!(
        malformed
            .text()
            .await
            .unwrap()
            .starts_with("Invalid JSON input")
    );
    let missing = raw(r#"{"email":"a@b.c"}"#).await.unwrap();
    assert_eq!(missing.status(), 400);
    assert!(
        missing
            .text()
            .await
            .unwrap()
            .contains("missing field `password`")
    );
    let wrong_type = raw(r#"{"email":5,"password":"x"}"#).await.unwrap();
    assert_eq!(wrong_type.status(), 400);
    assert!(wrong_type.text().await.unwrap().contains("invalid type"));
    let empty = raw("").await.unwrap();
    assert_eq!(empty.status(), 400);

    let huge = format!(
        r#"{{"email":"a@b.c","password":"{}"}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    let too_large = core
        .client
        .post(format!("{}/recipe/signup", core.base_url))
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(too_large.status(), 413);

    let (status, body) = core
        .post("/recipe/signup", json!({"email": "a@b.c", "password": ""}))
        .await
        .unwrap();
    assert_eq!(
        (status, body.as_str()),
        (400, Some("Password cannot be an empty string"))
    );
    let (status, _) = core.get("/user/id").await.unwrap();
    assert_eq!(status, 400);
    let (status, _) = core.get("/users?limit=100000").await.unwrap();
    assert_eq!(status, 400);
    let (status, _) = core.get("/users?paginationToken=%25%25").await.unwrap();
    assert_eq!(status, 400);
    let (status, _) = core
        .post("/recipe/session/remove", json!({}))
        .await
        .unwrap();
    assert_eq!(status, 400);
}

#[tokio::test]
async fn emailpassword_and_user_endpoints() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let (_, signed_up) = core
        .post(
            "/public/recipe/signup",
            json!({"email": " Ann@Example.com", "password": "pw-123456"}),
        )
        .await
        .unwrap();
    assert_eq!(signed_up["status"], "OK");
    let user_id = signed_up["user"]["id"].as_str().unwrap().to_owned();
    assert_eq!(signed_up["recipeUserId"], user_id.as_str());
    let user = &signed_up["user"];
    assert_eq!(user["emails"], json!(["ann@example.com"]));
    assert_eq!(user["isPrimaryUser"], false);
    assert_eq!(user["tenantIds"], json!(["public"]));
    assert_eq!(user["thirdParty"], json!([]));
    assert_eq!(user["webauthn"], json!({"credentialIds": []}));
    let method = &user["loginMethods"][0];
    assert_eq!(method["recipeId"], "emailpassword");
    assert_eq!(method["verified"], false);
    assert!(
        method.get("phoneNumber").is_none(),
        "absent fields are omitted, not null"
    );

    let (_, duplicate) = core
        .post(
            "/public/recipe/signup",
            json!({"email": "ann@example.com", "password": "x"}),
        )
        .await
        .unwrap();
    assert_eq!(duplicate, json!({"status": "EMAIL_ALREADY_EXISTS_ERROR"}));
    let (_, wrong) = core
        .post(
            "/public/recipe/signin",
            json!({"email": "ann@example.com", "password": "nope"}),
        )
        .await
        .unwrap();
    assert_eq!(wrong, json!({"status": "WRONG_CREDENTIALS_ERROR"}));
    let (_, unknown) = core
        .post(
            "/public/recipe/signin",
            json!({"email": "who@example.com", "password": "nope"}),
        )
        .await
        .unwrap();
    assert_eq!(unknown, wrong, "unknown emails are indistinguishable");

    let (_, by_id) = core
        .get(&format!("/user/id?userId={user_id}"))
        .await
        .unwrap();
    assert_eq!(by_id["user"], signed_up["user"]);
    let (_, missing) = core.get("/user/id?userId=nope").await.unwrap();
    assert_eq!(missing, json!({"status": "UNKNOWN_USER_ID_ERROR"}));
    let (_, by_email) = core
        .get("/public/users/by-accountinfo?email=ANN%40example.com&doUnionOfAccountInfo=true")
        .await
        .unwrap();
    assert_eq!(by_email["users"][0]["id"], user_id.as_str());
    let (_, recipe_user) = core
        .get("/public/recipe/user?email=ann@example.com")
        .await
        .unwrap();
    assert_eq!(recipe_user["user"]["id"], user_id.as_str());
    let (_, recipe_missing) = core
        .get("/public/recipe/user?email=zed@example.com")
        .await
        .unwrap();
    assert_eq!(recipe_missing, json!({"status": "UNKNOWN_EMAIL_ERROR"}));

    // Password reset through the CDI, as supertokens-node 24 does it.
    let (_, token) = core
        .post(
            "/public/recipe/user/password/reset/token",
            json!({"userId": user_id, "email": "ann@example.com"}),
        )
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let (_, consumed) = core
        .post(
            "/public/recipe/user/password/reset/token/consume",
            json!({"token": token}),
        )
        .await
        .unwrap();
    assert_eq!(
        consumed,
        json!({"status": "OK", "userId": user_id, "email": "ann@example.com"})
    );
    let (_, reused) = core
        .post(
            "/public/recipe/user/password/reset/token/consume",
            json!({"token": token}),
        )
        .await
        .unwrap();
    assert_eq!(
        reused,
        json!({"status": "RESET_PASSWORD_INVALID_TOKEN_ERROR"})
    );
    let (_, updated) = core
        .put(
            "/recipe/user",
            json!({"recipeUserId": user_id, "password": "new-pass-9"}),
        )
        .await
        .unwrap();
    assert_eq!(updated, json!({"status": "OK"}));
    let (_, signed_in) = core
        .post(
            "/public/recipe/signin",
            json!({"email": "ann@example.com", "password": "new-pass-9"}),
        )
        .await
        .unwrap();
    assert_eq!(signed_in["status"], "OK");

    // Listing, counting, removing.
    core.post(
        "/public/recipe/signup",
        json!({"email": "bea@example.com", "password": "pw-123456"}),
    )
    .await
    .unwrap();
    let (_, count) = core.get("/users/count").await.unwrap();
    assert_eq!(count, json!({"status": "OK", "count": 2}));
    let (_, page) = core
        .get("/users?limit=1&timeJoinedOrder=DESC")
        .await
        .unwrap();
    assert_eq!(page["users"].as_array().unwrap().len(), 1);
    let next = page["nextPaginationToken"].as_str().unwrap().to_owned();
    let (_, rest) = core
        .get(&format!(
            "/users?limit=1&timeJoinedOrder=DESC&paginationToken={next}"
        ))
        .await
        .unwrap();
    assert_eq!(rest["users"].as_array().unwrap().len(), 1);
    assert!(rest.get("nextPaginationToken").is_none());
    let (_, removed) = core
        .post("/user/remove", json!({"userId": user_id}))
        .await
        .unwrap();
    assert_eq!(removed, json!({"status": "OK"}));
    let (_, count) = core.get("/users/count").await.unwrap();
    assert_eq!(count["count"], 1);
}

#[tokio::test]
async fn session_endpoints_round_trip() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let (_, created) = core
        .post(
            "/public/recipe/session",
            json!({"userId": "u-1", "userDataInJWT": {"iss": "http://localhost/auth"}, "userDataInDatabase": {"n": 1},
                   "useDynamicSigningKey": true, "enableAntiCsrf": false}),
        )
        .await
        .unwrap();
    assert_eq!(created["status"], "OK");
    assert!(created.get("antiCsrfToken").is_none());
    assert_eq!(created["session"]["tenantId"], "public");
    assert_eq!(created["session"]["recipeUserId"], "u-1");
    let handle = created["session"]["handle"].as_str().unwrap().to_owned();
    let access = created["accessToken"]["token"].as_str().unwrap().to_owned();
    let refresh = created["refreshToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let verify_body = json!({"accessToken": access, "doAntiCsrfCheck": false, "enableAntiCsrf": false, "checkDatabase": false});
    let (_, verified) = core
        .post("/recipe/session/verify", verify_body)
        .await
        .unwrap();
    assert_eq!(verified["status"], "OK");
    assert!(verified.get("accessToken").is_none());

    let (_, refreshed) = core
        .post(
            "/recipe/session/refresh",
            json!({"refreshToken": refresh, "enableAntiCsrf": false, "useDynamicSigningKey": true}),
        )
        .await
        .unwrap();
    assert_eq!(refreshed["status"], "OK");
    let child_access = refreshed["accessToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, promoted) = core
        .post(
            "/recipe/session/verify",
            json!({"accessToken": child_access, "doAntiCsrfCheck": false, "enableAntiCsrf": false}),
        )
        .await
        .unwrap();
    assert!(
        promoted["accessToken"]["token"].is_string(),
        "first verify after refresh returns a new token: {promoted}"
    );
    let (_, theft) = core
        .post(
            "/recipe/session/refresh",
            json!({"refreshToken": refresh, "enableAntiCsrf": false, "useDynamicSigningKey": true}),
        )
        .await
        .unwrap();
    assert_eq!(theft["status"], "TOKEN_THEFT_DETECTED");
    assert_eq!(
        theft["session"],
        json!({"handle": handle, "userId": "u-1", "recipeUserId": "u-1"})
    );

    let (_, details) = core
        .get(&format!("/recipe/session?sessionHandle={handle}"))
        .await
        .unwrap();
    assert_eq!(details["userDataInDatabase"], json!({"n": 1}));
    assert_eq!(
        details["userDataInJWT"],
        json!({"iss": "http://localhost/auth"})
    );
    let (_, put) = core
        .put(
            "/recipe/session/data",
            json!({"sessionHandle": handle, "userDataInDatabase": {"n": 2}}),
        )
        .await
        .unwrap();
    assert_eq!(put, json!({"status": "OK"}));
    let (_, data) = core
        .get(&format!("/recipe/session/data?sessionHandle={handle}"))
        .await
        .unwrap();
    assert_eq!(
        data,
        json!({"status": "OK", "userDataInDatabase": {"n": 2}})
    );
    let (_, put) = core
        .put(
            "/recipe/jwt/data",
            json!({"sessionHandle": handle, "userDataInJWT": {"plan": "pro"}}),
        )
        .await
        .unwrap();
    assert_eq!(put, json!({"status": "OK"}));
    let (_, jwt_data) = core
        .get(&format!("/recipe/jwt/data?sessionHandle={handle}"))
        .await
        .unwrap();
    assert_eq!(
        jwt_data,
        json!({"status": "OK", "userDataInJWT": {"plan": "pro"}})
    );
    let (status, bad_payload) = core
        .put(
            "/recipe/jwt/data",
            json!({"sessionHandle": handle, "userDataInJWT": {"sub": "x"}}),
        )
        .await
        .unwrap();
    assert_eq!(status, 400, "{bad_payload}");

    let (_, handles) = core
        .get("/public/recipe/session/user?userId=u-1")
        .await
        .unwrap();
    assert_eq!(handles["sessionHandles"], json!([handle]));
    let (_, removed) = core
        .post("/public/recipe/session/remove", json!({"userId": "u-1"}))
        .await
        .unwrap();
    assert_eq!(removed["sessionHandlesRevoked"], json!([handle]));
    let (_, gone) = core
        .get(&format!("/recipe/session?sessionHandle={handle}"))
        .await
        .unwrap();
    assert_eq!(gone["status"], "UNAUTHORISED");
    let (_, missing) = core
        .put(
            "/recipe/session/data",
            json!({"sessionHandle": handle, "userDataInDatabase": {}}),
        )
        .await
        .unwrap();
    assert_eq!(missing["status"], "UNAUTHORISED");
}

#[tokio::test]
async fn jwt_recipe_signs_with_the_static_key_by_default() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let (_, created) = core
        .post("/recipe/jwt", json!({"payload": {"a": 1}, "algorithm": "rs256", "jwksDomain": "https://api.example.com", "validity": 100}))
        .await
        .unwrap();
    assert_eq!(created["status"], "OK");
    let decoded =
        supertokens_crypto::signing::decode_unverified(created["jwt"].as_str().unwrap()).unwrap();
    assert!(decoded.header["kid"].as_str().unwrap().starts_with("s-"));
    assert_eq!(decoded.payload["iss"], "https://api.example.com");
    assert_eq!(
        decoded.payload["exp"].as_i64().unwrap() - decoded.payload["iat"].as_i64().unwrap(),
        100
    );
    let (_, unsupported) = core
        .post(
            "/recipe/jwt",
            json!({"payload": {}, "algorithm": "HS256", "jwksDomain": "x", "validity": 100}),
        )
        .await
        .unwrap();
    assert_eq!(
        unsupported,
        json!({"status": "UNSUPPORTED_ALGORITHM_ERROR"})
    );
    let (status, _) = core
        .post(
            "/recipe/jwt",
            json!({"payload": {}, "algorithm": "RS256", "jwksDomain": "x", "validity": 0}),
        )
        .await
        .unwrap();
    assert_eq!(status, 400);
    let (_, jwks) = core.get("/recipe/jwt/jwks").await.unwrap();
    assert_eq!(jwks["status"], "OK");
    assert!(
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"].as_str().unwrap().starts_with("s-"))
    );
}

#[tokio::test]
async fn an_open_core_needs_no_key() {
    let core = start_core(TestCoreOptions {
        api_keys: Vec::new(),
        ..TestCoreOptions::default()
    })
    .await
    .unwrap();
    let response = reqwest::Client::new()
        .get(format!("{}/apiversion", core.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
