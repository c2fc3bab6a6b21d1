//! The core's rate limits by account over HTTP: two cores sharing one PostgreSQL database
//! count together (failures on one delay sign-ins on the other), and refusals are `429`
//! with `Retry-After` in whole seconds and a plain-text message. Time moves only with the
//! shared manual clock.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use supertokens_core_engine::{ManualClock, RateLimitConfig};
use supertokens_tests::{
    PostgresDatabase, START_MS, TestCore, TestCoreOptions, start_core, start_core_with_clock,
    test_config,
};

/// An answer with the headers a refusal carries.
#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: Option<String>,
    content_type: String,
    body: Value,
}

async fn post(core: &TestCore, path: &str, body: Value) -> Answer {
    let response = core
        .client
        .post(format!("{}{path}", core.base_url))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
    };
    let retry_after = header("retry-after");
    let content_type = header("content-type").unwrap_or_default();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        retry_after,
        content_type,
        body,
    }
}

fn assert_ok(answer: &Answer, status: &str) {
    assert_eq!(
        (answer.status, answer.body["status"].as_str()),
        (200, Some(status)),
        "{answer:?}"
    );
}

fn assert_refused(answer: &Answer, retry_after_seconds: u64, what: &str) {
    assert_eq!(answer.status, 429, "{answer:?}");
    assert_eq!(
        answer.retry_after.as_deref(),
        Some(retry_after_seconds.to_string().as_str()),
        "{answer:?}"
    );
    assert!(answer.content_type.starts_with("text/plain"), "{answer:?}");
    assert_eq!(
        answer.body,
        Value::String(format!("Too many {what}; retry in {retry_after_seconds} s"))
    );
}

async fn sign_in(core: &TestCore, email: &str, password: &str) -> Answer {
    post(
        core,
        "/public/recipe/signin",
        json!({"email": email, "password": password}),
    )
    .await
}

const SIGN_IN: &str = "sign-in attempts for this account";

#[tokio::test]
async fn cores_sharing_postgres_count_together() {
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
        let signed_up = post(
            &a,
            "/public/recipe/signup",
            json!({"email": "shared@example.com", "password": "pw-123456"}),
        )
        .await;
        assert_ok(&signed_up, "OK");
        let user_id = signed_up.body["user"]["id"].as_str().unwrap().to_owned();

        // Failures on either core count for both: the sixth, on B, waits a second, and
        // so does the right password on A (it is not checked during the delay).
        for i in 0..5 {
            let core = if i % 2 == 0 { &a } else { &b };
            assert_ok(
                &sign_in(core, "shared@example.com", "wrong").await,
                "WRONG_CREDENTIALS_ERROR",
            );
        }
        assert_refused(
            &sign_in(&b, "shared@example.com", "wrong").await,
            1,
            SIGN_IN,
        );
        assert_refused(
            &sign_in(&a, "Shared@Example.com", "pw-123456").await,
            1,
            SIGN_IN,
        );
        // An email nobody has is delayed the same way.
        for _ in 0..5 {
            assert_ok(
                &sign_in(&a, "nobody@example.com", "wrong").await,
                "WRONG_CREDENTIALS_ERROR",
            );
        }
        assert_refused(
            &sign_in(&b, "nobody@example.com", "wrong").await,
            1,
            SIGN_IN,
        );
        clock.advance(Duration::from_millis(1000));
        assert_ok(&sign_in(&b, "shared@example.com", "pw-123456").await, "OK");
        assert_ok(
            &sign_in(&a, "shared@example.com", "wrong").await,
            "WRONG_CREDENTIALS_ERROR",
        );
        // The success forgot the failures: a new series of five, then the delay doubles.
        for _ in 0..4 {
            sign_in(&b, "shared@example.com", "wrong").await;
        }
        assert_refused(
            &sign_in(&a, "shared@example.com", "wrong").await,
            1,
            SIGN_IN,
        );
        clock.advance(Duration::from_millis(1000));
        assert_ok(
            &sign_in(&a, "shared@example.com", "wrong").await,
            "WRONG_CREDENTIALS_ERROR",
        );
        assert_refused(
            &sign_in(&b, "shared@example.com", "wrong").await,
            2,
            SIGN_IN,
        );

        // Password reset tokens per user: five per hour across both cores.
        for i in 0..5 {
            let core = if i % 2 == 0 { &a } else { &b };
            assert_ok(
                &post(
                    core,
                    "/public/recipe/user/password/reset/token",
                    json!({"userId": user_id, "email": "shared@example.com"}),
                )
                .await,
                "OK",
            );
        }
        assert_refused(
            &post(
                &b,
                "/public/recipe/user/password/reset/token",
                json!({"userId": user_id, "email": "shared@example.com"}),
            )
            .await,
            3600,
            "password reset requests for this user",
        );

        // Sign-ups per email: ten per ten minutes across both cores.
        for i in 0..10 {
            let core = if i % 2 == 0 { &a } else { &b };
            assert_ok(
                &post(
                    core,
                    "/public/recipe/signup",
                    json!({"email": "taken@example.com", "password": "pw-123456"}),
                )
                .await,
                if i == 0 {
                    "OK"
                } else {
                    "EMAIL_ALREADY_EXISTS_ERROR"
                },
            );
        }
        clock.advance(Duration::from_secs(100));
        assert_refused(
            &post(
                &a,
                "/public/recipe/signup",
                json!({"email": "taken@example.com", "password": "pw-123456"}),
            )
            .await,
            500,
            "sign-up attempts for this email",
        );

        // Passwordless codes per contact: ten per hour across both cores, resends included.
        let created = post(
            &a,
            "/public/recipe/signinup/code",
            json!({"phoneNumber": "+14155550100"}),
        )
        .await;
        assert_ok(&created, "OK");
        let device_id = created.body["deviceId"].as_str().unwrap().to_owned();
        for i in 1..10 {
            let body = if i % 2 == 0 {
                json!({"phoneNumber": "+14155550100"})
            } else {
                json!({"deviceId": device_id})
            };
            let core = if i % 2 == 0 { &a } else { &b };
            assert_ok(
                &post(core, "/public/recipe/signinup/code", body).await,
                "OK",
            );
        }
        assert_refused(
            &post(
                &b,
                "/public/recipe/signinup/code",
                json!({"deviceId": device_id}),
            )
            .await,
            3600,
            "codes requested for this email or phone number",
        );
        clock.advance(Duration::from_secs(3600));
        assert_ok(
            &post(
                &a,
                "/public/recipe/signinup/code",
                json!({"phoneNumber": "+14155550100"}),
            )
            .await,
            "OK",
        );
    }
    .await;
    database.drop_database().await.unwrap();
    result
}

#[tokio::test]
async fn the_master_switch_turns_the_limits_off() {
    let core = start_core(TestCoreOptions {
        config: supertokens_core_engine::CoreConfig {
            rate_limits: RateLimitConfig::disabled(),
            ..test_config()
        },
        ..TestCoreOptions::default()
    })
    .await
    .unwrap();
    assert_ok(
        &post(
            &core,
            "/public/recipe/signup",
            json!({"email": "a@example.com", "password": "pw-123456"}),
        )
        .await,
        "OK",
    );
    for _ in 0..20 {
        assert_ok(
            &sign_in(&core, "a@example.com", "wrong").await,
            "WRONG_CREDENTIALS_ERROR",
        );
    }
    assert_ok(&sign_in(&core, "a@example.com", "pw-123456").await, "OK");
}
