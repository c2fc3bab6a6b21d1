//! Apps and tenants over the CDI, as the SDKs address them: `/appid-<app>/<tenant>/…`
//! prefixes, the app and tenant management APIs with their statuses, per-app configuration,
//! isolation of every kind of data between apps, tenants that keep their users apart, and
//! per-tenant `coreConfig` in force in its tenant only.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use supertokens_tests::{
    MySqlDatabase, PostgresDatabase, START_MS, TestCore, TestCoreOptions, start_core,
};

async fn send(
    core: &TestCore,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = core
        .client
        .request(method, format!("{}{path}", core.base_url));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

async fn get(core: &TestCore, path: &str) -> (u16, Value) {
    send(core, reqwest::Method::GET, path, None).await
}

async fn post(core: &TestCore, path: &str, body: Value) -> (u16, Value) {
    send(core, reqwest::Method::POST, path, Some(body)).await
}

async fn put(core: &TestCore, path: &str, body: Value) -> (u16, Value) {
    send(core, reqwest::Method::PUT, path, Some(body)).await
}

/// The body of a 200 with `status: OK`.
fn ok((status, body): (u16, Value)) -> Value {
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("OK")),
        "{body}"
    );
    body
}

/// Asserts a failure status whose text contains `message`.
fn assert_fails((status, body): (u16, Value), expected: u16, message: &str) {
    assert_eq!(status, expected, "{body}");
    let text = body.as_str().unwrap_or_default();
    assert!(text.contains(message), "{text:?} lacks {message:?}");
}

const UNKNOWN: &str = "AppId or tenantId not found";

async fn create_app(core: &TestCore, app_id: &str, config: Value) -> bool {
    let body = ok(put(
        core,
        "/recipe/multitenancy/app/v2",
        json!({"appId": app_id, "coreConfig": config}),
    )
    .await);
    body["createdNew"].as_bool().unwrap()
}

async fn create_tenant(core: &TestCore, app: &str, tenant_id: &str, extra: Value) -> bool {
    let mut body = json!({"tenantId": tenant_id});
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    let created = ok(put(core, &format!("{app}/recipe/multitenancy/tenant/v2"), body).await);
    created["createdNew"].as_bool().unwrap()
}

async fn sign_up(core: &TestCore, prefix: &str, email: &str) -> String {
    let body = ok(post(
        core,
        &format!("{prefix}/recipe/signup"),
        json!({"email": email, "password": "password-1"}),
    )
    .await);
    body["recipeUserId"].as_str().unwrap().to_owned()
}

async fn sign_in_status(core: &TestCore, prefix: &str, email: &str) -> (u16, Value) {
    post(
        core,
        &format!("{prefix}/recipe/signin"),
        json!({"email": email, "password": "password-1"}),
    )
    .await
}

async fn new_session(core: &TestCore, prefix: &str, user_id: &str) -> Value {
    ok(post(
        core,
        &format!("{prefix}/recipe/session"),
        json!({"userId": user_id, "userDataInJWT": {}, "userDataInDatabase": {},
               "useDynamicSigningKey": true, "enableAntiCsrf": false}),
    )
    .await)
}

fn verify_body(access_token: &Value) -> Value {
    json!({"accessToken": access_token["token"], "doAntiCsrfCheck": false,
           "enableAntiCsrf": false, "checkDatabase": true})
}

/// A passwordless user for a phone number in the tenant of `prefix`.
async fn phone_user(core: &TestCore, prefix: &str, phone: &str) -> String {
    let code = ok(post(
        core,
        &format!("{prefix}/recipe/signinup/code"),
        json!({"phoneNumber": phone}),
    )
    .await);
    let consumed = ok(post(
        core,
        &format!("{prefix}/recipe/signinup/code/consume"),
        json!({"preAuthSessionId": code["preAuthSessionId"], "deviceId": code["deviceId"],
               "userInputCode": code["userInputCode"]}),
    )
    .await);
    consumed["recipeUserId"].as_str().unwrap().to_owned()
}

fn tenant_ids(user: &Value) -> Vec<String> {
    user["tenantIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect()
}

async fn user_tenants(core: &TestCore, app: &str, user_id: &str) -> Vec<String> {
    let body = ok(get(core, &format!("{app}/user/id?userId={user_id}")).await);
    tenant_ids(&body["user"])
}

fn jwk_moduli(jwks: &Value) -> BTreeSet<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["n"].as_str().unwrap().to_owned())
        .collect()
}

/// Two apps on one core: per-app configuration, every kind of data kept apart, removal.
async fn apps_are_isolated_on(core: &TestCore) {
    assert!(create_app(core, "a1", json!({"access_token_validity": 2})).await);
    assert!(!create_app(core, "A1", json!({})).await);
    let a1 = "/appid-a1";

    // Users: the same email is two users, each unknown to the other app.
    let in_public = sign_up(core, "/public", "same@example.com").await;
    let in_a1 = sign_up(core, &format!("{a1}/public"), "same@example.com").await;
    assert_ne!(in_public, in_a1);
    for (app, foreign) in [("", &in_a1), (a1, &in_public)] {
        let (_, body) = get(core, &format!("{app}/user/id?userId={foreign}")).await;
        assert_eq!(body["status"], "UNKNOWN_USER_ID_ERROR", "{app}");
    }
    let count = ok(get(core, &format!("{a1}/users/count")).await);
    assert_eq!(count["count"], 1);

    // Sessions: the app's access token validity, and its own signing keys.
    let session = new_session(core, &format!("{a1}/public"), &in_a1).await;
    assert_eq!(session["accessToken"]["expiry"], START_MS + 2_000);
    let public_session = new_session(core, "/public", &in_public).await;
    assert_eq!(public_session["accessToken"]["expiry"], START_MS + 60_000);
    ok(post(
        core,
        &format!("{a1}/recipe/session/verify"),
        verify_body(&session["accessToken"]),
    )
    .await);
    let (status, refused) = post(
        core,
        "/recipe/session/verify",
        verify_body(&session["accessToken"]),
    )
    .await;
    assert_eq!(status, 200);
    assert_ne!(refused["status"], "OK", "{refused}");
    let (_, refused) = post(
        core,
        &format!("{a1}/recipe/session/verify"),
        verify_body(&public_session["accessToken"]),
    )
    .await;
    assert_ne!(refused["status"], "OK", "{refused}");
    let (_, jwks_a1) = get(core, &format!("{a1}/.well-known/jwks.json")).await;
    let (_, jwks_public) = get(core, "/.well-known/jwks.json").await;
    assert!(jwk_moduli(&jwks_a1).is_disjoint(&jwk_moduli(&jwks_public)));
    let handles = ok(get(
        core,
        &format!("{a1}/public/recipe/session/user?userId={in_a1}"),
    )
    .await);
    assert_eq!(handles["sessionHandles"].as_array().unwrap().len(), 1);
    let handles = ok(get(core, &format!("/public/recipe/session/user?userId={in_a1}")).await);
    assert!(handles["sessionHandles"].as_array().unwrap().is_empty());

    // Passwordless codes.
    ok(post(
        core,
        &format!("{a1}/public/recipe/signinup/code"),
        json!({"email": "code@example.com"}),
    )
    .await);
    let listed = ok(get(
        core,
        &format!("{a1}/public/recipe/signinup/codes?email=code%40example.com"),
    )
    .await);
    assert_eq!(listed["devices"].as_array().unwrap().len(), 1);
    let listed = ok(get(
        core,
        "/public/recipe/signinup/codes?email=code%40example.com",
    )
    .await);
    assert!(listed["devices"].as_array().unwrap().is_empty());

    // Password reset and email verification tokens.
    let reset = ok(post(
        core,
        &format!("{a1}/public/recipe/user/password/reset/token"),
        json!({"userId": in_a1, "email": "same@example.com"}),
    )
    .await);
    let (_, consumed) = post(
        core,
        "/public/recipe/user/password/reset/token/consume",
        json!({"token": reset["token"]}),
    )
    .await;
    assert_eq!(consumed["status"], "RESET_PASSWORD_INVALID_TOKEN_ERROR");
    let verification = ok(post(
        core,
        &format!("{a1}/public/recipe/user/email/verify/token"),
        json!({"userId": in_a1, "email": "same@example.com"}),
    )
    .await);
    let (_, verified) = post(
        core,
        "/public/recipe/user/email/verify",
        json!({"method": "token", "token": verification["token"]}),
    )
    .await;
    assert_eq!(verified["status"], "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR");
    ok(post(
        core,
        &format!("{a1}/public/recipe/user/email/verify"),
        json!({"method": "token", "token": verification["token"]}),
    )
    .await);

    // Metadata and roles.
    ok(put(
        core,
        &format!("{a1}/recipe/user/metadata"),
        json!({"userId": "shared-id", "metadataUpdate": {"plan": "gold"}}),
    )
    .await);
    let metadata = ok(get(core, "/recipe/user/metadata?userId=shared-id").await);
    assert_eq!(metadata["metadata"], json!({}));
    let metadata = ok(get(core, &format!("{a1}/recipe/user/metadata?userId=shared-id")).await);
    assert_eq!(metadata["metadata"], json!({"plan": "gold"}));
    ok(put(core, &format!("{a1}/recipe/role"), json!({"role": "admin"})).await);
    let roles = ok(get(core, "/recipe/roles").await);
    assert!(roles["roles"].as_array().unwrap().is_empty());
    let roles = ok(get(core, &format!("{a1}/recipe/roles")).await);
    assert_eq!(roles["roles"], json!(["admin"]));

    // Removing the app removes its data; requests to it then get the unknown-app status.
    let removed = ok(post(
        core,
        "/recipe/multitenancy/app/remove",
        json!({"appId": "a1"}),
    )
    .await);
    assert_eq!(removed["didExist"], true);
    assert_fails(
        sign_in_status(core, &format!("{a1}/public"), "same@example.com").await,
        400,
        UNKNOWN,
    );
    assert_fails(get(core, &format!("{a1}/recipe/roles")).await, 400, UNKNOWN);
    let removed = ok(post(
        core,
        "/recipe/multitenancy/app/remove",
        json!({"appId": "a1"}),
    )
    .await);
    assert_eq!(removed["didExist"], false);
    // Re-created, it starts empty, with the process's configuration.
    assert!(create_app(core, "a1", json!({})).await);
    let (_, signed_in) = sign_in_status(core, &format!("{a1}/public"), "same@example.com").await;
    assert_eq!(signed_in["status"], "WRONG_CREDENTIALS_ERROR");
    let roles = ok(get(core, &format!("{a1}/recipe/roles")).await);
    assert!(roles["roles"].as_array().unwrap().is_empty());
    let session = new_session(core, &format!("{a1}/public"), "anyone").await;
    assert_eq!(session["accessToken"]["expiry"], START_MS + 60_000);
    // The public app's user is untouched.
    ok(sign_in_status(core, "/public", "same@example.com").await);
    ok(post(
        core,
        "/recipe/multitenancy/app/remove",
        json!({"appId": "a1"}),
    )
    .await);
}

#[tokio::test]
async fn apps_are_isolated_on_sqlite() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    apps_are_isolated_on(&core).await;
}

#[tokio::test]
async fn apps_are_isolated_on_postgres() {
    let database = PostgresDatabase::create().await.unwrap();
    {
        let core = start_core(TestCoreOptions {
            database_url: database.url.clone(),
            ..TestCoreOptions::default()
        })
        .await
        .unwrap();
        apps_are_isolated_on(&core).await;
    }
    database.drop_database().await.unwrap();
}

#[tokio::test]
async fn apps_are_isolated_on_mysql() {
    let database = MySqlDatabase::create().await.unwrap();
    {
        let core = start_core(TestCoreOptions {
            database_url: database.url.clone(),
            ..TestCoreOptions::default()
        })
        .await
        .unwrap();
        apps_are_isolated_on(&core).await;
    }
    database.drop_database().await.unwrap();
}

#[tokio::test]
async fn app_management_is_validated_and_public_only() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    assert!(create_app(&core, "a1", json!({})).await);
    create_tenant(&core, "", "t1", json!({})).await;

    // Only the public app and tenant manage apps.
    for path in [
        "/appid-a1/recipe/multitenancy/app/v2",
        "/appid-a1/public/recipe/multitenancy/app/v2",
    ] {
        assert_fails(
            put(&core, path, json!({"appId": "a2"})).await,
            403,
            "You must use the public tenantId and public appId",
        );
    }
    assert_fails(
        get(&core, "/appid-a1/recipe/multitenancy/app/list/v2").await,
        403,
        "public appId",
    );
    assert_fails(
        post(
            &core,
            "/appid-a1/recipe/multitenancy/app/remove",
            json!({"appId": "a1"}),
        )
        .await,
        403,
        "public appId",
    );
    // App-level APIs refuse a tenant.
    for (status, body) in [
        put(
            &core,
            "/t1/recipe/multitenancy/app/v2",
            json!({"appId": "a2"}),
        )
        .await,
        get(&core, "/t1/recipe/multitenancy/tenant/list/v2").await,
        post(&core, "/t1/recipe/session/verify", json!({})).await,
        get(&core, "/t1/recipe/roles").await,
        get(&core, "/t1/user/id?userId=x").await,
    ] {
        assert_fails(
            (status, body),
            403,
            "Only public tenantId can call this app specific API",
        );
    }
    // Unknown apps and tenants.
    assert_fails(get(&core, "/appid-nope/recipe/roles").await, 400, UNKNOWN);
    assert_fails(
        get(&core, "/appid-nope/public/users/count").await,
        400,
        UNKNOWN,
    );
    assert_fails(get(&core, "/appid-a1/t1/users/count").await, 400, UNKNOWN);
    assert_fails(get(&core, "/appid-nope/apiversion").await, 400, UNKNOWN);
    // ... but unknown paths stay 404.
    let (status, _) = get(&core, "/appid-nope/no/such/path").await;
    assert_eq!(status, 404);

    // Input checks.
    for (body, message) in [
        (
            json!({"appId": "Bad_Id"}),
            "appId can only contain letters, numbers and hyphens",
        ),
        (
            json!({"appId": "appid-x"}),
            "appId must not start with 'appid-'",
        ),
        (json!({"appId": ""}), "appId should not be an empty String"),
        (
            json!({"appId": "a2", "coreConfig": {"no_such_key": 1}}),
            "no_such_key cannot be set per app",
        ),
        (
            json!({"appId": "a2", "coreConfig": {"access_token_validity": "soon"}}),
            "access_token_validity must be a number",
        ),
        (
            json!({"appId": "a2", "emailPasswordEnabled": true}),
            "emailPasswordEnabled is not allowed in this API version",
        ),
        (
            json!({"appId": "a2", "firstFactors": ["emailpassword", "emailpassword"]}),
            "firstFactors input should not contain duplicate values",
        ),
        (
            json!({"appId": "a2", "requiredSecondaryFactors": []}),
            "requiredSecondaryFactors cannot be empty",
        ),
        (
            json!({"appId": "public", "coreConfig": {"access_token_validity": 5}}),
            "Cannot modify base config",
        ),
    ] {
        assert_fails(
            put(&core, "/recipe/multitenancy/app/v2", body).await,
            400,
            message,
        );
    }
    let listed = ok(get(&core, "/recipe/multitenancy/app/list/v2").await);
    let ids: Vec<&str> = listed["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|app| app["appId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["public", "a1"], "a refused app is not created");
    assert_eq!(
        listed["apps"][0]["tenants"],
        json!([
            {"tenantId": "public", "thirdParty": {"providers": []}, "coreConfig": {}},
            {"tenantId": "t1", "thirdParty": {"providers": []}, "firstFactors": [], "coreConfig": {}},
        ])
    );
    assert_eq!(
        listed["apps"][1]["tenants"],
        json!([{"tenantId": "public", "thirdParty": {"providers": []}, "coreConfig": {}}])
    );

    // The public app cannot go; an app with tenants only once they are gone.
    assert_fails(
        post(
            &core,
            "/recipe/multitenancy/app/remove",
            json!({"appId": "public"}),
        )
        .await,
        403,
        "public app cannot be deleted",
    );
    create_tenant(&core, "/appid-a1", "t9", json!({})).await;
    assert_fails(
        post(
            &core,
            "/recipe/multitenancy/app/remove",
            json!({"appId": "a1"}),
        )
        .await,
        403,
        "Please delete all tenants except the public tenant",
    );
    ok(post(
        &core,
        "/appid-a1/recipe/multitenancy/tenant/remove",
        json!({"tenantId": "t9"}),
    )
    .await);
    let removed = ok(post(
        &core,
        "/recipe/multitenancy/app/remove",
        json!({"appId": "a1"}),
    )
    .await);
    assert_eq!(removed["didExist"], true);

    // The app's coreConfig is its public tenant's, and merges.
    assert!(
        create_app(
            &core,
            "a2",
            json!({"passwordless_code_lifetime": 60000, "refresh_token_validity": 120})
        )
        .await
    );
    ok(put(&core, "/appid-a2/recipe/multitenancy/tenant/v2",
        json!({"tenantId": "public", "coreConfig": {"refresh_token_validity": null}, "firstFactors": ["otp-email"]})).await);
    let tenant = ok(get(&core, "/appid-a2/public/recipe/multitenancy/tenant/v2").await);
    assert_eq!(
        tenant["coreConfig"],
        json!({"passwordless_code_lifetime": 60000})
    );
    assert_eq!(tenant["firstFactors"], json!(["otp-email"]));
}

#[tokio::test]
async fn tenants_are_managed_and_keep_their_users_apart() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    assert!(create_app(&core, "a1", json!({})).await);
    let a1 = "/appid-a1";

    // Create, get, update, list.
    assert!(create_tenant(&core, a1, "T1", json!({})).await);
    assert!(!create_tenant(&core, a1, "t1", json!({})).await);
    assert!(
        create_tenant(
            &core,
            a1,
            "t2",
            json!({"firstFactors": ["emailpassword", "otp-phone"],
        "requiredSecondaryFactors": ["totp"], "coreConfig": {"passwordless_code_lifetime": 60000}})
        )
        .await
    );
    let t1 = ok(get(&core, &format!("{a1}/t1/recipe/multitenancy/tenant/v2")).await);
    assert_eq!(
        t1,
        json!({"status": "OK", "tenantId": "t1", "thirdParty": {"providers": []},
               "firstFactors": [], "coreConfig": {}})
    );
    let t2 = ok(get(&core, &format!("{a1}/t2/recipe/multitenancy/tenant/v2")).await);
    assert_eq!(t2["firstFactors"], json!(["emailpassword", "otp-phone"]));
    assert_eq!(t2["requiredSecondaryFactors"], json!(["totp"]));
    assert_eq!(
        t2["coreConfig"],
        json!({"passwordless_code_lifetime": 60000})
    );
    create_tenant(&core, a1, "t1", json!({"firstFactors": null})).await;
    let t1 = ok(get(&core, &format!("{a1}/t1/recipe/multitenancy/tenant/v2")).await);
    assert!(t1.get("firstFactors").is_none(), "{t1}");
    create_tenant(&core, a1, "t1", json!({"firstFactors": ["emailpassword"]})).await;
    let t1 = ok(get(&core, &format!("{a1}/t1/recipe/multitenancy/tenant/v2")).await);
    assert_eq!(t1["firstFactors"], json!(["emailpassword"]));
    let listed = ok(get(&core, &format!("{a1}/recipe/multitenancy/tenant/list/v2")).await);
    let ids: Vec<&str> = listed["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tenantId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["public", "t1", "t2"]);
    let (status, missing) = get(&core, &format!("{a1}/t3/recipe/multitenancy/tenant/v2")).await;
    assert_eq!(
        (status, missing),
        (200, json!({"status": "TENANT_NOT_FOUND_ERROR"}))
    );
    for (body, message) in [
        (
            json!({"tenantId": "recipe"}),
            "Cannot use 'recipe' as a tenantId",
        ),
        (
            json!({"tenantId": "t_1"}),
            "tenantId can only contain letters, numbers and hyphens",
        ),
        (
            json!({"tenantId": "t1", "coreConfig": {"access_token_validity": 5}}),
            "access_token_validity cannot be set per tenant",
        ),
        (
            json!({"tenantId": "t1", "thirdPartyEnabled": true}),
            "thirdPartyEnabled is not allowed",
        ),
    ] {
        assert_fails(
            put(&core, &format!("{a1}/recipe/multitenancy/tenant/v2"), body).await,
            400,
            message,
        );
    }

    // The same email in two tenants is two users; sign-in finds only the tenant's own.
    let u1 = sign_up(&core, &format!("{a1}/t1"), "same@example.com").await;
    let u2 = sign_up(&core, &format!("{a1}/t2"), "same@example.com").await;
    assert_ne!(u1, u2);
    let signed_in = ok(sign_in_status(&core, &format!("{a1}/t2"), "same@example.com").await);
    assert_eq!(signed_in["recipeUserId"], u2.as_str());
    assert_eq!(tenant_ids(&signed_in["user"]), ["t2"]);
    let (_, wrong) = sign_in_status(&core, &format!("{a1}/public"), "same@example.com").await;
    assert_eq!(wrong["status"], "WRONG_CREDENTIALS_ERROR");
    let listed = ok(get(&core, &format!("{a1}/t1/users")).await);
    assert_eq!(listed["users"].as_array().unwrap().len(), 1);
    assert_eq!(listed["users"][0]["id"], u1.as_str());

    // Associating, with each status.
    let associate = |tenant: &str| format!("{a1}/{tenant}/recipe/multitenancy/tenant/user");
    let disassociate =
        |tenant: &str| format!("{a1}/{tenant}/recipe/multitenancy/tenant/user/remove");
    let (_, taken) = post(&core, &associate("t2"), json!({"recipeUserId": u1})).await;
    assert_eq!(taken, json!({"status": "EMAIL_ALREADY_EXISTS_ERROR"}));
    let p1 = phone_user(&core, &format!("{a1}/t1"), "+14155550101").await;
    let p2 = phone_user(&core, &format!("{a1}/t2"), "+14155550101").await;
    assert_ne!(p1, p2);
    let (_, taken) = post(&core, &associate("t2"), json!({"recipeUserId": p1})).await;
    assert_eq!(
        taken,
        json!({"status": "PHONE_NUMBER_ALREADY_EXISTS_ERROR"})
    );
    let (_, unknown) = post(
        &core,
        &associate("t2"),
        json!({"recipeUserId": "no-such-user"}),
    )
    .await;
    assert_eq!(unknown, json!({"status": "UNKNOWN_USER_ID_ERROR"}));
    let added = ok(post(&core, &associate("public"), json!({"recipeUserId": u1})).await);
    assert_eq!(added["wasAlreadyAssociated"], false);
    let again = ok(post(&core, &associate("public"), json!({"recipeUserId": u1})).await);
    assert_eq!(again["wasAlreadyAssociated"], true);
    assert_eq!(user_tenants(&core, a1, &u1).await, ["public", "t1"]);
    ok(sign_in_status(&core, &format!("{a1}/public"), "same@example.com").await);
    assert_fails(
        post(&core, &associate("t3"), json!({"recipeUserId": u1})).await,
        400,
        UNKNOWN,
    );

    // Disassociating takes the user's sessions in that tenant with it.
    let session = new_session(&core, &format!("{a1}/public"), &u1).await;
    let removed = ok(post(&core, &disassociate("public"), json!({"recipeUserId": u1})).await);
    assert_eq!(removed["wasAssociated"], true);
    let removed = ok(post(&core, &disassociate("public"), json!({"recipeUserId": u1})).await);
    assert_eq!(removed["wasAssociated"], false);
    let (_, gone) = post(
        &core,
        &format!("{a1}/recipe/session/verify"),
        verify_body(&session["accessToken"]),
    )
    .await;
    assert_eq!(gone["status"], "UNAUTHORISED", "{gone}");
    assert_eq!(user_tenants(&core, a1, &u1).await, ["t1"]);

    // Removing a tenant: its users stay in the app, without it; requests to it get 400.
    let removed = ok(post(
        &core,
        &format!("{a1}/recipe/multitenancy/tenant/remove"),
        json!({"tenantId": "t1"}),
    )
    .await);
    assert_eq!(removed["didExist"], true);
    let removed = ok(post(
        &core,
        &format!("{a1}/recipe/multitenancy/tenant/remove"),
        json!({"tenantId": "t1"}),
    )
    .await);
    assert_eq!(removed["didExist"], false);
    assert!(user_tenants(&core, a1, &u1).await.is_empty());
    assert_fails(
        sign_in_status(&core, &format!("{a1}/t1"), "same@example.com").await,
        400,
        UNKNOWN,
    );
    assert_fails(
        post(
            &core,
            &format!("{a1}/recipe/multitenancy/tenant/remove"),
            json!({"tenantId": "public"}),
        )
        .await,
        403,
        "Cannot delete public tenant",
    );
    // A user without tenants can join one again.
    let added = ok(post(&core, &associate("public"), json!({"recipeUserId": u1})).await);
    assert_eq!(added["wasAlreadyAssociated"], false);
    assert_eq!(user_tenants(&core, a1, &u1).await, ["public"]);
}

/// A passwordless code for `email` in the tenant of `prefix`, then a wrong code for its
/// device: returns the created code and the wrong code's answer.
async fn code_and_wrong_attempt(core: &TestCore, prefix: &str, email: &str) -> (Value, Value) {
    let code = ok(post(
        core,
        &format!("{prefix}/recipe/signinup/code"),
        json!({"email": email}),
    )
    .await);
    let (_, wrong) = post(
        core,
        &format!("{prefix}/recipe/signinup/code/consume"),
        json!({"preAuthSessionId": code["preAuthSessionId"], "deviceId": code["deviceId"],
               "userInputCode": "not-the-code"}),
    )
    .await;
    assert_eq!(
        wrong["status"], "INCORRECT_USER_INPUT_CODE_ERROR",
        "{wrong}"
    );
    (code, wrong)
}

#[tokio::test]
async fn tenant_core_config_applies_in_its_tenant_only() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    // The process: 15-minute codes, 5 attempts, 10-minute tokens. App a1 overrides two.
    assert!(
        create_app(
            &core,
            "a1",
            json!({"passwordless_max_code_input_attempts": 4,
                   "password_reset_token_lifetime": 120000}),
        )
        .await
    );
    let a1 = "/appid-a1";
    create_tenant(
        &core,
        a1,
        "t2",
        json!({"firstFactors": ["otp-email", "emailpassword"],
               "coreConfig": {"passwordless_max_code_input_attempts": 3,
                              "passwordless_code_lifetime": 60000,
                              "password_reset_token_lifetime": 60000,
                              "email_verification_token_lifetime": 30000}}),
    )
    .await;
    create_tenant(&core, a1, "t3", json!({"firstFactors": null})).await;

    // Passwordless: `codeLifetime` and `maximumCodeInputAttempts` of the tenant addressed.
    for (prefix, lifetime, max) in [
        ("/public".to_owned(), 900_000, 5),
        (format!("{a1}/public"), 900_000, 4),
        (format!("{a1}/t3"), 900_000, 4),
        (format!("{a1}/t2"), 60_000, 3),
    ] {
        let (code, wrong) = code_and_wrong_attempt(&core, &prefix, "p@example.com").await;
        assert_eq!(code["codeLifetime"], lifetime, "{prefix}");
        assert_eq!(wrong["maximumCodeInputAttempts"], max, "{prefix}");
        let listed = ok(get(
            &core,
            &format!("{prefix}/recipe/signinup/codes?email=p%40example.com"),
        )
        .await);
        assert_eq!(
            listed["devices"][0]["codes"][0]["codeLifetime"], lifetime,
            "{prefix}"
        );
    }

    // Tokens: reset 2 minutes in a1 and 1 in t2; verification 10 minutes and 30 s in t2.
    let mut tokens = Vec::new();
    for tenant in ["public", "t3", "t2"] {
        let prefix = format!("{a1}/{tenant}");
        let email = format!("{tenant}@example.com");
        let user = sign_up(&core, &prefix, &email).await;
        let reset = ok(post(
            &core,
            &format!("{prefix}/recipe/user/password/reset/token"),
            json!({"userId": user}),
        )
        .await)["token"]
            .clone();
        let verification = ok(post(
            &core,
            &format!("{prefix}/recipe/user/email/verify/token"),
            json!({"userId": user, "email": email}),
        )
        .await)["token"]
            .clone();
        tokens.push((tenant, prefix, reset, verification));
    }
    core.clock.advance(std::time::Duration::from_secs(45));
    for (tenant, prefix, _, verification) in &tokens {
        let (_, verified) = post(
            &core,
            &format!("{prefix}/recipe/user/email/verify"),
            json!({"method": "token", "token": verification}),
        )
        .await;
        let expected = if *tenant == "t2" {
            "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"
        } else {
            "OK"
        };
        assert_eq!(verified["status"], expected, "{tenant}: {verified}");
    }
    core.clock.advance(std::time::Duration::from_secs(45));
    for (tenant, prefix, reset, _) in &tokens {
        let (_, consumed) = post(
            &core,
            &format!("{prefix}/recipe/user/password/reset/token/consume"),
            json!({"token": reset}),
        )
        .await;
        let expected = if *tenant == "t2" {
            "RESET_PASSWORD_INVALID_TOKEN_ERROR"
        } else {
            "OK"
        };
        assert_eq!(consumed["status"], expected, "{tenant}: {consumed}");
    }

    // Removing a key (null) gives the app's value back at the next request.
    create_tenant(
        &core,
        a1,
        "t2",
        json!({"coreConfig": {"passwordless_max_code_input_attempts": null}}),
    )
    .await;
    let t2 = ok(get(&core, &format!("{a1}/t2/recipe/multitenancy/tenant/v2")).await);
    assert!(
        t2["coreConfig"]
            .get("passwordless_max_code_input_attempts")
            .is_none(),
        "{t2}"
    );
    let (code, wrong) = code_and_wrong_attempt(&core, &format!("{a1}/t2"), "q@example.com").await;
    assert_eq!(wrong["maximumCodeInputAttempts"], 4);
    assert_eq!(code["codeLifetime"], 60_000);
}
