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
    insert_or_fail: true,
    writable_ctes: false,
};

static QUERIES: LazyLock<Queries> = LazyLock::new(|| Queries::new(DIALECT));

/// How often the background checkpointer looks whether the WAL changed.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(200);

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
            // Negative: KiB rather than pages.
            .pragma("cache_size", format!("-{}", options.sqlite.cache_kib))
            .pragma("temp_store", "memory")
            .pragma(
                "wal_autocheckpoint",
                options.sqlite.wal_autocheckpoint_pages.to_string(),
            )
            // The WAL keeps its size when it starts over; the background checkpointer
            // truncates it once writes pause.
            .pragma("journal_size_limit", "-1");
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
        // Transactions get a connection of their own (see `from_migrated_pools`); opened
        // on first use, so an idle core holds no extra connection.
        let write_pool = (!in_memory).then(|| {
            let mut write_options = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(0)
                .acquire_timeout(options.acquire_timeout)
                .test_before_acquire(false);
            if let Some(idle_timeout) = idle_timeout {
                write_options = write_options.idle_timeout(idle_timeout);
            }
            write_options.connect_lazy_with(connect_options.clone())
        });
        let pool = pool_options
            .connect_with(connect_options)
            .await
            .map_err(map_err)?;
        MIGRATOR.run(&pool).await.map_err(map_migrate_err)?;
        let storage = match write_pool {
            Some(write_pool) => Self::from_migrated_pools(pool, write_pool),
            None => Self::from_migrated_pool(pool),
        };
        if let Some(wal) = wal {
            tokio::spawn(checkpoint_in_background(
                storage.pool.clone(),
                storage.w.clone(),
                WalFile {
                    path: wal,
                    truncate_bytes: options.sqlite.wal_truncate_bytes,
                },
                Arc::downgrade(&storage.alive),
            ));
        }
        Ok(storage)
    }

    /// Wraps a pool whose database is already migrated; transactions run on the same pool.
    pub fn from_migrated_pool(pool: SqlitePool) -> Self {
        Self::from_migrated_pools(pool.clone(), pool)
    }

    /// Wraps `pool` for reads and single-statement writes, and `write_pool` (on the same,
    /// already migrated database) for transactions. With a one-connection `write_pool` the
    /// group commits of passwordless codes keep their pages cached between batches: in WAL
    /// mode a connection drops its whole page cache when it finds that another connection
    /// wrote, so batches on pool connections taken in turn read every page they touched
    /// again (see BENCHMARKS.md).
    fn from_migrated_pools(pool: SqlitePool, write_pool: SqlitePool) -> Self {
        Self {
            w: Writer::new(write_pool, true, Some("BEGIN IMMEDIATE")),
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

/// A database's WAL file, as the background checkpointer sees it.
struct WalFile {
    path: PathBuf,
    /// Above this size the WAL is truncated once writes pause.
    truncate_bytes: u64,
}

impl WalFile {
    /// The file's length and modification time, or `None` while there is no WAL.
    async fn seen(&self) -> Option<(u64, Option<std::time::SystemTime>)> {
        let metadata = tokio::fs::metadata(&self.path).await.ok()?;
        Some((metadata.len(), metadata.modified().ok()))
    }
}

/// Copies committed pages from the WAL into the database file (a `PASSIVE` checkpoint,
/// which never blocks readers or writers) whenever the WAL changed since the last look, so
/// that writers rarely reach the autocheckpoint threshold and checkpoint in their commit (a
/// checkpoint rewrites and syncs every page it copies: under write load it took ten times
/// as long as the commit it was attached to). When the WAL did not change since the last
/// look and is larger than its limit, it is truncated (a `TRUNCATE` checkpoint on the
/// writers' connection: writes of this process wait for it, others meet the busy
/// timeout). Ends when the store is dropped or its pool closed.
async fn checkpoint_in_background(
    pool: SqlitePool,
    writer: Writer<Sqlite>,
    wal: WalFile,
    alive: std::sync::Weak<()>,
) {
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
        let Some(seen) = wal.seen().await else {
            continue;
        };
        let result = if Some(seen) != last_seen {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
                .map(|_| ())
        } else if seen.0 > wal.truncate_bytes {
            writer
                .execute_alone("PRAGMA wal_checkpoint(TRUNCATE)")
                .await
        } else {
            continue;
        };
        match result {
            Ok(()) => last_seen = Some(seen),
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
