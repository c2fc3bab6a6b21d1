//! Storage of the SuperTokens-compatible core: the [`Storage`] traits, the rows they carry,
//! and the SQLite, PostgreSQL and MySQL/MariaDB implementations (cargo features `sqlite`,
//! `postgres`, `mysql`). [`connect`] picks the backend from the URL and migrates the schema;
//! [`connect_with_apps`] also gives where the storage of each further app lives (see
//! [`apps`]).

use std::sync::Arc;
use std::time::Duration;

pub mod apps;
pub mod error;
pub mod model;
pub mod traits;

#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod sql;
#[cfg(feature = "sqlite")]
pub mod sqlite;

pub use apps::{AppStorages, Connection, MAX_APP_ID_LEN, validate_app_id};
pub use error::{Result, StorageError};
pub use model::*;
pub use traits::*;

#[cfg(feature = "mysql")]
pub use mysql::MySqlStorage;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStorage;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStorage;

/// Connection pool settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// Upper bound of open connections (in-memory SQLite always uses one).
    pub max_connections: u32,
    /// How long a query waits for a free connection before failing with
    /// [`StorageError::Unavailable`].
    pub acquire_timeout: Duration,
    /// How a SQLite file database keeps its WAL and page cache (ignored by the other
    /// backends).
    pub sqlite: SqliteTuning,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            sqlite: SqliteTuning::default(),
        }
    }
}

/// SQLite settings that trade memory and disk for write throughput (see BENCHMARKS.md,
/// "Passwordless"). They apply to file databases; an in-memory database has no WAL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteTuning {
    /// WAL pages (4 KiB each) after which a committing writer copies the WAL into the
    /// database file by itself (`wal_autocheckpoint`; SQLite's default is 1,000). A
    /// background task copies it every 200 ms, but under sustained writes the WAL only
    /// starts over after such a checkpoint, which the committing writer waits for.
    pub wal_autocheckpoint_pages: u32,
    /// A WAL file larger than this is cut back to nothing once writes pause. Under load
    /// the WAL keeps its size: writing over its pages again costs far less than growing
    /// the file again.
    pub wal_truncate_bytes: u64,
    /// Most page cache per connection, in KiB (`cache_size`). Pages are cached as they are
    /// read, so an idle core stays small.
    pub cache_kib: u32,
}

impl Default for SqliteTuning {
    fn default() -> Self {
        Self {
            wal_autocheckpoint_pages: 65_536,
            wal_truncate_bytes: 64 * 1024 * 1024,
            cache_kib: 8 * 1024,
        }
    }
}

/// Connects to the database named by `url` and brings its schema up to date.
///
/// The scheme picks the backend: `sqlite:` (the file is created if missing;
/// `sqlite::memory:` gives a private in-memory database), `postgres://` or `postgresql://`,
/// `mysql://` or `mariadb://`. Error messages never repeat the URL, which may hold a password.
pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Arc<dyn Storage>> {
    Ok(connect_with_apps(url, options).await?.main)
}

/// Like [`connect`], and also gives where the other apps' storages live (see [`apps`]).
#[cfg_attr(
    not(any(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(unused_variables)
)]
pub async fn connect_with_apps(url: &str, options: &ConnectOptions) -> Result<Connection> {
    let scheme = match url.split_once(':') {
        Some((scheme, _)) => scheme.to_ascii_lowercase(),
        None => {
            return Err(StorageError::Config(
                "the database URL has no scheme; expected sqlite:, postgres://, \
                 postgresql://, mysql:// or mariadb://"
                    .to_owned(),
            ));
        }
    };
    match scheme.as_str() {
        #[cfg(feature = "sqlite")]
        "sqlite" => Ok(Connection {
            apps: Arc::new(sqlite::SqliteAppStorages::new(url, options)?),
            main: Arc::new(SqliteStorage::connect(url, options).await?),
        }),
        #[cfg(feature = "postgres")]
        "postgres" | "postgresql" => Ok(Connection {
            apps: Arc::new(postgres::PostgresAppStorages::new(url, options)?),
            main: Arc::new(PostgresStorage::connect(url, options).await?),
        }),
        #[cfg(feature = "mysql")]
        "mysql" | "mariadb" => Ok(Connection {
            main: Arc::new(MySqlStorage::connect(url, options).await?),
            apps: Arc::new(mysql::MySqlAppStorages::new(url, options)?),
        }),
        // Reached only for backends whose feature is off.
        #[allow(unreachable_patterns)]
        "sqlite" | "postgres" | "postgresql" | "mysql" | "mariadb" => {
            Err(StorageError::Config(format!(
                "database URL scheme `{scheme}:` needs the `{}` cargo feature of supertokens-storage",
                match scheme.as_str() {
                    "postgresql" => "postgres",
                    "mariadb" => "mysql",
                    other => other,
                }
            )))
        }
        _ => Err(StorageError::Config(format!(
            "unsupported database URL scheme `{scheme}:`; expected sqlite:, postgres://, \
             postgresql://, mysql:// or mariadb://"
        ))),
    }
}
