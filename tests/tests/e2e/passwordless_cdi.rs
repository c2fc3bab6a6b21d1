//! The passwordless CDI surface as supertokens-node uses it: JSON shapes (field names as in
//! the CDI spec), error statuses, 400 messages, and `rid` dispatch of `/recipe/user`.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};
use supertokens_storage::ConnectOptions;
use supertokens_tests::{
    PostgresDatabase, START_MS, TestCore, TestCoreOptions, start_core, test_config,
};

/// Sends a request with an optional `rid` header; returns the status and the body (JSON when
/// it parses, else the text).
async fn send(
    core: &TestCore,
    method: reqwest::Method,
    path: &str,
    rid: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = core
        .client
        .request(method, format!("{}{path}", core.base_url));
    if let Some(rid) = rid {
        request = request.header("rid", rid);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

async fn post(core: &TestCore, path: &str, body: Value) -> (u16, Value) {
    send(
        core,
        reqwest::Method::POST,
        path,
        Some("passwordless"),
        Some(body),
    )
    .await
}

async fn get(core: &TestCore, path: &str, rid: Option<&str>) -> (u16, Value) {
    send(core, reqwest::Method::GET, path, rid, None).await
}

async fn put(core: &TestCore, rid: Option<&str>, body: Value) -> (u16, Value) {
    send(core, reqwest::Method::PUT, "/recipe/user", rid, Some(body)).await
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(names: &[&'a str]) -> BTreeSet<&'a str> {
    names.iter().copied().collect()
}

/// Percent-encodes a query value (device ids hold `+`, `/` and `=`; phone numbers `+`).
fn encode(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '+' => "%2B".to_owned(),
            '/' => "%2F".to_owned(),
            '=' => "%3D".to_owned(),
            '@' => "%40".to_owned(),
            other => other.to_string(),
        })
        .collect()
}

/// Creates a code for an email; returns the OK body.
async fn create_for_email(core: &TestCore, email: &str) -> Value {
    let (status, body) = post(
        core,
        "/public/recipe/signinup/code",
        json!({"email": email}),
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("OK")),
        "{body}"
    );
    body
}

fn typed(code: &Value, user_input_code: &str) -> Value {
    json!({
        "preAuthSessionId": code["preAuthSessionId"],
        "deviceId": code["deviceId"],
        "userInputCode": user_input_code,
    })
}

fn right(code: &Value) -> Value {
    typed(code, code["userInputCode"].as_str().unwrap())
}

fn link(code: &Value) -> Value {
    json!({"preAuthSessionId": code["preAuthSessionId"], "linkCode": code["linkCode"]})
}

/// Signs in through a new code; returns the consume body.
async fn sign_in(core: &TestCore, create: Value) -> Value {
    let (_, code) = post(core, "/public/recipe/signinup/code", create).await;
    let (status, body) = post(core, "/public/recipe/signinup/code/consume", right(&code)).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("OK")),
        "{body}"
    );
    body
}

#[tokio::test]
async fn create_code_answers_the_spec_shape() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let code = create_for_email(&core, " Ann@Example.com ").await;
    assert_eq!(
        keys(&code),
        set(&[
            "status",
            "preAuthSessionId",
            "codeId",
            "deviceId",
            "userInputCode",
            "linkCode",
            "timeCreated",
            "codeLifetime"
        ])
    );
    assert_eq!(code["timeCreated"], START_MS);
    assert_eq!(code["codeLifetime"], 900_000);
    assert_eq!(code["userInputCode"].as_str().unwrap().len(), 6);
    assert_eq!(code["deviceId"].as_str().unwrap().len(), 44);
    assert!(!code["preAuthSessionId"].as_str().unwrap().contains('='));

    // Resend: another code on the same device.
    let (status, again) = post(
        &core,
        "/recipe/signinup/code",
        json!({"deviceId": code["deviceId"]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(again["status"], "OK");
    assert_eq!(again["preAuthSessionId"], code["preAuthSessionId"]);
    assert_eq!(again["deviceId"], code["deviceId"]);
    assert_ne!(again["codeId"], code["codeId"]);

    // Caller-chosen codes.
    let (_, chosen) = post(
        &core,
        "/public/recipe/signinup/code",
        json!({"phoneNumber": "+15550100", "userInputCode": "abc123"}),
    )
    .await;
    assert_eq!(chosen["userInputCode"], "abc123");
    let (_, taken) = post(
        &core,
        "/public/recipe/signinup/code",
        json!({"deviceId": chosen["deviceId"], "userInputCode": "abc123"}),
    )
    .await;
    assert_eq!(
        taken,
        json!({"status": "USER_INPUT_CODE_ALREADY_USED_ERROR"})
    );
    let unknown_device = "A".repeat(43) + "=";
    let (_, restart) = post(
        &core,
        "/public/recipe/signinup/code",
        json!({"deviceId": unknown_device}),
    )
    .await;
    assert_eq!(restart, json!({"status": "RESTART_FLOW_ERROR"}));

    for (body, message) in [
        (
            json!({}),
            "Please provide exactly one of email, phoneNumber or deviceId",
        ),
        (
            json!({"email": "a@b.co", "phoneNumber": "+15550100"}),
            "Please provide exactly one of email, phoneNumber or deviceId",
        ),
        (
            json!({"deviceId": "not base64!"}),
            "Input encoding error in deviceId",
        ),
        (
            json!({"email": "a@b.co", "userInputCode": ""}),
            "userInputCode cannot be an empty string",
        ),
    ] {
        let (status, text) = post(&core, "/public/recipe/signinup/code", body.clone()).await;
        assert_eq!((status, text.as_str()), (400, Some(message)), "{body}");
    }
    let (status, _) = send(
        &core,
        reqwest::Method::POST,
        "/recipe/signinup/code",
        Some("passwordless"),
        None,
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn check_and_consume_answer_the_spec_shapes() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let code = create_for_email(&core, "bo@example.com").await;
    let wrong = if code["userInputCode"] == "000000" {
        "111111"
    } else {
        "000000"
    };
    let (status, incorrect) = post(
        &core,
        "/public/recipe/signinup/code/check",
        typed(&code, wrong),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        incorrect,
        json!({
            "status": "INCORRECT_USER_INPUT_CODE_ERROR",
            "failedCodeInputAttemptCount": 1,
            "maximumCodeInputAttempts": 5
        })
    );
    let (_, checked) = post(&core, "/public/recipe/signinup/code/check", right(&code)).await;
    assert_eq!(
        checked,
        json!({
            "status": "OK",
            "consumedDevice": {
                "preAuthSessionId": code["preAuthSessionId"],
                "failedCodeInputAttemptCount": 1,
                "email": "bo@example.com"
            }
        })
    );
    let (_, consumed) = post(&core, "/public/recipe/signinup/code/consume", link(&code)).await;
    assert_eq!(
        keys(&consumed),
        set(&[
            "status",
            "createdNewUser",
            "user",
            "recipeUserId",
            "consumedDevice"
        ])
    );
    assert_eq!(consumed["status"], "OK");
    assert_eq!(consumed["createdNewUser"], true);
    assert_eq!(consumed["consumedDevice"], checked["consumedDevice"]);
    let user = &consumed["user"];
    assert_eq!(user["id"], consumed["recipeUserId"]);
    assert_eq!(user["isPrimaryUser"], false);
    assert_eq!(user["tenantIds"], json!(["public"]));
    assert_eq!(user["emails"], json!(["bo@example.com"]));
    assert_eq!(user["phoneNumbers"], json!([]));
    assert_eq!(user["timeJoined"], START_MS);
    let method = &user["loginMethods"][0];
    assert_eq!(method["recipeId"], "passwordless");
    assert_eq!(method["recipeUserId"], consumed["recipeUserId"]);
    assert_eq!(method["verified"], true);
    assert_eq!(method["email"], "bo@example.com");
    assert!(method.get("phoneNumber").is_none());

    // Used up.
    let (_, again) = post(&core, "/public/recipe/signinup/code/consume", right(&code)).await;
    assert_eq!(again, json!({"status": "RESTART_FLOW_ERROR"}));

    // The same contact again: the same user, not a new one.
    let second = sign_in(&core, json!({"email": "BO@example.com"})).await;
    assert_eq!(second["createdNewUser"], false);
    assert_eq!(second["user"]["id"], consumed["user"]["id"]);

    // Expired codes.
    let code = create_for_email(&core, "late@example.com").await;
    core.clock
        .advance(Duration::from_millis(900_000) + Duration::from_millis(1));
    let (_, expired) = post(&core, "/public/recipe/signinup/code/consume", right(&code)).await;
    assert_eq!(
        expired,
        json!({
            "status": "EXPIRED_USER_INPUT_CODE_ERROR",
            "failedCodeInputAttemptCount": 1,
            "maximumCodeInputAttempts": 5
        })
    );
    let (_, expired_link) = post(&core, "/public/recipe/signinup/code/consume", link(&code)).await;
    assert_eq!(expired_link, json!({"status": "RESTART_FLOW_ERROR"}));
}

#[tokio::test]
async fn bad_consume_input_gets_400s_with_what_to_fix() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let a = create_for_email(&core, "a@example.com").await;
    let b = create_for_email(&core, "b@example.com").await;
    let cases = [
        (
            json!({"preAuthSessionId": b["preAuthSessionId"], "deviceId": a["deviceId"], "userInputCode": a["userInputCode"]}),
            "preAuthSessionId and deviceId doesn't match",
        ),
        (
            json!({"preAuthSessionId": b["preAuthSessionId"], "linkCode": a["linkCode"]}),
            "preAuthSessionId and deviceId doesn't match",
        ),
        (
            json!({"deviceId": a["deviceId"], "userInputCode": "1"}),
            "Please provide preAuthSessionId",
        ),
        (
            json!({"preAuthSessionId": a["preAuthSessionId"], "linkCode": a["linkCode"], "deviceId": a["deviceId"], "userInputCode": "1"}),
            "Please provide one of (linkCode) or (deviceId+userInputCode) and not both",
        ),
        (
            json!({"preAuthSessionId": a["preAuthSessionId"]}),
            "Please provide one of (linkCode) or (deviceId+userInputCode) and not both",
        ),
        (
            json!({"preAuthSessionId": a["preAuthSessionId"], "deviceId": a["deviceId"]}),
            "Please provide both deviceId and userInputCode",
        ),
        (
            json!({"preAuthSessionId": a["preAuthSessionId"], "deviceId": "%%%", "userInputCode": "1"}),
            "Input encoding error in deviceId",
        ),
        (
            json!({"preAuthSessionId": a["preAuthSessionId"], "linkCode": "a+b/"}),
            "Input encoding error in linkCode",
        ),
    ];
    for path in [
        "/public/recipe/signinup/code/consume",
        "/recipe/signinup/code/check",
    ] {
        for (body, message) in &cases {
            let (status, text) = post(&core, path, body.clone()).await;
            assert_eq!(
                (status, text.as_str()),
                (400, Some(*message)),
                "{path} {body}"
            );
        }
    }
    // Nothing above was a failed attempt.
    let (_, listed) = get(
        &core,
        &format!(
            "/public/recipe/signinup/codes?preAuthSessionId={}",
            a["preAuthSessionId"].as_str().unwrap()
        ),
        Some("passwordless"),
    )
    .await;
    assert_eq!(listed["devices"][0]["failedCodeInputAttemptCount"], 0);
}

#[tokio::test]
async fn listing_codes_answers_the_spec_shape_with_the_configured_lifetime() {
    let mut config = test_config();
    config.passwordless_code_lifetime = Duration::from_secs(60);
    let core = start_core(TestCoreOptions {
        config,
        ..TestCoreOptions::default()
    })
    .await
    .unwrap();
    let code = create_for_email(&core, "list@example.com").await;
    assert_eq!(code["codeLifetime"], 60_000);
    let expected = json!({
        "status": "OK",
        "devices": [{
            "preAuthSessionId": code["preAuthSessionId"],
            "failedCodeInputAttemptCount": 0,
            "email": "list@example.com",
            "codes": [{
                "codeId": code["codeId"],
                "timeCreated": START_MS,
                "codeLifetime": 60_000
            }]
        }]
    });
    for query in [
        "email=LIST%40example.com".to_owned(),
        format!("deviceId={}", encode(code["deviceId"].as_str().unwrap())),
        format!(
            "preAuthSessionId={}",
            code["preAuthSessionId"].as_str().unwrap()
        ),
    ] {
        let (status, body) = get(
            &core,
            &format!("/public/recipe/signinup/codes?{query}"),
            Some("passwordless"),
        )
        .await;
        assert_eq!((status, &body), (200, &expected), "{query}");
    }
    let (_, phone) = post(
        &core,
        "/recipe/signinup/code",
        json!({"phoneNumber": "+15550123"}),
    )
    .await;
    let (_, by_phone) = get(
        &core,
        &format!("/recipe/signinup/codes?phoneNumber={}", encode("+15550123")),
        None,
    )
    .await;
    let device = &by_phone["devices"][0];
    assert_eq!(device["preAuthSessionId"], phone["preAuthSessionId"]);
    assert_eq!(device["phoneNumber"], "+15550123");
    assert!(device.get("email").is_none());
    let (_, none) = get(
        &core,
        "/recipe/signinup/codes?email=nobody%40example.com",
        None,
    )
    .await;
    assert_eq!(none, json!({"status": "OK", "devices": []}));
    for query in ["", "?email=a%40b.co&phoneNumber=%2B1"] {
        let (status, text) = get(&core, &format!("/recipe/signinup/codes{query}"), None).await;
        assert_eq!(
            (status, text.as_str()),
            (
                400,
                Some(
                    "Please provide exactly one of email, phoneNumber, deviceId or preAuthSessionId"
                )
            ),
            "{query}"
        );
    }
    let (status, text) = get(&core, "/recipe/signinup/codes?deviceId=%21%21", None).await;
    assert_eq!(
        (status, text.as_str()),
        (400, Some("Input encoding error in deviceId"))
    );
}

#[tokio::test]
async fn removing_codes() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let first = create_for_email(&core, "rm@example.com").await;
    let (status, ok) = post(
        &core,
        "/public/recipe/signinup/code/remove",
        json!({"codeId": first["codeId"]}),
    )
    .await;
    assert_eq!((status, ok), (200, json!({"status": "OK"})));
    let (_, gone) = post(&core, "/public/recipe/signinup/code/consume", right(&first)).await;
    assert_eq!(gone, json!({"status": "RESTART_FLOW_ERROR"}));

    let second = create_for_email(&core, "rm@example.com").await;
    let (_, ok) = post(
        &core,
        "/public/recipe/signinup/code/remove",
        json!({"preAuthSessionId": second["preAuthSessionId"]}),
    )
    .await;
    assert_eq!(ok, json!({"status": "OK"}));
    let (_, gone) = post(&core, "/public/recipe/signinup/code/check", link(&second)).await;
    assert_eq!(gone, json!({"status": "RESTART_FLOW_ERROR"}));

    create_for_email(&core, "rm@example.com").await;
    create_for_email(&core, "rm@example.com").await;
    let (_, ok) = post(
        &core,
        "/public/recipe/signinup/codes/remove",
        json!({"email": "RM@example.com"}),
    )
    .await;
    assert_eq!(ok, json!({"status": "OK"}));
    let (_, listed) = get(
        &core,
        "/public/recipe/signinup/codes?email=rm%40example.com",
        None,
    )
    .await;
    assert_eq!(listed["devices"], json!([]));
    let (_, ok) = post(
        &core,
        "/public/recipe/signinup/codes/remove",
        json!({"phoneNumber": "+15550100"}),
    )
    .await;
    assert_eq!(ok, json!({"status": "OK"}));

    let (status, text) = post(&core, "/public/recipe/signinup/code/remove", json!({})).await;
    assert_eq!(
        (status, text.as_str()),
        (
            400,
            Some("Please provide exactly one of codeId or preAuthSessionId")
        )
    );
    let (status, text) = post(&core, "/public/recipe/signinup/codes/remove", json!({})).await;
    assert_eq!(
        (status, text.as_str()),
        (
            400,
            Some("Please provide exactly one of email or phoneNumber")
        )
    );
}

#[tokio::test]
async fn get_recipe_user_dispatches_on_rid() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let by_email = sign_in(&core, json!({"email": "pl@example.com"})).await;
    let by_phone = sign_in(&core, json!({"phoneNumber": "+15550142"})).await;
    let pl_id = by_email["user"]["id"].as_str().unwrap().to_owned();
    let phone_id = by_phone["user"]["id"].as_str().unwrap().to_owned();
    let (_, signed_up) = core
        .post(
            "/public/recipe/signup",
            json!({"email": "pl@example.com", "password": "pw-123456"}),
        )
        .await
        .unwrap();
    let ep_id = signed_up["user"]["id"].as_str().unwrap().to_owned();

    let pl = Some("passwordless");
    let (status, found) = get(&core, &format!("/recipe/user?userId={pl_id}"), pl).await;
    assert_eq!(status, 200);
    assert_eq!(found, json!({"status": "OK", "user": by_email["user"]}));
    let (_, found) = get(&core, "/public/recipe/user?email=PL%40example.com", pl).await;
    assert_eq!(found["user"]["id"], pl_id.as_str());
    let (_, found) = get(
        &core,
        &format!("/public/recipe/user?phoneNumber={}", encode("+15550142")),
        pl,
    )
    .await;
    assert_eq!(found, json!({"status": "OK", "user": by_phone["user"]}));
    for (query, status) in [
        (format!("userId={ep_id}"), "UNKNOWN_USER_ID_ERROR"),
        (
            "email=nobody%40example.com".to_owned(),
            "UNKNOWN_EMAIL_ERROR",
        ),
        (
            format!("phoneNumber={}", encode("+15550000")),
            "UNKNOWN_PHONE_NUMBER_ERROR",
        ),
    ] {
        let (code, body) = get(&core, &format!("/public/recipe/user?{query}"), pl).await;
        assert_eq!((code, body), (200, json!({"status": status})), "{query}");
    }
    for query in ["", "?userId=x&email=a%40b.co"] {
        let (status, text) = get(&core, &format!("/recipe/user{query}"), pl).await;
        assert_eq!(
            (status, text.as_str()),
            (
                400,
                Some("Please provide exactly one of userId, email or phoneNumber")
            ),
            "{query}"
        );
    }

    // emailpassword, named or by default, sees only its own users.
    for rid in [Some("emailpassword"), None] {
        let (_, found) = get(&core, &format!("/recipe/user?userId={ep_id}"), rid).await;
        assert_eq!(found["user"]["id"], ep_id.as_str(), "{rid:?}");
        let (_, found) = get(&core, "/public/recipe/user?email=pl%40example.com", rid).await;
        assert_eq!(found["user"]["id"], ep_id.as_str(), "{rid:?}");
        let (_, missing) = get(&core, &format!("/recipe/user?userId={pl_id}"), rid).await;
        assert_eq!(
            missing,
            json!({"status": "UNKNOWN_USER_ID_ERROR"}),
            "{rid:?}"
        );
    }
    let _ = phone_id;
    let (status, text) = get(
        &core,
        &format!("/recipe/user?userId={pl_id}"),
        Some("thirdparty"),
    )
    .await;
    assert_eq!(status, 400);
    assert!(text.as_str().unwrap().contains("rid"), "{text}");
}

#[tokio::test]
async fn put_recipe_user_dispatches_on_rid() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let alice = sign_in(&core, json!({"email": "alice@example.com"})).await;
    let carol = sign_in(&core, json!({"email": "carol@example.com"})).await;
    let phoebe = sign_in(&core, json!({"phoneNumber": "+15550001"})).await;
    let alice_id = alice["user"]["id"].as_str().unwrap().to_owned();
    let (_, signed_up) = core
        .post(
            "/public/recipe/signup",
            json!({"email": "ep@example.com", "password": "pw-123456"}),
        )
        .await
        .unwrap();
    let ep_id = signed_up["user"]["id"].as_str().unwrap().to_owned();
    let pl = Some("passwordless");

    let cases = [
        (
            json!({"recipeUserId": alice_id, "email": carol["user"]["emails"][0]}),
            "EMAIL_ALREADY_EXISTS_ERROR",
        ),
        (
            json!({"recipeUserId": alice_id, "phoneNumber": phoebe["user"]["phoneNumbers"][0]}),
            "PHONE_NUMBER_ALREADY_EXISTS_ERROR",
        ),
        (
            json!({"recipeUserId": ep_id, "email": "new@example.com"}),
            "UNKNOWN_USER_ID_ERROR",
        ),
        (
            json!({"recipeUserId": alice_id, "phoneNumber": "+15550002"}),
            "OK",
        ),
        (json!({"recipeUserId": alice_id, "email": null}), "OK"),
        (
            json!({"userId": alice_id, "email": " Alice2@Example.com "}),
            "OK",
        ),
    ];
    for (body, status) in cases {
        let (code, answer) = put(&core, pl, body.clone()).await;
        assert_eq!((code, answer), (200, json!({"status": status})), "{body}");
    }
    let (_, found) = get(&core, &format!("/recipe/user?userId={alice_id}"), pl).await;
    assert_eq!(found["user"]["emails"], json!(["alice2@example.com"]));
    assert_eq!(found["user"]["phoneNumbers"], json!(["+15550002"]));

    for (body, message) in [
        (
            json!({"recipeUserId": alice_id, "email": null, "phoneNumber": null}),
            "A user must keep an email or a phone number",
        ),
        (
            json!({"email": "x@example.com"}),
            "Field name 'recipeUserId' is missing in JSON input",
        ),
    ] {
        let (status, text) = put(&core, pl, body.clone()).await;
        assert_eq!((status, text.as_str()), (400, Some(message)), "{body}");
    }

    // emailpassword (named or by default) changes only emailpassword users.
    for rid in [Some("emailpassword"), None] {
        let (_, ok) = put(
            &core,
            rid,
            json!({"recipeUserId": ep_id, "password": "pw-7654321"}),
        )
        .await;
        assert_eq!(ok, json!({"status": "OK"}), "{rid:?}");
        let (_, unknown) = put(
            &core,
            rid,
            json!({"recipeUserId": alice_id, "email": "ep2@example.com"}),
        )
        .await;
        assert_eq!(
            unknown,
            json!({"status": "UNKNOWN_USER_ID_ERROR"}),
            "{rid:?}"
        );
    }
    let (_, signed_in) = core
        .post(
            "/public/recipe/signin",
            json!({"email": "ep@example.com", "password": "pw-7654321"}),
        )
        .await
        .unwrap();
    assert_eq!(signed_in["status"], "OK");
    let (status, _) = put(
        &core,
        Some("thirdparty"),
        json!({"recipeUserId": alice_id, "email": "x@example.com"}),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn passwordless_paths_accept_every_prefix_and_need_the_api_key() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    for prefix in ["", "/public", "/appid-public/public", "/appid-public"] {
        let (status, body) = post(
            &core,
            &format!("{prefix}/recipe/signinup/code/"),
            json!({"email": "p@example.com"}),
        )
        .await;
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("OK")),
            "{prefix}"
        );
    }
    let bare = reqwest::Client::new()
        .post(format!("{}/recipe/signinup/code", core.base_url))
        .json(&json!({"email": "p@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 401);
    let (status, _) = send(
        &core,
        reqwest::Method::GET,
        "/recipe/signinup/code",
        None,
        None,
    )
    .await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn tenant_config_leaves_passwordless_enabled() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let (status, body) = get(&core, "/public/recipe/multitenancy/tenant/v2", None).await;
    assert_eq!(status, 200);
    // No firstFactors means every factor the SDK has initialised is enabled, including
    // otp-email, otp-phone, link-email and link-phone.
    assert!(body.get("firstFactors").is_none(), "{body}");
    assert!(body.get("requiredSecondaryFactors").is_none(), "{body}");
}

#[tokio::test]
async fn concurrent_consumes_on_postgres_sign_in_once() {
    let database = PostgresDatabase::create().await.unwrap();
    let core = start_core(TestCoreOptions {
        database_url: database.url.clone(),
        connect: ConnectOptions {
            max_connections: 10,
            ..ConnectOptions::default()
        },
        ..TestCoreOptions::default()
    })
    .await
    .unwrap();
    let core = std::sync::Arc::new(core);
    let code = create_for_email(&core, "race@example.com").await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let core = core.clone();
        let body = if i % 2 == 0 {
            right(&code)
        } else {
            link(&code)
        };
        tasks.push(tokio::spawn(async move {
            post(&core, "/public/recipe/signinup/code/consume", body).await
        }));
    }
    let mut ok = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200, "{body}");
        match body["status"].as_str() {
            Some("OK") => {
                assert_eq!(body["createdNewUser"], true);
                ok += 1;
            }
            Some("RESTART_FLOW_ERROR") => {}
            _ => panic!("unexpected {body}"),
        }
    }
    assert_eq!(ok, 1);
    let (_, users) = core
        .get("/public/users/by-accountinfo?email=race%40example.com")
        .await
        .unwrap();
    assert_eq!(users["users"].as_array().unwrap().len(), 1);
    drop(core);
    database.drop_database().await.unwrap();
}
