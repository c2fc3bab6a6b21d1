//! Engine tests of the rate limits by account (see `supertokens_core_engine::ratelimit`):
//! the progressive delay of sign-ins (refusals, doubling, cap, what forgets failures), the
//! window limits of sign-ups, reset tokens and passwordless codes, their isolation by
//! account and tenant, identical behaviour for unknown accounts, concurrency, two cores on
//! one database, cleanup and the master switch. Time only moves with the manual clock.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;
use std::time::Duration;

use supertokens_cdi::emailpassword::{
    ConsumeResetTokenResponse, CreateResetTokenResponse, SignInResponse, SignUpResponse,
    UpdateUserResponse,
};
use supertokens_cdi::multitenancy::TenantInput;
use supertokens_cdi::passwordless::{CreateCodeRequest, CreateCodeResponse};
use supertokens_core_engine::{Core, CoreConfig, EngineError, ManualClock, RateLimitConfig};
use supertokens_crypto::password::PasswordHashingPolicy;
use supertokens_crypto::random::OsRandom;
use supertokens_storage::{ConnectOptions, connect};

const START_MS: i64 = 1_700_000_000_000;
const PASSWORD: &str = "password-1";
const PUBLIC: &str = "public";

struct Harness {
    core: Arc<Core>,
    clock: Arc<ManualClock>,
}

fn config(rate_limits: RateLimitConfig) -> CoreConfig {
    CoreConfig {
        password_hashing: PasswordHashingPolicy::danger_test_minimum(),
        password_hashing_pool_size: 2,
        rate_limits,
        ..CoreConfig::default()
    }
}

async fn harness_with(rate_limits: RateLimitConfig) -> Harness {
    let storage = connect("sqlite::memory:", &ConnectOptions::default())
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let core = Core::new(
        storage,
        config(rate_limits),
        clock.clone(),
        Arc::new(OsRandom),
    )
    .await
    .unwrap();
    Harness {
        core: Arc::new(core),
        clock,
    }
}

async fn harness() -> Harness {
    harness_with(RateLimitConfig::default()).await
}

/// What an attempt came to, comparable across accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Ok,
    WrongCredentials,
    /// Refused; the wait in milliseconds.
    Limited(u128),
}

fn limited(error: EngineError) -> Outcome {
    match error {
        EngineError::RateLimited { retry_after, .. } => Outcome::Limited(retry_after.as_millis()),
        other => panic!("expected a rate limit, got {other:?}"),
    }
}

fn secs(n: u64) -> Outcome {
    Outcome::Limited(u128::from(n) * 1000)
}

async fn sign_up(h: &Harness, tenant: &str, email: &str) -> String {
    match h
        .core
        .emailpassword
        .sign_up(tenant, email, PASSWORD)
        .await
        .unwrap()
    {
        SignUpResponse::Ok { recipe_user_id, .. } => recipe_user_id,
        other => panic!("sign-up failed: {other:?}"),
    }
}

async fn sign_in(h: &Harness, tenant: &str, email: &str, password: &str) -> Outcome {
    match h.core.emailpassword.sign_in(tenant, email, password).await {
        Ok(SignInResponse::Ok { .. }) => Outcome::Ok,
        Ok(SignInResponse::WrongCredentialsError) => Outcome::WrongCredentials,
        Err(error) => limited(error),
    }
}

async fn wrong(h: &Harness, email: &str) -> Outcome {
    sign_in(h, PUBLIC, email, "not-the-password").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_are_delayed_progressively_up_to_the_cap() {
    let h = harness().await;
    sign_up(&h, PUBLIC, "a@x.com").await;
    for _ in 0..5 {
        assert_eq!(wrong(&h, "a@x.com").await, Outcome::WrongCredentials);
    }
    // The sixth in a row is refused for 1 s, without looking at the password.
    assert_eq!(wrong(&h, "a@x.com").await, secs(1));
    assert_eq!(sign_in(&h, PUBLIC, "a@x.com", PASSWORD).await, secs(1));
    h.clock.advance(Duration::from_millis(400));
    let error = h
        .core
        .emailpassword
        .sign_in(PUBLIC, "A@X.com ", "x")
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Too many sign-in attempts for this account; retry in 1 s"
    );
    assert_eq!(limited(error), Outcome::Limited(600));
    h.clock.advance(Duration::from_millis(600));
    // Each failure past the free ones doubles the delay: 2 s, 4 s, … up to 15 minutes.
    let mut delays = Vec::new();
    for _ in 0..14 {
        assert_eq!(wrong(&h, "a@x.com").await, Outcome::WrongCredentials);
        let Outcome::Limited(wait) = wrong(&h, "a@x.com").await else {
            panic!("not delayed");
        };
        delays.push(wait / 1000);
        h.clock
            .advance(Duration::from_millis(u64::try_from(wait).unwrap()));
    }
    assert_eq!(
        delays,
        [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900, 900]
    );
    // After the delay the right password signs in, and the failures are forgotten.
    assert_eq!(sign_in(&h, PUBLIC, "a@x.com", PASSWORD).await, Outcome::Ok);
    for _ in 0..5 {
        assert_eq!(wrong(&h, "a@x.com").await, Outcome::WrongCredentials);
    }
    assert_eq!(wrong(&h, "a@x.com").await, secs(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_forgotten_an_hour_after_the_last_one() {
    let h = harness().await;
    sign_up(&h, PUBLIC, "a@x.com").await;
    for _ in 0..5 {
        wrong(&h, "a@x.com").await;
    }
    h.clock.advance(Duration::from_secs(59 * 60));
    // Still remembered: the next failure (allowed, the delay has passed) counts as sixth.
    assert_eq!(wrong(&h, "a@x.com").await, Outcome::WrongCredentials);
    assert_eq!(wrong(&h, "a@x.com").await, secs(2));
    h.clock.advance(Duration::from_secs(3600));
    for _ in 0..5 {
        assert_eq!(wrong(&h, "a@x.com").await, Outcome::WrongCredentials);
    }
    assert_eq!(wrong(&h, "a@x.com").await, secs(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_email_behaves_exactly_like_a_known_one() {
    let h = harness().await;
    sign_up(&h, PUBLIC, "known@x.com").await;
    let mut sequences = Vec::new();
    for (round, email) in ["known@x.com", "unknown@x.com"].into_iter().enumerate() {
        // Each account starts at the same offset into its own ten hours.
        h.clock
            .set(START_MS + i64::try_from(round).unwrap() * 36_000_000);
        let mut outcomes = Vec::new();
        for step in 0..12 {
            outcomes.push(wrong(&h, email).await);
            if step % 3 == 2 {
                h.clock.advance(Duration::from_millis(1500));
            }
        }
        sequences.push(outcomes);
    }
    assert_eq!(sequences[0], sequences[1]);
    assert!(sequences[0].contains(&Outcome::WrongCredentials));
    assert!(sequences[0].contains(&secs(1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_accounts_and_tenants_are_not_affected() {
    let h = harness().await;
    h.core
        .tenants
        .create_or_update("t1", &TenantInput::default())
        .await
        .unwrap();
    sign_up(&h, PUBLIC, "a@x.com").await;
    sign_up(&h, PUBLIC, "b@x.com").await;
    sign_up(&h, "t1", "a@x.com").await;
    for _ in 0..5 {
        wrong(&h, "a@x.com").await;
    }
    assert_eq!(wrong(&h, "a@x.com").await, secs(1));
    assert_eq!(sign_in(&h, PUBLIC, "b@x.com", PASSWORD).await, Outcome::Ok);
    assert_eq!(sign_in(&h, "t1", "a@x.com", PASSWORD).await, Outcome::Ok);
    for _ in 0..5 {
        assert_eq!(
            sign_in(&h, "t1", "a@x.com", "nope").await,
            Outcome::WrongCredentials
        );
    }
    assert_eq!(sign_in(&h, "t1", "a@x.com", "nope").await, secs(1));
    // A success in t1 forgets t1's failures only.
    h.clock.advance(Duration::from_secs(1));
    assert_eq!(sign_in(&h, "t1", "a@x.com", PASSWORD).await, Outcome::Ok);
    assert_eq!(
        sign_in(&h, "t1", "a@x.com", "nope").await,
        Outcome::WrongCredentials
    );
    assert_eq!(wrong(&h, "a@x.com").await, Outcome::WrongCredentials);
    assert_eq!(wrong(&h, "a@x.com").await, secs(2));
}

async fn lock(h: &Harness, email: &str) {
    for _ in 0..5 {
        wrong(h, email).await;
    }
    assert_eq!(wrong(h, email).await, secs(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_reset_forgets_the_failures() {
    let h = harness().await;
    h.core
        .tenants
        .create_or_update("t1", &TenantInput::default())
        .await
        .unwrap();
    let user_id = sign_up(&h, PUBLIC, "a@x.com").await;
    h.core.tenants.associate("t1", &user_id).await.unwrap();
    lock(&h, "a@x.com").await;
    for _ in 0..5 {
        sign_in(&h, "t1", "a@x.com", "nope").await;
    }
    assert_eq!(sign_in(&h, "t1", "a@x.com", "nope").await, secs(1));
    // Consuming a reset token forgets the failures in every tenant.
    let CreateResetTokenResponse::Ok { token } = h
        .core
        .emailpassword
        .create_reset_token(PUBLIC, &user_id, None)
        .await
        .unwrap()
    else {
        panic!("no token");
    };
    assert!(matches!(
        h.core
            .emailpassword
            .consume_reset_token(&token)
            .await
            .unwrap(),
        ConsumeResetTokenResponse::Ok { .. }
    ));
    assert_eq!(sign_in(&h, PUBLIC, "a@x.com", PASSWORD).await, Outcome::Ok);
    lock(&h, "a@x.com").await;
    assert_eq!(sign_in(&h, "t1", "a@x.com", PASSWORD).await, Outcome::Ok);
    // So does a new password set through the CDI.
    assert_eq!(
        h.core
            .emailpassword
            .update_user(&user_id, None, Some("password-2"))
            .await
            .unwrap(),
        UpdateUserResponse::Ok
    );
    assert_eq!(
        sign_in(&h, PUBLIC, "a@x.com", "password-2").await,
        Outcome::Ok
    );
    // And the older combined reset flow.
    lock(&h, "a@x.com").await;
    let CreateResetTokenResponse::Ok { token } = h
        .core
        .emailpassword
        .create_reset_token(PUBLIC, &user_id, None)
        .await
        .unwrap()
    else {
        panic!("no token");
    };
    h.core
        .emailpassword
        .reset_password(&token, "password-3")
        .await
        .unwrap();
    assert_eq!(
        sign_in(&h, PUBLIC, "a@x.com", "password-3").await,
        Outcome::Ok
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_attempts_never_get_past_the_free_failures() {
    let h = harness().await;
    sign_up(&h, PUBLIC, "a@x.com").await;
    for email in ["a@x.com", "nobody@x.com"] {
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let core = Arc::clone(&h.core);
                tokio::spawn(async move {
                    core.emailpassword
                        .sign_in(PUBLIC, email, "not-the-password")
                        .await
                })
            })
            .collect();
        let mut checked = 0;
        let mut refused = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(SignInResponse::WrongCredentialsError) => checked += 1,
                Err(EngineError::RateLimited { .. }) => refused += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!((checked, refused), (5, 15), "{email}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_cores_on_one_database_count_together() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("core.db").display());
    let clock = Arc::new(ManualClock::new(START_MS));
    let mut cores = Vec::new();
    for _ in 0..2 {
        let storage = connect(&url, &ConnectOptions::default()).await.unwrap();
        let core = Core::new(
            storage,
            config(RateLimitConfig::default()),
            clock.clone(),
            Arc::new(OsRandom),
        )
        .await
        .unwrap();
        cores.push(Arc::new(core));
    }
    let h = Harness {
        core: Arc::clone(&cores[0]),
        clock: clock.clone(),
    };
    let other = Harness {
        core: Arc::clone(&cores[1]),
        clock,
    };
    sign_up(&h, PUBLIC, "a@x.com").await;
    for i in 0..5 {
        let on = if i % 2 == 0 { &h } else { &other };
        assert_eq!(wrong(on, "a@x.com").await, Outcome::WrongCredentials);
    }
    assert_eq!(wrong(&other, "a@x.com").await, secs(1));
    assert_eq!(wrong(&h, "a@x.com").await, secs(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ups_per_email_are_limited_per_window() {
    let h = harness().await;
    let mut outcomes = Vec::new();
    for _ in 0..10 {
        outcomes.push(
            match h
                .core
                .emailpassword
                .sign_up(PUBLIC, "a@x.com", PASSWORD)
                .await
                .unwrap()
            {
                SignUpResponse::Ok { .. } => "ok",
                SignUpResponse::EmailAlreadyExistsError => "exists",
            },
        );
    }
    assert_eq!(outcomes[0], "ok");
    assert!(outcomes[1..].iter().all(|o| *o == "exists"), "{outcomes:?}");
    h.clock.advance(Duration::from_secs(60));
    let error = h
        .core
        .emailpassword
        .sign_up(PUBLIC, "A@x.com", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Too many sign-up attempts for this email; retry in 540 s"
    );
    // An email nobody has is limited the same way; other emails are not.
    for _ in 0..10 {
        h.core
            .emailpassword
            .sign_up(PUBLIC, "new@x.com", "")
            .await
            .unwrap_err();
    }
    for i in 0..10 {
        let email = format!("n{i}@x.com");
        sign_up(&h, PUBLIC, &email).await;
    }
    // Bad requests (empty password) were not counted.
    sign_up(&h, PUBLIC, "new@x.com").await;
    // The window starts over after 10 minutes.
    h.clock.advance(Duration::from_secs(540));
    assert!(matches!(
        h.core
            .emailpassword
            .sign_up(PUBLIC, "a@x.com", PASSWORD)
            .await
            .unwrap(),
        SignUpResponse::EmailAlreadyExistsError
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_tokens_per_user_are_limited_per_window() {
    let h = harness().await;
    let user_id = sign_up(&h, PUBLIC, "a@x.com").await;
    let request = |user_id: String| {
        let core = Arc::clone(&h.core);
        async move {
            match core
                .emailpassword
                .create_reset_token(PUBLIC, &user_id, None)
                .await
            {
                Ok(CreateResetTokenResponse::Ok { .. }) => "ok".to_owned(),
                Ok(CreateResetTokenResponse::UnknownUserIdError) => "unknown".to_owned(),
                Err(error) => error.to_string(),
            }
        }
    };
    for user in [user_id.as_str(), "no-such-user"] {
        let expected = if user == "no-such-user" {
            "unknown"
        } else {
            "ok"
        };
        for _ in 0..5 {
            assert_eq!(request(user.to_owned()).await, expected);
        }
        assert_eq!(
            request(user.to_owned()).await,
            "Too many password reset requests for this user; retry in 3600 s"
        );
    }
    h.clock.advance(Duration::from_secs(3599));
    assert!(request(user_id.clone()).await.contains("retry in 1 s"));
    h.clock.advance(Duration::from_secs(1));
    assert_eq!(request(user_id.clone()).await, "ok");
}

fn email_code(email: &str) -> CreateCodeRequest {
    CreateCodeRequest {
        email: Some(email.to_owned()),
        ..CreateCodeRequest::default()
    }
}

async fn create_code(h: &Harness, request: &CreateCodeRequest) -> Result<String, String> {
    match h.core.passwordless.create_code(PUBLIC, request).await {
        Ok(CreateCodeResponse::Ok(created)) => Ok(created.device_id),
        Ok(other) => panic!("unexpected {other:?}"),
        Err(error) => Err(error.to_string()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwordless_codes_per_contact_are_limited_per_window() {
    let h = harness().await;
    // New devices and resends count together.
    let device_id = create_code(&h, &email_code("a@x.com")).await.unwrap();
    let resend = CreateCodeRequest {
        device_id: Some(device_id),
        ..CreateCodeRequest::default()
    };
    for i in 1..10 {
        let request = if i % 2 == 0 {
            email_code(" A@x.com")
        } else {
            resend.clone()
        };
        create_code(&h, &request).await.unwrap();
    }
    let refused = "Too many codes requested for this email or phone number; retry in 3600 s";
    assert_eq!(
        create_code(&h, &email_code("a@x.com")).await.unwrap_err(),
        refused
    );
    assert_eq!(create_code(&h, &resend).await.unwrap_err(), refused);
    // Phone numbers count apart, and other contacts are not affected.
    let phone = CreateCodeRequest {
        phone_number: Some("+14155550100".to_owned()),
        ..CreateCodeRequest::default()
    };
    for _ in 0..10 {
        create_code(&h, &phone).await.unwrap();
    }
    assert_eq!(create_code(&h, &phone).await.unwrap_err(), refused);
    create_code(&h, &email_code("b@x.com")).await.unwrap();
    h.clock.advance(Duration::from_secs(3600));
    create_code(&h, &resend).await.unwrap();
    create_code(&h, &phone).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_master_switch_turns_every_limit_off() {
    let h = harness_with(RateLimitConfig::disabled()).await;
    let user_id = sign_up(&h, PUBLIC, "a@x.com").await;
    for _ in 0..30 {
        assert_eq!(wrong(&h, "a@x.com").await, Outcome::WrongCredentials);
        h.core
            .emailpassword
            .sign_up(PUBLIC, "a@x.com", PASSWORD)
            .await
            .unwrap();
        h.core
            .emailpassword
            .create_reset_token(PUBLIC, &user_id, None)
            .await
            .unwrap();
        create_code(&h, &email_code("a@x.com")).await.unwrap();
    }
    // Nothing was counted: no counter is left to expire.
    h.clock.advance(Duration::from_secs(2 * 3600));
    assert_eq!(h.core.run_cleanup().await.unwrap().rate_limits, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_deletes_counters_that_stopped_mattering() {
    let h = harness().await;
    sign_up(&h, PUBLIC, "a@x.com").await;
    wrong(&h, "a@x.com").await;
    create_code(&h, &email_code("a@x.com")).await.unwrap();
    assert_eq!(h.core.run_cleanup().await.unwrap().rate_limits, 0);
    // The sign-up window (10 minutes) has passed; the sign-in failure and the code
    // window (an hour) have not.
    h.clock.advance(Duration::from_secs(601));
    assert_eq!(h.core.run_cleanup().await.unwrap().rate_limits, 1);
    h.clock.advance(Duration::from_secs(3600));
    assert_eq!(h.core.run_cleanup().await.unwrap().rate_limits, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_code_requests_never_get_past_the_limit() {
    let h = harness().await;
    let tasks: Vec<_> = (0..25)
        .map(|_| {
            let core = Arc::clone(&h.core);
            tokio::spawn(async move {
                core.passwordless
                    .create_code(PUBLIC, &email_code("a@x.com"))
                    .await
            })
        })
        .collect();
    let (mut created, mut refused) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(CreateCodeResponse::Ok(_)) => created += 1,
            Err(EngineError::RateLimited { retry_after, .. }) => {
                assert_eq!(retry_after, Duration::from_secs(3600));
                refused += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((created, refused), (10, 15));
}
