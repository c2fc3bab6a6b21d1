//! Engine tests of apps and tenants on SQLite files (one per app): creating, listing,
//! configuring and removing apps, what each app's overrides change, isolation of apps,
//! several processes on one database, tenants that keep their users apart, and the
//! per-tenant configuration (each key in force in its tenant only, over the app's value).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use supertokens_cdi::emailpassword::{
    ConsumeResetTokenResponse, CreateResetTokenResponse, SignInResponse, SignUpResponse,
};
use supertokens_cdi::emailverification::{
    CreateEmailVerificationTokenResponse, VerifyEmailResponse,
};
use supertokens_cdi::multitenancy::{AssociateUserResponse, DisassociateUserResponse, TenantInput};
use supertokens_cdi::passwordless::{
    CheckCodeResponse, ConsumeCodeRequest, ConsumeCodeResponse, CreateCodeRequest,
    CreateCodeResponse, CreatedCode, ListCodesResponse,
};
use supertokens_cdi::session::{JsonObject, VerifySessionResponse};
use supertokens_core_engine::passwordless::CodesQuery;
use supertokens_core_engine::session::{CreateSession, VerifySession};
use supertokens_core_engine::{Apps, Core, CoreConfig, EngineError, ManualClock};
use supertokens_crypto::password::PasswordHashingPolicy;
use supertokens_crypto::random::OsRandom;
use supertokens_storage::{ConnectOptions, connect_with_apps};

const START_MS: i64 = 1_700_000_000_000;

fn config() -> CoreConfig {
    CoreConfig {
        access_token_validity: Duration::from_secs(3600),
        password_hashing: PasswordHashingPolicy::danger_test_minimum(),
        password_hashing_pool_size: 2,
        ..CoreConfig::default()
    }
}

/// The apps of a process on the SQLite file in `dir`.
async fn apps_in(dir: &tempfile::TempDir, clock: Arc<ManualClock>) -> Arc<Apps> {
    let url = format!("sqlite://{}", dir.path().join("core.db").display());
    let connection = connect_with_apps(&url, &ConnectOptions::default())
        .await
        .unwrap();
    let public = Core::new(connection.main, config(), clock, Arc::new(OsRandom))
        .await
        .unwrap();
    Arc::new(Apps::new(
        Arc::new(public),
        connection.apps,
        Arc::new(OsRandom),
    ))
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn with_config(value: Value) -> TenantInput {
    TenantInput {
        core_config: Some(object(value)),
        ..TenantInput::default()
    }
}

fn bad_request(result: Result<impl std::fmt::Debug, EngineError>) -> String {
    match result {
        Err(EngineError::BadRequest(message)) => message,
        other => panic!("expected a bad request, got {other:?}"),
    }
}

async fn sign_up(core: &Core, tenant: &str, email: &str) -> String {
    match core
        .emailpassword
        .sign_up(tenant, email, "password-1")
        .await
        .unwrap()
    {
        SignUpResponse::Ok { recipe_user_id, .. } => recipe_user_id,
        other => panic!("sign-up failed: {other:?}"),
    }
}

async fn new_session(core: &Core, user_id: &str) -> supertokens_cdi::session::NewSession {
    core.sessions
        .create(CreateSession {
            tenant_id: "public",
            user_id,
            jwt_payload: JsonObject::new(),
            session_data: JsonObject::new(),
            enable_anti_csrf: false,
            use_dynamic_key: true,
        })
        .await
        .unwrap()
}

async fn verify(core: &Core, token: &str) -> VerifySessionResponse {
    core.sessions
        .verify(VerifySession {
            access_token: token,
            anti_csrf_token: None,
            do_anti_csrf_check: false,
            enable_anti_csrf: false,
            check_database: true,
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_are_created_configured_listed_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let apps = apps_in(&dir, Arc::new(ManualClock::new(START_MS))).await;
    assert!(apps.core("a1").await.unwrap().is_none());

    let input = TenantInput {
        first_factors: Some(Some(vec!["emailpassword".into()])),
        ..with_config(
            json!({"access_token_validity": 2, "password_hashing_alg": "BCRYPT",
                             "bcrypt_log_rounds": 4}),
        )
    };
    assert!(apps.create_or_update_app("A1", &input).await.unwrap());
    assert!(!apps.create_or_update_app("a1", &input).await.unwrap());
    let a1 = apps.core("a1").await.unwrap().unwrap();
    assert_eq!(a1.app_id, "a1");
    assert_eq!(a1.config.access_token_validity, Duration::from_secs(2));
    assert_eq!(
        apps.public().config.access_token_validity,
        Duration::from_secs(3600)
    );
    // The app's own hashing policy, on the shared threads.
    let user = sign_up(&a1, "public", "a@x.com").await;
    let hash = a1.storage.user_by_id(&user).await.unwrap().unwrap();
    assert!(
        hash.password_hash.unwrap().starts_with("$2b$04$"),
        "bcrypt expected"
    );
    assert!(dir.path().join("core-apps").join("a1.db").exists());

    let listed = apps.list().await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|app| app.app_id.as_str()).collect();
    assert_eq!(ids, ["public", "a1"]);
    let a1_public = &listed[1].tenants[0];
    assert_eq!(a1_public.tenant_id, "public");
    assert_eq!(
        a1_public.first_factors,
        Some(vec!["emailpassword".to_owned()])
    );
    assert_eq!(a1_public.core_config["access_token_validity"], json!(2));

    // Overrides merge; null removes one.
    apps.create_or_update_app("a1", &with_config(json!({"access_token_validity": null})))
        .await
        .unwrap();
    let a1 = apps.core("a1").await.unwrap().unwrap();
    assert_eq!(a1.config.access_token_validity, Duration::from_secs(3600));
    assert_eq!(
        a1.config.password_hashing,
        PasswordHashingPolicy::Bcrypt { cost: 4 }
    );
    // Bad overrides are refused before anything is stored.
    let message = bad_request(
        apps.create_or_update_app("a2", &with_config(json!({"no_such_key": 1})))
            .await,
    );
    assert!(message.contains("no_such_key"), "{message}");
    assert!(apps.core("a2").await.unwrap().is_none());
    let message = bad_request(
        apps.create_or_update_app("bad_id", &TenantInput::default())
            .await,
    );
    assert!(
        message.contains("letters, numbers and hyphens"),
        "{message}"
    );
    let message = bad_request(
        apps.create_or_update_app("public", &with_config(json!({"access_token_validity": 5})))
            .await,
    );
    assert_eq!(message, "Cannot modify base config");

    // An app with a tenant cannot be removed; without, it goes with its data.
    a1.tenants
        .create_or_update("t1", &TenantInput::default())
        .await
        .unwrap();
    assert!(matches!(
        apps.remove_app("a1").await,
        Err(EngineError::Forbidden(_))
    ));
    assert!(a1.tenants.remove("t1").await.unwrap());
    assert!(apps.remove_app("a1").await.unwrap());
    assert!(!apps.remove_app("a1").await.unwrap());
    assert!(apps.core("a1").await.unwrap().is_none());
    assert!(!dir.path().join("core-apps").join("a1.db").exists());
    assert!(matches!(
        apps.remove_app("public").await,
        Err(EngineError::Forbidden(_))
    ));
    // Re-created, it starts empty.
    assert!(
        apps.create_or_update_app("a1", &TenantInput::default())
            .await
            .unwrap()
    );
    let a1 = apps.core("a1").await.unwrap().unwrap();
    assert_eq!(a1.storage.count_users(None, &[]).await.unwrap(), 0);
    assert_eq!(a1.config.access_token_validity, Duration::from_secs(3600));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_are_isolated() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let apps = apps_in(&dir, clock.clone()).await;
    apps.create_or_update_app("a1", &with_config(json!({"access_token_validity": 2})))
        .await
        .unwrap();
    let public = Arc::clone(apps.public());
    let a1 = apps.core("a1").await.unwrap().unwrap();

    let in_public = sign_up(&public, "public", "same@x.com").await;
    let in_a1 = sign_up(&a1, "public", "same@x.com").await;
    assert_ne!(in_public, in_a1);
    assert!(public.users.by_id(&in_a1).await.unwrap().is_none());
    assert!(a1.users.by_id(&in_public).await.unwrap().is_none());
    // A password is checked against the app's own user.
    match a1
        .emailpassword
        .sign_in("public", "same@x.com", "password-1")
        .await
        .unwrap()
    {
        SignInResponse::Ok { recipe_user_id, .. } => assert_eq!(recipe_user_id, in_a1),
        other => panic!("{other:?}"),
    }

    // Sessions: each app's expiry, and each app's keys.
    let session = new_session(&a1, &in_a1).await;
    assert_eq!(session.access_token.expiry, START_MS + 2000);
    let public_session = new_session(&public, &in_public).await;
    assert_eq!(public_session.access_token.expiry, START_MS + 3_600_000);
    assert!(matches!(
        verify(&a1, &session.access_token.token).await,
        VerifySessionResponse::Ok { .. }
    ));
    assert!(!matches!(
        verify(&public, &session.access_token.token).await,
        VerifySessionResponse::Ok { .. }
    ));
    assert!(!matches!(
        verify(&a1, &public_session.access_token.token).await,
        VerifySessionResponse::Ok { .. }
    ));

    // Metadata and roles.
    a1.usermetadata
        .update(&in_a1, &object(json!({"plan": "gold"})))
        .await
        .unwrap();
    a1.storage.create_role("admin", &[]).await.unwrap();
    assert!(public.usermetadata.get(&in_a1).await.unwrap().is_empty());
    assert!(public.storage.roles().await.unwrap().is_empty());
    clock.advance(Duration::from_secs(3));
    assert!(!matches!(
        verify(&a1, &session.access_token.token).await,
        VerifySessionResponse::Ok { .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cores_on_one_database_agree_on_apps() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let first = apps_in(&dir, clock.clone()).await;
    let second = apps_in(&dir, clock).await;
    first
        .create_or_update_app("shared", &with_config(json!({"access_token_validity": 5})))
        .await
        .unwrap();
    // Unknown here, so the list is read again before "no such app".
    let there = second.core("shared").await.unwrap().unwrap();
    assert_eq!(there.config.access_token_validity, Duration::from_secs(5));
    let user = sign_up(&there, "public", "u@x.com").await;
    let here = first.core("shared").await.unwrap().unwrap();
    assert!(here.users.by_id(&user).await.unwrap().is_some());
    // A tenant made by one core is found by the other.
    here.tenants
        .create_or_update("t1", &TenantInput::default())
        .await
        .unwrap();
    assert!(there.tenants.exists("t1").await.unwrap());
    assert!(!there.tenants.exists("t2").await.unwrap());

    first
        .create_or_update_app("shared", &with_config(json!({"access_token_validity": 7})))
        .await
        .unwrap();
    assert_eq!(
        second
            .core("shared")
            .await
            .unwrap()
            .unwrap()
            .config
            .access_token_validity,
        Duration::from_secs(5)
    );
    second.sync().await.unwrap();
    assert_eq!(
        second
            .core("shared")
            .await
            .unwrap()
            .unwrap()
            .config
            .access_token_validity,
        Duration::from_secs(7)
    );
    // Removed by one core: the other forgets it at its next sync.
    assert!(here.tenants.remove("t1").await.unwrap());
    second.sync().await.unwrap();
    let refreshed = second.core("shared").await.unwrap().unwrap();
    assert!(!refreshed.tenants.exists("t1").await.unwrap());
    assert!(first.remove_app("shared").await.unwrap());
    second.sync().await.unwrap();
    assert!(second.core("shared").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_keep_their_users_apart() {
    let dir = tempfile::tempdir().unwrap();
    let apps = apps_in(&dir, Arc::new(ManualClock::new(START_MS))).await;
    let core = Arc::clone(apps.public());
    assert!(
        core.tenants
            .create_or_update("t1", &TenantInput::default())
            .await
            .unwrap()
    );
    let t1 = core
        .tenants
        .get("t1", &core.overrides)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t1.first_factors, Some(Vec::new()));
    let input = TenantInput {
        first_factors: Some(None),
        required_secondary_factors: Some(Some(vec!["totp".into()])),
        ..with_config(json!({"passwordless_code_lifetime": 60000}))
    };
    assert!(!core.tenants.create_or_update("t1", &input).await.unwrap());
    let t1 = core
        .tenants
        .get("t1", &core.overrides)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t1.first_factors, None);
    assert_eq!(t1.required_secondary_factors, Some(vec!["totp".to_owned()]));
    assert_eq!(t1.core_config["passwordless_code_lifetime"], json!(60000));
    let message = bad_request(
        core.tenants
            .create_or_update("t1", &with_config(json!({"access_token_validity": 1})))
            .await,
    );
    assert!(message.contains("cannot be set per tenant"), "{message}");
    core.tenants
        .create_or_update("t2", &TenantInput::default())
        .await
        .unwrap();

    let u1 = sign_up(&core, "t1", "same@x.com").await;
    let u2 = sign_up(&core, "t2", "same@x.com").await;
    assert_ne!(u1, u2);
    match core
        .emailpassword
        .sign_in("t2", "same@x.com", "password-1")
        .await
        .unwrap()
    {
        SignInResponse::Ok {
            recipe_user_id,
            user,
        } => {
            assert_eq!(recipe_user_id, u2);
            assert_eq!(user.tenant_ids, ["t2"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        core.emailpassword
            .sign_in("public", "same@x.com", "password-1")
            .await
            .unwrap(),
        SignInResponse::WrongCredentialsError
    ));
    assert_eq!(
        core.tenants.associate("t2", &u1).await.unwrap(),
        AssociateUserResponse::EmailAlreadyExistsError
    );
    assert_eq!(
        core.tenants.associate("public", &u1).await.unwrap(),
        AssociateUserResponse::Ok {
            was_already_associated: false
        }
    );
    assert_eq!(
        core.tenants.associate("public", &u1).await.unwrap(),
        AssociateUserResponse::Ok {
            was_already_associated: true
        }
    );
    assert_eq!(
        core.tenants.associate("public", "nobody").await.unwrap(),
        AssociateUserResponse::UnknownUserIdError
    );
    let user = core.users.by_id(&u1).await.unwrap().unwrap();
    assert_eq!(user.tenant_ids, ["public", "t1"]);
    assert_eq!(user.login_methods[0].tenant_ids, ["public", "t1"]);

    // Removing a tenant takes its users out; they stay in the app.
    assert!(core.tenants.remove("t1").await.unwrap());
    assert!(!core.tenants.exists("t1").await.unwrap());
    assert_eq!(
        core.users.by_id(&u1).await.unwrap().unwrap().tenant_ids,
        ["public"]
    );
    assert_eq!(
        core.tenants.disassociate("t2", &u2).await.unwrap(),
        DisassociateUserResponse::Ok {
            was_associated: true
        }
    );
    assert!(
        core.users
            .by_id(&u2)
            .await
            .unwrap()
            .unwrap()
            .tenant_ids
            .is_empty()
    );
    assert!(matches!(
        core.tenants.remove("public").await,
        Err(EngineError::Forbidden(_))
    ));
    let listed: Vec<String> = core
        .tenants
        .list(&core.overrides)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.tenant_id)
        .collect();
    assert_eq!(listed, ["public", "t2"]);
}

/// A new passwordless device for `email` in `tenant`.
async fn new_code(core: &Core, tenant: &str, email: &str) -> CreatedCode {
    match core
        .passwordless
        .create_code(
            tenant,
            &CreateCodeRequest {
                email: Some(email.into()),
                ..CreateCodeRequest::default()
            },
        )
        .await
        .unwrap()
    {
        CreateCodeResponse::Ok(code) => code,
        other => panic!("create code failed: {other:?}"),
    }
}

/// The typed form of `code`, or a wrong code for its device.
fn typed(code: &CreatedCode, right: bool) -> ConsumeCodeRequest {
    let user_input_code = if right {
        code.user_input_code.clone()
    } else {
        format!("x{}", code.user_input_code)
    };
    ConsumeCodeRequest {
        pre_auth_session_id: Some(code.pre_auth_session_id.clone()),
        device_id: Some(code.device_id.clone()),
        user_input_code: Some(user_input_code),
        ..ConsumeCodeRequest::default()
    }
}

async fn consume(core: &Core, tenant: &str, request: &ConsumeCodeRequest) -> ConsumeCodeResponse {
    core.passwordless
        .consume_code(tenant, request)
        .await
        .unwrap()
}

async fn reset_token(core: &Core, tenant: &str, user_id: &str) -> String {
    match core
        .emailpassword
        .create_reset_token(tenant, user_id, None)
        .await
        .unwrap()
    {
        CreateResetTokenResponse::Ok { token } => token,
        other => panic!("{other:?}"),
    }
}

async fn reset_token_works(core: &Core, token: &str) -> bool {
    match core.emailpassword.consume_reset_token(token).await.unwrap() {
        ConsumeResetTokenResponse::Ok { .. } => true,
        ConsumeResetTokenResponse::ResetPasswordInvalidTokenError => false,
    }
}

async fn verification_token(core: &Core, tenant: &str, user_id: &str, email: &str) -> String {
    match core
        .emailverification
        .create_token(tenant, user_id, email)
        .await
        .unwrap()
    {
        CreateEmailVerificationTokenResponse::Ok { token } => token,
        other => panic!("{other:?}"),
    }
}

async fn verification_token_works(core: &Core, tenant: &str, token: &str) -> bool {
    match core
        .emailverification
        .verify(tenant, "token", token)
        .await
        .unwrap()
    {
        VerifyEmailResponse::Ok { .. } => true,
        VerifyEmailResponse::EmailVerificationInvalidTokenError => false,
    }
}

/// App `a1` with its own value of each tenant key, tenant `over` with other values of all
/// four, and tenant `plain` without overrides.
async fn app_with_tenant_overrides(apps: &Apps) -> Arc<Core> {
    apps.create_or_update_app(
        "a1",
        &with_config(json!({
            "password_reset_token_lifetime": 120_000,
            "email_verification_token_lifetime": 240_000,
            "passwordless_code_lifetime": 600_000,
            "passwordless_max_code_input_attempts": 4,
        })),
    )
    .await
    .unwrap();
    let core = apps.core("a1").await.unwrap().unwrap();
    let over = TenantInput {
        first_factors: Some(None),
        ..with_config(json!({
            "password_reset_token_lifetime": 60_000,
            "email_verification_token_lifetime": 30_000,
            "passwordless_code_lifetime": 1_800_000,
            "passwordless_max_code_input_attempts": 2,
        }))
    };
    assert!(core.tenants.create_or_update("over", &over).await.unwrap());
    let plain = TenantInput {
        first_factors: Some(None),
        ..TenantInput::default()
    };
    assert!(
        core.tenants
            .create_or_update("plain", &plain)
            .await
            .unwrap()
    );
    core
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_overrides_apply_only_in_their_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let apps = apps_in(&dir, clock.clone()).await;
    let core = app_with_tenant_overrides(&apps).await;
    let app_tenants = ["public", "plain"];

    // Passwordless: the code lifetime sent back and listed, and the most attempts.
    let mut codes = Vec::new();
    for tenant in ["public", "plain", "over"] {
        let code = new_code(&core, tenant, "p@x.com").await;
        let expected = if tenant == "over" { 1_800_000 } else { 600_000 };
        assert_eq!(code.code_lifetime, expected, "{tenant}");
        let ListCodesResponse::Ok { devices } = core
            .passwordless
            .list_codes(
                tenant,
                CodesQuery {
                    email: Some("p@x.com"),
                    ..CodesQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(devices[0].codes[0].code_lifetime, expected, "{tenant}");
        codes.push((tenant, code));
    }
    for (tenant, code) in &codes {
        let max = if *tenant == "over" { 2 } else { 4 };
        assert_eq!(
            consume(&core, tenant, &typed(code, false)).await,
            ConsumeCodeResponse::IncorrectUserInputCodeError {
                failed_code_input_attempt_count: 1,
                maximum_code_input_attempts: max,
            },
            "{tenant}"
        );
        let check = core
            .passwordless
            .check_code(tenant, &typed(code, false))
            .await
            .unwrap();
        if *tenant == "over" {
            // The second wrong code is the last one allowed: the device is gone.
            assert_eq!(check, CheckCodeResponse::RestartFlowError, "{tenant}");
        } else {
            assert_eq!(
                check,
                CheckCodeResponse::IncorrectUserInputCodeError {
                    failed_code_input_attempt_count: 2,
                    maximum_code_input_attempts: 4,
                },
                "{tenant}"
            );
        }
    }
    // Expiry: after 15 minutes the app's codes have expired, the tenant's have not.
    let mut fresh = Vec::new();
    for tenant in ["public", "plain", "over"] {
        fresh.push((tenant, new_code(&core, tenant, "q@x.com").await));
    }
    clock.advance(Duration::from_secs(15 * 60));
    for (tenant, code) in &fresh {
        let response = consume(&core, tenant, &typed(code, true)).await;
        if *tenant == "over" {
            assert!(
                matches!(response, ConsumeCodeResponse::Ok { .. }),
                "{tenant}: {response:?}"
            );
        } else {
            assert_eq!(
                response,
                ConsumeCodeResponse::ExpiredUserInputCodeError {
                    failed_code_input_attempt_count: 1,
                    maximum_code_input_attempts: 4,
                },
                "{tenant}"
            );
        }
    }

    // Password reset tokens: 2 minutes in the app, 1 minute in `over`.
    let mut reset = Vec::new();
    let mut verification = Vec::new();
    for tenant in ["public", "plain", "over"] {
        let user = sign_up(&core, tenant, &format!("{tenant}@x.com")).await;
        reset.push((tenant, reset_token(&core, tenant, &user).await));
        verification.push((
            tenant,
            verification_token(&core, tenant, &user, &format!("{tenant}@x.com")).await,
        ));
    }
    clock.advance(Duration::from_secs(45));
    // Email verification tokens: 4 minutes in the app, 30 seconds in `over`.
    for (tenant, token) in &verification {
        assert_eq!(
            verification_token_works(&core, tenant, token).await,
            app_tenants.contains(tenant),
            "{tenant}"
        );
    }
    clock.advance(Duration::from_secs(45));
    for (tenant, token) in &reset {
        assert_eq!(
            reset_token_works(&core, token).await,
            app_tenants.contains(tenant),
            "{tenant}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_overrides_beat_the_app_and_removing_them_falls_back() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let apps = apps_in(&dir, clock.clone()).await;
    let core = app_with_tenant_overrides(&apps).await;
    let other_process = apps_in(&dir, clock.clone()).await;
    let there = other_process.core("a1").await.unwrap().unwrap();
    let settings = |core: &Arc<Core>, tenant: &'static str| {
        let core = Arc::clone(core);
        async move { core.tenants.settings(tenant).await.unwrap() }
    };
    let app = core.config.tenant_settings();
    assert_eq!(app.passwordless_max_code_input_attempts, 4);
    let over = settings(&core, "over").await;
    assert_eq!(over.passwordless_max_code_input_attempts, 2);
    assert_eq!(over.password_reset_token_lifetime, Duration::from_secs(60));
    assert_eq!(settings(&there, "over").await, over);
    assert_eq!(settings(&core, "plain").await, app);
    assert_eq!(settings(&core, "public").await, app);
    // An unknown tenant has the app's values.
    assert_eq!(settings(&core, "nobody").await, app);

    // Removing keys: the next request has the app's values again, the others stay.
    core.tenants
        .create_or_update(
            "over",
            &with_config(json!({
                "passwordless_max_code_input_attempts": null,
                "email_verification_token_lifetime": null,
            })),
        )
        .await
        .unwrap();
    let code = new_code(&core, "over", "p@x.com").await;
    assert_eq!(code.code_lifetime, 1_800_000);
    assert_eq!(
        consume(&core, "over", &typed(&code, false)).await,
        ConsumeCodeResponse::IncorrectUserInputCodeError {
            failed_code_input_attempt_count: 1,
            maximum_code_input_attempts: 4,
        }
    );
    let over = settings(&core, "over").await;
    assert_eq!(
        over.email_verification_token_lifetime,
        app.email_verification_token_lifetime
    );
    assert_eq!(over.password_reset_token_lifetime, Duration::from_secs(60));
    // Setting a key on a tenant without overrides applies at once too.
    core.tenants
        .create_or_update(
            "plain",
            &with_config(json!({"passwordless_max_code_input_attempts": 9})),
        )
        .await
        .unwrap();
    let code = new_code(&core, "plain", "p@x.com").await;
    assert_eq!(
        consume(&core, "plain", &typed(&code, false)).await,
        ConsumeCodeResponse::IncorrectUserInputCodeError {
            failed_code_input_attempt_count: 1,
            maximum_code_input_attempts: 9,
        }
    );

    // Another process keeps what it read until its next sync (no query per request), then
    // follows.
    assert_eq!(
        settings(&there, "over")
            .await
            .passwordless_max_code_input_attempts,
        2
    );
    other_process.sync().await.unwrap();
    let there = other_process.core("a1").await.unwrap().unwrap();
    assert_eq!(settings(&there, "over").await, over);
    assert_eq!(
        settings(&there, "plain")
            .await
            .passwordless_max_code_input_attempts,
        9
    );

    // A new app value reaches the tenants that do not override it, not the others.
    apps.create_or_update_app(
        "a1",
        &with_config(json!({
            "passwordless_max_code_input_attempts": 6,
            "password_reset_token_lifetime": 90_000,
        })),
    )
    .await
    .unwrap();
    let core = apps.core("a1").await.unwrap().unwrap();
    let over = settings(&core, "over").await;
    assert_eq!(over.passwordless_max_code_input_attempts, 6);
    assert_eq!(over.password_reset_token_lifetime, Duration::from_secs(60));
    assert_eq!(over.passwordless_code_lifetime, Duration::from_secs(1800));
    let public = settings(&core, "public").await;
    assert_eq!(public.passwordless_max_code_input_attempts, 6);
    assert_eq!(
        public.password_reset_token_lifetime,
        Duration::from_secs(90)
    );
    assert_eq!(
        settings(&core, "plain")
            .await
            .passwordless_max_code_input_attempts,
        9
    );
    // A removed tenant is forgotten with its overrides.
    assert!(core.tenants.remove("over").await.unwrap());
    assert!(!core.tenants.exists("over").await.unwrap());
    assert_eq!(settings(&core, "over").await, public);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_keeps_devices_of_long_lived_tenants() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let apps = apps_in(&dir, clock.clone()).await;
    let core = Arc::clone(apps.public());
    // The app's codes live 15 minutes (the default), tenant `long`'s an hour.
    core.tenants
        .create_or_update(
            "long",
            &with_config(json!({"passwordless_code_lifetime": 3_600_000})),
        )
        .await
        .unwrap();
    let short = new_code(&core, "public", "s@x.com").await;
    let long = new_code(&core, "long", "l@x.com").await;
    assert_eq!(short.code_lifetime, 900_000);
    assert_eq!(long.code_lifetime, 3_600_000);

    clock.advance(Duration::from_secs(20 * 60));
    // Devices are swept with the longest lifetime in force in the app, so neither goes yet;
    // the app's expired code is refused when used. A process that never saw the tenant
    // reads the tenants before it sweeps.
    let other_process = apps_in(&dir, clock.clone()).await;
    let report = other_process.public().run_cleanup().await.unwrap();
    assert_eq!(report.passwordless_devices, 0);
    assert_eq!(core.run_cleanup().await.unwrap().passwordless_devices, 0);
    assert_eq!(
        consume(&core, "public", &typed(&short, true)).await,
        ConsumeCodeResponse::ExpiredUserInputCodeError {
            failed_code_input_attempt_count: 1,
            maximum_code_input_attempts: 5,
        }
    );
    assert!(matches!(
        core.passwordless
            .check_code("long", &typed(&long, true))
            .await
            .unwrap(),
        CheckCodeResponse::Ok { .. }
    ));

    // Once the tenant's hour has passed, both go.
    clock.advance(Duration::from_secs(41 * 60));
    assert_eq!(core.run_cleanup().await.unwrap().passwordless_devices, 2);
    for (tenant, code) in [("public", &short), ("long", &long)] {
        assert_eq!(
            consume(&core, tenant, &typed(code, true)).await,
            ConsumeCodeResponse::RestartFlowError,
            "{tenant}"
        );
    }
}
