//! MySQL / MariaDB backend. Connections use utf8mb4; tables use the binary collation, so
//! comparisons are exact.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;

use sqlx::MySql;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use std::sync::Arc;

use crate::ConnectOptions;
use crate::apps::{
    APP_IDLE_TIMEOUT, APP_MAX_CONNECTIONS, AppStorages, mysql_app_database, validate_app_id,
};
use crate::error::{Result, StorageError};
use crate::sql::{
    Batcher, ConsumeJob, DeviceBatcher, Dialect, Queries, Tx, Writer, impl_storage, map_err,
    map_migrate_err,
};
use crate::traits::Storage;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/mysql");

const DIALECT: Dialect = Dialect {
    numbered_placeholders: false,
    mysql: true,
    row_locks: true,
    multi_statement: false,
    insert_or_fail: false,
    writable_ctes: false,
};

static QUERIES: LazyLock<Queries> = LazyLock::new(|| Queries::new(DIALECT));

/// [`Storage`](crate::Storage) on MySQL or MariaDB.
#[derive(Clone)]
pub struct MySqlStorage {
    pool: MySqlPool,
    q: &'static Queries,
    w: Writer<MySql>,
    batcher: Arc<DeviceBatcher>,
    consumes: Arc<Batcher<ConsumeJob>>,
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
        Self::open(parse(url)?, options, None).await
    }

    async fn open(
        connect_options: MySqlConnectOptions,
        options: &ConnectOptions,
        idle_timeout: Option<Duration>,
    ) -> Result<Self> {
        let mut pool_options = MySqlPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire(false);
        if let Some(idle_timeout) = idle_timeout {
            pool_options = pool_options.min_connections(0).idle_timeout(idle_timeout);
        }
        let pool = pool_options
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
            consumes: Arc::default(),
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

fn parse(url: &str) -> Result<MySqlConnectOptions> {
    let url = match url.strip_prefix("mariadb://") {
        Some(rest) => format!("mysql://{rest}"),
        None => url.to_owned(),
    };
    Ok(MySqlConnectOptions::from_str(&url)
        .map_err(|e| StorageError::Config(format!("invalid mysql URL: {e}")))?
        .charset("utf8mb4"))
}

/// Where the apps' databases live: a database per app on the same server, named by
/// [`mysql_app_database`] after the main database.
pub(crate) struct MySqlAppStorages {
    main: MySqlConnectOptions,
    main_database: String,
    admin: MySqlPool,
    options: ConnectOptions,
}

impl MySqlAppStorages {
    /// The app storages next to the database at `url`.
    pub(crate) fn new(url: &str, options: &ConnectOptions) -> Result<Self> {
        let main = parse(url)?;
        let main_database = main
            .get_database()
            .filter(|name| !name.is_empty())
            .ok_or_else(|| StorageError::Config("the mysql URL must name a database".to_owned()))?
            .to_owned();
        let main_options = main.clone();
        Ok(Self {
            main,
            main_database,
            admin: MySqlPoolOptions::new()
                .max_connections(1)
                .min_connections(0)
                .idle_timeout(APP_IDLE_TIMEOUT)
                .acquire_timeout(options.acquire_timeout)
                .connect_lazy_with(main_options),
            options: ConnectOptions {
                max_connections: options.max_connections.min(APP_MAX_CONNECTIONS),
                ..options.clone()
            },
        })
    }

    /// Runs one statement on the main database, through a pool of at most one connection
    /// that closes when idle.
    async fn admin(&self, sql: &str) -> Result<()> {
        sqlx::raw_sql(sql)
            .execute(&self.admin)
            .await
            .map(drop)
            .map_err(map_err)
    }
}

#[async_trait]
impl AppStorages for MySqlAppStorages {
    async fn open(&self, app_id: &str) -> Result<Arc<dyn Storage>> {
        validate_app_id(app_id)?;
        let database = mysql_app_database(&self.main_database, app_id);
        self.admin(&format!(
            "CREATE DATABASE IF NOT EXISTS `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        ))
        .await?;
        let options = self.main.clone().database(&database);
        let storage = MySqlStorage::open(options, &self.options, Some(APP_IDLE_TIMEOUT)).await?;
        Ok(Arc::new(storage))
    }

    async fn destroy(&self, app_id: &str) -> Result<()> {
        validate_app_id(app_id)?;
        let database = mysql_app_database(&self.main_database, app_id);
        self.admin(&format!("DROP DATABASE IF EXISTS `{database}`"))
            .await
    }
}

impl_storage!(MySqlStorage, MySql, "mysql");
