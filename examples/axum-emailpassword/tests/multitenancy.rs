//! Several apps and tenants in one core, through the Rust SDK: the built `example-axum`
//! binary is started twice, once per app of an in-process core (connection URI
//! `<core>/appid-<app>`), and driven over its FDI as a frontend would. The apps' tenants are
//! managed with the SDK's multitenancy functions (`supertokens::multitenancy`).
//!
//! The core runs on a manual clock set to the wall clock, so that the example (which reads
//! the wall clock) accepts its tokens; moving the core's clock back makes tokens that are
//! already expired, which shows an app's `access_token_validity` without waiting.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use supertokens::multitenancy::{self, AssociateUserToTenantResult, TenantInput};
use supertokens::{AppInfo, SuperTokens, SuperTokensConfig};
use supertokens_core_engine::{Clock, ManualClock, SystemClock};
use supertokens_tests::{API_KEY, TestCore, TestCoreOptions, start_core_with_clock};

const SHOP: &str = "shop";
const BLOG: &str = "blog";
/// `shop`'s override of the core's `access_token_validity` (s); the test core's own is 60 s.
const SHOP_VALIDITY: i64 = 5;
const BASE_VALIDITY: i64 = 60;
const PASSWORD: &str = "Passw0rd123";

/// A running `example-axum`, killed when dropped.
struct Example {
    name: &'static str,
    base_url: String,
    child: Child,
    stderr: PathBuf,
    _logs: tempfile::TempDir,
    http: reqwest::Client,
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer of the example: status, JSON body (or the text as a JSON string), the access
/// token it handed out (header mode).
#[derive(Debug)]
struct Reply {
    status: u16,
    body: Value,
    access_token: Option<String>,
}

impl Reply {
    fn payload(&self) -> Value {
        let token = self.access_token.as_deref().expect("an access token");
        let payload = token.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap()
    }

    fn lifetime(&self) -> i64 {
        let payload = self.payload();
        payload["exp"].as_i64().unwrap() - payload["iat"].as_i64().unwrap()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Example {
    /// Starts the example against app `app` of `core` and waits until it answers.
    async fn start(core: &TestCore, name: &'static str, app: &str) -> Self {
        let port = free_port();
        let logs = tempfile::tempdir().unwrap();
        let stderr = logs.path().join("stderr.log");
        let child = Command::new(env!("CARGO_BIN_EXE_example-axum"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env(
                "SUPERTOKENS_CONNECTION_URI",
                format!("{}/appid-{app}", core.base_url),
            )
            .env("SUPERTOKENS_API_KEY", API_KEY)
            .env("WEBSITE_DOMAIN", "http://localhost:3000")
            .env("EMAIL_VERIFICATION", "off")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(logs.path().join("stdout.log")).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("example-axum starts");
        let mut example = Self {
            name,
            base_url: format!("http://127.0.0.1:{port}"),
            child,
            stderr,
            _logs: logs,
            http: reqwest::Client::new(),
        };
        for _ in 0..400 {
            if let Some(status) = example.child.try_wait().unwrap() {
                panic!(
                    "{name}: example-axum exited ({status}): {}",
                    example.stderr_text()
                );
            }
            if example
                .http
                .get(format!("{}/sessioninfo", example.base_url))
                .send()
                .await
                .is_ok()
            {
                return example;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{name}: example-axum did not answer within 20 s");
    }

    fn stderr_text(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// The process is still running and has not panicked.
    fn assert_healthy(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "{}: example-axum exited: {}",
            self.name,
            self.stderr_text()
        );
        assert!(
            !self.stderr_text().contains("panicked"),
            "{}: example-axum panicked: {}",
            self.name,
            self.stderr_text()
        );
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .header("st-auth-mode", "header")
            .header("fdi-version", "3.1,4.0,4.1,4.2");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let access_token = response
            .headers()
            .get("st-access-token")
            .map(|value| value.to_str().unwrap().to_owned());
        let text = response.text().await.unwrap();
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
            access_token,
        }
    }

    /// `POST /auth<tenant>/<action>` with email and password (`tenant` is `""` or `/t1`).
    async fn email_password(
        &self,
        tenant: &str,
        action: &str,
        email: &str,
        password: &str,
    ) -> Reply {
        self.call(
            reqwest::Method::POST,
            &format!("/auth{tenant}/{action}"),
            Some(json!({"formFields": [
                {"id": "email", "value": email},
                {"id": "password", "value": password},
            ]})),
            &[("rid", "emailpassword")],
        )
        .await
    }

    async fn login_methods(&self, tenant: &str) -> Reply {
        self.call(
            reqwest::Method::GET,
            &format!("/auth{tenant}/loginmethods"),
            None,
            &[("rid", "multitenancy")],
        )
        .await
    }

    async fn session_info(&self, access_token: &str) -> Reply {
        self.call(
            reqwest::Method::GET,
            "/sessioninfo",
            None,
            &[("authorization", &format!("Bearer {access_token}"))],
        )
        .await
    }
}

/// An SDK for an app of the core, as an admin tool would make one (to manage tenants).
fn admin_sdk(core: &TestCore, app: &str) -> Arc<SuperTokens> {
    supertokens::init(SuperTokensConfig {
        app_info: AppInfo {
            app_name: "tenant admin".into(),
            api_domain: "http://localhost:3001".into(),
            website_domain: "http://localhost:3000".into(),
            api_base_path: None,
            website_base_path: None,
        },
        connection_uri: format!("{}/appid-{app}", core.base_url),
        api_key: Some(API_KEY.into()),
        rate_limits: supertokens::RateLimitConfig::default(),
        recipe_list: vec![supertokens_session::init(Default::default())],
    })
    .unwrap()
}

fn factors(list: &[&str]) -> TenantInput {
    TenantInput {
        first_factors: Some(Some(list.iter().map(|f| (*f).to_owned()).collect())),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_apps_and_their_tenants_through_the_axum_example() {
    let clock = Arc::new(ManualClock::new(SystemClock.now_ms()));
    let core = start_core_with_clock(TestCoreOptions::default(), clock.clone())
        .await
        .unwrap();
    let (status, body) = core
        .put(
            "/recipe/multitenancy/app/v2",
            json!({"appId": SHOP, "coreConfig": {"access_token_validity": SHOP_VALIDITY}}),
        )
        .await
        .unwrap();
    assert_eq!(
        (status, &body),
        (200, &json!({"status": "OK", "createdNew": true}))
    );
    let (status, body) = core
        .put("/recipe/multitenancy/app/v2", json!({"appId": BLOG}))
        .await
        .unwrap();
    assert_eq!(
        (status, &body),
        (200, &json!({"status": "OK", "createdNew": true}))
    );
    let mut shop = Example::start(&core, "shop", SHOP).await;
    let mut blog = Example::start(&core, "blog", BLOG).await;

    // The same email in both apps: two users, each unknown to the other app.
    let email = "same@example.com";
    let in_shop = shop
        .email_password("", "signup", email, "ShopPassw0rd")
        .await;
    assert_eq!(in_shop.body["status"], "OK", "{in_shop:?}");
    let in_blog = blog
        .email_password("", "signup", email, "BlogPassw0rd")
        .await;
    assert_eq!(in_blog.body["status"], "OK", "{in_blog:?}");
    let shop_user = in_shop.body["user"]["id"].as_str().unwrap().to_owned();
    let blog_user = in_blog.body["user"]["id"].as_str().unwrap().to_owned();
    assert_ne!(shop_user, blog_user);
    let crossed = blog
        .email_password("", "signin", email, "ShopPassw0rd")
        .await;
    assert_eq!(crossed.body, json!({"status": "WRONG_CREDENTIALS_ERROR"}));
    let shop_admin = admin_sdk(&core, SHOP);
    let blog_admin = admin_sdk(&core, BLOG);
    assert!(
        supertokens::users::get_user_by_id(shop_admin.querier(), &blog_user)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        supertokens::users::get_user_by_id(blog_admin.querier(), &shop_user)
            .await
            .unwrap()
            .is_none()
    );
    let (_, by_email) = core
        .get("/users/by-accountinfo?email=same%40example.com&doUnionOfAccountInfo=false")
        .await
        .unwrap();
    assert_eq!(by_email["users"], json!([]), "the public app has neither");

    // Each app's access_token_validity: shop's override, blog the core's own.
    assert_eq!(in_shop.lifetime(), SHOP_VALIDITY, "{:?}", in_shop.payload());
    assert_eq!(in_blog.lifetime(), BASE_VALIDITY, "{:?}", in_blog.payload());
    assert_eq!(in_shop.payload()["tId"], "public");
    assert_eq!(
        shop.session_info(in_shop.access_token.as_deref().unwrap())
            .await
            .status,
        200
    );
    // Tokens minted 30 s ago (the core's clock moved back): shop's have expired, blog's not.
    clock.set(SystemClock.now_ms() - 30_000);
    let old_shop = shop
        .email_password("", "signin", email, "ShopPassw0rd")
        .await;
    let old_blog = blog
        .email_password("", "signin", email, "BlogPassw0rd")
        .await;
    clock.set(SystemClock.now_ms());
    let expired = shop
        .session_info(old_shop.access_token.as_deref().unwrap())
        .await;
    assert_eq!(
        (expired.status, &expired.body),
        (401, &json!({"message": "try refresh token"}))
    );
    let live = blog
        .session_info(old_blog.access_token.as_deref().unwrap())
        .await;
    assert_eq!(live.status, 200, "{live:?}");
    assert_eq!(live.body["userId"], blog_user.as_str());
    // Each app's backend accepts only its app's tokens (signing keys are per app).
    let foreign = blog
        .session_info(in_shop.access_token.as_deref().unwrap())
        .await;
    assert_eq!(foreign.status, 401, "{foreign:?}");

    // Tenants of shop, made with the SDK's functions; blog does not see them.
    let created =
        multitenancy::create_or_update_tenant(&shop_admin, "t1", factors(&["emailpassword"]))
            .await
            .unwrap();
    assert!(created);
    let created = multitenancy::create_or_update_tenant(&shop_admin, "t2", factors(&["otp-phone"]))
        .await
        .unwrap();
    assert!(created);
    assert!(
        !multitenancy::create_or_update_tenant(&shop_admin, "t1", factors(&["emailpassword"]))
            .await
            .unwrap()
    );
    let t1 = multitenancy::get_tenant(&shop_admin, "t1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t1.first_factors, Some(vec!["emailpassword".to_owned()]));
    let mut ids: Vec<String> = multitenancy::list_all_tenants(&shop_admin)
        .await
        .unwrap()
        .into_iter()
        .map(|tenant| tenant.tenant_id)
        .collect();
    ids.sort();
    assert_eq!(ids, ["public", "t1", "t2"]);
    let blog_tenants = multitenancy::list_all_tenants(&blog_admin).await.unwrap();
    assert_eq!(blog_tenants.len(), 1);
    assert!(
        multitenancy::get_tenant(&blog_admin, "t1")
            .await
            .unwrap()
            .is_none()
    );

    // The tenant routes follow each tenant's first factors.
    let methods = shop.login_methods("/t1").await;
    assert_eq!(methods.status, 200, "{methods:?}");
    assert_eq!(methods.body["firstFactors"], json!(["emailpassword"]));
    assert_eq!(methods.body["emailPassword"]["enabled"], true);
    assert_eq!(methods.body["passwordless"]["enabled"], false);
    let methods = shop.login_methods("/t2").await;
    assert_eq!(methods.body["firstFactors"], json!(["otp-phone"]));
    assert_eq!(methods.body["emailPassword"]["enabled"], false);
    assert_eq!(methods.body["passwordless"]["enabled"], true);
    // An unknown tenant: the client's mistake, 400 naming it (node answers 500; fuzz
    // finding F1).
    let unknown = shop.login_methods("/t-nope").await;
    assert_eq!(unknown.status, 400, "{unknown:?}");
    assert_eq!(unknown.body["message"], "Tenant not found: t-nope");
    let unknown = shop
        .email_password("/t-nope", "signup", "x@example.com", PASSWORD)
        .await;
    assert_eq!(unknown.status, 400, "{unknown:?}");
    assert_eq!(unknown.body["message"], "Tenant not found: t-nope");

    let tenant_email = "tenant@example.com";
    let up = shop
        .email_password("/t1", "signup", tenant_email, PASSWORD)
        .await;
    assert_eq!(up.body["status"], "OK", "{up:?}");
    assert_eq!(up.payload()["tId"], "t1");
    assert_eq!(up.body["user"]["tenantIds"], json!(["t1"]));
    let info = shop.session_info(up.access_token.as_deref().unwrap()).await;
    assert_eq!(info.body["accessTokenPayload"]["tId"], "t1", "{info:?}");
    let tenant_user = up.body["user"]["id"].as_str().unwrap().to_owned();
    let elsewhere = shop
        .email_password("", "signin", tenant_email, PASSWORD)
        .await;
    assert_eq!(elsewhere.body, json!({"status": "WRONG_CREDENTIALS_ERROR"}));
    let refused = shop
        .email_password("/t2", "signup", "other@example.com", PASSWORD)
        .await;
    assert_eq!(
        (refused.status, &refused.body),
        (401, &json!({"message": "unauthorised"}))
    );

    // Associating the user with the public tenant lets it sign in there, with tId public.
    let associated = multitenancy::associate_user_to_tenant(&shop_admin, "public", &tenant_user)
        .await
        .unwrap();
    assert_eq!(
        associated,
        AssociateUserToTenantResult::Ok {
            was_already_associated: false
        }
    );
    let in_public = shop
        .email_password("", "signin", tenant_email, PASSWORD)
        .await;
    assert_eq!(in_public.body["status"], "OK", "{in_public:?}");
    assert_eq!(in_public.payload()["tId"], "public");
    assert!(
        multitenancy::disassociate_user_from_tenant(&shop_admin, "public", &tenant_user)
            .await
            .unwrap()
    );
    let gone = shop
        .email_password("", "signin", tenant_email, PASSWORD)
        .await;
    assert_eq!(gone.body, json!({"status": "WRONG_CREDENTIALS_ERROR"}));

    // Removing shop: its tenants first, then the app. Its example then fails cleanly.
    assert!(
        multitenancy::delete_tenant(&shop_admin, "t1")
            .await
            .unwrap()
    );
    assert!(
        multitenancy::delete_tenant(&shop_admin, "t2")
            .await
            .unwrap()
    );
    assert!(
        !multitenancy::delete_tenant(&shop_admin, "t2")
            .await
            .unwrap()
    );
    let (status, body) = core
        .post("/recipe/multitenancy/app/remove", json!({"appId": SHOP}))
        .await
        .unwrap();
    assert_eq!(
        (status, &body),
        (200, &json!({"status": "OK", "didExist": true}))
    );
    let after = shop
        .email_password("", "signin", email, "ShopPassw0rd")
        .await;
    assert_eq!(
        (after.status, &after.body),
        (500, &json!({"message": "Internal server error"}))
    );
    let after = shop.login_methods("").await;
    assert_eq!(after.status, 500, "{after:?}");
    let after = shop
        .email_password("", "signup", "new@example.com", PASSWORD)
        .await;
    assert_eq!(after.status, 500, "{after:?}");
    let error = multitenancy::list_all_tenants(&shop_admin)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            supertokens::SuperTokensError::Core { status: 400, .. }
        ),
        "{error:?}"
    );
    shop.assert_healthy();

    // blog is untouched.
    let still = blog
        .email_password("", "signin", email, "BlogPassw0rd")
        .await;
    assert_eq!(still.body["status"], "OK", "{still:?}");
    assert_eq!(still.payload()["sub"], blog_user.as_str());
    blog.assert_healthy();
}
