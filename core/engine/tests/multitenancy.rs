//! Engine tests of apps and tenants on SQLite files (one per app): creating, listing,
//! configuring and removing apps, what each app's overrides change, isolation of apps,
//! several processes on one database, and tenants that keep their users apart.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use supertokens_cdi::emailpassword::{SignInResponse, SignUpResponse};
use supertokens_cdi::multitenancy::{AssociateUserResponse, DisassociateUserResponse, TenantInput};
use supertokens_cdi::session::{JsonObject, VerifySessionResponse};
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
