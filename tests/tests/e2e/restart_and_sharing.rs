//! Durability across restarts, and several cores sharing one PostgreSQL database.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use supertokens_core_engine::{Clock, ManualClock};
use supertokens_tests::{
    PostgresDatabase, START_MS, TestCore, TestCoreOptions, start_core, start_core_with_clock,
};

async fn sign_up_and_create_session(core: &TestCore) -> (String, Value) {
    let (_, user) = core
        .post(
            "/public/recipe/signup",
            json!({"email": "keep@example.com", "password": "pw-123456"}),
        )
        .await
        .unwrap();
    let user_id = user["user"]["id"].as_str().unwrap().to_owned();
    let (_, session) = core
        .post(
            "/public/recipe/session",
            json!({"userId": user_id, "userDataInJWT": {}, "userDataInDatabase": {}, "enableAntiCsrf": false}),
        )
        .await
        .unwrap();
    (user_id, session)
}

#[tokio::test]
async fn a_restart_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/core.db", dir.path().display());
    let options = TestCoreOptions {
        database_url: url,
        ..TestCoreOptions::default()
    };
    let first = start_core(options.clone()).await.unwrap();
    let (user_id, session) = sign_up_and_create_session(&first).await;
    let (_, jwks_before) = first.get("/.well-known/jwks.json").await.unwrap();
    drop(first);

    let second = start_core(options).await.unwrap();
    let (_, jwks_after) = second.get("/.well-known/jwks.json").await.unwrap();
    assert_eq!(jwks_before, jwks_after, "signing keys survive a restart");
    let (_, signed_in) = second
        .post(
            "/public/recipe/signin",
            json!({"email": "keep@example.com", "password": "pw-123456"}),
        )
        .await
        .unwrap();
    assert_eq!(signed_in["user"]["id"], user_id.as_str());
    let (_, verified) = second
        .post(
            "/recipe/session/verify",
            json!({"accessToken": session["accessToken"]["token"], "doAntiCsrfCheck": false}),
        )
        .await
        .unwrap();
    assert_eq!(verified["status"], "OK");
    let (_, refreshed) = second
        .post(
            "/recipe/session/refresh",
            json!({"refreshToken": session["refreshToken"]["token"], "enableAntiCsrf": false}),
        )
        .await
        .unwrap();
    assert_eq!(
        refreshed["status"], "OK",
        "refresh tokens issued before the restart still work"
    );
}

#[tokio::test]
async fn cores_sharing_postgres_serve_each_others_sessions() {
    let database = PostgresDatabase::create().await.unwrap();
    let result = async {
        let clock = Arc::new(ManualClock::new(START_MS));
        let options = TestCoreOptions {
            database_url: database.url.clone(),
            ..TestCoreOptions::default()
        };
        let a = start_core_with_clock(options.clone(), clock.clone())
            .await
            .unwrap();
        let b = start_core_with_clock(options, clock.clone()).await.unwrap();
        let (_, session) = sign_up_and_create_session(&a).await;

        let (_, verified) = b
            .post(
                "/recipe/session/verify",
                json!({"accessToken": session["accessToken"]["token"], "doAntiCsrfCheck": false}),
            )
            .await
            .unwrap();
        assert_eq!(verified["status"], "OK", "{verified}");
        let (_, refreshed) = b
            .post(
                "/recipe/session/refresh",
                json!({"refreshToken": session["refreshToken"]["token"], "enableAntiCsrf": false}),
            )
            .await
            .unwrap();
        assert_eq!(refreshed["status"], "OK", "{refreshed}");
        let (_, promoted) = a
            .post(
                "/recipe/session/verify",
                json!({"accessToken": refreshed["accessToken"]["token"], "doAntiCsrfCheck": false}),
            )
            .await
            .unwrap();
        assert!(promoted["accessToken"]["token"].is_string(), "{promoted}");
        let (_, theft) = b
            .post(
                "/recipe/session/refresh",
                json!({"refreshToken": session["refreshToken"]["token"], "enableAntiCsrf": false}),
            )
            .await
            .unwrap();
        assert_eq!(theft["status"], "TOKEN_THEFT_DETECTED");

        // Both cores decide to rotate at the same moment: they converge on one new key.
        clock.advance(Duration::from_secs(24 * 3600));
        let now = clock.now_ms();
        let (ra, rb) = tokio::join!(
            a.core.keys.ensure_current(now),
            b.core.keys.ensure_current(now)
        );
        ra.unwrap();
        rb.unwrap();
        let (_, jwks_a) = a.get("/.well-known/jwks.json").await.unwrap();
        let (_, jwks_b) = b.get("/.well-known/jwks.json").await.unwrap();
        let dynamic = |jwks: &Value| -> Vec<String> {
            jwks["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["kid"].as_str().unwrap().to_owned())
                .filter(|k| k.starts_with("d-"))
                .collect()
        };
        assert_eq!(
            dynamic(&jwks_a).len(),
            2,
            "one old and one new key: {jwks_a}"
        );
        assert_eq!(dynamic(&jwks_a), dynamic(&jwks_b));
    }
    .await;
    database.drop_database().await.unwrap();
    result
}
