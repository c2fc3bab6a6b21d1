//! The core as a child process, for tests that kill it (SIGKILL) or run several of them on
//! one database, and a small CDI client that works against any base URL.
//!
//! Integration tests pass the daemon binary as `env!("CARGO_BIN_EXE_core-under-test")`.
//! The child gets a clean environment (only the settings given here), runs in its own
//! temporary directory (so no stray `config.yaml` is read) and writes stdout and stderr to
//! `core.log` there; the tail of that log is printed when a test panics while the process
//! handle is alive, and [`CoreProcess::log_tail`] returns it for assertion messages.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

use crate::API_KEY;

/// Lines of the log shown by [`CoreProcess::log_tail`] and when a test fails.
const LOG_TAIL_LINES: usize = 200;
/// Pause between two readiness probes.
const READY_POLL: Duration = Duration::from_millis(100);

/// How to start a core process. `Debug` leaves out the database URL (it may hold a
/// password).
#[derive(Clone)]
pub struct CoreProcessOptions {
    /// The daemon binary (`env!("CARGO_BIN_EXE_core-under-test")`).
    pub binary: PathBuf,
    /// `SUPERTOKENS_DATABASE_URL`.
    pub database_url: String,
    /// `SUPERTOKENS_LOG_LEVEL`.
    pub log_level: String,
    /// Further `SUPERTOKENS_*` settings, e.g. `("SUPERTOKENS_MAX_DB_CONNECTIONS", "4")`.
    pub env: Vec<(String, String)>,
    /// How long [`CoreProcess::start`] waits for `/hello` to answer 200.
    pub ready_timeout: Duration,
}

impl std::fmt::Debug for CoreProcessOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreProcessOptions")
            .field("binary", &self.binary)
            .field("log_level", &self.log_level)
            .field("ready_timeout", &self.ready_timeout)
            .finish_non_exhaustive()
    }
}

impl CoreProcessOptions {
    /// A core on `database_url` with the test API key and the cheapest password hashing.
    pub fn new(binary: impl Into<PathBuf>, database_url: impl Into<String>) -> Self {
        Self {
            binary: binary.into(),
            database_url: database_url.into(),
            log_level: "INFO".into(),
            env: Vec::new(),
            ready_timeout: Duration::from_secs(60),
        }
    }

    fn environment(&self, port: u16, data_dir: &Path) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = [
            ("SUPERTOKENS_HOST", "127.0.0.1".to_owned()),
            ("SUPERTOKENS_PORT", port.to_string()),
            ("SUPERTOKENS_API_KEYS", API_KEY.to_owned()),
            ("SUPERTOKENS_DATABASE_URL", self.database_url.clone()),
            ("SUPERTOKENS_DATA_DIR", data_dir.display().to_string()),
            ("SUPERTOKENS_LOG_LEVEL", self.log_level.clone()),
            // Cheapest argon2id: these tests are about faults, not hashing cost.
            ("SUPERTOKENS_PASSWORD_HASHING_ALG", "ARGON2".to_owned()),
            ("SUPERTOKENS_ARGON2_ITERATIONS", "1".to_owned()),
            ("SUPERTOKENS_ARGON2_MEMORY_KB", "8".to_owned()),
            ("SUPERTOKENS_ARGON2_PARALLELISM", "1".to_owned()),
            ("SUPERTOKENS_ARGON2_HASHING_POOL_SIZE", "4".to_owned()),
            ("RUST_BACKTRACE", "1".to_owned()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        env.extend(self.env.iter().cloned());
        env
    }
}

/// A running (or killed) core child process. Dropping it kills the process.
pub struct CoreProcess {
    options: CoreProcessOptions,
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
    starts: u32,
}

impl std::fmt::Debug for CoreProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreProcess")
            .field("port", &self.port)
            .field("pid", &self.pid())
            .field("log", &self.log_path())
            .finish_non_exhaustive()
    }
}

impl Drop for CoreProcess {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!(
                "---- last lines of the core log ({}) ----\n{}\n---- end of the core log ----",
                self.log_path().display(),
                self.log_tail()
            );
        }
    }
}

impl CoreProcess {
    /// Starts the core on a free loopback port and waits until `/hello` answers 200.
    pub async fn start(options: CoreProcessOptions) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir().context("creating the core's directory")?;
        let mut process = Self {
            options,
            child: None,
            port: free_port()?,
            dir,
            starts: 0,
        };
        process.spawn_and_wait().await?;
        Ok(process)
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether the process is still running (not exited, not killed).
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// Kills the process with SIGKILL (no graceful shutdown) and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the process again on the same port and database, after [`CoreProcess::kill`]
    /// (or kills it first), and waits until it is ready.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.kill();
        self.spawn_and_wait().await
    }

    /// Path of the captured stdout and stderr.
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("core.log")
    }

    /// The last lines of the captured output.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.len().saturating_sub(LOG_TAIL_LINES);
        lines[start..].join("\n")
    }

    async fn spawn_and_wait(&mut self) -> anyhow::Result<()> {
        self.starts += 1;
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.log_path())
            .context("opening the core log")?;
        let stderr = log.try_clone().context("opening the core log")?;
        let data_dir = self.dir.path().join("data");
        let mut command = Command::new(&self.options.binary);
        command
            .env_clear()
            .envs(self.options.environment(self.port, &data_dir))
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(stderr));
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", self.options.binary.display()))?;
        self.child = Some(child);
        let client = CdiClient::new(&self.base_url())?;
        let deadline = Instant::now() + self.options.ready_timeout;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                self.child = None;
                bail!(
                    "the core exited during start ({status}, start #{}); log:\n{}",
                    self.starts,
                    self.log_tail()
                );
            }
            if let Ok(answer) = client.get("/hello").await
                && answer.status == 200
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.kill();
                bail!(
                    "the core did not answer /hello within {:?} (start #{}); log:\n{}",
                    self.options.ready_timeout,
                    self.starts,
                    self.log_tail()
                );
            }
            tokio::time::sleep(READY_POLL).await;
        }
    }
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// An answer of the core.
#[derive(Debug, Clone)]
pub struct CdiAnswer {
    /// HTTP status.
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The body: JSON when it parses, else a JSON string of the text.
    pub body: Value,
}

impl CdiAnswer {
    /// The body's `status` field (`"OK"`, `"TOKEN_THEFT_DETECTED"`, ...), or `""`.
    pub fn cdi_status(&self) -> &str {
        self.body["status"].as_str().unwrap_or_default()
    }

    /// Whether this is HTTP 200 with `"status": "OK"`.
    pub fn is_ok(&self) -> bool {
        self.status == 200 && self.cdi_status() == "OK"
    }
}

/// An HTTP client of one core: sends the test API key and `cdi-version: 5.4`. An `Err`
/// means no answer at all (connection refused or cut, or the request timed out).
#[derive(Debug, Clone)]
pub struct CdiClient {
    base_url: String,
    client: reqwest::Client,
}

impl CdiClient {
    /// A client of the core at `base_url`, giving up on a request after 30 s.
    pub fn new(base_url: &str) -> anyhow::Result<Self> {
        Self::with_timeout(base_url, Duration::from_secs(30))
    }

    /// A client giving up on a request after `timeout`.
    pub fn with_timeout(base_url: &str, timeout: Duration) -> anyhow::Result<Self> {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "api-key",
            reqwest::header::HeaderValue::from_static(API_KEY),
        );
        headers.insert(
            "cdi-version",
            reqwest::header::HeaderValue::from_static("5.4"),
        );
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(timeout)
            .build()?;
        Ok(Self {
            base_url: base_url.to_owned(),
            client,
        })
    }

    /// The core's base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `POST` JSON to a CDI path.
    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<CdiAnswer> {
        let response = self
            .client
            .post(format!("{}{path}", self.base_url))
            .json(body)
            .send()
            .await?;
        answer(response).await
    }

    /// `GET` a CDI path (query included in `path`).
    pub async fn get(&self, path: &str) -> anyhow::Result<CdiAnswer> {
        let response = self
            .client
            .get(format!("{}{path}", self.base_url))
            .send()
            .await?;
        answer(response).await
    }
}

async fn answer(response: reqwest::Response) -> anyhow::Result<CdiAnswer> {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await?;
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Ok(CdiAnswer {
        status,
        retry_after,
        body,
    })
}
