//! MySQL / MariaDB backend. Connections use utf8mb4; tables use the binary collation, so
//! comparisons are exact.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use sqlx::MySql;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use std::sync::Arc;

use crate::ConnectOptions;
use crate::error::{Result, StorageError};
use crate::sql::{
    DeviceBatcher, Dialect, Queries, Tx, Writer, impl_storage, map_err, map_migrate_err,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/mysql");

const DIALECT: Dialect = Dialect {
    numbered_placeholders: false,
    mysql: true,
    row_locks: true,
};

static QUERIES: LazyLock<Queries> = LazyLock::new(|| Queries::new(DIALECT));

/// [`Storage`](crate::Storage) on MySQL or MariaDB.
#[derive(Clone)]
pub struct MySqlStorage {
    pool: MySqlPool,
    q: &'static Queries,
    w: Writer<MySql>,
    batcher: Arc<DeviceBatcher>,
}

impl fmt::Debug for MySqlStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MySqlStorage").finish_non_exhaustive()
    }
}

impl MySqlStorage {
    /// Connects to `url` (`mysql://…`; `mariadb://…` is accepted as a synonym) and runs the
    /// migrations (under a named lock, so cores starting together are safe).
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Self> {
        let url = match url.strip_prefix("mariadb://") {
            Some(rest) => format!("mysql://{rest}"),
            None => url.to_owned(),
        };
        let connect_options = MySqlConnectOptions::from_str(&url)
            .map_err(|e| StorageError::Config(format!("invalid mysql URL: {e}")))?
            .charset("utf8mb4");
        let pool = MySqlPoolOptions::new()
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
    pub fn from_migrated_pool(pool: MySqlPool) -> Self {
        Self {
            w: Writer::new(pool.clone(), false, None),
            pool,
            q: &QUERIES,
            batcher: Arc::default(),
        }
    }

    /// The underlying pool.
    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    async fn begin(&self) -> sqlx::Result<Tx<MySql>> {
        self.w.begin().await
    }
}

impl_storage!(MySqlStorage, MySql, "mysql");
