//! Engine tests with an injected clock: expiry, promotion, rotation, theft detection, key
//! rotation and cleanup, on a real (in-memory SQLite) storage.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use supertokens_cdi::emailpassword::{
    ConsumeResetTokenResponse, CreateResetTokenResponse, SignInResponse, SignUpResponse,
    UpdateUserResponse,
};
use supertokens_cdi::session::{
    JsonObject, NewSession, RefreshSessionResponse, RegenerateSessionResponse,
    SessionDetailsResponse, VerifySessionResponse,
};
use supertokens_core_engine::session::{CreateSession, RefreshSession, VerifySession};
use supertokens_core_engine::{
    CleanupConfig, Clock, Core, CoreConfig, ManualClock, RateLimitConfig,
};
use supertokens_crypto::password::PasswordHashingPolicy;
use supertokens_crypto::random::OsRandom;
use supertokens_crypto::signing::decode_unverified;
use supertokens_storage::{ConnectOptions, connect};

const START_MS: i64 = 1_700_000_000_000;
const ACCESS_VALIDITY: Duration = Duration::from_secs(60);
const REFRESH_VALIDITY: Duration = Duration::from_secs(3600);
const KEY_INTERVAL: Duration = Duration::from_secs(3 * 3600);

struct Harness {
    core: Arc<Core>,
    clock: Arc<ManualClock>,
}

async fn harness() -> Harness {
    let storage = connect("sqlite::memory:", &ConnectOptions::default())
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let config = CoreConfig {
        access_token_validity: ACCESS_VALIDITY,
        refresh_token_validity: REFRESH_VALIDITY,
        password_reset_token_lifetime: Duration::from_secs(600),
        email_verification_token_lifetime: Duration::from_secs(600),
        passwordless_code_lifetime: Duration::from_secs(900),
        passwordless_max_code_input_attempts: 5,
        signing_key_update_interval: KEY_INTERVAL,
        password_hashing: PasswordHashingPolicy::danger_test_minimum(),
        password_hashing_pool_size: 2,
        cleanup: CleanupConfig {
            interval: Duration::from_secs(60),
            batch_size: 2,
            max_batches_per_run: 100,
        },
        rate_limits: RateLimitConfig::default(),
    };
    let core = Core::new(storage, config, clock.clone(), Arc::new(OsRandom))
        .await
        .unwrap();
    Harness {
        core: Arc::new(core),
        clock,
    }
}

fn claims(token: &str) -> serde_json::Map<String, Value> {
    decode_unverified(token).unwrap().payload
}

fn kid(token: &str) -> String {
    decode_unverified(token).unwrap().header["kid"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn create(h: &Harness, anti_csrf: bool) -> NewSession {
    let mut payload = JsonObject::new();
    payload.insert("role".into(), json!("admin"));
    h.core
        .sessions
        .create(CreateSession {
            tenant_id: "public",
            user_id: "user-1",
            jwt_payload: payload,
            session_data: JsonObject::new(),
            enable_anti_csrf: anti_csrf,
            use_dynamic_key: true,
        })
        .await
        .unwrap()
}

async fn verify(h: &Harness, token: &str) -> VerifySessionResponse {
    h.core
        .sessions
        .verify(VerifySession {
            access_token: token,
            anti_csrf_token: None,
            do_anti_csrf_check: false,
            enable_anti_csrf: false,
            check_database: false,
        })
        .await
        .unwrap()
}

async fn refresh(h: &Harness, token: &str) -> RefreshSessionResponse {
    h.core
        .sessions
        .refresh(RefreshSession {
            refresh_token: token,
            anti_csrf_token: None,
            enable_anti_csrf: false,
            use_dynamic_key: None,
        })
        .await
        .unwrap()
}

fn refreshed(response: RefreshSessionResponse) -> NewSession {
    match response {
        RefreshSessionResponse::Ok(session) => session,
        other => panic!("expected OK, got {other:?}"),
    }
}

#[tokio::test]
async fn new_session_has_the_v5_token_layout() {
    let h = harness().await;
    let session = create(&h, false).await;
    let header = decode_unverified(&session.access_token.token)
        .unwrap()
        .header;
    assert_eq!(header["version"], "5");
    assert_eq!(header["typ"], "JWT");
    assert!(header["kid"].as_str().unwrap().starts_with("d-"));
    let payload = claims(&session.access_token.token);
    assert_eq!(payload["sub"], "user-1");
    assert_eq!(payload["rsub"], "user-1");
    assert_eq!(payload["tId"], "public");
    assert_eq!(payload["role"], "admin");
    assert_eq!(payload["parentRefreshTokenHash1"], Value::Null);
    assert_eq!(payload["antiCsrfToken"], Value::Null);
    assert_eq!(payload["sessionHandle"], session.session.handle.as_str());
    assert_eq!(payload["exp"].as_i64().unwrap(), START_MS / 1000 + 60);
    assert_eq!(session.access_token.expiry, (START_MS / 1000 + 60) * 1000);
    assert_eq!(session.refresh_token.expiry, START_MS + 3_600_000);
    assert!(session.anti_csrf_token.is_none());
    let hash1 = payload["refreshTokenHash1"].as_str().unwrap();
    assert_eq!(
        hash1,
        supertokens_crypto::hashing::sha256_hex(session.refresh_token.token.as_bytes())
    );
}

#[tokio::test]
async fn protected_claims_are_refused() {
    let h = harness().await;
    let mut payload = JsonObject::new();
    payload.insert("sub".into(), json!("someone-else"));
    let error = h
        .core
        .sessions
        .create(CreateSession {
            tenant_id: "public",
            user_id: "u",
            jwt_payload: payload,
            session_data: JsonObject::new(),
            enable_anti_csrf: false,
            use_dynamic_key: true,
        })
        .await
        .unwrap_err();
    assert!(error.to_string().contains("protected field"), "{error}");
}

#[tokio::test]
async fn access_token_expires_with_the_clock() {
    let h = harness().await;
    let session = create(&h, false).await;
    assert!(matches!(
        verify(&h, &session.access_token.token).await,
        VerifySessionResponse::Ok {
            access_token: None,
            ..
        }
    ));
    h.clock.advance(Duration::from_secs(59));
    assert!(matches!(
        verify(&h, &session.access_token.token).await,
        VerifySessionResponse::Ok { .. }
    ));
    h.clock.advance(Duration::from_secs(1));
    assert!(matches!(
        verify(&h, &session.access_token.token).await,
        VerifySessionResponse::TryRefreshToken { .. }
    ));
}

#[tokio::test]
async fn tampered_and_foreign_tokens_need_a_refresh() {
    let h = harness().await;
    let session = create(&h, false).await;
    let token = &session.access_token.token;
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = parts[1].chars().rev().collect();
    assert!(matches!(
        verify(&h, &parts.join(".")).await,
        VerifySessionResponse::TryRefreshToken { .. }
    ));
    assert!(matches!(
        verify(&h, "not-a-jwt").await,
        VerifySessionResponse::TryRefreshToken { .. }
    ));
    let foreign = supertokens_crypto::signing::SigningKey::generate("d-1").unwrap();
    let forged = foreign.sign_jwt(&claims(token)).unwrap();
    assert!(matches!(
        verify(&h, &forged).await,
        VerifySessionResponse::TryRefreshToken { .. }
    ));
}

#[tokio::test]
async fn refresh_then_verify_promotes_the_child() {
    let h = harness().await;
    let first = create(&h, false).await;
    h.clock.advance(Duration::from_secs(120));
    let child = refreshed(refresh(&h, &first.refresh_token.token).await);
    let child_claims = claims(&child.access_token.token);
    let parent_hash1 =
        supertokens_crypto::hashing::sha256_hex(first.refresh_token.token.as_bytes());
    assert_eq!(
        child_claims["parentRefreshTokenHash1"],
        parent_hash1.as_str()
    );
    assert_eq!(child_claims["role"], "admin");

    // First verify of the child's access token promotes it and mints a replacement.
    let VerifySessionResponse::Ok {
        access_token: Some(replacement),
        session,
    } = verify(&h, &child.access_token.token).await
    else {
        panic!("expected a replacement token");
    };
    assert_eq!(session.handle, first.session.handle);
    let replacement_claims = claims(&replacement.token);
    assert_eq!(replacement_claims["parentRefreshTokenHash1"], Value::Null);
    assert_eq!(
        replacement_claims["refreshTokenHash1"],
        child_claims["refreshTokenHash1"]
    );
    // The promoted token no longer needs the database.
    assert!(matches!(
        verify(&h, &replacement.token).await,
        VerifySessionResponse::Ok {
            access_token: None,
            ..
        }
    ));

    // Promotion slid the session's expiry forward.
    let SessionDetailsResponse::Ok { expiry, .. } = h
        .core
        .sessions
        .details(&first.session.handle)
        .await
        .unwrap()
    else {
        panic!("session should exist");
    };
    assert_eq!(expiry, START_MS + 120_000 + 3_600_000);

    // The old parent is now superseded: using it again is theft.
    let RefreshSessionResponse::TokenTheftDetected { session } =
        refresh(&h, &first.refresh_token.token).await
    else {
        panic!("expected theft detection");
    };
    assert_eq!(session.handle, first.session.handle);
    assert_eq!(session.user_id, "user-1");
    assert_eq!(session.recipe_user_id, "user-1");
    // The child keeps working.
    refreshed(refresh(&h, &child.refresh_token.token).await);
}

#[tokio::test]
async fn refreshing_with_an_unpromoted_child_promotes_it_first() {
    let h = harness().await;
    let first = create(&h, false).await;
    let child = refreshed(refresh(&h, &first.refresh_token.token).await);
    // The parent may mint more children until a child is used (several tabs).
    let sibling = refreshed(refresh(&h, &first.refresh_token.token).await);
    let grandchild = refreshed(refresh(&h, &child.refresh_token.token).await);
    assert!(claims(&grandchild.access_token.token)["parentRefreshTokenHash1"].is_string());
    // The sibling branch and the original parent are now both superseded.
    assert!(matches!(
        refresh(&h, &sibling.refresh_token.token).await,
        RefreshSessionResponse::TokenTheftDetected { .. }
    ));
    assert!(matches!(
        refresh(&h, &first.refresh_token.token).await,
        RefreshSessionResponse::TokenTheftDetected { .. }
    ));
}

#[tokio::test]
async fn concurrent_refreshes_with_one_token_do_not_look_like_theft() {
    let h = harness().await;
    let first = create(&h, false).await;
    let child = refreshed(refresh(&h, &first.refresh_token.token).await);
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let core = h.core.clone();
        let token = child.refresh_token.token.clone();
        tasks.push(tokio::spawn(async move {
            core.sessions
                .refresh(RefreshSession {
                    refresh_token: &token,
                    anti_csrf_token: None,
                    enable_anti_csrf: false,
                    use_dynamic_key: None,
                })
                .await
                .unwrap()
        }));
    }
    for task in tasks {
        assert!(matches!(task.await.unwrap(), RefreshSessionResponse::Ok(_)));
    }
}

#[tokio::test]
async fn refresh_token_expires_and_revocation_ends_the_session() {
    let h = harness().await;
    let first = create(&h, false).await;
    h.clock.advance(REFRESH_VALIDITY + Duration::from_secs(1));
    assert!(matches!(
        refresh(&h, &first.refresh_token.token).await,
        RefreshSessionResponse::Unauthorised { .. }
    ));

    let second = create(&h, false).await;
    let revoked = h
        .core
        .sessions
        .revoke(&[second.session.handle.clone(), "missing".into()])
        .await
        .unwrap();
    assert_eq!(revoked, vec![second.session.handle.clone()]);
    assert!(matches!(
        refresh(&h, &second.refresh_token.token).await,
        RefreshSessionResponse::Unauthorised { .. }
    ));
    let check_db = h
        .core
        .sessions
        .verify(VerifySession {
            access_token: &second.access_token.token,
            anti_csrf_token: None,
            do_anti_csrf_check: false,
            enable_anti_csrf: false,
            check_database: true,
        })
        .await
        .unwrap();
    assert!(matches!(
        check_db,
        VerifySessionResponse::Unauthorised { .. }
    ));
    assert!(matches!(
        refresh(&h, "garbage").await,
        RefreshSessionResponse::Unauthorised { .. }
    ));
}

#[tokio::test]
async fn anti_csrf_is_checked_on_verify_and_refresh() {
    let h = harness().await;
    let session = create(&h, true).await;
    let anti_csrf = session.anti_csrf_token.clone().unwrap();
    assert_eq!(
        claims(&session.access_token.token)["antiCsrfToken"],
        anti_csrf.as_str()
    );
    let check = |given: Option<&'static str>| VerifySession {
        access_token: "",
        anti_csrf_token: given,
        do_anti_csrf_check: true,
        enable_anti_csrf: true,
        check_database: false,
    };
    let wrong = h
        .core
        .sessions
        .verify(VerifySession {
            access_token: &session.access_token.token,
            ..check(Some("nope"))
        })
        .await
        .unwrap();
    assert!(matches!(
        wrong,
        VerifySessionResponse::TryRefreshToken { .. }
    ));
    let right = h
        .core
        .sessions
        .verify(VerifySession {
            access_token: &session.access_token.token,
            anti_csrf_token: Some(&anti_csrf),
            ..check(None)
        })
        .await
        .unwrap();
    assert!(matches!(right, VerifySessionResponse::Ok { .. }));
    let missing = h
        .core
        .sessions
        .refresh(RefreshSession {
            refresh_token: &session.refresh_token.token,
            anti_csrf_token: None,
            enable_anti_csrf: true,
            use_dynamic_key: None,
        })
        .await
        .unwrap();
    assert!(matches!(
        missing,
        RefreshSessionResponse::Unauthorised { .. }
    ));
    let ok = h
        .core
        .sessions
        .refresh(RefreshSession {
            refresh_token: &session.refresh_token.token,
            anti_csrf_token: Some(&anti_csrf),
            enable_anti_csrf: true,
            use_dynamic_key: None,
        })
        .await
        .unwrap();
    assert!(refreshed(ok).anti_csrf_token.is_some());
}

#[tokio::test]
async fn regenerate_keeps_expiry_and_changes_claims() {
    let h = harness().await;
    let session = create(&h, false).await;
    h.clock.advance(Duration::from_secs(10));
    let mut payload = JsonObject::new();
    payload.insert("role".into(), json!("viewer"));
    let RegenerateSessionResponse::Ok {
        access_token: Some(token),
        session: info,
    } = h
        .core
        .sessions
        .regenerate(&session.access_token.token, Some(payload))
        .await
        .unwrap()
    else {
        panic!("expected a new token");
    };
    assert_eq!(info.user_data_in_jwt["role"], "viewer");
    assert_eq!(claims(&token.token)["role"], "viewer");
    assert_eq!(token.expiry, session.access_token.expiry);
    // The stored claims changed, so a database-checked verify of the old token re-mints.
    let response = h
        .core
        .sessions
        .verify(VerifySession {
            access_token: &session.access_token.token,
            anti_csrf_token: None,
            do_anti_csrf_check: false,
            enable_anti_csrf: false,
            check_database: true,
        })
        .await
        .unwrap();
    let VerifySessionResponse::Ok {
        access_token: Some(fresh),
        ..
    } = response
    else {
        panic!("expected re-mint")
    };
    assert_eq!(claims(&fresh.token)["role"], "viewer");
}

#[tokio::test]
async fn dynamic_keys_rotate_and_retire() {
    let h = harness().await;
    let first = create(&h, false).await;
    let first_kid = kid(&first.access_token.token);
    assert_eq!(h.core.keys.jwks(h.clock.now_ms()).await.unwrap().len(), 1);
    assert!(h.core.keys.jwks_max_age_secs(h.clock.now_ms()) > 0);

    // Just before the interval (less the overlap) a new key is made and published...
    h.clock.advance(KEY_INTERVAL - Duration::from_secs(60));
    let jwks = h.core.keys.jwks(h.clock.now_ms()).await.unwrap();
    assert_eq!(jwks.len(), 2);
    let new_kid = jwks[0].kid.clone();
    assert_ne!(new_kid, first_kid);
    // ...but does not sign until it is 60 s old.
    let second = create(&h, false).await;
    assert_eq!(kid(&second.access_token.token), first_kid);
    h.clock.advance(Duration::from_secs(60));
    let third = create(&h, false).await;
    assert_eq!(kid(&third.access_token.token), new_kid);
    // The old key stays published for tokens it signed until they expire.
    let kids: Vec<String> = h
        .core
        .keys
        .jwks(h.clock.now_ms())
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(kids, vec![new_kid.clone(), first_kid.clone()]);

    // The old key is deleted once no unexpired token can carry it.
    h.clock
        .set(START_MS + (KEY_INTERVAL + 2 * ACCESS_VALIDITY).as_millis() as i64 + 1);
    let report = h.core.run_cleanup().await.unwrap();
    assert_eq!(report.signing_keys, 1);
    let kids: Vec<String> = h
        .core
        .keys
        .jwks(h.clock.now_ms())
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(kids, vec![new_kid]);
}

#[tokio::test]
async fn static_key_sessions_use_an_s_kid() {
    let h = harness().await;
    let session = h
        .core
        .sessions
        .create(CreateSession {
            tenant_id: "public",
            user_id: "u",
            jwt_payload: JsonObject::new(),
            session_data: JsonObject::new(),
            enable_anti_csrf: false,
            use_dynamic_key: false,
        })
        .await
        .unwrap();
    assert!(kid(&session.access_token.token).starts_with("s-"));
    assert!(matches!(
        verify(&h, &session.access_token.token).await,
        VerifySessionResponse::Ok { .. }
    ));
    let jwks = h.core.keys.jwks(h.clock.now_ms()).await.unwrap();
    assert!(jwks.last().unwrap().kid.starts_with("s-"));
}

#[tokio::test]
async fn cleanup_deletes_expired_sessions_and_reset_tokens_in_batches() {
    let h = harness().await;
    for _ in 0..5 {
        create(&h, false).await;
    }
    let SignUpResponse::Ok { recipe_user_id, .. } = h
        .core
        .emailpassword
        .sign_up("public", "a@b.co", "pw12345678")
        .await
        .unwrap()
    else {
        panic!("sign-up failed");
    };
    for _ in 0..3 {
        h.core
            .emailpassword
            .create_reset_token("public", &recipe_user_id, None)
            .await
            .unwrap();
    }
    assert_eq!(h.core.run_cleanup().await.unwrap().sessions, 0);
    h.clock.advance(REFRESH_VALIDITY + Duration::from_secs(1));
    let live = create(&h, false).await;
    let report = h.core.run_cleanup().await.unwrap();
    assert_eq!(report.sessions, 5);
    assert_eq!(report.password_reset_tokens, 3);
    assert!(
        h.core
            .sessions
            .live_session(&live.session.handle)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn emailpassword_sign_up_and_sign_in() {
    let h = harness().await;
    let ep = &h.core.emailpassword;
    let SignUpResponse::Ok {
        user,
        recipe_user_id,
    } = ep
        .sign_up("public", " Alice@Example.com ", "secret-1")
        .await
        .unwrap()
    else {
        panic!("sign-up failed");
    };
    assert_eq!(user.emails, vec!["alice@example.com"]);
    assert_eq!(user.login_methods[0].recipe_id, "emailpassword");
    assert_eq!(user.time_joined, START_MS);
    assert_eq!(
        ep.sign_up("public", "alice@example.com", "other-2")
            .await
            .unwrap(),
        SignUpResponse::EmailAlreadyExistsError
    );
    assert_eq!(
        ep.sign_in("public", "alice@example.com", "wrong")
            .await
            .unwrap(),
        SignInResponse::WrongCredentialsError
    );
    assert_eq!(
        ep.sign_in("public", "nobody@example.com", "secret-1")
            .await
            .unwrap(),
        SignInResponse::WrongCredentialsError
    );
    let SignInResponse::Ok {
        recipe_user_id: signed_in,
        ..
    } = ep
        .sign_in("public", "ALICE@example.com", "secret-1")
        .await
        .unwrap()
    else {
        panic!("sign-in failed");
    };
    assert_eq!(signed_in, recipe_user_id);
    assert!(ep.sign_up("public", "x@y.z", "").await.is_err());
}

#[tokio::test]
async fn password_reset_tokens_are_single_use_and_expire() {
    let h = harness().await;
    let ep = &h.core.emailpassword;
    let SignUpResponse::Ok { recipe_user_id, .. } = ep
        .sign_up("public", "bob@example.com", "old-pass-1")
        .await
        .unwrap()
    else {
        panic!("sign-up failed");
    };
    let CreateResetTokenResponse::Ok { token: first } = ep
        .create_reset_token("public", &recipe_user_id, None)
        .await
        .unwrap()
    else {
        panic!();
    };
    let CreateResetTokenResponse::Ok { token: second } = ep
        .create_reset_token("public", &recipe_user_id, None)
        .await
        .unwrap()
    else {
        panic!();
    };
    assert!(first.len() >= 43, "at least 256 bits of randomness");
    let ConsumeResetTokenResponse::Ok { user_id, email } =
        ep.consume_reset_token(&first).await.unwrap()
    else {
        panic!("the token should be valid");
    };
    assert_eq!(
        (user_id.as_str(), email.as_str()),
        (recipe_user_id.as_str(), "bob@example.com")
    );
    // Consuming one token deletes every token of the user.
    assert_eq!(
        ep.consume_reset_token(&first).await.unwrap(),
        ConsumeResetTokenResponse::ResetPasswordInvalidTokenError
    );
    assert_eq!(
        ep.consume_reset_token(&second).await.unwrap(),
        ConsumeResetTokenResponse::ResetPasswordInvalidTokenError
    );

    let CreateResetTokenResponse::Ok { token: late } = ep
        .create_reset_token("public", &recipe_user_id, None)
        .await
        .unwrap()
    else {
        panic!();
    };
    h.clock.advance(Duration::from_secs(601));
    assert_eq!(
        ep.consume_reset_token(&late).await.unwrap(),
        ConsumeResetTokenResponse::ResetPasswordInvalidTokenError
    );
    assert_eq!(
        ep.create_reset_token("public", "no-such-user", None)
            .await
            .unwrap(),
        CreateResetTokenResponse::UnknownUserIdError
    );

    assert_eq!(
        ep.update_user(&recipe_user_id, None, Some("new-pass-2"))
            .await
            .unwrap(),
        UpdateUserResponse::Ok
    );
    assert_eq!(
        ep.sign_in("public", "bob@example.com", "old-pass-1")
            .await
            .unwrap(),
        SignInResponse::WrongCredentialsError
    );
    assert!(matches!(
        ep.sign_in("public", "bob@example.com", "new-pass-2")
            .await
            .unwrap(),
        SignInResponse::Ok { .. }
    ));
}

#[tokio::test]
async fn email_changes_keep_emails_unique() {
    let h = harness().await;
    let ep = &h.core.emailpassword;
    let SignUpResponse::Ok {
        recipe_user_id: a, ..
    } = ep
        .sign_up("public", "a@example.com", "pw-aaaa1")
        .await
        .unwrap()
    else {
        panic!()
    };
    ep.sign_up("public", "b@example.com", "pw-bbbb1")
        .await
        .unwrap();
    assert_eq!(
        ep.update_user(&a, Some("B@example.com"), None)
            .await
            .unwrap(),
        UpdateUserResponse::EmailAlreadyExistsError
    );
    assert_eq!(
        ep.update_user(&a, Some("c@example.com"), None)
            .await
            .unwrap(),
        UpdateUserResponse::Ok
    );
    assert_eq!(
        ep.update_user("nope", Some("d@example.com"), None)
            .await
            .unwrap(),
        UpdateUserResponse::UnknownUserIdError
    );
    assert!(ep.update_user(&a, None, None).await.is_err());
    assert!(matches!(
        ep.sign_in("public", "c@example.com", "pw-aaaa1")
            .await
            .unwrap(),
        SignInResponse::Ok { .. }
    ));
}

#[tokio::test]
async fn imported_bcrypt_and_argon2_hashes_sign_in() {
    use supertokens_cdi::emailpassword::ImportPasswordHashResponse;
    use supertokens_crypto::password::hash_password;
    let h = harness().await;
    let ep = &h.core.emailpassword;
    let bcrypt = hash_password(
        &PasswordHashingPolicy::Bcrypt { cost: 4 },
        "from-legacy-1",
        &OsRandom,
    )
    .unwrap();
    let ImportPasswordHashResponse::Ok {
        did_user_already_exist,
        ..
    } = ep
        .import_password_hash("public", "legacy@example.com", &bcrypt, Some("bcrypt"))
        .await
        .unwrap();
    assert!(!did_user_already_exist);
    assert!(matches!(
        ep.sign_in("public", "legacy@example.com", "from-legacy-1")
            .await
            .unwrap(),
        SignInResponse::Ok { .. }
    ));
    assert_eq!(
        ep.sign_in("public", "legacy@example.com", "wrong")
            .await
            .unwrap(),
        SignInResponse::WrongCredentialsError
    );

    let argon = hash_password(
        &PasswordHashingPolicy::danger_test_minimum(),
        "second-2",
        &OsRandom,
    )
    .unwrap();
    let ImportPasswordHashResponse::Ok {
        did_user_already_exist,
        ..
    } = ep
        .import_password_hash("public", "legacy@example.com", &argon, None)
        .await
        .unwrap();
    assert!(did_user_already_exist);
    assert!(matches!(
        ep.sign_in("public", "legacy@example.com", "second-2")
            .await
            .unwrap(),
        SignInResponse::Ok { .. }
    ));
    assert!(
        ep.import_password_hash("public", "x@example.com", "plaintext", None)
            .await
            .is_err()
    );
    assert!(
        ep.import_password_hash("public", "x@example.com", &bcrypt, Some("argon2"))
            .await
            .is_err()
    );
}
