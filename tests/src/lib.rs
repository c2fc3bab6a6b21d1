//! Test kit: starts the core in-process on `127.0.0.1:0` with an injected clock and hands
//! tests a ready HTTP client, a throw-away PostgreSQL database, or a TCP proxy that can cut
//! the core off from its database.

pub mod postgres_cluster;
pub mod process;
pub mod timing;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use supertokens_core_engine::{
    Apps, CleanupConfig, Core, CoreConfig, ManualClock, RateLimitConfig,
};
use supertokens_core_http::{AppState, ServerConfig, router};
use supertokens_crypto::password::PasswordHashingPolicy;
use supertokens_crypto::random::OsRandom;
use supertokens_storage::{ConnectOptions, connect_with_apps};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Epoch ms at which test clocks start.
pub const START_MS: i64 = 1_800_000_000_000;
/// API key the test cores require.
pub const API_KEY: &str = "test-api-key-0123456789";

/// How to start a test core.
#[derive(Debug, Clone)]
pub struct TestCoreOptions {
    /// Storage URL.
    pub database_url: String,
    /// API keys (empty = open core).
    pub api_keys: Vec<String>,
    /// Engine configuration.
    pub config: CoreConfig,
    /// Connection pool settings.
    pub connect: ConnectOptions,
}

impl Default for TestCoreOptions {
    fn default() -> Self {
        Self {
            database_url: "sqlite::memory:".into(),
            api_keys: vec![API_KEY.into()],
            config: test_config(),
            connect: ConnectOptions::default(),
        }
    }
}

/// Engine settings for tests: short lifetimes and the cheapest password hashing.
pub fn test_config() -> CoreConfig {
    CoreConfig {
        access_token_validity: Duration::from_secs(60),
        refresh_token_validity: Duration::from_secs(3600),
        password_reset_token_lifetime: Duration::from_secs(600),
        email_verification_token_lifetime: Duration::from_secs(600),
        passwordless_code_lifetime: Duration::from_secs(900),
        passwordless_max_code_input_attempts: 5,
        signing_key_update_interval: Duration::from_secs(24 * 3600),
        password_hashing: PasswordHashingPolicy::danger_test_minimum(),
        password_hashing_pool_size: 2,
        cleanup: CleanupConfig::default(),
        rate_limits: RateLimitConfig::default(),
    }
}

/// A core serving on a loopback port.
pub struct TestCore {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// The engine of its public app.
    pub core: Arc<Core>,
    /// Every app of the core (the public one is `core`).
    pub apps: Arc<Apps>,
    /// Its clock.
    pub clock: Arc<ManualClock>,
    /// A client that sends the API key and `cdi-version: 5.4`.
    pub client: reqwest::Client,
    server: JoinHandle<()>,
}

impl Drop for TestCore {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Starts a core with these options, its clock at [`START_MS`].
pub async fn start_core(options: TestCoreOptions) -> anyhow::Result<TestCore> {
    start_core_with_clock(options, Arc::new(ManualClock::new(START_MS))).await
}

/// Starts a core sharing `clock` (several cores on one database in one test).
pub async fn start_core_with_clock(
    options: TestCoreOptions,
    clock: Arc<ManualClock>,
) -> anyhow::Result<TestCore> {
    let connection = connect_with_apps(&options.database_url, &options.connect)
        .await
        .context("connecting storage")?;
    let core = Arc::new(
        Core::new(
            connection.main,
            options.config,
            clock.clone(),
            Arc::new(OsRandom),
        )
        .await?,
    );
    let apps = Arc::new(Apps::new(core.clone(), connection.apps, Arc::new(OsRandom)));
    let state = AppState {
        apps: apps.clone(),
        config: Arc::new(ServerConfig {
            api_keys: options.api_keys,
            base_path: String::new(),
            ..ServerConfig::default()
        }),
        observability: Default::default(),
    };
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let app = router(state);
    let server = tokio::spawn(async move {
        let _ = axum_serve(listener, app).await;
    });
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
        .build()?;
    Ok(TestCore {
        base_url,
        core,
        apps,
        clock,
        client,
        server,
    })
}

async fn axum_serve(
    listener: TcpListener,
    app: supertokens_core_http::Router,
) -> std::io::Result<()> {
    supertokens_core_http::serve(listener, app, std::future::pending()).await
}

impl TestCore {
    /// `POST` JSON to a CDI path; returns the status and the body (JSON when it parses).
    pub async fn post(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> anyhow::Result<(u16, serde_json::Value)> {
        let response = self
            .client
            .post(format!("{}{path}", self.base_url))
            .json(&body)
            .send()
            .await?;
        read(response).await
    }

    /// `PUT` JSON to a CDI path.
    pub async fn put(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> anyhow::Result<(u16, serde_json::Value)> {
        let response = self
            .client
            .put(format!("{}{path}", self.base_url))
            .json(&body)
            .send()
            .await?;
        read(response).await
    }

    /// `GET` a CDI path (query included in `path`).
    pub async fn get(&self, path: &str) -> anyhow::Result<(u16, serde_json::Value)> {
        let response = self
            .client
            .get(format!("{}{path}", self.base_url))
            .send()
            .await?;
        read(response).await
    }
}

async fn read(response: reqwest::Response) -> anyhow::Result<(u16, serde_json::Value)> {
    let status = response.status().as_u16();
    let text = response.text().await?;
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    Ok((status, body))
}

/// Admin URL of the test PostgreSQL server (`ST_TEST_POSTGRES_URL` overrides).
pub fn postgres_admin_url() -> String {
    std::env::var("ST_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A uniquely named PostgreSQL database, dropped by [`PostgresDatabase::drop_database`].
#[derive(Debug)]
pub struct PostgresDatabase {
    /// Its name.
    pub name: String,
    /// URL to connect to it.
    pub url: String,
}

impl PostgresDatabase {
    /// Creates a fresh database; fails loudly when PostgreSQL is unreachable.
    pub async fn create() -> anyhow::Result<Self> {
        use sqlx::Connection;
        let admin = postgres_admin_url();
        let mut connection = sqlx::PgConnection::connect(&admin).await.with_context(|| {
            format!(
                "PostgreSQL is not reachable at {admin}; start it with \
                 `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`"
            )
        })?;
        let name = format!("st_e2e_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut connection)
            .await?;
        let base = admin
            .rsplit_once('/')
            .map(|(base, _)| base.to_owned())
            .unwrap_or(admin);
        Ok(Self {
            url: format!("{base}/{name}"),
            name,
        })
    }

    /// Drops the database, closing whatever still uses it.
    pub async fn drop_database(self) -> anyhow::Result<()> {
        use sqlx::Connection;
        let mut connection = sqlx::PgConnection::connect(&postgres_admin_url()).await?;
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut connection)
        .await?;
        Ok(())
    }
}

/// Admin URL of the test MariaDB/MySQL server (`ST_TEST_MYSQL_URL` overrides).
pub fn mysql_admin_url() -> String {
    std::env::var("ST_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/".into())
}

/// A uniquely named MariaDB database, dropped (with the per-app databases a core made
/// beside it, `<name>__<app>`) by [`MySqlDatabase::drop_database`].
#[derive(Debug)]
pub struct MySqlDatabase {
    /// Its name.
    pub name: String,
    /// URL to connect to it.
    pub url: String,
}

impl MySqlDatabase {
    /// Creates a fresh database; fails loudly when MariaDB is unreachable.
    pub async fn create() -> anyhow::Result<Self> {
        use sqlx::Connection;
        let admin = mysql_admin_url();
        let mut connection = sqlx::MySqlConnection::connect(&admin)
            .await
            .with_context(|| {
                format!(
                    "MariaDB is not reachable at {admin}; start it with \
                     `start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd`"
                )
            })?;
        let name = format!("st_e2e_{}", uuid::Uuid::new_v4().simple());
        sqlx::raw_sql(&format!(
            "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        ))
        .execute(&mut connection)
        .await?;
        Ok(Self {
            url: format!("{}/{name}", admin.trim_end_matches('/')),
            name,
        })
    }

    /// Drops the database and the app databases made beside it.
    pub async fn drop_database(self) -> anyhow::Result<()> {
        use sqlx::Connection;
        let mut connection = sqlx::MySqlConnection::connect(&mysql_admin_url()).await?;
        let pattern = format!("{}\\_\\_%", self.name);
        let mut names: Vec<String> =
            sqlx::query_scalar(&format!("SHOW DATABASES LIKE '{pattern}'"))
                .fetch_all(&mut connection)
                .await?;
        names.push(self.name);
        for name in names {
            sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS `{name}`"))
                .execute(&mut connection)
                .await?;
        }
        Ok(())
    }
}

/// A loopback TCP proxy that can be switched off and on, to cut a core off from its
/// database without touching the shared database server.
pub struct SwitchableProxy {
    /// `127.0.0.1:<port>` to connect to instead of the target.
    pub address: String,
    enabled: Arc<AtomicBool>,
    connections: Arc<tokio::sync::Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Drop for SwitchableProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl SwitchableProxy {
    /// Proxies to `target` (`host:port`).
    pub async fn start(target: &str) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?.to_string();
        let enabled = Arc::new(AtomicBool::new(true));
        let connections = Arc::new(tokio::sync::Mutex::new(Vec::new()));
        let target = target.to_owned();
        let accept = {
            let enabled = enabled.clone();
            let connections = connections.clone();
            tokio::spawn(async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if !enabled.load(Ordering::SeqCst) {
                        continue; // dropping the socket refuses the connection
                    }
                    let target = target.clone();
                    let task = tokio::spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(&target).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    connections.lock().await.push(task);
                }
            })
        };
        Ok(Self {
            address,
            enabled,
            connections,
            accept,
        })
    }

    /// Cuts every open connection and refuses new ones.
    pub async fn disable(&self) {
        self.enabled.store(false, Ordering::SeqCst);
        for task in self.connections.lock().await.drain(..) {
            task.abort();
        }
    }

    /// Accepts connections again.
    pub fn enable(&self) {
        self.enabled.store(true, Ordering::SeqCst);
    }
}
