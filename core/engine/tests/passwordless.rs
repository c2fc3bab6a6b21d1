//! Passwordless engine tests with an injected clock on a real SQLite storage: attempts,
//! expiry, resends, magic links, concurrency, users and cleanup.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;
use supertokens_cdi::emailpassword::SignUpResponse;
use supertokens_cdi::passwordless::{
    CheckCodeResponse, ConsumeCodeRequest, ConsumeCodeResponse, ConsumedDevice, CreateCodeRequest,
    CreateCodeResponse, CreatedCode, DeviceWithCodes, FieldUpdate, ListCodesResponse,
    UpdateUserRequest, UpdateUserResponse,
};
use supertokens_cdi::user::{AuthRecipeUser, GetUserResponse};
use supertokens_core_engine::passwordless::CodesQuery;
use supertokens_core_engine::{CleanupConfig, Core, CoreConfig, EngineError, ManualClock};
use supertokens_crypto::hashing::{hmac_sha256, sha256};
use supertokens_crypto::password::PasswordHashingPolicy;
use supertokens_crypto::random::OsRandom;
use supertokens_storage::{ConnectOptions, connect};

const START_MS: i64 = 1_700_000_000_000;
const LIFETIME: Duration = Duration::from_secs(900);
const MAX_ATTEMPTS: u32 = 5;
const TENANT: &str = "public";

struct Harness {
    core: Arc<Core>,
    clock: Arc<ManualClock>,
}

fn config() -> CoreConfig {
    CoreConfig {
        password_hashing: PasswordHashingPolicy::danger_test_minimum(),
        password_hashing_pool_size: 2,
        passwordless_code_lifetime: LIFETIME,
        passwordless_max_code_input_attempts: MAX_ATTEMPTS,
        cleanup: CleanupConfig {
            interval: Duration::from_secs(60),
            batch_size: 2,
            max_batches_per_run: 100,
        },
        ..CoreConfig::default()
    }
}

async fn harness_on(url: &str, options: &ConnectOptions) -> Harness {
    let storage = connect(url, options).await.unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let core = Core::new(storage, config(), clock.clone(), Arc::new(OsRandom))
        .await
        .unwrap();
    Harness {
        core: Arc::new(core),
        clock,
    }
}

async fn harness() -> Harness {
    harness_on("sqlite::memory:", &ConnectOptions::default()).await
}

fn bad_request(error: EngineError) -> String {
    match error {
        EngineError::BadRequest(message) => message,
        other => panic!("expected a 400, got {other:?}"),
    }
}

impl Harness {
    async fn create(&self, request: CreateCodeRequest) -> CreateCodeResponse {
        self.core
            .passwordless
            .create_code(TENANT, &request)
            .await
            .unwrap()
    }

    async fn create_for_email(&self, email: &str, code: Option<&str>) -> CreatedCode {
        created(
            self.create(CreateCodeRequest {
                email: Some(email.into()),
                user_input_code: code.map(Into::into),
                ..CreateCodeRequest::default()
            })
            .await,
        )
    }

    async fn create_for_phone(&self, phone_number: &str) -> CreatedCode {
        created(
            self.create(CreateCodeRequest {
                phone_number: Some(phone_number.into()),
                ..CreateCodeRequest::default()
            })
            .await,
        )
    }

    async fn resend(&self, device_id: &str, code: Option<&str>) -> CreateCodeResponse {
        self.create(CreateCodeRequest {
            device_id: Some(device_id.into()),
            user_input_code: code.map(Into::into),
            ..CreateCodeRequest::default()
        })
        .await
    }

    async fn consume(&self, request: &ConsumeCodeRequest) -> ConsumeCodeResponse {
        self.core
            .passwordless
            .consume_code(TENANT, request)
            .await
            .unwrap()
    }

    async fn check(&self, request: &ConsumeCodeRequest) -> CheckCodeResponse {
        self.core
            .passwordless
            .check_code(TENANT, request)
            .await
            .unwrap()
    }

    async fn devices(&self, query: CodesQuery<'_>) -> Vec<DeviceWithCodes> {
        let ListCodesResponse::Ok { devices } = self
            .core
            .passwordless
            .list_codes(TENANT, query)
            .await
            .unwrap();
        devices
    }

    async fn devices_of_email(&self, email: &str) -> Vec<DeviceWithCodes> {
        self.devices(CodesQuery {
            email: Some(email),
            ..CodesQuery::default()
        })
        .await
    }

    async fn device(&self, pre_auth_session_id: &str) -> Option<DeviceWithCodes> {
        self.devices(CodesQuery {
            pre_auth_session_id: Some(pre_auth_session_id),
            ..CodesQuery::default()
        })
        .await
        .pop()
    }

    async fn signed_in(&self, request: &ConsumeCodeRequest) -> (AuthRecipeUser, bool) {
        match self.consume(request).await {
            ConsumeCodeResponse::Ok {
                created_new_user,
                user,
                recipe_user_id,
                ..
            } => {
                assert_eq!(user.id, recipe_user_id);
                (user, created_new_user)
            }
            other => panic!("expected OK, got {other:?}"),
        }
    }

    async fn update(&self, request: UpdateUserRequest) -> Result<UpdateUserResponse, EngineError> {
        self.core.passwordless.update_user(&request).await
    }
}

fn created(response: CreateCodeResponse) -> CreatedCode {
    match response {
        CreateCodeResponse::Ok(code) => code,
        other => panic!("expected OK, got {other:?}"),
    }
}

fn typed(code: &CreatedCode, user_input_code: &str) -> ConsumeCodeRequest {
    ConsumeCodeRequest {
        pre_auth_session_id: Some(code.pre_auth_session_id.clone()),
        device_id: Some(code.device_id.clone()),
        user_input_code: Some(user_input_code.into()),
        link_code: None,
    }
}

fn right(code: &CreatedCode) -> ConsumeCodeRequest {
    typed(code, &code.user_input_code)
}

fn link(code: &CreatedCode) -> ConsumeCodeRequest {
    ConsumeCodeRequest {
        pre_auth_session_id: Some(code.pre_auth_session_id.clone()),
        link_code: Some(code.link_code.clone()),
        ..ConsumeCodeRequest::default()
    }
}

/// A code of the same length that is certainly not `code`.
fn wrong(code: &str) -> String {
    code.chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect()
}

fn incorrect(failed: u32) -> ConsumeCodeResponse {
    ConsumeCodeResponse::IncorrectUserInputCodeError {
        failed_code_input_attempt_count: failed,
        maximum_code_input_attempts: MAX_ATTEMPTS,
    }
}

#[tokio::test]
async fn created_codes_have_the_documented_shape() {
    let h = harness().await;
    let code = h.create_for_email("  Alice@Example.COM ", None).await;
    let device_id = STANDARD.decode(&code.device_id).unwrap();
    assert_eq!(device_id.len(), 32);
    assert_eq!(
        code.pre_auth_session_id,
        URL_SAFE_NO_PAD.encode(sha256(&device_id))
    );
    assert_eq!(code.user_input_code.len(), 6);
    assert!(code.user_input_code.chars().all(|c| c.is_ascii_digit()));
    assert_eq!(URL_SAFE_NO_PAD.decode(&code.link_code).unwrap().len(), 32);
    assert!(uuid::Uuid::parse_str(&code.code_id).is_ok());
    assert_eq!(code.time_created, START_MS);
    assert_eq!(code.code_lifetime, 900_000);
    let device = h.device(&code.pre_auth_session_id).await.unwrap();
    assert_eq!(device.email.as_deref(), Some("alice@example.com"));
    assert_eq!(device.phone_number, None);
    assert_eq!(device.failed_code_input_attempt_count, 0);
    assert_eq!(device.codes.len(), 1);
    assert_eq!(device.codes[0].code_id, code.code_id);
    assert_eq!(device.codes[0].code_lifetime, 900_000);
    // Debug never shows the secrets.
    let shown = format!("{code:?}");
    assert!(!shown.contains(&code.device_id) && !shown.contains(&code.link_code));
}

#[tokio::test]
async fn link_code_is_the_hmac_of_the_typed_code_and_signs_in() {
    let h = harness().await;
    let code = h.create_for_email("link@example.com", Some("424242")).await;
    assert_eq!(code.user_input_code, "424242");
    // Recompute the link code from the device id and the stored salt.
    let device = h
        .core
        .storage
        .passwordless_device(TENANT, &code.pre_auth_session_id)
        .await
        .unwrap()
        .unwrap();
    let mut key = STANDARD.decode(&code.device_id).unwrap();
    key.extend(STANDARD.decode(&device.link_code_salt).unwrap());
    assert_eq!(key.len(), 64);
    let expected = URL_SAFE_NO_PAD.encode(hmac_sha256(&key, b"424242"));
    assert_eq!(code.link_code, expected);
    let stored = h
        .core
        .storage
        .passwordless_code(TENANT, &code.code_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.link_code_hash,
        STANDARD.encode(sha256(expected.as_bytes()))
    );
    let (user, created_new_user) = h.signed_in(&link(&code)).await;
    assert!(created_new_user);
    assert_eq!(user.emails, vec!["link@example.com"]);
    assert_eq!(user.login_methods[0].recipe_id, "passwordless");
    assert!(user.login_methods[0].verified);
    // The link is used up.
    assert_eq!(
        h.consume(&link(&code)).await,
        ConsumeCodeResponse::RestartFlowError
    );
}

#[tokio::test]
async fn the_sixth_attempt_fails_even_with_the_right_code() {
    let h = harness().await;
    let code = h.create_for_email("a@example.com", None).await;
    let bad = wrong(&code.user_input_code);
    for failed in 1..MAX_ATTEMPTS {
        assert_eq!(h.consume(&typed(&code, &bad)).await, incorrect(failed));
    }
    // The fifth wrong code uses the last attempt: the device is deleted.
    assert_eq!(
        h.consume(&typed(&code, &bad)).await,
        ConsumeCodeResponse::RestartFlowError
    );
    assert!(h.device(&code.pre_auth_session_id).await.is_none());
    assert_eq!(
        h.consume(&right(&code)).await,
        ConsumeCodeResponse::RestartFlowError
    );
    assert_eq!(
        h.consume(&link(&code)).await,
        ConsumeCodeResponse::RestartFlowError
    );
}

#[tokio::test]
async fn four_wrong_codes_then_the_right_one_signs_in() {
    let h = harness().await;
    let code = h.create_for_email("b@example.com", None).await;
    let bad = wrong(&code.user_input_code);
    for failed in 1..MAX_ATTEMPTS {
        assert_eq!(h.consume(&typed(&code, &bad)).await, incorrect(failed));
    }
    match h.consume(&right(&code)).await {
        ConsumeCodeResponse::Ok {
            consumed_device, ..
        } => assert_eq!(
            consumed_device,
            ConsumedDevice {
                pre_auth_session_id: code.pre_auth_session_id.clone(),
                failed_code_input_attempt_count: MAX_ATTEMPTS - 1,
                email: Some("b@example.com".into()),
                phone_number: None,
            }
        ),
        other => panic!("expected OK, got {other:?}"),
    }
}

#[tokio::test]
async fn a_code_is_single_use() {
    let h = harness().await;
    let code = h.create_for_email("once@example.com", None).await;
    h.signed_in(&right(&code)).await;
    assert_eq!(
        h.consume(&right(&code)).await,
        ConsumeCodeResponse::RestartFlowError
    );
    assert_eq!(
        h.check(&right(&code)).await,
        CheckCodeResponse::RestartFlowError
    );
}

#[tokio::test]
async fn a_code_is_valid_up_to_its_lifetime_and_expired_after() {
    let h = harness().await;
    let code = h.create_for_email("exp@example.com", None).await;
    // Exactly at the end of its lifetime the code still works (check does not use it up).
    h.clock.advance(LIFETIME);
    assert!(matches!(
        h.check(&right(&code)).await,
        CheckCodeResponse::Ok { .. }
    ));
    assert!(matches!(
        h.check(&link(&code)).await,
        CheckCodeResponse::Ok { .. }
    ));
    // One millisecond later it has expired, and typing it counts as a failed attempt.
    h.clock.advance(Duration::from_millis(1));
    assert_eq!(
        h.consume(&right(&code)).await,
        ConsumeCodeResponse::ExpiredUserInputCodeError {
            failed_code_input_attempt_count: 1,
            maximum_code_input_attempts: MAX_ATTEMPTS,
        }
    );
    assert_eq!(
        h.check(&right(&code)).await,
        CheckCodeResponse::ExpiredUserInputCodeError {
            failed_code_input_attempt_count: 2,
            maximum_code_input_attempts: MAX_ATTEMPTS,
        }
    );
    // A wrong code is still "incorrect", not "expired".
    assert_eq!(
        h.consume(&typed(&code, &wrong(&code.user_input_code)))
            .await,
        incorrect(3)
    );
    let device = h.device(&code.pre_auth_session_id).await.unwrap();
    assert_eq!(device.failed_code_input_attempt_count, 3);
}

#[tokio::test]
async fn the_link_of_an_expired_code_restarts_the_flow_without_counting() {
    let h = harness().await;
    let code = h.create_for_email("late@example.com", None).await;
    h.clock.advance(LIFETIME + Duration::from_millis(1));
    assert_eq!(
        h.consume(&link(&code)).await,
        ConsumeCodeResponse::RestartFlowError
    );
    assert_eq!(
        h.check(&link(&code)).await,
        CheckCodeResponse::RestartFlowError
    );
    let device = h.device(&code.pre_auth_session_id).await.unwrap();
    assert_eq!(device.failed_code_input_attempt_count, 0);
}

#[tokio::test]
async fn codes_of_one_device_do_not_work_for_another() {
    let h = harness().await;
    let a = h.create_for_email("same@example.com", Some("111111")).await;
    let b = h.create_for_email("same@example.com", Some("222222")).await;
    assert_ne!(a.pre_auth_session_id, b.pre_auth_session_id);
    // B's device with A's code.
    assert_eq!(h.consume(&typed(&b, "111111")).await, incorrect(1));
    // A's link with B's preAuthSessionId is refused as a mismatch.
    let mixed = ConsumeCodeRequest {
        pre_auth_session_id: Some(b.pre_auth_session_id.clone()),
        link_code: Some(a.link_code.clone()),
        ..ConsumeCodeRequest::default()
    };
    assert_eq!(
        bad_request(
            h.core
                .passwordless
                .consume_code(TENANT, &mixed)
                .await
                .unwrap_err()
        ),
        "preAuthSessionId and deviceId doesn't match"
    );
    // B's device id with A's preAuthSessionId too.
    let mixed = ConsumeCodeRequest {
        pre_auth_session_id: Some(a.pre_auth_session_id.clone()),
        ..typed(&b, "222222")
    };
    assert_eq!(
        bad_request(
            h.core
                .passwordless
                .check_code(TENANT, &mixed)
                .await
                .unwrap_err()
        ),
        "preAuthSessionId and deviceId doesn't match"
    );
    // A padded preAuthSessionId is accepted.
    let padded = ConsumeCodeRequest {
        pre_auth_session_id: Some(format!("{}=", a.pre_auth_session_id)),
        ..right(&a)
    };
    assert!(matches!(
        h.check(&padded).await,
        CheckCodeResponse::Ok { .. }
    ));
}

#[tokio::test]
async fn resend_adds_a_code_to_the_same_device_and_keeps_the_failed_count() {
    let h = harness().await;
    let first = h.create_for_email("resend@example.com", None).await;
    assert_eq!(
        h.consume(&typed(&first, &wrong(&first.user_input_code)))
            .await,
        incorrect(1)
    );
    h.clock.advance(Duration::from_secs(10));
    let second = created(h.resend(&first.device_id, None).await);
    assert_eq!(second.pre_auth_session_id, first.pre_auth_session_id);
    assert_eq!(second.device_id, first.device_id);
    assert_ne!(second.code_id, first.code_id);
    assert_eq!(second.time_created, START_MS + 10_000);
    let device = h.device(&first.pre_auth_session_id).await.unwrap();
    assert_eq!(device.failed_code_input_attempt_count, 1);
    let ids: Vec<&str> = device.codes.iter().map(|c| c.code_id.as_str()).collect();
    assert_eq!(ids, vec![first.code_id.as_str(), second.code_id.as_str()]);
    // Both codes work (check leaves them in place).
    for code in [&first, &second] {
        match h.check(&right(code)).await {
            CheckCodeResponse::Ok { consumed_device } => {
                assert_eq!(consumed_device.failed_code_input_attempt_count, 1)
            }
            other => panic!("expected OK, got {other:?}"),
        }
        assert!(matches!(
            h.check(&link(code)).await,
            CheckCodeResponse::Ok { .. }
        ));
    }
    h.signed_in(&right(&first)).await;
    assert_eq!(
        h.consume(&right(&second)).await,
        ConsumeCodeResponse::RestartFlowError
    );
}

#[tokio::test]
async fn create_code_validates_its_input() {
    let h = harness().await;
    let cases = [
        json!({}),
        json!({"email": "a@b.co", "phoneNumber": "+15550100"}),
        json!({"email": "a@b.co", "deviceId": STANDARD.encode([1u8; 32])}),
    ];
    for body in cases {
        let request: CreateCodeRequest = serde_json::from_value(body.clone()).unwrap();
        let error = h
            .core
            .passwordless
            .create_code(TENANT, &request)
            .await
            .unwrap_err();
        assert_eq!(
            bad_request(error),
            "Please provide exactly one of email, phoneNumber or deviceId",
            "{body}"
        );
    }
    let empty_code = CreateCodeRequest {
        email: Some("a@b.co".into()),
        user_input_code: Some(String::new()),
        ..CreateCodeRequest::default()
    };
    assert_eq!(
        bad_request(
            h.core
                .passwordless
                .create_code(TENANT, &empty_code)
                .await
                .unwrap_err()
        ),
        "userInputCode cannot be an empty string"
    );
    let bad_device = CreateCodeRequest {
        device_id: Some("not base64!".into()),
        ..CreateCodeRequest::default()
    };
    assert_eq!(
        bad_request(
            h.core
                .passwordless
                .create_code(TENANT, &bad_device)
                .await
                .unwrap_err()
        ),
        "Input encoding error in deviceId"
    );
    // An unknown device restarts the flow.
    assert_eq!(
        h.resend(&STANDARD.encode([3u8; 32]), None).await,
        CreateCodeResponse::RestartFlowError
    );
}

#[tokio::test]
async fn a_chosen_code_already_on_the_device_is_refused() {
    let h = harness().await;
    let code = h
        .create_for_email("chosen@example.com", Some("777777"))
        .await;
    assert_eq!(
        h.resend(&code.device_id, Some("777777")).await,
        CreateCodeResponse::UserInputCodeAlreadyUsedError
    );
    let other = created(h.resend(&code.device_id, Some("888888")).await);
    assert_eq!(other.user_input_code, "888888");
    // The same chosen code on another device is fine.
    let elsewhere = h
        .create_for_email("chosen@example.com", Some("777777"))
        .await;
    assert_ne!(elsewhere.link_code, code.link_code);
}

#[tokio::test]
async fn consume_and_check_validate_their_input() {
    let h = harness().await;
    let code = h.create_for_email("input@example.com", None).await;
    let cases = [
        (
            json!({"deviceId": code.device_id, "userInputCode": "1"}),
            "Please provide preAuthSessionId",
        ),
        (
            json!({"preAuthSessionId": code.pre_auth_session_id, "linkCode": code.link_code, "userInputCode": "1"}),
            "Please provide one of (linkCode) or (deviceId+userInputCode) and not both",
        ),
        (
            json!({"preAuthSessionId": code.pre_auth_session_id}),
            "Please provide one of (linkCode) or (deviceId+userInputCode) and not both",
        ),
        (
            json!({"preAuthSessionId": code.pre_auth_session_id, "deviceId": code.device_id}),
            "Please provide both deviceId and userInputCode",
        ),
        (
            json!({"preAuthSessionId": code.pre_auth_session_id, "deviceId": "@@", "userInputCode": "1"}),
            "Input encoding error in deviceId",
        ),
        (
            json!({"preAuthSessionId": code.pre_auth_session_id, "linkCode": "a+b/"}),
            "Input encoding error in linkCode",
        ),
    ];
    for (body, expected) in cases {
        let request: ConsumeCodeRequest = serde_json::from_value(body.clone()).unwrap();
        let consume = h
            .core
            .passwordless
            .consume_code(TENANT, &request)
            .await
            .unwrap_err();
        assert_eq!(bad_request(consume), expected, "{body}");
        let check = h
            .core
            .passwordless
            .check_code(TENANT, &request)
            .await
            .unwrap_err();
        assert_eq!(bad_request(check), expected, "{body}");
    }
    // An unknown device or link restarts the flow.
    let unknown = ConsumeCodeRequest {
        device_id: Some(STANDARD.encode([5u8; 32])),
        ..right(&code)
    };
    assert_eq!(
        h.consume(&unknown).await,
        ConsumeCodeResponse::RestartFlowError
    );
    let unknown_link = ConsumeCodeRequest {
        link_code: Some(URL_SAFE_NO_PAD.encode([5u8; 32])),
        ..link(&code)
    };
    assert_eq!(
        h.consume(&unknown_link).await,
        ConsumeCodeResponse::RestartFlowError
    );
    // None of this touched the device.
    let device = h.device(&code.pre_auth_session_id).await.unwrap();
    assert_eq!(device.failed_code_input_attempt_count, 0);
}

#[tokio::test]
async fn check_does_not_consume() {
    let h = harness().await;
    let code = h.create_for_phone(" +15550100 ").await;
    for _ in 0..3 {
        match h.check(&right(&code)).await {
            CheckCodeResponse::Ok { consumed_device } => {
                assert_eq!(consumed_device.phone_number.as_deref(), Some("+15550100"));
                assert_eq!(consumed_device.email, None);
            }
            other => panic!("expected OK, got {other:?}"),
        }
    }
    let (user, created_new_user) = h.signed_in(&right(&code)).await;
    assert!(created_new_user);
    assert_eq!(user.phone_numbers, vec!["+15550100"]);
    assert!(user.emails.is_empty());
    assert!(!user.login_methods[0].verified);
}

#[tokio::test]
async fn a_successful_consume_removes_every_device_of_the_contact() {
    let h = harness().await;
    let one = h.create_for_email("many@example.com", None).await;
    let two = h.create_for_email("MANY@example.com", None).await;
    let other = h.create_for_email("other@example.com", None).await;
    let phone = h.create_for_phone("+15550199").await;
    assert_eq!(h.devices_of_email("many@example.com").await.len(), 2);
    h.signed_in(&right(&one)).await;
    assert!(h.devices_of_email("many@example.com").await.is_empty());
    assert_eq!(
        h.consume(&right(&two)).await,
        ConsumeCodeResponse::RestartFlowError
    );
    assert!(h.device(&other.pre_auth_session_id).await.is_some());
    assert!(h.device(&phone.pre_auth_session_id).await.is_some());
}

#[tokio::test]
async fn the_consumed_user_is_created_once_then_found() {
    let h = harness().await;
    let first = h.create_for_email("user@example.com", None).await;
    let (user, created_new_user) = h.signed_in(&right(&first)).await;
    assert!(created_new_user);
    assert_eq!(user.time_joined, START_MS);
    h.clock.advance(Duration::from_secs(5));
    let second = h.create_for_email("User@Example.com", None).await;
    let (again, created_new_user) = h.signed_in(&link(&second)).await;
    assert!(!created_new_user);
    assert_eq!(again.id, user.id);
    assert_eq!(again.time_joined, START_MS);
    // Found by id, email and phone number; not through the other recipe.
    let found = h
        .core
        .passwordless
        .get_user(TENANT, Some(&user.id), None, None)
        .await
        .unwrap();
    assert_eq!(found, GetUserResponse::Ok { user: user.clone() });
    assert_eq!(
        h.core
            .passwordless
            .get_user(TENANT, None, Some(" USER@example.com"), None)
            .await
            .unwrap(),
        GetUserResponse::Ok { user: user.clone() }
    );
    assert_eq!(
        h.core
            .passwordless
            .get_user(TENANT, None, None, Some("+15550000"))
            .await
            .unwrap(),
        GetUserResponse::UnknownPhoneNumberError
    );
    assert_eq!(
        h.core
            .passwordless
            .get_user(TENANT, None, Some("nobody@example.com"), None)
            .await
            .unwrap(),
        GetUserResponse::UnknownEmailError
    );
    let SignUpResponse::Ok { recipe_user_id, .. } = h
        .core
        .emailpassword
        .sign_up(TENANT, "user@example.com", "password123")
        .await
        .unwrap()
    else {
        panic!("sign-up failed");
    };
    assert_eq!(
        h.core
            .passwordless
            .get_user(TENANT, Some(&recipe_user_id), None, None)
            .await
            .unwrap(),
        GetUserResponse::UnknownUserIdError
    );
    assert_eq!(
        bad_request(
            h.core
                .passwordless
                .get_user(TENANT, Some(&user.id), Some("user@example.com"), None)
                .await
                .unwrap_err()
        ),
        "Please provide exactly one of userId, email or phoneNumber"
    );
}

#[tokio::test]
async fn concurrent_consumes_of_one_code_succeed_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("pl.db").display());
    let h = harness_on(
        &url,
        &ConnectOptions {
            max_connections: 10,
            ..ConnectOptions::default()
        },
    )
    .await;
    let code = h.create_for_email("race@example.com", None).await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let core = h.core.clone();
        let request = if i % 2 == 0 {
            right(&code)
        } else {
            link(&code)
        };
        tasks.push(tokio::spawn(async move {
            core.passwordless
                .consume_code(TENANT, &request)
                .await
                .unwrap()
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            ConsumeCodeResponse::Ok {
                created_new_user, ..
            } => {
                assert!(created_new_user);
                ok += 1;
            }
            ConsumeCodeResponse::RestartFlowError => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(ok, 1);
    let users = h
        .core
        .users
        .by_account_info(TENANT, Some("race@example.com"), None, false)
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
}

#[tokio::test]
async fn concurrent_first_sign_ins_of_one_contact_make_one_user() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("pl.db").display());
    let h = harness_on(
        &url,
        &ConnectOptions {
            max_connections: 10,
            ..ConnectOptions::default()
        },
    )
    .await;
    // Separate devices, all consumed at once: one wins the device cleanup, but whichever
    // succeed must end up on the same user.
    let mut codes = Vec::new();
    for _ in 0..6 {
        codes.push(h.create_for_email("herd@example.com", None).await);
    }
    let mut tasks = Vec::new();
    for code in &codes {
        let core = h.core.clone();
        let request = right(code);
        tasks.push(tokio::spawn(async move {
            core.passwordless
                .consume_code(TENANT, &request)
                .await
                .unwrap()
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            ConsumeCodeResponse::Ok { user, .. } => ids.push(user.id),
            ConsumeCodeResponse::RestartFlowError => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(!ids.is_empty());
    assert!(ids.iter().all(|id| id == &ids[0]), "{ids:?}");
}

#[tokio::test]
async fn listing_codes_by_each_key() {
    let h = harness().await;
    let code = h.create_for_email("list@example.com", None).await;
    let phone = h.create_for_phone("+15550123").await;
    let by_email = h.devices_of_email(" List@Example.com").await;
    let by_device_id = h
        .devices(CodesQuery {
            device_id: Some(&code.device_id),
            ..CodesQuery::default()
        })
        .await;
    let by_pre_auth = h.device(&code.pre_auth_session_id).await.unwrap();
    assert_eq!(by_email, vec![by_pre_auth.clone()]);
    assert_eq!(by_device_id, vec![by_pre_auth]);
    let by_phone = h
        .devices(CodesQuery {
            phone_number: Some(" +15550123 "),
            ..CodesQuery::default()
        })
        .await;
    assert_eq!(by_phone.len(), 1);
    assert_eq!(by_phone[0].pre_auth_session_id, phone.pre_auth_session_id);
    assert!(h.devices_of_email("nobody@example.com").await.is_empty());
    for query in [
        CodesQuery::default(),
        CodesQuery {
            email: Some("a@b.co"),
            phone_number: Some("+1"),
            ..CodesQuery::default()
        },
    ] {
        assert_eq!(
            bad_request(
                h.core
                    .passwordless
                    .list_codes(TENANT, query)
                    .await
                    .unwrap_err()
            ),
            "Please provide exactly one of email, phoneNumber, deviceId or preAuthSessionId"
        );
    }
}

#[tokio::test]
async fn removing_codes_and_devices() {
    let h = harness().await;
    let first = h.create_for_email("rm@example.com", None).await;
    let second = created(h.resend(&first.device_id, None).await);
    // Removing one of two codes keeps the device.
    h.core
        .passwordless
        .remove_code(TENANT, Some(&first.code_id), None)
        .await
        .unwrap();
    let device = h.device(&first.pre_auth_session_id).await.unwrap();
    assert_eq!(device.codes.len(), 1);
    assert_eq!(
        h.consume(&right(&first)).await,
        incorrect(1),
        "a removed code no longer works"
    );
    // Removing the last code removes the device.
    h.core
        .passwordless
        .remove_code(TENANT, Some(&second.code_id), None)
        .await
        .unwrap();
    assert!(h.device(&first.pre_auth_session_id).await.is_none());
    // Whole devices by preAuthSessionId, and every device of a contact.
    let third = h.create_for_email("rm@example.com", None).await;
    h.core
        .passwordless
        .remove_code(TENANT, None, Some(&third.pre_auth_session_id))
        .await
        .unwrap();
    assert!(h.device(&third.pre_auth_session_id).await.is_none());
    h.create_for_email("rm@example.com", None).await;
    h.create_for_email("rm@example.com", None).await;
    let phone = h.create_for_phone("+15550111").await;
    h.core
        .passwordless
        .remove_codes(TENANT, Some("RM@example.com"), None)
        .await
        .unwrap();
    assert!(h.devices_of_email("rm@example.com").await.is_empty());
    h.core
        .passwordless
        .remove_codes(TENANT, None, Some("+15550111"))
        .await
        .unwrap();
    assert!(h.device(&phone.pre_auth_session_id).await.is_none());
    // Unknown ids are fine; ambiguous requests are not.
    h.core
        .passwordless
        .remove_code(TENANT, Some("no-such-code"), None)
        .await
        .unwrap();
    assert_eq!(
        bad_request(
            h.core
                .passwordless
                .remove_code(TENANT, None, None)
                .await
                .unwrap_err()
        ),
        "Please provide exactly one of codeId or preAuthSessionId"
    );
    assert_eq!(
        bad_request(
            h.core
                .passwordless
                .remove_codes(TENANT, Some("a@b.co"), Some("+1"))
                .await
                .unwrap_err()
        ),
        "Please provide exactly one of email or phoneNumber"
    );
}

#[tokio::test]
async fn updating_a_users_contact() {
    let h = harness().await;
    let (alice, _) = h
        .signed_in(&right(&h.create_for_email("alice@example.com", None).await))
        .await;
    let (carol, _) = h
        .signed_in(&right(&h.create_for_email("carol@example.com", None).await))
        .await;
    let (phoebe, _) = h
        .signed_in(&right(&h.create_for_phone("+15550001").await))
        .await;
    let update = |id: &str, email: FieldUpdate, phone_number: FieldUpdate| UpdateUserRequest {
        recipe_user_id: Some(id.to_owned()),
        user_id: None,
        email,
        phone_number,
    };
    assert_eq!(
        h.update(update(
            &alice.id,
            FieldUpdate::Set(" Carol@Example.com ".into()),
            FieldUpdate::Keep
        ))
        .await
        .unwrap(),
        UpdateUserResponse::EmailAlreadyExistsError
    );
    assert_eq!(
        h.update(update(
            &alice.id,
            FieldUpdate::Keep,
            FieldUpdate::Set("+15550001".into())
        ))
        .await
        .unwrap(),
        UpdateUserResponse::PhoneNumberAlreadyExistsError
    );
    assert_eq!(
        h.update(update(
            "00000000-0000-4000-8000-000000000000",
            FieldUpdate::Set("x@example.com".into()),
            FieldUpdate::Keep
        ))
        .await
        .unwrap(),
        UpdateUserResponse::UnknownUserIdError
    );
    // Clearing both, or the only contact, is refused.
    assert_eq!(
        bad_request(
            h.update(update(&alice.id, FieldUpdate::Clear, FieldUpdate::Clear))
                .await
                .unwrap_err()
        ),
        "A user must keep an email or a phone number"
    );
    assert_eq!(
        bad_request(
            h.update(update(&alice.id, FieldUpdate::Clear, FieldUpdate::Keep))
                .await
                .unwrap_err()
        ),
        "A user must keep an email or a phone number"
    );
    assert!(
        bad_request(h.update(UpdateUserRequest::default()).await.unwrap_err())
            .contains("recipeUserId")
    );
    // Add a phone, then drop the email.
    let pending = h.create_for_email("alice@example.com", None).await;
    assert_eq!(
        h.update(update(
            &alice.id,
            FieldUpdate::Keep,
            FieldUpdate::Set(" +15550002 ".into())
        ))
        .await
        .unwrap(),
        UpdateUserResponse::Ok
    );
    assert_eq!(
        h.update(update(&alice.id, FieldUpdate::Clear, FieldUpdate::Keep))
            .await
            .unwrap(),
        UpdateUserResponse::Ok
    );
    // The old contact's device went with the change.
    assert!(h.device(&pending.pre_auth_session_id).await.is_none());
    match h
        .core
        .passwordless
        .get_user(TENANT, Some(&alice.id), None, None)
        .await
        .unwrap()
    {
        GetUserResponse::Ok { user } => {
            assert!(user.emails.is_empty());
            assert_eq!(user.phone_numbers, vec!["+15550002"]);
        }
        other => panic!("expected OK, got {other:?}"),
    }
    // The legacy userId field works too; an email is normalised.
    let legacy = UpdateUserRequest {
        recipe_user_id: None,
        user_id: Some(phoebe.id.clone()),
        email: FieldUpdate::Set("  Phoebe@Example.com".into()),
        phone_number: FieldUpdate::Keep,
    };
    assert_eq!(h.update(legacy).await.unwrap(), UpdateUserResponse::Ok);
    assert_eq!(
        h.core
            .passwordless
            .get_user(TENANT, None, Some("phoebe@example.com"), None)
            .await
            .unwrap(),
        h.core
            .passwordless
            .get_user(TENANT, Some(&phoebe.id), None, None)
            .await
            .unwrap()
    );
    // Signing in with the new email finds the same user.
    let (again, created_new_user) = h
        .signed_in(&right(
            &h.create_for_email("phoebe@example.com", None).await,
        ))
        .await;
    assert!(!created_new_user);
    assert_eq!(again.id, phoebe.id);
    let _ = carol;
}

#[tokio::test]
async fn cleanup_deletes_devices_whose_codes_all_expired() {
    let h = harness().await;
    let refreshed = h.create_for_email("c1@example.com", None).await;
    let mut stale = Vec::new();
    for i in 0..3 {
        stale.push(h.create_for_email(&format!("s{i}@example.com"), None).await);
    }
    h.clock.advance(LIFETIME / 2);
    created(h.resend(&refreshed.device_id, None).await);
    let fresh = h.create_for_email("c2@example.com", None).await;
    assert_eq!(h.core.run_cleanup().await.unwrap().passwordless_devices, 0);
    h.clock.advance(LIFETIME / 2 + Duration::from_millis(1));
    let report = h.core.run_cleanup().await.unwrap();
    assert_eq!(report.passwordless_devices, 3);
    for code in &stale {
        assert!(h.device(&code.pre_auth_session_id).await.is_none());
    }
    // A device with one live code keeps its expired codes too.
    let kept = h.device(&refreshed.pre_auth_session_id).await.unwrap();
    assert_eq!(kept.codes.len(), 2);
    assert!(h.device(&fresh.pre_auth_session_id).await.is_some());
    assert_eq!(
        h.consume(&right(&refreshed)).await,
        ConsumeCodeResponse::ExpiredUserInputCodeError {
            failed_code_input_attempt_count: 1,
            maximum_code_input_attempts: MAX_ATTEMPTS,
        }
    );
}
