//! Engine tests of email verification, user metadata and user roles with an injected clock on
//! a real SQLite storage: token use and expiry, tenant scoping, the `verified` flag of user
//! objects, merge semantics, role queries and cascades, and the data a deleted user leaves.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use supertokens_cdi::emailpassword::{SignInResponse, SignUpResponse, UpdateUserResponse};
use supertokens_cdi::emailverification::{
    CreateEmailVerificationTokenResponse, VerifyEmailResponse,
};
use supertokens_cdi::passwordless::{
    ConsumeCodeRequest, ConsumeCodeResponse, CreateCodeRequest, CreateCodeResponse, FieldUpdate,
    UpdateUserRequest,
};
use supertokens_cdi::session::JsonObject;
use supertokens_cdi::user::AuthRecipeUser;
use supertokens_cdi::userroles::{
    AddRoleToUserResponse, CreateOrUpdateRoleResponse, RemoveRoleResponse, RemoveUserRoleResponse,
    RolePermissionsResponse, RoleStatusResponse, RoleUsersResponse, RolesResponse,
};
use supertokens_core_engine::users::UserPageRequest;
use supertokens_core_engine::{CleanupConfig, Core, CoreConfig, EngineError, ManualClock};
use supertokens_crypto::password::PasswordHashingPolicy;
use supertokens_crypto::random::OsRandom;
use supertokens_storage::{ConnectOptions, connect};

const START_MS: i64 = 1_700_000_000_000;
const EV_LIFETIME: Duration = Duration::from_secs(600);
const PUBLIC: &str = "public";

struct Harness {
    core: Arc<Core>,
    clock: Arc<ManualClock>,
}

async fn harness_on(url: &str, options: &ConnectOptions) -> Harness {
    let storage = connect(url, options).await.unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let config = CoreConfig {
        password_hashing: PasswordHashingPolicy::danger_test_minimum(),
        password_hashing_pool_size: 2,
        email_verification_token_lifetime: EV_LIFETIME,
        cleanup: CleanupConfig {
            interval: Duration::from_secs(60),
            batch_size: 2,
            max_batches_per_run: 100,
        },
        ..CoreConfig::default()
    };
    let core = Core::new(storage, config, clock.clone(), Arc::new(OsRandom))
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

/// A harness on a SQLite file with a pool of several connections, for concurrency.
async fn file_harness(dir: &tempfile::TempDir) -> Harness {
    let url = format!("sqlite://{}", dir.path().join("core.db").display());
    harness_on(
        &url,
        &ConnectOptions {
            max_connections: 8,
            ..ConnectOptions::default()
        },
    )
    .await
}

fn bad_request(error: EngineError) -> String {
    match error {
        EngineError::BadRequest(message) => message,
        other => panic!("expected a 400, got {other:?}"),
    }
}

fn object(value: Value) -> JsonObject {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

impl Harness {
    async fn token_in(&self, tenant: &str, user_id: &str, email: &str) -> String {
        match self
            .core
            .emailverification
            .create_token(tenant, user_id, email)
            .await
            .unwrap()
        {
            CreateEmailVerificationTokenResponse::Ok { token } => token,
            other => panic!("expected a token, got {other:?}"),
        }
    }

    async fn token(&self, user_id: &str, email: &str) -> String {
        self.token_in(PUBLIC, user_id, email).await
    }

    async fn verify_in(&self, tenant: &str, token: &str) -> VerifyEmailResponse {
        self.core
            .emailverification
            .verify(tenant, "token", token)
            .await
            .unwrap()
    }

    async fn verify(&self, token: &str) -> VerifyEmailResponse {
        self.verify_in(PUBLIC, token).await
    }

    async fn is_verified(&self, user_id: &str, email: &str) -> bool {
        self.core
            .emailverification
            .is_verified(user_id, email)
            .await
            .unwrap()
    }

    async fn sign_up(&self, email: &str) -> AuthRecipeUser {
        match self
            .core
            .emailpassword
            .sign_up(PUBLIC, email, "password-123")
            .await
            .unwrap()
        {
            SignUpResponse::Ok { user, .. } => user,
            other => panic!("expected OK, got {other:?}"),
        }
    }

    async fn sign_in(&self, email: &str) -> AuthRecipeUser {
        match self
            .core
            .emailpassword
            .sign_in(PUBLIC, email, "password-123")
            .await
            .unwrap()
        {
            SignInResponse::Ok { user, .. } => user,
            other => panic!("expected OK, got {other:?}"),
        }
    }

    async fn user(&self, user_id: &str) -> AuthRecipeUser {
        self.core.users.by_id(user_id).await.unwrap().unwrap()
    }

    /// Signs in (or up) through a passwordless code sent to `contact`.
    async fn passwordless(&self, email: Option<&str>, phone: Option<&str>) -> AuthRecipeUser {
        let request = CreateCodeRequest {
            email: email.map(Into::into),
            phone_number: phone.map(Into::into),
            ..CreateCodeRequest::default()
        };
        let CreateCodeResponse::Ok(code) = self
            .core
            .passwordless
            .create_code(PUBLIC, &request)
            .await
            .unwrap()
        else {
            panic!("no code");
        };
        let consume = ConsumeCodeRequest {
            pre_auth_session_id: Some(code.pre_auth_session_id),
            device_id: Some(code.device_id),
            user_input_code: Some(code.user_input_code),
            link_code: None,
        };
        match self
            .core
            .passwordless
            .consume_code(PUBLIC, &consume)
            .await
            .unwrap()
        {
            ConsumeCodeResponse::Ok { user, .. } => user,
            other => panic!("expected OK, got {other:?}"),
        }
    }

    async fn metadata(&self, user_id: &str) -> JsonObject {
        self.core.usermetadata.get(user_id).await.unwrap()
    }

    async fn merge(&self, user_id: &str, update: Value) -> JsonObject {
        self.core
            .usermetadata
            .update(user_id, &object(update))
            .await
            .unwrap()
    }

    async fn create_role(&self, role: &str, permissions: Option<&[&str]>) -> bool {
        let permissions = permissions.map(strings);
        let CreateOrUpdateRoleResponse::Ok { created_new_role } = self
            .core
            .userroles
            .create_or_update_role(role, permissions.as_deref())
            .await
            .unwrap();
        created_new_role
    }

    async fn roles(&self) -> Vec<String> {
        let RolesResponse::Ok { roles } = self.core.userroles.roles().await.unwrap();
        roles
    }

    async fn permissions(&self, role: &str) -> RolePermissionsResponse {
        self.core.userroles.permissions(role).await.unwrap()
    }

    async fn add_role(&self, tenant: &str, user_id: &str, role: &str) -> AddRoleToUserResponse {
        self.core
            .userroles
            .add_user_role(tenant, user_id, role)
            .await
            .unwrap()
    }

    async fn roles_of(&self, tenant: &str, user_id: &str) -> Vec<String> {
        let RolesResponse::Ok { roles } = self
            .core
            .userroles
            .roles_of_user(tenant, user_id)
            .await
            .unwrap();
        roles
    }

    async fn users_of(&self, tenant: &str, role: &str) -> RoleUsersResponse {
        self.core
            .userroles
            .users_with_role(tenant, role)
            .await
            .unwrap()
    }
}

fn verified_ok(user_id: &str, email: &str) -> VerifyEmailResponse {
    VerifyEmailResponse::Ok {
        user_id: user_id.into(),
        email: email.into(),
    }
}

const INVALID: VerifyEmailResponse = VerifyEmailResponse::EmailVerificationInvalidTokenError;

// ---- Email verification ----

#[tokio::test]
async fn a_token_verifies_its_pair_once() {
    let h = harness().await;
    let token = h.token("user-1", " Ann@Example.COM ").await;
    assert_eq!(token.len(), 64, "48 random bytes, URL-safe base64");
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    assert_ne!(h.token("user-1", "ann@example.com").await, token);
    assert!(!h.is_verified("user-1", "ann@example.com").await);

    assert_eq!(
        h.verify(&token).await,
        verified_ok("user-1", "ann@example.com")
    );
    assert_eq!(h.verify(&token).await, INVALID, "single use");
    assert!(h.is_verified("user-1", " ANN@example.com").await);
    // Keyed by (user, email): other emails and users stay unverified.
    assert!(!h.is_verified("user-1", "other@example.com").await);
    assert!(!h.is_verified("user-2", "ann@example.com").await);
    assert_eq!(
        h.core
            .emailverification
            .create_token(PUBLIC, "user-1", "ANN@example.com")
            .await
            .unwrap(),
        CreateEmailVerificationTokenResponse::EmailAlreadyVerifiedError
    );
    assert_eq!(h.verify("not-a-token").await, INVALID);
    assert_eq!(h.verify("").await, INVALID);
}

#[tokio::test]
async fn using_a_token_deletes_every_token_of_the_pair() {
    let h = harness().await;
    let first = h.token("u", "a@x.com").await;
    let second = h.token("u", "a@x.com").await;
    let other_email = h.token("u", "b@x.com").await;
    assert_eq!(h.verify(&second).await, verified_ok("u", "a@x.com"));
    assert_eq!(h.verify(&first).await, INVALID);
    assert_eq!(h.verify(&other_email).await, verified_ok("u", "b@x.com"));
}

#[tokio::test]
async fn tokens_expire_at_their_lifetime_and_an_expired_use_deletes_the_pair_tokens() {
    let h = harness().await;
    let lifetime_ms = i64::try_from(EV_LIFETIME.as_millis()).unwrap();

    // Valid until the last millisecond of its lifetime.
    let token = h.token("u1", "a@x.com").await;
    h.clock.set(START_MS + lifetime_ms - 1);
    assert_eq!(h.verify(&token).await, verified_ok("u1", "a@x.com"));

    // Void at its lifetime; using it then also voids a younger token of the pair.
    h.clock.set(START_MS);
    let old = h.token("u2", "b@x.com").await;
    h.clock.set(START_MS + lifetime_ms / 2);
    let young = h.token("u2", "b@x.com").await;
    let other_pair = h.token("u2", "c@x.com").await;
    h.clock.set(START_MS + lifetime_ms);
    assert_eq!(h.verify(&old).await, INVALID);
    assert!(!h.is_verified("u2", "b@x.com").await);
    assert_eq!(
        h.verify(&young).await,
        INVALID,
        "the expired use deleted it"
    );
    assert_eq!(h.verify(&other_pair).await, verified_ok("u2", "c@x.com"));
    // A fresh token works again.
    let fresh = h.token("u2", "b@x.com").await;
    assert_eq!(h.verify(&fresh).await, verified_ok("u2", "b@x.com"));
}

#[tokio::test]
async fn unverify_and_revoke() {
    let h = harness().await;
    let ev = &h.core.emailverification;
    let token = h.token("u", "a@x.com").await;
    h.verify(&token).await;
    ev.unverify("u", "A@x.com").await.unwrap();
    assert!(!h.is_verified("u", "a@x.com").await);
    ev.unverify("u", "a@x.com").await.unwrap();
    ev.unverify("nobody", "a@x.com").await.unwrap();
    // Tokens can be made again, and revoked per tenant.
    let public = h.token("u", "a@x.com").await;
    let in_t1 = h.token_in("t1", "u", "a@x.com").await;
    ev.revoke_tokens(PUBLIC, "u", " A@X.COM").await.unwrap();
    assert_eq!(h.verify(&public).await, INVALID);
    assert_eq!(h.verify_in("t1", &in_t1).await, verified_ok("u", "a@x.com"));
    ev.mark_verified("v", "v@x.com").await.unwrap();
    assert!(h.is_verified("v", "v@x.com").await);
}

#[tokio::test]
async fn tokens_are_tenant_scoped_but_verification_is_app_wide() {
    let h = harness().await;
    let token = h.token_in("t1", "u", "a@x.com").await;
    assert_eq!(h.verify_in(PUBLIC, &token).await, INVALID);
    assert_eq!(h.verify_in("t2", &token).await, INVALID);
    assert_eq!(h.verify_in("t1", &token).await, verified_ok("u", "a@x.com"));
    assert!(h.is_verified("u", "a@x.com").await);
    for tenant in [PUBLIC, "t2"] {
        assert_eq!(
            h.core
                .emailverification
                .create_token(tenant, "u", "a@x.com")
                .await
                .unwrap(),
            CreateEmailVerificationTokenResponse::EmailAlreadyVerifiedError
        );
    }
}

#[tokio::test]
async fn email_verification_input_is_validated() {
    let h = harness().await;
    let ev = &h.core.emailverification;
    assert_eq!(
        bad_request(ev.verify(PUBLIC, "otp", "x").await.unwrap_err()),
        "Unsupported method for email verification"
    );
    assert_eq!(
        bad_request(ev.create_token(PUBLIC, "", "a@x.com").await.unwrap_err()),
        "Field name 'userId' cannot be an empty String"
    );
    assert_eq!(
        bad_request(ev.create_token(PUBLIC, "u", "  ").await.unwrap_err()),
        "Field name 'email' cannot be an empty String"
    );
    assert!(
        bad_request(
            ev.create_token(PUBLIC, &"u".repeat(129), "a@x.com")
                .await
                .unwrap_err()
        )
        .contains("'userId' is too long")
    );
    assert!(
        bad_request(
            ev.is_verified("u", &format!("{}@x.com", "a".repeat(300)))
                .await
                .unwrap_err()
        )
        .contains("'email' is too long")
    );
}

#[tokio::test]
async fn concurrent_uses_of_one_token_verify_once() {
    let dir = tempfile::tempdir().unwrap();
    let h = file_harness(&dir).await;
    let token = h.token("u", "a@x.com").await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let core = h.core.clone();
            let token = token.clone();
            tokio::spawn(async move {
                core.emailverification
                    .verify(PUBLIC, "token", &token)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            VerifyEmailResponse::Ok { .. } => ok += 1,
            VerifyEmailResponse::EmailVerificationInvalidTokenError => {}
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn cleanup_sweeps_expired_tokens() {
    let h = harness().await;
    let mut tokens = Vec::new();
    for i in 0..5 {
        tokens.push(h.token(&format!("u{i}"), "a@x.com").await);
    }
    h.clock.advance(EV_LIFETIME / 2);
    let live = h.token("live", "a@x.com").await;
    assert_eq!(
        h.core
            .run_cleanup()
            .await
            .unwrap()
            .email_verification_tokens,
        0
    );
    h.clock.advance(EV_LIFETIME / 2 + Duration::from_millis(1));
    let report = h.core.run_cleanup().await.unwrap();
    assert_eq!(report.email_verification_tokens, 5);
    assert_eq!(
        h.core
            .run_cleanup()
            .await
            .unwrap()
            .email_verification_tokens,
        0
    );
    assert_eq!(h.verify(&live).await, verified_ok("live", "a@x.com"));
}

// ---- The `verified` flag of user objects ----

#[tokio::test]
async fn user_objects_carry_the_verification_state_of_their_email() {
    let h = harness().await;
    let ann = h.sign_up("ann@x.com").await;
    assert!(!ann.login_methods[0].verified);
    h.clock.advance(Duration::from_millis(1));
    let bob = h.sign_up("bob@x.com").await;
    h.clock.advance(Duration::from_millis(1));
    let _carl = h.sign_up("carl@x.com").await;

    let token = h.token(&ann.id, "ann@x.com").await;
    h.verify(&token).await;
    assert!(h.sign_in("ann@x.com").await.login_methods[0].verified);
    assert!(h.user(&ann.id).await.login_methods[0].verified);
    assert!(!h.user(&bob.id).await.login_methods[0].verified);
    // A verified pair of another email does not count.
    h.core
        .emailverification
        .mark_verified(&bob.id, "elsewhere@x.com")
        .await
        .unwrap();
    assert!(!h.user(&bob.id).await.login_methods[0].verified);

    // Lists read the state for every user.
    let page = h
        .core
        .users
        .page(PUBLIC, &UserPageRequest::default())
        .await
        .unwrap();
    let flags: Vec<(Option<String>, bool)> = page
        .users
        .iter()
        .map(|u| (u.emails.first().cloned(), u.login_methods[0].verified))
        .collect();
    assert_eq!(
        flags,
        vec![
            (Some("ann@x.com".into()), true),
            (Some("bob@x.com".into()), false),
            (Some("carl@x.com".into()), false),
        ]
    );
    let found = h
        .core
        .users
        .by_account_info(PUBLIC, Some("ANN@x.com"), None, true)
        .await
        .unwrap();
    assert!(found[0].login_methods[0].verified);

    // A changed email starts unverified; changing back finds the old state.
    assert_eq!(
        h.core
            .emailpassword
            .update_user(&ann.id, Some("ann2@x.com"), None)
            .await
            .unwrap(),
        UpdateUserResponse::Ok
    );
    assert!(!h.user(&ann.id).await.login_methods[0].verified);
    assert!(!h.sign_in("ann2@x.com").await.login_methods[0].verified);
    h.core
        .emailpassword
        .update_user(&ann.id, Some("ann@x.com"), None)
        .await
        .unwrap();
    assert!(h.user(&ann.id).await.login_methods[0].verified);
}

#[tokio::test]
async fn passwordless_sign_in_with_an_email_verifies_it() {
    let h = harness().await;
    let user = h.passwordless(Some("pl@x.com"), None).await;
    assert!(user.login_methods[0].verified);
    assert!(h.is_verified(&user.id, "pl@x.com").await);
    // Un-verified, the user object says so until the next sign-in proves the inbox again.
    h.core
        .emailverification
        .unverify(&user.id, "pl@x.com")
        .await
        .unwrap();
    assert!(!h.user(&user.id).await.login_methods[0].verified);
    let again = h.passwordless(Some("pl@x.com"), None).await;
    assert_eq!(again.id, user.id);
    assert!(again.login_methods[0].verified);
    assert!(h.user(&user.id).await.login_methods[0].verified);

    // Phone numbers are not emails.
    let phone = h.passwordless(None, Some("+15550100")).await;
    assert!(!phone.login_methods[0].verified);

    // A new email set through the API is unverified.
    h.core
        .passwordless
        .update_user(&UpdateUserRequest {
            recipe_user_id: Some(user.id.clone()),
            email: FieldUpdate::Set("new@x.com".into()),
            ..UpdateUserRequest::default()
        })
        .await
        .unwrap();
    assert!(!h.user(&user.id).await.login_methods[0].verified);
}

#[tokio::test]
async fn deleting_a_user_deletes_its_verification_metadata_and_roles() {
    let h = harness().await;
    let gone = h.sign_up("gone@x.com").await;
    let kept = h.sign_up("kept@x.com").await;
    h.create_role("admin", None).await;
    let mut tokens = Vec::new();
    for user in [&gone, &kept] {
        let token = h.token(&user.id, "x@x.com").await;
        tokens.push(token);
        h.core
            .emailverification
            .mark_verified(&user.id, &user.emails[0])
            .await
            .unwrap();
        h.merge(&user.id, json!({"k": 1})).await;
        h.add_role(PUBLIC, &user.id, "admin").await;
        h.add_role("t1", &user.id, "admin").await;
    }
    h.core.users.remove(&gone.id).await.unwrap();
    assert!(h.core.users.by_id(&gone.id).await.unwrap().is_none());
    assert_eq!(h.verify(&tokens[0]).await, INVALID);
    assert!(!h.is_verified(&gone.id, "gone@x.com").await);
    assert!(h.metadata(&gone.id).await.is_empty());
    assert!(h.roles_of(PUBLIC, &gone.id).await.is_empty());
    assert!(h.roles_of("t1", &gone.id).await.is_empty());

    assert!(h.is_verified(&kept.id, "kept@x.com").await);
    assert_eq!(h.metadata(&kept.id).await, object(json!({"k": 1})));
    assert_eq!(
        h.users_of("t1", "admin").await,
        RoleUsersResponse::Ok {
            users: vec![kept.id.clone()]
        }
    );
    assert_eq!(h.verify(&tokens[1]).await, verified_ok(&kept.id, "x@x.com"));
}

// ---- User metadata ----

#[tokio::test]
async fn metadata_merges_shallowly() {
    let h = harness().await;
    assert_eq!(h.metadata("u").await, JsonObject::new());
    assert_eq!(
        h.merge(
            "u",
            json!({"theme": "dark", "prefs": {"a": 1, "b": 2}, "n": 1})
        )
        .await,
        object(json!({"theme": "dark", "prefs": {"a": 1, "b": 2}, "n": 1}))
    );
    // Nested objects are replaced, null deletes, absent keys stay.
    let merged = h
        .merge("u", json!({"prefs": {"c": 3}, "n": null, "list": [1, 2]}))
        .await;
    let expected = object(json!({"theme": "dark", "prefs": {"c": 3}, "list": [1, 2]}));
    assert_eq!(merged, expected);
    assert_eq!(h.metadata("u").await, expected);
    assert_eq!(h.merge("u", json!({})).await, expected);
    // Free-form ids; users are separate.
    assert_eq!(h.metadata("someone else").await, JsonObject::new());
    h.core.usermetadata.remove("u").await.unwrap();
    h.core.usermetadata.remove("u").await.unwrap();
    assert_eq!(h.metadata("u").await, JsonObject::new());
    assert_eq!(
        bad_request(h.core.usermetadata.get("").await.unwrap_err()),
        "Field name 'userId' cannot be an empty String"
    );
}

#[tokio::test]
async fn concurrent_merges_of_different_keys_all_survive() {
    let dir = tempfile::tempdir().unwrap();
    let h = file_harness(&dir).await;
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let core = h.core.clone();
            tokio::spawn(async move {
                let update = object(json!({ format!("key{i}"): i }));
                core.usermetadata.update("u", &update).await.unwrap()
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let stored = h.metadata("u").await;
    assert_eq!(stored.len(), 16, "{stored:?}");
    for i in 0..16 {
        assert_eq!(stored[&format!("key{i}")], json!(i));
    }
}

// ---- User roles ----

#[tokio::test]
async fn roles_and_permissions() {
    let h = harness().await;
    assert!(
        h.create_role(" admin ", Some(&["write", " read", "read"]))
            .await
    );
    assert!(!h.create_role("admin", Some(&["delete"])).await);
    assert!(!h.create_role("admin", None).await);
    assert!(h.create_role("viewer", Some(&["read"])).await);
    assert!(h.create_role("Empty", None).await);
    assert_eq!(h.roles().await, strings(&["Empty", "admin", "viewer"]));
    assert_eq!(
        h.permissions("admin").await,
        RolePermissionsResponse::Ok {
            permissions: strings(&["delete", "read", "write"])
        }
    );
    assert_eq!(
        h.permissions("Empty").await,
        RolePermissionsResponse::Ok {
            permissions: vec![]
        }
    );
    assert_eq!(
        h.permissions("nope").await,
        RolePermissionsResponse::UnknownRoleError
    );
    let roles = &h.core.userroles;
    assert_eq!(
        roles.roles_with_permission(" read ").await.unwrap(),
        RolesResponse::Ok {
            roles: strings(&["admin", "viewer"])
        }
    );
    assert_eq!(
        roles.roles_with_permission("none").await.unwrap(),
        RolesResponse::Ok { roles: vec![] }
    );

    let remove = |role: &'static str, permissions: Option<&'static [&'static str]>| async move {
        let permissions = permissions.map(strings);
        roles
            .remove_permissions(role, permissions.as_deref())
            .await
            .unwrap()
    };
    assert_eq!(
        remove("admin", Some(&["read", "missing"])).await,
        RoleStatusResponse::Ok
    );
    assert_eq!(
        h.permissions("admin").await,
        RolePermissionsResponse::Ok {
            permissions: strings(&["delete", "write"])
        }
    );
    assert_eq!(remove("admin", None).await, RoleStatusResponse::Ok);
    assert_eq!(
        h.permissions("admin").await,
        RolePermissionsResponse::Ok {
            permissions: vec![]
        }
    );
    assert_eq!(
        remove("nope", None).await,
        RoleStatusResponse::UnknownRoleError
    );
    assert_eq!(
        roles.remove_role("viewer").await.unwrap(),
        RemoveRoleResponse::Ok {
            did_role_exist: true
        }
    );
    assert_eq!(
        roles.remove_role("viewer").await.unwrap(),
        RemoveRoleResponse::Ok {
            did_role_exist: false
        }
    );
    assert_eq!(
        roles.roles_with_permission("read").await.unwrap(),
        RolesResponse::Ok { roles: vec![] }
    );
}

#[tokio::test]
async fn user_roles_are_per_tenant_and_go_with_their_role() {
    let h = harness().await;
    h.create_role("admin", Some(&["write"])).await;
    h.create_role("editor", None).await;
    let ok = |already: bool| AddRoleToUserResponse::Ok {
        did_user_already_have_role: already,
    };
    assert_eq!(
        h.add_role(PUBLIC, "u1", "nope").await,
        AddRoleToUserResponse::UnknownRoleError
    );
    assert_eq!(h.add_role(PUBLIC, "u1", "editor").await, ok(false));
    assert_eq!(h.add_role(PUBLIC, "u1", " admin").await, ok(false));
    assert_eq!(h.add_role(PUBLIC, "u1", "admin").await, ok(true));
    assert_eq!(h.add_role(PUBLIC, "u2", "admin").await, ok(false));
    assert_eq!(h.add_role("t1", "u1", "admin").await, ok(false));

    assert_eq!(
        h.roles_of(PUBLIC, "u1").await,
        strings(&["admin", "editor"])
    );
    assert_eq!(h.roles_of("t1", "u1").await, strings(&["admin"]));
    assert!(h.roles_of("t2", "u1").await.is_empty());
    assert_eq!(
        h.users_of(PUBLIC, "admin").await,
        RoleUsersResponse::Ok {
            users: strings(&["u1", "u2"])
        }
    );
    assert_eq!(
        h.users_of("t1", "admin").await,
        RoleUsersResponse::Ok {
            users: strings(&["u1"])
        }
    );
    assert_eq!(
        h.users_of("t1", "nope").await,
        RoleUsersResponse::UnknownRoleError
    );

    let roles = &h.core.userroles;
    assert_eq!(
        roles.remove_user_role("t1", "u1", "admin").await.unwrap(),
        RemoveUserRoleResponse::Ok {
            did_user_have_role: true
        }
    );
    assert_eq!(
        roles.remove_user_role("t1", "u1", "admin").await.unwrap(),
        RemoveUserRoleResponse::Ok {
            did_user_have_role: false
        }
    );
    assert_eq!(
        roles.remove_user_role("t1", "u1", "nope").await.unwrap(),
        RemoveUserRoleResponse::UnknownRoleError
    );
    assert_eq!(
        h.roles_of(PUBLIC, "u1").await,
        strings(&["admin", "editor"])
    );

    // Removing a role takes it from everyone, with its permissions.
    roles.remove_role("admin").await.unwrap();
    assert_eq!(h.roles_of(PUBLIC, "u1").await, strings(&["editor"]));
    assert!(h.roles_of(PUBLIC, "u2").await.is_empty());
    assert!(h.create_role("admin", None).await);
    assert_eq!(
        h.users_of(PUBLIC, "admin").await,
        RoleUsersResponse::Ok { users: vec![] }
    );
    assert_eq!(
        h.permissions("admin").await,
        RolePermissionsResponse::Ok {
            permissions: vec![]
        }
    );
}

#[tokio::test]
async fn role_input_is_validated() {
    let h = harness().await;
    let roles = &h.core.userroles;
    assert_eq!(
        bad_request(roles.create_or_update_role("  ", None).await.unwrap_err()),
        "Field name 'role' cannot be an empty String"
    );
    assert_eq!(
        bad_request(
            roles
                .create_or_update_role("admin", Some(&strings(&["read", " "])))
                .await
                .unwrap_err()
        ),
        "Field name 'permissions' cannot contain an empty string"
    );
    assert!(h.roles().await.is_empty(), "nothing was created");
    assert_eq!(
        bad_request(roles.roles_with_permission("").await.unwrap_err()),
        "Field name 'permission' cannot be an empty String"
    );
    assert_eq!(
        bad_request(roles.add_user_role(PUBLIC, "", "admin").await.unwrap_err()),
        "Field name 'userId' cannot be an empty String"
    );
    assert_eq!(
        bad_request(roles.users_with_role(PUBLIC, "").await.unwrap_err()),
        "Field name 'role' cannot be an empty String"
    );
    assert!(
        bad_request(
            roles
                .create_or_update_role(&"r".repeat(256), None)
                .await
                .unwrap_err()
        )
        .contains("'role' is too long")
    );
}
