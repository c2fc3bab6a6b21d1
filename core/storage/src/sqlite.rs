//! SQLite backend (WAL journal, `synchronous=NORMAL`, 5 s busy timeout, foreign keys on).
//! Writes of one store are serialised in-process (readers stay concurrent). A background
//! task checkpoints the WAL of a file database, so that commits do not pay for it.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;

use sqlx::Sqlite;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::sync::Arc;

use crate::ConnectOptions;
use crate::apps::{APP_IDLE_TIMEOUT, APP_MAX_CONNECTIONS, AppStorages, validate_app_id};
use crate::error::{Result, StorageError};
use crate::sql::{
    Batcher, ConsumeJob, DeviceBatcher, Dialect, Queries, Tx, Writer, impl_storage, map_err,
    map_migrate_err,
};
use crate::traits::Storage;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

const DIALECT: Dialect = Dialect {
    numbered_placeholders: false,
    mysql: false,
    row_locks: false,
    multi_statement: true,
};

static QUERIES: LazyLock<Queries> = LazyLock::new(|| Queries::new(DIALECT));

/// Most page cache per connection (`cache_size`: negative is KiB). Pages are cached as
/// they are read, so an idle core stays small; under write load a cache that holds the
/// hot indexes saves a read of the file for most pages an insert touches.
const CACHE_SIZE: &str = "-32768";

/// How often the background checkpointer looks whether the WAL changed.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(200);

/// WAL pages (256 MiB of 4 KiB pages) after which a committing writer checkpoints by itself
/// (SQLite's default is 1,000). Under sustained writes the background checkpointer never
/// finds the WAL fully copied, so the WAL restarts only after such a checkpoint; at the
/// default, writers checkpointed several times a second, and a commit that does waits for
/// the copy and the `fsync` (7.6k new passwordless codes/s at 4,000 pages, 10.2–10.5k at
/// this value; see BENCHMARKS.md).
const WAL_AUTOCHECKPOINT_PAGES: &str = "65536";

/// Bytes the WAL file is cut back to when it restarts (it keeps its largest size
/// otherwise).
const WAL_SIZE_LIMIT: &str = "67108864";

/// How long a connection waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// [`Storage`](crate::Storage) on SQLite.
#[derive(Clone)]
pub struct SqliteStorage {
    pool: SqlitePool,
    q: &'static Queries,
    w: Writer<Sqlite>,
    batcher: Arc<DeviceBatcher>,
    consumes: Arc<Batcher<ConsumeJob>>,
    /// Held by every clone; the background checkpointer stops when the last one is gone.
    alive: Arc<()>,
}

impl fmt::Debug for SqliteStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStorage").finish_non_exhaustive()
    }
}

impl SqliteStorage {
    /// Opens (creating the file if missing) the database at `url` (`sqlite:path`,
    /// `sqlite://path`, `sqlite::memory:`) and runs the migrations.
    ///
    /// An in-memory database lives in its one connection: the pool is then limited to a
    /// single connection that is never closed, so every caller sees the same database.
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Self> {
        let connect_options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StorageError::Config(format!("invalid sqlite URL: {e}")))?;
        Self::open(connect_options, is_in_memory(url), options, None).await
    }

    /// Opens the database of `connect_options` (in memory when `in_memory`), closing
    /// connections idle for `idle_timeout` (file databases only).
    async fn open(
        connect_options: SqliteConnectOptions,
        in_memory: bool,
        options: &ConnectOptions,
        idle_timeout: Option<Duration>,
    ) -> Result<Self> {
        let connect_options = connect_options
            .create_if_missing(true)
            .journal_mode(if in_memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            .pragma("cache_size", CACHE_SIZE)
            .pragma("temp_store", "memory")
            .pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
            .pragma("journal_size_limit", WAL_SIZE_LIMIT);
        let mut pool_options = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire(false);
        if let Some(idle_timeout) = idle_timeout {
            pool_options = pool_options.min_connections(0).idle_timeout(idle_timeout);
        }
        if in_memory {
            pool_options = pool_options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        let wal = (!in_memory).then(|| {
            let mut wal = connect_options.get_filename().as_os_str().to_owned();
            wal.push("-wal");
            PathBuf::from(wal)
        });
        let pool = pool_options
            .connect_with(connect_options)
            .await
            .map_err(map_err)?;
        MIGRATOR.run(&pool).await.map_err(map_migrate_err)?;
        let storage = Self::from_migrated_pool(pool);
        if let Some(wal) = wal {
            tokio::spawn(checkpoint_in_background(
                storage.pool.clone(),
                wal,
                Arc::downgrade(&storage.alive),
            ));
        }
        Ok(storage)
    }

    /// Wraps a pool whose database is already migrated.
    pub fn from_migrated_pool(pool: SqlitePool) -> Self {
        Self {
            w: Writer::new(pool.clone(), true, Some("BEGIN IMMEDIATE")),
            pool,
            q: &QUERIES,
            batcher: Arc::default(),
            consumes: Arc::default(),
            alive: Arc::default(),
        }
    }

    /// The underlying pool.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// `BEGIN IMMEDIATE` takes the write lock up front, so a transaction that reads before it
    /// writes never fails to upgrade its lock. Writers of this process first queue on the
    /// in-process write lock (see `Writer`), so the busy timeout only covers other processes.
    async fn begin(&self) -> sqlx::Result<Tx<Sqlite>> {
        self.w.begin().await
    }
}

/// Copies committed pages from the WAL into the database file (a `PASSIVE` checkpoint,
/// which never blocks readers or writers) whenever the WAL changed since the last look, so
/// that writers rarely reach [`WAL_AUTOCHECKPOINT_PAGES`] and checkpoint in their commit
/// (a checkpoint rewrites and syncs every page it copies: under write load it took ten
/// times as long as the commit it was attached to). Ends when the store is dropped or its
/// pool closed.
async fn checkpoint_in_background(pool: SqlitePool, wal: PathBuf, alive: std::sync::Weak<()>) {
    let mut interval = tokio::time::interval_at(
        tokio::time::Instant::now() + CHECKPOINT_INTERVAL,
        CHECKPOINT_INTERVAL,
    );
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_seen = None;
    loop {
        interval.tick().await;
        if alive.strong_count() == 0 || pool.is_closed() {
            return;
        }
        let seen = tokio::fs::metadata(&wal)
            .await
            .ok()
            .map(|m| (m.len(), m.modified().ok()));
        if seen.is_none() || seen == last_seen {
            continue;
        }
        match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            Ok(_) => last_seen = seen,
            Err(sqlx::Error::PoolClosed) => return,
            Err(e) => tracing::debug!(error = %e, "background WAL checkpoint failed"),
        }
    }
}

/// Where the apps' databases live: `<dir>/<stem>-apps/<app>.db` next to a file database, or
/// a private in-memory database per app next to an in-memory one.
pub(crate) struct SqliteAppStorages {
    /// `None` for in-memory; else the main database's options and the apps' directory.
    files: Option<(SqliteConnectOptions, PathBuf)>,
    options: ConnectOptions,
}

impl SqliteAppStorages {
    /// The app storages next to the main database at `url`.
    pub(crate) fn new(url: &str, options: &ConnectOptions) -> Result<Self> {
        let options = ConnectOptions {
            max_connections: options.max_connections.min(APP_MAX_CONNECTIONS),
            ..options.clone()
        };
        if is_in_memory(url) {
            return Ok(Self {
                files: None,
                options,
            });
        }
        let main = SqliteConnectOptions::from_str(url)
            .map_err(|e| StorageError::Config(format!("invalid sqlite URL: {e}")))?;
        let path = main.get_filename().to_path_buf();
        let stem = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_else(|| "supertokens".to_owned());
        let dir = path
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(format!("{stem}-apps"));
        Ok(Self {
            files: Some((main, dir)),
            options,
        })
    }

    fn file(dir: &std::path::Path, app_id: &str) -> PathBuf {
        dir.join(format!("{app_id}.db"))
    }
}

#[async_trait]
impl AppStorages for SqliteAppStorages {
    async fn open(&self, app_id: &str) -> Result<Arc<dyn Storage>> {
        validate_app_id(app_id)?;
        let storage = match &self.files {
            None => {
                let memory = SqliteConnectOptions::from_str("sqlite::memory:")
                    .map_err(|e| StorageError::Config(format!("invalid sqlite URL: {e}")))?;
                SqliteStorage::open(memory, true, &self.options, None).await?
            }
            Some((main, dir)) => {
                tokio::fs::create_dir_all(dir).await.map_err(|e| {
                    StorageError::Config(format!(
                        "cannot create the apps' directory {}: {e}",
                        dir.display()
                    ))
                })?;
                let options = main.clone().filename(Self::file(dir, app_id));
                SqliteStorage::open(options, false, &self.options, Some(APP_IDLE_TIMEOUT)).await?
            }
        };
        Ok(Arc::new(storage))
    }

    async fn destroy(&self, app_id: &str) -> Result<()> {
        validate_app_id(app_id)?;
        let Some((_, dir)) = &self.files else {
            // An in-memory database goes with its last connection.
            return Ok(());
        };
        let file = Self::file(dir, app_id);
        for suffix in ["", "-wal", "-shm"] {
            let mut path = file.clone().into_os_string();
            path.push(suffix);
            match tokio::fs::remove_file(&path).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(StorageError::Database(format!(
                        "cannot delete {}: {e}",
                        PathBuf::from(path).display()
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Whether `url` names an in-memory database.
fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

impl_storage!(SqliteStorage, Sqlite, "sqlite");
