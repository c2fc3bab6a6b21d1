//! The emailpassword recipe's FDI routes against an in-process core, driven through
//! `SuperTokens::handle` exactly as a framework adapter would.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde_json::{Value, json};
use supertokens::{AppInfo, SdkRequest, SuperTokens, SuperTokensConfig};
use supertokens_emailpassword::{
    ApiOptions, CapturingEmailDelivery, DisabledApis, EmailDelivery, EmailDeliveryError,
    EmailMessage, EmailPasswordApis, EmailPasswordConfig, EmailPasswordFunctions, FormField,
    FormFieldValue, SignInResult, SignUpFeature, SignUpPostResponse, SignUpResult,
    SmtpEmailDelivery, SmtpSecurity, SmtpSettings, UpdateEmailOrPasswordInput,
    UpdateEmailOrPasswordResult,
};
use supertokens_session::SessionConfig;
use supertokens_tests::{API_KEY, TestCore, TestCoreOptions, start_core};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

const PASSWORD: &str = "Passw0rd123";
const WAIT: Duration = Duration::from_secs(5);

struct App {
    _core: TestCore,
    st: Arc<SuperTokens>,
    outbox: CapturingEmailDelivery,
}

struct Reply {
    status: u16,
    body: Value,
    headers: HeaderMap,
}

impl App {
    async fn new() -> Self {
        Self::with(|_| {}).await
    }

    async fn with(configure: impl FnOnce(&mut EmailPasswordConfig)) -> Self {
        Self::with_rate_limits(configure, supertokens::RateLimitConfig::default()).await
    }

    /// With these SDK rate limits (a test that sends more than the defaults allow from one
    /// address turns them off).
    async fn with_rate_limits(
        configure: impl FnOnce(&mut EmailPasswordConfig),
        rate_limits: supertokens::RateLimitConfig,
    ) -> Self {
        let core = start_core(TestCoreOptions::default()).await.unwrap();
        let outbox = CapturingEmailDelivery::new();
        let mut config = EmailPasswordConfig {
            email_delivery: Some(Arc::new(outbox.clone())),
            ..Default::default()
        };
        configure(&mut config);
        let st = init(
            &core,
            vec![
                supertokens_session::init(SessionConfig::default()),
                supertokens_emailpassword::init(config),
            ],
            rate_limits,
        );
        Self {
            _core: core,
            st,
            outbox,
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Option<Reply> {
        let mut map = HeaderMap::new();
        map.insert("rid", HeaderValue::from_static("emailpassword"));
        map.insert("fdi-version", HeaderValue::from_static("3.1,4.0,4.1,4.2"));
        for (name, value) in headers {
            map.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let mut request = SdkRequest::new(method, path, map);
        if let Some(body) = body {
            request = request.with_body(Bytes::from(body.to_string()));
        }
        let response = self.st.handle(&request).await?;
        let body = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        Some(Reply {
            status: response.status.as_u16(),
            body,
            headers: response.headers,
        })
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body), &[])
            .await
            .unwrap()
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, &[]).await.unwrap()
    }

    async fn sign_up(&self, email: &str, password: &str) -> Reply {
        self.post("/auth/signup", credentials(email, password))
            .await
    }

    async fn sign_in(&self, email: &str, password: &str) -> Reply {
        self.post("/auth/signin", credentials(email, password))
            .await
    }

    /// Requests a reset email and returns the token from its link.
    async fn reset_token(&self, email: &str) -> String {
        let before = self.outbox.messages().len();
        let reply = self
            .post(
                "/auth/user/password/reset/token",
                json!({"formFields": [{"id": "email", "value": email}]}),
            )
            .await;
        assert_eq!(reply.body, json!({"status": "OK"}));
        let messages = self.outbox.wait_for(before + 1, WAIT).await.unwrap();
        let message = messages.last().unwrap();
        assert_eq!(message.to, email.trim());
        token_from(&message.text_body)
    }
}

fn init(
    core: &TestCore,
    recipe_list: Vec<Box<dyn supertokens::RecipeBuilder>>,
    rate_limits: supertokens::RateLimitConfig,
) -> Arc<SuperTokens> {
    supertokens::init(SuperTokensConfig {
        app_info: AppInfo {
            app_name: "Demo App".into(),
            api_domain: "http://localhost:3001".into(),
            website_domain: "http://localhost:3000".into(),
            api_base_path: None,
            website_base_path: None,
        },
        connection_uri: core.base_url.clone(),
        api_key: Some(API_KEY.into()),
        rate_limits,
        recipe_list,
    })
    .unwrap()
}

fn credentials(email: &str, password: &str) -> Value {
    json!({"formFields": [
        {"id": "email", "value": email},
        {"id": "password", "value": password},
    ]})
}

fn token_from(text: &str) -> String {
    let start = text.find("token=").unwrap() + "token=".len();
    text[start..]
        .split(['&', '\n', ' '])
        .next()
        .unwrap()
        .to_owned()
}

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
}

#[tokio::test]
async fn sign_up_and_sign_in_create_sessions() {
    let app = App::new().await;
    let reply = app.sign_up("alice@example.com", PASSWORD).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["status"], "OK");
    let user = &reply.body["user"];
    let user_id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(user["emails"], json!(["alice@example.com"]));
    assert_eq!(user["isPrimaryUser"], false);
    assert_eq!(user["tenantIds"], json!(["public"]));
    assert_eq!(user["loginMethods"][0]["recipeId"], "emailpassword");
    assert_eq!(user["loginMethods"][0]["recipeUserId"], user_id.as_str());
    assert!(reply.body.get("createdNewRecipeUser").is_none());
    assert_eq!(
        reply.body.as_object().unwrap().len(),
        2,
        "only status and user: {}",
        reply.body
    );
    // Header mode (no st-auth-mode): tokens in headers, front-token, exposed.
    assert!(header(&reply, "st-access-token").is_some());
    assert!(header(&reply, "st-refresh-token").is_some());
    assert!(header(&reply, "front-token").is_some());
    assert!(
        header(&reply, "access-control-expose-headers")
            .unwrap()
            .contains("front-token")
    );

    let reply = app.sign_in("  Alice@Example.com ", PASSWORD).await;
    assert_eq!(reply.body["status"], "OK", "{}", reply.body);
    assert_eq!(reply.body["user"]["id"], user_id.as_str());
    assert!(header(&reply, "st-access-token").is_some());

    // Cookie mode.
    let reply = app
        .send(
            Method::POST,
            "/auth/signin",
            Some(credentials("alice@example.com", PASSWORD)),
            &[("st-auth-mode", "cookie")],
        )
        .await
        .unwrap();
    assert_eq!(reply.body["status"], "OK");
    let cookies: Vec<&str> = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("sAccessToken=")),
        "{cookies:?}"
    );
    assert!(cookies.iter().any(|c| c.starts_with("sRefreshToken=")));
}

#[tokio::test]
async fn taken_emails_and_wrong_credentials() {
    let app = App::new().await;
    assert_eq!(
        app.sign_up("bob@example.com", PASSWORD).await.body["status"],
        "OK"
    );
    for email in ["bob@example.com", "  BOB@example.com"] {
        let reply = app.sign_up(email, "An0therPass").await;
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.body,
            json!({"status": "FIELD_ERROR", "formFields": [
                {"id": "email", "error": "This email already exists. Please sign in instead."}
            ]})
        );
        assert!(header(&reply, "front-token").is_none());
    }
    for (email, password) in [
        ("bob@example.com", "wrongpass1"),
        ("nobody@example.com", PASSWORD),
    ] {
        let reply = app.sign_in(email, password).await;
        assert_eq!(reply.body, json!({"status": "WRONG_CREDENTIALS_ERROR"}));
        assert!(header(&reply, "front-token").is_none());
    }
}

#[tokio::test]
async fn malformed_input_is_400_and_validation_is_field_error() {
    // More than the SDK's 10 sign-ups per address and minute.
    let app = App::with_rate_limits(|_| {}, supertokens::RateLimitConfig::disabled()).await;
    let cases = [
        (json!({}), "Missing input param: formFields"),
        (json!({"formFields": {}}), "formFields must be an array"),
        (
            json!({"formFields": ["x"]}),
            "All elements of formFields must be an object",
        ),
        (
            json!({"formFields": [{"id": "email"}]}),
            "All elements of formFields must contain an 'id' and 'value' field",
        ),
        (
            json!({"formFields": [{"id": "email", "value": 3}]}),
            "email value must be a string",
        ),
        (
            json!({"formFields": [
                {"id": "email", "value": "a@b.co"},
                {"id": "password", "value": PASSWORD},
                {"id": "x", "value": "y"},
            ]}),
            "Are you sending too many formFields?",
        ),
    ];
    for (body, message) in cases {
        for path in ["/auth/signup", "/auth/signin"] {
            let reply = app.post(path, body.clone()).await;
            assert_eq!(reply.status, 400, "{path} {body}");
            assert_eq!(reply.body, json!({"message": message}), "{path} {body}");
        }
    }
    let reply = app
        .send(Method::POST, "/auth/signup", None, &[])
        .await
        .unwrap();
    assert_eq!(reply.status, 400);
    assert_eq!(reply.body["message"], "Missing input param: formFields");

    let reply = app.sign_up("not-an-email", "short").await;
    assert_eq!(
        reply.body,
        json!({"status": "FIELD_ERROR", "formFields": [
            {"id": "password", "error": "Password must contain at least 8 characters, including a number"},
            {"id": "email", "error": "Email is invalid"},
        ]})
    );
    let reply = app.sign_up("a@b.co", "12345678").await;
    assert_eq!(
        reply.body["formFields"],
        json!([{"id": "password", "error": "Password must contain at least one alphabet"}])
    );
    let reply = app.sign_up("a@b.co", "abcdefgh").await;
    assert_eq!(
        reply.body["formFields"],
        json!([{"id": "password", "error": "Password must contain at least one number"}])
    );
    let reply = app
        .sign_up("a@b.co", &format!("a1{}", "x".repeat(98)))
        .await;
    assert_eq!(
        reply.body["formFields"],
        json!([{"id": "password", "error": "Password's length must be lesser than 100 characters"}])
    );
    // Sign-in checks the email format and that a password is present, nothing more.
    let reply = app.sign_in("nope", "").await;
    assert_eq!(
        reply.body,
        json!({"status": "FIELD_ERROR", "formFields": [
            {"id": "password", "error": "Field is not optional"},
            {"id": "email", "error": "Email is invalid"},
        ]})
    );
    let reply = app.sign_in("a@b.co", "x").await;
    assert_eq!(reply.body, json!({"status": "WRONG_CREDENTIALS_ERROR"}));
}

/// Regression: a body that is not JSON got the parser's error text; node answers 400 with
/// its own fixed message, which is what clients match on.
#[tokio::test]
async fn invalid_json_bodies_get_nodes_message() {
    let app = App::new().await;
    for path in [
        "/auth/signup",
        "/auth/signin",
        "/auth/user/password/reset/token",
        "/auth/user/password/reset",
    ] {
        for body in ["{not json", "a=b", "{\"formFields\": ["] {
            let mut headers = HeaderMap::new();
            headers.insert("rid", HeaderValue::from_static("emailpassword"));
            let request = SdkRequest::new(Method::POST, path, headers)
                .with_body(Bytes::from_static(body.as_bytes()));
            let response = app.st.handle(&request).await.unwrap();
            assert_eq!(response.status, 400, "{path} {body}");
            let reply: Value = serde_json::from_slice(&response.body).unwrap();
            assert_eq!(
                reply,
                json!({"message": "API input error: Please make sure to pass a valid JSON input in the request body"}),
                "{path} {body}"
            );
        }
    }
}

#[tokio::test]
async fn custom_sign_up_fields() {
    let app = App::with(|config| {
        config.sign_up_feature = SignUpFeature {
            form_fields: vec![
                FormField::new("name").with_str_validator(|name| {
                    (name.len() < 2).then(|| "Name is too short".to_owned())
                }),
                FormField::new("newsletter").optional(),
            ],
        };
    })
    .await;
    let body = |name: Value| {
        json!({"formFields": [
            {"id": "email", "value": "carol@example.com"},
            {"id": "password", "value": PASSWORD},
            {"id": "name", "value": name},
        ]})
    };
    let reply = app.post("/auth/signup", body(json!("C"))).await;
    assert_eq!(
        reply.body,
        json!({"status": "FIELD_ERROR", "formFields": [{"id": "name", "error": "Name is too short"}]})
    );
    let reply = app
        .post("/auth/signup", credentials("carol@example.com", PASSWORD))
        .await;
    assert_eq!(
        reply.body["formFields"],
        json!([{"id": "name", "error": "Field is not optional"}])
    );
    let reply = app.post("/auth/signup", body(json!("Carol"))).await;
    assert_eq!(reply.body["status"], "OK", "{}", reply.body);
    // Sign-in only has email and password: the custom fields count as too many.
    let reply = app.post("/auth/signin", body(json!("Carol"))).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body["message"],
        "Are you sending too many formFields?"
    );
}

#[tokio::test]
async fn old_fdi_versions_get_the_legacy_user() {
    let app = App::new().await;
    let reply = app
        .send(
            Method::POST,
            "/auth/signup",
            Some(credentials("dave@example.com", PASSWORD)),
            &[("fdi-version", "1.16,1.17")],
        )
        .await
        .unwrap();
    let user = reply.body["user"].as_object().unwrap();
    assert_eq!(reply.body["status"], "OK");
    let mut keys: Vec<&str> = user.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["email", "id", "timeJoined"]);
    assert_eq!(user["email"], "dave@example.com");
    // No header: the latest FDI is assumed.
    let mut headers = HeaderMap::new();
    headers.insert("rid", HeaderValue::from_static("emailpassword"));
    let request = SdkRequest::new(Method::POST, "/auth/signin", headers).with_body(Bytes::from(
        credentials("dave@example.com", PASSWORD).to_string(),
    ));
    let response = app.st.handle(&request).await.unwrap();
    let body: Value = serde_json::from_slice(&response.body).unwrap();
    assert!(body["user"]["loginMethods"].is_array(), "{body}");
}

#[tokio::test]
async fn email_exists_on_both_paths_and_tenant_prefix() {
    let app = App::new().await;
    app.sign_up("erin@example.com", PASSWORD).await;
    for path in [
        "/auth/emailpassword/email/exists",
        "/auth/signup/email/exists",
        "/auth/public/emailpassword/email/exists",
    ] {
        let reply = app.get(&format!("{path}?email=erin%40example.com")).await;
        assert_eq!(
            reply.body,
            json!({"status": "OK", "exists": true}),
            "{path}"
        );
        let reply = app.get(&format!("{path}?email=ERIN%40example.com")).await;
        assert_eq!(reply.body["exists"], true, "{path}");
        let reply = app.get(&format!("{path}?email=zed%40example.com")).await;
        assert_eq!(
            reply.body,
            json!({"status": "OK", "exists": false}),
            "{path}"
        );
        let reply = app.get(path).await;
        assert_eq!(reply.status, 400);
        assert_eq!(
            reply.body,
            json!({"message": "Please provide the email as a GET param"})
        );
    }
}

#[tokio::test]
async fn password_reset_flow() {
    // More than the SDK's 10 password reset requests per address and minute.
    let app = App::with_rate_limits(|_| {}, supertokens::RateLimitConfig::disabled()).await;
    let user_id = app.sign_up("frank@example.com", PASSWORD).await.body["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Unknown email: OK, nothing sent.
    let reply = app
        .post(
            "/auth/user/password/reset/token",
            json!({"formFields": [{"id": "email", "value": "ghost@example.com"}]}),
        )
        .await;
    assert_eq!(reply.body, json!({"status": "OK"}));
    assert!(
        app.outbox
            .wait_for(1, Duration::from_millis(300))
            .await
            .is_none()
    );

    // Bad input on the token route.
    let reply = app
        .post(
            "/auth/user/password/reset/token",
            json!({"formFields": [{"id": "email", "value": "nope"}]}),
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"status": "FIELD_ERROR", "formFields": [{"id": "email", "error": "Email is invalid"}]})
    );
    let reply = app
        .post(
            "/auth/user/password/reset/token",
            credentials("frank@example.com", PASSWORD),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body["message"],
        "Are you sending too many formFields?"
    );

    // Known email (trimmed, any case): the email carries the link.
    let token = app.reset_token(" Frank@example.com").await;
    let message = app.outbox.messages().pop().unwrap();
    assert_eq!(message.subject, "Reset your Demo App password");
    assert!(message.text_body.contains(&format!(
        "http://localhost:3000/auth/reset-password?token={token}&tenantId=public"
    )));
    assert!(message.html_body.contains("Demo App"));
    assert!(message.html_body.contains(&format!(
        "http://localhost:3000/auth/reset-password?token={token}&amp;tenantId=public"
    )));

    // The password is checked before the token is used.
    let reset = |password: &str, token: Value| json!({"method": "token", "token": token, "formFields": [{"id": "password", "value": password}]});
    let reply = app
        .post("/auth/user/password/reset", reset("weak", json!(token)))
        .await;
    assert_eq!(
        reply.body,
        json!({"status": "FIELD_ERROR", "formFields": [{"id": "password", "error": "Password must contain at least 8 characters, including a number"}]})
    );
    let reply = app
        .post(
            "/auth/user/password/reset",
            json!({"formFields": [{"id": "password", "value": "N3wPassword"}]}),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body["message"],
        "Please provide the password reset token"
    );
    let reply = app
        .post("/auth/user/password/reset", reset("N3wPassword", json!(5)))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body["message"],
        "The password reset token must be a string"
    );
    let reply = app
        .post(
            "/auth/user/password/reset",
            reset("N3wPassword", json!("bogus")),
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"status": "RESET_PASSWORD_INVALID_TOKEN_ERROR"})
    );

    let reply = app
        .post(
            "/auth/user/password/reset",
            reset("N3wPassword", json!(token)),
        )
        .await;
    assert_eq!(reply.body, json!({"status": "OK"}));
    let reply = app.sign_in("frank@example.com", "N3wPassword").await;
    assert_eq!(reply.body["status"], "OK");
    assert_eq!(reply.body["user"]["id"], user_id.as_str());
    assert_eq!(
        app.sign_in("frank@example.com", PASSWORD).await.body["status"],
        "WRONG_CREDENTIALS_ERROR"
    );
    // Used up.
    let reply = app
        .post(
            "/auth/user/password/reset",
            reset("Th1rdPassword", json!(token)),
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"status": "RESET_PASSWORD_INVALID_TOKEN_ERROR"})
    );
    // Tenant-prefixed route.
    let token = app.reset_token("frank@example.com").await;
    let reply = app
        .post(
            "/auth/public/user/password/reset",
            reset("Th1rdPassword", json!(token)),
        )
        .await;
    assert_eq!(reply.body, json!({"status": "OK"}));
}

/// A delivery that takes its time, or fails.
struct SlowDelivery {
    delay: Duration,
    fail: bool,
    sent: Arc<AtomicUsize>,
}

#[async_trait]
impl EmailDelivery for SlowDelivery {
    async fn send(&self, _message: EmailMessage) -> Result<(), EmailDeliveryError> {
        tokio::time::sleep(self.delay).await;
        self.sent.fetch_add(1, Ordering::SeqCst);
        if self.fail {
            Err(EmailDeliveryError::Send("mail server down".into()))
        } else {
            Ok(())
        }
    }
}

#[tokio::test]
async fn reset_token_answers_do_not_wait_for_or_reveal_delivery() {
    for fail in [false, true] {
        let sent = Arc::new(AtomicUsize::new(0));
        let delivery = Arc::new(SlowDelivery {
            delay: Duration::from_secs(2),
            fail,
            sent: sent.clone(),
        });
        let app = App::with(|config| config.email_delivery = Some(delivery)).await;
        app.sign_up("gina@example.com", PASSWORD).await;
        for email in ["gina@example.com", "unknown@example.com"] {
            let started = Instant::now();
            let reply = app
                .post(
                    "/auth/user/password/reset/token",
                    json!({"formFields": [{"id": "email", "value": email}]}),
                )
                .await;
            assert_eq!(reply.status, 200);
            assert_eq!(reply.body, json!({"status": "OK"}), "{email} fail={fail}");
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "the answer waited for the delivery: {:?}",
                started.elapsed()
            );
        }
        let deadline = Instant::now() + WAIT;
        while sent.load(Ordering::SeqCst) < 1 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            sent.load(Ordering::SeqCst),
            1,
            "only the known email is sent"
        );
    }
}

#[tokio::test]
async fn login_methods_follow_the_recipes() {
    let app = App::new().await;
    let expected = json!({
        "status": "OK",
        "emailPassword": {"enabled": true},
        "thirdParty": {"enabled": false, "providers": []},
        // Node 24 (FDI 4.1+) sends it; it was missing (found by the browser harness traffic).
        "webauthn": {"enabled": false},
        "passwordless": {"enabled": false},
        "firstFactors": ["emailpassword"],
    });
    for path in [
        "/auth/loginmethods",
        "/auth/public/loginmethods",
        "/auth/loginmethods?clientType=web",
    ] {
        let reply = app
            .send(Method::GET, path, None, &[("rid", "multitenancy")])
            .await
            .unwrap();
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.body, expected, "{path}");
    }
}

#[tokio::test]
async fn disabled_apis_fall_through_to_the_app() {
    let app = App::with(|config| {
        config.disabled_apis = DisabledApis {
            disable_sign_up_post: true,
            disable_login_methods_get: true,
            ..Default::default()
        };
    })
    .await;
    assert!(
        app.send(
            Method::POST,
            "/auth/signup",
            Some(credentials("a@b.co", PASSWORD)),
            &[]
        )
        .await
        .is_none()
    );
    assert!(
        app.send(Method::GET, "/auth/loginmethods", None, &[])
            .await
            .is_none()
    );
    assert_eq!(
        app.sign_in("a@b.co", PASSWORD).await.body["status"],
        "WRONG_CREDENTIALS_ERROR"
    );
}

struct CountingFunctions {
    original: Arc<dyn EmailPasswordFunctions>,
    sign_ins: Arc<AtomicUsize>,
}

#[async_trait]
impl EmailPasswordFunctions for CountingFunctions {
    async fn sign_up(
        &self,
        email: &str,
        password: &str,
        tenant_id: &str,
    ) -> supertokens::Result<SignUpResult> {
        self.original.sign_up(email, password, tenant_id).await
    }
    async fn sign_in(
        &self,
        email: &str,
        password: &str,
        tenant_id: &str,
    ) -> supertokens::Result<SignInResult> {
        self.sign_ins.fetch_add(1, Ordering::SeqCst);
        self.original.sign_in(email, password, tenant_id).await
    }
    async fn get_user_by_email(
        &self,
        email: &str,
        tenant_id: &str,
    ) -> supertokens::Result<Option<supertokens_emailpassword::AuthRecipeUser>> {
        self.original.get_user_by_email(email, tenant_id).await
    }
    async fn get_user_by_id(
        &self,
        user_id: &str,
    ) -> supertokens::Result<Option<supertokens_emailpassword::AuthRecipeUser>> {
        self.original.get_user_by_id(user_id).await
    }
    async fn create_reset_password_token(
        &self,
        user_id: &str,
        email: &str,
        tenant_id: &str,
    ) -> supertokens::Result<supertokens_emailpassword::CreateResetPasswordTokenResult> {
        self.original
            .create_reset_password_token(user_id, email, tenant_id)
            .await
    }
    async fn consume_password_reset_token(
        &self,
        token: &str,
        tenant_id: &str,
    ) -> supertokens::Result<supertokens_emailpassword::ConsumePasswordResetTokenResult> {
        self.original
            .consume_password_reset_token(token, tenant_id)
            .await
    }
    async fn update_email_or_password(
        &self,
        input: UpdateEmailOrPasswordInput,
    ) -> supertokens::Result<UpdateEmailOrPasswordResult> {
        self.original.update_email_or_password(input).await
    }
}

struct InviteOnly;

#[async_trait]
impl EmailPasswordApis for InviteOnly {
    async fn sign_up_post(
        &self,
        form_fields: &[FormFieldValue],
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> supertokens::Result<SignUpPostResponse> {
        let email = form_fields
            .iter()
            .find(|field| field.id == "email")
            .and_then(|field| field.value.as_str())
            .unwrap_or_default();
        if !email.ends_with("@invited.test") {
            return Ok(SignUpPostResponse::GeneralError {
                message: "Sign-up is by invitation".into(),
            });
        }
        supertokens_emailpassword::implementation::apis::sign_up_post(
            form_fields,
            tenant_id,
            options,
        )
        .await
    }
}

#[tokio::test]
async fn overrides_decorate_the_defaults() {
    let sign_ins = Arc::new(AtomicUsize::new(0));
    let counter = sign_ins.clone();
    let app = App::with(move |config| {
        config.override_functions = Some(Arc::new(move |original| {
            Arc::new(CountingFunctions {
                original,
                sign_ins: counter.clone(),
            })
        }));
        config.override_apis = Some(Arc::new(|_original| Arc::new(InviteOnly)));
    })
    .await;
    let reply = app.sign_up("h@example.com", PASSWORD).await;
    assert_eq!(
        reply.body,
        json!({"status": "GENERAL_ERROR", "message": "Sign-up is by invitation"})
    );
    assert_eq!(
        app.sign_up("h@invited.test", PASSWORD).await.body["status"],
        "OK"
    );
    assert_eq!(
        app.sign_in("h@invited.test", PASSWORD).await.body["status"],
        "OK"
    );
    assert_eq!(sign_ins.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn sign_in_needs_the_session_recipe_but_other_routes_do_not() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let st = init(
        &core,
        vec![supertokens_emailpassword::init(
            EmailPasswordConfig::default(),
        )],
        supertokens::RateLimitConfig::default(),
    );
    let send = |path: &'static str, body: Value| {
        let st = st.clone();
        async move {
            let mut headers = HeaderMap::new();
            headers.insert("fdi-version", HeaderValue::from_static("4.2"));
            let request = SdkRequest::new(Method::POST, path, headers)
                .with_body(Bytes::from(body.to_string()));
            st.handle(&request).await.unwrap()
        }
    };
    let response = send("/auth/signup", credentials("i@example.com", PASSWORD)).await;
    assert_eq!(response.status, 500);
    // No email delivery configured: still OK, nothing sent, nothing revealed.
    let response = send(
        "/auth/user/password/reset/token",
        json!({"formFields": [{"id": "email", "value": "i@example.com"}]}),
    )
    .await;
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn linking_with_a_session_user_needs_a_session() {
    let app = App::new().await;
    let mut body = credentials("j@example.com", PASSWORD);
    body["shouldTryLinkingWithSessionUser"] = json!(true);
    let reply = app.post("/auth/signup", body).await;
    assert_eq!(reply.status, 401, "{}", reply.body);
    let mut body = credentials("j@example.com", PASSWORD);
    body["shouldTryLinkingWithSessionUser"] = json!(false);
    assert_eq!(app.post("/auth/signup", body).await.body["status"], "OK");
}

/// Accepts one SMTP connection and returns the message data it received.
async fn smtp_sink() -> (u16, tokio::sync::oneshot::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sender, receiver) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 sink\r\n").await.unwrap();
        let mut sender = Some(sender);
        while let Ok(Some(line)) = lines.next_line().await {
            let reply: &[u8] = match line.to_ascii_uppercase().as_str() {
                command if command.starts_with("EHLO") => b"250 sink\r\n",
                "DATA" => {
                    write.write_all(b"354 go\r\n").await.unwrap();
                    let mut data = String::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        if line == "." {
                            break;
                        }
                        data.push_str(&line);
                        data.push('\n');
                    }
                    if let Some(sender) = sender.take() {
                        let _ = sender.send(data);
                    }
                    b"250 queued\r\n"
                }
                "QUIT" => {
                    let _ = write.write_all(b"221 bye\r\n").await;
                    break;
                }
                _ => b"250 ok\r\n",
            };
            write.write_all(reply).await.unwrap();
        }
    });
    (port, receiver)
}

#[tokio::test]
async fn smtp_delivery_sends_the_reset_link_from_the_fdi_route() {
    let (port, received) = smtp_sink().await;
    let smtp = SmtpEmailDelivery::new(SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        username: None,
        password: None,
        from_name: "Demo App".into(),
        from_address: "no-reply@demo.test".into(),
        security: SmtpSecurity::None,
        timeout: Some(WAIT),
    })
    .unwrap();
    let app = App::with(|config| config.email_delivery = Some(Arc::new(smtp))).await;
    app.sign_up("kim@example.com", PASSWORD).await;
    let reply = app
        .post(
            "/auth/user/password/reset/token",
            json!({"formFields": [{"id": "email", "value": "kim@example.com"}]}),
        )
        .await;
    assert_eq!(reply.body, json!({"status": "OK"}));
    let data = tokio::time::timeout(WAIT, received).await.unwrap().unwrap();
    // Undo quoted-printable soft breaks and `=3D` to read the link.
    let text = data.replace("=\n", "").replace("=3D", "=");
    assert!(text.contains("To: kim@example.com"), "{data}");
    let token = token_from(&text);
    assert!(
        text.contains(&format!(
            "http://localhost:3000/auth/reset-password?token={token}&tenantId=public"
        )),
        "{data}"
    );
    let reply = app
        .post(
            "/auth/user/password/reset",
            json!({"token": token, "formFields": [{"id": "password", "value": "N3wPassword"}]}),
        )
        .await;
    assert_eq!(reply.body, json!({"status": "OK"}));
}
