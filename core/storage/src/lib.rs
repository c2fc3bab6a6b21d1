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
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
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
