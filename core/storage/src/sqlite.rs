//! SQLite backend (WAL journal, `synchronous=NORMAL`, 5 s busy timeout, foreign keys on).
//! Writes of one store are serialised in-process (readers stay concurrent).

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;
use std::time::Duration;

use sqlx::Sqlite;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::sync::Arc;

use crate::ConnectOptions;
use crate::error::{Result, StorageError};
use crate::sql::{
    DeviceBatcher, Dialect, Queries, Tx, Writer, impl_storage, map_err, map_migrate_err,
};

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
        let in_memory = is_in_memory(url);
        let connect_options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StorageError::Config(format!("invalid sqlite URL: {e}")))?
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

/// Whether `url` names an in-memory database.
fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

impl_storage!(SqliteStorage, Sqlite, "sqlite");
