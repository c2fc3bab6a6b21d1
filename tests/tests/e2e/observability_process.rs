//! Observability of the daemon as a process (`core-under-test`, the same binary as
//! `supertokens-core`): Prometheus metrics after real traffic, and graceful shutdown on
//! SIGTERM finishing the requests in flight.

use std::collections::BTreeMap;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use supertokens_tests::process::{CdiClient, CoreProcess, CoreProcessOptions, free_port};
use supertokens_tests::{API_KEY, PostgresDatabase};

use super::observability::{assert_logs_hold_no_secret, secret_handling_flows};

const BINARY: &str = env!("CARGO_BIN_EXE_core-under-test");

/// One sample of the Prometheus text format: the metric name and its labels.
type Series = (String, BTreeMap<String, String>);

/// Parses the text exposition format (comments skipped) into series and values.
fn parse_exposition(text: &str) -> BTreeMap<Series, f64> {
    let mut samples = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap();
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            other => other.parse().unwrap(),
        };
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => {
                let rest = rest.strip_suffix('}').unwrap();
                let labels = rest
                    .split("\",")
                    .filter(|pair| !pair.is_empty())
                    .map(|pair| {
                        let (key, value) = pair.split_once("=\"").unwrap();
                        (key.to_owned(), value.trim_end_matches('"').to_owned())
                    })
                    .collect();
                (name.to_owned(), labels)
            }
            None => (series.to_owned(), BTreeMap::new()),
        };
        samples.insert((name, labels), value);
    }
    samples
}

/// The value of a series, failing with the whole scrape when it is missing.
fn value(samples: &BTreeMap<Series, f64>, name: &str, labels: &[(&str, &str)]) -> f64 {
    let key = (
        name.to_owned(),
        labels
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect(),
    );
    *samples
        .get(&key)
        .unwrap_or_else(|| panic!("no series {name}{labels:?} in:\n{samples:#?}"))
}

/// `GET /metrics` as Prometheus does: `Authorization: Bearer <key>`, no `cdi-version`.
async fn scrape(client: &reqwest::Client, base_url: &str) -> String {
    let response = client
        .get(format!("{base_url}/metrics"))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    response.text().await.unwrap()
}

async fn post_ok(cdi: &CdiClient, path: &str, body: Value) -> Value {
    let answer = cdi.post(path, &body).await.unwrap();
    assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    answer.body
}

#[tokio::test]
async fn observability_metrics_after_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/metrics.db", dir.path().display());
    let mut options = CoreProcessOptions::new(BINARY, url);
    options
        .env
        .push(("SUPERTOKENS_MAX_DB_CONNECTIONS".into(), "4".into()));
    // Two failed sign-ins of an account are free; the next attempt waits 10 minutes.
    options
        .env
        .push(("SUPERTOKENS_SIGN_IN_FREE_FAILURES".into(), "2".into()));
    options
        .env
        .push(("SUPERTOKENS_SIGN_IN_BASE_DELAY_MS".into(), "600000".into()));
    let core = CoreProcess::start(options).await.unwrap();
    let base_url = core.base_url();
    let cdi = CdiClient::new(&base_url).unwrap();
    let client = reqwest::Client::new();

    // Guarded like the CDI: no key, no metrics.
    let denied = client
        .get(format!("{base_url}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status().as_u16(), 401);
    // Outcome counters exist at zero before any traffic.
    let before = parse_exposition(&scrape(&client, &base_url).await);
    assert_eq!(
        value(&before, "supertokens_sign_in_total", &[("outcome", "ok")]),
        0.0
    );
    assert_eq!(
        value(&before, "supertokens_token_theft_detections_total", &[]),
        0.0
    );

    for email in ["m1@example.com", "m2@example.com", "m1@example.com"] {
        post_ok(
            &cdi,
            "/public/recipe/signup",
            json!({"email": email, "password": "pw-metrics-1"}),
        )
        .await;
    }
    let signed_in = post_ok(
        &cdi,
        "/public/recipe/signin",
        json!({"email": "m1@example.com", "password": "pw-metrics-1"}),
    )
    .await;
    assert_eq!(signed_in["status"], "OK");
    for _ in 0..2 {
        let wrong = post_ok(
            &cdi,
            "/public/recipe/signin",
            json!({"email": "m1@example.com", "password": "not-the-password"}),
        )
        .await;
        assert_eq!(wrong["status"], "WRONG_CREDENTIALS_ERROR");
    }
    let limited = cdi
        .post(
            "/public/recipe/signin",
            &json!({"email": "m1@example.com", "password": "pw-metrics-1"}),
        )
        .await
        .unwrap();
    assert_eq!(limited.status, 429, "{:?}", limited.body);
    let session = post_ok(
        &cdi,
        "/public/recipe/session",
        json!({"userId": "metrics-user", "userDataInJWT": {}, "userDataInDatabase": {},
               "enableAntiCsrf": false}),
    )
    .await;
    let refresh = session["refreshToken"]["token"].as_str().unwrap();
    let refreshed = post_ok(
        &cdi,
        "/recipe/session/refresh",
        json!({"refreshToken": refresh, "enableAntiCsrf": false}),
    )
    .await;
    assert_eq!(refreshed["status"], "OK");
    post_ok(
        &cdi,
        "/recipe/session/verify",
        json!({"accessToken": refreshed["accessToken"]["token"], "doAntiCsrfCheck": false,
               "enableAntiCsrf": false}),
    )
    .await;
    let theft = post_ok(
        &cdi,
        "/recipe/session/refresh",
        json!({"refreshToken": refresh, "enableAntiCsrf": false}),
    )
    .await;
    assert_eq!(theft["status"], "TOKEN_THEFT_DETECTED");
    let unauthorised = post_ok(
        &cdi,
        "/recipe/session/refresh",
        json!({"refreshToken": "not-a-refresh-token", "enableAntiCsrf": false}),
    )
    .await;
    assert_eq!(unauthorised["status"], "UNAUTHORISED");
    let unknown = cdi.get("/no/such/path?user=m1@example.com").await.unwrap();
    assert_eq!(unknown.status, 404);

    let text = scrape(&client, &base_url).await;
    let after = parse_exposition(&text);
    let counts = [
        ("supertokens_sign_up_total", "ok", 2.0),
        ("supertokens_sign_up_total", "email_already_exists", 1.0),
        ("supertokens_sign_in_total", "ok", 1.0),
        ("supertokens_sign_in_total", "wrong_credentials", 2.0),
        ("supertokens_sign_in_total", "rate_limited", 1.0),
        ("supertokens_sign_up_total", "rate_limited", 0.0),
        ("supertokens_session_refresh_total", "ok", 1.0),
        (
            "supertokens_session_refresh_total",
            "token_theft_detected",
            1.0,
        ),
        ("supertokens_session_refresh_total", "unauthorised", 1.0),
    ];
    for (name, outcome, expected) in counts {
        assert_eq!(
            value(&after, name, &[("outcome", outcome)]),
            expected,
            "{name}{{outcome={outcome}}}"
        );
    }
    assert_eq!(
        value(&after, "supertokens_token_theft_detections_total", &[]),
        1.0
    );
    let requests = "supertokens_http_requests_total";
    let signup = [
        ("method", "POST"),
        ("route", "/recipe/signup"),
        ("status", "200"),
    ];
    assert_eq!(value(&after, requests, &signup), 3.0);
    assert_eq!(
        value(
            &after,
            requests,
            &[
                ("method", "POST"),
                ("route", "/recipe/session/refresh"),
                ("status", "200")
            ]
        ),
        3.0
    );
    assert_eq!(
        value(
            &after,
            requests,
            &[("method", "GET"), ("route", "unmatched"), ("status", "404")]
        ),
        1.0
    );
    assert_eq!(
        value(
            &after,
            requests,
            &[
                ("method", "POST"),
                ("route", "/recipe/signin"),
                ("status", "429")
            ]
        ),
        1.0
    );
    assert_eq!(
        value(
            &after,
            requests,
            &[("method", "GET"), ("route", "/metrics"), ("status", "401")]
        ),
        1.0
    );
    let duration = "supertokens_http_request_duration_seconds";
    let signup_route = [("method", "POST"), ("route", "/recipe/signup")];
    assert_eq!(
        value(&after, &format!("{duration}_count"), &signup_route),
        3.0
    );
    assert!(value(&after, &format!("{duration}_sum"), &signup_route) > 0.0);
    assert_eq!(
        value(
            &after,
            &format!("{duration}_bucket"),
            &[
                ("method", "POST"),
                ("route", "/recipe/signup"),
                ("le", "+Inf")
            ]
        ),
        3.0
    );
    assert_eq!(
        value(&after, "supertokens_password_hashing_queue_depth", &[]),
        0.0
    );
    assert_eq!(
        value(&after, "supertokens_password_hashing_in_flight", &[]),
        0.0
    );
    assert_eq!(
        value(
            &after,
            "supertokens_db_pool_max_connections",
            &[("app", "public")]
        ),
        4.0
    );
    let idle = value(
        &after,
        "supertokens_db_pool_connections",
        &[("app", "public"), ("state", "idle")],
    );
    let in_use = value(
        &after,
        "supertokens_db_pool_connections",
        &[("app", "public"), ("state", "in_use")],
    );
    assert!(
        idle + in_use >= 1.0 && idle + in_use <= 4.0,
        "{idle} {in_use}"
    );
    // Bounded labels: no user data, no query strings.
    assert!(!text.contains("example.com"), "{text}");
    assert!(!text.contains("/no/such/path"), "{text}");
    assert!(!text.contains("metrics-user"), "{text}");
}

#[tokio::test]
async fn observability_no_secret_in_the_daemon_debug_json_logs_on_postgres() {
    let database = PostgresDatabase::create().await.unwrap();
    let mut options = CoreProcessOptions::new(BINARY, database.url.clone());
    options.log_level = "DEBUG".into();
    options
        .env
        .push(("SUPERTOKENS_LOG_FORMAT".into(), "json".into()));
    let core = CoreProcess::start(options).await.unwrap();
    let (secrets, request_ids) = secret_handling_flows(&core.base_url()).await;
    let log = std::fs::read_to_string(core.log_path()).unwrap();
    drop(core);
    database.drop_database().await.unwrap();
    for line in log.lines() {
        serde_json::from_str::<Value>(line)
            .unwrap_or_else(|error| panic!("not a JSON log line ({error}): {line}"));
    }
    assert!(
        log.contains("sqlx::query"),
        "the statements were not logged"
    );
    assert_logs_hold_no_secret(&log, &secrets, &request_ids);
}

/// A core process whose exit status the test reads, with slow password hashing so that
/// sign-ups stay in flight long enough to be caught by SIGTERM.
struct SlowCore {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for SlowCore {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
            eprintln!("---- core log ----\n{log}\n---- end of the core log ----");
        }
    }
}

impl SlowCore {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port().unwrap();
        let log = std::fs::File::create(dir.path().join("core.log")).unwrap();
        let database_url = format!("sqlite://{}/shutdown.db", dir.path().display());
        let child = Command::new(BINARY)
            .env_clear()
            .envs([
                ("SUPERTOKENS_HOST", "127.0.0.1".to_owned()),
                ("SUPERTOKENS_PORT", port.to_string()),
                ("SUPERTOKENS_API_KEYS", API_KEY.to_owned()),
                ("SUPERTOKENS_DATABASE_URL", database_url),
                ("SUPERTOKENS_LOG_LEVEL", "INFO".to_owned()),
                // One hashing thread and a deliberately costly argon2id (64 MiB, 24 passes):
                // each sign-up takes on the order of a second, the others queue.
                ("SUPERTOKENS_ARGON2_HASHING_POOL_SIZE", "1".to_owned()),
                ("SUPERTOKENS_ARGON2_MEMORY_KB", "65536".to_owned()),
                ("SUPERTOKENS_ARGON2_ITERATIONS", "24".to_owned()),
            ])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        Self { child, port, dir }
    }

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log_path(&self) -> std::path::PathBuf {
        self.dir.path().join("core.log")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits (polling, at most `limit`) for the process to exit.
    async fn exit_status(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the core did not exit within {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Polls `condition` every 25 ms for at most `limit`.
async fn eventually<F, Fut>(limit: Duration, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !condition().await {
        assert!(Instant::now() < deadline, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The hashing gauges (queue depth, in flight) from a scrape.
async fn hashing_load(client: &reqwest::Client, base_url: &str) -> (f64, f64) {
    let samples = parse_exposition(&scrape(client, base_url).await);
    (
        value(&samples, "supertokens_password_hashing_queue_depth", &[]),
        value(&samples, "supertokens_password_hashing_in_flight", &[]),
    )
}

#[tokio::test]
async fn observability_sigterm_finishes_requests_in_flight() {
    let mut core = SlowCore::start();
    let base_url = core.base_url();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let ready_url = format!("{base_url}/health/ready");
    eventually(
        Duration::from_secs(120),
        "the core became ready",
        || async {
            matches!(client.get(&ready_url).send().await, Ok(answer) if answer.status() == 200)
        },
    )
    .await;

    // Three sign-ups at once: one hashing, two waiting for the single hashing thread.
    let sign_ups: Vec<_> = (0..3)
        .map(|index| {
            let cdi = CdiClient::with_timeout(&base_url, Duration::from_secs(120)).unwrap();
            tokio::spawn(async move {
                cdi.post(
                    "/public/recipe/signup",
                    &json!({"email": format!("drain-{index}@example.com"), "password": "pw-drain-1"}),
                )
                .await
            })
        })
        .collect();
    eventually(
        Duration::from_secs(60),
        "all three sign-ups reached the hashing pool",
        || async { hashing_load(&client, &base_url).await == (2.0, 1.0) },
    )
    .await;

    core.terminate();
    let unfinished = sign_ups.iter().filter(|task| !task.is_finished()).count();
    assert!(
        unfinished > 0,
        "every sign-up finished before SIGTERM: nothing was in flight"
    );
    // The listener closes at once: new connections are refused while the sign-ups finish.
    let address = format!("127.0.0.1:{}", core.port);
    eventually(
        Duration::from_secs(10),
        "new connections were refused after SIGTERM",
        || async { tokio::net::TcpStream::connect(&address).await.is_err() },
    )
    .await;
    for sign_up in sign_ups {
        let answer = sign_up
            .await
            .unwrap()
            .expect("a sign-up in flight got no answer");
        assert!(answer.is_ok(), "{answer:?}");
    }
    let status = core.exit_status(Duration::from_secs(60)).await;
    assert_eq!(status.code(), Some(0), "{}", core.log());
    let log = core.log();
    assert!(log.contains("finishing requests in flight"), "{log}");
    assert!(log.contains("supertokens-core stopped"), "{log}");
}
