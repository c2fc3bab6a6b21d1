//! PostgreSQL backend.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;

use sqlx::Postgres;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::sync::Arc;

use crate::ConnectOptions;
use crate::apps::{APP_IDLE_TIMEOUT, APP_MAX_CONNECTIONS, AppStorages, name_part, validate_app_id};
use crate::error::{Result, StorageError};
use crate::sql::{
    Batcher, ConsumeJob, DeviceBatcher, Dialect, Queries, Tx, Writer, impl_storage, map_err,
    map_migrate_err, unique_violation,
};
use crate::traits::Storage;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

const DIALECT: Dialect = Dialect {
    numbered_placeholders: true,
    mysql: false,
    row_locks: true,
    multi_statement: false,
    insert_or_fail: false,
    writable_ctes: true,
};

static QUERIES: LazyLock<Queries> = LazyLock::new(|| Queries::new(DIALECT));

/// [`Storage`](crate::Storage) on PostgreSQL.
#[derive(Clone)]
pub struct PostgresStorage {
    pool: PgPool,
    q: &'static Queries,
    w: Writer<Postgres>,
    batcher: Arc<DeviceBatcher>,
    consumes: Arc<Batcher<ConsumeJob>>,
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
        Self::open(parse(url)?, options, None).await
    }

    async fn open(
        connect_options: PgConnectOptions,
        options: &ConnectOptions,
        idle_timeout: Option<Duration>,
    ) -> Result<Self> {
        let mut pool_options = PgPoolOptions::new()
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
    pub fn from_migrated_pool(pool: PgPool) -> Self {
        Self {
            w: Writer::new(pool.clone(), false, None),
            pool,
            q: &QUERIES,
            batcher: Arc::default(),
            consumes: Arc::default(),
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

fn parse(url: &str) -> Result<PgConnectOptions> {
    Ok(PgConnectOptions::from_str(url)
        .map_err(|e| StorageError::Config(format!("invalid postgres URL: {e}")))?
        .application_name("supertokens-core"))
}

/// Where the apps' databases live: schema `st_app_<app>` (with `-` as `_`) in the main
/// database, reached through connections whose `search_path` is that schema, so the
/// migrations and every query run inside it.
pub(crate) struct PostgresAppStorages {
    main: PgConnectOptions,
    admin: PgPool,
    options: ConnectOptions,
}

impl PostgresAppStorages {
    /// The app storages in the database at `url`.
    pub(crate) fn new(url: &str, options: &ConnectOptions) -> Result<Self> {
        let main = parse(url)?;
        let main_options = main.clone();
        Ok(Self {
            main,
            admin: PgPoolOptions::new()
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

/// Schema of app `app_id` (valid ids need no quoting).
pub fn app_schema(app_id: &str) -> String {
    format!("st_app_{}", name_part(app_id))
}

#[async_trait]
impl AppStorages for PostgresAppStorages {
    async fn open(&self, app_id: &str) -> Result<Arc<dyn Storage>> {
        validate_app_id(app_id)?;
        let schema = app_schema(app_id);
        // Two cores creating the schema at once may both pass `IF NOT EXISTS`; the loser
        // gets a unique violation, and the schema is there all the same.
        let created = sqlx::raw_sql(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
            .execute(&self.admin)
            .await;
        if let Err(e) = created
            && unique_violation(&e).is_none()
        {
            return Err(map_err(e));
        }
        let options = self
            .main
            .clone()
            .options([("search_path", schema.as_str())]);
        let storage = PostgresStorage::open(options, &self.options, Some(APP_IDLE_TIMEOUT)).await?;
        Ok(Arc::new(storage))
    }

    async fn destroy(&self, app_id: &str) -> Result<()> {
        validate_app_id(app_id)?;
        self.admin(&format!(
            "DROP SCHEMA IF EXISTS {} CASCADE",
            app_schema(app_id)
        ))
        .await
    }
}

impl_storage!(PostgresStorage, Postgres, "postgres");
