//! User enumeration through the SDK (an in-process core, FDI requests through
//! `SuperTokens::handle` as an adapter makes them): sign-in with a wrong password for a known
//! email and with any password for an unknown one, a password reset token request, and
//! passwordless code creation answer alike — same status, same body shape, same headers and
//! cookies — and take times that the two-sample tests of `supertokens_tests::timing` cannot
//! tell apart. A control test injects a small known-only delay and checks that the same
//! measurement does see it. The explicit email-exists routes (and sign-up, which must say
//! that the email is taken) are exempt by design.
//!
//! The long version (thousands of samples per class against the release core) is
//! `cargo run --release -p supertokens-bench -- enumeration`; see SECURITY.md.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde_json::{Value, json};
use supertokens::{AppInfo, SdkRequest, SuperTokens, SuperTokensConfig};
use supertokens_crypto::password::PasswordHashingPolicy;
use supertokens_emailpassword::{
    ApiOptions, CapturingEmailDelivery, EmailPasswordApis, EmailPasswordConfig, FormFieldValue,
    SignInPostResponse,
};
use supertokens_passwordless::{ContactMethod, FlowType, PasswordlessConfig, SendLimits};
use supertokens_session::SessionConfig;
use supertokens_tests::timing::{
    Class, Comparison, QUICK_TEST_MIN_SHIFT, Samples, measure_interleaved,
};
use supertokens_tests::{API_KEY, TestCore, TestCoreOptions, start_core, test_config};

const PASSWORD: &str = "Passw0rd-known-1";
const WRONG_PASSWORD: &str = "Passw0rd-wrong-1";
/// Known accounts per recipe; requests cycle through them.
const KNOWN_ACCOUNTS: usize = 8;
/// Samples per class in the quick (CI) timing test.
const QUICK_SAMPLES: usize = 400;
/// Discarded warm-up requests per class.
const WARM_UP: usize = 40;
/// The delay the control test injects for known emails: about one storage read in this build,
/// less than one skipped password verification with [`TIMING_HASHING`] (≈ 290 µs) and than
/// the known-only user lookup this test found in the password reset route (0.3–0.6 ms)
/// before it was fixed, and four times [`QUICK_TEST_MIN_SHIFT`].
const CONTROL_LEAK: Duration = Duration::from_micros(200);

/// The email of known account `i` of a recipe; every email of the test has the same length.
fn known_email(recipe: &str, i: usize) -> String {
    format!("known-{recipe}-{:05}@example.com", i % KNOWN_ACCOUNTS)
}

/// An email nobody signed up with.
fn unknown_email(recipe: &str, i: usize) -> String {
    format!("nouser-{recipe}-{i:04}@example.com")
}

/// The three enumeration-relevant routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    SignIn,
    PasswordResetToken,
    PasswordlessCreateCode,
}

impl Endpoint {
    const ALL: [Endpoint; 3] = [
        Endpoint::SignIn,
        Endpoint::PasswordResetToken,
        Endpoint::PasswordlessCreateCode,
    ];

    fn recipe(self) -> &'static str {
        match self {
            Self::SignIn | Self::PasswordResetToken => "ep",
            Self::PasswordlessCreateCode => "pl",
        }
    }

    fn email(self, class: Class, i: usize) -> String {
        match class {
            Class::First => known_email(self.recipe(), i),
            Class::Second => unknown_email(self.recipe(), i),
        }
    }

    /// The FDI request for this email (`auth_mode` = `st-auth-mode`, if any).
    fn request(self, email: &str, auth_mode: Option<&str>) -> SdkRequest {
        let (path, rid, body) = match self {
            Self::SignIn => (
                "/auth/signin",
                "emailpassword",
                json!({"formFields": [
                    {"id": "email", "value": email},
                    {"id": "password", "value": WRONG_PASSWORD},
                ]}),
            ),
            Self::PasswordResetToken => (
                "/auth/user/password/reset/token",
                "emailpassword",
                json!({"formFields": [{"id": "email", "value": email}]}),
            ),
            Self::PasswordlessCreateCode => (
                "/auth/signinup/code",
                "passwordless",
                json!({"email": email}),
            ),
        };
        let mut headers = vec![("rid", rid), ("fdi-version", "3.1,4.0,4.1,4.2")];
        if let Some(mode) = auth_mode {
            headers.push(("st-auth-mode", mode));
        }
        sdk_request(Method::POST, path, &headers, Some(&body))
    }
}

fn sdk_request(
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> SdkRequest {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    let request = SdkRequest::new(method, path, map);
    match body {
        Some(body) => request.with_body(Bytes::from(body.to_string())),
        None => request,
    }
}

/// An SDK answer.
#[derive(Debug)]
struct Reply {
    status: u16,
    body: Value,
    headers: HeaderMap,
}

/// An in-process core and an SDK with session, emailpassword and passwordless, with known
/// accounts in both recipes.
struct EnumerationApp {
    _core: TestCore,
    st: Arc<SuperTokens>,
    reset_emails: CapturingEmailDelivery,
}

/// Hashing as cheap as CI needs but not free, so that a skipped dummy verification would
/// stand out (a verification takes about a millisecond).
const TIMING_HASHING: PasswordHashingPolicy = PasswordHashingPolicy::Argon2id {
    memory_kib: 1024,
    iterations: 1,
    parallelism: 1,
};

/// Whether the app runs with its rate limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limits {
    /// All off: the core's per-account limits, the SDK's per-address limits and the
    /// passwordless send budget (for timing, which must not measure 429s).
    Off,
    /// All at their defaults.
    Defaults,
}

impl EnumerationApp {
    async fn start(emailpassword: EmailPasswordConfig) -> Self {
        Self::start_with(emailpassword, Limits::Off).await
    }

    async fn start_with(emailpassword: EmailPasswordConfig, limits: Limits) -> Self {
        let options = TestCoreOptions {
            config: supertokens_core_engine::CoreConfig {
                password_hashing: TIMING_HASHING,
                rate_limits: match limits {
                    Limits::Off => supertokens_core_engine::RateLimitConfig::disabled(),
                    Limits::Defaults => supertokens_core_engine::RateLimitConfig::default(),
                },
                ..test_config()
            },
            ..TestCoreOptions::default()
        };
        let core = start_core(options).await.unwrap();
        let reset_emails = CapturingEmailDelivery::new();
        let passwordless_emails = CapturingEmailDelivery::new();
        let st = supertokens::init(SuperTokensConfig {
            app_info: AppInfo {
                app_name: "Enumeration".into(),
                api_domain: "http://localhost:3001".into(),
                website_domain: "http://localhost:3000".into(),
                api_base_path: None,
                website_base_path: None,
            },
            connection_uri: core.base_url.clone(),
            api_key: Some(API_KEY.into()),
            rate_limits: match limits {
                Limits::Off => supertokens::RateLimitConfig::disabled(),
                Limits::Defaults => supertokens::RateLimitConfig::default(),
            },
            recipe_list: vec![
                supertokens_session::init(SessionConfig::default()),
                supertokens_emailpassword::init(EmailPasswordConfig {
                    email_delivery: Some(Arc::new(reset_emails.clone())),
                    ..emailpassword
                }),
                supertokens_passwordless::init(PasswordlessConfig {
                    email_delivery: Some(Arc::new(passwordless_emails.clone())),
                    limits: match limits {
                        Limits::Off => SendLimits::unlimited(),
                        Limits::Defaults => SendLimits::default(),
                    },
                    ..PasswordlessConfig::new(
                        ContactMethod::Email,
                        FlowType::UserInputCodeAndMagicLink,
                    )
                }),
            ],
        })
        .unwrap();
        let app = Self {
            _core: core,
            st,
            reset_emails,
        };
        for i in 0..KNOWN_ACCOUNTS {
            app.sign_up(&known_email("ep", i)).await;
            app.passwordless_sign_up(&known_email("pl", i), &passwordless_emails)
                .await;
        }
        app
    }

    async fn handle(&self, request: &SdkRequest) -> Reply {
        let response = self.st.handle(request).await.expect("an SDK route");
        Reply {
            status: response.status.as_u16(),
            body: serde_json::from_slice(&response.body).unwrap_or(Value::Null),
            headers: response.headers,
        }
    }

    async fn sign_up(&self, email: &str) {
        let body = json!({"formFields": [
            {"id": "email", "value": email},
            {"id": "password", "value": PASSWORD},
        ]});
        let reply = self
            .handle(&sdk_request(
                Method::POST,
                "/auth/signup",
                &[("rid", "emailpassword")],
                Some(&body),
            ))
            .await;
        assert_eq!(reply.body["status"], "OK", "{}", reply.body);
    }

    /// Makes `email` a passwordless user: create a code, consume it.
    async fn passwordless_sign_up(&self, email: &str, outbox: &CapturingEmailDelivery) {
        let before = outbox.messages().len();
        let created = self
            .handle(&Endpoint::PasswordlessCreateCode.request(email, None))
            .await;
        assert_eq!(created.body["status"], "OK", "{}", created.body);
        let message = outbox
            .wait_for(before + 1, Duration::from_secs(5))
            .await
            .unwrap()
            .pop()
            .unwrap();
        let start = message
            .text_body
            .find("code is: ")
            .expect("a code in the email")
            + 9;
        let code: String = message.text_body[start..].chars().take(6).collect();
        let body = json!({
            "deviceId": created.body["deviceId"],
            "preAuthSessionId": created.body["preAuthSessionId"],
            "userInputCode": code,
        });
        let consumed = self
            .handle(&sdk_request(
                Method::POST,
                "/auth/signinup/code/consume",
                &[("rid", "passwordless")],
                Some(&body),
            ))
            .await;
        assert_eq!(consumed.body["status"], "OK", "{}", consumed.body);
        assert_eq!(consumed.body["createdNewRecipeUser"], true);
    }

    /// Times `samples` requests of each class on one endpoint, interleaved.
    async fn measure(&self, endpoint: Endpoint, samples: usize, seed: u64) -> Samples {
        measure_interleaved(samples, WARM_UP, seed, |class, i| {
            let request = endpoint.request(&endpoint.email(class, i), None);
            async move {
                let response = self.st.handle(&request).await.expect("an SDK route");
                // A 429 or 5xx would measure something else: stop loudly.
                if response.status.as_u16() != 200 {
                    return Err(format!(
                        "{endpoint:?} answered {}: {}",
                        response.status,
                        String::from_utf8_lossy(&response.body)
                    ));
                }
                Ok(())
            }
        })
        .await
        .unwrap()
    }
}

/// What an answer shows of itself apart from random ids: status, body keys and their
/// non-random values, header names and values, and the `Set-Cookie` names and attributes.
fn shape(reply: &Reply) -> Value {
    let random_keys = ["deviceId", "preAuthSessionId"];
    let body = match reply.body.as_object() {
        Some(object) => json!(
            object
                .iter()
                .map(|(key, value)| {
                    let shown = if random_keys.contains(&key.as_str()) {
                        json!({"random string of length": value.as_str().map(str::len)})
                    } else {
                        value.clone()
                    };
                    (key.clone(), shown)
                })
                .collect::<BTreeMap<String, Value>>()
        ),
        None => reply.body.clone(),
    };
    let mut headers: Vec<(String, String)> = reply
        .headers
        .iter()
        .map(|(name, value)| {
            let value = value.to_str().unwrap();
            let shown = if name == http::header::RETRY_AFTER {
                // Whole seconds left of a window: two windows opened a few milliseconds
                // apart may round differently; compared separately, within a second.
                "<seconds>".to_owned()
            } else if name == http::header::SET_COOKIE {
                let cookie = cookie::Cookie::parse(value.to_owned()).unwrap();
                format!(
                    "{} path={:?} domain={:?} secure={:?} http_only={:?} same_site={:?}",
                    cookie.name(),
                    cookie.path(),
                    cookie.domain(),
                    cookie.secure(),
                    cookie.http_only(),
                    cookie.same_site()
                )
            } else {
                value.to_owned()
            };
            (name.as_str().to_owned(), shown)
        })
        .collect();
    headers.sort();
    json!({"status": reply.status, "body": body, "headers": headers})
}

#[tokio::test]
async fn known_and_unknown_emails_get_the_same_answers() {
    let app = EnumerationApp::start(EmailPasswordConfig::default()).await;
    for endpoint in Endpoint::ALL {
        for auth_mode in [None, Some("cookie"), Some("header")] {
            let known = app
                .handle(&endpoint.request(&known_email(endpoint.recipe(), 1), auth_mode))
                .await;
            let unknown = app
                .handle(&endpoint.request(&unknown_email(endpoint.recipe(), 1), auth_mode))
                .await;
            assert_eq!(known.status, 200, "{endpoint:?}: {}", known.body);
            assert_eq!(
                shape(&known),
                shape(&unknown),
                "{endpoint:?} in auth mode {auth_mode:?}"
            );
            // No session is created by any of these answers.
            assert!(
                known.headers.get(http::header::SET_COOKIE).is_none()
                    && known.headers.get("front-token").is_none(),
                "{endpoint:?}: {:?}",
                known.headers
            );
            let expected_status = match endpoint {
                Endpoint::SignIn => "WRONG_CREDENTIALS_ERROR",
                _ => "OK",
            };
            assert_eq!(known.body["status"], expected_status, "{endpoint:?}");
        }
    }
    // The reset emails went to the known account only: the mailbox owner learns of the
    // request, the requester does not learn whether it existed.
    let sent = app
        .reset_emails
        .wait_for(3, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        sent.iter()
            .all(|message| message.to == known_email("ep", 1)),
        "{:?}",
        sent.iter().map(|m| &m.to).collect::<Vec<_>>()
    );
}

/// Runs the comparison of one endpoint and prints it (`--nocapture` shows the numbers).
async fn compare(app: &EnumerationApp, endpoint: Endpoint, seed: u64) -> Comparison {
    let samples = app.measure(endpoint, QUICK_SAMPLES, seed).await;
    let comparison =
        Comparison::of(&samples.first, &samples.second).with_min_shift(QUICK_TEST_MIN_SHIFT);
    println!(
        "enumeration timing {endpoint:?} (known vs unknown, seed {seed}): {}",
        comparison.summary()
    );
    comparison
}

#[tokio::test]
async fn response_times_do_not_reveal_whether_an_email_is_known() {
    let app = EnumerationApp::start(EmailPasswordConfig::default()).await;
    for (endpoint, seed) in Endpoint::ALL.into_iter().zip([11, 12, 13]) {
        let comparison = compare(&app, endpoint, seed).await;
        assert!(
            !comparison.distinguishable(),
            "{endpoint:?}: known and unknown emails are distinguishable by timing: {}",
            comparison.summary()
        );
    }
}

/// The emailpassword sign-in API with a delay for known emails: the leak the timing test
/// must catch.
struct LeakyForKnownEmails;

#[async_trait]
impl EmailPasswordApis for LeakyForKnownEmails {
    async fn sign_in_post(
        &self,
        form_fields: &[FormFieldValue],
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> supertokens::Result<SignInPostResponse> {
        let known = form_fields.iter().any(|field| {
            field
                .value
                .as_str()
                .is_some_and(|v| v.starts_with("known-"))
        });
        if known {
            // Busy-wait: a sleep would be rounded up to the timer's resolution.
            let started = Instant::now();
            while started.elapsed() < CONTROL_LEAK {
                std::hint::spin_loop();
            }
        }
        supertokens_emailpassword::implementation::apis::sign_in_post(
            form_fields,
            tenant_id,
            options,
        )
        .await
    }
}

#[tokio::test]
async fn the_timing_test_detects_a_small_known_only_delay() {
    let app = EnumerationApp::start(EmailPasswordConfig {
        override_apis: Some(Arc::new(|_original| Arc::new(LeakyForKnownEmails))),
        ..Default::default()
    })
    .await;
    let comparison = compare(&app, Endpoint::SignIn, 21).await;
    assert!(
        comparison.distinguishable(),
        "a {CONTROL_LEAK:?} delay for known emails went unnoticed: {}",
        comparison.summary()
    );
    assert!(comparison.median_first > comparison.median_second);
}

/// `Retry-After` in seconds, if any.
fn retry_after(reply: &Reply) -> Option<u64> {
    reply
        .headers
        .get(http::header::RETRY_AFTER)
        .map(|value| value.to_str().unwrap().parse().unwrap())
}

#[tokio::test]
async fn with_rate_limits_on_known_and_unknown_emails_meet_the_same_refusals() {
    let app = EnumerationApp::start_with(EmailPasswordConfig::default(), Limits::Defaults).await;
    // The known passwordless contact received one code when it signed up; give the unknown
    // one the same history, since the send budget counts codes per address, account or not.
    let warm = app
        .handle(&Endpoint::PasswordlessCreateCode.request(&unknown_email("pl", 0), None))
        .await;
    assert_eq!(warm.body["status"], "OK", "{}", warm.body);
    // Each class comes from its own client address, so the SDK's per-address limits count
    // them apart, as they would two attackers.
    let known_client: std::net::IpAddr = "192.0.2.10".parse().unwrap();
    let unknown_client: std::net::IpAddr = "192.0.2.20".parse().unwrap();
    for endpoint in Endpoint::ALL {
        let mut known_replies = Vec::new();
        let mut unknown_replies = Vec::new();
        for _ in 0..14 {
            let known = endpoint
                .request(&known_email(endpoint.recipe(), 0), None)
                .with_peer_addr(known_client);
            known_replies.push(app.handle(&known).await);
            let unknown = endpoint
                .request(&unknown_email(endpoint.recipe(), 0), None)
                .with_peer_addr(unknown_client);
            unknown_replies.push(app.handle(&unknown).await);
        }
        let shapes = |replies: &[Reply]| replies.iter().map(shape).collect::<Vec<_>>();
        assert_eq!(
            shapes(&known_replies),
            shapes(&unknown_replies),
            "{endpoint:?}: the answers differ"
        );
        for (known, unknown) in known_replies.iter().zip(&unknown_replies) {
            let (a, b) = (retry_after(known), retry_after(unknown));
            assert_eq!(a.is_some(), b.is_some(), "{endpoint:?}");
            assert!(
                a.unwrap_or(0).abs_diff(b.unwrap_or(0)) <= 1,
                "{endpoint:?}: {a:?} vs {b:?}"
            );
        }
        let refused = known_replies
            .iter()
            .filter(|reply| reply.status == 429)
            .count();
        assert!(refused > 0, "{endpoint:?}: no limit was reached");
        println!(
            "{endpoint:?} with limits on: {}",
            known_replies
                .iter()
                .map(|reply| match reply.status {
                    429 => format!("429 (Retry-After {})", retry_after(reply).unwrap_or(0)),
                    status => format!("{status} {}", reply.body["status"].as_str().unwrap_or("")),
                })
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}
