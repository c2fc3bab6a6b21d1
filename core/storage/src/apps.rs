//! One database per app: the storage of every app other than `public` lives next to the
//! main database, so that apps are isolated by construction and removing an app is a drop.
//!
//! | backend | the public app | app `a-1` |
//! |---|---|---|
//! | SQLite file `…/supertokens.db` | that file | `…/supertokens-apps/a-1.db` |
//! | SQLite in memory | a private in-memory database | another private in-memory database |
//! | PostgreSQL | the URL's database (its default schema) | schema `st_app_a_1` in that database |
//! | MySQL / MariaDB | the URL's database `db` | database `db__a_1` (see [`mysql_app_database`]) |
//!
//! Each app's database is migrated like the main one when it is first opened. App pools are
//! small and close idle connections, so that hundreds of apps (SDK test suites create one
//! per test) do not exhaust the server's connections.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::error::{Result, StorageError};
use crate::traits::Storage;

/// Longest app id: keeps schema, database and file names within every backend's limits
/// (a UUID, 36 characters, fits).
pub const MAX_APP_ID_LEN: usize = 48;

/// Most connections of one app's pool.
pub(crate) const APP_MAX_CONNECTIONS: u32 = 4;
/// How long an idle connection of an app's pool is kept.
pub(crate) const APP_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Checks that `app_id` is `[a-z0-9-]{1,48}` (already lower-cased), so that it is safe in
/// file, schema and database names.
pub fn validate_app_id(app_id: &str) -> Result<()> {
    let valid = !app_id.is_empty()
        && app_id.len() <= MAX_APP_ID_LEN
        && app_id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(StorageError::Config(format!(
            "invalid app id {app_id:?}: use 1 to {MAX_APP_ID_LEN} characters of a-z, 0-9 and -"
        )))
    }
}

/// The app id as it appears in schema and database names: `-` becomes `_` (app ids never
/// contain `_`, so the mapping is one-to-one and the names need no quoting).
pub(crate) fn name_part(app_id: &str) -> String {
    app_id.replace('-', "_")
}

/// Opens and destroys the storages of the apps other than `public`.
#[async_trait]
pub trait AppStorages: Send + Sync {
    /// The app's storage, created (empty) and migrated if it does not exist yet. The id must
    /// pass [`validate_app_id`].
    async fn open(&self, app_id: &str) -> Result<Arc<dyn Storage>>;
    /// Deletes the app's database and everything in it; nothing happens when there is none.
    /// Callers [`Storage::close`] their handle to it first.
    async fn destroy(&self, app_id: &str) -> Result<()>;
}

/// The main storage (the public app's) and where the other apps' storages live.
#[derive(Clone)]
pub struct Connection {
    /// The public app's storage, which also lists the other apps.
    pub main: Arc<dyn Storage>,
    /// The other apps' storages.
    pub apps: Arc<dyn AppStorages>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("backend", &self.main.backend())
            .finish_non_exhaustive()
    }
}

/// Name of app `app_id`'s MySQL database next to the main database `main`:
/// `<main>__<app>` (with `-` as `_`) when that fits MySQL's 64 characters, otherwise
/// `st<12 hex digits of SHA-256 of main>__<app>`.
pub fn mysql_app_database(main: &str, app_id: &str) -> String {
    let app = name_part(app_id);
    let readable = format!("{main}__{app}");
    if readable.len() <= 64 {
        return readable;
    }
    format!("{}{app}", mysql_hashed_prefix(main))
}

/// The prefix of app database names used when `<main>__<app>` is too long.
pub fn mysql_hashed_prefix(main: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(main.as_bytes());
    format!("st{}__", &hex::encode(digest)[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_ids_are_checked() {
        for good in ["a", "app-1", "550e8400-e29b-41d4-a716-446655440000"] {
            assert!(validate_app_id(good).is_ok(), "{good}");
        }
        for bad in ["", "App", "a_b", "a/b", "a.b", &"a".repeat(49)] {
            assert!(validate_app_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn mysql_names_fit() {
        assert_eq!(mysql_app_database("supertokens", "a-1"), "supertokens__a_1");
        let long_main = format!("st_test_{}", "0".repeat(32));
        let name = mysql_app_database(&long_main, &"a".repeat(MAX_APP_ID_LEN));
        assert!(name.len() <= 64, "{name}");
        assert!(name.starts_with(&mysql_hashed_prefix(&long_main)));
    }
}
