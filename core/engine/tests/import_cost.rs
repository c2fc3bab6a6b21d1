//! Fuzz finding F4 (`tests/fuzz/README.md`): `import_password_hash` refuses hashes that would
//! cost more to verify than the bounds of imported hashes (bcrypt cost 15; argon2 256 MiB, 16
//! iterations, parallelism 16) with a 400 naming the bound, before verifying them once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;
use std::time::{Duration, Instant};

use supertokens_cdi::emailpassword::{ImportPasswordHashResponse, SignInResponse};
use supertokens_core_engine::{
    CleanupConfig, Core, CoreConfig, EngineError, ManualClock, RateLimitConfig,
};
use supertokens_crypto::password::{PasswordHashingPolicy, hash_password};
use supertokens_crypto::random::OsRandom;
use supertokens_storage::{ConnectOptions, connect};

async fn core() -> Core {
    let storage = connect("sqlite::memory:", &ConnectOptions::default())
        .await
        .unwrap();
    let config = CoreConfig {
        access_token_validity: Duration::from_secs(60),
        refresh_token_validity: Duration::from_secs(3600),
        password_reset_token_lifetime: Duration::from_secs(600),
        email_verification_token_lifetime: Duration::from_secs(600),
        passwordless_code_lifetime: Duration::from_secs(900),
        passwordless_max_code_input_attempts: 5,
        signing_key_update_interval: Duration::from_secs(3 * 3600),
        password_hashing: PasswordHashingPolicy::danger_test_minimum(),
        password_hashing_pool_size: 2,
        cleanup: CleanupConfig {
            interval: Duration::from_secs(60),
            batch_size: 2,
            max_batches_per_run: 100,
        },
        rate_limits: RateLimitConfig::default(),
    };
    Core::new(
        storage,
        config,
        Arc::new(ManualClock::new(1_700_000_000_000)),
        Arc::new(OsRandom),
    )
    .await
    .unwrap()
}

/// The 400 message of a refused import.
async fn refused(core: &Core, hash: &str) -> String {
    match core
        .emailpassword
        .import_password_hash("public", "imported@example.com", hash, None)
        .await
    {
        Err(EngineError::BadRequest(message)) => message,
        other => panic!("{hash}: expected a 400, got {other:?}"),
    }
}

#[tokio::test]
async fn imported_hashes_above_the_cost_bounds_are_refused_without_hashing() {
    let core = core().await;
    // The fuzzer's input: verifying it once kept the core busy for more than 30 s.
    let started = Instant::now();
    let message = refused(
        &core,
        "$2a$20$qGvh3Cnkhbo2QaAO0Hu3.uXXiI9TMhDzHqCZKBdNUmKeyzX4lAo5K",
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(5), "it was hashed");
    assert_eq!(
        message,
        "passwordHash is invalid: bcrypt cost 20 is above 15, the largest accepted for \
         imported hashes"
    );
    assert!(
        refused(
            &core,
            "$2b$31$qGvh3Cnkhbo2QaAO0Hu3.uXXiI9TMhDzHqCZKBdNUmKeyzX4lAo5K"
        )
        .await
        .contains("bcrypt cost 31 is above 15")
    );
    for (hash, says) in [
        (
            "$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
            "argon2 memory (m, KiB) 4194304 is above 262144",
        ),
        (
            "$argon2i$v=19$m=64,t=4096,p=1$c29tZXNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
            "argon2 iterations (t) 4096 is above 16",
        ),
        (
            "$argon2d$m=4096,t=1,p=255$c29tZXNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
            "argon2 parallelism (p) 255 is above 16",
        ),
    ] {
        let message = refused(&core, hash).await;
        assert!(
            message.starts_with(&format!("passwordHash is invalid: {says}")),
            "{message}"
        );
    }
    // Nothing was stored.
    assert_eq!(
        core.emailpassword
            .sign_in("public", "imported@example.com", "anything")
            .await
            .unwrap(),
        SignInResponse::WrongCredentialsError
    );
}

#[tokio::test]
async fn imported_hashes_within_the_bounds_still_sign_in() {
    let core = core().await;
    // argon2 at the parallelism bound (cheap in memory and passes), bcrypt at a low cost.
    let argon2 = hash_password(
        &PasswordHashingPolicy::Argon2id {
            memory_kib: 8 * 16,
            iterations: 1,
            parallelism: 16,
        },
        "legacy-pass-1",
        &OsRandom,
    )
    .unwrap();
    let bcrypt = hash_password(
        &PasswordHashingPolicy::Bcrypt { cost: 4 },
        "legacy-pass-2",
        &OsRandom,
    )
    .unwrap();
    for (email, hash, password) in [
        ("argon2@example.com", &argon2, "legacy-pass-1"),
        ("bcrypt@example.com", &bcrypt, "legacy-pass-2"),
    ] {
        let ImportPasswordHashResponse::Ok { .. } = core
            .emailpassword
            .import_password_hash("public", email, hash, None)
            .await
            .unwrap();
        assert!(matches!(
            core.emailpassword
                .sign_in("public", email, password)
                .await
                .unwrap(),
            SignInResponse::Ok { .. }
        ));
    }
    // A malformed hash still gets the verifier's answer, not the bound's.
    let message = refused(&core, "$2b$10$short").await;
    assert!(
        message.starts_with("passwordHash is invalid: "),
        "{message}"
    );
    assert!(!message.contains("largest accepted"), "{message}");
}
