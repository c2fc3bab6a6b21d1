//! Spawning the release core binary on a throw-away data directory and database.
//!
//! A [`Deployment`] owns a temporary directory (data dir, SQLite file, core logs) and, for
//! PostgreSQL, a uniquely named database created with `psql` and dropped again when the
//! deployment is dropped. [`CoreProcess`] is one running core; dropping it kills the process,
//! [`CoreProcess::stop`] asks it to shut down with SIGTERM first.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use supertokens_crypto::random::{OsRandom, random_numeric_code};

/// Which storage backend the core runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DbKind {
    /// A SQLite file inside the data directory.
    Sqlite,
    /// A fresh database on the local PostgreSQL server.
    Postgres,
}

impl DbKind {
    /// "sqlite" or "postgres".
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// How to start the core; shared by every subcommand.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct CoreArgs {
    /// The core binary to benchmark (relative paths are also tried from the workspace root).
    #[arg(
        long,
        global = true,
        env = "SUPERTOKENS_BENCH_CORE_BIN",
        default_value = "target/release/supertokens-core"
    )]
    pub(crate) core_bin: PathBuf,
    /// API key configured on the core and sent with every request (at least 20 characters).
    #[arg(long, global = true, default_value = "bench-api-key-0123456789abcdef")]
    pub(crate) api_key: String,
    /// PostgreSQL server URL without a database name; benchmark databases are created on it.
    #[arg(
        long,
        global = true,
        env = "SUPERTOKENS_BENCH_PG_URL",
        default_value = "postgres://postgres@127.0.0.1:5432"
    )]
    pub(crate) pg_url: String,
    /// argon2id memory cost in KiB (SUPERTOKENS_ARGON2_MEMORY_KB).
    #[arg(long, global = true, default_value_t = 19_456)]
    pub(crate) argon2_memory_kb: u32,
    /// argon2id iterations (SUPERTOKENS_ARGON2_ITERATIONS).
    #[arg(long, global = true, default_value_t = 2)]
    pub(crate) argon2_iterations: u32,
    /// argon2id parallelism (SUPERTOKENS_ARGON2_PARALLELISM).
    #[arg(long, global = true, default_value_t = 1)]
    pub(crate) argon2_parallelism: u32,
    /// Size of the core's password hashing pool (SUPERTOKENS_ARGON2_HASHING_POOL_SIZE);
    /// unset = the core's default, max(1, cores - 1).
    #[arg(long, global = true)]
    pub(crate) hashing_pool_size: Option<usize>,
    /// Extra environment for the core process only, as KEY=VALUE (repeatable), e.g.
    /// `--core-env MALLOC_ARENA_MAX=2` for allocator experiments.
    #[arg(long = "core-env", global = true, value_name = "KEY=VALUE", value_parser = parse_env_pair)]
    pub(crate) core_env: Vec<(String, String)>,
    /// Before measuring, wait up to this many seconds for other processes to go quiet
    /// (below 25 % of a core); 0 = don't wait.
    #[arg(long, global = true, default_value_t = 30)]
    pub(crate) quiet_wait_secs: u64,
    /// Seconds to wait for `GET /hello` to answer 200 before giving up.
    #[arg(long, global = true, default_value_t = 20)]
    pub(crate) ready_timeout_secs: u64,
}

impl CoreArgs {
    /// The hashing pool size the core will use: the configured one, or its default.
    pub(crate) fn effective_pool_size(&self) -> usize {
        self.hashing_pool_size.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get().saturating_sub(1).max(1))
                .unwrap_or(1)
        })
    }

    /// How long to wait for a quiet machine before each measurement.
    pub(crate) fn quiet_wait(&self) -> Duration {
        Duration::from_secs(self.quiet_wait_secs)
    }

    /// "m=19456 KiB, t=2, p=1".
    pub(crate) fn argon2_label(&self) -> String {
        format!(
            "argon2id m={} KiB, t={}, p={}",
            self.argon2_memory_kb, self.argon2_iterations, self.argon2_parallelism
        )
    }

    /// The core binary, resolved against the current directory or the workspace root.
    fn resolve_core_bin(&self) -> Result<PathBuf> {
        if self.core_bin.is_file() {
            return Ok(self.core_bin.clone());
        }
        if self.core_bin.is_relative() {
            let from_root = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(&self.core_bin);
            if from_root.is_file() {
                return Ok(from_root);
            }
        }
        bail!(
            "core binary {} not found; build it with `cargo build --release -p supertokens-core` \
             or pass --core-bin",
            self.core_bin.display()
        )
    }
}

/// A temporary data directory plus database that one or more core processes run on.
#[derive(Debug)]
pub(crate) struct Deployment {
    // Field order is drop order: the database goes before the directory.
    // Held only for its `Drop`, which drops the database.
    _pg: Option<PgDatabase>,
    root: tempfile::TempDir,
    db: DbKind,
    db_url: String,
    spawned: usize,
}

impl Deployment {
    /// A fresh, empty data directory and database.
    pub(crate) fn new(args: &CoreArgs, db: DbKind) -> Result<Self> {
        let root = tempfile::Builder::new()
            .prefix("supertokens-bench-")
            .tempdir()
            .context("creating a temporary directory")?;
        std::fs::create_dir_all(root.path().join("data"))?;
        std::fs::create_dir_all(root.path().join("logs"))?;
        let (pg, db_url) = match db {
            DbKind::Sqlite => {
                let file = root.path().join("data").join("core.db");
                (None, format!("sqlite://{}", file.display()))
            }
            DbKind::Postgres => {
                let pg = PgDatabase::create(&args.pg_url)?;
                let url = pg.url();
                (Some(pg), url)
            }
        };
        Ok(Self {
            _pg: pg,
            root,
            db,
            db_url,
            spawned: 0,
        })
    }

    /// Spawns a core on this deployment and waits until `GET /hello` answers 200.
    ///
    /// Returns the process and the time from spawn to the first 200.
    pub(crate) async fn start(&mut self, args: &CoreArgs) -> Result<(CoreProcess, Duration)> {
        let bin = args.resolve_core_bin()?;
        let port = free_port()?;
        self.spawned += 1;
        let log_path = self
            .root
            .path()
            .join("logs")
            .join(format!("core-{}.log", self.spawned));
        let log = File::create(&log_path).context("creating the core log file")?;
        let data_dir = self.root.path().join("data");

        let mut cmd = Command::new(&bin);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("SUPERTOKENS_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("SUPERTOKENS_HOST", "127.0.0.1")
            .env("SUPERTOKENS_PORT", port.to_string())
            .env("SUPERTOKENS_DATABASE_URL", &self.db_url)
            .env("SUPERTOKENS_API_KEYS", &args.api_key)
            .env("SUPERTOKENS_LOG_LEVEL", "WARN")
            .env("SUPERTOKENS_DATA_DIR", &data_dir)
            .env(
                "SUPERTOKENS_ARGON2_MEMORY_KB",
                args.argon2_memory_kb.to_string(),
            )
            .env(
                "SUPERTOKENS_ARGON2_ITERATIONS",
                args.argon2_iterations.to_string(),
            )
            .env(
                "SUPERTOKENS_ARGON2_PARALLELISM",
                args.argon2_parallelism.to_string(),
            )
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        for (key, value) in &args.core_env {
            cmd.env(key, value);
        }
        if let Some(n) = args.hashing_pool_size {
            cmd.env("SUPERTOKENS_ARGON2_HASHING_POOL_SIZE", n.to_string());
        }

        let t0 = Instant::now();
        let child = cmd
            .spawn()
            .with_context(|| format!("spawning {}", bin.display()))?;
        let mut core = CoreProcess {
            child,
            port,
            log_path,
            exited: false,
        };
        let ready = core
            .wait_ready(t0, Duration::from_secs(args.ready_timeout_secs))
            .await?;
        eprintln!(
            "core pid {} ready on 127.0.0.1:{port} ({}) after {:.1} ms",
            core.pid(),
            self.db.name(),
            ready.as_secs_f64() * 1000.0
        );
        Ok((core, ready))
    }
}

/// One running core process.
#[derive(Debug)]
pub(crate) struct CoreProcess {
    child: Child,
    port: u16,
    log_path: PathBuf,
    exited: bool,
}

impl CoreProcess {
    /// The process id (for `/proc/<pid>/…`).
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The loopback port the core listens on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Polls `GET /hello` every millisecond until it answers 200; returns the time since `t0`.
    async fn wait_ready(&mut self, t0: Instant, timeout: Duration) -> Result<Duration> {
        let probe = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(2))
            .build()?;
        let url = format!("http://127.0.0.1:{}/hello", self.port);
        loop {
            if let Ok(resp) = probe.get(&url).send().await
                && resp.status() == reqwest::StatusCode::OK
            {
                return Ok(t0.elapsed());
            }
            if let Some(status) = self.child.try_wait()? {
                self.exited = true;
                bail!(
                    "the core exited with {status} before it was ready; log:\n{}",
                    self.log_tail()
                );
            }
            if t0.elapsed() > timeout {
                bail!(
                    "the core was not ready within {} s; log:\n{}",
                    timeout.as_secs(),
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// The last lines the core wrote to stdout/stderr.
    pub(crate) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Sends SIGTERM and waits up to 5 s for the process to exit, then kills it.
    pub(crate) async fn stop(mut self) -> Result<()> {
        let pid = self.pid().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                self.exited = true;
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        eprintln!("core {pid} ignored SIGTERM for 5 s; killing it");
        Ok(())
    }
}

impl Drop for CoreProcess {
    fn drop(&mut self) {
        if !self.exited {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A uniquely named PostgreSQL database, dropped (with `FORCE`) on drop.
#[derive(Debug)]
struct PgDatabase {
    server_url: String,
    name: String,
}

impl PgDatabase {
    fn create(server_url: &str) -> Result<Self> {
        let name = format!(
            "st_bench_{}_{}",
            std::process::id(),
            random_numeric_code(&OsRandom, 8)
        );
        let db = Self {
            server_url: server_url.trim_end_matches('/').to_owned(),
            name,
        };
        db.psql(&format!("CREATE DATABASE {}", db.name))?;
        Ok(db)
    }

    fn url(&self) -> String {
        format!("{}/{}", self.server_url, self.name)
    }

    fn psql(&self, sql: &str) -> Result<()> {
        let admin = format!("{}/postgres", self.server_url);
        let out = Command::new("psql")
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &admin, "-c", sql])
            .stdin(Stdio::null())
            .output()
            .context("running psql (is the PostgreSQL client installed?)")?;
        if !out.status.success() {
            bail!(
                "psql `{sql}` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Err(e) = self.psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )) {
            eprintln!("could not drop the benchmark database {}: {e:#}", self.name);
        }
    }
}

/// Parses `KEY=VALUE` for `--core-env`.
fn parse_env_pair(s: &str) -> std::result::Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

/// A loopback port that was free a moment ago.
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}
