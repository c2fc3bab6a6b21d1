//! The passwordless recipe's FDI routes against an in-process core, driven through
//! `SuperTokens::handle` exactly as a framework adapter would (one test goes through the axum
//! adapter). Codes are read from capturing deliveries; the recipe's clock is the core's
//! manual clock, so cooldowns and budgets are tested without sleeping.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde_json::{Value, json};
use supertokens::{AppInfo, SdkRequest, SuperTokens, SuperTokensConfig};
use supertokens_core_engine::{Clock as _, ManualClock};
use supertokens_passwordless::delivery::email::CapturingEmailDelivery;
use supertokens_passwordless::delivery::sms::CapturingSmsDelivery;
use supertokens_passwordless::{
    ApiOptions, ConsumeCodeInput, ConsumeCodeResult, Contact, ContactMethod,
    CreateCodePostResponse, CreatedCode, FlowType, PasswordlessApis, PasswordlessConfig,
    PasswordlessFunctions, PasswordlessRecipe, SendLimits,
};
use supertokens_session::SessionConfig;
use supertokens_tests::{API_KEY, TestCore, TestCoreOptions, start_core};

const DELIVERY_FAILED: &str = "Could not send the sign-in code. Please try again later.";

/// The recipe reads the core's manual clock, so both move together.
struct CoreClock(Arc<ManualClock>);

impl supertokens_session::Clock for CoreClock {
    fn now_ms(&self) -> i64 {
        self.0.now_ms()
    }
}

struct App {
    core: TestCore,
    st: Arc<SuperTokens>,
    emails: CapturingEmailDelivery,
    texts: CapturingSmsDelivery,
}

struct Reply {
    status: u16,
    body: Value,
    headers: HeaderMap,
}

impl App {
    async fn new(contact_method: ContactMethod, flow_type: FlowType) -> Self {
        Self::with(contact_method, flow_type, |_| {}).await
    }

    async fn with(
        contact_method: ContactMethod,
        flow_type: FlowType,
        configure: impl FnOnce(&mut PasswordlessConfig),
    ) -> Self {
        Self::with_recipes(contact_method, flow_type, configure, Vec::new()).await
    }

    async fn with_recipes(
        contact_method: ContactMethod,
        flow_type: FlowType,
        configure: impl FnOnce(&mut PasswordlessConfig),
        before: Vec<Box<dyn supertokens::RecipeBuilder>>,
    ) -> Self {
        let core = start_core(TestCoreOptions::default()).await.unwrap();
        let emails = CapturingEmailDelivery::new();
        let texts = CapturingSmsDelivery::new();
        let mut config = PasswordlessConfig {
            email_delivery: Some(Arc::new(emails.clone())),
            sms_delivery: Some(Arc::new(texts.clone())),
            clock: Some(Arc::new(CoreClock(core.clock.clone()))),
            ..PasswordlessConfig::new(contact_method, flow_type)
        };
        configure(&mut config);
        let mut recipe_list = vec![supertokens_session::init(SessionConfig::default())];
        recipe_list.extend(before);
        recipe_list.push(supertokens_passwordless::init(config));
        let st = supertokens::init(SuperTokensConfig {
            app_info: AppInfo {
                app_name: "Demo <App>".into(),
                api_domain: "http://localhost:3001".into(),
                website_domain: "http://localhost:3000".into(),
                api_base_path: None,
                website_base_path: None,
            },
            connection_uri: core.base_url.clone(),
            api_key: Some(API_KEY.into()),
            rate_limits: supertokens::RateLimitConfig::default(),
            recipe_list,
        })
        .unwrap();
        Self {
            core,
            st,
            emails,
            texts,
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
        map.insert("rid", HeaderValue::from_static("passwordless"));
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

    /// `POST /auth/signinup/code`; asserts OK and returns the device.
    async fn create(&self, body: Value) -> Device {
        let reply = self.post("/auth/signinup/code", body).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["status"], "OK", "{}", reply.body);
        Device {
            device_id: reply.body["deviceId"].as_str().unwrap().to_owned(),
            pre_auth_session_id: reply.body["preAuthSessionId"].as_str().unwrap().to_owned(),
        }
    }

    async fn resend(&self, device: &Device) -> Reply {
        self.post(
            "/auth/signinup/code/resend",
            json!({"deviceId": device.device_id, "preAuthSessionId": device.pre_auth_session_id}),
        )
        .await
    }

    async fn consume_code(&self, device: &Device, code: &str) -> Reply {
        self.post(
            "/auth/signinup/code/consume",
            json!({
                "preAuthSessionId": device.pre_auth_session_id,
                "deviceId": device.device_id,
                "userInputCode": code,
            }),
        )
        .await
    }

    /// The code of the newest email.
    fn last_email_code(&self) -> String {
        let messages = self.emails.messages();
        code_in(&messages.last().unwrap().text_body)
    }

    /// Devices of an email, straight from the core.
    async fn core_devices(&self, query: &str) -> Vec<Value> {
        let (status, body) = self
            .core
            .get(&format!("/public/recipe/signinup/codes?{query}"))
            .await
            .unwrap();
        assert_eq!(status, 200, "{body}");
        body["devices"].as_array().unwrap().clone()
    }

    fn advance(&self, by: Duration) {
        self.core.clock.advance(by);
    }
}

#[derive(Debug, Clone)]
struct Device {
    device_id: String,
    pre_auth_session_id: String,
}

/// The six digits after `code is: ` (email) or at the start (SMS).
fn code_in(text: &str) -> String {
    let start = text
        .find("code is: ")
        .map_or(0, |at| at + "code is: ".len());
    let code: String = text[start..].chars().take(6).collect();
    assert!(
        code.chars().all(|c| c.is_ascii_digit()),
        "no code in {text:?}"
    );
    code
}

/// The first `http…` link of a text.
fn link_in(text: &str) -> String {
    let start = text.find("http").expect("a link");
    text[start..].split([' ', '\n']).next().unwrap().to_owned()
}

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
}

#[tokio::test]
async fn otp_sign_up_then_sign_in_by_email() {
    let app = App::new(ContactMethod::Email, FlowType::UserInputCode).await;
    let reply = app
        .post(
            "/auth/signinup/code",
            json!({"email": "  Alice@Example.com "}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.body.as_object().unwrap();
    assert_eq!(body["status"], "OK");
    assert_eq!(body["flowType"], "USER_INPUT_CODE");
    assert_eq!(
        body.len(),
        4,
        "status, deviceId, preAuthSessionId, flowType: {body:?}"
    );
    let device = Device {
        device_id: body["deviceId"].as_str().unwrap().to_owned(),
        pre_auth_session_id: body["preAuthSessionId"].as_str().unwrap().to_owned(),
    };

    // The email is sent before the answer, to the trimmed address, with the code only.
    let emails = app.emails.messages();
    assert_eq!(emails.len(), 1);
    let email = &emails[0];
    assert_eq!(email.to, "Alice@Example.com");
    assert_eq!(email.subject, "Your Demo <App> sign-in code");
    assert!(
        email.text_body.contains("15 minutes"),
        "{}",
        email.text_body
    );
    assert!(
        !email.text_body.contains("http"),
        "no link: {}",
        email.text_body
    );
    assert!(email.html_body.contains("Demo &lt;App&gt;"));
    let code = app.last_email_code();
    assert!(email.html_body.contains(&code));
    assert!(
        !format!("{email:?}").contains(&code),
        "Debug hides the code"
    );

    let reply = app.consume_code(&device, &code).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["status"], "OK");
    assert_eq!(reply.body["createdNewRecipeUser"], true);
    let user = &reply.body["user"];
    let user_id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(user["emails"], json!(["alice@example.com"]));
    assert_eq!(user["loginMethods"][0]["recipeId"], "passwordless");
    assert_eq!(user["loginMethods"][0]["verified"], true);
    assert_eq!(reply.body.as_object().unwrap().len(), 3);
    // Header mode (no st-auth-mode): tokens in headers, front-token, exposed.
    assert!(header(&reply, "st-access-token").is_some());
    assert!(header(&reply, "st-refresh-token").is_some());
    assert!(header(&reply, "front-token").is_some());

    // Signing in again: the same user, not new; cookie mode on request.
    let device = app.create(json!({"email": "alice@example.com"})).await;
    let code = app.last_email_code();
    let reply = app
        .send(
            Method::POST,
            "/auth/signinup/code/consume",
            Some(json!({
                "preAuthSessionId": device.pre_auth_session_id,
                "deviceId": device.device_id,
                "userInputCode": code,
            })),
            &[("st-auth-mode", "cookie")],
        )
        .await
        .unwrap();
    assert_eq!(reply.body["status"], "OK", "{}", reply.body);
    assert_eq!(reply.body["createdNewRecipeUser"], false);
    assert_eq!(reply.body["user"]["id"], user_id.as_str());
    let cookies: Vec<&str> = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap())
        .collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("sAccessToken=")),
        "{cookies:?}"
    );
    // The consumed device is gone.
    assert_eq!(
        app.consume_code(&device, &code).await.body,
        json!({"status": "RESTART_FLOW_ERROR"})
    );
    // Old FDIs get the legacy user and `createdNewUser`.
    let device = app.create(json!({"email": "alice@example.com"})).await;
    let code = app.last_email_code();
    let reply = app
        .send(
            Method::POST,
            "/auth/signinup/code/consume",
            Some(json!({
                "preAuthSessionId": device.pre_auth_session_id,
                "deviceId": device.device_id,
                "userInputCode": code,
            })),
            &[("fdi-version", "1.17")],
        )
        .await
        .unwrap();
    assert_eq!(reply.body["createdNewUser"], false, "{}", reply.body);
    assert_eq!(reply.body["user"]["email"], "alice@example.com");
    assert_eq!(reply.body["user"]["id"], user_id.as_str());
}

#[tokio::test]
async fn phone_numbers_are_validated_and_stored_in_e164() {
    let app = App::new(ContactMethod::Phone, FlowType::UserInputCode).await;
    let device = app
        .create(json!({"phoneNumber": "+1 (650) 253-0000"}))
        .await;
    let texts = app.texts.messages_to("+16502530000");
    assert_eq!(texts.len(), 1, "{:?}", app.texts.messages());
    assert!(app.emails.messages().is_empty());
    let code = code_in(&texts[0].body);
    assert!(texts[0].body.contains("Demo <App>"));
    assert!(!format!("{:?}", texts[0]).contains(&code));
    let reply = app.consume_code(&device, &code).await;
    assert_eq!(reply.body["status"], "OK", "{}", reply.body);
    assert_eq!(reply.body["createdNewRecipeUser"], true);
    assert_eq!(reply.body["user"]["phoneNumbers"], json!(["+16502530000"]));

    for (typed, exists) in [
        ("%2B16502530000", true),
        ("%2B1%20650%20253%200000", true),
        ("%2B16502530001", false),
    ] {
        for path in [
            "/auth/passwordless/phonenumber/exists",
            "/auth/signup/phonenumber/exists",
            "/auth/passwordless/phoneNumber/exists",
            "/auth/signup/phoneNumber/exists",
        ] {
            let reply = app.get(&format!("{path}?phoneNumber={typed}")).await;
            assert_eq!(
                reply.body,
                json!({"status": "OK", "exists": exists}),
                "{path} {typed}"
            );
        }
    }
    let reply = app.get("/auth/passwordless/phonenumber/exists").await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body["message"],
        "Please provide the phoneNumber as a GET param"
    );

    // Invalid numbers: node's message as GENERAL_ERROR, nothing sent.
    for invalid in ["6502530000", "+1 650", "hello"] {
        let reply = app
            .post("/auth/signinup/code", json!({"phoneNumber": invalid}))
            .await;
        assert_eq!(
            reply.body,
            json!({"status": "GENERAL_ERROR", "message": "Phone number is invalid"}),
            "{invalid}"
        );
    }
    assert_eq!(app.texts.messages().len(), 1);
    // An email on a phone-only recipe is a 400.
    let reply = app
        .post("/auth/signinup/code", json!({"email": "a@b.co"}))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body["message"],
        "Please provide a phoneNumber since you have set the contactMethod to \"PHONE\""
    );
}

#[tokio::test]
async fn magic_links_sign_in_once() {
    let app = App::new(ContactMethod::Email, FlowType::MagicLink).await;
    let reply = app
        .post("/auth/signinup/code", json!({"email": "bob@example.com"}))
        .await;
    assert_eq!(reply.body["flowType"], "MAGIC_LINK", "{}", reply.body);
    let pre_auth_session_id = reply.body["preAuthSessionId"].as_str().unwrap().to_owned();
    let email = app.emails.messages().pop().unwrap();
    assert_eq!(email.subject, "Sign in to Demo <App>");
    assert!(!email.text_body.contains("code is"), "{}", email.text_body);
    let link = link_in(&email.text_body);
    let prefix = format!(
        "http://localhost:3000/auth/verify?preAuthSessionId={pre_auth_session_id}&tenantId=public#"
    );
    assert!(link.starts_with(&prefix), "{link}");
    let link_code = &link[prefix.len()..];
    assert!(!link_code.is_empty());
    assert!(email.html_body.contains(&link.replace('&', "&amp;")));

    let consume = json!({"preAuthSessionId": pre_auth_session_id, "linkCode": link_code});
    let reply = app
        .post("/auth/signinup/code/consume", consume.clone())
        .await;
    assert_eq!(reply.body["status"], "OK", "{}", reply.body);
    assert_eq!(reply.body["createdNewRecipeUser"], true);
    assert!(header(&reply, "front-token").is_some());
    let reply = app.post("/auth/signinup/code/consume", consume).await;
    assert_eq!(reply.body, json!({"status": "RESTART_FLOW_ERROR"}));
}

#[tokio::test]
async fn both_flow_types_send_code_and_link_by_email_or_sms() {
    let app = App::new(
        ContactMethod::EmailOrPhone,
        FlowType::UserInputCodeAndMagicLink,
    )
    .await;
    let reply = app
        .post(
            "/auth/signinup/code",
            json!({"phoneNumber": "+44 20 7946 0958"}),
        )
        .await;
    assert_eq!(reply.body["flowType"], "USER_INPUT_CODE_AND_MAGIC_LINK");
    let text = app.texts.messages_to("+442079460958").pop().unwrap();
    let code = code_in(&text.body);
    assert!(link_in(&text.body).contains("/auth/verify?preAuthSessionId="));
    let device = Device {
        device_id: reply.body["deviceId"].as_str().unwrap().to_owned(),
        pre_auth_session_id: reply.body["preAuthSessionId"].as_str().unwrap().to_owned(),
    };
    app.create(json!({"email": "carol@example.com"})).await;
    let email = app.emails.messages().pop().unwrap();
    assert!(email.text_body.contains("Your sign-in code is: "));
    assert!(link_in(&email.text_body).contains("#"));
    // Tenant prefix: the public tenant by name.
    let reply = app
        .post(
            "/auth/public/signinup/code/consume",
            json!({
                "preAuthSessionId": device.pre_auth_session_id,
                "deviceId": device.device_id,
                "userInputCode": code,
            }),
        )
        .await;
    assert_eq!(reply.body["status"], "OK", "{}", reply.body);
}

#[tokio::test]
async fn wrong_codes_count_attempts() {
    let app = App::new(ContactMethod::Email, FlowType::UserInputCode).await;
    let device = app.create(json!({"email": "dan@example.com"})).await;
    let code = app.last_email_code();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for attempt in 1..=2 {
        let reply = app.consume_code(&device, wrong).await;
        assert_eq!(
            reply.body,
            json!({
                "status": "INCORRECT_USER_INPUT_CODE_ERROR",
                "failedCodeInputAttemptCount": attempt,
                "maximumCodeInputAttempts": 5,
            })
        );
    }
    // The right code still works after wrong ones.
    let reply = app.consume_code(&device, &code).await;
    assert_eq!(reply.body["status"], "OK", "{}", reply.body);

    // An expired code counts as a failed attempt, with its own status.

    let device = app.create(json!({"email": "dan@example.com"})).await;
    let code = app.last_email_code();
    app.advance(Duration::from_secs(901));
    let reply = app.consume_code(&device, &code).await;
    assert_eq!(
        reply.body,
        json!({
            "status": "EXPIRED_USER_INPUT_CODE_ERROR",
            "failedCodeInputAttemptCount": 1,
            "maximumCodeInputAttempts": 5,
        })
    );
}

#[tokio::test]
async fn resend_adds_a_code_after_the_cooldown() {
    let app = App::new(ContactMethod::Email, FlowType::UserInputCode).await;
    let device = app.create(json!({"email": "erin@example.com"})).await;
    let first = app.last_email_code();

    let reply = app.resend(&device).await;
    assert_eq!(
        reply.body,
        json!({"status": "GENERAL_ERROR", "message": "Please wait 30 seconds before asking for a new code."})
    );
    app.advance(Duration::from_secs(10));
    assert_eq!(
        app.resend(&device).await.body["message"],
        "Please wait 20 seconds before asking for a new code."
    );
    assert_eq!(
        app.emails.messages().len(),
        1,
        "nothing sent while cooling down"
    );
    app.advance(Duration::from_secs(20));
    assert_eq!(app.resend(&device).await.body, json!({"status": "OK"}));
    assert_eq!(app.emails.messages().len(), 2);
    let second = app.last_email_code();
    // The cooldown starts again from the newest code.
    assert_eq!(
        app.resend(&device).await.body["message"],
        "Please wait 30 seconds before asking for a new code."
    );
    let devices = app
        .core_devices(&format!("preAuthSessionId={}", device.pre_auth_session_id))
        .await;
    assert_eq!(devices[0]["codes"].as_array().unwrap().len(), 2);

    // Either code signs in (here the old one); then the device is gone for the other.
    let reply = app.consume_code(&device, &first).await;
    assert_eq!(reply.body["status"], "OK", "{}", reply.body);
    assert_eq!(
        app.consume_code(&device, &second).await.body,
        json!({"status": "RESTART_FLOW_ERROR"})
    );
    app.advance(Duration::from_secs(60));
    assert_eq!(
        app.resend(&device).await.body,
        json!({"status": "RESTART_FLOW_ERROR"})
    );
    // A device id the core never issued.
    let unknown = Device {
        device_id: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
        pre_auth_session_id: "x".into(),
    };
    assert_eq!(
        app.resend(&unknown).await.body,
        json!({"status": "RESTART_FLOW_ERROR"})
    );
}

#[tokio::test]
async fn resend_of_a_contact_the_recipe_no_longer_accepts_restarts() {
    let app = App::new(ContactMethod::Email, FlowType::UserInputCode).await;
    // A phone device made directly in the core (as if the contact method had changed).
    let (status, body) = app
        .core
        .post(
            "/public/recipe/signinup/code",
            json!({"phoneNumber": "+16502530000"}),
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    app.advance(Duration::from_secs(60));
    let device = Device {
        device_id: body["deviceId"].as_str().unwrap().to_owned(),
        pre_auth_session_id: body["preAuthSessionId"].as_str().unwrap().to_owned(),
    };
    assert_eq!(
        app.resend(&device).await.body,
        json!({"status": "RESTART_FLOW_ERROR"})
    );
    assert!(app.texts.messages().is_empty());
}

#[tokio::test]
async fn the_send_budget_holds_per_address_for_create_and_resend() {
    let app = App::with(ContactMethod::Email, FlowType::UserInputCode, |config| {
        config.limits = SendLimits {
            max_sends_per_contact: 3,
            resend_cooldown: Duration::ZERO,
            ..SendLimits::default()
        };
    })
    .await;
    // A failed delivery gives its slot back.
    app.emails.fail_with(Some("smtp down"));
    let reply = app
        .post("/auth/signinup/code", json!({"email": "frank@example.com"}))
        .await;
    assert_eq!(reply.body["message"], DELIVERY_FAILED);
    app.emails.fail_with(None);

    let device = app.create(json!({"email": "frank@example.com"})).await;
    app.advance(Duration::from_secs(600));
    app.create(json!({"email": " Frank@Example.com"})).await;
    app.advance(Duration::from_secs(600));
    assert_eq!(app.resend(&device).await.body, json!({"status": "OK"}));
    let limited = json!({
        "status": "GENERAL_ERROR",
        "message": "Too many sign-in codes were sent to this address. Please try again in 40 minutes.",
    });
    assert_eq!(
        app.post("/auth/signinup/code", json!({"email": "FRANK@example.com"}))
            .await
            .body,
        limited
    );
    assert_eq!(app.resend(&device).await.body, limited);
    assert_eq!(app.emails.messages().len(), 3);
    // Another address has its own budget.
    app.create(json!({"email": "grace@example.com"})).await;
    // The first send leaves the window after an hour.
    app.advance(Duration::from_secs(2400));
    assert_eq!(app.resend(&device).await.body, json!({"status": "OK"}));
}

#[tokio::test]
async fn failed_deliveries_leave_nothing_behind() {
    let app = App::new(ContactMethod::EmailOrPhone, FlowType::UserInputCode).await;
    app.emails.fail_with(Some("smtp down"));
    let reply = app
        .post("/auth/signinup/code", json!({"email": "heidi@example.com"}))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        json!({"status": "GENERAL_ERROR", "message": DELIVERY_FAILED})
    );
    assert!(
        app.core_devices("email=heidi%40example.com")
            .await
            .is_empty()
    );

    app.texts.fail_with(Some("gateway down"));
    let reply = app
        .post(
            "/auth/signinup/code",
            json!({"phoneNumber": "+16502530000"}),
        )
        .await;
    assert_eq!(reply.body["message"], DELIVERY_FAILED);
    assert!(
        app.core_devices("phoneNumber=%2B16502530000")
            .await
            .is_empty()
    );

    // A failed resend revokes only the new code.
    app.emails.fail_with(None);
    let device = app.create(json!({"email": "heidi@example.com"})).await;
    let code = app.last_email_code();
    app.emails.fail_with(Some("smtp down"));
    app.advance(Duration::from_secs(31));
    assert_eq!(
        app.resend(&device).await.body,
        json!({"status": "GENERAL_ERROR", "message": DELIVERY_FAILED})
    );
    let devices = app.core_devices("email=heidi%40example.com").await;
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0]["codes"].as_array().unwrap().len(), 1);
    assert_eq!(app.consume_code(&device, &code).await.body["status"], "OK");
}

#[tokio::test]
async fn malformed_bodies_get_nodes_400s() {
    let app = App::new(ContactMethod::Email, FlowType::UserInputCode).await;
    let cases = [
        (
            "/auth/signinup/code",
            json!({}),
            "Please provide exactly one of email or phoneNumber",
        ),
        (
            "/auth/signinup/code",
            json!({"email": "a@b.co", "phoneNumber": "+16502530000"}),
            "Please provide exactly one of email or phoneNumber",
        ),
        (
            "/auth/signinup/code",
            json!({"phoneNumber": "+16502530000"}),
            "Please provide an email since you have set the contactMethod to \"EMAIL\"",
        ),
        (
            "/auth/signinup/code",
            json!({"email": 5}),
            "email must be a string",
        ),
        (
            "/auth/signinup/code/resend",
            json!({}),
            "Please provide preAuthSessionId",
        ),
        (
            "/auth/signinup/code/resend",
            json!({"preAuthSessionId": "p"}),
            "Please provide a deviceId",
        ),
        (
            "/auth/signinup/code/consume",
            json!({}),
            "Please provide preAuthSessionId",
        ),
        (
            "/auth/signinup/code/consume",
            json!({"preAuthSessionId": "p"}),
            "Please provide one of (linkCode) or (deviceId+userInputCode) and not both",
        ),
        (
            "/auth/signinup/code/consume",
            json!({"preAuthSessionId": "p", "linkCode": "l", "deviceId": "d"}),
            "Please provide one of (linkCode) or (deviceId+userInputCode) and not both",
        ),
        (
            "/auth/signinup/code/consume",
            json!({"preAuthSessionId": "p", "deviceId": "d"}),
            "Please provide both deviceId and userInputCode",
        ),
        (
            "/auth/signinup/code/consume",
            json!({"preAuthSessionId": "p", "userInputCode": "123456"}),
            "Please provide both deviceId and userInputCode",
        ),
    ];
    for (path, body, message) in cases {
        let reply = app.post(path, body.clone()).await;
        assert_eq!(reply.status, 400, "{path} {body}: {}", reply.body);
        assert_eq!(reply.body, json!({"message": message}), "{path} {body}");
    }
    let mut headers = HeaderMap::new();
    headers.insert("rid", HeaderValue::from_static("passwordless"));
    let request = SdkRequest::new(Method::POST, "/auth/signinup/code", headers)
        .with_body(Bytes::from_static(b"{not json"));
    let response = app.st.handle(&request).await.unwrap();
    assert_eq!(response.status.as_u16(), 400);

    // Invalid emails are GENERAL_ERROR with the validator's message.
    let reply = app
        .post("/auth/signinup/code", json!({"email": "not-an-email"}))
        .await;
    assert_eq!(
        reply.body,
        json!({"status": "GENERAL_ERROR", "message": "Email is invalid"})
    );
    // An unknown preAuthSessionId restarts without consuming.
    let reply = app
        .post(
            "/auth/signinup/code/consume",
            json!({"preAuthSessionId": "unknown", "linkCode": "x"}),
        )
        .await;
    assert_eq!(reply.body, json!({"status": "RESTART_FLOW_ERROR"}));
    assert!(app.emails.messages().is_empty());
}

#[tokio::test]
async fn email_exists_on_both_paths_and_rid_picks_the_recipe() {
    let app = App::with_recipes(
        ContactMethod::Email,
        FlowType::UserInputCode,
        |_| {},
        vec![supertokens_emailpassword::init(
            supertokens_emailpassword::EmailPasswordConfig::default(),
        )],
    )
    .await;
    let exists = |value: bool| json!({"status": "OK", "exists": value});
    assert_eq!(
        app.get("/auth/passwordless/email/exists?email=ivan%40example.com")
            .await
            .body,
        exists(false)
    );
    let device = app.create(json!({"email": "ivan@example.com"})).await;
    let code = app.last_email_code();
    assert_eq!(app.consume_code(&device, &code).await.body["status"], "OK");
    for path in [
        "/auth/passwordless/email/exists?email=ivan%40example.com",
        "/auth/public/passwordless/email/exists?email=%20IVAN%40example.com",
        "/auth/signup/email/exists?email=ivan%40example.com",
    ] {
        assert_eq!(app.get(path).await.body, exists(true), "{path}");
    }
    // The deprecated path is emailpassword's too: rid picks.
    let reply = app
        .send(
            Method::GET,
            "/auth/signup/email/exists?email=ivan%40example.com",
            None,
            &[("rid", "emailpassword")],
        )
        .await
        .unwrap();
    assert_eq!(reply.body, exists(false));
    let reply = app.get("/auth/passwordless/email/exists").await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body["message"],
        "Please provide the email as a GET param"
    );

    // Both recipes' factors are listed, in recipe order.
    let reply = app.get("/auth/loginmethods").await;
    assert_eq!(reply.body["emailPassword"], json!({"enabled": true}));
    assert_eq!(reply.body["passwordless"], json!({"enabled": true}));
    assert_eq!(
        reply.body["firstFactors"],
        json!(["emailpassword", "otp-email"])
    );
}

#[tokio::test]
async fn login_methods_report_passwordless() {
    let app = App::new(
        ContactMethod::EmailOrPhone,
        FlowType::UserInputCodeAndMagicLink,
    )
    .await;
    for path in [
        "/auth/loginmethods",
        "/auth/public/loginmethods?clientType=web",
    ] {
        let reply = app
            .send(Method::GET, path, None, &[("rid", "multitenancy")])
            .await
            .unwrap();
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(
            reply.body,
            json!({
                "status": "OK",
                "emailPassword": {"enabled": false},
                "thirdParty": {"enabled": false, "providers": []},
                "webauthn": {"enabled": false},
                "passwordless": {"enabled": true},
                "firstFactors": ["otp-email", "otp-phone", "link-email", "link-phone"],
            }),
            "{path}"
        );
    }
    let recipe = PasswordlessRecipe::from_supertokens(&app.st).unwrap();
    assert_eq!(recipe.enabled_factors().len(), 4);
    assert_eq!(app.st.available_first_factors().len(), 4);
}

/// Counts `create_code` calls and forwards everything else (through `original`).
struct CountingFunctions {
    original: Arc<dyn PasswordlessFunctions>,
    creates: Arc<AtomicUsize>,
}

#[async_trait]
impl PasswordlessFunctions for CountingFunctions {
    fn original(&self) -> Option<&dyn PasswordlessFunctions> {
        Some(self.original.as_ref())
    }

    async fn create_code(
        &self,
        contact: &Contact,
        user_input_code: Option<&str>,
        tenant_id: &str,
    ) -> supertokens::Result<CreatedCode> {
        self.creates.fetch_add(1, Ordering::SeqCst);
        self.original
            .create_code(contact, user_input_code, tenant_id)
            .await
    }
}

/// Refuses one domain, keeps the built-in behaviour otherwise.
struct BlockDomain;

#[async_trait]
impl PasswordlessApis for BlockDomain {
    async fn create_code_post(
        &self,
        contact: &Contact,
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> supertokens::Result<CreateCodePostResponse> {
        if contact
            .email()
            .is_some_and(|email| email.ends_with("@blocked.test"))
        {
            return Ok(CreateCodePostResponse::SignInUpNotAllowed {
                reason: "Not from here".into(),
            });
        }
        supertokens_passwordless::implementation::apis::create_code_post(
            contact, tenant_id, options,
        )
        .await
    }
}

#[tokio::test]
async fn overrides_decorate_the_defaults() {
    let creates = Arc::new(AtomicUsize::new(0));
    let counter = creates.clone();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen_by_validator = seen.clone();
    let app = App::with(
        ContactMethod::Email,
        FlowType::UserInputCode,
        move |config| {
            config.override_functions = Some(Arc::new(move |original| {
                Arc::new(CountingFunctions {
                    original,
                    creates: counter.clone(),
                })
            }));
            config.override_apis = Some(Arc::new(|_| Arc::new(BlockDomain)));
            config.validate_email =
                Some(supertokens_passwordless::validator(move |email, tenant| {
                    seen_by_validator
                        .lock()
                        .unwrap()
                        .push(format!("{tenant}:{email}"));
                    (!email.contains('@')).then(|| "Type your email".to_owned())
                }));
        },
    )
    .await;
    let reply = app
        .post(
            "/auth/signinup/code",
            json!({"email": "mallory@blocked.test"}),
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"status": "SIGN_IN_UP_NOT_ALLOWED", "reason": "Not from here"})
    );
    let reply = app
        .post("/auth/signinup/code", json!({"email": " nope "}))
        .await;
    assert_eq!(
        reply.body,
        json!({"status": "GENERAL_ERROR", "message": "Type your email"})
    );
    let device = app.create(json!({"email": "judy@example.com"})).await;
    assert_eq!(creates.load(Ordering::SeqCst), 1);
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "public:mallory@blocked.test",
            "public:nope",
            "public:judy@example.com"
        ]
    );
    // Server-side use through the recipe's (overridden) functions.
    let code = app.last_email_code();
    let result = supertokens_passwordless::consume_code(
        &app.st,
        "public",
        &ConsumeCodeInput::UserInputCode {
            pre_auth_session_id: device.pre_auth_session_id,
            device_id: device.device_id,
            user_input_code: code,
        },
    )
    .await
    .unwrap();
    assert!(matches!(
        result,
        ConsumeCodeResult::Ok {
            created_new_recipe_user: true,
            ..
        }
    ));
    let user = supertokens_passwordless::get_user_by_email(&app.st, "public", "JUDY@example.com")
        .await
        .unwrap()
        .unwrap();
    let link = supertokens_passwordless::create_magic_link(
        &app.st,
        "public",
        &Contact::Email("judy@example.com".into()),
    )
    .await
    .unwrap();
    assert!(link.starts_with("http://localhost:3000/auth/verify?preAuthSessionId="));
    let signed_in = supertokens_passwordless::sign_in_up(
        &app.st,
        "public",
        &Contact::Email("judy@example.com".into()),
    )
    .await
    .unwrap();
    assert!(!signed_in.created_new_recipe_user);
    assert_eq!(signed_in.user.id, user.id);
    assert_eq!(creates.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn config_mistakes_fail_init_naming_the_field() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let error = supertokens::init(SuperTokensConfig {
        app_info: AppInfo {
            app_name: "Demo".into(),
            api_domain: "http://localhost:3001".into(),
            website_domain: "http://localhost:3000".into(),
            api_base_path: None,
            website_base_path: None,
        },
        connection_uri: core.base_url.clone(),
        api_key: Some(API_KEY.into()),
        rate_limits: supertokens::RateLimitConfig::default(),
        recipe_list: vec![
            supertokens_session::init(SessionConfig::default()),
            supertokens_passwordless::init(PasswordlessConfig::new(
                ContactMethod::Phone,
                FlowType::UserInputCode,
            )),
        ],
    })
    .unwrap_err();
    assert!(error.to_string().contains("sms_delivery"), "{error}");
}

#[tokio::test]
async fn the_axum_adapter_serves_the_routes() {
    use tower::ServiceExt;
    let app = App::new(ContactMethod::Email, FlowType::UserInputCode).await;
    let router = axum::Router::new()
        .route("/hello", axum::routing::get(|| async { "hi" }))
        .layer(supertokens_axum::SuperTokensLayer::new(app.st.clone()));
    let response = router
        .oneshot(
            http::Request::post("/auth/signinup/code")
                .header("rid", "passwordless")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(r#"{"email":"kim@example.com"}"#))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["status"], "OK");
    assert_eq!(app.emails.messages_to("kim@example.com").len(), 1);
}

#[tokio::test]
async fn linking_with_a_session_user_needs_a_session() {
    let app = App::new(ContactMethod::Email, FlowType::UserInputCode).await;
    let body = json!({"email": "leo@example.com", "shouldTryLinkingWithSessionUser": true});
    let reply = app.post("/auth/signinup/code", body).await;
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert!(app.emails.messages().is_empty());
    let device = app
        .create(json!({"email": "leo@example.com", "shouldTryLinkingWithSessionUser": false}))
        .await;
    let code = app.last_email_code();
    let reply = app
        .post(
            "/auth/signinup/code/consume",
            json!({
                "preAuthSessionId": device.pre_auth_session_id,
                "deviceId": device.device_id,
                "userInputCode": code,
                "shouldTryLinkingWithSessionUser": true,
            }),
        )
        .await;
    assert_eq!(reply.status, 401, "{}", reply.body);
    // Nothing was consumed: the code still works.
    assert_eq!(app.consume_code(&device, &code).await.body["status"], "OK");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_consumes_of_one_code_give_exactly_one_session() {
    let app = Arc::new(App::new(ContactMethod::Email, FlowType::UserInputCode).await);
    let device = app.create(json!({"email": "race@example.com"})).await;
    let code = app.last_email_code();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (app, device, code) = (Arc::clone(&app), device.clone(), code.clone());
        tasks.spawn(async move { app.consume_code(&device, &code).await });
    }
    let replies: Vec<Reply> = tasks.join_all().await;
    let ok: Vec<&Reply> = replies
        .iter()
        .filter(|reply| reply.body["status"] == "OK")
        .collect();
    assert_eq!(
        ok.len(),
        1,
        "exactly one consume succeeds: {:?}",
        replies.iter().map(|reply| &reply.body).collect::<Vec<_>>()
    );
    for reply in &replies {
        assert_eq!(reply.status, 200, "{}", reply.body);
        if reply.body["status"] != "OK" {
            assert_eq!(reply.body, json!({"status": "RESTART_FLOW_ERROR"}));
            assert!(
                header(reply, "front-token").is_none(),
                "no session for the losers"
            );
        }
    }
    assert!(
        header(ok[0], "front-token").is_some(),
        "the winner gets a session"
    );
    let user_id = ok[0].body["user"]["id"].as_str().unwrap();
    let (status, body) = app
        .core
        .get(&format!("/public/recipe/session/user?userId={user_id}"))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["sessionHandles"].as_array().map(Vec::len),
        Some(1),
        "exactly one session exists: {body}"
    );
}
