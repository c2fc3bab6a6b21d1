//! PostgreSQL backend.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use sqlx::Postgres;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::sync::Arc;

use crate::ConnectOptions;
use crate::error::{Result, StorageError};
use crate::sql::{
    DeviceBatcher, Dialect, Queries, Tx, Writer, impl_storage, map_err, map_migrate_err,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

const DIALECT: Dialect = Dialect {
    numbered_placeholders: true,
    mysql: false,
    row_locks: true,
};

static QUERIES: LazyLock<Queries> = LazyLock::new(|| Queries::new(DIALECT));

/// [`Storage`](crate::Storage) on PostgreSQL.
#[derive(Clone)]
pub struct PostgresStorage {
    pool: PgPool,
    q: &'static Queries,
    w: Writer<Postgres>,
    batcher: Arc<DeviceBatcher>,
}

impl fmt::Debug for PostgresStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStorage").finish_non_exhaustive()
    }
}

impl PostgresStorage {
    /// Connects to `url` (`postgres://…` or `postgresql://…`) and runs the migrations
    /// (under PostgreSQL's advisory lock, so cores starting together are safe).
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Self> {
        let connect_options = PgConnectOptions::from_str(url)
            .map_err(|e| StorageError::Config(format!("invalid postgres URL: {e}")))?
            .application_name("supertokens-core");
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire(false)
            .connect_with(connect_options)
            .await
            .map_err(map_err)?;
        MIGRATOR.run(&pool).await.map_err(map_migrate_err)?;
        Ok(Self::from_migrated_pool(pool))
    }

    /// Wraps a pool whose database is already migrated.
    pub fn from_migrated_pool(pool: PgPool) -> Self {
        Self {
            w: Writer::new(pool.clone(), false, None),
            pool,
            q: &QUERIES,
            batcher: Arc::default(),
        }
    }

    /// The underlying pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn begin(&self) -> sqlx::Result<Tx<Postgres>> {
        self.w.begin().await
    }
}

impl_storage!(PostgresStorage, Postgres, "postgres");
