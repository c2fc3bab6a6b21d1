//! SQLite backend (WAL journal, `synchronous=NORMAL`, 5 s busy timeout, foreign keys on).
//! Writes of one store are serialised in-process (readers stay concurrent).

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
    DeviceBatcher, Dialect, Queries, Tx, Writer, impl_storage, map_err, map_migrate_err,
};
use crate::traits::Storage;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

const DIALECT: Dialect = Dialect {
    numbered_placeholders: false,
    mysql: false,
    row_locks: false,
};

static QUERIES: LazyLock<Queries> = LazyLock::new(|| Queries::new(DIALECT));

/// How long a connection waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// [`Storage`](crate::Storage) on SQLite.
#[derive(Clone)]
pub struct SqliteStorage {
    pool: SqlitePool,
    q: &'static Queries,
    w: Writer<Sqlite>,
    batcher: Arc<DeviceBatcher>,
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
            .foreign_keys(true);
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
        let pool = pool_options
            .connect_with(connect_options)
            .await
            .map_err(map_err)?;
        MIGRATOR.run(&pool).await.map_err(map_migrate_err)?;
        Ok(Self::from_migrated_pool(pool))
    }

    /// Wraps a pool whose database is already migrated.
    pub fn from_migrated_pool(pool: SqlitePool) -> Self {
        Self {
            w: Writer::new(pool.clone(), true, Some("BEGIN IMMEDIATE")),
            pool,
            q: &QUERIES,
            batcher: Arc::default(),
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
