//! Observability of the core, in-process: request ids on every log line and in responses,
//! no secret in the logs at DEBUG (text and JSON), liveness and readiness following the
//! database.
//!
//! The log tests install the daemon's own log format (`supertokens_core::logging`) as the
//! default subscriber of the test's thread; `#[tokio::test]` runs the server and the client
//! on that same thread, so every line the core writes while serving lands in the buffer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use supertokens_core::logging::{LogFormat, LogLevel, subscriber_with_writer};
use supertokens_core_engine::{Apps, Core, ManualClock};
use supertokens_core_http::{AppState, Observability, ServerConfig, router};
use supertokens_crypto::random::OsRandom;
use supertokens_storage::{ConnectOptions, connect_with_apps};
use supertokens_tests::{API_KEY, PostgresDatabase, START_MS, SwitchableProxy, test_config};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A core served in-process with the given HTTP settings.
struct ObservedCore {
    base_url: String,
    observability: Observability,
    server: JoinHandle<()>,
}

impl Drop for ObservedCore {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn start(
    database_url: &str,
    connect: ConnectOptions,
    request_id_header: Option<&str>,
) -> ObservedCore {
    let connection = connect_with_apps(database_url, &connect).await.unwrap();
    let core = Core::new(
        connection.main,
        test_config(),
        Arc::new(ManualClock::new(START_MS)),
        Arc::new(OsRandom),
    )
    .await
    .unwrap();
    let apps = Apps::new(Arc::new(core), connection.apps, Arc::new(OsRandom));
    let observability = Observability::default();
    let app = router(AppState {
        apps: Arc::new(apps),
        config: Arc::new(ServerConfig {
            api_keys: vec![API_KEY.to_owned()],
            request_id_header: request_id_header.map(|name| name.parse().unwrap()),
            ..ServerConfig::default()
        }),
        observability: observability.clone(),
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let _ = supertokens_core_http::serve(listener, app, std::future::pending()).await;
    });
    ObservedCore {
        base_url,
        observability,
        server,
    }
}

/// What the log subscriber wrote.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Keeps a capture installed on the test's thread.
struct Capturing {
    _default: tracing::subscriber::DefaultGuard,
    _companion: tracing::Dispatch,
}

impl Captured {
    /// Captures the log lines of this thread, as the daemon writes them at `level`, until
    /// the returned value is dropped.
    ///
    /// A second, silent dispatcher stays registered alongside: while a process has exactly
    /// one registered dispatcher, `tracing` takes the interest of a callsite first hit on
    /// another thread (another test, without capture) from that thread's default alone and
    /// may cache "never" for every thread, which would drop this test's lines.
    fn install(&self, level: LogLevel, format: LogFormat) -> Capturing {
        let companion = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
        let sink = self.clone();
        let default =
            tracing::subscriber::set_default(subscriber_with_writer(level, format, move || {
                sink.clone()
            }));
        Capturing {
            _default: default,
            _companion: companion,
        }
    }

    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// One answer: status, request id header, body.
struct Answer {
    status: u16,
    request_id: String,
    body: Value,
}

async fn send(
    client: &reqwest::Client,
    request: reqwest::RequestBuilder,
    id_header: &str,
) -> Answer {
    let response = client.execute(request.build().unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let request_id = response
        .headers()
        .get(id_header)
        .unwrap_or_else(|| panic!("no {id_header} header in the response"))
        .to_str()
        .unwrap()
        .to_owned();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        request_id,
        body,
    }
}

/// A CDI client of a core that remembers every request id it was answered with.
struct Cdi<'a> {
    base_url: &'a str,
    client: reqwest::Client,
    request_ids: Vec<String>,
}

impl<'a> Cdi<'a> {
    fn new(base_url: &'a str) -> Self {
        Self {
            base_url,
            client: reqwest::Client::new(),
            request_ids: Vec::new(),
        }
    }

    /// `POST` with the API key and `cdi-version`; the status must be `expected`.
    async fn post_expecting(&mut self, expected: u16, path: &str, body: &str) -> Value {
        let request = self
            .client
            .post(format!("{}{path}", self.base_url))
            .header("api-key", API_KEY)
            .header("cdi-version", "5.4")
            .header("content-type", "application/json")
            .body(body.to_owned());
        let answer = send(&self.client, request, "x-request-id").await;
        assert_eq!(answer.status, expected, "{path}: {}", answer.body);
        self.request_ids.push(answer.request_id);
        answer.body
    }

    async fn post(&mut self, path: &str, body: Value) -> Value {
        self.post_expecting(200, path, &body.to_string()).await
    }
}

fn string(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .to_owned()
}

/// Runs sign-up, sign-in (right and wrong password, and a malformed body holding the
/// password), session create, verify, refresh and theft detection, password reset token
/// create and consume, passwordless code create and consume (typed code and link code)
/// against the core at `base_url`. Returns every secret involved and the request ids of the
/// answers.
pub(super) async fn secret_handling_flows(
    base_url: &str,
) -> (Vec<(&'static str, String)>, Vec<String>) {
    let mut cdi = Cdi::new(base_url);
    let mut secrets = vec![("API key", API_KEY.to_owned())];
    let password = "Pw-obs-7f3a9c51e2";
    let wrong_password = "Wrong-pw-19d2e6b0";
    secrets.push(("password", password.to_owned()));
    secrets.push(("wrong password", wrong_password.to_owned()));

    let signed_up = cdi
        .post(
            "/public/recipe/signup",
            json!({"email": "obs@example.com", "password": password}),
        )
        .await;
    assert_eq!(signed_up["status"], "OK");
    let user_id = string(&signed_up["user"]["id"]);
    let signed_in = cdi
        .post(
            "/public/recipe/signin",
            json!({"email": "obs@example.com", "password": password}),
        )
        .await;
    assert_eq!(signed_in["status"], "OK");
    let wrong = cdi
        .post(
            "/public/recipe/signin",
            json!({"email": "obs@example.com", "password": wrong_password}),
        )
        .await;
    assert_eq!(wrong["status"], "WRONG_CREDENTIALS_ERROR");
    // A body that does not parse still must not get logged.
    let malformed = format!(r#"{{"email": "obs@example.com", "password": "{password}""#);
    cdi.post_expecting(400, "/public/recipe/signin", &malformed)
        .await;
    let mistyped = format!(r#"{{"email": ["{password}"], "password": {{"p": "{password}"}}}}"#);
    cdi.post_expecting(400, "/public/recipe/signin", &mistyped)
        .await;

    let created = cdi
        .post(
            "/public/recipe/session",
            json!({"userId": user_id, "userDataInJWT": {}, "userDataInDatabase": {},
                   "enableAntiCsrf": true}),
        )
        .await;
    assert_eq!(created["status"], "OK", "{created}");
    let access = string(&created["accessToken"]["token"]);
    let refresh = string(&created["refreshToken"]["token"]);
    let anti_csrf = string(&created["antiCsrfToken"]);
    secrets.push(("access token", access.clone()));
    secrets.push(("refresh token", refresh.clone()));
    secrets.push(("anti-csrf token", anti_csrf.clone()));
    let verified = cdi
        .post(
            "/recipe/session/verify",
            json!({"accessToken": access, "antiCsrfToken": anti_csrf, "doAntiCsrfCheck": true,
                   "enableAntiCsrf": true, "checkDatabase": true}),
        )
        .await;
    assert_eq!(verified["status"], "OK", "{verified}");
    let refreshed = cdi
        .post(
            "/recipe/session/refresh",
            json!({"refreshToken": refresh, "antiCsrfToken": anti_csrf, "enableAntiCsrf": true}),
        )
        .await;
    assert_eq!(refreshed["status"], "OK", "{refreshed}");
    let child_access = string(&refreshed["accessToken"]["token"]);
    secrets.push(("refreshed access token", child_access.clone()));
    secrets.push((
        "refreshed refresh token",
        string(&refreshed["refreshToken"]["token"]),
    ));
    secrets.push((
        "refreshed anti-csrf token",
        string(&refreshed["antiCsrfToken"]),
    ));
    let promoted = cdi
        .post(
            "/recipe/session/verify",
            json!({"accessToken": child_access, "doAntiCsrfCheck": false, "enableAntiCsrf": true}),
        )
        .await;
    assert_eq!(promoted["status"], "OK", "{promoted}");
    if let Some(token) = promoted["accessToken"]["token"].as_str() {
        secrets.push(("access token from verify", token.to_owned()));
    }
    // Reusing the first refresh token is theft: logged at warn level inside the request.
    let theft = cdi
        .post(
            "/recipe/session/refresh",
            json!({"refreshToken": refresh, "antiCsrfToken": anti_csrf, "enableAntiCsrf": true}),
        )
        .await;
    assert_eq!(theft["status"], "TOKEN_THEFT_DETECTED", "{theft}");

    let reset = cdi
        .post(
            "/public/recipe/user/password/reset/token",
            json!({"userId": user_id, "email": "obs@example.com"}),
        )
        .await;
    let reset_token = string(&reset["token"]);
    secrets.push(("password reset token", reset_token.clone()));
    let consumed = cdi
        .post(
            "/public/recipe/user/password/reset/token/consume",
            json!({"token": reset_token}),
        )
        .await;
    assert_eq!(consumed["status"], "OK", "{consumed}");

    for use_link in [false, true] {
        let code = cdi
            .post(
                "/public/recipe/signinup/code",
                json!({"email": format!("pwless-{use_link}@example.com")}),
            )
            .await;
        assert_eq!(code["status"], "OK", "{code}");
        let user_input_code = string(&code["userInputCode"]);
        let link_code = string(&code["linkCode"]);
        secrets.push(("passwordless code", user_input_code.clone()));
        secrets.push(("passwordless link code", link_code.clone()));
        let body = if use_link {
            json!({"preAuthSessionId": code["preAuthSessionId"], "linkCode": link_code})
        } else {
            json!({"preAuthSessionId": code["preAuthSessionId"], "deviceId": code["deviceId"],
                   "userInputCode": user_input_code})
        };
        let signed_in = cdi.post("/public/recipe/signinup/code/consume", body).await;
        assert_eq!(signed_in["status"], "OK", "{signed_in}");
    }
    (secrets, cdi.request_ids)
}

async fn assert_no_secret_in_logs(format: LogFormat) {
    let captured = Captured::default();
    let _guard = captured.install(LogLevel::Debug, format);
    let core = start("sqlite::memory:", ConnectOptions::default(), None).await;
    let (secrets, request_ids) = secret_handling_flows(&core.base_url).await;
    drop(core);
    assert_logs_hold_no_secret(&captured.text(), &secrets, &request_ids);
}

/// The logs name every request id (so they did capture the requests), carry the request id
/// on the theft warning logged inside a request, and hold none of the secrets.
pub(super) fn assert_logs_hold_no_secret(
    logs: &str,
    secrets: &[(&'static str, String)],
    request_ids: &[String],
) {
    for id in request_ids {
        assert!(
            logs.contains(id.as_str()),
            "request id {id} is not in the logs:\n{logs}"
        );
    }
    assert!(
        logs.lines()
            .any(|line| line.contains("token theft") && line.contains("request_id")),
        "the theft warning does not carry the request id:\n{logs}"
    );
    for (what, secret) in secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "the {what} appears in the logs:\n{logs}"
        );
    }
}

#[tokio::test]
async fn observability_no_secret_in_debug_text_logs() {
    assert_no_secret_in_logs(LogFormat::Text).await;
}

#[tokio::test]
async fn observability_no_secret_in_debug_json_logs() {
    assert_no_secret_in_logs(LogFormat::Json).await;
}

/// The lines of the text logs that belong to the request with this id.
fn lines_of<'a>(logs: &'a str, id: &str) -> Vec<&'a str> {
    let needle = format!("request_id={id}");
    logs.lines().filter(|line| line.contains(&needle)).collect()
}

#[tokio::test]
async fn observability_request_ids_from_a_configured_header_or_fresh() {
    let captured = Captured::default();
    let _guard = captured.install(LogLevel::Debug, LogFormat::Text);
    let core = start(
        "sqlite::memory:",
        ConnectOptions::default(),
        Some("x-correlation-id"),
    )
    .await;
    let client = reqwest::Client::new();
    let sign_up = |id: Option<&str>| {
        let mut request = client
            .post(format!(
                "{}/appid-public/public/recipe/signup",
                core.base_url
            ))
            .header("api-key", API_KEY)
            .json(&json!({"email": "ids@example.com", "password": "pw-ids-12345"}));
        if let Some(id) = id {
            request = request.header("x-correlation-id", id);
        }
        request
    };

    // A sane id is taken and echoed in the configured header (not in x-request-id).
    let taken = send(&client, sign_up(Some("trace-abc-123")), "x-correlation-id").await;
    assert_eq!(taken.status, 200);
    assert_eq!(taken.request_id, "trace-abc-123");
    // An id with a space, or longer than 128 characters, is replaced by a fresh UUID.
    for insane in ["has space".to_owned(), "a".repeat(129)] {
        let fresh = send(&client, sign_up(Some(&insane)), "x-correlation-id").await;
        assert_ne!(fresh.request_id, insane);
        assert_eq!(
            uuid::Uuid::parse_str(&fresh.request_id)
                .unwrap()
                .get_version_num(),
            4
        );
    }
    let generated = send(&client, sign_up(None), "x-correlation-id").await;
    assert!(uuid::Uuid::parse_str(&generated.request_id).is_ok());
    // Unknown paths are `unmatched`; the query string is never logged.
    let unknown = send(
        &client,
        client
            .get(format!(
                "{}/no/such/path?email=leak@example.com",
                core.base_url
            ))
            .header("api-key", API_KEY),
        "x-correlation-id",
    )
    .await;
    assert_eq!(unknown.status, 404);
    drop(core);

    let logs = captured.text();
    let lines = lines_of(&logs, "trace-abc-123");
    assert!(
        lines.iter().any(|line| line.contains("method=POST")
            && line.contains("route=/recipe/signup")
            && line.contains("request finished")
            && line.contains("status=200")
            && line.contains("latency_ms=")),
        "no access line for the request:\n{logs}"
    );
    assert!(
        lines_of(&logs, &generated.request_id)
            .iter()
            .any(|line| line.contains("request finished")),
        "{logs}"
    );
    assert!(
        lines_of(&logs, &unknown.request_id)
            .iter()
            .any(|line| line.contains("route=unmatched") && line.contains("status=404")),
        "{logs}"
    );
    assert!(!logs.contains("leak@example.com"), "{logs}");
    assert!(!logs.contains("/appid-public"), "{logs}");
}

#[tokio::test]
async fn observability_request_ids_are_fresh_without_a_configured_header() {
    let captured = Captured::default();
    let _guard = captured.install(LogLevel::Debug, LogFormat::Json);
    let core = start("sqlite::memory:", ConnectOptions::default(), None).await;
    let client = reqwest::Client::new();
    let answer = send(
        &client,
        client
            .get(format!("{}/hello", core.base_url))
            .header("x-request-id", "caller-chosen-id"),
        "x-request-id",
    )
    .await;
    assert_eq!(answer.status, 200);
    // Without request_id_header, a caller cannot choose the id.
    assert_ne!(answer.request_id, "caller-chosen-id");
    assert!(uuid::Uuid::parse_str(&answer.request_id).is_ok());
    drop(core);

    let logs = captured.text();
    let mut found = false;
    for line in logs.lines() {
        let line: Value = serde_json::from_str(line)
            .unwrap_or_else(|error| panic!("not a JSON log line ({error}): {line}"));
        if line["span"]["request_id"] == answer.request_id.as_str() {
            assert_eq!(line["span"]["method"], "GET", "{line}");
            assert_eq!(line["span"]["route"], "/hello", "{line}");
            if line["fields"]["message"] == "request finished" {
                assert_eq!(line["fields"]["status"], 200, "{line}");
                assert_eq!(line["level"], "DEBUG", "{line}");
                found = true;
            }
        }
    }
    assert!(found, "no JSON access line for the request:\n{logs}");
}

/// `GET` without API key or `cdi-version`: status, body text, `Retry-After`.
async fn probe(client: &reqwest::Client, url: &str) -> (u16, String, Option<String>) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().unwrap().to_owned());
    (status, response.text().await.unwrap(), retry_after)
}

#[tokio::test]
async fn observability_readiness_follows_the_database_and_shutdown() {
    let database = PostgresDatabase::create().await.unwrap();
    let proxy = SwitchableProxy::start("127.0.0.1:5432").await.unwrap();
    let url = database.url.replace("127.0.0.1:5432", &proxy.address);
    let connect = ConnectOptions {
        max_connections: 2,
        acquire_timeout: Duration::from_secs(1),
        ..ConnectOptions::default()
    };
    let core = start(&url, connect, None).await;
    let client = reqwest::Client::new();
    let live = format!("{}/health/live", core.base_url);
    let ready = format!("{}/health/ready", core.base_url);

    assert_eq!(probe(&client, &live).await, (200, "OK".to_owned(), None));
    assert_eq!(probe(&client, &ready).await, (200, "OK".to_owned(), None));

    proxy.disable().await;
    let (status, text, retry_after) = probe(&client, &ready).await;
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("database"), "{text}");
    assert!(
        !text.contains("127.0.0.1"),
        "no internals on an open path: {text}"
    );
    assert_eq!(retry_after.as_deref(), Some("5"));
    // Liveness does not depend on the database.
    assert_eq!(probe(&client, &live).await, (200, "OK".to_owned(), None));

    proxy.enable();
    let mut recovered = false;
    for _ in 0..100 {
        if probe(&client, &ready).await.0 == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "readiness did not recover with the database");

    // Once shutdown begins, readiness fails so that load balancers drain; liveness holds.
    core.observability.begin_shutdown();
    let (status, text, retry_after) = probe(&client, &ready).await;
    assert_eq!(status, 503);
    assert!(text.contains("shutting down"), "{text}");
    assert_eq!(retry_after.as_deref(), Some("5"));
    assert_eq!(probe(&client, &live).await.0, 200);

    drop(core);
    drop(proxy);
    database.drop_database().await.unwrap();
}

#[tokio::test]
async fn observability_metrics_are_off_without_a_recorder_and_health_is_open() {
    let core = start("sqlite::memory:", ConnectOptions::default(), None).await;
    let client = reqwest::Client::new();
    // Open paths: no API key, no cdi-version, even with keys configured.
    assert_eq!(
        probe(&client, &format!("{}/health/live", core.base_url))
            .await
            .0,
        200
    );
    // /metrics needs the key, and is 404 when this router has no metrics handle.
    let (status, _, _) = probe(&client, &format!("{}/metrics", core.base_url)).await;
    assert_eq!(status, 401);
    let response = client
        .get(format!("{}/metrics", core.base_url))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    // Health paths take no method but GET (and HEAD).
    let response = client
        .post(format!("{}/health/ready", core.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
}
