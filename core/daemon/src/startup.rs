//! Start and stop: storage (with retries while the database is unreachable), engine (the
//! public app's core; other apps' cores are built on first use), background jobs (cleanup
//! and key rotation of every loaded app, re-reading the list of apps), listener, then
//! serving until SIGTERM or Ctrl-C.
//!
//! The only info line of a successful start is the "ready" line; the steps before it log at
//! debug level.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use secrecy::ExposeSecret;
use supertokens_cdi::version::LATEST_CDI_VERSION;
use supertokens_core_engine::{Apps, Core, StorageError, SystemClock};
use supertokens_core_http::{AppState, Observability, metrics, router, serve};
use supertokens_crypto::random::OsRandom;
use supertokens_storage::{ConnectOptions, Connection};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::config::Settings;

/// How long an unreachable database is retried at start.
pub const CONNECT_RETRY_BUDGET: Duration = Duration::from_secs(30);
/// First pause between two connection attempts; it doubles up to [`MAX_RETRY_DELAY`].
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(500);
/// Longest pause between two connection attempts.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(5);
/// How long requests in flight may take to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Runs the core until a shutdown signal. Returns an error when the start fails or the
/// server stops on its own.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    for warning in &settings.warnings {
        tracing::warn!("{warning}");
    }
    if let Some(path) = &settings.config_file {
        tracing::debug!(config_file = %path.display(), "configuration loaded");
    }
    let mut shutdown = spawn_signal_listener();

    let started = tokio::select! {
        started = start(&settings) => started?,
        _ = shutdown.wait_for(|stop| *stop) => {
            tracing::info!("shutdown requested during start; stopping");
            return Ok(());
        }
    };
    let Started {
        apps,
        listener,
        address,
        backend,
    } = started;

    let cleanup = apps.spawn_background();
    let prometheus = metrics::install_recorder().context("cannot set up the metrics")?;
    let upkeep = metrics::spawn_upkeep(prometheus.clone());
    let observability = Observability::with_metrics(Some(prometheus));
    let app = router(AppState {
        apps,
        config: Arc::new(settings.server_config()),
        observability: observability.clone(),
    });
    if settings.api_keys.is_empty() {
        tracing::warn!(
            "no API key is configured: the core is open to anyone who can reach {address}; \
             set SUPERTOKENS_API_KEYS (or api_keys in the config file) to keys of at least \
             20 characters of A-Z a-z 0-9 = -"
        );
    }
    tracing::info!(
        "supertokens-core ready on http://{address}{} (storage: {backend}, CDI {LATEST_CDI_VERSION})",
        settings.base_path
    );

    let mut stop = shutdown.clone();
    let mut server = tokio::spawn(serve(listener, app, async move {
        let _ = stop.wait_for(|stop| *stop).await;
    }));
    let result = tokio::select! {
        finished = &mut server => Some(finished),
        _ = shutdown.wait_for(|stop| *stop) => None,
    };
    let outcome = match result {
        Some(finished) => server_outcome(finished)
            .and_then(|()| Err(anyhow!("the HTTP server stopped unexpectedly"))),
        None => {
            observability.begin_shutdown();
            tracing::info!(
                "shutting down: finishing requests in flight (up to {} s)",
                SHUTDOWN_GRACE.as_secs()
            );
            match tokio::time::timeout(SHUTDOWN_GRACE, &mut server).await {
                Ok(finished) => server_outcome(finished),
                Err(_) => {
                    server.abort();
                    tracing::warn!(
                        "requests were still in flight after the grace period; stopping anyway"
                    );
                    Ok(())
                }
            }
        }
    };
    cleanup.abort();
    upkeep.abort();
    if outcome.is_ok() {
        tracing::info!("supertokens-core stopped");
    }
    outcome
}

struct Started {
    apps: Arc<Apps>,
    listener: TcpListener,
    address: SocketAddr,
    backend: &'static str,
}

async fn start(settings: &Settings) -> anyhow::Result<Started> {
    if settings.database_in_data_dir {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {} (data_dir, SUPERTOKENS_DATA_DIR)",
                settings.data_dir.display()
            )
        })?;
    }
    let redacted_url = settings.redacted_database_url();
    tracing::debug!(database = %redacted_url, "connecting to the database");
    let connection = connect_with_retry(
        settings.database_url.expose_secret(),
        &redacted_url,
        &settings.connect,
        CONNECT_RETRY_BUDGET,
    )
    .await?;
    let backend = connection.main.backend();
    tracing::debug!("building the core");
    let rng = Arc::new(OsRandom);
    let core = Core::new(
        connection.main,
        settings.core.clone(),
        Arc::new(SystemClock),
        rng.clone(),
    )
    .await
    .context("cannot start the core")?;
    let apps = Apps::new(Arc::new(core), connection.apps, rng);
    let listener = TcpListener::bind((settings.host.as_str(), settings.port))
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (host/port, SUPERTOKENS_HOST/SUPERTOKENS_PORT)",
                display_address(&settings.host, settings.port)
            )
        })?;
    let address = listener
        .local_addr()
        .context("cannot read the listening address")?;
    Ok(Started {
        apps: Arc::new(apps),
        listener,
        address,
        backend,
    })
}

/// `host:port`, with brackets around IPv6 addresses.
fn display_address(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Connects (to the public app's database, and where the other apps' live), retrying with
/// exponential backoff while the database is unreachable, for at most `budget`. Other
/// failures (bad URL, refused credentials, failed migration) stop at once.
pub async fn connect_with_retry(
    url: &str,
    redacted_url: &str,
    options: &ConnectOptions,
    budget: Duration,
) -> anyhow::Result<Connection> {
    let deadline = Instant::now() + budget;
    let mut delay = FIRST_RETRY_DELAY;
    let mut attempt: u32 = 1;
    loop {
        match supertokens_storage::connect_with_apps(url, options).await {
            Ok(connection) => return Ok(connection),
            Err(StorageError::Unavailable(reason)) => {
                if Instant::now() + delay > deadline {
                    bail!(
                        "the database at {redacted_url} is unreachable; gave up after {attempt} \
                         attempts over {} s: {reason}",
                        budget.as_secs()
                    );
                }
                tracing::warn!(
                    "the database at {redacted_url} is unreachable (attempt {attempt}); retrying in \
                     {} ms: {reason}",
                    delay.as_millis()
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(MAX_RETRY_DELAY);
                attempt += 1;
            }
            Err(error) => bail!("cannot open the database at {redacted_url}: {error}"),
        }
    }
}

fn server_outcome(
    finished: Result<std::io::Result<()>, tokio::task::JoinError>,
) -> anyhow::Result<()> {
    match finished {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(error).context("the HTTP server failed"),
        Err(error) => Err(anyhow!("the HTTP server task failed: {error}")),
    }
}

/// Flips to `true` on the first SIGTERM or Ctrl-C; a second one exits at once.
fn spawn_signal_listener() -> watch::Receiver<bool> {
    let (sender, receiver) = watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        let _ = sender.send(true);
        wait_for_signal().await;
        tracing::warn!("second shutdown signal: exiting without waiting for requests in flight");
        std::process::exit(130);
    });
    receiver
}

async fn wait_for_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for Ctrl-C: {error}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!("cannot listen for SIGTERM: {error}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_shown_with_brackets_for_ipv6() {
        assert_eq!(display_address("127.0.0.1", 3567), "127.0.0.1:3567");
        assert_eq!(display_address("::1", 3567), "[::1]:3567");
    }

    #[tokio::test]
    async fn bad_database_url_fails_without_retrying() {
        let started = Instant::now();
        let error = connect_with_retry(
            "nosuchdb://x",
            "nosuchdb://x",
            &ConnectOptions::default(),
            Duration::from_secs(30),
        )
        .await
        .err()
        .map(|error| format!("{error:#}"))
        .unwrap_or_default();
        assert!(error.contains("cannot open the database"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn in_memory_sqlite_connects() {
        let connection = connect_with_retry(
            "sqlite::memory:",
            "sqlite::memory:",
            &ConnectOptions::default(),
            Duration::from_secs(1),
        )
        .await
        .unwrap();
        assert_eq!(connection.main.backend(), "sqlite");
    }
}
