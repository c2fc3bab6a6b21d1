//! Storage conformance suite: the same tests against every backend.
//!
//! `storage_conformance!(backend, make_db)` expands one `#[tokio::test]` per case in
//! [`cases`] for a backend. Every test gets its own freshly created database, dropped again
//! afterwards even when the test fails:
//! - SQLite: a file in a temporary directory;
//! - PostgreSQL: `st_test_<uuid>` on `ST_TEST_POSTGRES_URL`
//!   (default `postgres://postgres@127.0.0.1:5432/postgres`);
//! - MySQL/MariaDB: `st_test_<uuid>` on `ST_TEST_MYSQL_URL`
//!   (default `mysql://root@127.0.0.1:3306/`).
//!
//! A database server that cannot be reached fails the tests (they are never skipped).
//! The suite needs all three backend features (the crate's defaults).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::sync::Arc;

use supertokens_storage::{ConnectOptions, Storage};

/// What a test case gets.
struct Ctx {
    /// The store under test, connected to a fresh database.
    store: Arc<dyn Storage>,
    /// URL of that database (to connect a second time).
    url: String,
    /// Expected `Storage::backend()`.
    backend: &'static str,
}

mod harness {
    use sqlx::Connection;

    use super::*;

    /// A database created for one test.
    pub(crate) struct TestDb {
        pub(crate) url: String,
        drop: DropWith,
    }

    enum DropWith {
        TempDir(#[allow(dead_code)] tempfile::TempDir),
        Postgres { admin_url: String, name: String },
        MySql { admin_url: String, name: String },
    }

    fn unique_name() -> String {
        format!("st_test_{}", uuid::Uuid::new_v4().simple())
    }

    /// `admin_url` with its database path replaced by `name` (query string kept).
    fn with_database(admin_url: &str, name: &str) -> String {
        let (base, query) = match admin_url.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (admin_url, String::new()),
        };
        let authority_start = base.find("://").map_or(0, |i| i + 3);
        let path_start = base[authority_start..]
            .find('/')
            .map_or(base.len(), |i| authority_start + i);
        format!("{}/{name}{query}", &base[..path_start])
    }

    fn postgres_admin_url() -> String {
        std::env::var("ST_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
    }

    fn mysql_admin_url() -> String {
        std::env::var("ST_TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/".to_owned())
    }

    async fn postgres_admin(admin_url: &str) -> sqlx::PgConnection {
        sqlx::PgConnection::connect(admin_url).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is not reachable ({e}); the conformance tests need it. Start it with \
                 `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, or \
                 point ST_TEST_POSTGRES_URL at a server where the user may CREATE DATABASE."
            )
        })
    }

    async fn mysql_admin(admin_url: &str) -> sqlx::MySqlConnection {
        sqlx::MySqlConnection::connect(admin_url)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "MariaDB/MySQL is not reachable ({e}); the conformance tests need it. Start it \
                 with `start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd`, \
                 or point ST_TEST_MYSQL_URL at a server where the user may CREATE DATABASE."
                )
            })
    }

    pub(crate) async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("storage.db").display());
        TestDb {
            url,
            drop: DropWith::TempDir(dir),
        }
    }

    pub(crate) async fn postgres() -> TestDb {
        let admin_url = postgres_admin_url();
        let name = unique_name();
        let mut admin = postgres_admin(&admin_url).await;
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.ok();
        TestDb {
            url: with_database(&admin_url, &name),
            drop: DropWith::Postgres { admin_url, name },
        }
    }

    pub(crate) async fn mysql() -> TestDb {
        let admin_url = mysql_admin_url();
        let name = unique_name();
        let mut admin = mysql_admin(&admin_url).await;
        sqlx::raw_sql(&format!(
            "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        ))
        .execute(&mut admin)
        .await
        .unwrap();
        admin.close().await.ok();
        TestDb {
            url: with_database(&admin_url, &name),
            drop: DropWith::MySql { admin_url, name },
        }
    }

    impl TestDb {
        /// Drops the database; failures are reported, not raised, so they never hide the
        /// test's own outcome.
        async fn destroy(self) {
            let result = match self.drop {
                DropWith::TempDir(dir) => dir.close().map_err(|e| e.to_string()),
                DropWith::Postgres { admin_url, name } => {
                    let mut admin = postgres_admin(&admin_url).await;
                    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut admin)
                        .await
                        .map(drop)
                        .map_err(|e| e.to_string())
                }
                DropWith::MySql { admin_url, name } => {
                    let mut admin = mysql_admin(&admin_url).await;
                    // The databases of the apps the test made, if it did not destroy them.
                    let hashed = supertokens_storage::apps::mysql_hashed_prefix(&name);
                    let app_databases: Vec<String> = sqlx::query_scalar(
                        "SELECT CONVERT(schema_name USING utf8mb4) FROM information_schema.schemata \
                         WHERE schema_name LIKE ? OR schema_name LIKE ?",
                    )
                    .bind(format!("{name}\\_\\_%"))
                    .bind(format!("{}%", hashed.replace('_', "\\_")))
                    .fetch_all(&mut admin)
                    .await
                    .unwrap_or_default();
                    for database in app_databases {
                        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS `{database}`"))
                            .execute(&mut admin)
                            .await
                            .ok();
                    }
                    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name}"))
                        .execute(&mut admin)
                        .await
                        .map(drop)
                        .map_err(|e| e.to_string())
                }
            };
            if let Err(e) = result {
                eprintln!("warning: could not drop the test database: {e}");
            }
        }
    }

    /// Runs `case` against a fresh database from `make`, drops the database, then re-raises
    /// the case's panic, if any.
    pub(crate) async fn run<M, MF, C, CF>(backend: &'static str, make: M, case: C)
    where
        M: FnOnce() -> MF,
        MF: Future<Output = TestDb>,
        C: FnOnce(Ctx) -> CF + Send + 'static,
        CF: Future<Output = ()> + Send + 'static,
    {
        let db = make().await;
        let url = db.url.clone();
        let outcome = tokio::spawn(async move {
            let store = supertokens_storage::connect(&url, &ConnectOptions::default())
                .await
                .unwrap_or_else(|e| panic!("connect to the {backend} test database: {e}"));
            case(Ctx {
                store,
                url,
                backend,
            })
            .await;
        })
        .await;
        db.destroy().await;
        if let Err(e) = outcome {
            match e.try_into_panic() {
                Ok(payload) => std::panic::resume_unwind(payload),
                Err(e) => panic!("test task failed: {e}"),
            }
        }
    }

    #[test]
    fn database_url_rewriting() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306/", "x"),
            "mysql://root@127.0.0.1:3306/x"
        );
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306", "x"),
            "mysql://root@127.0.0.1:3306/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
    }
}

/// Expands every case of [`cases`] as a test of one backend.
macro_rules! storage_conformance {
    ($backend:ident, $make_db:path) => {
        storage_conformance!(@expand $backend, $make_db, [
            users_insert_and_get,
            users_unique_email_and_phone,
            users_lookup_by_email_and_phone,
            users_password_hash_by_email,
            users_update_email,
            users_update_password_hash,
            users_delete_cascades,
            users_list_pagination,
            users_count,
            reset_tokens_consume,
            reset_tokens_concurrent_consume,
            reset_tokens_delete_expired_in_batches,
            sessions_round_trip,
            sessions_swap_refresh_token_hash,
            sessions_concurrent_swaps,
            sessions_updates,
            sessions_delete_by_handles,
            sessions_delete_of_user,
            sessions_handles_of_user,
            sessions_delete_expired_in_batches,
            signing_keys_lifecycle,
            signing_keys_concurrent_insert,
            secrets_get_or_insert,
            ping_and_backend,
            migrations_run_twice,
            passwordless_insert_and_read,
            passwordless_insert_conflicts,
            passwordless_concurrent_inserts,
            passwordless_inserts_within_budget,
            passwordless_add_codes,
            passwordless_devices_by_contact,
            passwordless_attempt_typed_failures,
            passwordless_attempt_exhausted_device,
            passwordless_attempt_links,
            passwordless_attempt_code_of_another_device,
            passwordless_attempt_consume,
            passwordless_concurrent_consume,
            passwordless_consume_signs_in_or_up,
            passwordless_concurrent_sign_up_by_consume,
            passwordless_concurrent_consumes_of_many_contacts,
            passwordless_concurrent_wrong_codes,
            passwordless_delete_codes,
            passwordless_delete_devices,
            passwordless_update_contact,
            passwordless_delete_expired_in_batches,
            email_verification_use_tokens,
            email_verification_concurrent_use,
            email_verification_state,
            email_verification_delete_expired_in_batches,
            email_verification_migration_backfills_passwordless,
            metadata_merge,
            metadata_concurrent_updates,
            roles_create_and_permissions,
            roles_user_assignments,
            roles_delete_cascades,
            roles_concurrent_assign_and_delete,
            roles_concurrent_create,
            tenants_round_trip,
            tenants_user_membership,
            tenants_remove_user_takes_its_tenant_data,
            tenants_delete_takes_the_tenant_data,
            apps_registry,
            app_storages_are_separate_databases,
            multitenancy_migration_backfills_user_tenants,
            rate_limits_update_and_delete,
            rate_limits_concurrent_hits_never_exceed_the_limit,
            rate_limits_window_hits,
            rate_limits_delete_expired_in_batches,
        ]);
    };
    (@expand $backend:ident, $make_db:path, [$($case:ident),* $(,)?]) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::harness::run(stringify!($backend), $make_db, super::cases::$case).await;
                }
            )*
        }
    };
}

storage_conformance!(sqlite, crate::harness::sqlite);
storage_conformance!(postgres, crate::harness::postgres);
storage_conformance!(mysql, crate::harness::mysql);

mod cases {
    use serde_json::json;
    use supertokens_storage::{
        AddUserRoleOutcome, AddUserToTenantOutcome, AppRecord, CodeAttempt, CodeAttemptOutcome,
        CodeBudget, ContactUpdate, EmailVerificationTokenRecord, InsertCodeOutcome,
        InsertUserOutcome, ListUsersQuery, PasswordResetTokenRecord, PasswordlessCodeRecord,
        PasswordlessDeviceRecord, RECIPE_EMAILPASSWORD as EP, RECIPE_PASSWORDLESS as PL,
        RateLimitKey, RateLimitRecord, RemoveUserRoleOutcome, SessionRecord, SigningKeyKind,
        SigningKeyRecord, TenantRecord, UpdateContactOutcome, UpdateEmailOutcome,
        UseVerificationTokenOutcome, UserRecord,
    };

    use super::*;

    const T0: i64 = 1_700_000_000_000;

    fn user(id: &str, recipe: &str, tenant: &str, email: Option<&str>, time: i64) -> UserRecord {
        UserRecord {
            user_id: id.to_owned(),
            recipe_id: recipe.to_owned(),
            tenant_ids: vec![tenant.to_owned()],
            email: email.map(str::to_owned),
            phone_number: None,
            password_hash: (recipe == EP)
                .then(|| format!("$argon2id$v=19$m=19456,t=2,p=1$salt${id}")),
            time_joined_ms: time,
        }
    }

    fn phone_user(id: &str, recipe: &str, tenant: &str, phone: &str, time: i64) -> UserRecord {
        UserRecord {
            phone_number: Some(phone.to_owned()),
            ..user(id, recipe, tenant, None, time)
        }
    }

    fn token(hash: &str, user_id: &str, expires_at_ms: i64) -> PasswordResetTokenRecord {
        PasswordResetTokenRecord {
            token_hash: hash.to_owned(),
            user_id: user_id.to_owned(),
            email: format!("{user_id}@example.com"),
            expires_at_ms,
        }
    }

    fn session(handle: &str, user_id: &str, tenant: &str, expires_at_ms: i64) -> SessionRecord {
        SessionRecord {
            session_handle: handle.to_owned(),
            user_id: user_id.to_owned(),
            recipe_user_id: user_id.to_owned(),
            tenant_id: tenant.to_owned(),
            refresh_token_hash_2: "h0".to_owned(),
            session_data: json!({}),
            jwt_payload: json!({}),
            expires_at_ms,
            created_at_ms: T0,
            use_static_key: false,
        }
    }

    fn key(kid: &str, kind: SigningKeyKind, generation: i64, created: i64) -> SigningKeyRecord {
        SigningKeyRecord {
            kid: kid.to_owned(),
            kind,
            generation,
            algorithm: "RS256".to_owned(),
            private_key_pem: format!(
                "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
                "A".repeat(1600)
            ),
            created_at_ms: created,
        }
    }

    fn sorted(mut v: Vec<String>) -> Vec<String> {
        v.sort();
        v
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    async fn insert_all(store: &dyn Storage, users: &[UserRecord]) {
        for u in users {
            assert_eq!(
                store.insert_user(u).await.unwrap(),
                InsertUserOutcome::Inserted,
                "{u:?}"
            );
        }
    }

    pub(crate) async fn users_insert_and_get(ctx: Ctx) {
        let s = &*ctx.store;
        let u = user("u1", EP, "public", Some("a@x.com"), T0);
        assert_eq!(
            s.insert_user(&u).await.unwrap(),
            InsertUserOutcome::Inserted
        );
        assert_eq!(s.user_by_id("u1").await.unwrap(), Some(u.clone()));
        assert_eq!(s.user_by_id("unknown").await.unwrap(), None);

        let same_id = user("u1", PL, "public", Some("other@x.com"), T0 + 1);
        assert_eq!(
            s.insert_user(&same_id).await.unwrap(),
            InsertUserOutcome::UserIdTaken
        );
        assert_eq!(s.user_by_id("u1").await.unwrap(), Some(u));

        let p = phone_user("p1", PL, "public", "+15550000001", T0 + 2);
        assert_eq!(
            s.insert_user(&p).await.unwrap(),
            InsertUserOutcome::Inserted
        );
        let stored = s.user_by_id("p1").await.unwrap().unwrap();
        assert_eq!(stored, p);
        assert_eq!(stored.email, None);
        assert_eq!(stored.password_hash, None);
    }

    pub(crate) async fn users_unique_email_and_phone(ctx: Ctx) {
        let s = &*ctx.store;
        let insert = |u: UserRecord| async move { s.insert_user(&u).await.unwrap() };
        use InsertUserOutcome::*;
        assert_eq!(
            insert(user("u1", EP, "public", Some("a@x.com"), T0)).await,
            Inserted
        );
        assert_eq!(
            insert(user("u2", EP, "public", Some("a@x.com"), T0)).await,
            EmailTaken
        );
        assert_eq!(s.user_by_id("u2").await.unwrap(), None);
        // Same email in another recipe or another tenant is fine.
        assert_eq!(
            insert(user("u3", PL, "public", Some("a@x.com"), T0)).await,
            Inserted
        );
        assert_eq!(
            insert(user("u4", EP, "t1", Some("a@x.com"), T0)).await,
            Inserted
        );

        assert_eq!(
            insert(phone_user("p1", PL, "public", "+15550001", T0)).await,
            Inserted
        );
        assert_eq!(
            insert(phone_user("p2", PL, "public", "+15550001", T0)).await,
            PhoneNumberTaken
        );
        assert_eq!(s.user_by_id("p2").await.unwrap(), None);
        assert_eq!(
            insert(phone_user("p3", PL, "t1", "+15550001", T0)).await,
            Inserted
        );
        assert_eq!(
            insert(phone_user("p4", EP, "public", "+15550001", T0)).await,
            Inserted
        );
        // Users without email (or without phone) never collide on the missing value.
        assert_eq!(
            insert(phone_user("p5", PL, "public", "+15550002", T0)).await,
            Inserted
        );
        assert_eq!(
            insert(user("e1", PL, "public", Some("b@x.com"), T0)).await,
            Inserted
        );
        assert_eq!(
            insert(user("e2", PL, "public", Some("c@x.com"), T0)).await,
            Inserted
        );
        // The id is checked too when the email is free.
        assert_eq!(
            insert(user("u1", EP, "public", Some("new@x.com"), T0)).await,
            UserIdTaken
        );
    }

    /// The hash read for a password check: the user's id and hash, or none for an unknown
    /// email, another recipe, another tenant or a user without a hash.
    pub(crate) async fn users_password_hash_by_email(ctx: Ctx) {
        let s = &*ctx.store;
        let ep = user("ep1", EP, PUBLIC, Some("a@x.com"), T0);
        assert_eq!(
            s.insert_user(&ep).await.unwrap(),
            InsertUserOutcome::Inserted
        );
        assert_eq!(
            s.insert_user(&user("pl1", PL, PUBLIC, Some("b@x.com"), T0))
                .await
                .unwrap(),
            InsertUserOutcome::Inserted
        );
        assert_eq!(
            s.password_hash_by_email(PUBLIC, EP, "a@x.com")
                .await
                .unwrap(),
            Some(("ep1".to_owned(), ep.password_hash.clone().unwrap()))
        );
        for (tenant, recipe, email) in [
            (PUBLIC, EP, "nobody@x.com"),
            (PUBLIC, PL, "a@x.com"),
            (PUBLIC, PL, "b@x.com"),
            (PUBLIC, EP, "b@x.com"),
            ("t1", EP, "a@x.com"),
        ] {
            assert_eq!(
                s.password_hash_by_email(tenant, recipe, email)
                    .await
                    .unwrap(),
                None,
                "{tenant} {recipe} {email}"
            );
        }
    }

    pub(crate) async fn users_lookup_by_email_and_phone(ctx: Ctx) {
        let s = &*ctx.store;
        let ep = user("ep", EP, "public", Some("a@x.com"), T0 + 20);
        let pl = user("pl", PL, "public", Some("a@x.com"), T0 + 10);
        let other_tenant = user("ot", EP, "t1", Some("a@x.com"), T0);
        let other_email = user("oe", EP, "public", Some("b@x.com"), T0);
        insert_all(
            s,
            &[ep.clone(), pl.clone(), other_tenant.clone(), other_email],
        )
        .await;

        assert_eq!(
            s.user_by_email("public", EP, "a@x.com").await.unwrap(),
            Some(ep.clone())
        );
        assert_eq!(
            s.user_by_email("public", PL, "a@x.com").await.unwrap(),
            Some(pl.clone())
        );
        assert_eq!(
            s.user_by_email("t1", EP, "a@x.com").await.unwrap(),
            Some(other_tenant)
        );
        assert_eq!(
            s.user_by_email("public", EP, "c@x.com").await.unwrap(),
            None
        );
        assert_eq!(s.user_by_email("t2", EP, "a@x.com").await.unwrap(), None);
        assert_eq!(s.user_by_email("public", EP, "a@x.co").await.unwrap(), None);

        assert_eq!(
            s.users_by_email("public", "a@x.com").await.unwrap(),
            vec![pl, ep]
        );
        assert!(s.users_by_email("t2", "a@x.com").await.unwrap().is_empty());

        let p1 = phone_user("p1", PL, "public", "+15550001", T0 + 5);
        let p2 = phone_user("p2", EP, "public", "+15550001", T0 + 1);
        let p3 = phone_user("p3", PL, "t1", "+15550001", T0);
        insert_all(s, &[p1.clone(), p2.clone(), p3.clone()]).await;
        assert_eq!(
            s.users_by_phone_number("public", "+15550001")
                .await
                .unwrap(),
            vec![p2, p1]
        );
        assert_eq!(
            s.users_by_phone_number("t1", "+15550001").await.unwrap(),
            vec![p3]
        );
        assert!(
            s.users_by_phone_number("public", "+15550009")
                .await
                .unwrap()
                .is_empty()
        );
    }

    pub(crate) async fn users_update_email(ctx: Ctx) {
        let s = &*ctx.store;
        insert_all(
            s,
            &[
                user("u1", EP, "public", Some("a@x.com"), T0),
                user("u2", EP, "public", Some("b@x.com"), T0),
                user("u3", PL, "public", Some("c@x.com"), T0),
            ],
        )
        .await;
        use UpdateEmailOutcome::*;
        assert_eq!(
            s.update_user_email("u1", "a2@x.com").await.unwrap(),
            Updated
        );
        assert_eq!(
            s.user_by_email("public", EP, "a2@x.com")
                .await
                .unwrap()
                .unwrap()
                .user_id,
            "u1"
        );
        assert_eq!(
            s.user_by_email("public", EP, "a@x.com").await.unwrap(),
            None
        );

        assert_eq!(
            s.update_user_email("u1", "b@x.com").await.unwrap(),
            EmailTaken
        );
        assert_eq!(
            s.user_by_id("u1").await.unwrap().unwrap().email.as_deref(),
            Some("a2@x.com")
        );
        // Unchanged value still counts as updated.
        assert_eq!(
            s.update_user_email("u1", "a2@x.com").await.unwrap(),
            Updated
        );
        // c@x.com belongs to a passwordless user only.
        assert_eq!(s.update_user_email("u1", "c@x.com").await.unwrap(), Updated);
        assert_eq!(
            s.update_user_email("unknown", "z@x.com").await.unwrap(),
            UnknownUser
        );
        assert_eq!(
            s.user_by_email("public", EP, "z@x.com").await.unwrap(),
            None
        );
    }

    pub(crate) async fn users_update_password_hash(ctx: Ctx) {
        let s = &*ctx.store;
        insert_all(s, &[user("u1", EP, "public", Some("a@x.com"), T0)]).await;
        assert!(
            s.update_password_hash("u1", "$2a$10$newhash")
                .await
                .unwrap()
        );
        assert_eq!(
            s.user_by_id("u1")
                .await
                .unwrap()
                .unwrap()
                .password_hash
                .as_deref(),
            Some("$2a$10$newhash")
        );
        assert!(
            s.update_password_hash("u1", "$2a$10$newhash")
                .await
                .unwrap()
        );
        assert!(!s.update_password_hash("unknown", "x").await.unwrap());
    }

    pub(crate) async fn users_delete_cascades(ctx: Ctx) {
        let s = &*ctx.store;
        insert_all(
            s,
            &[
                user("u1", EP, "public", Some("a@x.com"), T0),
                user("u2", EP, "public", Some("b@x.com"), T0),
            ],
        )
        .await;
        s.insert_session(&session("s1", "u1", "public", T0 + 1000))
            .await
            .unwrap();
        s.insert_session(&SessionRecord {
            user_id: "primary".to_owned(),
            ..session("s2", "u1", "public", T0 + 1000)
        })
        .await
        .unwrap();
        s.insert_session(&session("s3", "u2", "public", T0 + 1000))
            .await
            .unwrap();
        for t in [
            token("t1", "u1", T0),
            token("t2", "u1", T0),
            token("t3", "u2", T0),
        ] {
            s.insert_password_reset_token(&t).await.unwrap();
        }

        assert!(s.delete_user("u1").await.unwrap());
        assert_eq!(s.user_by_id("u1").await.unwrap(), None);
        assert_eq!(
            s.user_by_email("public", EP, "a@x.com").await.unwrap(),
            None
        );
        assert_eq!(s.session("s1").await.unwrap(), None);
        assert_eq!(s.session("s2").await.unwrap(), None);
        assert!(s.session("s3").await.unwrap().is_some());
        assert_eq!(s.consume_password_reset_token("t1").await.unwrap(), None);
        assert_eq!(s.consume_password_reset_token("t2").await.unwrap(), None);
        assert!(s.user_by_id("u2").await.unwrap().is_some());
        assert_eq!(
            s.consume_password_reset_token("t3").await.unwrap(),
            Some(token("t3", "u2", T0))
        );

        assert!(!s.delete_user("u1").await.unwrap());
        // The email is free again.
        insert_all(s, &[user("u1b", EP, "public", Some("a@x.com"), T0)]).await;

        // Email verification, metadata and roles are kept under the id too, for users and
        // for free-form ids that are no user.
        s.create_role("admin", &[]).await.unwrap();
        for id in ["u2", "u1b", "ghost"] {
            s.insert_email_verification_token(&ev_token(
                &format!("ev-{id}"),
                "public",
                id,
                "a@x.com",
                T0 + 1000,
            ))
            .await
            .unwrap();
            s.insert_email_verification_token(&ev_token(
                &format!("ev-t1-{id}"),
                "t1",
                id,
                "a@x.com",
                T0 + 1000,
            ))
            .await
            .unwrap();
            s.set_email_verified(id, "v@x.com", true).await.unwrap();
            s.update_user_metadata(id, &object(json!({"k": id})))
                .await
                .unwrap();
            s.add_user_role("public", id, "admin").await.unwrap();
            s.add_user_role("t1", id, "admin").await.unwrap();
        }
        assert!(s.delete_user("u1b").await.unwrap());
        assert!(!s.delete_user("ghost").await.unwrap());
        for id in ["u1b", "ghost"] {
            for (tenant, hash) in [
                ("public", format!("ev-{id}")),
                ("t1", format!("ev-t1-{id}")),
            ] {
                assert_eq!(
                    s.use_email_verification_token(tenant, &hash, T0)
                        .await
                        .unwrap(),
                    UseVerificationTokenOutcome::Unknown,
                    "{hash}"
                );
            }
            assert!(!s.is_email_verified(id, "v@x.com").await.unwrap());
            assert_eq!(s.user_metadata(id).await.unwrap(), None);
            assert!(s.roles_of_user("public", id).await.unwrap().is_empty());
            assert!(s.roles_of_user("t1", id).await.unwrap().is_empty());
        }
        // Other users keep theirs.
        assert!(s.is_email_verified("u2", "v@x.com").await.unwrap());
        assert!(s.user_metadata("u2").await.unwrap().is_some());
        assert_eq!(
            s.users_with_role("t1", "admin").await.unwrap(),
            Some(strings(&["u2"]))
        );
        assert_eq!(
            s.use_email_verification_token("t1", "ev-t1-u2", T0)
                .await
                .unwrap(),
            verified("u2", "a@x.com")
        );
    }

    fn list_fixture() -> Vec<UserRecord> {
        let u = |id: &str, recipe: &str, tenant: &str, t: i64| {
            user(id, recipe, tenant, Some(&format!("{id}@x.com")), t)
        };
        vec![
            u("b", EP, "public", 200),
            u("e", EP, "public", 300),
            u("a", EP, "public", 100),
            u("d", EP, "public", 200),
            u("g", PL, "public", 150),
            u("c", EP, "public", 200),
            u("h", EP, "t1", 250),
            u("f", EP, "public", 100),
        ]
    }

    /// Pages through `query` (from its `after`) `page` rows at a time; returns the ids in order.
    async fn page_through(s: &dyn Storage, query: &ListUsersQuery, page: u32) -> Vec<String> {
        let mut ids = Vec::new();
        let mut query = ListUsersQuery {
            limit: page,
            ..query.clone()
        };
        loop {
            let rows = s.list_users(&query).await.unwrap();
            assert!(rows.len() <= page as usize);
            let Some(last) = rows.last() else { break };
            query.after = Some((last.time_joined_ms, last.user_id.clone()));
            let full = rows.len() == page as usize;
            ids.extend(rows.into_iter().map(|u| u.user_id));
            if !full {
                break;
            }
        }
        ids
    }

    pub(crate) async fn users_list_pagination(ctx: Ctx) {
        let s = &*ctx.store;
        let fixture = list_fixture();
        insert_all(s, &fixture).await;

        let all = ListUsersQuery {
            tenant_id: None,
            recipe_ids: Vec::new(),
            newest_first: false,
            after: None,
            limit: 100,
        };
        let oldest_first = strings(&["a", "f", "g", "b", "c", "d", "h", "e"]);
        let newest_first: Vec<String> = oldest_first.iter().rev().cloned().collect();

        let rows = s.list_users(&all).await.unwrap();
        let ids: Vec<String> = rows.iter().map(|u| u.user_id.clone()).collect();
        assert_eq!(ids, oldest_first);
        let stored_a = rows.iter().find(|u| u.user_id == "a").unwrap();
        assert_eq!(stored_a, fixture.iter().find(|u| u.user_id == "a").unwrap());

        for page in [1, 2, 3, 8, 10] {
            assert_eq!(
                page_through(s, &all, page).await,
                oldest_first,
                "page {page}"
            );
            let desc = ListUsersQuery {
                newest_first: true,
                ..all.clone()
            };
            assert_eq!(
                page_through(s, &desc, page).await,
                newest_first,
                "page {page}"
            );
        }

        // A cursor between tied rows.
        let after = ListUsersQuery {
            after: Some((200, "bb".to_owned())),
            ..all.clone()
        };
        assert_eq!(
            page_through(s, &after, 2).await,
            strings(&["c", "d", "h", "e"])
        );
        let after_desc = ListUsersQuery {
            newest_first: true,
            after: Some((200, "cc".to_owned())),
            ..all.clone()
        };
        assert_eq!(
            page_through(s, &after_desc, 2).await,
            strings(&["c", "b", "g", "f", "a"])
        );

        let public_ep = ListUsersQuery {
            tenant_id: Some("public".to_owned()),
            recipe_ids: vec![EP.to_owned()],
            ..all.clone()
        };
        assert_eq!(
            page_through(s, &public_ep, 2).await,
            strings(&["a", "f", "b", "c", "d", "e"])
        );
        let public_both = ListUsersQuery {
            recipe_ids: vec![EP.to_owned(), PL.to_owned()],
            newest_first: true,
            ..public_ep.clone()
        };
        assert_eq!(
            page_through(s, &public_both, 3).await,
            strings(&["e", "d", "c", "b", "g", "f", "a"])
        );
        let pl_only = ListUsersQuery {
            recipe_ids: vec![PL.to_owned()],
            ..all.clone()
        };
        assert_eq!(page_through(s, &pl_only, 5).await, strings(&["g"]));
        let nobody = ListUsersQuery {
            tenant_id: Some("t9".to_owned()),
            ..all.clone()
        };
        assert!(s.list_users(&nobody).await.unwrap().is_empty());
        let zero = ListUsersQuery {
            limit: 0,
            ..all.clone()
        };
        assert!(s.list_users(&zero).await.unwrap().is_empty());
    }

    pub(crate) async fn users_count(ctx: Ctx) {
        let s = &*ctx.store;
        assert_eq!(s.count_users(None, &[]).await.unwrap(), 0);
        insert_all(s, &list_fixture()).await;
        let ep = vec![EP.to_owned()];
        let pl = vec![PL.to_owned()];
        let both = vec![EP.to_owned(), PL.to_owned()];
        assert_eq!(s.count_users(None, &[]).await.unwrap(), 8);
        assert_eq!(s.count_users(Some("public"), &[]).await.unwrap(), 7);
        assert_eq!(s.count_users(Some("t1"), &[]).await.unwrap(), 1);
        assert_eq!(s.count_users(Some("public"), &ep).await.unwrap(), 6);
        assert_eq!(s.count_users(None, &ep).await.unwrap(), 7);
        assert_eq!(s.count_users(None, &pl).await.unwrap(), 1);
        assert_eq!(s.count_users(Some("t1"), &pl).await.unwrap(), 0);
        assert_eq!(s.count_users(None, &both).await.unwrap(), 8);
        assert_eq!(s.count_users(Some("t9"), &[]).await.unwrap(), 0);
    }

    pub(crate) async fn reset_tokens_consume(ctx: Ctx) {
        let s = &*ctx.store;
        let t1 = token("h1", "u1", T0 + 1000);
        let t2 = token("h2", "u1", T0 + 2000);
        let t3 = token("h3", "u2", T0 + 1000);
        let expired = token("h4", "u3", T0 - 1);
        for t in [&t1, &t2, &t3, &expired] {
            s.insert_password_reset_token(t).await.unwrap();
        }
        assert_eq!(
            s.consume_password_reset_token("unknown").await.unwrap(),
            None
        );
        assert_eq!(
            s.consume_password_reset_token("h1").await.unwrap(),
            Some(t1)
        );
        assert_eq!(s.consume_password_reset_token("h1").await.unwrap(), None);
        // Consuming h1 removed every token of u1.
        assert_eq!(s.consume_password_reset_token("h2").await.unwrap(), None);
        assert_eq!(
            s.consume_password_reset_token("h3").await.unwrap(),
            Some(t3)
        );
        // Expiry is the caller's business: the stored token comes back as it was.
        assert_eq!(
            s.consume_password_reset_token("h4").await.unwrap(),
            Some(expired)
        );
        assert_eq!(s.consume_password_reset_token("h4").await.unwrap(), None);
    }

    pub(crate) async fn reset_tokens_concurrent_consume(ctx: Ctx) {
        let s = &ctx.store;
        for i in 0..4 {
            s.insert_password_reset_token(&token(&format!("h{i}"), "u1", T0))
                .await
                .unwrap();
        }
        s.insert_password_reset_token(&token("other", "u2", T0))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let s = Arc::clone(s);
                tokio::spawn(async move {
                    s.consume_password_reset_token(&format!("h{}", i % 4))
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut won = 0;
        for task in tasks {
            if let Some(t) = task.await.unwrap() {
                assert_eq!(t.user_id, "u1");
                won += 1;
            }
        }
        assert_eq!(won, 1, "exactly one consumer wins");
        for i in 0..4 {
            assert_eq!(
                s.consume_password_reset_token(&format!("h{i}"))
                    .await
                    .unwrap(),
                None
            );
        }
        assert!(
            s.consume_password_reset_token("other")
                .await
                .unwrap()
                .is_some()
        );
    }

    pub(crate) async fn reset_tokens_delete_expired_in_batches(ctx: Ctx) {
        let s = &*ctx.store;
        for i in 0..7 {
            s.insert_password_reset_token(&token(&format!("old{i}"), &format!("o{i}"), T0 - 1 - i))
                .await
                .unwrap();
        }
        s.insert_password_reset_token(&token("at_now", "n1", T0))
            .await
            .unwrap();
        s.insert_password_reset_token(&token("fresh", "f1", T0 + 10_000))
            .await
            .unwrap();

        assert_eq!(
            s.delete_expired_password_reset_tokens(T0, 3).await.unwrap(),
            3
        );
        assert_eq!(
            s.delete_expired_password_reset_tokens(T0, 3).await.unwrap(),
            3
        );
        assert_eq!(
            s.delete_expired_password_reset_tokens(T0, 3).await.unwrap(),
            1
        );
        assert_eq!(
            s.delete_expired_password_reset_tokens(T0, 3).await.unwrap(),
            0
        );
        for i in 0..7 {
            assert_eq!(
                s.consume_password_reset_token(&format!("old{i}"))
                    .await
                    .unwrap(),
                None
            );
        }
        assert!(
            s.consume_password_reset_token("at_now")
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            s.consume_password_reset_token("fresh")
                .await
                .unwrap()
                .is_some()
        );
    }

    pub(crate) async fn sessions_round_trip(ctx: Ctx) {
        let s = &*ctx.store;
        let record = SessionRecord {
            session_handle: "3f1c9a0e-0000-4000-8000-000000000001_tenant1".to_owned(),
            user_id: "primary".to_owned(),
            recipe_user_id: "recipe".to_owned(),
            tenant_id: "tenant1".to_owned(),
            refresh_token_hash_2: "ab".repeat(32),
            session_data: json!({
                "role": "admin",
                "nested": {"list": [1, "two", null, true, 2.5], "empty": {}},
                "unicode": "héllo ✓ 🎉 \"quoted\" \\ back",
                "big": 9_007_199_254_740_993_u64,
                "negative": -42,
            }),
            jwt_payload: json!({"scope": ["read", "write"], "org": null}),
            expires_at_ms: T0 + 100_000,
            created_at_ms: T0,
            use_static_key: true,
        };
        s.insert_session(&record).await.unwrap();
        assert_eq!(
            s.session(&record.session_handle).await.unwrap(),
            Some(record.clone())
        );
        assert_eq!(s.session("unknown").await.unwrap(), None);

        let plain = session("s2", "u1", "public", T0 - 5);
        s.insert_session(&plain).await.unwrap();
        // Expired sessions are still returned.
        assert_eq!(s.session("s2").await.unwrap(), Some(plain));
        // The handle is unique.
        assert!(
            s.insert_session(&session("s2", "u9", "public", T0))
                .await
                .is_err()
        );
    }

    pub(crate) async fn sessions_swap_refresh_token_hash(ctx: Ctx) {
        let s = &*ctx.store;
        s.insert_session(&session("s1", "u1", "public", T0 + 1000))
            .await
            .unwrap();

        assert!(
            s.swap_refresh_token_hash("s1", "h0", "h1", T0 + 5000)
                .await
                .unwrap()
        );
        let stored = s.session("s1").await.unwrap().unwrap();
        assert_eq!(stored.refresh_token_hash_2, "h1");
        assert_eq!(stored.expires_at_ms, T0 + 5000);

        // A stale expected hash changes nothing.
        assert!(
            !s.swap_refresh_token_hash("s1", "h0", "h2", T0 + 9000)
                .await
                .unwrap()
        );
        let stored = s.session("s1").await.unwrap().unwrap();
        assert_eq!(stored.refresh_token_hash_2, "h1");
        assert_eq!(stored.expires_at_ms, T0 + 5000);

        assert!(
            !s.swap_refresh_token_hash("unknown", "h1", "h2", T0)
                .await
                .unwrap()
        );
        // Storing the same values again still reports success.
        assert!(
            s.swap_refresh_token_hash("s1", "h1", "h1", T0 + 5000)
                .await
                .unwrap()
        );
        assert!(
            s.swap_refresh_token_hash("s1", "h1", "h1", T0 + 5000)
                .await
                .unwrap()
        );
        let mut expected = session("s1", "u1", "public", T0 + 5000);
        expected.refresh_token_hash_2 = "h1".to_owned();
        assert_eq!(s.session("s1").await.unwrap(), Some(expected));
    }

    pub(crate) async fn sessions_concurrent_swaps(ctx: Ctx) {
        let s = &ctx.store;
        s.insert_session(&session("s1", "u1", "public", T0))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let s = Arc::clone(s);
                tokio::spawn(async move {
                    let new = format!("h{}", i + 1);
                    let won = s
                        .swap_refresh_token_hash("s1", "h0", &new, T0 + i)
                        .await
                        .unwrap();
                    (won, new, T0 + i)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            let (won, new, expires) = task.await.unwrap();
            if won {
                winners.push((new, expires));
            }
        }
        assert_eq!(winners.len(), 1, "exactly one swap succeeds: {winners:?}");
        let stored = s.session("s1").await.unwrap().unwrap();
        assert_eq!(
            (stored.refresh_token_hash_2, stored.expires_at_ms),
            winners[0]
        );
    }

    pub(crate) async fn sessions_updates(ctx: Ctx) {
        let s = &*ctx.store;
        let original = session("s1", "u1", "public", T0);
        s.insert_session(&original).await.unwrap();

        assert!(s.set_use_static_key("s1", true).await.unwrap());
        assert!(s.session("s1").await.unwrap().unwrap().use_static_key);
        assert!(s.set_use_static_key("s1", true).await.unwrap());
        assert!(s.set_use_static_key("s1", false).await.unwrap());
        assert!(!s.session("s1").await.unwrap().unwrap().use_static_key);
        assert!(!s.set_use_static_key("unknown", true).await.unwrap());

        let data = json!({"cart": [1, 2, 3], "note": "ünïcode"});
        assert!(s.update_session_data("s1", &data).await.unwrap());
        assert!(s.update_session_data("s1", &data).await.unwrap());
        assert!(!s.update_session_data("unknown", &data).await.unwrap());

        let payload = json!({"role": "admin", "level": 3});
        assert!(s.update_jwt_payload("s1", &payload).await.unwrap());
        assert!(!s.update_jwt_payload("unknown", &payload).await.unwrap());

        let expected = SessionRecord {
            session_data: data,
            jwt_payload: payload,
            ..original
        };
        assert_eq!(s.session("s1").await.unwrap(), Some(expected));
    }

    pub(crate) async fn sessions_delete_by_handles(ctx: Ctx) {
        let s = &*ctx.store;
        for h in ["s1", "s2", "s3"] {
            s.insert_session(&session(h, "u1", "public", T0))
                .await
                .unwrap();
        }
        let deleted = s
            .delete_sessions(&strings(&["s3", "unknown", "s1"]))
            .await
            .unwrap();
        assert_eq!(sorted(deleted), strings(&["s1", "s3"]));
        assert_eq!(s.session("s1").await.unwrap(), None);
        assert_eq!(s.session("s3").await.unwrap(), None);
        assert!(s.session("s2").await.unwrap().is_some());
        assert!(s.delete_sessions(&[]).await.unwrap().is_empty());
        assert!(
            s.delete_sessions(&strings(&["s1"]))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            s.delete_sessions(&strings(&["s2"])).await.unwrap(),
            strings(&["s2"])
        );
    }

    pub(crate) async fn sessions_delete_of_user(ctx: Ctx) {
        let s = &*ctx.store;
        s.insert_session(&session("sa", "u1", "public", T0))
            .await
            .unwrap();
        s.insert_session(&session("sb", "u1", "public", T0 - 10))
            .await
            .unwrap();
        s.insert_session(&session("sc", "u1", "t1", T0))
            .await
            .unwrap();
        s.insert_session(&session("sd", "u2", "public", T0))
            .await
            .unwrap();

        assert_eq!(
            s.delete_sessions_of_user("u1", Some("t1")).await.unwrap(),
            strings(&["sc"])
        );
        assert_eq!(s.session("sc").await.unwrap(), None);
        assert!(s.session("sa").await.unwrap().is_some());

        let deleted = s.delete_sessions_of_user("u1", None).await.unwrap();
        assert_eq!(sorted(deleted), strings(&["sa", "sb"]));
        assert!(s.session("sd").await.unwrap().is_some());
        assert!(
            s.delete_sessions_of_user("u1", None)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            s.delete_sessions_of_user("u2", Some("t1"))
                .await
                .unwrap()
                .is_empty()
        );
        assert!(s.session("sd").await.unwrap().is_some());
    }

    pub(crate) async fn sessions_handles_of_user(ctx: Ctx) {
        let s = &*ctx.store;
        s.insert_session(&session("live", "u1", "public", T0 + 1000))
            .await
            .unwrap();
        s.insert_session(&session("expired", "u1", "public", T0 - 1))
            .await
            .unwrap();
        s.insert_session(&session("at_now", "u1", "public", T0))
            .await
            .unwrap();
        s.insert_session(&session("t1_live", "u1", "t1", T0 + 1000))
            .await
            .unwrap();
        s.insert_session(&session("other", "u2", "public", T0 + 1000))
            .await
            .unwrap();

        let all = s.session_handles_of_user("u1", None, T0).await.unwrap();
        assert_eq!(sorted(all), strings(&["at_now", "live", "t1_live"]));
        let public = s
            .session_handles_of_user("u1", Some("public"), T0)
            .await
            .unwrap();
        assert_eq!(sorted(public), strings(&["at_now", "live"]));
        assert!(
            s.session_handles_of_user("u1", Some("t1"), T0 + 2000)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            s.session_handles_of_user("u3", None, T0)
                .await
                .unwrap()
                .is_empty()
        );
    }

    pub(crate) async fn sessions_delete_expired_in_batches(ctx: Ctx) {
        let s = &*ctx.store;
        for i in 0..5 {
            s.insert_session(&session(&format!("old{i}"), "u1", "public", T0 - 1 - i))
                .await
                .unwrap();
        }
        s.insert_session(&session("at_now", "u1", "public", T0))
            .await
            .unwrap();
        s.insert_session(&session("live", "u1", "public", T0 + 1))
            .await
            .unwrap();

        assert_eq!(s.delete_expired_sessions(T0, 2).await.unwrap(), 2);
        assert_eq!(s.delete_expired_sessions(T0, 2).await.unwrap(), 2);
        assert_eq!(s.delete_expired_sessions(T0, 2).await.unwrap(), 1);
        assert_eq!(s.delete_expired_sessions(T0, 2).await.unwrap(), 0);
        for i in 0..5 {
            assert_eq!(s.session(&format!("old{i}")).await.unwrap(), None);
        }
        assert!(s.session("at_now").await.unwrap().is_some());
        assert!(s.session("live").await.unwrap().is_some());
    }

    pub(crate) async fn signing_keys_lifecycle(ctx: Ctx) {
        use SigningKeyKind::{Dynamic, Static};
        let s = &*ctx.store;
        let d1 = key("d-100", Dynamic, 1, 100);
        let d2 = key("d-200", Dynamic, 2, 200);
        let s1 = key("s-1", Static, 1, 50);
        for k in [&d1, &d2, &s1] {
            assert!(s.insert_signing_key(k).await.unwrap(), "{k:?}");
        }
        // Same (kind, generation): the first key stays.
        assert!(
            !s.insert_signing_key(&key("d-201", Dynamic, 2, 201))
                .await
                .unwrap()
        );
        // Same kid.
        assert!(!s.insert_signing_key(&d1).await.unwrap());
        assert_eq!(
            s.signing_keys(Dynamic).await.unwrap(),
            vec![d2.clone(), d1.clone()]
        );
        assert_eq!(s.signing_keys(Static).await.unwrap(), vec![s1.clone()]);

        let d3 = key("d-300", Dynamic, 3, 300);
        assert!(s.insert_signing_key(&d3).await.unwrap());
        assert_eq!(
            s.signing_keys(Dynamic).await.unwrap(),
            vec![d3.clone(), d2, d1]
        );

        // Oldest first, at most `limit`, only the given kind.
        assert_eq!(
            s.delete_signing_keys_created_before(Dynamic, 250, 1)
                .await
                .unwrap(),
            1
        );
        assert_eq!(s.signing_keys(Dynamic).await.unwrap().len(), 2);
        assert_eq!(
            s.delete_signing_keys_created_before(Dynamic, 250, 10)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            s.delete_signing_keys_created_before(Dynamic, 250, 10)
                .await
                .unwrap(),
            0
        );
        assert_eq!(s.signing_keys(Dynamic).await.unwrap(), vec![d3]);
        assert_eq!(s.signing_keys(Static).await.unwrap(), vec![s1]);
        assert_eq!(
            s.delete_signing_keys_created_before(Static, 50, 10)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            s.delete_signing_keys_created_before(Static, 51, 10)
                .await
                .unwrap(),
            1
        );
        assert!(s.signing_keys(Static).await.unwrap().is_empty());
    }

    pub(crate) async fn signing_keys_concurrent_insert(ctx: Ctx) {
        let s = &ctx.store;
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let s = Arc::clone(s);
                tokio::spawn(async move {
                    let k = key(&format!("d-{i}"), SigningKeyKind::Dynamic, 7, T0 + i);
                    (s.insert_signing_key(&k).await.unwrap(), k)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            let (won, k) = task.await.unwrap();
            if won {
                winners.push(k);
            }
        }
        assert_eq!(winners.len(), 1);
        assert_eq!(
            s.signing_keys(SigningKeyKind::Dynamic).await.unwrap(),
            winners
        );
    }

    pub(crate) async fn secrets_get_or_insert(ctx: Ctx) {
        let s = &ctx.store;
        assert_eq!(
            s.get_or_insert_secret("refresh_key", "v1").await.unwrap(),
            "v1"
        );
        assert_eq!(
            s.get_or_insert_secret("refresh_key", "v2").await.unwrap(),
            "v1"
        );
        assert_eq!(s.get_or_insert_secret("other", "v3").await.unwrap(), "v3");
        assert_eq!(
            s.get_or_insert_secret("refresh_key", "v4").await.unwrap(),
            "v1"
        );

        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let s = Arc::clone(s);
                tokio::spawn(async move {
                    s.get_or_insert_secret("race", &format!("c{i}"))
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut seen = Vec::new();
        for task in tasks {
            seen.push(task.await.unwrap());
        }
        assert!(
            seen.windows(2).all(|w| w[0] == w[1]),
            "racing callers disagree: {seen:?}"
        );
        assert!(seen[0].starts_with('c'));
        assert_eq!(
            s.get_or_insert_secret("race", "late").await.unwrap(),
            seen[0]
        );
    }

    pub(crate) async fn ping_and_backend(ctx: Ctx) {
        ctx.store.ping().await.unwrap();
        assert_eq!(ctx.store.backend(), ctx.backend);
        let pool = ctx.store.pool_stats().unwrap();
        assert!(pool.max >= 1, "{pool:?}");
        assert!(pool.idle + pool.in_use >= 1, "{pool:?}");
        assert!(pool.idle + pool.in_use <= pool.max, "{pool:?}");
    }

    pub(crate) async fn migrations_run_twice(ctx: Ctx) {
        insert_all(
            &*ctx.store,
            &[user("u1", EP, "public", Some("a@x.com"), T0)],
        )
        .await;
        let again = supertokens_storage::connect(&ctx.url, &ConnectOptions::default())
            .await
            .unwrap();
        again.ping().await.unwrap();
        assert!(again.user_by_id("u1").await.unwrap().is_some());
        let third = supertokens_storage::connect(&ctx.url, &ConnectOptions::default())
            .await
            .unwrap();
        assert_eq!(third.count_users(None, &[]).await.unwrap(), 1);
    }

    // ---- Passwordless devices and codes ----

    const PUBLIC: &str = "public";
    /// Codes created before this instant have expired in the attempts below.
    const EXPIRED_BEFORE: i64 = T0 - 10_000;

    fn device(
        id: &str,
        tenant: &str,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> PasswordlessDeviceRecord {
        PasswordlessDeviceRecord {
            device_id_hash: id.to_owned(),
            tenant_id: tenant.to_owned(),
            email: email.map(str::to_owned),
            phone_number: phone.map(str::to_owned),
            link_code_salt: format!("salt-of-{id}"),
            failed_attempts: 0,
        }
    }

    fn email_device(id: &str, tenant: &str, email: &str) -> PasswordlessDeviceRecord {
        device(id, tenant, Some(email), None)
    }

    fn phone_device(id: &str, tenant: &str, phone: &str) -> PasswordlessDeviceRecord {
        device(id, tenant, None, Some(phone))
    }

    /// Code `code_id` of `device_id` with link code hash `link-<code_id>`.
    fn code(code_id: &str, device_id: &str, created_at_ms: i64) -> PasswordlessCodeRecord {
        PasswordlessCodeRecord {
            code_id: code_id.to_owned(),
            device_id_hash: device_id.to_owned(),
            link_code_hash: format!("link-{code_id}"),
            created_at_ms,
        }
    }

    /// Stores `d` with its first code `first_code` (created at `T0`).
    async fn add_device(s: &dyn Storage, d: &PasswordlessDeviceRecord, first_code: &str) {
        assert_eq!(
            s.insert_passwordless_device(d, &code(first_code, &d.device_id_hash, T0), None)
                .await
                .unwrap(),
            InsertCodeOutcome::Inserted,
            "{d:?}"
        );
    }

    async fn add_code(s: &dyn Storage, tenant: &str, c: &PasswordlessCodeRecord) {
        assert_eq!(
            s.insert_passwordless_code(tenant, c, None).await.unwrap(),
            InsertCodeOutcome::Inserted,
            "{c:?}"
        );
    }

    /// A typed attempt (max 5 attempts, consuming) of the code with link hash `link`.
    fn typed<'a>(device_id: &'a str, link: &'a str) -> CodeAttempt<'a> {
        CodeAttempt {
            tenant_id: PUBLIC,
            device_id_hash: device_id,
            link_code_hash: link,
            typed: true,
            expired_before_ms: EXPIRED_BEFORE,
            max_attempts: 5,
            consume: true,
            known_device: None,
            new_user: None,
        }
    }

    /// The same through a magic link.
    fn link<'a>(device_id: &'a str, link: &'a str) -> CodeAttempt<'a> {
        CodeAttempt {
            typed: false,
            ..typed(device_id, link)
        }
    }

    async fn failed_attempts(s: &dyn Storage, tenant: &str, device_id: &str) -> u32 {
        s.passwordless_device(tenant, device_id)
            .await
            .unwrap()
            .unwrap()
            .failed_attempts
    }

    async fn code_ids(s: &dyn Storage, tenant: &str, device_id: &str) -> Vec<String> {
        s.passwordless_codes_of_device(tenant, device_id)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.code_id)
            .collect()
    }

    async fn device_ids_by_email(s: &dyn Storage, tenant: &str, email: &str) -> Vec<String> {
        s.passwordless_devices_by_email(tenant, email)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.device_id_hash)
            .collect()
    }

    async fn device_ids_by_phone(s: &dyn Storage, tenant: &str, phone: &str) -> Vec<String> {
        s.passwordless_devices_by_phone_number(tenant, phone)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.device_id_hash)
            .collect()
    }

    /// The device is gone, and so are its codes (looked up by id and by link hash).
    async fn assert_device_gone(s: &dyn Storage, tenant: &str, device_id: &str, codes: &[&str]) {
        assert_eq!(
            s.passwordless_device(tenant, device_id).await.unwrap(),
            None,
            "{device_id}"
        );
        assert!(code_ids(s, tenant, device_id).await.is_empty());
        for c in codes {
            assert_eq!(s.passwordless_code(tenant, c).await.unwrap(), None, "{c}");
            assert_eq!(
                s.passwordless_code_by_link_code_hash(tenant, &format!("link-{c}"))
                    .await
                    .unwrap(),
                None,
                "{c}"
            );
        }
    }

    pub(crate) async fn passwordless_insert_and_read(ctx: Ctx) {
        let s = &*ctx.store;
        let d = email_device("dev-1", PUBLIC, "a@x.com");
        let c = code("c1", "dev-1", T0);
        assert_eq!(
            s.insert_passwordless_device(&d, &c, None).await.unwrap(),
            InsertCodeOutcome::Inserted
        );
        assert_eq!(
            s.passwordless_device(PUBLIC, "dev-1").await.unwrap(),
            Some(d.clone())
        );
        assert_eq!(
            s.passwordless_codes_of_device(PUBLIC, "dev-1")
                .await
                .unwrap(),
            vec![c.clone()]
        );
        assert_eq!(
            s.passwordless_code(PUBLIC, "c1").await.unwrap(),
            Some(c.clone())
        );
        assert_eq!(
            s.passwordless_code_by_link_code_hash(PUBLIC, "link-c1")
                .await
                .unwrap(),
            Some(c.clone())
        );
        assert_eq!(s.passwordless_device(PUBLIC, "dev-2").await.unwrap(), None);
        assert_eq!(s.passwordless_code(PUBLIC, "c2").await.unwrap(), None);
        assert_eq!(
            s.passwordless_code_by_link_code_hash(PUBLIC, "link-c2")
                .await
                .unwrap(),
            None
        );

        // Every lookup is scoped to the tenant.
        assert_eq!(s.passwordless_device("t1", "dev-1").await.unwrap(), None);
        assert!(code_ids(s, "t1", "dev-1").await.is_empty());
        assert_eq!(s.passwordless_code("t1", "c1").await.unwrap(), None);
        assert_eq!(
            s.passwordless_code_by_link_code_hash("t1", "link-c1")
                .await
                .unwrap(),
            None
        );

        // A phone device, with a failed count, in another tenant.
        let p = PasswordlessDeviceRecord {
            failed_attempts: 3,
            ..phone_device("dev-p", "t1", "+15550001")
        };
        add_device(s, &p, "cp").await;
        let stored = s.passwordless_device("t1", "dev-p").await.unwrap().unwrap();
        assert_eq!(stored, p);
        assert_eq!(stored.email, None);
        assert_eq!(stored.failed_attempts, 3);
        assert_eq!(s.passwordless_device(PUBLIC, "dev-p").await.unwrap(), None);
        assert_eq!(code_ids(s, "t1", "dev-p").await, strings(&["cp"]));
    }

    /// Many concurrent inserts (written in batches) each get their own outcome, also when
    /// some of them collide with each other or with stored rows.
    pub(crate) async fn passwordless_concurrent_inserts(ctx: Ctx) {
        use InsertCodeOutcome::*;
        let store = Arc::clone(&ctx.store);
        add_device(
            &*store,
            &email_device("dev-old", PUBLIC, "old@x.com"),
            "c-old",
        )
        .await;
        let mut tasks = Vec::new();
        for i in 0..60 {
            let store = Arc::clone(&store);
            tasks.push(tokio::spawn(async move {
                // 50: the existing device id; 51: the existing link code hash.
                let device_id = if i == 50 {
                    "dev-old".to_owned()
                } else {
                    format!("dev-{i}")
                };
                let mut c = code(&format!("c-{i}"), &device_id, T0);
                if i == 51 {
                    c.link_code_hash = "link-c-old".to_owned();
                }
                let d = email_device(&device_id, PUBLIC, &format!("u{i}@x.com"));
                store
                    .insert_passwordless_device(&d, &c, None)
                    .await
                    .unwrap()
            }));
        }
        for (i, task) in tasks.into_iter().enumerate() {
            let expected = match i {
                50 => DeviceIdHashTaken,
                51 => LinkCodeHashTaken,
                _ => Inserted,
            };
            assert_eq!(task.await.unwrap(), expected, "insert {i}");
        }
        for i in 0..60 {
            let stored = store
                .passwordless_device(PUBLIC, &format!("dev-{i}"))
                .await
                .unwrap();
            assert_eq!(stored.is_some(), i != 50 && i != 51, "device {i}");
        }
        assert_eq!(
            code_ids(&*store, PUBLIC, "dev-old").await,
            strings(&["c-old"])
        );
    }

    /// Devices and codes counted against a budget: past its limit the hit is counted and
    /// nothing is stored; an unknown device counts no hit; a new window opens after the last
    /// one; concurrent inserts from two stores (written in batches, where one batch may
    /// hold several hits of one counter) never get past the limit and each see their own
    /// hit number.
    pub(crate) async fn passwordless_inserts_within_budget(ctx: Ctx) {
        use InsertCodeOutcome::*;
        let s = &*ctx.store;
        let key = limit_key("passwordless_code", PUBLIC, "a");
        let budget = |now_ms: i64| CodeBudget {
            key,
            now_ms,
            window_ms: 1000,
            limit: 2,
        };
        let device_of_a = |id: &str| email_device(id, PUBLIC, "a@x.com");
        assert_eq!(
            s.insert_passwordless_device(
                &device_of_a("b1"),
                &code("cb1", "b1", T0),
                Some(&budget(T0))
            )
            .await
            .unwrap(),
            Inserted
        );
        assert_eq!(
            s.insert_passwordless_code(PUBLIC, &code("cb2", "b1", T0), Some(&budget(T0 + 1)))
                .await
                .unwrap(),
            Inserted
        );
        let over = RateLimitRecord {
            hits: 3,
            window_started_at_ms: T0,
            last_hit_at_ms: T0 + 2,
            expires_at_ms: T0 + 1000,
        };
        assert_eq!(
            s.insert_passwordless_device(
                &device_of_a("b2"),
                &code("cb3", "b2", T0),
                Some(&budget(T0 + 2))
            )
            .await
            .unwrap(),
            OverBudget(over)
        );
        assert_eq!(s.passwordless_device(PUBLIC, "b2").await.unwrap(), None);
        assert_eq!(s.passwordless_code(PUBLIC, "cb3").await.unwrap(), None);
        assert_eq!(
            s.insert_passwordless_code(PUBLIC, &code("cb4", "b1", T0), Some(&budget(T0 + 3)))
                .await
                .unwrap(),
            OverBudget(RateLimitRecord {
                hits: 4,
                last_hit_at_ms: T0 + 3,
                ..over
            })
        );
        assert_eq!(code_ids(s, PUBLIC, "b1").await, strings(&["cb1", "cb2"]));
        assert_eq!(
            s.insert_passwordless_code(PUBLIC, &code("cb5", "nope", T0), Some(&budget(T0 + 4)))
                .await
                .unwrap(),
            UnknownDevice
        );
        assert_eq!(s.rate_limit(&key).await.unwrap().hits, 4);
        // Without a budget nothing is counted.
        assert_eq!(
            s.insert_passwordless_code(PUBLIC, &code("cb6", "b1", T0), None)
                .await
                .unwrap(),
            Inserted
        );
        assert_eq!(s.rate_limit(&key).await.unwrap().hits, 4);
        // The window has passed: a new one opens with this hit.
        assert_eq!(
            s.insert_passwordless_device(
                &device_of_a("b3"),
                &code("cb7", "b3", T0),
                Some(&budget(T0 + 1000))
            )
            .await
            .unwrap(),
            Inserted
        );
        assert_eq!(
            s.rate_limit(&key).await.unwrap(),
            RateLimitRecord {
                hits: 1,
                window_started_at_ms: T0 + 1000,
                last_hit_at_ms: T0 + 1000,
                expires_at_ms: T0 + 2000,
            }
        );

        let second = supertokens_storage::connect(&ctx.url, &ConnectOptions::default())
            .await
            .unwrap();
        let tasks: Vec<_> = (0..60)
            .map(|i| {
                let store = if i % 2 == 0 {
                    Arc::clone(&ctx.store)
                } else {
                    Arc::clone(&second)
                };
                tokio::spawn(async move {
                    // 0..40 share one contact; the others have one each.
                    let contact = if i < 40 {
                        "shared".to_owned()
                    } else {
                        format!("own-{i}")
                    };
                    let id = format!("dev-{i}");
                    let budget = CodeBudget {
                        key: limit_key("passwordless_code", PUBLIC, &contact),
                        now_ms: T0,
                        window_ms: 60_000,
                        limit: 10,
                    };
                    store
                        .insert_passwordless_device(
                            &email_device(&id, PUBLIC, &format!("{contact}@x.com")),
                            &code(&format!("c-{i}"), &id, T0),
                            Some(&budget),
                        )
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut refused_hits = Vec::new();
        for (i, task) in tasks.into_iter().enumerate() {
            let outcome = task.await.unwrap();
            let stored = s
                .passwordless_device(PUBLIC, &format!("dev-{i}"))
                .await
                .unwrap()
                .is_some();
            match outcome {
                Inserted => assert!(stored, "device {i}"),
                OverBudget(counter) => {
                    assert!(i < 40, "device {i} of its own contact was refused");
                    assert!(!stored, "refused device {i} was stored");
                    refused_hits.push(counter.hits);
                }
                other => panic!("device {i}: {other:?}"),
            }
        }
        refused_hits.sort_unstable();
        assert_eq!(refused_hits, (11..=40).collect::<Vec<u64>>());
        let shared = limit_key("passwordless_code", PUBLIC, "shared");
        assert_eq!(s.rate_limit(&shared).await.unwrap().hits, 40);
    }

    pub(crate) async fn passwordless_insert_conflicts(ctx: Ctx) {
        use InsertCodeOutcome::*;
        let s = &*ctx.store;
        add_device(s, &email_device("dev-1", PUBLIC, "a@x.com"), "c1").await;

        // Same device id: nothing of the second insert is stored.
        assert_eq!(
            s.insert_passwordless_device(
                &email_device("dev-1", PUBLIC, "other@x.com"),
                &code("c2", "dev-1", T0),
                None,
            )
            .await
            .unwrap(),
            DeviceIdHashTaken
        );
        assert_eq!(
            s.passwordless_device(PUBLIC, "dev-1")
                .await
                .unwrap()
                .unwrap()
                .email
                .as_deref(),
            Some("a@x.com")
        );
        assert_eq!(s.passwordless_code(PUBLIC, "c2").await.unwrap(), None);

        // Same code id (with a fresh link code hash) on a new device: the device is not
        // stored either.
        let same_id = PasswordlessCodeRecord {
            link_code_hash: "link-fresh".to_owned(),
            ..code("c1", "dev-2", T0)
        };
        assert_eq!(
            s.insert_passwordless_device(&email_device("dev-2", PUBLIC, "a@x.com"), &same_id, None)
                .await
                .unwrap(),
            CodeIdTaken
        );
        assert_eq!(s.passwordless_device(PUBLIC, "dev-2").await.unwrap(), None);

        // Same link code hash on a new device.
        let same_link = PasswordlessCodeRecord {
            link_code_hash: "link-c1".to_owned(),
            ..code("c3", "dev-3", T0)
        };
        assert_eq!(
            s.insert_passwordless_device(
                &email_device("dev-3", PUBLIC, "a@x.com"),
                &same_link,
                None
            )
            .await
            .unwrap(),
            LinkCodeHashTaken
        );
        assert_eq!(s.passwordless_device(PUBLIC, "dev-3").await.unwrap(), None);
        assert_eq!(s.passwordless_code(PUBLIC, "c3").await.unwrap(), None);
        // Link code hashes are unique across tenants too.
        assert_eq!(
            s.insert_passwordless_device(&email_device("dev-3", "t1", "a@x.com"), &same_link, None)
                .await
                .unwrap(),
            LinkCodeHashTaken
        );

        // The same conflicts when adding a code to an existing device.
        assert_eq!(
            s.insert_passwordless_code(
                PUBLIC,
                &PasswordlessCodeRecord {
                    link_code_hash: "link-fresh".to_owned(),
                    ..code("c1", "dev-1", T0 + 1)
                },
                None
            )
            .await
            .unwrap(),
            CodeIdTaken
        );
        let same_link = PasswordlessCodeRecord {
            link_code_hash: "link-c1".to_owned(),
            ..code("c4", "dev-1", T0 + 1)
        };
        assert_eq!(
            s.insert_passwordless_code(PUBLIC, &same_link, None)
                .await
                .unwrap(),
            LinkCodeHashTaken
        );
        assert_eq!(code_ids(s, PUBLIC, "dev-1").await, strings(&["c1"]));

        // After the conflicts, fresh ids still go in.
        add_device(s, &email_device("dev-2", PUBLIC, "a@x.com"), "c2").await;
        assert_eq!(
            device_ids_by_email(s, PUBLIC, "a@x.com").await,
            strings(&["dev-1", "dev-2"])
        );
    }

    pub(crate) async fn passwordless_add_codes(ctx: Ctx) {
        let s = &*ctx.store;
        add_device(s, &email_device("dev-1", PUBLIC, "a@x.com"), "c-b").await;
        add_device(s, &email_device("dev-t1", "t1", "a@x.com"), "c-t1").await;

        // Codes come back oldest first, ties by code id.
        add_code(s, PUBLIC, &code("c-z", "dev-1", T0 - 5)).await;
        add_code(s, PUBLIC, &code("c-a", "dev-1", T0)).await;
        add_code(s, PUBLIC, &code("c-c", "dev-1", T0 + 7)).await;
        assert_eq!(
            code_ids(s, PUBLIC, "dev-1").await,
            strings(&["c-z", "c-a", "c-b", "c-c"])
        );
        assert_eq!(
            s.passwordless_code(PUBLIC, "c-c").await.unwrap(),
            Some(code("c-c", "dev-1", T0 + 7))
        );

        // Unknown device, or a device of another tenant.
        assert_eq!(
            s.insert_passwordless_code(PUBLIC, &code("c-x", "nope", T0), None)
                .await
                .unwrap(),
            InsertCodeOutcome::UnknownDevice
        );
        assert_eq!(
            s.insert_passwordless_code(PUBLIC, &code("c-y", "dev-t1", T0), None)
                .await
                .unwrap(),
            InsertCodeOutcome::UnknownDevice
        );
        assert_eq!(
            s.insert_passwordless_code("t1", &code("c-y2", "dev-1", T0), None)
                .await
                .unwrap(),
            InsertCodeOutcome::UnknownDevice
        );
        for (tenant, c) in [
            (PUBLIC, "c-x"),
            (PUBLIC, "c-y"),
            ("t1", "c-y"),
            ("t1", "c-y2"),
        ] {
            assert_eq!(s.passwordless_code(tenant, c).await.unwrap(), None);
        }
        assert_eq!(code_ids(s, "t1", "dev-t1").await, strings(&["c-t1"]));
        // Its own tenant can add to it.
        add_code(s, "t1", &code("c-t1b", "dev-t1", T0 + 1)).await;
        assert_eq!(
            code_ids(s, "t1", "dev-t1").await,
            strings(&["c-t1", "c-t1b"])
        );
    }

    pub(crate) async fn passwordless_devices_by_contact(ctx: Ctx) {
        let s = &*ctx.store;
        add_device(s, &email_device("dev-c", PUBLIC, "a@x.com"), "c1").await;
        add_device(s, &email_device("dev-a", PUBLIC, "a@x.com"), "c2").await;
        add_device(s, &email_device("dev-b", PUBLIC, "b@x.com"), "c3").await;
        add_device(s, &email_device("dev-t", "t1", "a@x.com"), "c4").await;
        add_device(s, &phone_device("dev-p2", PUBLIC, "+15550001"), "c5").await;
        add_device(s, &phone_device("dev-p1", PUBLIC, "+15550001"), "c6").await;
        add_device(s, &phone_device("dev-p3", "t1", "+15550001"), "c7").await;

        assert_eq!(
            s.passwordless_devices_by_email(PUBLIC, "a@x.com")
                .await
                .unwrap(),
            vec![
                email_device("dev-a", PUBLIC, "a@x.com"),
                email_device("dev-c", PUBLIC, "a@x.com"),
            ]
        );
        assert_eq!(
            device_ids_by_email(s, PUBLIC, "b@x.com").await,
            strings(&["dev-b"])
        );
        assert_eq!(
            device_ids_by_email(s, "t1", "a@x.com").await,
            strings(&["dev-t"])
        );
        assert!(device_ids_by_email(s, "t2", "a@x.com").await.is_empty());
        assert!(device_ids_by_email(s, PUBLIC, "A@x.com").await.is_empty());

        assert_eq!(
            s.passwordless_devices_by_phone_number(PUBLIC, "+15550001")
                .await
                .unwrap(),
            vec![
                phone_device("dev-p1", PUBLIC, "+15550001"),
                phone_device("dev-p2", PUBLIC, "+15550001"),
            ]
        );
        assert_eq!(
            device_ids_by_phone(s, "t1", "+15550001").await,
            strings(&["dev-p3"])
        );
        assert!(device_ids_by_phone(s, PUBLIC, "+15550009").await.is_empty());
    }

    pub(crate) async fn passwordless_attempt_typed_failures(ctx: Ctx) {
        use CodeAttemptOutcome::*;
        let s = &*ctx.store;
        add_device(s, &email_device("dev-1", PUBLIC, "a@x.com"), "c1").await;
        add_code(s, PUBLIC, &code("old", "dev-1", EXPIRED_BEFORE - 1)).await;
        let max3 = |link: &'static str| CodeAttempt {
            max_attempts: 3,
            ..typed("dev-1", link)
        };

        // A wrong code raises the count and reports it.
        assert_eq!(
            s.attempt_passwordless_code(&max3("link-wrong"))
                .await
                .unwrap(),
            IncorrectCode { failed_attempts: 1 }
        );
        assert_eq!(failed_attempts(s, PUBLIC, "dev-1").await, 1);
        // An expired code of the device counts too, and says so.
        assert_eq!(
            s.attempt_passwordless_code(&max3("link-old"))
                .await
                .unwrap(),
            ExpiredCode { failed_attempts: 2 }
        );
        assert_eq!(failed_attempts(s, PUBLIC, "dev-1").await, 2);
        assert_eq!(code_ids(s, PUBLIC, "dev-1").await, strings(&["old", "c1"]));
        // The attempt that reaches the maximum deletes the device.
        assert_eq!(
            s.attempt_passwordless_code(&max3("link-wrong"))
                .await
                .unwrap(),
            RestartFlow
        );
        assert_device_gone(s, PUBLIC, "dev-1", &["c1", "old"]).await;
        // The right code is of no use any more.
        assert_eq!(
            s.attempt_passwordless_code(&max3("link-c1")).await.unwrap(),
            RestartFlow
        );

        // A code created exactly at `expired_before_ms` is still valid; one ms older is not.
        add_device(s, &email_device("dev-2", PUBLIC, "a@x.com"), "c2").await;
        add_code(s, PUBLIC, &code("edge", "dev-2", EXPIRED_BEFORE)).await;
        add_code(s, PUBLIC, &code("older", "dev-2", EXPIRED_BEFORE - 1)).await;
        assert_eq!(
            s.attempt_passwordless_code(&typed("dev-2", "link-older"))
                .await
                .unwrap(),
            ExpiredCode { failed_attempts: 1 }
        );
        assert_eq!(
            s.attempt_passwordless_code(&CodeAttempt {
                consume: false,
                ..typed("dev-2", "link-edge")
            })
            .await
            .unwrap(),
            Accepted(PasswordlessDeviceRecord {
                failed_attempts: 1,
                ..email_device("dev-2", PUBLIC, "a@x.com")
            })
        );

        // Wrong attempts on one device leave other devices alone.
        add_device(s, &email_device("dev-3", PUBLIC, "a@x.com"), "c3").await;
        assert_eq!(
            s.attempt_passwordless_code(&typed("dev-3", "link-nope"))
                .await
                .unwrap(),
            IncorrectCode { failed_attempts: 1 }
        );
        assert_eq!(failed_attempts(s, PUBLIC, "dev-2").await, 1);
        assert_eq!(failed_attempts(s, PUBLIC, "dev-3").await, 1);
    }

    pub(crate) async fn passwordless_attempt_exhausted_device(ctx: Ctx) {
        let s = &*ctx.store;
        let worn = PasswordlessDeviceRecord {
            failed_attempts: 5,
            ..email_device("dev-1", PUBLIC, "a@x.com")
        };
        add_device(s, &worn, "c1").await;
        // Even the right code (and a link) restarts the flow, and the device goes.
        assert_eq!(
            s.attempt_passwordless_code(&link("dev-1", "link-c1"))
                .await
                .unwrap(),
            CodeAttemptOutcome::RestartFlow
        );
        assert_device_gone(s, PUBLIC, "dev-1", &["c1"]).await;

        // Below the maximum, the right code works.
        let almost = PasswordlessDeviceRecord {
            failed_attempts: 4,
            ..email_device("dev-2", PUBLIC, "a@x.com")
        };
        add_device(s, &almost, "c2").await;
        assert_eq!(
            s.attempt_passwordless_code(&typed("dev-2", "link-c2"))
                .await
                .unwrap(),
            CodeAttemptOutcome::Accepted(almost)
        );
        assert_device_gone(s, PUBLIC, "dev-2", &["c2"]).await;

        // A lower maximum than the count at entry also ends the device.
        add_device(s, &email_device("dev-3", PUBLIC, "b@x.com"), "c3").await;
        assert_eq!(
            s.attempt_passwordless_code(&typed("dev-3", "link-x"))
                .await
                .unwrap(),
            CodeAttemptOutcome::IncorrectCode { failed_attempts: 1 }
        );
        assert_eq!(
            s.attempt_passwordless_code(&CodeAttempt {
                max_attempts: 1,
                ..typed("dev-3", "link-c3")
            })
            .await
            .unwrap(),
            CodeAttemptOutcome::RestartFlow
        );
        assert_device_gone(s, PUBLIC, "dev-3", &["c3"]).await;
    }

    pub(crate) async fn passwordless_attempt_links(ctx: Ctx) {
        use CodeAttemptOutcome::*;
        let s = &*ctx.store;
        add_device(s, &email_device("dev-1", PUBLIC, "a@x.com"), "c1").await;
        add_code(s, PUBLIC, &code("old", "dev-1", EXPIRED_BEFORE - 1)).await;

        // A bad or expired link restarts the flow without counting as a failure.
        for bad in ["link-wrong", "link-old"] {
            assert_eq!(
                s.attempt_passwordless_code(&link("dev-1", bad))
                    .await
                    .unwrap(),
                RestartFlow,
                "{bad}"
            );
        }
        assert_eq!(failed_attempts(s, PUBLIC, "dev-1").await, 0);
        assert_eq!(code_ids(s, PUBLIC, "dev-1").await, strings(&["old", "c1"]));

        // Unknown device, or the device asked for in another tenant.
        assert_eq!(
            s.attempt_passwordless_code(&typed("nope", "link-c1"))
                .await
                .unwrap(),
            RestartFlow
        );
        assert_eq!(
            s.attempt_passwordless_code(&CodeAttempt {
                tenant_id: "t1",
                ..typed("dev-1", "link-c1")
            })
            .await
            .unwrap(),
            RestartFlow
        );
        assert_eq!(failed_attempts(s, PUBLIC, "dev-1").await, 0);

        // The right link signs in.
        assert_eq!(
            s.attempt_passwordless_code(&link("dev-1", "link-c1"))
                .await
                .unwrap(),
            Accepted(email_device("dev-1", PUBLIC, "a@x.com"))
        );
        assert_device_gone(s, PUBLIC, "dev-1", &["c1", "old"]).await;
    }

    pub(crate) async fn passwordless_attempt_code_of_another_device(ctx: Ctx) {
        use CodeAttemptOutcome::*;
        let s = &*ctx.store;
        add_device(s, &email_device("dev-a", PUBLIC, "a@x.com"), "ca").await;
        add_device(s, &email_device("dev-b", PUBLIC, "a@x.com"), "cb").await;

        assert_eq!(
            s.attempt_passwordless_code(&typed("dev-b", "link-ca"))
                .await
                .unwrap(),
            IncorrectCode { failed_attempts: 1 }
        );
        assert_eq!(
            s.attempt_passwordless_code(&link("dev-b", "link-ca"))
                .await
                .unwrap(),
            RestartFlow
        );
        // Nothing was deleted, and device A was not charged.
        assert_eq!(failed_attempts(s, PUBLIC, "dev-a").await, 0);
        assert_eq!(failed_attempts(s, PUBLIC, "dev-b").await, 1);
        assert_eq!(code_ids(s, PUBLIC, "dev-a").await, strings(&["ca"]));
        assert_eq!(code_ids(s, PUBLIC, "dev-b").await, strings(&["cb"]));
    }

    pub(crate) async fn passwordless_attempt_consume(ctx: Ctx) {
        use CodeAttemptOutcome::*;
        let s = &*ctx.store;
        add_device(s, &email_device("dev-a1", PUBLIC, "a@x.com"), "a1").await;
        add_code(s, PUBLIC, &code("a1b", "dev-a1", T0 + 1)).await;
        add_device(s, &email_device("dev-a2", PUBLIC, "a@x.com"), "a2").await;
        add_device(s, &email_device("dev-at", "t1", "a@x.com"), "at").await;
        add_device(s, &email_device("dev-b", PUBLIC, "b@x.com"), "b").await;
        add_device(s, &phone_device("dev-ap", PUBLIC, "+15550001"), "ap").await;

        // Checking without consuming deletes nothing.
        let check = CodeAttempt {
            consume: false,
            ..typed("dev-a1", "link-a1b")
        };
        let a1 = email_device("dev-a1", PUBLIC, "a@x.com");
        assert_eq!(
            s.attempt_passwordless_code(&check).await.unwrap(),
            Accepted(a1.clone())
        );
        assert_eq!(code_ids(s, PUBLIC, "dev-a1").await, strings(&["a1", "a1b"]));
        assert_eq!(
            device_ids_by_email(s, PUBLIC, "a@x.com").await,
            strings(&["dev-a1", "dev-a2"])
        );

        // Consuming deletes every device of the email in the tenant, with their codes (here
        // the caller names the device it read, as the engine does for typed codes).
        assert_eq!(
            s.attempt_passwordless_code(&CodeAttempt {
                known_device: Some(&a1),
                ..typed("dev-a1", "link-a1")
            })
            .await
            .unwrap(),
            Accepted(a1.clone())
        );
        assert_device_gone(s, PUBLIC, "dev-a1", &["a1", "a1b"]).await;
        assert_device_gone(s, PUBLIC, "dev-a2", &["a2"]).await;
        assert!(device_ids_by_email(s, PUBLIC, "a@x.com").await.is_empty());
        // Other tenants, other emails and phone devices stay.
        assert_eq!(code_ids(s, "t1", "dev-at").await, strings(&["at"]));
        assert_eq!(code_ids(s, PUBLIC, "dev-b").await, strings(&["b"]));
        assert_eq!(code_ids(s, PUBLIC, "dev-ap").await, strings(&["ap"]));
        // The code cannot be used twice, even by a caller that read the device before.
        assert_eq!(
            s.attempt_passwordless_code(&typed("dev-a1", "link-a1"))
                .await
                .unwrap(),
            RestartFlow
        );
        assert_eq!(
            s.attempt_passwordless_code(&CodeAttempt {
                known_device: Some(&a1),
                ..typed("dev-a1", "link-a1")
            })
            .await
            .unwrap(),
            RestartFlow
        );

        // Phone devices: the same, by phone number.
        add_device(s, &phone_device("dev-ap2", PUBLIC, "+15550001"), "ap2").await;
        add_device(s, &phone_device("dev-op", PUBLIC, "+15550002"), "op").await;
        add_device(s, &phone_device("dev-tp", "t1", "+15550001"), "tp").await;
        assert_eq!(
            s.attempt_passwordless_code(&link("dev-ap2", "link-ap2"))
                .await
                .unwrap(),
            Accepted(phone_device("dev-ap2", PUBLIC, "+15550001"))
        );
        assert_device_gone(s, PUBLIC, "dev-ap", &["ap"]).await;
        assert_device_gone(s, PUBLIC, "dev-ap2", &["ap2"]).await;
        assert_eq!(code_ids(s, PUBLIC, "dev-op").await, strings(&["op"]));
        assert_eq!(code_ids(s, "t1", "dev-tp").await, strings(&["tp"]));
        assert_eq!(code_ids(s, PUBLIC, "dev-b").await, strings(&["b"]));

        // A device with both an email and a phone number is consumed by its email.
        add_device(
            s,
            &device("dev-both", PUBLIC, Some("b@x.com"), Some("+15550002")),
            "both",
        )
        .await;
        assert!(matches!(
            s.attempt_passwordless_code(&typed("dev-both", "link-both"))
                .await
                .unwrap(),
            Accepted(_)
        ));
        assert_device_gone(s, PUBLIC, "dev-both", &["both"]).await;
        assert_device_gone(s, PUBLIC, "dev-b", &["b"]).await;
        assert_eq!(code_ids(s, PUBLIC, "dev-op").await, strings(&["op"]));
    }

    pub(crate) async fn passwordless_concurrent_consume(ctx: Ctx) {
        let s = &ctx.store;
        add_device(&**s, &email_device("dev-1", PUBLIC, "a@x.com"), "c1").await;
        add_code(&**s, PUBLIC, &code("c2", "dev-1", T0 + 1)).await;
        add_device(&**s, &email_device("dev-2", PUBLIC, "a@x.com"), "c3").await;
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let s = Arc::clone(s);
                tokio::spawn(async move {
                    // Half of the attempts name the device as read before (as the engine
                    // does for typed codes), half let the storage read it.
                    let known = email_device(
                        if i % 4 == 2 { "dev-2" } else { "dev-1" },
                        PUBLIC,
                        "a@x.com",
                    );
                    // Right codes of both devices of the email, so the attempts also race
                    // for each other's devices (which they delete on success).
                    let (device_id, link_hash) = match i % 4 {
                        0 => ("dev-1", "link-c1"),
                        1 => ("dev-1", "link-c2"),
                        2 => ("dev-2", "link-c3"),
                        _ => ("dev-1", "link-c1"),
                    };
                    s.attempt_passwordless_code(&CodeAttempt {
                        known_device: (i % 2 == 0).then_some(&known),
                        ..typed(device_id, link_hash)
                    })
                    .await
                    .unwrap()
                })
            })
            .collect();
        let mut accepted = 0;
        for task in tasks {
            match task.await.unwrap() {
                CodeAttemptOutcome::Accepted(d) => {
                    assert_eq!(d.email.as_deref(), Some("a@x.com"));
                    accepted += 1;
                }
                CodeAttemptOutcome::RestartFlow => {}
                other => panic!("unexpected outcome {other:?}"),
            }
        }
        assert_eq!(accepted, 1, "exactly one attempt is accepted");
        assert_device_gone(&**s, PUBLIC, "dev-1", &["c1", "c2"]).await;
        assert_device_gone(&**s, PUBLIC, "dev-2", &["c3"]).await;
    }

    /// A consume with a new user signs the contact in or up in its transaction: the
    /// passwordless user of the contact in the tenant (users of other recipes and other
    /// tenants do not count) or the new user stored; an email is marked verified. A taken
    /// new user id changes nothing.
    pub(crate) async fn passwordless_consume_signs_in_or_up(ctx: Ctx) {
        use CodeAttemptOutcome::*;
        let s = &*ctx.store;
        let consume =
            |device_id: &'static str, link: &'static str, new_user: &'static UserRecord| {
                CodeAttempt {
                    new_user: Some(new_user),
                    ..typed(device_id, link)
                }
            };
        let leak = |user: UserRecord| -> &'static UserRecord { Box::leak(Box::new(user)) };

        // Sign-up by email: the new user is stored and its email verified.
        add_device(s, &email_device("dev-a1", PUBLIC, "a@x.com"), "a1").await;
        let u1 = leak(user("u1", PL, PUBLIC, Some("a@x.com"), T0));
        assert_eq!(
            s.attempt_passwordless_code(&consume("dev-a1", "link-a1", u1))
                .await
                .unwrap(),
            Consumed {
                device: email_device("dev-a1", PUBLIC, "a@x.com"),
                user: u1.clone(),
                created_new_user: true,
            }
        );
        assert_device_gone(s, PUBLIC, "dev-a1", &["a1"]).await;
        assert_eq!(
            s.user_by_email(PUBLIC, PL, "a@x.com").await.unwrap(),
            Some(u1.clone())
        );
        assert!(s.is_email_verified("u1", "a@x.com").await.unwrap());

        // Sign-in: the stored user is found, the new one is not stored.
        add_device(s, &email_device("dev-a2", PUBLIC, "a@x.com"), "a2").await;
        let u2 = leak(user("u2", PL, PUBLIC, Some("a@x.com"), T0 + 1));
        assert_eq!(
            s.attempt_passwordless_code(&consume("dev-a2", "link-a2", u2))
                .await
                .unwrap(),
            Consumed {
                device: email_device("dev-a2", PUBLIC, "a@x.com"),
                user: u1.clone(),
                created_new_user: false,
            }
        );
        assert_eq!(s.user_by_id("u2").await.unwrap(), None);

        // Another tenant, and a user of another recipe with the email, do not count.
        add_device(s, &email_device("dev-at", "t1", "a@x.com"), "at").await;
        let u3 = leak(user("u3", PL, "t1", Some("a@x.com"), T0 + 2));
        assert!(matches!(
            s.attempt_passwordless_code(&CodeAttempt {
                tenant_id: "t1",
                ..consume("dev-at", "link-at", u3)
            })
            .await
            .unwrap(),
            Consumed { user, created_new_user: true, .. } if user.user_id == "u3"
        ));
        assert_eq!(
            s.insert_user(&user("ep", EP, PUBLIC, Some("c@x.com"), T0))
                .await
                .unwrap(),
            InsertUserOutcome::Inserted
        );
        add_device(s, &email_device("dev-c", PUBLIC, "c@x.com"), "c").await;
        let u4 = leak(user("u4", PL, PUBLIC, Some("c@x.com"), T0 + 3));
        assert!(matches!(
            s.attempt_passwordless_code(&consume("dev-c", "link-c", u4))
                .await
                .unwrap(),
            Consumed { user, created_new_user: true, .. } if user.user_id == "u4"
        ));
        assert!(!s.is_email_verified("ep", "c@x.com").await.unwrap());

        // By phone number: stored, then found; nothing is verified.
        add_device(s, &phone_device("dev-p1", PUBLIC, "+15550001"), "p1").await;
        let u5 = leak(phone_user("u5", PL, PUBLIC, "+15550001", T0 + 4));
        assert_eq!(
            s.attempt_passwordless_code(&consume("dev-p1", "link-p1", u5))
                .await
                .unwrap(),
            Consumed {
                device: phone_device("dev-p1", PUBLIC, "+15550001"),
                user: u5.clone(),
                created_new_user: true,
            }
        );
        add_device(s, &phone_device("dev-p2", PUBLIC, "+15550001"), "p2").await;
        let u6 = leak(phone_user("u6", PL, PUBLIC, "+15550001", T0 + 5));
        assert!(matches!(
            s.attempt_passwordless_code(&consume("dev-p2", "link-p2", u6))
                .await
                .unwrap(),
            Consumed { user, created_new_user: false, .. } if user.user_id == "u5"
        ));
        assert_eq!(s.user_by_id("u6").await.unwrap(), None);

        // A new user whose id is taken: nothing changes, the code stays usable.
        add_device(s, &email_device("dev-d", PUBLIC, "d@x.com"), "d").await;
        let taken = leak(user("u1", PL, PUBLIC, Some("d@x.com"), T0 + 6));
        assert_eq!(
            s.attempt_passwordless_code(&consume("dev-d", "link-d", taken))
                .await
                .unwrap(),
            NewUserIdTaken
        );
        assert_eq!(code_ids(s, PUBLIC, "dev-d").await, strings(&["d"]));
        assert_eq!(s.user_by_email(PUBLIC, PL, "d@x.com").await.unwrap(), None);
        let u7 = leak(user("u7", PL, PUBLIC, Some("d@x.com"), T0 + 7));
        assert!(matches!(
            s.attempt_passwordless_code(&consume("dev-d", "link-d", u7))
                .await
                .unwrap(),
            Consumed { user, created_new_user: true, .. } if user.user_id == "u7"
        ));
    }

    /// Concurrent consumes of the codes of one contact, each with its own new user, from two
    /// stores: exactly one is accepted, and exactly one user is stored.
    pub(crate) async fn passwordless_concurrent_sign_up_by_consume(ctx: Ctx) {
        let s = &ctx.store;
        let second = supertokens_storage::connect(&ctx.url, &ConnectOptions::default())
            .await
            .unwrap();
        add_device(&**s, &email_device("dev-1", PUBLIC, "a@x.com"), "c1").await;
        add_device(&**s, &email_device("dev-2", PUBLIC, "a@x.com"), "c2").await;
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let store = if i % 2 == 0 {
                    Arc::clone(s)
                } else {
                    Arc::clone(&second)
                };
                tokio::spawn(async move {
                    let new_user = user(&format!("u{i}"), PL, PUBLIC, Some("a@x.com"), T0);
                    let (device_id, link_hash) = if i % 3 == 0 {
                        ("dev-2", "link-c2")
                    } else {
                        ("dev-1", "link-c1")
                    };
                    store
                        .attempt_passwordless_code(&CodeAttempt {
                            new_user: Some(&new_user),
                            ..typed(device_id, link_hash)
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut signed_up = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                CodeAttemptOutcome::Consumed {
                    user,
                    created_new_user: true,
                    ..
                } => signed_up.push(user.user_id),
                CodeAttemptOutcome::RestartFlow => {}
                other => panic!("unexpected outcome {other:?}"),
            }
        }
        assert_eq!(signed_up.len(), 1, "exactly one consume is accepted");
        let stored = s
            .user_by_email(PUBLIC, PL, "a@x.com")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.user_id, signed_up[0]);
        assert_eq!(s.users_by_email(PUBLIC, "a@x.com").await.unwrap().len(), 1);
    }

    /// Many consumes at once (on SQLite they share transactions): each gets the outcome it
    /// would get alone. Per contact: a wrong code, a right code, or the right code twice.
    pub(crate) async fn passwordless_concurrent_consumes_of_many_contacts(ctx: Ctx) {
        let s = &ctx.store;
        for i in 0..30 {
            add_device(
                &**s,
                &email_device(&format!("dev-{i}"), PUBLIC, &format!("m{i}@x.com")),
                &format!("c{i}"),
            )
            .await;
        }
        let mut tasks = Vec::new();
        for i in 0..30 {
            let copies = if i % 3 == 2 { 2 } else { 1 };
            for copy in 0..copies {
                let s = Arc::clone(s);
                tasks.push((
                    i,
                    tokio::spawn(async move {
                        let device_id = format!("dev-{i}");
                        let link = if i % 3 == 0 {
                            "link-wrong".to_owned()
                        } else {
                            format!("link-c{i}")
                        };
                        let new_user = user(
                            &format!("u{i}-{copy}"),
                            PL,
                            PUBLIC,
                            Some(&format!("m{i}@x.com")),
                            T0,
                        );
                        s.attempt_passwordless_code(&CodeAttempt {
                            new_user: Some(&new_user),
                            ..typed(&device_id, &link)
                        })
                        .await
                        .unwrap()
                    }),
                ));
            }
        }
        let mut consumed = [0; 30];
        for (i, task) in tasks {
            match task.await.unwrap() {
                CodeAttemptOutcome::IncorrectCode { failed_attempts: 1 } if i % 3 == 0 => {}
                CodeAttemptOutcome::Consumed {
                    user,
                    created_new_user: true,
                    ..
                } if i % 3 != 0 => {
                    assert!(user.user_id.starts_with(&format!("u{i}-")), "{i}: {user:?}");
                    consumed[i] += 1;
                }
                CodeAttemptOutcome::RestartFlow if i % 3 == 2 => {}
                other => panic!("contact {i}: {other:?}"),
            }
        }
        for (i, consumed) in consumed.into_iter().enumerate() {
            let email = format!("m{i}@x.com");
            let stored = s.user_by_email(PUBLIC, PL, &email).await.unwrap();
            if i % 3 == 0 {
                assert_eq!(consumed, 0);
                assert_eq!(stored, None, "{i}");
                assert_eq!(failed_attempts(&**s, PUBLIC, &format!("dev-{i}")).await, 1);
            } else {
                assert_eq!(consumed, 1, "contact {i} is consumed exactly once");
                let stored = stored.unwrap();
                assert!(s.is_email_verified(&stored.user_id, &email).await.unwrap());
                assert_device_gone(&**s, PUBLIC, &format!("dev-{i}"), &[&format!("c{i}")]).await;
            }
        }
    }

    pub(crate) async fn passwordless_concurrent_wrong_codes(ctx: Ctx) {
        // Concurrent wrong codes are all counted: none is lost to a race.
        let s = &ctx.store;
        add_device(&**s, &email_device("dev-1", PUBLIC, "a@x.com"), "c1").await;
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let s = Arc::clone(s);
                tokio::spawn(async move {
                    let wrong = format!("link-wrong-{i}");
                    let known = email_device("dev-1", PUBLIC, "a@x.com");
                    s.attempt_passwordless_code(&CodeAttempt {
                        max_attempts: 100,
                        known_device: (i % 2 == 0).then_some(&known),
                        ..typed("dev-1", &wrong)
                    })
                    .await
                    .unwrap()
                })
            })
            .collect();
        let mut counts = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                CodeAttemptOutcome::IncorrectCode { failed_attempts } => {
                    counts.push(failed_attempts);
                }
                other => panic!("unexpected outcome {other:?}"),
            }
        }
        counts.sort_unstable();
        assert_eq!(counts, vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(failed_attempts(&**s, PUBLIC, "dev-1").await, 6);
    }

    pub(crate) async fn passwordless_delete_codes(ctx: Ctx) {
        let s = &*ctx.store;
        add_device(s, &email_device("dev-1", PUBLIC, "a@x.com"), "c1").await;
        add_code(s, PUBLIC, &code("c2", "dev-1", T0 + 1)).await;
        add_device(s, &email_device("dev-t", "t1", "a@x.com"), "ct").await;

        // Not the last code: the device stays.
        assert!(s.delete_passwordless_code(PUBLIC, "c1").await.unwrap());
        assert_eq!(s.passwordless_code(PUBLIC, "c1").await.unwrap(), None);
        assert_eq!(code_ids(s, PUBLIC, "dev-1").await, strings(&["c2"]));
        assert!(
            s.passwordless_device(PUBLIC, "dev-1")
                .await
                .unwrap()
                .is_some()
        );
        assert!(!s.delete_passwordless_code(PUBLIC, "c1").await.unwrap());
        assert!(!s.delete_passwordless_code(PUBLIC, "unknown").await.unwrap());

        // Another tenant's code is out of reach.
        assert!(!s.delete_passwordless_code(PUBLIC, "ct").await.unwrap());
        assert_eq!(code_ids(s, "t1", "dev-t").await, strings(&["ct"]));

        // The last code takes the device with it.
        assert!(s.delete_passwordless_code(PUBLIC, "c2").await.unwrap());
        assert_device_gone(s, PUBLIC, "dev-1", &["c1", "c2"]).await;
        assert!(s.delete_passwordless_code("t1", "ct").await.unwrap());
        assert_device_gone(s, "t1", "dev-t", &["ct"]).await;
    }

    pub(crate) async fn passwordless_delete_devices(ctx: Ctx) {
        let s = &*ctx.store;
        add_device(s, &email_device("dev-1", PUBLIC, "a@x.com"), "c1").await;
        add_code(s, PUBLIC, &code("c1b", "dev-1", T0 + 1)).await;
        add_device(s, &email_device("dev-2", PUBLIC, "a@x.com"), "c2").await;
        add_device(s, &email_device("dev-3", PUBLIC, "a@x.com"), "c3").await;
        add_device(s, &email_device("dev-b", PUBLIC, "b@x.com"), "cb").await;
        add_device(s, &email_device("dev-t", "t1", "a@x.com"), "ct").await;
        add_device(s, &phone_device("dev-p1", PUBLIC, "+15550001"), "p1").await;
        add_device(s, &phone_device("dev-p2", PUBLIC, "+15550001"), "p2").await;
        add_device(s, &phone_device("dev-p3", PUBLIC, "+15550002"), "p3").await;
        add_device(s, &phone_device("dev-pt", "t1", "+15550001"), "pt").await;

        // One device.
        assert!(!s.delete_passwordless_device("t1", "dev-1").await.unwrap());
        assert!(s.delete_passwordless_device(PUBLIC, "dev-1").await.unwrap());
        assert_device_gone(s, PUBLIC, "dev-1", &["c1", "c1b"]).await;
        assert!(!s.delete_passwordless_device(PUBLIC, "dev-1").await.unwrap());

        // By email.
        assert_eq!(
            s.delete_passwordless_devices_by_email(PUBLIC, "a@x.com")
                .await
                .unwrap(),
            2
        );
        assert_device_gone(s, PUBLIC, "dev-2", &["c2"]).await;
        assert_device_gone(s, PUBLIC, "dev-3", &["c3"]).await;
        assert_eq!(code_ids(s, PUBLIC, "dev-b").await, strings(&["cb"]));
        assert_eq!(code_ids(s, "t1", "dev-t").await, strings(&["ct"]));
        assert_eq!(
            s.delete_passwordless_devices_by_email(PUBLIC, "a@x.com")
                .await
                .unwrap(),
            0
        );

        // By phone number.
        assert_eq!(
            s.delete_passwordless_devices_by_phone_number(PUBLIC, "+15550001")
                .await
                .unwrap(),
            2
        );
        assert_device_gone(s, PUBLIC, "dev-p1", &["p1"]).await;
        assert_device_gone(s, PUBLIC, "dev-p2", &["p2"]).await;
        assert_eq!(code_ids(s, PUBLIC, "dev-p3").await, strings(&["p3"]));
        assert_eq!(code_ids(s, "t1", "dev-pt").await, strings(&["pt"]));
        assert_eq!(
            s.delete_passwordless_devices_by_phone_number("t2", "+15550001")
                .await
                .unwrap(),
            0
        );
    }

    pub(crate) async fn passwordless_update_contact(ctx: Ctx) {
        use UpdateContactOutcome::*;
        let s = &*ctx.store;
        insert_all(
            s,
            &[
                user("u1", PL, PUBLIC, Some("a@x.com"), T0),
                UserRecord {
                    phone_number: Some("+15550001".to_owned()),
                    ..user("u2", PL, PUBLIC, Some("b@x.com"), T0)
                },
                user("e1", EP, PUBLIC, Some("c@x.com"), T0),
                user("t1user", PL, "t1", Some("z@x.com"), T0),
            ],
        )
        .await;
        let update = |user_id: &'static str,
                      email: Option<Option<&'static str>>,
                      phone_number: Option<Option<&'static str>>| {
            ContactUpdate {
                user_id,
                email,
                phone_number,
            }
        };
        let contact = |user_id: &'static str| async move {
            let u = s.user_by_id(user_id).await.unwrap().unwrap();
            (u.email, u.phone_number)
        };
        let some = |v: &str| Some(v.to_owned());

        // Only passwordless users.
        assert_eq!(
            s.update_passwordless_contact(&update("nobody", Some(Some("n@x.com")), None))
                .await
                .unwrap(),
            UnknownUser
        );
        assert_eq!(
            s.update_passwordless_contact(&update("e1", Some(Some("n@x.com")), None))
                .await
                .unwrap(),
            UnknownUser
        );
        assert_eq!(contact("e1").await, (some("c@x.com"), None));

        // Taken values change nothing.
        add_device(s, &email_device("dev-a", PUBLIC, "a@x.com"), "ca").await;
        add_device(s, &email_device("dev-b", PUBLIC, "b@x.com"), "cb").await;
        assert_eq!(
            s.update_passwordless_contact(&update("u1", Some(Some("b@x.com")), None))
                .await
                .unwrap(),
            EmailTaken
        );
        assert_eq!(
            s.update_passwordless_contact(&update("u1", None, Some(Some("+15550001"))))
                .await
                .unwrap(),
            PhoneNumberTaken
        );
        assert_eq!(contact("u1").await, (some("a@x.com"), None));
        assert_eq!(code_ids(s, PUBLIC, "dev-a").await, strings(&["ca"]));
        assert_eq!(code_ids(s, PUBLIC, "dev-b").await, strings(&["cb"]));

        // An emailpassword user's email, or another tenant's, is not taken.
        add_device(s, &email_device("dev-c", PUBLIC, "c@x.com"), "cc").await;
        add_device(s, &email_device("dev-a-t1", "t1", "a@x.com"), "cat1").await;
        add_device(s, &email_device("dev-c-t1", "t1", "c@x.com"), "cct1").await;
        add_device(s, &phone_device("dev-p5", PUBLIC, "+15550005"), "cp5").await;
        assert_eq!(
            s.update_passwordless_contact(&update("u1", Some(Some("c@x.com")), None))
                .await
                .unwrap(),
            Updated
        );
        assert_eq!(contact("u1").await, (some("c@x.com"), None));
        // The devices of the old and the new email went, in the user's tenant only.
        assert_device_gone(s, PUBLIC, "dev-a", &["ca"]).await;
        assert_device_gone(s, PUBLIC, "dev-c", &["cc"]).await;
        assert_eq!(code_ids(s, PUBLIC, "dev-b").await, strings(&["cb"]));
        assert_eq!(code_ids(s, "t1", "dev-a-t1").await, strings(&["cat1"]));
        assert_eq!(code_ids(s, "t1", "dev-c-t1").await, strings(&["cct1"]));
        assert_eq!(code_ids(s, PUBLIC, "dev-p5").await, strings(&["cp5"]));

        // Unchanged values delete nothing.
        add_device(s, &email_device("dev-c2", PUBLIC, "c@x.com"), "cc2").await;
        assert_eq!(
            s.update_passwordless_contact(&update("u1", Some(Some("c@x.com")), None))
                .await
                .unwrap(),
            Updated
        );
        assert_eq!(
            s.update_passwordless_contact(&update("u1", None, None))
                .await
                .unwrap(),
            Updated
        );
        assert_eq!(code_ids(s, PUBLIC, "dev-c2").await, strings(&["cc2"]));

        // Clearing a field frees its value and deletes the old value's devices.
        add_device(s, &phone_device("dev-p1", PUBLIC, "+15550001"), "cp1").await;
        assert_eq!(
            s.update_passwordless_contact(&update("u2", None, Some(None)))
                .await
                .unwrap(),
            Updated
        );
        assert_eq!(contact("u2").await, (some("b@x.com"), None));
        assert_device_gone(s, PUBLIC, "dev-p1", &["cp1"]).await;
        assert_eq!(code_ids(s, PUBLIC, "dev-b").await, strings(&["cb"]));

        // Both fields at once: phone set (the freed number), email cleared.
        add_device(s, &phone_device("dev-p1b", PUBLIC, "+15550001"), "cp1b").await;
        assert_eq!(
            s.update_passwordless_contact(&update("u1", Some(None), Some(Some("+15550001"))))
                .await
                .unwrap(),
            Updated
        );
        assert_eq!(contact("u1").await, (None, some("+15550001")));
        assert_device_gone(s, PUBLIC, "dev-c2", &["cc2"]).await;
        assert_device_gone(s, PUBLIC, "dev-p1b", &["cp1b"]).await;
        assert_eq!(code_ids(s, PUBLIC, "dev-b").await, strings(&["cb"]));
        assert_eq!(code_ids(s, PUBLIC, "dev-p5").await, strings(&["cp5"]));
        // The cleared email is free for another passwordless user.
        assert_eq!(
            s.update_passwordless_contact(&update("u2", Some(Some("c@x.com")), None))
                .await
                .unwrap(),
            Updated
        );
        assert_device_gone(s, PUBLIC, "dev-b", &["cb"]).await;
        assert_eq!(
            s.user_by_email(PUBLIC, PL, "c@x.com")
                .await
                .unwrap()
                .map(|u| u.user_id),
            some("u2")
        );
        // The other tenant's user was never touched.
        assert_eq!(contact("t1user").await, (some("z@x.com"), None));
    }

    pub(crate) async fn passwordless_delete_expired_in_batches(ctx: Ctx) {
        let s = &*ctx.store;
        // Five devices whose newest code is older than T0, in two tenants.
        for i in 0..5 {
            let id = format!("old-{i}");
            let tenant = if i % 2 == 0 { PUBLIC } else { "t1" };
            s.insert_passwordless_device(
                &email_device(&id, tenant, &format!("{i}@x.com")),
                &code(&format!("o{i}"), &id, T0 - 100 - i),
                None,
            )
            .await
            .unwrap();
            add_code(s, tenant, &code(&format!("o{i}b"), &id, T0 - 1)).await;
        }
        // An old device with one fresh code, and a device whose newest code is exactly T0.
        add_device(s, &email_device("mixed", PUBLIC, "m@x.com"), "m-new").await;
        add_code(s, PUBLIC, &code("m-old", "mixed", T0 - 500)).await;
        s.insert_passwordless_device(
            &email_device("at-now", PUBLIC, "n@x.com"),
            &code("n", "at-now", T0),
            None,
        )
        .await
        .unwrap();
        add_device(s, &email_device("live", PUBLIC, "l@x.com"), "l").await;
        add_code(s, PUBLIC, &code("l2", "live", T0 + 1)).await;

        assert_eq!(
            s.delete_expired_passwordless_devices(T0, 0).await.unwrap(),
            0
        );
        assert_eq!(
            s.delete_expired_passwordless_devices(T0, 2).await.unwrap(),
            2
        );
        assert_eq!(
            s.delete_expired_passwordless_devices(T0, 2).await.unwrap(),
            2
        );
        assert_eq!(
            s.delete_expired_passwordless_devices(T0, 2).await.unwrap(),
            1
        );
        assert_eq!(
            s.delete_expired_passwordless_devices(T0, 2).await.unwrap(),
            0
        );
        for i in 0..5 {
            let tenant = if i % 2 == 0 { PUBLIC } else { "t1" };
            assert_device_gone(
                s,
                tenant,
                &format!("old-{i}"),
                &[&format!("o{i}"), &format!("o{i}b")],
            )
            .await;
        }
        assert_eq!(
            code_ids(s, PUBLIC, "mixed").await,
            strings(&["m-old", "m-new"])
        );
        assert_eq!(code_ids(s, PUBLIC, "at-now").await, strings(&["n"]));
        assert_eq!(code_ids(s, PUBLIC, "live").await, strings(&["l", "l2"]));

        // A later cutoff reaches the rest.
        assert_eq!(
            s.delete_expired_passwordless_devices(T0 + 1, 10)
                .await
                .unwrap(),
            2
        );
        assert_device_gone(s, PUBLIC, "mixed", &["m-old", "m-new"]).await;
        assert_device_gone(s, PUBLIC, "at-now", &["n"]).await;
        assert_eq!(code_ids(s, PUBLIC, "live").await, strings(&["l", "l2"]));
    }
    // ---- Email verification ----

    fn ev_token(
        hash: &str,
        tenant: &str,
        user_id: &str,
        email: &str,
        expires_at_ms: i64,
    ) -> EmailVerificationTokenRecord {
        EmailVerificationTokenRecord {
            token_hash: hash.to_owned(),
            tenant_id: tenant.to_owned(),
            user_id: user_id.to_owned(),
            email: email.to_owned(),
            expires_at_ms,
        }
    }

    async fn insert_ev_tokens(s: &dyn Storage, tokens: &[EmailVerificationTokenRecord]) {
        for t in tokens {
            s.insert_email_verification_token(t).await.unwrap();
        }
    }

    fn verified(user_id: &str, email: &str) -> UseVerificationTokenOutcome {
        UseVerificationTokenOutcome::Verified {
            user_id: user_id.to_owned(),
            email: email.to_owned(),
        }
    }

    pub(crate) async fn email_verification_use_tokens(ctx: Ctx) {
        let s = &*ctx.store;
        let later = T0 + 60_000;
        insert_ev_tokens(
            s,
            &[
                ev_token("h1", PUBLIC, "u1", "a@x.com", later),
                ev_token("h2", PUBLIC, "u1", "a@x.com", later + 1),
                ev_token("h3", "t1", "u1", "a@x.com", later),
                ev_token("h4", PUBLIC, "u1", "b@x.com", later),
                ev_token("h5", PUBLIC, "u2", "a@x.com", later),
            ],
        )
        .await;
        use UseVerificationTokenOutcome::*;
        // Tokens are tenant-scoped.
        assert_eq!(
            s.use_email_verification_token("t1", "h1", T0)
                .await
                .unwrap(),
            Unknown
        );
        assert_eq!(
            s.use_email_verification_token(PUBLIC, "unknown", T0)
                .await
                .unwrap(),
            Unknown
        );
        assert!(!s.is_email_verified("u1", "a@x.com").await.unwrap());
        assert_eq!(
            s.use_email_verification_token(PUBLIC, "h1", T0)
                .await
                .unwrap(),
            verified("u1", "a@x.com")
        );
        assert!(s.is_email_verified("u1", "a@x.com").await.unwrap());
        // Single use, and the pair's other tokens in the tenant went with it.
        assert_eq!(
            s.use_email_verification_token(PUBLIC, "h1", T0)
                .await
                .unwrap(),
            Unknown
        );
        assert_eq!(
            s.use_email_verification_token(PUBLIC, "h2", T0)
                .await
                .unwrap(),
            Unknown
        );
        // Tokens of the pair in another tenant, of another email and of another user stay.
        assert_eq!(
            s.use_email_verification_token("t1", "h3", T0)
                .await
                .unwrap(),
            verified("u1", "a@x.com")
        );
        assert!(!s.is_email_verified("u1", "b@x.com").await.unwrap());
        assert!(!s.is_email_verified("u2", "a@x.com").await.unwrap());
        assert_eq!(
            s.use_email_verification_token(PUBLIC, "h4", T0)
                .await
                .unwrap(),
            verified("u1", "b@x.com")
        );
        // Verification is per (user, email) and app-wide.
        assert!(s.is_email_verified("u1", "b@x.com").await.unwrap());
        assert!(!s.is_email_verified("u2", "a@x.com").await.unwrap());
        assert!(!s.is_email_verified("u1", "A@x.com").await.unwrap());

        // A token is void from its expiry on; using it still deletes the pair's tokens.
        insert_ev_tokens(
            s,
            &[
                ev_token("x1", PUBLIC, "u3", "c@x.com", T0),
                ev_token("x2", PUBLIC, "u3", "c@x.com", T0 + 10_000),
                ev_token("x3", PUBLIC, "u3", "d@x.com", T0 + 10_000),
            ],
        )
        .await;
        assert_eq!(
            s.use_email_verification_token(PUBLIC, "x1", T0)
                .await
                .unwrap(),
            Expired
        );
        assert!(!s.is_email_verified("u3", "c@x.com").await.unwrap());
        assert_eq!(
            s.use_email_verification_token(PUBLIC, "x2", T0)
                .await
                .unwrap(),
            Unknown
        );
        assert_eq!(
            s.use_email_verification_token(PUBLIC, "x3", T0 + 9_999)
                .await
                .unwrap(),
            verified("u3", "d@x.com")
        );
        // Using a token of an already verified pair keeps it verified.
        insert_ev_tokens(s, &[ev_token("again", PUBLIC, "u3", "d@x.com", later)]).await;
        assert_eq!(
            s.use_email_verification_token(PUBLIC, "again", T0)
                .await
                .unwrap(),
            verified("u3", "d@x.com")
        );
        assert!(s.is_email_verified("u3", "d@x.com").await.unwrap());
        // The hash is unique across tenants.
        assert!(
            s.insert_email_verification_token(&ev_token("h5", "t1", "u9", "z@x.com", later))
                .await
                .is_err()
        );
    }

    pub(crate) async fn email_verification_concurrent_use(ctx: Ctx) {
        let s = &ctx.store;
        for i in 0..4 {
            s.insert_email_verification_token(&ev_token(
                &format!("h{i}"),
                PUBLIC,
                "u1",
                "a@x.com",
                T0 + 1000,
            ))
            .await
            .unwrap();
        }
        s.insert_email_verification_token(&ev_token("other", PUBLIC, "u2", "a@x.com", T0 + 1000))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let s = Arc::clone(s);
                tokio::spawn(async move {
                    s.use_email_verification_token(PUBLIC, &format!("h{}", i % 4), T0)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut won = 0;
        for task in tasks {
            match task.await.unwrap() {
                UseVerificationTokenOutcome::Verified { user_id, email } => {
                    assert_eq!((user_id.as_str(), email.as_str()), ("u1", "a@x.com"));
                    won += 1;
                }
                UseVerificationTokenOutcome::Unknown => {}
                other => panic!("unexpected outcome {other:?}"),
            }
        }
        assert_eq!(won, 1, "exactly one use wins");
        assert!(s.is_email_verified("u1", "a@x.com").await.unwrap());
        assert_eq!(
            s.use_email_verification_token(PUBLIC, "other", T0)
                .await
                .unwrap(),
            verified("u2", "a@x.com")
        );
    }

    pub(crate) async fn email_verification_state(ctx: Ctx) {
        let s = &*ctx.store;
        assert!(!s.is_email_verified("u1", "a@x.com").await.unwrap());
        s.set_email_verified("u1", "a@x.com", true).await.unwrap();
        // Idempotent.
        s.set_email_verified("u1", "a@x.com", true).await.unwrap();
        s.set_email_verified("u1", "b@x.com", true).await.unwrap();
        s.set_email_verified("u2", "a@x.com", true).await.unwrap();
        s.set_email_verified("u3", "a@x.com", true).await.unwrap();
        assert!(s.is_email_verified("u1", "a@x.com").await.unwrap());
        s.set_email_verified("u1", "a@x.com", false).await.unwrap();
        s.set_email_verified("u1", "a@x.com", false).await.unwrap();
        s.set_email_verified("nobody", "a@x.com", false)
            .await
            .unwrap();
        assert!(!s.is_email_verified("u1", "a@x.com").await.unwrap());
        assert!(s.is_email_verified("u1", "b@x.com").await.unwrap());

        let pair = |u: &str, e: &str| (u.to_owned(), e.to_owned());
        assert_eq!(
            s.verified_emails_of_users(&strings(&["u2", "u1", "unknown"]))
                .await
                .unwrap(),
            vec![pair("u1", "b@x.com"), pair("u2", "a@x.com")]
        );
        assert!(s.verified_emails_of_users(&[]).await.unwrap().is_empty());
        // Long lists are read in chunks.
        let mut many: Vec<String> = (0..1200).map(|i| format!("m{i:04}")).collect();
        s.set_email_verified("m1100", "m@x.com", true)
            .await
            .unwrap();
        many.push("u3".to_owned());
        assert_eq!(
            s.verified_emails_of_users(&many).await.unwrap(),
            vec![pair("m1100", "m@x.com"), pair("u3", "a@x.com")]
        );

        // Revoking tokens of a pair, per tenant.
        insert_ev_tokens(
            s,
            &[
                ev_token("r1", PUBLIC, "u1", "a@x.com", T0 + 1000),
                ev_token("r2", PUBLIC, "u1", "a@x.com", T0 + 1000),
                ev_token("r3", "t1", "u1", "a@x.com", T0 + 1000),
                ev_token("r4", PUBLIC, "u1", "z@x.com", T0 + 1000),
            ],
        )
        .await;
        assert_eq!(
            s.delete_email_verification_tokens(PUBLIC, "u1", "a@x.com")
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            s.delete_email_verification_tokens(PUBLIC, "u1", "a@x.com")
                .await
                .unwrap(),
            0
        );
        use UseVerificationTokenOutcome::Unknown;
        for hash in ["r1", "r2"] {
            assert_eq!(
                s.use_email_verification_token(PUBLIC, hash, T0)
                    .await
                    .unwrap(),
                Unknown
            );
        }
        assert_eq!(
            s.use_email_verification_token("t1", "r3", T0)
                .await
                .unwrap(),
            verified("u1", "a@x.com")
        );
        assert_eq!(
            s.use_email_verification_token(PUBLIC, "r4", T0)
                .await
                .unwrap(),
            verified("u1", "z@x.com")
        );
    }

    pub(crate) async fn email_verification_delete_expired_in_batches(ctx: Ctx) {
        let s = &*ctx.store;
        for i in 0..5 {
            s.insert_email_verification_token(&ev_token(
                &format!("old{i}"),
                PUBLIC,
                &format!("o{i}"),
                "a@x.com",
                T0 - 1 - i,
            ))
            .await
            .unwrap();
        }
        insert_ev_tokens(
            s,
            &[
                ev_token("at_now", PUBLIC, "n1", "a@x.com", T0),
                ev_token("fresh", "t1", "f1", "a@x.com", T0 + 10_000),
            ],
        )
        .await;
        let mut counts = Vec::new();
        for _ in 0..4 {
            counts.push(
                s.delete_expired_email_verification_tokens(T0, 2)
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(counts, vec![2, 2, 1, 0]);
        for i in 0..5 {
            assert_eq!(
                s.use_email_verification_token(PUBLIC, &format!("old{i}"), T0 - 100)
                    .await
                    .unwrap(),
                UseVerificationTokenOutcome::Unknown
            );
        }
        // Void at its expiry, but only swept once it is past.
        assert_eq!(
            s.use_email_verification_token(PUBLIC, "at_now", T0)
                .await
                .unwrap(),
            UseVerificationTokenOutcome::Expired
        );
        assert_eq!(
            s.use_email_verification_token("t1", "fresh", T0)
                .await
                .unwrap(),
            verified("f1", "a@x.com")
        );
    }

    /// Runs SQL statements (`;`-separated) on the test database through a connection of
    /// its own.
    async fn run_statements(ctx: &Ctx, sql: &str) {
        use sqlx::Connection;
        let statements = sql.split(';').map(str::trim).filter(|s| !s.is_empty());
        match ctx.backend {
            "sqlite" => {
                let mut c = sqlx::SqliteConnection::connect(&ctx.url).await.unwrap();
                for statement in statements {
                    sqlx::query(statement).execute(&mut c).await.unwrap();
                }
            }
            "postgres" => {
                let mut c = sqlx::PgConnection::connect(&ctx.url).await.unwrap();
                for statement in statements {
                    sqlx::query(statement).execute(&mut c).await.unwrap();
                }
                c.close().await.ok();
            }
            _ => {
                let mut c = sqlx::MySqlConnection::connect(&ctx.url).await.unwrap();
                for statement in statements {
                    sqlx::query(statement).execute(&mut c).await.unwrap();
                }
                c.close().await.ok();
            }
        }
    }

    pub(crate) async fn email_verification_migration_backfills_passwordless(ctx: Ctx) {
        let s = &*ctx.store;
        insert_all(
            s,
            &[
                user("pl", PL, PUBLIC, Some("p@x.com"), T0),
                phone_user("ph", PL, PUBLIC, "+15550001", T0),
                user("ep", EP, PUBLIC, Some("e@x.com"), T0),
            ],
        )
        .await;
        // Back to the schema before the migration, users kept; then migrate again.
        run_statements(
            &ctx,
            "DROP TABLE user_roles; DROP TABLE role_permissions; DROP TABLE roles; \
             DROP TABLE user_metadata; DROP TABLE emailverification_verified_emails; \
             DROP TABLE emailverification_tokens; \
             DELETE FROM _sqlx_migrations WHERE version = 20261124000000;",
        )
        .await;
        let migrated = supertokens_storage::connect(&ctx.url, &ConnectOptions::default())
            .await
            .unwrap();
        assert!(migrated.is_email_verified("pl", "p@x.com").await.unwrap());
        assert!(!migrated.is_email_verified("ep", "e@x.com").await.unwrap());
        assert_eq!(
            migrated
                .verified_emails_of_users(&strings(&["pl", "ph", "ep"]))
                .await
                .unwrap(),
            vec![("pl".to_owned(), "p@x.com".to_owned())]
        );
    }

    // ---- User metadata ----

    fn object(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        match value {
            serde_json::Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    pub(crate) async fn metadata_merge(ctx: Ctx) {
        let s = &*ctx.store;
        assert_eq!(s.user_metadata("u1").await.unwrap(), None);
        let first = s
            .update_user_metadata(
                "u1",
                &object(json!({"a": 1, "b": {"x": 1, "y": [1, 2]}, "name": "Zoë 😀"})),
            )
            .await
            .unwrap();
        assert_eq!(
            first,
            object(json!({"a": 1, "b": {"x": 1, "y": [1, 2]}, "name": "Zoë 😀"}))
        );
        assert_eq!(s.user_metadata("u1").await.unwrap(), Some(first));
        // Top-level keys replace (nested objects whole), null removes, others stay.
        let second = s
            .update_user_metadata(
                "u1",
                &object(json!({"b": {"z": true}, "a": null, "missing": null, "c": "s"})),
            )
            .await
            .unwrap();
        let expected = object(json!({"b": {"z": true}, "c": "s", "name": "Zoë 😀"}));
        assert_eq!(second, expected);
        assert_eq!(s.user_metadata("u1").await.unwrap(), Some(expected.clone()));
        // An empty update changes nothing.
        assert_eq!(
            s.update_user_metadata("u1", &serde_json::Map::new())
                .await
                .unwrap(),
            expected
        );
        // Other users are separate.
        assert_eq!(s.user_metadata("u2").await.unwrap(), None);
        assert_eq!(
            s.update_user_metadata("u2", &object(json!({"only": null})))
                .await
                .unwrap(),
            serde_json::Map::new()
        );
        assert_eq!(s.user_metadata("u2").await.unwrap(), None);
        // Removing every key leaves nothing stored.
        assert_eq!(
            s.update_user_metadata("u1", &object(json!({"b": null, "c": null, "name": null})))
                .await
                .unwrap(),
            serde_json::Map::new()
        );
        assert_eq!(s.user_metadata("u1").await.unwrap(), None);

        s.update_user_metadata("u1", &object(json!({"k": 1})))
            .await
            .unwrap();
        assert!(s.delete_user_metadata("u1").await.unwrap());
        assert!(!s.delete_user_metadata("u1").await.unwrap());
        assert_eq!(s.user_metadata("u1").await.unwrap(), None);
        // Large values round-trip.
        let big = "x".repeat(200_000);
        s.update_user_metadata("u3", &object(json!({"big": big})))
            .await
            .unwrap();
        assert_eq!(
            s.user_metadata("u3").await.unwrap().unwrap()["big"]
                .as_str()
                .unwrap()
                .len(),
            200_000
        );
    }

    pub(crate) async fn metadata_concurrent_updates(ctx: Ctx) {
        let s = &ctx.store;
        // Concurrent first updates of a user, then concurrent updates and removals of keys
        // of an existing row: every key written survives.
        for round in 0..2 {
            let tasks: Vec<_> = (0..12)
                .map(|i| {
                    let s = Arc::clone(s);
                    tokio::spawn(async move {
                        let update = object(json!({ format!("k{round}-{i}"): i }));
                        s.update_user_metadata("u1", &update).await.unwrap()
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        }
        let stored = s.user_metadata("u1").await.unwrap().unwrap();
        assert_eq!(stored.len(), 24, "{stored:?}");
        for round in 0..2 {
            for i in 0..12 {
                assert_eq!(stored[&format!("k{round}-{i}")], json!(i));
            }
        }
        // Concurrent removals of every key and additions of new ones.
        let tasks: Vec<_> = (0..12)
            .map(|i| {
                let s = Arc::clone(s);
                tokio::spawn(async move {
                    let update = object(json!({
                        format!("k0-{i}"): null,
                        format!("k1-{i}"): null,
                        format!("n{i}"): true,
                    }));
                    s.update_user_metadata("u1", &update).await.unwrap()
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let stored = s.user_metadata("u1").await.unwrap().unwrap();
        let keys: Vec<&String> = stored.keys().collect();
        assert_eq!(keys.len(), 12, "{keys:?}");
        assert!(stored.keys().all(|k| k.starts_with('n')), "{keys:?}");
    }

    // ---- User roles ----

    pub(crate) async fn roles_create_and_permissions(ctx: Ctx) {
        let s = &*ctx.store;
        assert!(s.roles().await.unwrap().is_empty());
        assert!(
            s.create_role("admin", &strings(&["write", "read", "read"]))
                .await
                .unwrap()
        );
        assert!(!s.create_role("admin", &strings(&["delete"])).await.unwrap());
        assert!(!s.create_role("admin", &[]).await.unwrap());
        assert_eq!(
            s.role_permissions("admin").await.unwrap(),
            Some(strings(&["delete", "read", "write"]))
        );
        assert!(s.create_role("empty", &[]).await.unwrap());
        assert_eq!(s.role_permissions("empty").await.unwrap(), Some(vec![]));
        assert_eq!(s.role_permissions("nope").await.unwrap(), None);
        // Names are exact and sorted byte-wise.
        for role in ["b", "B", "é", "a"] {
            assert!(s.create_role(role, &strings(&["read"])).await.unwrap());
        }
        assert_eq!(
            s.roles().await.unwrap(),
            strings(&["B", "a", "admin", "b", "empty", "é"])
        );
        assert_eq!(
            s.roles_with_permission("read").await.unwrap(),
            strings(&["B", "a", "admin", "b", "é"])
        );
        assert!(s.roles_with_permission("READ").await.unwrap().is_empty());
        // Many permissions at once.
        let many: Vec<String> = (0..700).map(|i| format!("p{i:03}")).collect();
        assert!(s.create_role("big", &many).await.unwrap());
        assert_eq!(s.role_permissions("big").await.unwrap(), Some(many.clone()));

        // Removing some, all, or from an unknown role.
        assert!(
            s.delete_role_permissions("admin", Some(&strings(&["read", "missing"])))
                .await
                .unwrap()
        );
        assert_eq!(
            s.role_permissions("admin").await.unwrap(),
            Some(strings(&["delete", "write"]))
        );
        assert!(s.delete_role_permissions("admin", Some(&[])).await.unwrap());
        assert!(
            s.delete_role_permissions("big", Some(&many[..600]))
                .await
                .unwrap()
        );
        assert_eq!(
            s.role_permissions("big").await.unwrap(),
            Some(many[600..].to_vec())
        );
        assert!(s.delete_role_permissions("admin", None).await.unwrap());
        assert_eq!(s.role_permissions("admin").await.unwrap(), Some(vec![]));
        assert!(!s.delete_role_permissions("nope", None).await.unwrap());
        assert!(
            !s.delete_role_permissions("nope", Some(&strings(&["x"])))
                .await
                .unwrap()
        );
        assert!(s.roles().await.unwrap().contains(&"admin".to_owned()));
    }

    pub(crate) async fn roles_user_assignments(ctx: Ctx) {
        let s = &*ctx.store;
        use AddUserRoleOutcome::{Added, AlreadyHad};
        use RemoveUserRoleOutcome::{DidNotHave, Removed};
        s.create_role("admin", &[]).await.unwrap();
        s.create_role("editor", &[]).await.unwrap();
        assert_eq!(
            s.add_user_role(PUBLIC, "u1", "nope").await.unwrap(),
            AddUserRoleOutcome::UnknownRole
        );
        assert_eq!(
            s.add_user_role(PUBLIC, "u1", "editor").await.unwrap(),
            Added
        );
        assert_eq!(s.add_user_role(PUBLIC, "u1", "admin").await.unwrap(), Added);
        assert_eq!(
            s.add_user_role(PUBLIC, "u1", "admin").await.unwrap(),
            AlreadyHad
        );
        assert_eq!(s.add_user_role(PUBLIC, "u2", "admin").await.unwrap(), Added);
        assert_eq!(s.add_user_role(PUBLIC, "U0", "admin").await.unwrap(), Added);
        // Assignments are per tenant.
        assert_eq!(s.add_user_role("t1", "u1", "admin").await.unwrap(), Added);
        assert_eq!(s.add_user_role("t1", "u3", "editor").await.unwrap(), Added);

        assert_eq!(
            s.roles_of_user(PUBLIC, "u1").await.unwrap(),
            strings(&["admin", "editor"])
        );
        assert_eq!(
            s.roles_of_user("t1", "u1").await.unwrap(),
            strings(&["admin"])
        );
        assert!(s.roles_of_user("t2", "u1").await.unwrap().is_empty());
        assert!(s.roles_of_user(PUBLIC, "nobody").await.unwrap().is_empty());
        assert_eq!(
            s.users_with_role(PUBLIC, "admin").await.unwrap(),
            Some(strings(&["U0", "u1", "u2"]))
        );
        assert_eq!(
            s.users_with_role("t1", "admin").await.unwrap(),
            Some(strings(&["u1"]))
        );
        assert_eq!(
            s.users_with_role("t2", "admin").await.unwrap(),
            Some(vec![])
        );
        assert_eq!(s.users_with_role(PUBLIC, "nope").await.unwrap(), None);

        assert_eq!(
            s.remove_user_role(PUBLIC, "u1", "admin").await.unwrap(),
            Removed
        );
        assert_eq!(
            s.remove_user_role(PUBLIC, "u1", "admin").await.unwrap(),
            DidNotHave
        );
        assert_eq!(
            s.remove_user_role(PUBLIC, "u1", "nope").await.unwrap(),
            RemoveUserRoleOutcome::UnknownRole
        );
        assert_eq!(
            s.roles_of_user(PUBLIC, "u1").await.unwrap(),
            strings(&["editor"])
        );
        assert_eq!(
            s.roles_of_user("t1", "u1").await.unwrap(),
            strings(&["admin"])
        );
    }

    pub(crate) async fn roles_delete_cascades(ctx: Ctx) {
        let s = &*ctx.store;
        s.create_role("admin", &strings(&["read", "write"]))
            .await
            .unwrap();
        s.create_role("other", &strings(&["read"])).await.unwrap();
        for (tenant, user) in [(PUBLIC, "u1"), (PUBLIC, "u2"), ("t1", "u1")] {
            s.add_user_role(tenant, user, "admin").await.unwrap();
            s.add_user_role(tenant, user, "other").await.unwrap();
        }
        assert!(s.delete_role("admin").await.unwrap());
        assert!(!s.delete_role("admin").await.unwrap());
        assert_eq!(s.roles().await.unwrap(), strings(&["other"]));
        assert_eq!(s.role_permissions("admin").await.unwrap(), None);
        assert_eq!(
            s.roles_with_permission("read").await.unwrap(),
            strings(&["other"])
        );
        assert!(s.roles_with_permission("write").await.unwrap().is_empty());
        for (tenant, user) in [(PUBLIC, "u1"), (PUBLIC, "u2"), ("t1", "u1")] {
            assert_eq!(
                s.roles_of_user(tenant, user).await.unwrap(),
                strings(&["other"])
            );
        }
        // A role made again under the same name starts empty.
        assert!(s.create_role("admin", &[]).await.unwrap());
        assert_eq!(s.role_permissions("admin").await.unwrap(), Some(vec![]));
        assert_eq!(
            s.users_with_role(PUBLIC, "admin").await.unwrap(),
            Some(vec![])
        );
        assert_eq!(
            s.users_with_role("t1", "admin").await.unwrap(),
            Some(vec![])
        );
    }

    pub(crate) async fn roles_concurrent_assign_and_delete(ctx: Ctx) {
        let s = &ctx.store;
        for round in 0..6 {
            let role = format!("r{round}");
            s.create_role(&role, &strings(&["p"])).await.unwrap();
            let mut tasks = Vec::new();
            for j in 0..6 {
                let s = Arc::clone(s);
                let role = role.clone();
                tasks.push(tokio::spawn(async move {
                    if j == 3 {
                        assert!(s.delete_role(&role).await.unwrap());
                        None
                    } else {
                        Some(
                            s.add_user_role(PUBLIC, &format!("u{j}"), &role)
                                .await
                                .unwrap(),
                        )
                    }
                }));
            }
            for task in tasks {
                if let Some(outcome) = task.await.unwrap() {
                    assert!(
                        matches!(
                            outcome,
                            AddUserRoleOutcome::Added | AddUserRoleOutcome::UnknownRole
                        ),
                        "{outcome:?}"
                    );
                }
            }
            // No assignment outlived the role.
            assert!(!s.roles().await.unwrap().contains(&role));
            for j in 0..6 {
                assert!(
                    s.roles_of_user(PUBLIC, &format!("u{j}"))
                        .await
                        .unwrap()
                        .is_empty(),
                    "round {round}, user u{j}"
                );
            }
            s.create_role(&role, &[]).await.unwrap();
            assert_eq!(
                s.users_with_role(PUBLIC, &role).await.unwrap(),
                Some(vec![])
            );
        }
    }

    pub(crate) async fn roles_concurrent_create(ctx: Ctx) {
        let s = &ctx.store;
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let s = Arc::clone(s);
                tokio::spawn(async move {
                    let permissions = strings(&["shared", &format!("p{i}")]);
                    s.create_role("admin", &permissions).await.unwrap()
                })
            })
            .collect();
        let mut created = 0;
        for task in tasks {
            if task.await.unwrap() {
                created += 1;
            }
        }
        assert_eq!(created, 1, "exactly one call creates the role");
        let mut expected: Vec<String> = (0..8).map(|i| format!("p{i}")).collect();
        expected.push("shared".to_owned());
        assert_eq!(s.role_permissions("admin").await.unwrap(), Some(expected));
    }
    // ---- Tenants, memberships and apps ----

    fn tenant(id: &str, first: Option<&[&str]>) -> TenantRecord {
        TenantRecord {
            tenant_id: id.to_owned(),
            first_factors: first.map(strings),
            required_secondary_factors: None,
            core_config: serde_json::Map::new(),
            created_at_ms: T0,
        }
    }

    async fn tenants_of(s: &dyn Storage, user_id: &str) -> Vec<String> {
        s.user_by_id(user_id).await.unwrap().unwrap().tenant_ids
    }

    pub(crate) async fn tenants_round_trip(ctx: Ctx) {
        let s = &*ctx.store;
        assert!(s.tenants().await.unwrap().is_empty());
        let mut t2 = tenant("t2", Some(&["emailpassword", "otp-email"]));
        t2.required_secondary_factors = Some(strings(&["totp"]));
        t2.core_config = object(json!({"passwordless_code_lifetime": 60000, "nested": {"a": [1]}}));
        let t1 = tenant("t1", Some(&[]));
        let t3 = tenant("t3", None);
        for t in [&t2, &t1, &t3] {
            assert!(s.insert_tenant(t).await.unwrap());
        }
        assert!(!s.insert_tenant(&tenant("t1", None)).await.unwrap());
        // Stored as given: an empty list is not "unset".
        assert_eq!(s.tenant("t1").await.unwrap(), Some(t1.clone()));
        assert_eq!(s.tenant("t2").await.unwrap(), Some(t2.clone()));
        assert_eq!(s.tenant("t3").await.unwrap(), Some(t3.clone()));
        assert_eq!(s.tenant("nope").await.unwrap(), None);
        assert_eq!(
            s.tenants().await.unwrap(),
            vec![t1.clone(), t2.clone(), t3.clone()]
        );

        let updated = TenantRecord {
            first_factors: None,
            required_secondary_factors: Some(strings(&["otp-phone"])),
            core_config: serde_json::Map::new(),
            created_at_ms: T0 + 99, // ignored: the creation time stays
            ..t2.clone()
        };
        assert!(s.update_tenant(&updated).await.unwrap());
        assert_eq!(
            s.tenant("t2").await.unwrap(),
            Some(TenantRecord {
                created_at_ms: T0,
                ..updated
            })
        );
        assert!(!s.update_tenant(&tenant("nope", None)).await.unwrap());
        assert_eq!(s.tenant("nope").await.unwrap(), None);
    }

    pub(crate) async fn tenants_user_membership(ctx: Ctx) {
        let s = &*ctx.store;
        use AddUserToTenantOutcome::*;
        insert_all(
            s,
            &[
                user("u1", EP, "t1", Some("a@x.com"), T0),
                user("u2", EP, "t3", Some("a@x.com"), T0 + 1),
                phone_user("p1", PL, "t1", "+15550001", T0 + 2),
                phone_user("p2", PL, "t3", "+15550001", T0 + 3),
                user("x1", PL, "t3", Some("a@x.com"), T0 + 4),
            ],
        )
        .await;
        assert_eq!(tenants_of(s, "u1").await, strings(&["t1"]));
        assert_eq!(s.user_by_email("t2", EP, "a@x.com").await.unwrap(), None);

        assert_eq!(s.add_user_to_tenant("t2", "u1").await.unwrap(), Added);
        assert_eq!(
            s.add_user_to_tenant("t2", "u1").await.unwrap(),
            AlreadyAssociated
        );
        assert_eq!(
            s.add_user_to_tenant("t2", "nobody").await.unwrap(),
            UnknownUser
        );
        assert_eq!(tenants_of(s, "u1").await, strings(&["t1", "t2"]));
        let found = s.user_by_email("t2", EP, "a@x.com").await.unwrap().unwrap();
        assert_eq!(found.user_id, "u1");
        assert_eq!(found.tenant_ids, strings(&["t1", "t2"]));
        assert_eq!(
            s.users_by_email("t2", "a@x.com").await.unwrap(),
            vec![found.clone()]
        );
        // Another emailpassword user of t3 has the email; a passwordless one does not count.
        assert_eq!(s.add_user_to_tenant("t3", "u1").await.unwrap(), EmailTaken);
        assert_eq!(
            s.add_user_to_tenant("t3", "p1").await.unwrap(),
            PhoneNumberTaken
        );
        assert_eq!(tenants_of(s, "u1").await, strings(&["t1", "t2"]));
        assert_eq!(s.add_user_to_tenant("t1", "x1").await.unwrap(), Added);

        // An email change must stay unique in every tenant of the user.
        insert_all(s, &[user("u3", EP, "t2", Some("b@x.com"), T0 + 5)]).await;
        assert_eq!(
            s.update_user_email("u1", "b@x.com").await.unwrap(),
            UpdateEmailOutcome::EmailTaken
        );
        assert_eq!(
            s.user_by_email("t1", EP, "a@x.com")
                .await
                .unwrap()
                .unwrap()
                .user_id,
            "u1"
        );
        assert_eq!(
            s.update_user_email("u1", "c@x.com").await.unwrap(),
            UpdateEmailOutcome::Updated
        );
        for t in ["t1", "t2"] {
            assert_eq!(
                s.user_by_email(t, EP, "c@x.com")
                    .await
                    .unwrap()
                    .map(|u| u.user_id),
                Some("u1".to_owned()),
                "{t}"
            );
            assert_eq!(s.user_by_email(t, EP, "a@x.com").await.unwrap(), None);
        }
        // Listing and counting go by membership.
        assert_eq!(s.count_users(Some("t2"), &[]).await.unwrap(), 2);
        assert_eq!(s.count_users(Some("t1"), &[]).await.unwrap(), 3);
        assert_eq!(s.count_users(None, &[]).await.unwrap(), 6);
        let query = ListUsersQuery {
            tenant_id: Some("t2".to_owned()),
            recipe_ids: Vec::new(),
            newest_first: false,
            after: None,
            limit: 10,
        };
        let listed: Vec<String> = s
            .list_users(&query)
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.user_id)
            .collect();
        assert_eq!(listed, strings(&["u1", "u3"]));

        // Leaving a tenant; the user stays in the app even without any tenant.
        assert!(s.remove_user_from_tenant("t1", "u1").await.unwrap());
        assert!(!s.remove_user_from_tenant("t1", "u1").await.unwrap());
        assert_eq!(tenants_of(s, "u1").await, strings(&["t2"]));
        assert_eq!(s.user_by_email("t1", EP, "c@x.com").await.unwrap(), None);
        assert!(s.remove_user_from_tenant("t2", "u1").await.unwrap());
        assert!(tenants_of(s, "u1").await.is_empty());
        assert_eq!(s.count_users(None, &[]).await.unwrap(), 6);
        // ... and can join one again.
        assert_eq!(s.add_user_to_tenant("t3", "u1").await.unwrap(), Added);
        assert_eq!(tenants_of(s, "u1").await, strings(&["t3"]));
        // Deleting the user deletes its memberships.
        assert!(s.delete_user("u1").await.unwrap());
        assert_eq!(s.count_users(Some("t3"), &[]).await.unwrap(), 3);
        insert_all(s, &[user("u1b", EP, "t3", Some("c@x.com"), T0 + 6)]).await;
    }

    pub(crate) async fn tenants_remove_user_takes_its_tenant_data(ctx: Ctx) {
        let s = &*ctx.store;
        insert_all(s, &[user("u1", EP, "t1", Some("a@x.com"), T0)]).await;
        assert_eq!(
            s.add_user_to_tenant("t2", "u1").await.unwrap(),
            AddUserToTenantOutcome::Added
        );
        for (handle, tenant) in [("s1", "t1"), ("s2", "t2")] {
            s.insert_session(&session(handle, "u1", tenant, T0 + 1000))
                .await
                .unwrap();
        }
        s.create_role("admin", &[]).await.unwrap();
        for t in ["t1", "t2"] {
            s.add_user_role(t, "u1", "admin").await.unwrap();
        }
        insert_ev_tokens(
            s,
            &[
                ev_token("h1", "t1", "u1", "a@x.com", T0 + 1000),
                ev_token("h2", "t2", "u1", "a@x.com", T0 + 1000),
            ],
        )
        .await;
        assert!(s.remove_user_from_tenant("t1", "u1").await.unwrap());
        assert_eq!(s.session("s1").await.unwrap(), None);
        assert!(s.session("s2").await.unwrap().is_some());
        assert!(s.roles_of_user("t1", "u1").await.unwrap().is_empty());
        assert_eq!(
            s.roles_of_user("t2", "u1").await.unwrap(),
            strings(&["admin"])
        );
        assert_eq!(
            s.use_email_verification_token("t1", "h1", T0)
                .await
                .unwrap(),
            UseVerificationTokenOutcome::Unknown
        );
        assert_eq!(
            s.use_email_verification_token("t2", "h2", T0)
                .await
                .unwrap(),
            verified("u1", "a@x.com")
        );
        // A free-form id (a user of a non-auth recipe) with data in the tenant.
        s.add_user_role("t2", "external", "admin").await.unwrap();
        assert!(s.remove_user_from_tenant("t2", "external").await.unwrap());
        assert!(s.roles_of_user("t2", "external").await.unwrap().is_empty());
        assert!(!s.remove_user_from_tenant("t2", "nothing").await.unwrap());
    }

    pub(crate) async fn tenants_delete_takes_the_tenant_data(ctx: Ctx) {
        let s = &*ctx.store;
        assert!(s.insert_tenant(&tenant("t1", None)).await.unwrap());
        insert_all(
            s,
            &[
                user("u1", EP, PUBLIC, Some("a@x.com"), T0),
                user("u2", EP, "t1", Some("b@x.com"), T0),
            ],
        )
        .await;
        s.add_user_to_tenant("t1", "u1").await.unwrap();
        for (handle, tenant) in [("s1", "t1"), ("s2", PUBLIC)] {
            s.insert_session(&session(handle, "u1", tenant, T0 + 1000))
                .await
                .unwrap();
        }
        s.create_role("admin", &[]).await.unwrap();
        s.add_user_role("t1", "u1", "admin").await.unwrap();
        s.add_user_role(PUBLIC, "u1", "admin").await.unwrap();
        insert_ev_tokens(
            s,
            &[
                ev_token("h1", "t1", "u1", "a@x.com", T0 + 1000),
                ev_token("h2", PUBLIC, "u1", "a@x.com", T0 + 1000),
            ],
        )
        .await;
        add_device(s, &email_device("d1", "t1", "a@x.com"), "c1").await;
        add_device(s, &email_device("d2", PUBLIC, "a@x.com"), "c2").await;

        assert!(s.delete_tenant("t1").await.unwrap());
        assert!(!s.delete_tenant("t1").await.unwrap());
        assert_eq!(s.tenant("t1").await.unwrap(), None);
        // The users stay in the app, in their other tenants or in none.
        assert_eq!(tenants_of(s, "u1").await, strings(&[PUBLIC]));
        assert!(tenants_of(s, "u2").await.is_empty());
        assert_eq!(s.count_users(Some("t1"), &[]).await.unwrap(), 0);
        assert_eq!(s.session("s1").await.unwrap(), None);
        assert!(s.session("s2").await.unwrap().is_some());
        assert!(s.roles_of_user("t1", "u1").await.unwrap().is_empty());
        assert_eq!(
            s.roles_of_user(PUBLIC, "u1").await.unwrap(),
            strings(&["admin"])
        );
        assert_eq!(
            s.use_email_verification_token("t1", "h1", T0)
                .await
                .unwrap(),
            UseVerificationTokenOutcome::Unknown
        );
        assert_device_gone(s, "t1", "d1", &["c1"]).await;
        assert!(s.passwordless_device(PUBLIC, "d2").await.unwrap().is_some());
        assert_eq!(
            s.use_email_verification_token(PUBLIC, "h2", T0)
                .await
                .unwrap(),
            verified("u1", "a@x.com")
        );
        // A tenant re-created with the same id starts empty.
        assert!(s.insert_tenant(&tenant("t1", None)).await.unwrap());
        assert_eq!(s.count_users(Some("t1"), &[]).await.unwrap(), 0);
    }

    pub(crate) async fn apps_registry(ctx: Ctx) {
        let s = &*ctx.store;
        assert!(s.apps().await.unwrap().is_empty());
        let app = |id: &str, config: serde_json::Value| AppRecord {
            app_id: id.to_owned(),
            core_config: object(config),
            created_at_ms: T0,
        };
        let b = app("b-2", json!({"access_token_validity": 60}));
        let a = app("a-1", json!({}));
        assert!(s.insert_app(&b).await.unwrap());
        assert!(s.insert_app(&a).await.unwrap());
        assert!(!s.insert_app(&app("a-1", json!({"x": 1}))).await.unwrap());
        assert_eq!(s.apps().await.unwrap(), vec![a.clone(), b.clone()]);
        assert_eq!(s.app("b-2").await.unwrap(), Some(b.clone()));
        assert_eq!(s.app("c").await.unwrap(), None);
        let changed = app("b-2", json!({"refresh_token_validity": 120.5}));
        assert!(s.update_app(&changed).await.unwrap());
        assert_eq!(s.app("b-2").await.unwrap(), Some(changed));
        assert!(!s.update_app(&app("c", json!({}))).await.unwrap());
        assert!(s.delete_app("a-1").await.unwrap());
        assert!(!s.delete_app("a-1").await.unwrap());
        assert_eq!(s.apps().await.unwrap().len(), 1);
    }

    pub(crate) async fn app_storages_are_separate_databases(ctx: Ctx) {
        let connection =
            supertokens_storage::connect_with_apps(&ctx.url, &ConnectOptions::default())
                .await
                .unwrap();
        let main = &*connection.main;
        let a = connection.apps.open("app-a").await.unwrap();
        let b = connection.apps.open("b").await.unwrap();
        assert_eq!(a.backend(), ctx.backend);
        // The same id and email in three apps are three different users.
        for (store, time) in [(main, T0), (&*a, T0 + 1), (&*b, T0 + 2)] {
            insert_all(store, &[user("u1", EP, PUBLIC, Some("a@x.com"), time)]).await;
        }
        for (store, time) in [(main, T0), (&*a, T0 + 1), (&*b, T0 + 2)] {
            assert_eq!(
                store
                    .user_by_id("u1")
                    .await
                    .unwrap()
                    .unwrap()
                    .time_joined_ms,
                time
            );
            assert_eq!(store.count_users(None, &[]).await.unwrap(), 1);
        }
        s_roles_and_sessions(&*a).await;
        assert!(b.roles().await.unwrap().is_empty());
        assert_eq!(b.session("s1").await.unwrap(), None);
        assert!(main.roles().await.unwrap().is_empty());
        // Opening again (another core, or after a restart) finds the data.
        let again = connection.apps.open("app-a").await.unwrap();
        assert_eq!(again.roles().await.unwrap(), strings(&["admin"]));
        // Destroying an app drops its data; opening it again starts empty.
        again.close().await;
        a.close().await;
        connection.apps.destroy("app-a").await.unwrap();
        connection.apps.destroy("app-a").await.unwrap();
        let fresh = connection.apps.open("app-a").await.unwrap();
        assert_eq!(fresh.count_users(None, &[]).await.unwrap(), 0);
        assert!(fresh.roles().await.unwrap().is_empty());
        assert_eq!(b.count_users(None, &[]).await.unwrap(), 1);
        fresh.close().await;
        b.close().await;
        for id in ["app-a", "b"] {
            connection.apps.destroy(id).await.unwrap();
        }
        assert!(connection.apps.open("Bad_Id").await.is_err());
    }

    async fn s_roles_and_sessions(s: &dyn Storage) {
        s.create_role("admin", &[]).await.unwrap();
        s.insert_session(&session("s1", "u1", PUBLIC, T0 + 1000))
            .await
            .unwrap();
    }

    pub(crate) async fn multitenancy_migration_backfills_user_tenants(ctx: Ctx) {
        let s = &*ctx.store;
        insert_all(
            s,
            &[
                user("u1", EP, PUBLIC, Some("a@x.com"), T0),
                phone_user("p1", PL, PUBLIC, "+15550001", T0),
            ],
        )
        .await;
        // Back to the schema before the migration (users keep a tenant), then migrate again.
        let revert = match ctx.backend {
            "sqlite" => {
                "DROP TABLE user_tenants; DROP TABLE tenants; DROP TABLE apps; \
                 ALTER TABLE users ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'public'"
            }
            "postgres" => {
                "DROP TABLE user_tenants; DROP TABLE tenants; DROP TABLE apps; \
                 ALTER TABLE users ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'public'; \
                 ALTER TABLE users ADD CONSTRAINT users_email_uq UNIQUE (tenant_id, recipe_id, email); \
                 ALTER TABLE users ADD CONSTRAINT users_phone_uq UNIQUE (tenant_id, recipe_id, phone_number)"
            }
            _ => {
                "DROP TABLE user_tenants; DROP TABLE tenants; DROP TABLE apps; \
                 ALTER TABLE users ADD COLUMN tenant_id VARCHAR(64) NOT NULL DEFAULT 'public', \
                 ADD UNIQUE KEY users_email_uq (tenant_id, recipe_id, email), \
                 ADD UNIQUE KEY users_phone_uq (tenant_id, recipe_id, phone_number)"
            }
        };
        run_statements(&ctx, revert).await;
        run_statements(
            &ctx,
            "UPDATE users SET tenant_id = 't1' WHERE user_id = 'p1'; \
             DELETE FROM _sqlx_migrations WHERE version = 20261125000000",
        )
        .await;
        let migrated = supertokens_storage::connect(&ctx.url, &ConnectOptions::default())
            .await
            .unwrap();
        assert_eq!(tenants_of(&*migrated, "u1").await, strings(&[PUBLIC]));
        assert_eq!(tenants_of(&*migrated, "p1").await, strings(&["t1"]));
        assert_eq!(
            migrated
                .user_by_email(PUBLIC, EP, "a@x.com")
                .await
                .unwrap()
                .map(|u| u.user_id),
            Some("u1".to_owned())
        );
        assert_eq!(
            migrated
                .users_by_phone_number("t1", "+15550001")
                .await
                .unwrap()
                .len(),
            1
        );
        // The uniqueness moved to the memberships.
        assert_eq!(
            migrated
                .insert_user(&user("u2", EP, PUBLIC, Some("a@x.com"), T0))
                .await
                .unwrap(),
            InsertUserOutcome::EmailTaken
        );
        assert_eq!(
            migrated
                .insert_user(&user("u3", EP, "t1", Some("a@x.com"), T0))
                .await
                .unwrap(),
            InsertUserOutcome::Inserted
        );
    }

    // ---- Rate limits ----

    fn limit_key<'a>(bucket: &'a str, tenant_id: &'a str, key_hash: &'a str) -> RateLimitKey<'a> {
        RateLimitKey {
            bucket,
            tenant_id,
            key_hash,
        }
    }

    fn limit_record(hits: u64, at: i64) -> RateLimitRecord {
        RateLimitRecord {
            hits,
            window_started_at_ms: at,
            last_hit_at_ms: at + 1,
            expires_at_ms: at + 1000,
        }
    }

    /// One more hit unless `max` are counted; whether it was counted.
    async fn hit_below(s: &dyn Storage, key: &RateLimitKey<'_>, max: u64) -> bool {
        let before = s
            .update_rate_limit(key, &|r: &RateLimitRecord| {
                (r.hits < max).then(|| RateLimitRecord {
                    hits: r.hits + 1,
                    ..limit_record(0, T0)
                })
            })
            .await
            .unwrap();
        before.hits < max
    }

    pub(crate) async fn rate_limits_update_and_delete(ctx: Ctx) {
        let s = &*ctx.store;
        let key = limit_key("sign_in", PUBLIC, "h1");
        assert_eq!(s.rate_limit(&key).await.unwrap(), RateLimitRecord::EMPTY);
        // A counter that is not there reads as empty and is written as given.
        let seen = s
            .update_rate_limit(&key, &|_: &RateLimitRecord| Some(limit_record(1, T0)))
            .await
            .unwrap();
        assert_eq!(seen, RateLimitRecord::EMPTY);
        assert_eq!(s.rate_limit(&key).await.unwrap(), limit_record(1, T0));
        // The update sees the stored state; `None` leaves it as it is.
        let seen = s
            .update_rate_limit(&key, &|r: &RateLimitRecord| {
                Some(RateLimitRecord {
                    hits: r.hits + 1,
                    last_hit_at_ms: T0 + 5,
                    ..*r
                })
            })
            .await
            .unwrap();
        assert_eq!(seen, limit_record(1, T0));
        let two = RateLimitRecord {
            hits: 2,
            last_hit_at_ms: T0 + 5,
            ..limit_record(1, T0)
        };
        assert_eq!(s.rate_limit(&key).await.unwrap(), two);
        let seen = s
            .update_rate_limit(&key, &|_: &RateLimitRecord| None)
            .await
            .unwrap();
        assert_eq!(seen, two);
        assert_eq!(s.rate_limit(&key).await.unwrap(), two);
        // Large counts and times survive the round trip.
        let big = RateLimitRecord {
            hits: u64::try_from(i64::MAX).unwrap(),
            window_started_at_ms: i64::MAX - 1,
            last_hit_at_ms: -1,
            expires_at_ms: i64::MAX,
        };
        let other_bucket = limit_key("sign_up", PUBLIC, "h1");
        s.update_rate_limit(&other_bucket, &move |_: &RateLimitRecord| Some(big))
            .await
            .unwrap();
        assert_eq!(s.rate_limit(&other_bucket).await.unwrap(), big);
        // Counters are apart by bucket, tenant and key.
        let other_tenant = limit_key("sign_in", "t1", "h1");
        let other_key = limit_key("sign_in", PUBLIC, "h2");
        for k in [&other_tenant, &other_key] {
            assert_eq!(s.rate_limit(k).await.unwrap(), RateLimitRecord::EMPTY);
            s.update_rate_limit(k, &|_: &RateLimitRecord| Some(limit_record(7, T0)))
                .await
                .unwrap();
        }
        assert_eq!(s.rate_limit(&key).await.unwrap(), two);
        // Deleting in one tenant, then in every tenant, keeps other buckets and keys.
        assert_eq!(
            s.delete_rate_limits("sign_in", "h1", Some("t1"))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            s.rate_limit(&other_tenant).await.unwrap(),
            RateLimitRecord::EMPTY
        );
        assert_eq!(s.rate_limit(&key).await.unwrap(), two);
        s.update_rate_limit(&other_tenant, &|_: &RateLimitRecord| {
            Some(limit_record(3, T0))
        })
        .await
        .unwrap();
        assert_eq!(
            s.delete_rate_limits("sign_in", "h1", None).await.unwrap(),
            2
        );
        assert_eq!(
            s.delete_rate_limits("sign_in", "h1", None).await.unwrap(),
            0
        );
        assert_eq!(s.rate_limit(&key).await.unwrap(), RateLimitRecord::EMPTY);
        assert_eq!(s.rate_limit(&other_key).await.unwrap(), limit_record(7, T0));
        assert_eq!(s.rate_limit(&other_bucket).await.unwrap(), big);
        // A deleted counter starts over.
        assert!(hit_below(s, &key, 1).await);
        assert!(!hit_below(s, &key, 1).await);
        // Deleting a tenant takes its counters.
        assert!(s.insert_tenant(&tenant("t2", None)).await.unwrap());
        let in_t2 = limit_key("sign_in", "t2", "h1");
        assert!(hit_below(s, &in_t2, 5).await);
        assert!(s.delete_tenant("t2").await.unwrap());
        assert_eq!(s.rate_limit(&in_t2).await.unwrap(), RateLimitRecord::EMPTY);
        assert_eq!(s.rate_limit(&key).await.unwrap().hits, 1);
    }

    pub(crate) async fn rate_limits_concurrent_hits_never_exceed_the_limit(ctx: Ctx) {
        // Two stores on one database stand for two cores; 40 concurrent hits of one counter
        // (first hits included: the counter does not exist yet) count exactly 10.
        let second = supertokens_storage::connect(&ctx.url, &ConnectOptions::default())
            .await
            .unwrap();
        for round in 0..2 {
            let key_hash = format!("h{round}");
            let tasks: Vec<_> = (0..40)
                .map(|i| {
                    let s = if i % 2 == 0 {
                        Arc::clone(&ctx.store)
                    } else {
                        Arc::clone(&second)
                    };
                    let key_hash = key_hash.clone();
                    tokio::spawn(async move {
                        hit_below(&*s, &limit_key("sign_up", PUBLIC, &key_hash), 10).await
                    })
                })
                .collect();
            let mut counted = 0;
            for task in tasks {
                counted += usize::from(task.await.unwrap());
            }
            assert_eq!(counted, 10, "round {round}");
            let stored = ctx
                .store
                .rate_limit(&limit_key("sign_up", PUBLIC, &key_hash))
                .await
                .unwrap();
            assert_eq!(stored.hits, 10, "round {round}");
        }
        // Concurrent increments without a limit lose none.
        let tasks: Vec<_> = (0..30)
            .map(|i| {
                let s = if i % 2 == 0 {
                    Arc::clone(&ctx.store)
                } else {
                    Arc::clone(&second)
                };
                tokio::spawn(async move {
                    hit_below(&*s, &limit_key("sign_in", PUBLIC, "all"), u64::MAX).await
                })
            })
            .collect();
        for task in tasks {
            assert!(task.await.unwrap());
        }
        assert_eq!(
            second
                .rate_limit(&limit_key("sign_in", PUBLIC, "all"))
                .await
                .unwrap()
                .hits,
            30
        );
    }

    pub(crate) async fn rate_limits_window_hits(ctx: Ctx) {
        let s = &*ctx.store;
        let key = limit_key("sign_up", PUBLIC, "w1");
        let hit = |at: i64| s.hit_rate_limit_window(&key, at, 1000);
        let window = |hits: u64, started: i64, last: i64| RateLimitRecord {
            hits,
            window_started_at_ms: started,
            last_hit_at_ms: last,
            expires_at_ms: started + 1000,
        };
        assert_eq!(hit(T0).await.unwrap(), window(1, T0, T0));
        assert_eq!(hit(T0 + 10).await.unwrap(), window(2, T0, T0 + 10));
        assert_eq!(hit(T0 + 999).await.unwrap(), window(3, T0, T0 + 999));
        assert_eq!(s.rate_limit(&key).await.unwrap(), window(3, T0, T0 + 999));
        // The window has passed: a new one opens with this hit.
        assert_eq!(
            hit(T0 + 1000).await.unwrap(),
            window(1, T0 + 1000, T0 + 1000)
        );
        // Counters are apart by tenant and key; an empty counter opens a window.
        let other = limit_key("sign_up", "t1", "w1");
        s.update_rate_limit(&other, &|_: &RateLimitRecord| Some(RateLimitRecord::EMPTY))
            .await
            .unwrap();
        assert_eq!(
            s.hit_rate_limit_window(&other, T0 + 5, 50).await.unwrap(),
            RateLimitRecord {
                hits: 1,
                window_started_at_ms: T0 + 5,
                last_hit_at_ms: T0 + 5,
                expires_at_ms: T0 + 55,
            }
        );
        assert_eq!(s.rate_limit(&key).await.unwrap().hits, 1);
        // Concurrent hits from two stores (two cores), first hits included, each see a
        // different count: none is lost and none is counted twice.
        let second = supertokens_storage::connect(&ctx.url, &ConnectOptions::default())
            .await
            .unwrap();
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let s = if i % 2 == 0 {
                    Arc::clone(&ctx.store)
                } else {
                    Arc::clone(&second)
                };
                tokio::spawn(async move {
                    s.hit_rate_limit_window(
                        &limit_key("passwordless_code", PUBLIC, "c"),
                        T0,
                        60_000,
                    )
                    .await
                    .unwrap()
                    .hits
                })
            })
            .collect();
        let mut counts = Vec::new();
        for task in tasks {
            counts.push(task.await.unwrap());
        }
        counts.sort_unstable();
        assert_eq!(counts, (1..=40).collect::<Vec<u64>>());
    }

    pub(crate) async fn rate_limits_delete_expired_in_batches(ctx: Ctx) {
        let s = &*ctx.store;
        let expiring = |expires_at_ms: i64| {
            move |_: &RateLimitRecord| {
                Some(RateLimitRecord {
                    expires_at_ms,
                    ..limit_record(1, T0)
                })
            }
        };
        for i in 0..7 {
            s.update_rate_limit(
                &limit_key("sign_in", PUBLIC, &format!("old{i}")),
                &expiring(T0 - 1 - i),
            )
            .await
            .unwrap();
        }
        s.update_rate_limit(&limit_key("sign_in", PUBLIC, "at_now"), &expiring(T0))
            .await
            .unwrap();
        s.update_rate_limit(&limit_key("sign_up", "t1", "fresh"), &expiring(T0 + 10_000))
            .await
            .unwrap();
        for expected in [3, 3, 1, 0] {
            assert_eq!(s.delete_expired_rate_limits(T0, 3).await.unwrap(), expected);
        }
        for i in 0..7 {
            assert_eq!(
                s.rate_limit(&limit_key("sign_in", PUBLIC, &format!("old{i}")))
                    .await
                    .unwrap(),
                RateLimitRecord::EMPTY
            );
        }
        assert_eq!(
            s.rate_limit(&limit_key("sign_in", PUBLIC, "at_now"))
                .await
                .unwrap()
                .expires_at_ms,
            T0
        );
        assert_eq!(
            s.rate_limit(&limit_key("sign_up", "t1", "fresh"))
                .await
                .unwrap()
                .hits,
            1
        );
    }
}

/// `connect` itself, independent of a backend's conformance.
mod connect {
    use supertokens_storage::{RECIPE_EMAILPASSWORD, StorageError, UserRecord};

    use super::*;

    #[tokio::test]
    async fn rejects_unknown_schemes() {
        for url in ["redis://localhost", "no-scheme-here", "oracle:thin@x"] {
            match supertokens_storage::connect(url, &ConnectOptions::default()).await {
                Err(StorageError::Config(msg)) => assert!(msg.contains("scheme"), "{msg}"),
                other => panic!(
                    "{url}: expected a config error, got {:?}",
                    other.map(|_| ())
                ),
            }
        }
    }

    #[tokio::test]
    async fn errors_never_show_the_password() {
        for url in [
            "postgres://user:hunter2secret@127.0.0.1:1/db",
            "mysql://user:hunter2secret@127.0.0.1:1/db",
            "mariadb://user:hunter2secret@127.0.0.1:1/db",
        ] {
            let options = ConnectOptions {
                max_connections: 1,
                acquire_timeout: std::time::Duration::from_secs(2),
                ..ConnectOptions::default()
            };
            let err = supertokens_storage::connect(url, &options)
                .await
                .err()
                .unwrap();
            assert!(matches!(err, StorageError::Unavailable(_)), "{url}: {err}");
            assert!(!err.to_string().contains("hunter2secret"), "{err}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn in_memory_sqlite_is_one_shared_database() {
        let store = supertokens_storage::connect("sqlite::memory:", &ConnectOptions::default())
            .await
            .unwrap();
        assert_eq!(store.backend(), "sqlite");
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let store = Arc::clone(&store);
                tokio::spawn(async move {
                    let user = UserRecord {
                        user_id: format!("u{i}"),
                        recipe_id: RECIPE_EMAILPASSWORD.to_owned(),
                        tenant_ids: vec!["public".to_owned()],
                        email: Some(format!("u{i}@x.com")),
                        phone_number: None,
                        password_hash: None,
                        time_joined_ms: i,
                    };
                    store.insert_user(&user).await.unwrap();
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(store.count_users(None, &[]).await.unwrap(), 10);
        // A second in-memory store is a different database.
        let other = supertokens_storage::connect("sqlite::memory:", &ConnectOptions::default())
            .await
            .unwrap();
        assert_eq!(other.count_users(None, &[]).await.unwrap(), 0);
    }
}
