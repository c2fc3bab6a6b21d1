//! What the three SQL backends share: the SQL text (written once, with per-dialect
//! variations), row types, error mapping, and [`impl_storage!`], which writes the trait
//! implementations once for every backend.
//!
//! The backends differ only in:
//! - placeholders (`?` for SQLite and MySQL, `$n` for PostgreSQL; static SQL here is written
//!   with `?` and renumbered for PostgreSQL, dynamic SQL goes through `sqlx::QueryBuilder`);
//! - "insert unless present" (`ON CONFLICT DO NOTHING` vs `INSERT IGNORE`);
//! - batched deletes (`IN (SELECT … LIMIT n)` vs MySQL's `DELETE … LIMIT n`);
//! - row locks (`FOR UPDATE` on PostgreSQL and MySQL; SQLite transactions start with
//!   `BEGIN IMMEDIATE` instead, which takes the database write lock up front);
//! - how a unique violation names the violated constraint;
//! - MySQL's `utf8mb4_bin` text columns, which are read through `CONVERT(… USING utf8mb4)`
//!   (see [`Dialect::select_list`]).

use std::borrow::Cow;

use crate::error::StorageError;
use crate::model::{
    AppRecord, CodeBudget, EmailVerificationTokenRecord, InsertCodeOutcome,
    PasswordResetTokenRecord, PasswordlessCodeRecord, PasswordlessDeviceRecord, RateLimitKey,
    RateLimitRecord, SessionRecord, SigningKeyKind, SigningKeyRecord, TenantRecord, UserRecord,
};

/// The SQL dialect of a backend; each backend module defines its constant.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dialect {
    /// `$1, $2, …` placeholders (PostgreSQL) instead of `?`.
    pub(crate) numbered_placeholders: bool,
    /// MySQL syntax: `INSERT IGNORE` and `DELETE … LIMIT n` (MySQL cannot `LIMIT` inside
    /// an `IN` subquery).
    pub(crate) mysql: bool,
    /// `SELECT … FOR UPDATE` locks rows (not SQLite, whose transactions lock the database).
    pub(crate) row_locks: bool,
    /// One query may hold several statements, with their bind values in order (SQLite), and
    /// a transaction holds the whole database: a consume then reads and writes in fewer
    /// round trips to the driver.
    pub(crate) multi_statement: bool,
    /// `INSERT OR FAIL` (SQLite): a statement that fails keeps the rows it wrote before,
    /// so SQLite needs no statement journal (a copy of every page the statement changes)
    /// to undo it. Only for statements whose transaction is rolled back when they fail.
    pub(crate) insert_or_fail: bool,
    /// `WITH … AS (INSERT …)`: several writes, and reads deciding them, in one statement
    /// (PostgreSQL).
    pub(crate) writable_ctes: bool,
}

impl Dialect {
    /// How an `INSERT` inside a transaction that is rolled back when the insert fails
    /// starts (see [`Dialect::insert_or_fail`]).
    pub(crate) fn insert_rolled_back_on_failure(self) -> &'static str {
        if self.insert_or_fail {
            "INSERT OR FAIL INTO "
        } else {
            "INSERT INTO "
        }
    }

    /// Rewrites `?` placeholders to `$1, $2, …` for PostgreSQL. The static SQL of this crate
    /// never contains a literal `?`.
    fn placeholders(self, sql: &str) -> String {
        if !self.numbered_placeholders {
            return sql.to_owned();
        }
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// `DELETE` of up to `?` (the last placeholder) rows of `table` matching `filter`,
    /// oldest `order` first.
    fn delete_batch(self, table: &str, key: &str, filter: &str, order: &str) -> String {
        if self.mysql {
            format!("DELETE FROM {table} WHERE {filter} ORDER BY {order} LIMIT ?")
        } else {
            format!(
                "DELETE FROM {table} WHERE {key} IN \
                 (SELECT {key} FROM {table} WHERE {filter} ORDER BY {order} LIMIT ?)"
            )
        }
    }

    /// `INSERT` that silently does nothing when a unique key is taken; the caller checks
    /// `rows_affected`. (MySQL's `INSERT IGNORE` also downgrades other errors to warnings;
    /// it is used only for rows this crate builds itself: signing keys and secrets.)
    fn insert_if_absent(self, table: &str, columns: &str) -> String {
        let values = vec!["?"; columns.split(',').count()].join(", ");
        if self.mysql {
            format!("INSERT IGNORE INTO {table} ({columns}) VALUES ({values})")
        } else {
            format!("INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT DO NOTHING")
        }
    }

    /// A `SELECT` list of `columns`. MySQL reports columns with a binary collation
    /// (`utf8mb4_bin`, used for exact comparisons) as `VARBINARY`/`BLOB`, which sqlx will not
    /// decode as `String`; converting them in the select list keeps the column exact for
    /// `WHERE` and indexes while reading back as text. Output names stay the column names, so
    /// `ORDER BY` must qualify columns (`users.user_id`) to sort by the stored value.
    fn select_list(self, columns: &str) -> String {
        columns
            .split(',')
            .map(str::trim)
            .map(|column| {
                if self.mysql && !NON_TEXT_COLUMNS.contains(&column) {
                    format!("CONVERT({column} USING utf8mb4) AS {column}")
                } else {
                    column.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The `tenant_ids` column of a `users` query: the user's tenants from `user_tenants`,
    /// comma-separated (tenant ids never contain a comma), NULL for none.
    fn tenant_ids_column(self) -> String {
        let aggregate = if self.mysql {
            "CONVERT(GROUP_CONCAT(t.tenant_id ORDER BY t.tenant_id SEPARATOR ',') USING utf8mb4)"
        } else if self.numbered_placeholders {
            "string_agg(t.tenant_id, ',' ORDER BY t.tenant_id)"
        } else {
            "group_concat(t.tenant_id, ',')"
        };
        format!(
            "(SELECT {aggregate} FROM user_tenants t WHERE t.user_id = users.user_id) AS tenant_ids"
        )
    }

    /// Suffix of a `SELECT` that locks the rows it reads until the transaction ends.
    pub(crate) fn lock_suffix(self) -> &'static str {
        if self.row_locks { " FOR UPDATE" } else { "" }
    }

    /// Suffix of an `INSERT` that keeps the existing row when a unique key is taken, without
    /// hiding other errors as MySQL's `INSERT IGNORE` would (it turns a too-long value or a
    /// foreign key violation into a warning): `ON CONFLICT DO NOTHING`, or on MySQL a no-op
    /// update of `column`. MySQL then counts a kept row as affected, like an inserted one.
    pub(crate) fn keep_existing(self, column: &str) -> String {
        if self.mysql {
            format!(" ON DUPLICATE KEY UPDATE {column} = {column}")
        } else {
            " ON CONFLICT DO NOTHING".to_owned()
        }
    }

    /// `expr AS alias` in a select list, read back as text on MySQL (see
    /// [`Dialect::select_list`]); for qualified columns of joins.
    fn text_as(self, expr: &str, alias: &str) -> String {
        if self.mysql {
            format!("CONVERT({expr} USING utf8mb4) AS {alias}")
        } else {
            format!("{expr} AS {alias}")
        }
    }
}

/// Columns that are not text (see [`Dialect::select_list`]).
const NON_TEXT_COLUMNS: &[&str] = &[
    "time_joined",
    "expires_at",
    "created_at",
    "generation",
    "use_static_key",
    "failed_attempts",
];
pub(crate) const USER_COLUMNS: &str =
    "user_id, recipe_id, email, phone_number, password_hash, time_joined";
pub(crate) const USER_TENANT_COLUMNS: &str = "user_id, tenant_id, recipe_id, email, phone_number";
const TENANT_COLUMNS: &str =
    "tenant_id, first_factors, required_secondary_factors, core_config, created_at";
const APP_COLUMNS: &str = "app_id, core_config, created_at";

const TOKEN_COLUMNS: &str = "token_hash, user_id, email, expires_at";
const SESSION_COLUMNS: &str = "session_handle, user_id, recipe_user_id, tenant_id, \
     refresh_token_hash_2, session_data, jwt_payload, expires_at, created_at, use_static_key";
const SIGNING_KEY_COLUMNS: &str = "kid, kind, generation, algorithm, private_key_pem, created_at";
const DEVICE_COLUMNS: &str =
    "device_id_hash, tenant_id, email, phone_number, link_code_salt, failed_attempts";
const CODE_COLUMNS: &str = "code_id, device_id_hash, link_code_hash, created_at";
const EV_TOKEN_COLUMNS: &str = "token_hash, tenant_id, user_id, email, expires_at";
/// The key of a `rate_limits` row.
const RATE_LIMIT_KEY_COLUMNS: &str = "bucket, key_hash, tenant_id";
/// The numbers of a `rate_limits` row (none of them text).
const RATE_LIMIT_COLUMNS: &str = "hits, window_started_at, last_hit_at, expires_at";
/// Condition naming one `rate_limits` row (binds bucket, key hash, tenant).
const RATE_LIMIT_KEY_FILTER: &str = "bucket = ? AND key_hash = ? AND tenant_id = ?";
/// Condition of a `passwordless_codes` query: the code's device is in the tenant (`?`).
const CODE_IN_TENANT: &str = "EXISTS (SELECT 1 FROM passwordless_devices d \
     WHERE d.device_id_hash = passwordless_codes.device_id_hash AND d.tenant_id = ?)";

/// The static SQL of one backend, built once per dialect.
pub(crate) struct Queries {
    pub(crate) dialect: Dialect,
    /// `SELECT session_handle FROM sessions`, for dynamic queries.
    pub(crate) select_session_handles: String,
    pub(crate) insert_user: String,
    pub(crate) insert_user_tenant: String,
    pub(crate) update_user_tenants_email: String,
    pub(crate) user_by_id: String,
    pub(crate) user_by_email: String,
    /// Always one row: the user id and password hash, NULLs for an unknown email (binds
    /// tenant, recipe, email). The users table is probed either way (with `''` for an
    /// unknown email), so that both cost about the same.
    pub(crate) password_hash_by_email: String,
    pub(crate) users_by_email: String,
    pub(crate) users_by_phone_number: String,
    /// The user of one recipe in a tenant with a phone number (binds tenant, recipe, phone).
    pub(crate) user_by_phone_number_of_recipe: String,
    pub(crate) update_user_email: String,
    pub(crate) update_password_hash: String,
    pub(crate) delete_user: String,
    pub(crate) insert_token: String,
    pub(crate) token_by_hash: String,
    pub(crate) lock_tokens_of_user: String,
    pub(crate) delete_tokens_of_user: String,
    pub(crate) delete_expired_tokens: String,
    pub(crate) insert_session: String,
    pub(crate) session_by_handle: String,
    pub(crate) swap_refresh_token_hash: String,
    pub(crate) set_use_static_key: String,
    pub(crate) update_session_data: String,
    pub(crate) update_jwt_payload: String,
    pub(crate) delete_expired_sessions: String,
    pub(crate) signing_keys: String,
    pub(crate) insert_signing_key: String,
    pub(crate) delete_signing_keys_before: String,
    pub(crate) insert_secret: String,
    pub(crate) secret_by_name: String,
    /// `SELECT device_id_hash FROM passwordless_devices`, for dynamic queries.
    pub(crate) select_device_ids: String,
    /// `SELECT device_id_hash FROM passwordless_codes`, for dynamic queries.
    pub(crate) select_code_device_ids: String,
    pub(crate) insert_device: String,
    pub(crate) insert_code: String,
    pub(crate) device_by_id: String,
    pub(crate) lock_device: String,
    pub(crate) devices_by_email: String,
    pub(crate) devices_by_phone_number: String,
    pub(crate) lock_devices_by_email: String,
    pub(crate) lock_devices_by_phone_number: String,
    /// `SELECT <device columns>, (SELECT c.created_at FROM passwordless_codes c WHERE
    /// c.link_code_hash = `, continued by `consume_at_once` (SQLite): each device of a
    /// contact with the creation time of the attempted code when it is on that device.
    pub(crate) select_devices_with_code_start: String,
    /// `SELECT <user columns> FROM users`, for dynamic queries.
    pub(crate) select_users: String,
    pub(crate) codes_of_device: String,
    pub(crate) code_by_link_code_hash: String,
    pub(crate) code_by_id: String,
    pub(crate) lock_code_of_device: String,
    pub(crate) lock_any_code_of_device: String,
    pub(crate) raise_failed_attempts: String,
    pub(crate) delete_code_of_device: String,
    pub(crate) expired_device_candidates: String,
    pub(crate) lock_user: String,
    /// Statements that delete what is kept under a user id (all bind the id once), run
    /// with the user's deletion.
    pub(crate) delete_user_data: Vec<String>,
    pub(crate) insert_ev_token: String,
    pub(crate) ev_token_by_hash: String,
    pub(crate) lock_ev_tokens_of_pair: String,
    pub(crate) delete_ev_tokens_of_pair: String,
    pub(crate) delete_expired_ev_tokens: String,
    pub(crate) insert_verified_email: String,
    pub(crate) delete_verified_email: String,
    pub(crate) count_verified_email: String,
    /// `SELECT user_id, email FROM emailverification_verified_emails`, for dynamic queries.
    pub(crate) select_verified_emails: String,
    pub(crate) metadata_of_user: String,
    pub(crate) lock_metadata_of_user: String,
    pub(crate) ensure_metadata_row: String,
    pub(crate) insert_metadata: String,
    pub(crate) update_metadata: String,
    pub(crate) delete_metadata: String,
    /// Inserts a role; on MySQL a taken name fails (so that it is told from an insert),
    /// elsewhere it is kept (`rows_affected` 0).
    pub(crate) insert_role: String,
    pub(crate) lock_role: String,
    pub(crate) count_role: String,
    pub(crate) delete_role: String,
    pub(crate) all_roles: String,
    pub(crate) permissions_of_role: String,
    pub(crate) delete_permissions_of_role: String,
    pub(crate) roles_with_permission: String,
    /// Inserts an assignment; like [`Queries::insert_role`] for a taken key.
    pub(crate) insert_user_role: String,
    pub(crate) delete_user_role: String,
    pub(crate) roles_of_user: String,
    pub(crate) users_with_role: String,
    pub(crate) all_tenants: String,
    pub(crate) tenant_by_id: String,
    pub(crate) insert_tenant: String,
    pub(crate) update_tenant: String,
    /// Statements that delete a tenant and what is kept under it (all bind the id once).
    pub(crate) delete_tenant_data: Vec<String>,
    /// Statements that take a user out of a tenant (all bind the tenant, then the user id,
    /// except the session statement, which binds the user id twice).
    pub(crate) delete_user_tenant_data: Vec<String>,
    pub(crate) all_apps: String,
    pub(crate) app_by_id: String,
    pub(crate) insert_app: String,
    pub(crate) update_app: String,
    pub(crate) delete_app: String,
    pub(crate) insert_rate_limit: String,
    /// The conflict clause of a multi-row hit of fixed-window counters (see `hit_windows`):
    /// each `VALUES` row carries how many hits it counts in `hits`. On PostgreSQL and SQLite
    /// it returns the counters with their keys; on MySQL they are read back with
    /// `select_keyed_rate_limits` in the same transaction.
    pub(crate) hit_windows_upsert: String,
    /// `SELECT <key>, <counter> FROM rate_limits`, for dynamic queries.
    pub(crate) select_keyed_rate_limits: String,
    /// Makes an empty counter unless there is one (row-lock backends; see
    /// `update_rate_limit`).
    pub(crate) ensure_rate_limit_row: String,
    pub(crate) rate_limit_by_key: String,
    pub(crate) lock_rate_limit: String,
    pub(crate) update_rate_limit: String,
    pub(crate) delete_rate_limits_of_key: String,
    pub(crate) delete_rate_limit_in_tenant: String,
    pub(crate) delete_expired_rate_limits: String,
}

impl Queries {
    pub(crate) fn new(d: Dialect) -> Self {
        let q = |sql: &str| d.placeholders(sql);
        let lock = d.lock_suffix();
        let select_users = format!(
            "SELECT {}, {} FROM users",
            d.select_list(USER_COLUMNS),
            d.tenant_ids_column()
        );
        let select_tenants = format!("SELECT {} FROM tenants", d.select_list(TENANT_COLUMNS));
        let select_apps = format!("SELECT {} FROM apps", d.select_list(APP_COLUMNS));
        let select_tokens = format!(
            "SELECT {} FROM password_reset_tokens",
            d.select_list(TOKEN_COLUMNS)
        );
        let select_sessions = format!("SELECT {} FROM sessions", d.select_list(SESSION_COLUMNS));
        let select_keys = format!(
            "SELECT {} FROM signing_keys",
            d.select_list(SIGNING_KEY_COLUMNS)
        );
        let select_devices = format!(
            "SELECT {} FROM passwordless_devices",
            d.select_list(DEVICE_COLUMNS)
        );
        let select_codes = format!(
            "SELECT {} FROM passwordless_codes",
            d.select_list(CODE_COLUMNS)
        );
        let devices_order = "ORDER BY passwordless_devices.device_id_hash";
        Self {
            dialect: d,
            select_session_handles: format!(
                "SELECT {} FROM sessions",
                d.select_list("session_handle")
            ),
            insert_user: q(&format!(
                "INSERT INTO users ({USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
            )),
            insert_user_tenant: q(&format!(
                "INSERT INTO user_tenants ({USER_TENANT_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
            )),
            update_user_tenants_email: q("UPDATE user_tenants SET email = ? WHERE user_id = ?"),
            user_by_id: q(&format!("{select_users} WHERE user_id = ?")),
            password_hash_by_email: q(&format!(
                "SELECT {}, {} FROM (SELECT 1 AS one) probe \
                 LEFT JOIN user_tenants ut ON ut.tenant_id = ? AND ut.recipe_id = ? \
                 AND ut.email = ? LEFT JOIN users u ON u.user_id = COALESCE(ut.user_id, '')",
                d.text_as("u.user_id", "user_id"),
                d.text_as("u.password_hash", "password_hash")
            )),
            user_by_email: q(&format!(
                "{select_users} WHERE users.user_id IN (SELECT ut.user_id FROM user_tenants ut \
                 WHERE ut.tenant_id = ? AND ut.recipe_id = ? AND ut.email = ?)"
            )),
            users_by_email: q(&format!(
                "{select_users} WHERE users.user_id IN (SELECT ut.user_id FROM user_tenants ut \
                 WHERE ut.tenant_id = ? AND ut.email = ?) \
                 ORDER BY users.time_joined, users.user_id"
            )),
            user_by_phone_number_of_recipe: q(&format!(
                "{select_users} WHERE users.user_id IN (SELECT ut.user_id FROM user_tenants ut \
                 WHERE ut.tenant_id = ? AND ut.recipe_id = ? AND ut.phone_number = ?)"
            )),
            users_by_phone_number: q(&format!(
                "{select_users} WHERE users.user_id IN (SELECT ut.user_id FROM user_tenants ut \
                 WHERE ut.tenant_id = ? AND ut.phone_number = ?) \
                 ORDER BY users.time_joined, users.user_id"
            )),
            update_user_email: q("UPDATE users SET email = ? WHERE user_id = ?"),
            update_password_hash: q("UPDATE users SET password_hash = ? WHERE user_id = ?"),
            delete_user: q("DELETE FROM users WHERE user_id = ?"),
            insert_token: q(&format!(
                "INSERT INTO password_reset_tokens ({TOKEN_COLUMNS}) VALUES (?, ?, ?, ?)"
            )),
            token_by_hash: q(&format!("{select_tokens} WHERE token_hash = ?")),
            lock_tokens_of_user: q(&format!(
                "SELECT {} FROM password_reset_tokens WHERE user_id = ? \
                 ORDER BY password_reset_tokens.token_hash{lock}",
                d.select_list("token_hash")
            )),
            delete_tokens_of_user: q("DELETE FROM password_reset_tokens WHERE user_id = ?"),
            delete_expired_tokens: q(&d.delete_batch(
                "password_reset_tokens",
                "token_hash",
                "expires_at < ?",
                "expires_at",
            )),
            insert_session: q(&format!(
                "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            )),
            session_by_handle: q(&format!("{select_sessions} WHERE session_handle = ?")),
            swap_refresh_token_hash: q(
                "UPDATE sessions SET refresh_token_hash_2 = ?, expires_at = ? \
                 WHERE session_handle = ? AND refresh_token_hash_2 = ?",
            ),
            set_use_static_key: q(
                "UPDATE sessions SET use_static_key = ? WHERE session_handle = ?",
            ),
            update_session_data: q("UPDATE sessions SET session_data = ? WHERE session_handle = ?"),
            update_jwt_payload: q("UPDATE sessions SET jwt_payload = ? WHERE session_handle = ?"),
            delete_expired_sessions: q(&d.delete_batch(
                "sessions",
                "session_handle",
                "expires_at < ?",
                "expires_at",
            )),
            signing_keys: q(&format!(
                "{select_keys} WHERE kind = ? \
                 ORDER BY signing_keys.generation DESC, signing_keys.created_at DESC"
            )),
            insert_signing_key: q(&d.insert_if_absent("signing_keys", SIGNING_KEY_COLUMNS)),
            delete_signing_keys_before: q(&d.delete_batch(
                "signing_keys",
                "kid",
                "kind = ? AND created_at < ?",
                "created_at",
            )),
            insert_secret: q(&d.insert_if_absent("secrets", "name, value")),
            secret_by_name: q(&format!(
                "SELECT {} FROM secrets WHERE name = ?",
                d.select_list("value")
            )),
            select_device_ids: format!(
                "SELECT {} FROM passwordless_devices",
                d.select_list("device_id_hash")
            ),
            select_code_device_ids: format!(
                "SELECT {} FROM passwordless_codes",
                d.select_list("device_id_hash")
            ),
            insert_device: q(&format!(
                "INSERT INTO passwordless_devices ({DEVICE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
            )),
            insert_code: q(&format!(
                "INSERT INTO passwordless_codes ({CODE_COLUMNS}) VALUES (?, ?, ?, ?)"
            )),
            device_by_id: q(&format!(
                "{select_devices} WHERE tenant_id = ? AND device_id_hash = ?"
            )),
            lock_device: q(&format!(
                "{select_devices} WHERE tenant_id = ? AND device_id_hash = ?{lock}"
            )),
            devices_by_email: q(&format!(
                "{select_devices} WHERE tenant_id = ? AND email = ? {devices_order}"
            )),
            devices_by_phone_number: q(&format!(
                "{select_devices} WHERE tenant_id = ? AND phone_number = ? {devices_order}"
            )),
            lock_devices_by_email: q(&format!(
                "{select_devices} WHERE tenant_id = ? AND email = ? {devices_order}{lock}"
            )),
            lock_devices_by_phone_number: q(&format!(
                "{select_devices} WHERE tenant_id = ? AND phone_number = ? {devices_order}{lock}"
            )),
            codes_of_device: q(&format!(
                "{select_codes} WHERE device_id_hash = ? AND {CODE_IN_TENANT} \
                 ORDER BY passwordless_codes.created_at, passwordless_codes.code_id"
            )),
            code_by_link_code_hash: q(&format!(
                "{select_codes} WHERE link_code_hash = ? AND {CODE_IN_TENANT}"
            )),
            code_by_id: q(&format!(
                "{select_codes} WHERE code_id = ? AND {CODE_IN_TENANT}"
            )),
            lock_code_of_device: q(&format!(
                "SELECT created_at FROM passwordless_codes \
                 WHERE link_code_hash = ? AND device_id_hash = ?{lock}"
            )),
            lock_any_code_of_device: q(&format!(
                "SELECT {} FROM passwordless_codes WHERE device_id_hash = ? LIMIT 1{lock}",
                d.select_list("code_id")
            )),
            raise_failed_attempts: q("UPDATE passwordless_devices \
                 SET failed_attempts = failed_attempts + 1 WHERE device_id_hash = ?"),
            delete_code_of_device: q(
                "DELETE FROM passwordless_codes WHERE code_id = ? AND device_id_hash = ?",
            ),
            expired_device_candidates: q(&format!(
                "SELECT {} FROM passwordless_devices WHERE NOT EXISTS \
                 (SELECT 1 FROM passwordless_codes c \
                 WHERE c.device_id_hash = passwordless_devices.device_id_hash \
                 AND c.created_at >= ?) {devices_order} LIMIT ?",
                d.select_list("device_id_hash")
            )),
            lock_user: q(&format!("{select_users} WHERE user_id = ?{lock}")),
            select_users,
            select_devices_with_code_start: format!(
                "SELECT {}, (SELECT c.created_at FROM passwordless_codes c \
                 WHERE c.link_code_hash = ",
                d.select_list(DEVICE_COLUMNS)
            ),
            delete_user_data: [
                "DELETE FROM sessions WHERE user_id = ?",
                "DELETE FROM sessions WHERE recipe_user_id = ?",
                "DELETE FROM password_reset_tokens WHERE user_id = ?",
                "DELETE FROM emailverification_tokens WHERE user_id = ?",
                "DELETE FROM emailverification_verified_emails WHERE user_id = ?",
                "DELETE FROM user_metadata WHERE user_id = ?",
                "DELETE FROM user_roles WHERE user_id = ?",
                "DELETE FROM user_tenants WHERE user_id = ?",
            ]
            .into_iter()
            .map(q)
            .collect(),
            insert_ev_token: q(&format!(
                "INSERT INTO emailverification_tokens ({EV_TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
            )),
            ev_token_by_hash: q(&format!(
                "SELECT {} FROM emailverification_tokens WHERE tenant_id = ? AND token_hash = ?",
                d.select_list(EV_TOKEN_COLUMNS)
            )),
            lock_ev_tokens_of_pair: q(&format!(
                "SELECT {} FROM emailverification_tokens \
                 WHERE tenant_id = ? AND user_id = ? AND email = ? \
                 ORDER BY emailverification_tokens.token_hash{lock}",
                d.select_list("token_hash, expires_at")
            )),
            delete_ev_tokens_of_pair: q("DELETE FROM emailverification_tokens \
                 WHERE tenant_id = ? AND user_id = ? AND email = ?"),
            delete_expired_ev_tokens: q(&d.delete_batch(
                "emailverification_tokens",
                "token_hash",
                "expires_at < ?",
                "expires_at",
            )),
            insert_verified_email: q(&format!(
                "INSERT INTO emailverification_verified_emails (user_id, email) VALUES (?, ?){}",
                d.keep_existing("email")
            )),
            delete_verified_email: q(
                "DELETE FROM emailverification_verified_emails WHERE user_id = ? AND email = ?",
            ),
            count_verified_email: q("SELECT COUNT(*) FROM emailverification_verified_emails \
                 WHERE user_id = ? AND email = ?"),
            select_verified_emails: format!(
                "SELECT {} FROM emailverification_verified_emails",
                d.select_list("user_id, email")
            ),
            metadata_of_user: q(&format!(
                "SELECT {} FROM user_metadata WHERE user_id = ?",
                d.select_list("metadata")
            )),
            lock_metadata_of_user: q(&format!(
                "SELECT {} FROM user_metadata WHERE user_id = ?{lock}",
                d.select_list("metadata")
            )),
            ensure_metadata_row: q(&format!(
                "INSERT INTO user_metadata (user_id, metadata) VALUES (?, '{{}}'){}",
                d.keep_existing("user_id")
            )),
            insert_metadata: q("INSERT INTO user_metadata (user_id, metadata) VALUES (?, ?)"),
            update_metadata: q("UPDATE user_metadata SET metadata = ? WHERE user_id = ?"),
            delete_metadata: q("DELETE FROM user_metadata WHERE user_id = ?"),
            insert_role: q(&format!(
                "INSERT INTO roles (role) VALUES (?){}",
                if d.mysql {
                    ""
                } else {
                    " ON CONFLICT DO NOTHING"
                }
            )),
            lock_role: q(&format!(
                "SELECT {} FROM roles WHERE role = ?{lock}",
                d.select_list("role")
            )),
            count_role: q("SELECT COUNT(*) FROM roles WHERE role = ?"),
            delete_role: q("DELETE FROM roles WHERE role = ?"),
            all_roles: format!(
                "SELECT {} FROM roles ORDER BY roles.role",
                d.select_list("role")
            ),
            permissions_of_role: q(&format!(
                "SELECT {}, {} FROM roles r \
                 LEFT JOIN role_permissions p ON p.role = r.role \
                 WHERE r.role = ? ORDER BY p.permission",
                d.text_as("r.role", "role"),
                d.text_as("p.permission", "permission")
            )),
            delete_permissions_of_role: q("DELETE FROM role_permissions WHERE role = ?"),
            roles_with_permission: q(&format!(
                "SELECT {} FROM role_permissions WHERE permission = ? \
                 ORDER BY role_permissions.role",
                d.select_list("role")
            )),
            insert_user_role: q(&format!(
                "INSERT INTO user_roles (tenant_id, user_id, role) VALUES (?, ?, ?){}",
                if d.mysql {
                    ""
                } else {
                    " ON CONFLICT DO NOTHING"
                }
            )),
            delete_user_role: q(
                "DELETE FROM user_roles WHERE tenant_id = ? AND user_id = ? AND role = ?",
            ),
            roles_of_user: q(&format!(
                "SELECT {} FROM user_roles WHERE tenant_id = ? AND user_id = ? \
                 ORDER BY user_roles.role",
                d.select_list("role")
            )),
            users_with_role: q(&format!(
                "SELECT {}, {} FROM roles r \
                 LEFT JOIN user_roles u ON u.role = r.role AND u.tenant_id = ? \
                 WHERE r.role = ? ORDER BY u.user_id",
                d.text_as("r.role", "role"),
                d.text_as("u.user_id", "user_id")
            )),
            all_tenants: format!("{select_tenants} ORDER BY tenants.tenant_id"),
            tenant_by_id: q(&format!("{select_tenants} WHERE tenant_id = ?")),
            insert_tenant: q(&format!(
                "INSERT INTO tenants ({TENANT_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
            )),
            update_tenant: q("UPDATE tenants SET first_factors = ?, \
                 required_secondary_factors = ?, core_config = ? WHERE tenant_id = ?"),
            // Same table order as a user's deletion, so the two cannot deadlock.
            delete_tenant_data: [
                "DELETE FROM tenants WHERE tenant_id = ?",
                "DELETE FROM sessions WHERE tenant_id = ?",
                "DELETE FROM emailverification_tokens WHERE tenant_id = ?",
                "DELETE FROM user_roles WHERE tenant_id = ?",
                "DELETE FROM passwordless_codes WHERE device_id_hash IN \
                 (SELECT d.device_id_hash FROM passwordless_devices d WHERE d.tenant_id = ?)",
                "DELETE FROM passwordless_devices WHERE tenant_id = ?",
                "DELETE FROM user_tenants WHERE tenant_id = ?",
                "DELETE FROM rate_limits WHERE tenant_id = ?",
            ]
            .into_iter()
            .map(q)
            .collect(),
            delete_user_tenant_data: [
                "DELETE FROM sessions WHERE tenant_id = ? AND (user_id = ? OR recipe_user_id = ?)",
                "DELETE FROM emailverification_tokens WHERE tenant_id = ? AND user_id = ?",
                "DELETE FROM user_roles WHERE tenant_id = ? AND user_id = ?",
                "DELETE FROM user_tenants WHERE tenant_id = ? AND user_id = ?",
            ]
            .into_iter()
            .map(q)
            .collect(),
            all_apps: format!("{select_apps} ORDER BY apps.app_id"),
            app_by_id: q(&format!("{select_apps} WHERE app_id = ?")),
            insert_app: q(&format!(
                "INSERT INTO apps ({APP_COLUMNS}) VALUES (?, ?, ?)"
            )),
            update_app: q("UPDATE apps SET core_config = ? WHERE app_id = ?"),
            delete_app: q("DELETE FROM apps WHERE app_id = ?"),
            insert_rate_limit: q(&format!(
                "INSERT INTO rate_limits ({RATE_LIMIT_KEY_COLUMNS}, {RATE_LIMIT_COLUMNS}) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)"
            )),
            hit_windows_upsert: if d.mysql {
                // Assignments run left to right and later ones see earlier results, so
                // `expires_at`, which the conditions read, is assigned after the others.
                " ON DUPLICATE KEY UPDATE \
                 hits = CASE WHEN expires_at <= VALUES(last_hit_at) THEN VALUES(hits) \
                 ELSE hits + VALUES(hits) END, \
                 window_started_at = CASE WHEN expires_at <= VALUES(last_hit_at) \
                 THEN VALUES(window_started_at) ELSE window_started_at END, \
                 expires_at = CASE WHEN expires_at <= VALUES(last_hit_at) \
                 THEN VALUES(expires_at) ELSE expires_at END, \
                 last_hit_at = VALUES(last_hit_at)"
                    .to_owned()
            } else {
                format!(
                    " ON CONFLICT ({RATE_LIMIT_KEY_COLUMNS}) DO UPDATE SET \
                     hits = CASE WHEN rate_limits.expires_at <= excluded.last_hit_at \
                     THEN excluded.hits ELSE rate_limits.hits + excluded.hits END, \
                     window_started_at = CASE WHEN rate_limits.expires_at <= \
                     excluded.last_hit_at THEN excluded.window_started_at \
                     ELSE rate_limits.window_started_at END, \
                     expires_at = CASE WHEN rate_limits.expires_at <= excluded.last_hit_at \
                     THEN excluded.expires_at ELSE rate_limits.expires_at END, \
                     last_hit_at = excluded.last_hit_at \
                     RETURNING {RATE_LIMIT_KEY_COLUMNS}, {RATE_LIMIT_COLUMNS}"
                )
            },
            select_keyed_rate_limits: format!(
                "SELECT {}, {RATE_LIMIT_COLUMNS} FROM rate_limits",
                d.select_list(RATE_LIMIT_KEY_COLUMNS)
            ),
            ensure_rate_limit_row: q(&format!(
                "INSERT INTO rate_limits ({RATE_LIMIT_KEY_COLUMNS}, {RATE_LIMIT_COLUMNS}) \
                 VALUES (?, ?, ?, 0, 0, 0, 0){}",
                d.keep_existing("hits")
            )),
            rate_limit_by_key: q(&format!(
                "SELECT {RATE_LIMIT_COLUMNS} FROM rate_limits WHERE {RATE_LIMIT_KEY_FILTER}"
            )),
            lock_rate_limit: q(&format!(
                "SELECT {RATE_LIMIT_COLUMNS} FROM rate_limits WHERE {RATE_LIMIT_KEY_FILTER}{lock}"
            )),
            update_rate_limit: q(&format!(
                "UPDATE rate_limits SET hits = ?, window_started_at = ?, last_hit_at = ?, \
                 expires_at = ? WHERE {RATE_LIMIT_KEY_FILTER}"
            )),
            delete_rate_limits_of_key: q(
                "DELETE FROM rate_limits WHERE bucket = ? AND key_hash = ?",
            ),
            delete_rate_limit_in_tenant: q(&format!(
                "DELETE FROM rate_limits WHERE {RATE_LIMIT_KEY_FILTER}"
            )),
            delete_expired_rate_limits: q(&if d.mysql {
                "DELETE FROM rate_limits WHERE expires_at < ? ORDER BY expires_at LIMIT ?"
                    .to_owned()
            } else {
                format!(
                    "DELETE FROM rate_limits WHERE ({RATE_LIMIT_KEY_COLUMNS}) IN \
                     (SELECT {RATE_LIMIT_KEY_COLUMNS} FROM rate_limits WHERE expires_at < ? \
                     ORDER BY expires_at LIMIT ?)"
                )
            }),
        }
    }
}

/// Maps a driver error: lost connectivity becomes [`StorageError::Unavailable`].
pub(crate) fn map_err(e: sqlx::Error) -> StorageError {
    use sqlx::Error as E;
    match e {
        E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed | E::Io(_) | E::Tls(_) => {
            StorageError::Unavailable(e.to_string())
        }
        E::Configuration(_) => StorageError::Config(e.to_string()),
        E::Decode(_) | E::ColumnDecode { .. } => StorageError::Corrupt(e.to_string()),
        E::Database(ref db) if is_connection_failure(db.code().as_deref()) => {
            StorageError::Unavailable(e.to_string())
        }
        E::Migrate(m) => map_migrate_err(*m),
        _ => StorageError::Database(e.to_string()),
    }
}

/// SQLSTATE classes that mean the server went away: `08` (connection exception) and
/// PostgreSQL's `57P01`-`57P03` (shutdown, crash, cannot connect now).
fn is_connection_failure(sqlstate: Option<&str>) -> bool {
    sqlstate.is_some_and(|c| c.starts_with("08") || c.starts_with("57P0"))
}

/// Maps a migration failure.
pub(crate) fn map_migrate_err(e: sqlx::migrate::MigrateError) -> StorageError {
    match e {
        sqlx::migrate::MigrateError::Execute(inner) => map_err(inner),
        other => StorageError::Database(format!("migration failed: {other}")),
    }
}

/// The unique key a failed write collided with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UniqueKey {
    Email,
    PhoneNumber,
    /// The link code hash of a passwordless code (`passwordless_codes_link_uq`).
    LinkCodeHash,
    /// The primary key (or any other unique key).
    Primary,
}

/// When `e` is a unique violation, which key was violated.
///
/// The key is recognised by name: PostgreSQL reports the constraint (`users_email_uq`),
/// MySQL/MariaDB the key (`… for key 'users_email_uq'`), and SQLite the columns
/// (`UNIQUE constraint failed: users.tenant_id, users.recipe_id, users.email`). Only the
/// part naming the key is inspected, never the duplicated value.
///
/// Names are matched by fragment: `link` (`passwordless_codes_link_uq`, SQLite's
/// `passwordless_codes.link_code_hash`), then `email`, then `phone`. No primary key and no
/// other unique key of the schema contains these fragments; the passwordless tables have
/// no unique key on email or phone number.
pub(crate) fn unique_violation(e: &sqlx::Error) -> Option<UniqueKey> {
    let sqlx::Error::Database(db) = e else {
        return None;
    };
    if !db.is_unique_violation() {
        return None;
    }
    let message = db.message();
    let key: Cow<'_, str> = if let Some(constraint) = db.constraint() {
        Cow::Borrowed(constraint)
    } else if let Some(idx) = message.rfind(" for key ") {
        Cow::Borrowed(&message[idx..])
    } else if let Some(idx) = message.find("constraint failed:") {
        Cow::Borrowed(&message[idx..])
    } else {
        Cow::Borrowed("")
    };
    Some(if key.contains("link") {
        UniqueKey::LinkCodeHash
    } else if key.contains("email") {
        UniqueKey::Email
    } else if key.contains("phone") {
        UniqueKey::PhoneNumber
    } else {
        UniqueKey::Primary
    })
}

/// The outcome of an insert into `user_tenants` (or of users with their `user_tenants` rows)
/// that failed with `e`: a taken email, phone number or user id, or the error.
pub(crate) fn user_tenant_conflict(
    e: sqlx::Error,
) -> crate::error::Result<crate::model::InsertUserOutcome> {
    use crate::model::InsertUserOutcome;
    match unique_violation(&e) {
        Some(UniqueKey::Email) => Ok(InsertUserOutcome::EmailTaken),
        Some(UniqueKey::PhoneNumber) => Ok(InsertUserOutcome::PhoneNumberTaken),
        Some(UniqueKey::Primary | UniqueKey::LinkCodeHash) => Ok(InsertUserOutcome::UserIdTaken),
        None => Err(map_err(e)),
    }
}

/// Converts a count column.
pub(crate) fn count_to_u64(n: i64) -> crate::error::Result<u64> {
    u64::try_from(n).map_err(|_| StorageError::Corrupt(format!("negative count {n}")))
}

/// A `users` row.
#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    user_id: String,
    recipe_id: String,
    email: Option<String>,
    phone_number: Option<String>,
    password_hash: Option<String>,
    time_joined: i64,
    tenant_ids: Option<String>,
}

impl From<UserRow> for UserRecord {
    fn from(r: UserRow) -> Self {
        let mut tenant_ids: Vec<String> = r
            .tenant_ids
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .collect();
        tenant_ids.sort_unstable();
        tenant_ids.dedup();
        Self {
            user_id: r.user_id,
            recipe_id: r.recipe_id,
            tenant_ids,
            email: r.email,
            phone_number: r.phone_number,
            password_hash: r.password_hash,
            time_joined_ms: r.time_joined,
        }
    }
}

/// A `password_reset_tokens` row.
#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    token_hash: String,
    user_id: String,
    email: String,
    expires_at: i64,
}

impl From<TokenRow> for PasswordResetTokenRecord {
    fn from(r: TokenRow) -> Self {
        Self {
            token_hash: r.token_hash,
            user_id: r.user_id,
            email: r.email,
            expires_at_ms: r.expires_at,
        }
    }
}

/// A `sessions` row; the JSON columns are TEXT.
#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    session_handle: String,
    user_id: String,
    recipe_user_id: String,
    tenant_id: String,
    refresh_token_hash_2: String,
    session_data: String,
    jwt_payload: String,
    expires_at: i64,
    created_at: i64,
    use_static_key: bool,
}

impl TryFrom<SessionRow> for SessionRecord {
    type Error = StorageError;

    fn try_from(r: SessionRow) -> Result<Self, StorageError> {
        let json = |column: &str, text: &str| {
            serde_json::from_str(text).map_err(|e| {
                StorageError::Corrupt(format!("sessions.{column} of {}: {e}", r.session_handle))
            })
        };
        let session_data = json("session_data", &r.session_data)?;
        let jwt_payload = json("jwt_payload", &r.jwt_payload)?;
        Ok(Self {
            session_handle: r.session_handle,
            user_id: r.user_id,
            recipe_user_id: r.recipe_user_id,
            tenant_id: r.tenant_id,
            refresh_token_hash_2: r.refresh_token_hash_2,
            session_data,
            jwt_payload,
            expires_at_ms: r.expires_at,
            created_at_ms: r.created_at,
            use_static_key: r.use_static_key,
        })
    }
}

/// A `signing_keys` row.
#[derive(sqlx::FromRow)]
pub(crate) struct SigningKeyRow {
    kid: String,
    kind: String,
    generation: i64,
    algorithm: String,
    private_key_pem: String,
    created_at: i64,
}

impl TryFrom<SigningKeyRow> for SigningKeyRecord {
    type Error = StorageError;

    fn try_from(r: SigningKeyRow) -> Result<Self, StorageError> {
        let kind = match r.kind.as_str() {
            "dynamic" => SigningKeyKind::Dynamic,
            "static" => SigningKeyKind::Static,
            other => {
                return Err(StorageError::Corrupt(format!(
                    "signing_keys.kind of {} is `{other}`",
                    r.kid
                )));
            }
        };
        Ok(Self {
            kid: r.kid,
            kind,
            generation: r.generation,
            algorithm: r.algorithm,
            private_key_pem: r.private_key_pem,
            created_at_ms: r.created_at,
        })
    }
}

/// A device with the creation time of one of its codes (see `consume_at_once`).
#[derive(sqlx::FromRow)]
pub(crate) struct DeviceWithCodeRow {
    #[sqlx(flatten)]
    pub(crate) device: DeviceRow,
    pub(crate) code_created_at: Option<i64>,
}

/// A `passwordless_devices` row.
#[derive(sqlx::FromRow)]
pub(crate) struct DeviceRow {
    pub(crate) device_id_hash: String,
    tenant_id: String,
    email: Option<String>,
    phone_number: Option<String>,
    link_code_salt: String,
    failed_attempts: i32,
}

impl TryFrom<DeviceRow> for PasswordlessDeviceRecord {
    type Error = StorageError;

    fn try_from(r: DeviceRow) -> Result<Self, StorageError> {
        let failed_attempts = u32::try_from(r.failed_attempts).map_err(|_| {
            StorageError::Corrupt(format!(
                "passwordless_devices.failed_attempts of {} is {}",
                r.device_id_hash, r.failed_attempts
            ))
        })?;
        Ok(Self {
            device_id_hash: r.device_id_hash,
            tenant_id: r.tenant_id,
            email: r.email,
            phone_number: r.phone_number,
            link_code_salt: r.link_code_salt,
            failed_attempts,
        })
    }
}

/// The `failed_attempts` column value of a count (an INT column; counts beyond it saturate).
pub(crate) fn failed_attempts_column(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A `passwordless_codes` row.
#[derive(sqlx::FromRow)]
pub(crate) struct CodeRow {
    code_id: String,
    device_id_hash: String,
    link_code_hash: String,
    created_at: i64,
}

impl From<CodeRow> for PasswordlessCodeRecord {
    fn from(r: CodeRow) -> Self {
        Self {
            code_id: r.code_id,
            device_id_hash: r.device_id_hash,
            link_code_hash: r.link_code_hash,
            created_at_ms: r.created_at,
        }
    }
}

/// An `emailverification_tokens` row.
#[derive(sqlx::FromRow)]
pub(crate) struct EvTokenRow {
    token_hash: String,
    tenant_id: String,
    user_id: String,
    email: String,
    expires_at: i64,
}

impl From<EvTokenRow> for EmailVerificationTokenRecord {
    fn from(r: EvTokenRow) -> Self {
        Self {
            token_hash: r.token_hash,
            tenant_id: r.tenant_id,
            user_id: r.user_id,
            email: r.email,
            expires_at_ms: r.expires_at,
        }
    }
}

/// A `tenants` row; the factor lists and the configuration are JSON text.
#[derive(sqlx::FromRow)]
pub(crate) struct TenantRow {
    tenant_id: String,
    first_factors: Option<String>,
    required_secondary_factors: Option<String>,
    core_config: String,
    created_at: i64,
}

impl TryFrom<TenantRow> for TenantRecord {
    type Error = StorageError;

    fn try_from(r: TenantRow) -> Result<Self, StorageError> {
        let corrupt = |column: &str, e: serde_json::Error| {
            StorageError::Corrupt(format!("tenants.{column} of {}: {e}", r.tenant_id))
        };
        let factors = |column: &str, text: &Option<String>| {
            text.as_deref()
                .map(serde_json::from_str::<Vec<String>>)
                .transpose()
                .map_err(|e| corrupt(column, e))
        };
        let first_factors = factors("first_factors", &r.first_factors)?;
        let required_secondary_factors =
            factors("required_secondary_factors", &r.required_secondary_factors)?;
        let core_config =
            serde_json::from_str(&r.core_config).map_err(|e| corrupt("core_config", e))?;
        Ok(Self {
            tenant_id: r.tenant_id,
            first_factors,
            required_secondary_factors,
            core_config,
            created_at_ms: r.created_at,
        })
    }
}

/// An `apps` row; the configuration is JSON text.
#[derive(sqlx::FromRow)]
pub(crate) struct AppRow {
    app_id: String,
    core_config: String,
    created_at: i64,
}

impl TryFrom<AppRow> for AppRecord {
    type Error = StorageError;

    fn try_from(r: AppRow) -> Result<Self, StorageError> {
        let core_config = serde_json::from_str(&r.core_config)
            .map_err(|e| StorageError::Corrupt(format!("apps.core_config of {}: {e}", r.app_id)))?;
        Ok(Self {
            app_id: r.app_id,
            core_config,
            created_at_ms: r.created_at,
        })
    }
}

/// A `rate_limits` row without its key.
#[derive(Clone, sqlx::FromRow)]
pub(crate) struct RateLimitRow {
    hits: i64,
    window_started_at: i64,
    last_hit_at: i64,
    expires_at: i64,
}

impl TryFrom<RateLimitRow> for RateLimitRecord {
    type Error = StorageError;

    fn try_from(r: RateLimitRow) -> Result<Self, StorageError> {
        Ok(Self {
            hits: u64::try_from(r.hits)
                .map_err(|_| StorageError::Corrupt(format!("rate_limits.hits is {}", r.hits)))?,
            window_started_at_ms: r.window_started_at,
            last_hit_at_ms: r.last_hit_at,
            expires_at_ms: r.expires_at,
        })
    }
}

/// A `rate_limits` row with its key.
#[derive(sqlx::FromRow)]
pub(crate) struct KeyedRateLimitRow {
    pub(crate) bucket: String,
    pub(crate) key_hash: String,
    pub(crate) tenant_id: String,
    #[sqlx(flatten)]
    pub(crate) counter: RateLimitRow,
}

/// The `hits` column value of a count (a BIGINT; counts beyond it saturate).
pub(crate) fn hits_column(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// JSON text of a factor list column (`None` stays NULL).
pub(crate) fn factors_column(factors: Option<&Vec<String>>) -> Option<String> {
    factors.map(|factors| serde_json::Value::from(factors.clone()).to_string())
}

/// JSON text of a configuration column.
pub(crate) fn config_column(config: &serde_json::Map<String, serde_json::Value>) -> String {
    serde_json::Value::Object(config.clone()).to_string()
}

/// Whether `e` is a foreign key violation (e.g. a role that does not exist, or no longer).
pub(crate) fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_foreign_key_violation())
}

/// Decodes a `user_metadata.metadata` value, which must be a JSON object.
pub(crate) fn parse_metadata(
    user_id: &str,
    text: &str,
) -> crate::error::Result<serde_json::Map<String, serde_json::Value>> {
    serde_json::from_str(text)
        .map_err(|e| StorageError::Corrupt(format!("user_metadata.metadata of {user_id}: {e}")))
}

/// The shallow merge of user metadata: every top-level key of `update` replaces the stored
/// one (a nested object replaces the stored value whole), and a `null` removes the key.
pub(crate) fn merge_metadata(
    stored: &mut serde_json::Map<String, serde_json::Value>,
    update: &serde_json::Map<String, serde_json::Value>,
) {
    for (key, value) in update {
        if value.is_null() {
            stored.remove(key);
        } else {
            stored.insert(key.clone(), value.clone());
        }
    }
}

/// How often an operation is tried again when a concurrent change it cannot wait for got
/// in its way (a role removed while permissions were added to it, a metadata row removed
/// between its creation and its update).
pub(crate) const RACE_RETRIES: usize = 5;

/// Where a backend's transactions start: a pool (on SQLite, one connection of its own, see
/// `sqlite.rs`), and for SQLite an in-process lock that queues transactions (from
/// `BEGIN IMMEDIATE` to the end) so they wait in a fair queue instead of sleeping in
/// SQLite's busy handler. Single-statement writes and reads do not take it: serialising
/// those in-process halved refresh throughput (each write's hand-off to the driver's worker
/// thread would then be paid one after another).
pub(crate) struct Writer<DB: sqlx::Database> {
    pool: sqlx::Pool<DB>,
    lock: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
    begin_sql: Option<&'static str>,
}

impl<DB: sqlx::Database> Clone for Writer<DB> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            lock: self.lock.clone(),
            begin_sql: self.begin_sql,
        }
    }
}

impl<DB: sqlx::Database> Writer<DB> {
    /// Transactions on `pool`; with `serialise`, one at a time in this process. They start
    /// with `begin_sql` (`None`: the driver's default `BEGIN`).
    pub(crate) fn new(
        pool: sqlx::Pool<DB>,
        serialise: bool,
        begin_sql: Option<&'static str>,
    ) -> Self {
        Self {
            pool,
            lock: serialise.then(|| std::sync::Arc::new(tokio::sync::Mutex::new(()))),
            begin_sql,
        }
    }

    /// Closes the pool of the transactions (a no-op when it is already closed).
    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }

    /// Waits for the write lock (when transactions are serialised).
    async fn lock(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match &self.lock {
            Some(lock) => Some(std::sync::Arc::clone(lock).lock_owned().await),
            None => None,
        }
    }

    /// Starts a transaction that holds the write lock (when writes are serialised) until
    /// it ends.
    pub(crate) async fn begin(&self) -> sqlx::Result<Tx<DB>> {
        let guard = self.lock().await;
        let tx = match self.begin_sql {
            Some(sql) => self.pool.begin_with(sql).await?,
            None => self.pool.begin().await?,
        };
        Ok(Tx { tx, _guard: guard })
    }
}

#[cfg(feature = "sqlite")]
impl Writer<sqlx::Sqlite> {
    /// Runs `sql` on the transactions' pool outside a transaction, holding the write lock,
    /// so that no transaction of this process waits in SQLite's busy handler meanwhile.
    pub(crate) async fn execute_alone(&self, sql: &'static str) -> sqlx::Result<()> {
        let _guard = self.lock().await;
        sqlx::query(sql).execute(&self.pool).await?;
        Ok(())
    }
}

/// A transaction with the write lock it holds (see [`Writer`]). Derefs to the connection;
/// dropping it without [`Tx::commit`] rolls it back.
pub(crate) struct Tx<DB: sqlx::Database> {
    tx: sqlx::Transaction<'static, DB>,
    // Declared after `tx`, so the lock is released after the rollback was started.
    _guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl<DB: sqlx::Database> Tx<DB> {
    /// Commits, then releases the write lock.
    pub(crate) async fn commit(self) -> sqlx::Result<()> {
        self.tx.commit().await
    }

    /// Rolls back, then releases the write lock.
    pub(crate) async fn rollback(self) -> sqlx::Result<()> {
        self.tx.rollback().await
    }
}

impl<DB: sqlx::Database> std::ops::Deref for Tx<DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        &self.tx
    }
}

impl<DB: sqlx::Database> std::ops::DerefMut for Tx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.tx
    }
}

/// Most devices written by one batched transaction (see [`DeviceBatcher`]).
pub(crate) const DEVICE_BATCH: usize = 128;

/// One queued `insert_passwordless_device` call.
pub(crate) struct DeviceJob {
    pub(crate) device: PasswordlessDeviceRecord,
    pub(crate) code: PasswordlessCodeRecord,
    pub(crate) budget: Option<OwnedBudget>,
    pub(crate) reply: tokio::sync::oneshot::Sender<crate::error::Result<InsertCodeOutcome>>,
}

/// A [`CodeBudget`] kept by a queued job.
pub(crate) struct OwnedBudget {
    bucket: String,
    tenant_id: String,
    key_hash: String,
    now_ms: i64,
    window_ms: i64,
    limit: u64,
}

impl OwnedBudget {
    pub(crate) fn new(budget: &CodeBudget<'_>) -> Self {
        Self {
            bucket: budget.key.bucket.to_owned(),
            tenant_id: budget.key.tenant_id.to_owned(),
            key_hash: budget.key.key_hash.to_owned(),
            now_ms: budget.now_ms,
            window_ms: budget.window_ms,
            limit: budget.limit,
        }
    }

    fn key(&self) -> RateLimitKey<'_> {
        RateLimitKey {
            bucket: &self.bucket,
            tenant_id: &self.tenant_id,
            key_hash: &self.key_hash,
        }
    }
}

/// The hits one multi-row window hit counts on one counter (see `hit_windows` in
/// [`impl_storage!`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WindowHits<'a> {
    pub(crate) key: RateLimitKey<'a>,
    /// How many hits (at least 1).
    pub(crate) hits: u64,
    pub(crate) now_ms: i64,
    pub(crate) window_ms: i64,
}

/// Where one budget's hit lands: the index of its counter in the grouped hits and the hit's
/// number (from 1) among that counter's hits in the batch.
type HitSlot = Option<(usize, u64)>;

/// Groups budgets by counter, one [`WindowHits`] per counter, sorted by key (so that
/// transactions that hit several counters lock them in one order and cannot deadlock).
/// A counter's `now_ms` and `window_ms` are those of its last budget.
pub(crate) fn group_budget_hits<'a>(
    budgets: &[Option<&'a OwnedBudget>],
) -> (Vec<WindowHits<'a>>, Vec<HitSlot>) {
    let mut counters: Vec<WindowHits<'a>> = Vec::new();
    let mut numbers: Vec<Option<(RateLimitKey<'a>, u64)>> = Vec::with_capacity(budgets.len());
    for budget in budgets {
        let Some(budget) = budget else {
            numbers.push(None);
            continue;
        };
        let key = budget.key();
        let number = match counters.iter_mut().find(|c| c.key == key) {
            Some(counter) => {
                counter.hits += 1;
                counter.now_ms = budget.now_ms;
                counter.window_ms = budget.window_ms;
                counter.hits
            }
            None => {
                counters.push(WindowHits {
                    key,
                    hits: 1,
                    now_ms: budget.now_ms,
                    window_ms: budget.window_ms,
                });
                1
            }
        };
        numbers.push(Some((key, number)));
    }
    counters.sort_by(|a, b| {
        (a.key.bucket, a.key.tenant_id, a.key.key_hash).cmp(&(
            b.key.bucket,
            b.key.tenant_id,
            b.key.key_hash,
        ))
    });
    let slots = numbers
        .into_iter()
        .map(|slot| {
            slot.and_then(|(key, number)| {
                counters
                    .iter()
                    .position(|c| c.key == key)
                    .map(|index| (index, number))
            })
        })
        .collect();
    (counters, slots)
}

/// Which budgets the counters (as the grouped hits left them) refuse: for each budget,
/// `Some(counter as its own hit left it)` when its hit is past its limit.
pub(crate) fn over_budget(
    budgets: &[Option<&OwnedBudget>],
    slots: &[HitSlot],
    counted: &[WindowHits<'_>],
    counters: &[RateLimitRecord],
) -> Vec<Option<RateLimitRecord>> {
    budgets
        .iter()
        .zip(slots)
        .map(|(budget, slot)| {
            let (budget, (index, number)) = (budget.as_ref()?, (*slot)?);
            let counter = counters.get(index)?;
            let batch_hits = counted.get(index)?.hits;
            // The hits before this batch's, then this one's number among them.
            let hits = counter
                .hits
                .saturating_sub(batch_hits)
                .saturating_add(number);
            (hits > budget.limit).then_some(RateLimitRecord { hits, ..*counter })
        })
        .collect()
}

/// A call queued for a [`Batcher`]'s task.
pub(crate) trait Queued: Send + 'static {
    /// Answers the caller with an error.
    fn fail(self, error: StorageError);
}

impl Queued for DeviceJob {
    fn fail(self, error: StorageError) {
        let _ = self.reply.send(Err(error));
    }
}

impl Queued for ConsumeJob {
    fn fail(self, error: StorageError) {
        let _ = self.reply.send(Err(error));
    }
}

/// Group commit: calls queue a job; one task per store takes what is queued, writes it in
/// one transaction and answers every caller. Used for new devices (see [`DEVICE_BATCH`])
/// and, on SQLite, for consumes (see [`CONSUME_BATCH`]). The task is started on first use
/// (and again if its runtime went away) and ends when the store is dropped.
pub(crate) struct Batcher<J> {
    sender: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedSender<J>>>,
}

impl<J> Default for Batcher<J> {
    fn default() -> Self {
        Self {
            sender: std::sync::Mutex::new(None),
        }
    }
}

/// The group commit of new devices.
pub(crate) type DeviceBatcher = Batcher<DeviceJob>;

impl<J: Queued> Batcher<J> {
    /// Queues `job`; `start` spawns the task draining a new queue when there is none.
    pub(crate) fn submit(
        &self,
        job: J,
        start: impl FnOnce(tokio::sync::mpsc::UnboundedReceiver<J>),
    ) {
        let mut sender = match self.sender.lock() {
            Ok(sender) => sender,
            Err(poisoned) => poisoned.into_inner(),
        };
        let job = match sender.as_ref() {
            Some(tx) => match tx.send(job) {
                Ok(()) => return,
                Err(tokio::sync::mpsc::error::SendError(job)) => job,
            },
            None => job,
        };
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        start(rx);
        // The receiver is alive: it was just handed to the new task.
        if let Err(tokio::sync::mpsc::error::SendError(job)) = tx.send(job) {
            job.fail(StorageError::Unavailable(
                "the batch writer stopped".to_owned(),
            ));
        }
        *sender = Some(tx);
    }
}

/// Most consumes written by one batched transaction.
pub(crate) const CONSUME_BATCH: usize = 64;

/// One queued consume (SQLite; see `consume_at_once` in [`impl_storage!`]): the owned parts
/// of its [`crate::model::CodeAttempt`].
pub(crate) struct ConsumeJob {
    pub(crate) tenant_id: String,
    pub(crate) device_id_hash: String,
    pub(crate) link_code_hash: String,
    pub(crate) typed: bool,
    pub(crate) expired_before_ms: i64,
    pub(crate) max_attempts: u32,
    pub(crate) email: Option<String>,
    pub(crate) phone_number: Option<String>,
    pub(crate) new_user: UserRecord,
    pub(crate) reply:
        tokio::sync::oneshot::Sender<crate::error::Result<crate::model::CodeAttemptOutcome>>,
}

/// Implements every storage trait for a backend struct, once for all backends.
///
/// The struct must have fields `pool: sqlx::Pool<$db>`, `q: &'static Queries`,
/// `w: Writer<$db>` (on the same pool), `batcher: Arc<DeviceBatcher>` and
/// `consumes: Arc<Batcher<ConsumeJob>>`, and an inherent
/// `async fn begin(&self) -> sqlx::Result<Tx<$db>>` (normally `self.w.begin()`).
macro_rules! impl_storage {
    ($ty:ty, $db:ty, $name:literal) => {
        const _: () = {
            use async_trait::async_trait;
            use serde_json::Value;
            use sqlx::QueryBuilder;

            use $crate::error::Result;
            use $crate::model::{
                AddUserRoleOutcome, AddUserToTenantOutcome, AppRecord, CodeAttempt,
                CodeAttemptOutcome, CodeBudget, ContactUpdate, TenantRecord,
                EmailVerificationTokenRecord, InsertCodeOutcome, InsertUserOutcome,
                ListUsersQuery, PasswordResetTokenRecord, PasswordlessCodeRecord,
                PasswordlessDeviceRecord, RECIPE_PASSWORDLESS, RateLimitKey, RateLimitRecord,
                RateLimitUpdate, RemoveUserRoleOutcome,
                SessionRecord, SigningKeyKind, SigningKeyRecord, UpdateContactOutcome,
                UpdateEmailOutcome, UseVerificationTokenOutcome, UserRecord,
            };
            use $crate::sql::{
                AppRow, CodeRow, DeviceRow, DeviceWithCodeRow, EvTokenRow, RateLimitRow, SessionRow, SigningKeyRow,
                TenantRow, TokenRow, UniqueKey, UserRow, DEVICE_BATCH, DeviceJob, KeyedRateLimitRow,
                OwnedBudget, Queries, RACE_RETRIES, WindowHits, group_budget_hits, over_budget,
                CONSUME_BATCH, ConsumeJob, Queued, USER_COLUMNS, USER_TENANT_COLUMNS,
                Writer, config_column, count_to_u64, factors_column,
                failed_attempts_column, hits_column, is_foreign_key_violation, map_err, merge_metadata,
                parse_metadata, unique_violation, user_tenant_conflict,
            };
            use $crate::error::StorageError;
            use $crate::traits::{
                AppRegistryStore, EmailVerificationStore, PasswordResetStore,
                PasswordlessStore, RateLimitStore, SecretStore, SessionStore, SigningKeyStore,
                Storage, TenantStore, UserMetadataStore, UserRolesStore, UserStore,
            };

            /// Appends ` AND <the user is in the tenant>` (when a tenant is given) and
            /// ` AND recipe_id IN (…)` (when recipes are given).
            fn push_user_filters<'a>(
                qb: &mut QueryBuilder<'a, $db>,
                tenant_id: Option<&'a str>,
                recipe_ids: &'a [String],
            ) {
                if let Some(tenant_id) = tenant_id {
                    qb.push(
                        " AND EXISTS (SELECT 1 FROM user_tenants ut \
                         WHERE ut.user_id = users.user_id AND ut.tenant_id = ",
                    )
                    .push_bind(tenant_id)
                    .push(")");
                }
                if !recipe_ids.is_empty() {
                    qb.push(" AND recipe_id IN (");
                    let mut list = qb.separated(", ");
                    for recipe_id in recipe_ids {
                        list.push_bind(recipe_id.as_str());
                    }
                    qb.push(")");
                }
            }

            /// `WHERE session_handle IN (…)`.
            fn push_handles<'a>(qb: &mut QueryBuilder<'a, $db>, handles: &'a [String]) {
                qb.push(" WHERE session_handle IN (");
                let mut list = qb.separated(", ");
                for handle in handles {
                    list.push_bind(handle.as_str());
                }
                qb.push(")");
            }

            /// At most this many ids are bound in one `IN (…)` list.
            const ID_CHUNK: usize = 500;

            /// ` IN (?, ?, …)` of these ids.
            fn push_in<'a>(qb: &mut QueryBuilder<'a, $db>, ids: &'a [String]) {
                qb.push(" IN (");
                let mut list = qb.separated(", ");
                for id in ids {
                    list.push_bind(id.as_str());
                }
                qb.push(")");
            }

            /// Deletes these devices and their codes; returns how many devices. The caller
            /// holds the devices' locks, so no code can be added to them meanwhile.
            async fn delete_devices_with_codes(
                conn: &mut <$db as sqlx::Database>::Connection,
                ids: &[String],
            ) -> Result<u64> {
                let mut deleted = 0;
                for chunk in ids.chunks(ID_CHUNK) {
                    let mut qb = QueryBuilder::<$db>::new(
                        "DELETE FROM passwordless_codes WHERE device_id_hash",
                    );
                    push_in(&mut qb, chunk);
                    qb.build().execute(&mut *conn).await.map_err(map_err)?;
                    let mut qb = QueryBuilder::<$db>::new(
                        "DELETE FROM passwordless_devices WHERE device_id_hash",
                    );
                    push_in(&mut qb, chunk);
                    deleted += qb
                        .build()
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                }
                Ok(deleted)
            }

            /// Deletes these devices and their codes with one multi-table `DELETE` per chunk
            /// (MySQL syntax; the tables have no foreign key, so the order does not matter).
            /// The caller holds the devices' locks.
            async fn delete_devices_and_codes_at_once(
                conn: &mut <$db as sqlx::Database>::Connection,
                ids: &[String],
            ) -> Result<()> {
                for chunk in ids.chunks(ID_CHUNK) {
                    let mut qb = QueryBuilder::<$db>::new(
                        "DELETE d, c FROM passwordless_devices d \
                         LEFT JOIN passwordless_codes c ON c.device_id_hash = d.device_id_hash \
                         WHERE d.device_id_hash",
                    );
                    push_in(&mut qb, chunk);
                    qb.build().execute(&mut *conn).await.map_err(map_err)?;
                }
                Ok(())
            }

            /// Inserts a code in the transaction; `Some` with the outcome when an id or the
            /// link code hash is taken (the transaction must then be dropped).
            async fn insert_code(
                conn: &mut <$db as sqlx::Database>::Connection,
                sql: &str,
                code: &PasswordlessCodeRecord,
            ) -> Result<Option<InsertCodeOutcome>> {
                let result = sqlx::query(sql)
                    .bind(&code.code_id)
                    .bind(&code.device_id_hash)
                    .bind(&code.link_code_hash)
                    .bind(code.created_at_ms)
                    .execute(&mut *conn)
                    .await;
                match result {
                    Ok(_) => Ok(None),
                    Err(e) => match unique_violation(&e) {
                        Some(UniqueKey::LinkCodeHash) => {
                            Ok(Some(InsertCodeOutcome::LinkCodeHashTaken))
                        }
                        Some(_) => Ok(Some(InsertCodeOutcome::CodeIdTaken)),
                        None => Err(map_err(e)),
                    },
                }
            }

            /// Counts hits of fixed-window counters, at most one entry per counter (see
            /// [`group_budget_hits`]), in one statement (MySQL: and one read); returns the
            /// counters after the hits, in the order of `hits`. On MySQL it must run in a
            /// transaction (the upsert's row locks keep the read to this statement's result).
            async fn hit_windows(
                conn: &mut <$db as sqlx::Database>::Connection,
                q: &Queries,
                hits: &[WindowHits<'_>],
            ) -> Result<Vec<RateLimitRecord>> {
                if hits.is_empty() {
                    return Ok(Vec::new());
                }
                let mut upsert = QueryBuilder::<$db>::new(
                    "INSERT INTO rate_limits (bucket, key_hash, tenant_id, hits, \
                     window_started_at, last_hit_at, expires_at) ",
                );
                upsert.push_values(hits, |mut row, h| {
                    row.push_bind(h.key.bucket)
                        .push_bind(h.key.key_hash)
                        .push_bind(h.key.tenant_id)
                        .push_bind(hits_column(h.hits))
                        .push_bind(h.now_ms)
                        .push_bind(h.now_ms)
                        .push_bind(h.now_ms.saturating_add(h.window_ms));
                });
                upsert.push(&q.hit_windows_upsert);
                let rows: Vec<KeyedRateLimitRow> = if q.dialect.mysql {
                    upsert.build().execute(&mut *conn).await.map_err(map_err)?;
                    let mut select = QueryBuilder::<$db>::new(&q.select_keyed_rate_limits);
                    select.push(" WHERE (bucket, key_hash, tenant_id) IN (");
                    for (i, h) in hits.iter().enumerate() {
                        select.push(if i == 0 { "(" } else { ", (" });
                        select
                            .push_bind(h.key.bucket)
                            .push(", ")
                            .push_bind(h.key.key_hash)
                            .push(", ")
                            .push_bind(h.key.tenant_id)
                            .push(")");
                    }
                    select.push(")");
                    select
                        .build_query_as()
                        .fetch_all(&mut *conn)
                        .await
                        .map_err(map_err)?
                } else {
                    upsert
                        .build_query_as()
                        .fetch_all(&mut *conn)
                        .await
                        .map_err(map_err)?
                };
                hits.iter()
                    .map(|h| {
                        let row = rows.iter().find(|r| {
                            r.bucket == h.key.bucket
                                && r.key_hash == h.key.key_hash
                                && r.tenant_id == h.key.tenant_id
                        });
                        match row {
                            Some(row) => RateLimitRecord::try_from(row.counter.clone()),
                            None => Err(StorageError::Database(
                                "a rate-limit counter was not returned by its upsert".to_owned(),
                            )),
                        }
                    })
                    .collect()
            }

            /// Counts the hits of these budgets in the transaction; for each budget,
            /// `Some(counter)` when its hit is past its limit (see [`over_budget`]).
            async fn count_budgets(
                conn: &mut <$db as sqlx::Database>::Connection,
                q: &Queries,
                budgets: &[Option<&OwnedBudget>],
            ) -> Result<Vec<Option<RateLimitRecord>>> {
                let (counted, slots) = group_budget_hits(budgets);
                let counters = hit_windows(conn, q, &counted).await?;
                Ok(over_budget(budgets, &slots, &counted, &counters))
            }

            /// Inserts one device with its first code in a transaction of its own, after
            /// counting its budget's hit.
            async fn insert_device_one(
                w: &Writer<$db>,
                q: &Queries,
                job: &DeviceJob,
            ) -> Result<InsertCodeOutcome> {
                let (device, code) = (&job.device, &job.code);
                let mut tx = w.begin().await.map_err(map_err)?;
                let over = count_budgets(&mut tx, q, &[job.budget.as_ref()]).await?;
                if let Some(Some(counter)) = over.first() {
                    tx.commit().await.map_err(map_err)?;
                    return Ok(InsertCodeOutcome::OverBudget(*counter));
                }
                let result = sqlx::query(&q.insert_device)
                    .bind(&device.device_id_hash)
                    .bind(&device.tenant_id)
                    .bind(device.email.as_deref())
                    .bind(device.phone_number.as_deref())
                    .bind(&device.link_code_salt)
                    .bind(failed_attempts_column(device.failed_attempts))
                    .execute(&mut *tx)
                    .await;
                if let Err(e) = result {
                    // Dropping the transaction rolls it back.
                    return match unique_violation(&e) {
                        Some(_) => Ok(InsertCodeOutcome::DeviceIdHashTaken),
                        None => Err(map_err(e)),
                    };
                }
                if let Some(outcome) = insert_code(&mut tx, &q.insert_code, code).await? {
                    return Ok(outcome);
                }
                tx.commit().await.map_err(map_err)?;
                Ok(InsertCodeOutcome::Inserted)
            }

            /// Writes all these jobs in one transaction: counts their budgets' hits, then
            /// inserts the devices and codes of those within budget with one multi-row
            /// `INSERT` per table. `Ok(None)`: a unique key was taken and nothing was
            /// written.
            async fn insert_device_batch(
                w: &Writer<$db>,
                q: &Queries,
                jobs: &[DeviceJob],
            ) -> Result<Option<Vec<InsertCodeOutcome>>> {
                let mut tx = w.begin().await.map_err(map_err)?;
                let budgets: Vec<Option<&OwnedBudget>> =
                    jobs.iter().map(|job| job.budget.as_ref()).collect();
                let over = count_budgets(&mut tx, q, &budgets).await?;
                let within: Vec<&DeviceJob> = jobs
                    .iter()
                    .zip(&over)
                    .filter(|(_, over)| over.is_none())
                    .map(|(job, _)| job)
                    .collect();
                if !within.is_empty() {
                    // A failed insert rolls the whole batch back.
                    let insert = q.dialect.insert_rolled_back_on_failure();
                    let mut devices = QueryBuilder::<$db>::new(insert);
                    devices.push(concat!(
                        "passwordless_devices (device_id_hash, tenant_id, email, ",
                        "phone_number, link_code_salt, failed_attempts) "
                    ));
                    devices.push_values(&within, |mut row, job| {
                        let d = &job.device;
                        row.push_bind(d.device_id_hash.as_str())
                            .push_bind(d.tenant_id.as_str())
                            .push_bind(d.email.as_deref())
                            .push_bind(d.phone_number.as_deref())
                            .push_bind(d.link_code_salt.as_str())
                            .push_bind(failed_attempts_column(d.failed_attempts));
                    });
                    let mut codes = QueryBuilder::<$db>::new(insert);
                    codes.push(
                        "passwordless_codes (code_id, device_id_hash, link_code_hash, created_at) ",
                    );
                    codes.push_values(&within, |mut row, job| {
                        let c = &job.code;
                        row.push_bind(c.code_id.as_str())
                            .push_bind(c.device_id_hash.as_str())
                            .push_bind(c.link_code_hash.as_str())
                            .push_bind(c.created_at_ms);
                    });
                    for statement in [&mut devices, &mut codes] {
                        if let Err(e) = statement.build().execute(&mut *tx).await {
                            // Dropping the transaction rolls it back.
                            return match unique_violation(&e) {
                                Some(_) => Ok(None),
                                None => Err(map_err(e)),
                            };
                        }
                    }
                }
                tx.commit().await.map_err(map_err)?;
                Ok(Some(
                    over.into_iter()
                        .map(|over| over.map_or(InsertCodeOutcome::Inserted, InsertCodeOutcome::OverBudget))
                        .collect(),
                ))
            }

            /// The task behind [`DeviceBatcher`]: writes the queued devices in batches until
            /// the store is dropped. A batch that hits a taken key, or fails otherwise
            /// (a deadlock with another core's batch, say), is written again one device
            /// at a time, so every caller gets its own outcome.
            async fn write_device_batches(
                w: Writer<$db>,
                q: &'static Queries,
                mut queue: tokio::sync::mpsc::UnboundedReceiver<DeviceJob>,
            ) {
                let mut jobs = Vec::with_capacity(DEVICE_BATCH);
                while queue.recv_many(&mut jobs, DEVICE_BATCH).await > 0 {
                    // Callers that gave up need no row.
                    jobs.retain(|job| !job.reply.is_closed());
                    let batch = match jobs.len() {
                        0 => Ok(Some(Vec::new())),
                        1 => Ok(None),
                        _ => insert_device_batch(&w, q, &jobs).await,
                    };
                    match batch {
                        Ok(Some(outcomes)) => {
                            for (job, outcome) in jobs.drain(..).zip(outcomes) {
                                let _ = job.reply.send(Ok(outcome));
                            }
                        }
                        Err(e @ StorageError::Unavailable(_)) => {
                            for job in jobs.drain(..) {
                                job.fail(e.clone());
                            }
                        }
                        Ok(None) | Err(_) => {
                            for job in jobs.drain(..) {
                                let outcome = insert_device_one(&w, q, &job).await;
                                let _ = job.reply.send(outcome);
                            }
                        }
                    }
                }
            }

            /// Inserts a user with its tenant memberships in the transaction. Any outcome
            /// but `Inserted` leaves the transaction to be rolled back.
            async fn insert_user_rows(
                conn: &mut <$db as sqlx::Database>::Connection,
                q: &Queries,
                user: &UserRecord,
            ) -> Result<InsertUserOutcome> {
                let mut tenant_ids: Vec<&str> =
                    user.tenant_ids.iter().map(String::as_str).collect();
                tenant_ids.sort_unstable();
                tenant_ids.dedup();
                let result = sqlx::query(&q.insert_user)
                    .bind(&user.user_id)
                    .bind(&user.recipe_id)
                    .bind(user.email.as_deref())
                    .bind(user.phone_number.as_deref())
                    .bind(user.password_hash.as_deref())
                    .bind(user.time_joined_ms)
                    .execute(&mut *conn)
                    .await;
                if let Err(e) = result {
                    return match unique_violation(&e) {
                        Some(_) => Ok(InsertUserOutcome::UserIdTaken),
                        None => Err(map_err(e)),
                    };
                }
                for tenant_id in tenant_ids {
                    let result = sqlx::query(&q.insert_user_tenant)
                        .bind(&user.user_id)
                        .bind(tenant_id)
                        .bind(&user.recipe_id)
                        .bind(user.email.as_deref())
                        .bind(user.phone_number.as_deref())
                        .execute(&mut *conn)
                        .await;
                    if let Err(e) = result {
                        return user_tenant_conflict(e);
                    }
                }
                Ok(InsertUserOutcome::Inserted)
            }

            /// [`insert_user_rows`] for a user of one tenant, and its email (if any) marked
            /// verified, in one statement (see [`Dialect::writable_ctes`]).
            async fn insert_verified_user_at_once(
                conn: &mut <$db as sqlx::Database>::Connection,
                user: &UserRecord,
                tenant_id: &str,
            ) -> Result<InsertUserOutcome> {
                let mut qb = QueryBuilder::<$db>::new(format!(
                    "WITH u AS (INSERT INTO users ({USER_COLUMNS}) VALUES ("
                ));
                let mut values = qb.separated(", ");
                values.push_bind(user.user_id.as_str());
                values.push_bind(user.recipe_id.as_str());
                values.push_bind(user.email.as_deref());
                values.push_bind(user.phone_number.as_deref());
                values.push_bind(user.password_hash.as_deref());
                values.push_bind(user.time_joined_ms);
                qb.push(format!(
                    ") RETURNING user_id), t AS (INSERT INTO user_tenants \
                     ({USER_TENANT_COLUMNS}) SELECT user_id, "
                ));
                let mut values = qb.separated(", ");
                values.push_bind(tenant_id);
                values.push_bind(user.recipe_id.as_str());
                values.push_bind(user.email.as_deref());
                values.push_bind(user.phone_number.as_deref());
                qb.push(" FROM u)");
                if let Some(email) = &user.email {
                    qb.push(
                        ", v AS (INSERT INTO emailverification_verified_emails (user_id, email) \
                         SELECT user_id, ",
                    );
                    qb.push_bind(email.as_str());
                    qb.push(" FROM u ON CONFLICT DO NOTHING)");
                }
                qb.push(" SELECT 1");
                match qb.build().execute(&mut *conn).await {
                    Ok(_) => Ok(InsertUserOutcome::Inserted),
                    // The users table's one key is the user id.
                    Err(e) => user_tenant_conflict(e),
                }
            }

            /// What [`sign_in_up_in_tx`] did.
            enum SignInUp {
                /// The contact's user, and whether it was stored just now.
                Done(UserRecord, bool),
                /// The new user's id is taken.
                UserIdTaken,
                /// Another user took the contact since it was looked up.
                ContactTaken,
            }

            /// After a consumed code, in its transaction: the passwordless user of the
            /// device's contact in the tenant, or `new_user` stored with the device's email
            /// and phone number; and the device's email marked verified for that user. Any
            /// outcome but `Done` leaves the transaction to be rolled back.
            async fn sign_in_up_in_tx(
                conn: &mut <$db as sqlx::Database>::Connection,
                q: &Queries,
                device: &PasswordlessDeviceRecord,
                new_user: &UserRecord,
            ) -> Result<SignInUp> {
                let (sql, contact) = match (&device.email, &device.phone_number) {
                    (Some(email), _) => (&q.user_by_email, email.as_str()),
                    (None, Some(phone_number)) => {
                        (&q.user_by_phone_number_of_recipe, phone_number.as_str())
                    }
                    (None, None) => {
                        return Err(StorageError::Corrupt(
                            "a passwordless device has neither email nor phone number"
                                .to_owned(),
                        ));
                    }
                };
                let found = sqlx::query_as::<_, UserRow>(sql)
                    .bind(&device.tenant_id)
                    .bind(RECIPE_PASSWORDLESS)
                    .bind(contact)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(map_err)?;
                let (user, created) = match found {
                    Some(row) => (UserRecord::from(row), false),
                    None => {
                        let user = UserRecord {
                            email: device.email.clone(),
                            phone_number: device.phone_number.clone(),
                            ..new_user.clone()
                        };
                        if q.dialect.writable_ctes
                            && let [tenant_id] = user.tenant_ids.as_slice()
                        {
                            return Ok(
                                match insert_verified_user_at_once(&mut *conn, &user, tenant_id)
                                    .await?
                                {
                                    InsertUserOutcome::Inserted => SignInUp::Done(user, true),
                                    InsertUserOutcome::UserIdTaken => SignInUp::UserIdTaken,
                                    InsertUserOutcome::EmailTaken
                                    | InsertUserOutcome::PhoneNumberTaken => {
                                        SignInUp::ContactTaken
                                    }
                                },
                            );
                        }
                        match insert_user_rows(&mut *conn, q, &user).await? {
                        InsertUserOutcome::Inserted => (user, true),
                        InsertUserOutcome::UserIdTaken => return Ok(SignInUp::UserIdTaken),
                        InsertUserOutcome::EmailTaken | InsertUserOutcome::PhoneNumberTaken => {
                            return Ok(SignInUp::ContactTaken);
                        }
                        }
                    }
                };
                if let Some(email) = &device.email {
                    sqlx::query(&q.insert_verified_email)
                        .bind(&user.user_id)
                        .bind(email)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                }
                Ok(SignInUp::Done(user, created))
            }

            /// ` AND NOT EXISTS (<a passwordless user of the tenant has this contact>)`.
            fn push_no_user_of_contact<'a>(
                qb: &mut QueryBuilder<'a, $db>,
                tenant_id: &'a str,
                column: &'static str,
                contact: &'a str,
            ) {
                qb.push(" AND NOT EXISTS (SELECT 1 FROM user_tenants ut WHERE ut.tenant_id = ")
                    .push_bind(tenant_id)
                    .push(" AND ut.recipe_id = ")
                    .push_bind(RECIPE_PASSWORDLESS)
                    .push(" AND ut.")
                    .push(column)
                    .push(" = ")
                    .push_bind(contact)
                    .push(")");
            }

            /// Condition of the guarded statements of [`consume_at_once`].
            const CODE_USABLE: &str = " WHERE EXISTS (SELECT 1 FROM temp.st_consume_ok)";

            /// The rules of [`consume_at_once`]'s SQL and of the code that reads its result
            /// disagreed: nothing is committed.
            fn at_once_disagreed() -> StorageError {
                StorageError::Database(
                    "a passwordless consume was decided differently by its query and by the \
                     core; nothing was changed"
                        .to_owned(),
                )
            }

            /// What [`consume_at_once`] read.
            struct ReadAtOnce {
                /// The contact's devices as they were, each with the creation time of the
                /// attempted code when it is on that device.
                devices: Vec<DeviceWithCodeRow>,
                /// The contact's user after the sign-in-up: only when the code was usable.
                user: Option<UserRow>,
            }

            /// SQLite (see [`Dialect::multi_statement`]), a whole consume in one query, inside
            /// the savepoint `st_consume` (released at its end; on an error the caller rolls
            /// back to it and releases it): reads the contact's devices with the attempted
            /// code's creation time and, only when
            /// the code is usable (it is on the attempted device of the contact, created at
            /// or after `expired_before_ms`, and the device has fewer than `max_attempts`
            /// failures), deletes the contact's devices with their codes, stores `new_user`
            /// (with the device's contact) unless the contact has a passwordless user, marks
            /// an email verified and reads the user back. The caller decides from the
            /// devices read by the same rules; when the code was not usable nothing was
            /// written. `Err(outcome)`: a unique key was taken.
            async fn consume_at_once(
                conn: &mut <$db as sqlx::Database>::Connection,
                q: &Queries,
                attempt: &CodeAttempt<'_>,
                email: Option<&str>,
                phone_number: Option<&str>,
                new_user: &UserRecord,
            ) -> Result<std::result::Result<ReadAtOnce, SignInUp>> {
                use sqlx::{Column, FromRow, Row};
                let (column, contact) = match (email, phone_number) {
                    (Some(email), _) => ("email", email),
                    (None, Some(phone_number)) => ("phone_number", phone_number),
                    (None, None) => {
                        return Err(StorageError::Corrupt(
                            "a passwordless device has neither email nor phone number"
                                .to_owned(),
                        ));
                    }
                };
                let tenant_id = attempt.tenant_id;
                let mut qb = QueryBuilder::<$db>::new("SAVEPOINT st_consume; ");
                qb.push(&q.select_devices_with_code_start);
                qb.push_bind(attempt.link_code_hash)
                    .push(" AND c.device_id_hash = ")
                    .push_bind(attempt.device_id_hash)
                    .push(") AS code_created_at FROM passwordless_devices WHERE tenant_id = ")
                    .push_bind(tenant_id)
                    .push(" AND ")
                    .push(column)
                    .push(" = ")
                    .push_bind(contact)
                    .push(" ORDER BY passwordless_devices.device_id_hash");
                qb.push(
                    "; CREATE TEMP TABLE IF NOT EXISTS st_consume_ok (ok INTEGER NOT NULL)\
                     ; DELETE FROM temp.st_consume_ok\
                     ; INSERT INTO temp.st_consume_ok SELECT 1 WHERE EXISTS (SELECT 1 \
                     FROM passwordless_devices d JOIN passwordless_codes c \
                     ON c.device_id_hash = d.device_id_hash WHERE d.tenant_id = ",
                )
                .push_bind(tenant_id)
                .push(" AND d.device_id_hash = ")
                .push_bind(attempt.device_id_hash)
                .push(" AND d.")
                .push(column)
                .push(" = ")
                .push_bind(contact)
                .push(" AND d.failed_attempts < ")
                .push_bind(i64::from(attempt.max_attempts))
                .push(" AND c.link_code_hash = ")
                .push_bind(attempt.link_code_hash)
                .push(" AND c.created_at >= ")
                .push_bind(attempt.expired_before_ms)
                .push(")");
                qb.push("; DELETE FROM passwordless_codes")
                    .push(CODE_USABLE)
                    .push(
                        " AND device_id_hash IN (SELECT device_id_hash FROM \
                         passwordless_devices WHERE tenant_id = ",
                    )
                    .push_bind(tenant_id)
                    .push(" AND ")
                    .push(column)
                    .push(" = ")
                    .push_bind(contact)
                    .push(")");
                qb.push("; DELETE FROM passwordless_devices")
                    .push(CODE_USABLE)
                    .push(" AND tenant_id = ")
                    .push_bind(tenant_id)
                    .push(" AND ")
                    .push(column)
                    .push(" = ")
                    .push_bind(contact);
                qb.push(
                    "; INSERT INTO users (user_id, recipe_id, email, phone_number, \
                     password_hash, time_joined) SELECT ",
                );
                qb.push_bind(new_user.user_id.as_str())
                    .push(", ")
                    .push_bind(new_user.recipe_id.as_str())
                    .push(", ")
                    .push_bind(email)
                    .push(", ")
                    .push_bind(phone_number)
                    .push(", NULL, ")
                    .push_bind(new_user.time_joined_ms)
                    .push(CODE_USABLE);
                push_no_user_of_contact(&mut qb, tenant_id, column, contact);
                qb.push(
                    "; INSERT INTO user_tenants (user_id, tenant_id, recipe_id, email, \
                     phone_number) SELECT ",
                );
                qb.push_bind(new_user.user_id.as_str())
                    .push(", ")
                    .push_bind(tenant_id)
                    .push(", ")
                    .push_bind(new_user.recipe_id.as_str())
                    .push(", ")
                    .push_bind(email)
                    .push(", ")
                    .push_bind(phone_number)
                    .push(CODE_USABLE);
                push_no_user_of_contact(&mut qb, tenant_id, column, contact);
                if let Some(email) = email {
                    qb.push(
                        "; INSERT INTO emailverification_verified_emails (user_id, email) \
                         SELECT ut.user_id, ",
                    )
                    .push_bind(email)
                    .push(" FROM user_tenants ut")
                    .push(CODE_USABLE)
                    .push(" AND ut.tenant_id = ")
                    .push_bind(tenant_id)
                    .push(" AND ut.recipe_id = ")
                    .push_bind(RECIPE_PASSWORDLESS)
                    .push(" AND ut.email = ")
                    .push_bind(email)
                    .push(" ON CONFLICT DO NOTHING");
                }
                qb.push("; ")
                    .push(&q.select_users)
                    .push(CODE_USABLE)
                    .push(
                        " AND users.user_id IN (SELECT ut.user_id FROM user_tenants ut \
                         WHERE ut.tenant_id = ",
                    )
                    .push_bind(tenant_id)
                    .push(" AND ut.recipe_id = ")
                    .push_bind(RECIPE_PASSWORDLESS)
                    .push(" AND ut.")
                    .push(column)
                    .push(" = ")
                    .push_bind(contact)
                    .push("); RELEASE st_consume");
                let rows = match qb.build().fetch_all(&mut *conn).await {
                    Ok(rows) => rows,
                    Err(e) => {
                        return match unique_violation(&e) {
                            Some(UniqueKey::Email | UniqueKey::PhoneNumber) => {
                                Ok(Err(SignInUp::ContactTaken))
                            }
                            Some(_) => Ok(Err(SignInUp::UserIdTaken)),
                            None => Err(map_err(e)),
                        };
                    }
                };
                let mut read = ReadAtOnce {
                    devices: Vec::new(),
                    user: None,
                };
                for row in &rows {
                    let first = row.columns().first().map(|c| c.name().to_owned());
                    if first.as_deref() == Some("user_id") {
                        read.user = Some(UserRow::from_row(row).map_err(map_err)?);
                    } else {
                        read.devices.push(DeviceWithCodeRow::from_row(row).map_err(map_err)?);
                    }
                }
                Ok(Ok(read))
            }

            /// The refusal of an attempt whose device is used up or whose code (created at
            /// `created_at`, `None` when it is not on the device) is not usable, applied in
            /// the transaction: a used-up device is deleted; a typed code counts as a failure
            /// (the device goes with the last one allowed); a bad link changes nothing.
            async fn refuse_code(
                conn: &mut <$db as sqlx::Database>::Connection,
                q: &Queries,
                attempt: &CodeAttempt<'_>,
                device: &PasswordlessDeviceRecord,
                created_at: Option<i64>,
            ) -> Result<CodeAttemptOutcome> {
                let the_device = std::slice::from_ref(&device.device_id_hash);
                if device.failed_attempts >= attempt.max_attempts {
                    delete_devices_with_codes(&mut *conn, the_device).await?;
                    return Ok(CodeAttemptOutcome::RestartFlow);
                }
                if !attempt.typed {
                    return Ok(CodeAttemptOutcome::RestartFlow);
                }
                let failed_attempts = device.failed_attempts.saturating_add(1);
                if failed_attempts >= attempt.max_attempts {
                    delete_devices_with_codes(&mut *conn, the_device).await?;
                    return Ok(CodeAttemptOutcome::RestartFlow);
                }
                sqlx::query(&q.raise_failed_attempts)
                    .bind(attempt.device_id_hash)
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
                Ok(if created_at.is_some() {
                    CodeAttemptOutcome::ExpiredCode { failed_attempts }
                } else {
                    CodeAttemptOutcome::IncorrectCode { failed_attempts }
                })
            }

            /// Decides a consume from what [`consume_at_once`] read, by the rules of
            /// `attempt_passwordless_code` and of the query, and applies a failure (a raised
            /// count, a used-up device) in the transaction.
            async fn decide_consume(
                conn: &mut <$db as sqlx::Database>::Connection,
                q: &Queries,
                attempt: &CodeAttempt<'_>,
                new_user: &UserRecord,
                read: ReadAtOnce,
            ) -> Result<CodeAttemptOutcome> {
                let created_at = read
                    .devices
                    .iter()
                    .find(|r| r.device.device_id_hash == attempt.device_id_hash)
                    .and_then(|r| r.code_created_at);
                let devices = read
                    .devices
                    .into_iter()
                    .map(|r| PasswordlessDeviceRecord::try_from(r.device))
                    .collect::<Result<Vec<_>>>()?;
                let wrote = read.user.is_some();
                let Some(device) = devices
                    .into_iter()
                    .find(|d| d.device_id_hash == attempt.device_id_hash)
                else {
                    return if wrote {
                        Err(at_once_disagreed())
                    } else {
                        Ok(CodeAttemptOutcome::RestartFlow)
                    };
                };
                let usable = created_at.is_some_and(|t| t >= attempt.expired_before_ms);
                if device.failed_attempts >= attempt.max_attempts || !usable {
                    if wrote {
                        return Err(at_once_disagreed());
                    }
                    return refuse_code(&mut *conn, q, attempt, &device, created_at).await;
                }
                let Some(user) = read.user else {
                    return Err(at_once_disagreed());
                };
                let user = UserRecord::from(user);
                // Ids are random UUIDs: the new one is the contact's user only when it was
                // stored just now.
                let created_new_user = user.user_id == new_user.user_id;
                Ok(CodeAttemptOutcome::Consumed {
                    device,
                    user,
                    created_new_user,
                })
            }

            /// One queued consume in the batch's transaction (see [`consume_at_once`]).
            async fn run_consume_job(
                conn: &mut <$db as sqlx::Database>::Connection,
                q: &Queries,
                job: &ConsumeJob,
            ) -> Result<CodeAttemptOutcome> {
                let attempt = CodeAttempt {
                    tenant_id: &job.tenant_id,
                    device_id_hash: &job.device_id_hash,
                    link_code_hash: &job.link_code_hash,
                    typed: job.typed,
                    expired_before_ms: job.expired_before_ms,
                    max_attempts: job.max_attempts,
                    consume: true,
                    known_device: None,
                    new_user: Some(&job.new_user),
                };
                for _ in 0..RACE_RETRIES {
                    let taken = match consume_at_once(
                        &mut *conn,
                        q,
                        &attempt,
                        job.email.as_deref(),
                        job.phone_number.as_deref(),
                        &job.new_user,
                    )
                    .await?
                    {
                        Ok(read) => {
                            return decide_consume(&mut *conn, q, &attempt, &job.new_user, read)
                                .await;
                        }
                        Err(taken) => taken,
                    };
                    // Undo this consume only.
                    sqlx::query("ROLLBACK TO st_consume; RELEASE st_consume")
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    if matches!(taken, SignInUp::UserIdTaken) {
                        return Ok(CodeAttemptOutcome::NewUserIdTaken);
                    }
                    // Another user was given the contact since the lookup: again.
                }
                Err(StorageError::Unavailable(format!(
                    "the contact of a passwordless code was taken {RACE_RETRIES} times while \
                     the code was being consumed; retry"
                )))
            }

            /// Runs these consumes one after another in one transaction.
            async fn run_consume_batch(
                w: &Writer<$db>,
                q: &Queries,
                jobs: &[ConsumeJob],
            ) -> Result<Vec<CodeAttemptOutcome>> {
                let mut tx = w.begin().await.map_err(map_err)?;
                let mut outcomes = Vec::with_capacity(jobs.len());
                for job in jobs {
                    outcomes.push(run_consume_job(&mut tx, q, job).await?);
                }
                tx.commit().await.map_err(map_err)?;
                Ok(outcomes)
            }

            /// The task behind the consume [`Batcher`] (SQLite): runs the queued consumes in
            /// batches of up to [`CONSUME_BATCH`], each batch one transaction, so that
            /// consumes share the write lock's hand-over and the commit. A batch that fails
            /// is rolled back whole and its consumes are run again one per transaction, so
            /// every caller gets its own outcome.
            async fn write_consume_batches(
                w: Writer<$db>,
                q: &'static Queries,
                mut queue: tokio::sync::mpsc::UnboundedReceiver<ConsumeJob>,
            ) {
                let mut jobs = Vec::with_capacity(CONSUME_BATCH);
                while queue.recv_many(&mut jobs, CONSUME_BATCH).await > 0 {
                    // Callers that gave up are not consumed.
                    jobs.retain(|job| !job.reply.is_closed());
                    if jobs.is_empty() {
                        continue;
                    }
                    match run_consume_batch(&w, q, &jobs).await {
                        Ok(outcomes) => {
                            for (job, outcome) in jobs.drain(..).zip(outcomes) {
                                let _ = job.reply.send(Ok(outcome));
                            }
                        }
                        Err(e) if jobs.len() == 1 || matches!(e, StorageError::Unavailable(_)) => {
                            for job in jobs.drain(..) {
                                job.fail(e.clone());
                            }
                        }
                        Err(_) => {
                            for job in jobs.drain(..) {
                                let outcome = run_consume_batch(&w, q, std::slice::from_ref(&job))
                                    .await
                                    .and_then(|outcomes| {
                                        outcomes.into_iter().next().ok_or_else(|| {
                                            StorageError::Database(
                                                "a consume batch of one gave no outcome".to_owned(),
                                            )
                                        })
                                    });
                                let _ = job.reply.send(outcome);
                            }
                        }
                    }
                }
            }

            impl $ty {
                /// Locks the sessions the filter selects (in handle order, so concurrent
                /// callers cannot deadlock), deletes them and returns their handles.
                async fn take_sessions<'a>(
                    &self,
                    push_filter: impl FnOnce(&mut QueryBuilder<'a, $db>),
                ) -> Result<Vec<String>> {
                    let mut tx = self.begin().await.map_err(map_err)?;
                    let mut qb = QueryBuilder::<$db>::new(&self.q.select_session_handles);
                    push_filter(&mut qb);
                    qb.push(" ORDER BY sessions.session_handle")
                        .push(self.q.dialect.lock_suffix());
                    let handles: Vec<String> = qb
                        .build_query_scalar()
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    if !handles.is_empty() {
                        let mut qb = QueryBuilder::<$db>::new("DELETE FROM sessions");
                        push_handles(&mut qb, &handles);
                        qb.build().execute(&mut *tx).await.map_err(map_err)?;
                    }
                    tx.commit().await.map_err(map_err)?;
                    Ok(handles)
                }

                /// Locks the devices of one email or phone number (`sql` selects them in id
                /// order, locking), then deletes them with their codes.
                async fn delete_devices_of_contact(
                    &self,
                    sql: &str,
                    tenant_id: &str,
                    contact: &str,
                ) -> Result<u64> {
                    let mut tx = self.begin().await.map_err(map_err)?;
                    let ids: Vec<String> = sqlx::query_as::<_, DeviceRow>(sql)
                        .bind(tenant_id)
                        .bind(contact)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(map_err)?
                        .into_iter()
                        .map(|d| d.device_id_hash)
                        .collect();
                    let deleted = delete_devices_with_codes(&mut tx, &ids).await?;
                    tx.commit().await.map_err(map_err)?;
                    Ok(deleted)
                }
            }

            #[async_trait]
            impl UserStore for $ty {
                async fn insert_user(&self, user: &UserRecord) -> Result<InsertUserOutcome> {
                    // Dropping the transaction on an early return rolls it back.
                    let mut tx = self.begin().await.map_err(map_err)?;
                    let outcome = insert_user_rows(&mut tx, self.q, user).await?;
                    if outcome == InsertUserOutcome::Inserted {
                        tx.commit().await.map_err(map_err)?;
                    }
                    Ok(outcome)
                }

                async fn user_by_id(&self, user_id: &str) -> Result<Option<UserRecord>> {
                    let row = sqlx::query_as::<_, UserRow>(&self.q.user_by_id)
                        .bind(user_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(row.map(UserRecord::from))
                }

                async fn password_hash_by_email(
                    &self,
                    tenant_id: &str,
                    recipe_id: &str,
                    email: &str,
                ) -> Result<Option<(String, String)>> {
                    let row: Option<(Option<String>, Option<String>)> =
                        sqlx::query_as(&self.q.password_hash_by_email)
                            .bind(tenant_id)
                            .bind(recipe_id)
                            .bind(email)
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(map_err)?;
                    Ok(match row {
                        Some((Some(user_id), Some(hash))) => Some((user_id, hash)),
                        _ => None,
                    })
                }

                async fn user_by_email(
                    &self,
                    tenant_id: &str,
                    recipe_id: &str,
                    email: &str,
                ) -> Result<Option<UserRecord>> {
                    let row = sqlx::query_as::<_, UserRow>(&self.q.user_by_email)
                        .bind(tenant_id)
                        .bind(recipe_id)
                        .bind(email)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(row.map(UserRecord::from))
                }

                async fn users_by_email(
                    &self,
                    tenant_id: &str,
                    email: &str,
                ) -> Result<Vec<UserRecord>> {
                    let rows = sqlx::query_as::<_, UserRow>(&self.q.users_by_email)
                        .bind(tenant_id)
                        .bind(email)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(rows.into_iter().map(UserRecord::from).collect())
                }

                async fn users_by_phone_number(
                    &self,
                    tenant_id: &str,
                    phone_number: &str,
                ) -> Result<Vec<UserRecord>> {
                    let rows = sqlx::query_as::<_, UserRow>(&self.q.users_by_phone_number)
                        .bind(tenant_id)
                        .bind(phone_number)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(rows.into_iter().map(UserRecord::from).collect())
                }

                async fn update_user_email(
                    &self,
                    user_id: &str,
                    email: &str,
                ) -> Result<UpdateEmailOutcome> {
                    // The user row first (locking it), then its memberships, which carry the
                    // per-tenant uniqueness; dropping the transaction rolls it back.
                    let mut tx = self.begin().await.map_err(map_err)?;
                    let done = sqlx::query(&self.q.update_user_email)
                        .bind(email)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    // MySQL connections set CLIENT_FOUND_ROWS: an unchanged row counts too.
                    if done.rows_affected() == 0 {
                        return Ok(UpdateEmailOutcome::UnknownUser);
                    }
                    let result = sqlx::query(&self.q.update_user_tenants_email)
                        .bind(email)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await;
                    match result {
                        Ok(_) => {
                            tx.commit().await.map_err(map_err)?;
                            Ok(UpdateEmailOutcome::Updated)
                        }
                        Err(e) if unique_violation(&e).is_some() => {
                            Ok(UpdateEmailOutcome::EmailTaken)
                        }
                        Err(e) => Err(map_err(e)),
                    }
                }

                async fn update_password_hash(
                    &self,
                    user_id: &str,
                    password_hash: &str,
                ) -> Result<bool> {
                    let done = sqlx::query(&self.q.update_password_hash)
                        .bind(password_hash)
                        .bind(user_id)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected() > 0)
                }

                async fn delete_user(&self, user_id: &str) -> Result<bool> {
                    // What is kept under the id is removed even when the user row is
                    // already gone, so that a retried delete cleans up fully.
                    let mut tx = self.begin().await.map_err(map_err)?;
                    let deleted = sqlx::query(&self.q.delete_user)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                    for sql in &self.q.delete_user_data {
                        sqlx::query(sql)
                            .bind(user_id)
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err)?;
                    }
                    tx.commit().await.map_err(map_err)?;
                    Ok(deleted > 0)
                }

                async fn list_users(&self, query: &ListUsersQuery) -> Result<Vec<UserRecord>> {
                    if query.limit == 0 {
                        return Ok(Vec::new());
                    }
                    let (cmp, dir) = if query.newest_first {
                        ("<", "DESC")
                    } else {
                        (">", "ASC")
                    };
                    let mut qb = QueryBuilder::<$db>::new(&self.q.select_users);
                    qb.push(" WHERE 1 = 1");
                    push_user_filters(&mut qb, query.tenant_id.as_deref(), &query.recipe_ids);
                    if let Some((time_joined, user_id)) = &query.after {
                        qb.push(format!(" AND (time_joined {cmp} "))
                            .push_bind(*time_joined)
                            .push(" OR (time_joined = ")
                            .push_bind(*time_joined)
                            .push(format!(" AND user_id {cmp} "))
                            .push_bind(user_id.as_str())
                            .push("))");
                    }
                    qb.push(format!(
                        " ORDER BY users.time_joined {dir}, users.user_id {dir} LIMIT "
                    ))
                    .push_bind(i64::from(query.limit));
                    let rows = qb
                        .build_query_as::<UserRow>()
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(rows.into_iter().map(UserRecord::from).collect())
                }

                async fn count_users(
                    &self,
                    tenant_id: Option<&str>,
                    recipe_ids: &[String],
                ) -> Result<u64> {
                    let mut qb = QueryBuilder::<$db>::new("SELECT COUNT(*) FROM users WHERE 1 = 1");
                    push_user_filters(&mut qb, tenant_id, recipe_ids);
                    let n: i64 = qb
                        .build_query_scalar()
                        .fetch_one(&self.pool)
                        .await
                        .map_err(map_err)?;
                    count_to_u64(n)
                }
            }

            #[async_trait]
            impl PasswordResetStore for $ty {
                async fn insert_password_reset_token(
                    &self,
                    token: &PasswordResetTokenRecord,
                ) -> Result<()> {
                    sqlx::query(&self.q.insert_token)
                        .bind(&token.token_hash)
                        .bind(&token.user_id)
                        .bind(&token.email)
                        .bind(token.expires_at_ms)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(())
                }

                async fn consume_password_reset_token(
                    &self,
                    token_hash: &str,
                ) -> Result<Option<PasswordResetTokenRecord>> {
                    // Token rows never change, so reading one outside the transaction is safe.
                    let Some(token) = sqlx::query_as::<_, TokenRow>(&self.q.token_by_hash)
                        .bind(token_hash)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?
                        .map(PasswordResetTokenRecord::from)
                    else {
                        return Ok(None);
                    };
                    // Lock all of the user's tokens, always in the same order, so that two
                    // consumers of the same user's tokens queue instead of deadlocking; the one
                    // that waited then no longer finds its token.
                    let mut tx = self.begin().await.map_err(map_err)?;
                    let hashes: Vec<String> = sqlx::query_scalar(&self.q.lock_tokens_of_user)
                        .bind(&token.user_id)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    if !hashes.iter().any(|h| h == token_hash) {
                        tx.rollback().await.map_err(map_err)?;
                        return Ok(None);
                    }
                    sqlx::query(&self.q.delete_tokens_of_user)
                        .bind(&token.user_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    tx.commit().await.map_err(map_err)?;
                    Ok(Some(token))
                }

                async fn delete_expired_password_reset_tokens(
                    &self,
                    now_ms: i64,
                    limit: u32,
                ) -> Result<u64> {
                    let done = sqlx::query(&self.q.delete_expired_tokens)
                        .bind(now_ms)
                        .bind(i64::from(limit))
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected())
                }
            }

            #[async_trait]
            impl SessionStore for $ty {
                async fn insert_session(&self, session: &SessionRecord) -> Result<()> {
                    sqlx::query(&self.q.insert_session)
                        .bind(&session.session_handle)
                        .bind(&session.user_id)
                        .bind(&session.recipe_user_id)
                        .bind(&session.tenant_id)
                        .bind(&session.refresh_token_hash_2)
                        .bind(session.session_data.to_string())
                        .bind(session.jwt_payload.to_string())
                        .bind(session.expires_at_ms)
                        .bind(session.created_at_ms)
                        .bind(session.use_static_key)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(())
                }

                async fn session(&self, session_handle: &str) -> Result<Option<SessionRecord>> {
                    sqlx::query_as::<_, SessionRow>(&self.q.session_by_handle)
                        .bind(session_handle)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?
                        .map(SessionRecord::try_from)
                        .transpose()
                }

                async fn swap_refresh_token_hash(
                    &self,
                    session_handle: &str,
                    expected_hash_2: &str,
                    new_hash_2: &str,
                    new_expires_at_ms: i64,
                ) -> Result<bool> {
                    let done = sqlx::query(&self.q.swap_refresh_token_hash)
                        .bind(new_hash_2)
                        .bind(new_expires_at_ms)
                        .bind(session_handle)
                        .bind(expected_hash_2)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected() == 1)
                }

                async fn set_use_static_key(
                    &self,
                    session_handle: &str,
                    use_static_key: bool,
                ) -> Result<bool> {
                    let done = sqlx::query(&self.q.set_use_static_key)
                        .bind(use_static_key)
                        .bind(session_handle)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected() > 0)
                }

                async fn update_session_data(
                    &self,
                    session_handle: &str,
                    data: &Value,
                ) -> Result<bool> {
                    let done = sqlx::query(&self.q.update_session_data)
                        .bind(data.to_string())
                        .bind(session_handle)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected() > 0)
                }

                async fn update_jwt_payload(
                    &self,
                    session_handle: &str,
                    payload: &Value,
                ) -> Result<bool> {
                    let done = sqlx::query(&self.q.update_jwt_payload)
                        .bind(payload.to_string())
                        .bind(session_handle)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected() > 0)
                }

                async fn delete_sessions(&self, session_handles: &[String]) -> Result<Vec<String>> {
                    if session_handles.is_empty() {
                        return Ok(Vec::new());
                    }
                    self.take_sessions(|qb| push_handles(qb, session_handles))
                        .await
                }

                async fn delete_sessions_of_user(
                    &self,
                    user_id: &str,
                    tenant_id: Option<&str>,
                ) -> Result<Vec<String>> {
                    self.take_sessions(|qb| {
                        qb.push(" WHERE user_id = ");
                        qb.push_bind(user_id);
                        if let Some(tenant_id) = tenant_id {
                            qb.push(" AND tenant_id = ").push_bind(tenant_id);
                        }
                    })
                    .await
                }

                async fn session_handles_of_user(
                    &self,
                    user_id: &str,
                    tenant_id: Option<&str>,
                    now_ms: i64,
                ) -> Result<Vec<String>> {
                    let mut qb = QueryBuilder::<$db>::new(&self.q.select_session_handles);
                    qb.push(" WHERE user_id = ");
                    qb.push_bind(user_id);
                    if let Some(tenant_id) = tenant_id {
                        qb.push(" AND tenant_id = ").push_bind(tenant_id);
                    }
                    qb.push(" AND expires_at >= ")
                        .push_bind(now_ms)
                        .push(" ORDER BY sessions.created_at, sessions.session_handle");
                    qb.build_query_scalar()
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)
                }

                async fn delete_expired_sessions(&self, now_ms: i64, limit: u32) -> Result<u64> {
                    let done = sqlx::query(&self.q.delete_expired_sessions)
                        .bind(now_ms)
                        .bind(i64::from(limit))
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected())
                }
            }

            #[async_trait]
            impl SigningKeyStore for $ty {
                async fn signing_keys(
                    &self,
                    kind: SigningKeyKind,
                ) -> Result<Vec<SigningKeyRecord>> {
                    sqlx::query_as::<_, SigningKeyRow>(&self.q.signing_keys)
                        .bind(kind.as_str())
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)?
                        .into_iter()
                        .map(SigningKeyRecord::try_from)
                        .collect()
                }

                async fn insert_signing_key(&self, key: &SigningKeyRecord) -> Result<bool> {
                    let done = sqlx::query(&self.q.insert_signing_key)
                        .bind(&key.kid)
                        .bind(key.kind.as_str())
                        .bind(key.generation)
                        .bind(&key.algorithm)
                        .bind(&key.private_key_pem)
                        .bind(key.created_at_ms)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected() == 1)
                }

                async fn delete_signing_keys_created_before(
                    &self,
                    kind: SigningKeyKind,
                    before_ms: i64,
                    limit: u32,
                ) -> Result<u64> {
                    let done = sqlx::query(&self.q.delete_signing_keys_before)
                        .bind(kind.as_str())
                        .bind(before_ms)
                        .bind(i64::from(limit))
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected())
                }
            }

            #[async_trait]
            impl PasswordlessStore for $ty {
                async fn insert_passwordless_device(
                    &self,
                    device: &PasswordlessDeviceRecord,
                    code: &PasswordlessCodeRecord,
                    budget: Option<&CodeBudget<'_>>,
                ) -> Result<InsertCodeOutcome> {
                    let (reply, answer) = tokio::sync::oneshot::channel();
                    let job = DeviceJob {
                        device: device.clone(),
                        code: code.clone(),
                        budget: budget.map(OwnedBudget::new),
                        reply,
                    };
                    self.batcher.submit(job, |jobs| {
                        tokio::spawn(write_device_batches(self.w.clone(), self.q, jobs));
                    });
                    answer.await.map_err(|_| {
                        StorageError::Unavailable("the device writer stopped".to_owned())
                    })?
                }

                async fn insert_passwordless_code(
                    &self,
                    tenant_id: &str,
                    code: &PasswordlessCodeRecord,
                    budget: Option<&CodeBudget<'_>>,
                ) -> Result<InsertCodeOutcome> {
                    // The device lock keeps a concurrent delete of the device from leaving
                    // this code behind.
                    let mut tx = self.begin().await.map_err(map_err)?;
                    let device = sqlx::query_as::<_, DeviceRow>(&self.q.lock_device)
                        .bind(tenant_id)
                        .bind(&code.device_id_hash)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    if device.is_none() {
                        tx.rollback().await.map_err(map_err)?;
                        return Ok(InsertCodeOutcome::UnknownDevice);
                    }
                    let budget = budget.map(OwnedBudget::new);
                    let over = count_budgets(&mut tx, self.q, &[budget.as_ref()]).await?;
                    if let Some(Some(counter)) = over.first() {
                        tx.commit().await.map_err(map_err)?;
                        return Ok(InsertCodeOutcome::OverBudget(*counter));
                    }
                    if let Some(outcome) = insert_code(&mut tx, &self.q.insert_code, code).await? {
                        return Ok(outcome);
                    }
                    tx.commit().await.map_err(map_err)?;
                    Ok(InsertCodeOutcome::Inserted)
                }

                async fn passwordless_device(
                    &self,
                    tenant_id: &str,
                    device_id_hash: &str,
                ) -> Result<Option<PasswordlessDeviceRecord>> {
                    sqlx::query_as::<_, DeviceRow>(&self.q.device_by_id)
                        .bind(tenant_id)
                        .bind(device_id_hash)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?
                        .map(PasswordlessDeviceRecord::try_from)
                        .transpose()
                }

                async fn passwordless_devices_by_email(
                    &self,
                    tenant_id: &str,
                    email: &str,
                ) -> Result<Vec<PasswordlessDeviceRecord>> {
                    sqlx::query_as::<_, DeviceRow>(&self.q.devices_by_email)
                        .bind(tenant_id)
                        .bind(email)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)?
                        .into_iter()
                        .map(PasswordlessDeviceRecord::try_from)
                        .collect()
                }

                async fn passwordless_devices_by_phone_number(
                    &self,
                    tenant_id: &str,
                    phone_number: &str,
                ) -> Result<Vec<PasswordlessDeviceRecord>> {
                    sqlx::query_as::<_, DeviceRow>(&self.q.devices_by_phone_number)
                        .bind(tenant_id)
                        .bind(phone_number)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)?
                        .into_iter()
                        .map(PasswordlessDeviceRecord::try_from)
                        .collect()
                }

                async fn passwordless_codes_of_device(
                    &self,
                    tenant_id: &str,
                    device_id_hash: &str,
                ) -> Result<Vec<PasswordlessCodeRecord>> {
                    let rows = sqlx::query_as::<_, CodeRow>(&self.q.codes_of_device)
                        .bind(device_id_hash)
                        .bind(tenant_id)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(rows.into_iter().map(PasswordlessCodeRecord::from).collect())
                }

                async fn passwordless_code_by_link_code_hash(
                    &self,
                    tenant_id: &str,
                    link_code_hash: &str,
                ) -> Result<Option<PasswordlessCodeRecord>> {
                    let row = sqlx::query_as::<_, CodeRow>(&self.q.code_by_link_code_hash)
                        .bind(link_code_hash)
                        .bind(tenant_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(row.map(PasswordlessCodeRecord::from))
                }

                async fn passwordless_code(
                    &self,
                    tenant_id: &str,
                    code_id: &str,
                ) -> Result<Option<PasswordlessCodeRecord>> {
                    let row = sqlx::query_as::<_, CodeRow>(&self.q.code_by_id)
                        .bind(code_id)
                        .bind(tenant_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(row.map(PasswordlessCodeRecord::from))
                }

                async fn attempt_passwordless_code(
                    &self,
                    attempt: &CodeAttempt<'_>,
                ) -> Result<CodeAttemptOutcome> {
                    // Every transaction that locks several devices locks them in id order,
                    // in one statement. So an attempt first learns the device's contact
                    // (which never changes) without a lock, then locks all the devices of that
                    // contact (those it deletes on success), the device itself among them.
                    // Attempts on devices of one contact are thus serialised and cannot
                    // deadlock. Every read after the lock is a locking read (MySQL: it sees
                    // the latest committed rows rather than the transaction's snapshot) or, on
                    // PostgreSQL, a later statement (whose snapshot is taken after the locks
                    // were granted). The caller may already have read the device: its
                    // contact is then used as is.
                    let read;
                    let seen = match attempt.known_device {
                        Some(known) if known.device_id_hash == attempt.device_id_hash => known,
                        _ => {
                            read = sqlx::query_as::<_, DeviceRow>(&self.q.device_by_id)
                                .bind(attempt.tenant_id)
                                .bind(attempt.device_id_hash)
                                .fetch_optional(&self.pool)
                                .await
                                .map_err(map_err)?
                                .map(PasswordlessDeviceRecord::try_from)
                                .transpose()?;
                            match &read {
                                Some(device) => device,
                                None => return Ok(CodeAttemptOutcome::RestartFlow),
                            }
                        }
                    };
                    // SQLite: consumes are group-committed (see `write_consume_batches`).
                    let batched = attempt.new_user.filter(|user| {
                        self.q.dialect.multi_statement
                            && attempt.consume
                            && (seen.email.is_some() || seen.phone_number.is_some())
                            && user.tenant_ids.len() == 1
                            && user.tenant_ids.first().map(String::as_str)
                                == Some(attempt.tenant_id)
                    });
                    if let Some(new_user) = batched {
                        let (reply, answer) = tokio::sync::oneshot::channel();
                        let job = ConsumeJob {
                            tenant_id: attempt.tenant_id.to_owned(),
                            device_id_hash: attempt.device_id_hash.to_owned(),
                            link_code_hash: attempt.link_code_hash.to_owned(),
                            typed: attempt.typed,
                            expired_before_ms: attempt.expired_before_ms,
                            max_attempts: attempt.max_attempts,
                            email: seen.email.clone(),
                            phone_number: seen.phone_number.clone(),
                            new_user: new_user.clone(),
                            reply,
                        };
                        self.consumes.submit(job, |jobs| {
                            tokio::spawn(write_consume_batches(self.w.clone(), self.q, jobs));
                        });
                        return answer.await.map_err(|_| {
                            StorageError::Unavailable("the consume writer stopped".to_owned())
                        })?;
                    }
                    for _ in 0..RACE_RETRIES {
                        let mut tx = self.begin().await.map_err(map_err)?;
                        let (sql, contact) = match (&seen.email, &seen.phone_number) {
                            (Some(email), _) => (&self.q.lock_devices_by_email, email.as_str()),
                            (None, Some(phone)) => {
                                (&self.q.lock_devices_by_phone_number, phone.as_str())
                            }
                            (None, None) => (&self.q.lock_device, attempt.device_id_hash),
                        };
                        let contact_devices = sqlx::query_as::<_, DeviceRow>(sql)
                            .bind(attempt.tenant_id)
                            .bind(contact)
                            .fetch_all(&mut *tx)
                            .await
                            .map_err(map_err)?
                            .into_iter()
                            .map(PasswordlessDeviceRecord::try_from)
                            .collect::<Result<Vec<_>>>()?;
                        let Some(device) = contact_devices
                            .iter()
                            .find(|d| d.device_id_hash == attempt.device_id_hash)
                            .cloned()
                        else {
                            // Deleted since it was read.
                            tx.rollback().await.map_err(map_err)?;
                            return Ok(CodeAttemptOutcome::RestartFlow);
                        };
                        if device.failed_attempts >= attempt.max_attempts {
                            let outcome =
                                refuse_code(&mut tx, self.q, attempt, &device, None).await?;
                            tx.commit().await.map_err(map_err)?;
                            return Ok(outcome);
                        }
                        let ids: Vec<String> = contact_devices
                            .into_iter()
                            .map(|d| d.device_id_hash)
                            .collect();
                        // PostgreSQL consumes in one statement: it reads the code and, when
                        // the code is usable, deletes the contact's devices with their codes.
                        // It runs after the locking statement, so its snapshot sees every
                        // commit made before the locks were granted; codes are only added or
                        // removed with their device locked, so none can change meanwhile.
                        let consumed_in_one = attempt.consume
                            && self.q.dialect.writable_ctes
                            && ids.len() <= ID_CHUNK;
                        let created_at: Option<i64> = if consumed_in_one {
                            let mut qb = QueryBuilder::<$db>::new(
                                "WITH c AS (SELECT created_at FROM passwordless_codes \
                                 WHERE link_code_hash = ",
                            );
                            qb.push_bind(attempt.link_code_hash);
                            qb.push(" AND device_id_hash = ");
                            qb.push_bind(attempt.device_id_hash);
                            qb.push("), ok AS (SELECT 1 FROM c WHERE created_at >= ");
                            qb.push_bind(attempt.expired_before_ms);
                            qb.push(
                                "), dc AS (DELETE FROM passwordless_codes \
                                 WHERE EXISTS (SELECT 1 FROM ok) AND device_id_hash",
                            );
                            push_in(&mut qb, &ids);
                            qb.push(
                                "), dd AS (DELETE FROM passwordless_devices \
                                 WHERE EXISTS (SELECT 1 FROM ok) AND device_id_hash",
                            );
                            push_in(&mut qb, &ids);
                            qb.push(") SELECT created_at FROM c");
                            qb.build_query_scalar()
                                .fetch_optional(&mut *tx)
                                .await
                                .map_err(map_err)?
                        } else {
                            sqlx::query_scalar(&self.q.lock_code_of_device)
                                .bind(attempt.link_code_hash)
                                .bind(attempt.device_id_hash)
                                .fetch_optional(&mut *tx)
                                .await
                                .map_err(map_err)?
                        };
                        if !created_at.is_some_and(|t| t >= attempt.expired_before_ms) {
                            let outcome =
                                refuse_code(&mut tx, self.q, attempt, &device, created_at).await?;
                            tx.commit().await.map_err(map_err)?;
                            return Ok(outcome);
                        }
                        if !attempt.consume {
                            tx.rollback().await.map_err(map_err)?;
                            return Ok(CodeAttemptOutcome::Accepted(device));
                        }
                        if !consumed_in_one {
                            if self.q.dialect.mysql {
                                delete_devices_and_codes_at_once(&mut tx, &ids).await?;
                            } else {
                                delete_devices_with_codes(&mut tx, &ids).await?;
                            }
                        }
                        let Some(new_user) = attempt.new_user else {
                            tx.commit().await.map_err(map_err)?;
                            return Ok(CodeAttemptOutcome::Accepted(device));
                        };
                        match sign_in_up_in_tx(&mut tx, self.q, &device, new_user).await? {
                            SignInUp::Done(user, created_new_user) => {
                                tx.commit().await.map_err(map_err)?;
                                return Ok(CodeAttemptOutcome::Consumed {
                                    device,
                                    user,
                                    created_new_user,
                                });
                            }
                            SignInUp::UserIdTaken => {
                                tx.rollback().await.map_err(map_err)?;
                                return Ok(CodeAttemptOutcome::NewUserIdTaken);
                            }
                            // Another user was given the contact (a contact change) since
                            // the lookup: start over, and the lookup finds that user.
                            SignInUp::ContactTaken => tx.rollback().await.map_err(map_err)?,
                        }
                    }
                    Err(StorageError::Unavailable(format!(
                        "the contact of a passwordless code was taken {RACE_RETRIES} times \
                         while the code was being consumed; retry"
                    )))
                }

                async fn delete_passwordless_code(
                    &self,
                    tenant_id: &str,
                    code_id: &str,
                ) -> Result<bool> {
                    // A code never moves to another device, so its device can be read first.
                    let Some(code) = sqlx::query_as::<_, CodeRow>(&self.q.code_by_id)
                        .bind(code_id)
                        .bind(tenant_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?
                        .map(PasswordlessCodeRecord::from)
                    else {
                        return Ok(false);
                    };
                    let mut tx = self.begin().await.map_err(map_err)?;
                    let device = sqlx::query_as::<_, DeviceRow>(&self.q.lock_device)
                        .bind(tenant_id)
                        .bind(&code.device_id_hash)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    if device.is_none() {
                        tx.rollback().await.map_err(map_err)?;
                        return Ok(false);
                    }
                    let deleted = sqlx::query(&self.q.delete_code_of_device)
                        .bind(code_id)
                        .bind(&code.device_id_hash)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                    if deleted == 0 {
                        tx.rollback().await.map_err(map_err)?;
                        return Ok(false);
                    }
                    let remaining: Option<String> =
                        sqlx::query_scalar(&self.q.lock_any_code_of_device)
                            .bind(&code.device_id_hash)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(map_err)?;
                    if remaining.is_none() {
                        delete_devices_with_codes(
                            &mut tx,
                            std::slice::from_ref(&code.device_id_hash),
                        )
                        .await?;
                    }
                    tx.commit().await.map_err(map_err)?;
                    Ok(true)
                }

                async fn delete_passwordless_device(
                    &self,
                    tenant_id: &str,
                    device_id_hash: &str,
                ) -> Result<bool> {
                    let mut tx = self.begin().await.map_err(map_err)?;
                    let device = sqlx::query_as::<_, DeviceRow>(&self.q.lock_device)
                        .bind(tenant_id)
                        .bind(device_id_hash)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    let Some(device) = device else {
                        tx.rollback().await.map_err(map_err)?;
                        return Ok(false);
                    };
                    let deleted = delete_devices_with_codes(
                        &mut tx,
                        std::slice::from_ref(&device.device_id_hash),
                    )
                    .await?;
                    tx.commit().await.map_err(map_err)?;
                    Ok(deleted > 0)
                }

                async fn delete_passwordless_devices_by_email(
                    &self,
                    tenant_id: &str,
                    email: &str,
                ) -> Result<u64> {
                    self.delete_devices_of_contact(&self.q.lock_devices_by_email, tenant_id, email)
                        .await
                }

                async fn delete_passwordless_devices_by_phone_number(
                    &self,
                    tenant_id: &str,
                    phone_number: &str,
                ) -> Result<u64> {
                    self.delete_devices_of_contact(
                        &self.q.lock_devices_by_phone_number,
                        tenant_id,
                        phone_number,
                    )
                    .await
                }

                async fn update_passwordless_contact(
                    &self,
                    update: &ContactUpdate<'_>,
                ) -> Result<UpdateContactOutcome> {
                    let mut tx = self.begin().await.map_err(map_err)?;
                    let user = sqlx::query_as::<_, UserRow>(&self.q.lock_user)
                        .bind(update.user_id)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?
                        .map(UserRecord::from);
                    let Some(user) = user.filter(|u| u.recipe_id == RECIPE_PASSWORDLESS) else {
                        tx.rollback().await.map_err(map_err)?;
                        return Ok(UpdateContactOutcome::UnknownUser);
                    };
                    // Only the fields that change: their old and new values lose their devices.
                    let email = update.email.filter(|new| *new != user.email.as_deref());
                    let phone_number = update
                        .phone_number
                        .filter(|new| *new != user.phone_number.as_deref());
                    if email.is_none() && phone_number.is_none() {
                        tx.rollback().await.map_err(map_err)?;
                        return Ok(UpdateContactOutcome::Updated);
                    }
                    // The user row, then its memberships, which carry the per-tenant
                    // uniqueness.
                    for table in ["users", "user_tenants"] {
                        let mut qb = QueryBuilder::<$db>::new(format!("UPDATE {table} SET "));
                        {
                            let mut set = qb.separated(", ");
                            if let Some(email) = email {
                                set.push("email = ").push_bind_unseparated(email);
                            }
                            if let Some(phone_number) = phone_number {
                                set.push("phone_number = ")
                                    .push_bind_unseparated(phone_number);
                            }
                        }
                        qb.push(" WHERE user_id = ").push_bind(update.user_id);
                        if let Err(e) = qb.build().execute(&mut *tx).await {
                            return match unique_violation(&e) {
                                Some(UniqueKey::Email) => Ok(UpdateContactOutcome::EmailTaken),
                                Some(UniqueKey::PhoneNumber) => {
                                    Ok(UpdateContactOutcome::PhoneNumberTaken)
                                }
                                _ => Err(map_err(e)),
                            };
                        }
                    }
                    let emails: Vec<&str> = email
                        .map(|new| [user.email.as_deref(), new])
                        .into_iter()
                        .flatten()
                        .flatten()
                        .collect();
                    let phone_numbers: Vec<&str> = phone_number
                        .map(|new| [user.phone_number.as_deref(), new])
                        .into_iter()
                        .flatten()
                        .flatten()
                        .collect();
                    if (!emails.is_empty() || !phone_numbers.is_empty())
                        && !user.tenant_ids.is_empty()
                    {
                        // Devices of the old and new values in every tenant of the user.
                        let mut qb = QueryBuilder::<$db>::new(&self.q.select_device_ids);
                        qb.push(" WHERE tenant_id");
                        push_in(&mut qb, &user.tenant_ids);
                        qb.push(" AND (");
                        let mut any = false;
                        for (column, values) in
                            [("email", &emails), ("phone_number", &phone_numbers)]
                        {
                            if values.is_empty() {
                                continue;
                            }
                            if any {
                                qb.push(" OR ");
                            }
                            any = true;
                            qb.push(column).push(" IN (");
                            let mut list = qb.separated(", ");
                            for value in values.iter() {
                                list.push_bind(*value);
                            }
                            qb.push(")");
                        }
                        qb.push(") ORDER BY passwordless_devices.device_id_hash")
                            .push(self.q.dialect.lock_suffix());
                        let ids: Vec<String> = qb
                            .build_query_scalar()
                            .fetch_all(&mut *tx)
                            .await
                            .map_err(map_err)?;
                        delete_devices_with_codes(&mut tx, &ids).await?;
                    }
                    tx.commit().await.map_err(map_err)?;
                    Ok(UpdateContactOutcome::Updated)
                }

                async fn delete_expired_passwordless_devices(
                    &self,
                    before_ms: i64,
                    limit: u32,
                ) -> Result<u64> {
                    if limit == 0 {
                        return Ok(0);
                    }
                    let mut tx = self.begin().await.map_err(map_err)?;
                    let candidates: Vec<String> =
                        sqlx::query_scalar(&self.q.expired_device_candidates)
                            .bind(before_ms)
                            .bind(i64::from(limit))
                            .fetch_all(&mut *tx)
                            .await
                            .map_err(map_err)?;
                    if candidates.is_empty() {
                        tx.rollback().await.map_err(map_err)?;
                        return Ok(0);
                    }
                    // Lock the candidates (in id order), then drop those that got a fresh
                    // code between the read above and the lock. Both are locking reads, so
                    // they see the latest rows on MySQL too.
                    let mut locked: Vec<String> = Vec::with_capacity(candidates.len());
                    for chunk in candidates.chunks(ID_CHUNK) {
                        let mut qb = QueryBuilder::<$db>::new(&self.q.select_device_ids);
                        qb.push(" WHERE device_id_hash");
                        push_in(&mut qb, chunk);
                        qb.push(" ORDER BY passwordless_devices.device_id_hash")
                            .push(self.q.dialect.lock_suffix());
                        let ids: Vec<String> = qb
                            .build_query_scalar()
                            .fetch_all(&mut *tx)
                            .await
                            .map_err(map_err)?;
                        locked.extend(ids);
                    }
                    let mut fresh = std::collections::HashSet::new();
                    for chunk in locked.chunks(ID_CHUNK) {
                        let mut qb = QueryBuilder::<$db>::new(&self.q.select_code_device_ids);
                        qb.push(" WHERE device_id_hash");
                        push_in(&mut qb, chunk);
                        qb.push(" AND created_at >= ")
                            .push_bind(before_ms)
                            .push(self.q.dialect.lock_suffix());
                        let ids: Vec<String> = qb
                            .build_query_scalar()
                            .fetch_all(&mut *tx)
                            .await
                            .map_err(map_err)?;
                        fresh.extend(ids);
                    }
                    locked.retain(|id| !fresh.contains(id));
                    let deleted = delete_devices_with_codes(&mut tx, &locked).await?;
                    tx.commit().await.map_err(map_err)?;
                    Ok(deleted)
                }
            }

            #[async_trait]
            impl EmailVerificationStore for $ty {
                async fn insert_email_verification_token(
                    &self,
                    token: &EmailVerificationTokenRecord,
                ) -> Result<()> {
                    sqlx::query(&self.q.insert_ev_token)
                        .bind(&token.token_hash)
                        .bind(&token.tenant_id)
                        .bind(&token.user_id)
                        .bind(&token.email)
                        .bind(token.expires_at_ms)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(())
                }

                async fn use_email_verification_token(
                    &self,
                    tenant_id: &str,
                    token_hash: &str,
                    now_ms: i64,
                ) -> Result<UseVerificationTokenOutcome> {
                    // Token rows never change, so the pair can be learnt without a lock.
                    let Some(token) = sqlx::query_as::<_, EvTokenRow>(&self.q.ev_token_by_hash)
                        .bind(tenant_id)
                        .bind(token_hash)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?
                        .map(EmailVerificationTokenRecord::from)
                    else {
                        return Ok(UseVerificationTokenOutcome::Unknown);
                    };
                    // Lock every token of the pair, always in hash order, so that uses of
                    // the pair's tokens queue instead of deadlocking; one that waited then
                    // no longer finds its token.
                    let mut tx = self.begin().await.map_err(map_err)?;
                    let tokens: Vec<(String, i64)> =
                        sqlx::query_as(&self.q.lock_ev_tokens_of_pair)
                            .bind(tenant_id)
                            .bind(&token.user_id)
                            .bind(&token.email)
                            .fetch_all(&mut *tx)
                            .await
                            .map_err(map_err)?;
                    let Some(expires_at_ms) = tokens
                        .iter()
                        .find(|(hash, _)| hash == token_hash)
                        .map(|(_, expires_at)| *expires_at)
                    else {
                        tx.rollback().await.map_err(map_err)?;
                        return Ok(UseVerificationTokenOutcome::Unknown);
                    };
                    sqlx::query(&self.q.delete_ev_tokens_of_pair)
                        .bind(tenant_id)
                        .bind(&token.user_id)
                        .bind(&token.email)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    if expires_at_ms <= now_ms {
                        tx.commit().await.map_err(map_err)?;
                        return Ok(UseVerificationTokenOutcome::Expired);
                    }
                    sqlx::query(&self.q.insert_verified_email)
                        .bind(&token.user_id)
                        .bind(&token.email)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    tx.commit().await.map_err(map_err)?;
                    Ok(UseVerificationTokenOutcome::Verified {
                        user_id: token.user_id,
                        email: token.email,
                    })
                }

                async fn delete_email_verification_tokens(
                    &self,
                    tenant_id: &str,
                    user_id: &str,
                    email: &str,
                ) -> Result<u64> {
                    let done = sqlx::query(&self.q.delete_ev_tokens_of_pair)
                        .bind(tenant_id)
                        .bind(user_id)
                        .bind(email)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected())
                }

                async fn is_email_verified(&self, user_id: &str, email: &str) -> Result<bool> {
                    let n: i64 = sqlx::query_scalar(&self.q.count_verified_email)
                        .bind(user_id)
                        .bind(email)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(n > 0)
                }

                async fn set_email_verified(
                    &self,
                    user_id: &str,
                    email: &str,
                    verified: bool,
                ) -> Result<()> {
                    let sql = if verified {
                        &self.q.insert_verified_email
                    } else {
                        &self.q.delete_verified_email
                    };
                    sqlx::query(sql)
                        .bind(user_id)
                        .bind(email)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(())
                }

                async fn verified_emails_of_users(
                    &self,
                    user_ids: &[String],
                ) -> Result<Vec<(String, String)>> {
                    let mut pairs: Vec<(String, String)> = Vec::new();
                    for chunk in user_ids.chunks(ID_CHUNK) {
                        let mut qb = QueryBuilder::<$db>::new(&self.q.select_verified_emails);
                        qb.push(" WHERE user_id");
                        push_in(&mut qb, chunk);
                        let rows: Vec<(String, String)> = qb
                            .build_query_as()
                            .fetch_all(&self.pool)
                            .await
                            .map_err(map_err)?;
                        pairs.extend(rows);
                    }
                    // Byte-wise, whatever the columns' collation.
                    pairs.sort_unstable();
                    pairs.dedup();
                    Ok(pairs)
                }

                async fn delete_expired_email_verification_tokens(
                    &self,
                    now_ms: i64,
                    limit: u32,
                ) -> Result<u64> {
                    let done = sqlx::query(&self.q.delete_expired_ev_tokens)
                        .bind(now_ms)
                        .bind(i64::from(limit))
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected())
                }
            }

            #[async_trait]
            impl UserMetadataStore for $ty {
                async fn user_metadata(
                    &self,
                    user_id: &str,
                ) -> Result<Option<serde_json::Map<String, Value>>> {
                    let text: Option<String> = sqlx::query_scalar(&self.q.metadata_of_user)
                        .bind(user_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?;
                    text.map(|text| parse_metadata(user_id, &text)).transpose()
                }

                async fn update_user_metadata(
                    &self,
                    user_id: &str,
                    update: &serde_json::Map<String, Value>,
                ) -> Result<serde_json::Map<String, Value>> {
                    let row_locks = self.q.dialect.row_locks;
                    for _ in 0..RACE_RETRIES {
                        // With row locks, the row is made first (in its own statement) so
                        // that the transaction below always has a row to lock: locking a
                        // missing row would take gap locks (MySQL) or nothing (PostgreSQL),
                        // and two first updates of a user would then collide. SQLite's
                        // transactions hold the database's write lock instead.
                        if row_locks {
                            sqlx::query(&self.q.ensure_metadata_row)
                                .bind(user_id)
                                .execute(&self.pool)
                                .await
                                .map_err(map_err)?;
                        }
                        let mut tx = self.begin().await.map_err(map_err)?;
                        let text: Option<String> =
                            sqlx::query_scalar(&self.q.lock_metadata_of_user)
                                .bind(user_id)
                                .fetch_optional(&mut *tx)
                                .await
                                .map_err(map_err)?;
                        if text.is_none() && row_locks {
                            // Removed since it was made: make it again.
                            tx.rollback().await.map_err(map_err)?;
                            continue;
                        }
                        let mut metadata = match &text {
                            Some(text) => parse_metadata(user_id, text)?,
                            None => serde_json::Map::new(),
                        };
                        merge_metadata(&mut metadata, update);
                        if metadata.is_empty() {
                            if text.is_some() {
                                sqlx::query(&self.q.delete_metadata)
                                    .bind(user_id)
                                    .execute(&mut *tx)
                                    .await
                                    .map_err(map_err)?;
                            }
                        } else {
                            let json = Value::Object(metadata.clone()).to_string();
                            if text.is_some() {
                                sqlx::query(&self.q.update_metadata)
                                    .bind(json)
                                    .bind(user_id)
                                    .execute(&mut *tx)
                                    .await
                                    .map_err(map_err)?;
                            } else {
                                sqlx::query(&self.q.insert_metadata)
                                    .bind(user_id)
                                    .bind(json)
                                    .execute(&mut *tx)
                                    .await
                                    .map_err(map_err)?;
                            }
                        }
                        tx.commit().await.map_err(map_err)?;
                        return Ok(metadata);
                    }
                    Err(StorageError::Unavailable(format!(
                        "the metadata of a user was removed {RACE_RETRIES} times while it was \
                         being updated; retry"
                    )))
                }

                async fn delete_user_metadata(&self, user_id: &str) -> Result<bool> {
                    let done = sqlx::query(&self.q.delete_metadata)
                        .bind(user_id)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected() > 0)
                }
            }

            #[async_trait]
            impl UserRolesStore for $ty {
                async fn create_role(&self, role: &str, permissions: &[String]) -> Result<bool> {
                    // Sorted and unique, so that concurrent calls lock permission rows in the
                    // same order and no statement names a row twice.
                    let mut permissions: Vec<&str> =
                        permissions.iter().map(String::as_str).collect();
                    permissions.sort_unstable();
                    permissions.dedup();
                    'attempt: for _ in 0..RACE_RETRIES {
                        let mut tx = self.begin().await.map_err(map_err)?;
                        let created = match sqlx::query(&self.q.insert_role)
                            .bind(role)
                            .execute(&mut *tx)
                            .await
                        {
                            Ok(done) => done.rows_affected() == 1,
                            // MySQL: a failed statement leaves the transaction usable.
                            Err(e) if self.q.dialect.mysql && unique_violation(&e).is_some() => {
                                false
                            }
                            Err(e) => return Err(map_err(e)),
                        };
                        for chunk in permissions.chunks(ID_CHUNK) {
                            let mut qb = QueryBuilder::<$db>::new(
                                "INSERT INTO role_permissions (role, permission) ",
                            );
                            qb.push_values(chunk, |mut row, permission| {
                                row.push_bind(role).push_bind(*permission);
                            });
                            qb.push(self.q.dialect.keep_existing("permission"));
                            if let Err(e) = qb.build().execute(&mut *tx).await {
                                if is_foreign_key_violation(&e) {
                                    // The role was removed after it was found: start over
                                    // (dropping the transaction rolls it back).
                                    continue 'attempt;
                                }
                                return Err(map_err(e));
                            }
                        }
                        tx.commit().await.map_err(map_err)?;
                        return Ok(created);
                    }
                    Err(StorageError::Unavailable(format!(
                        "a role was removed {RACE_RETRIES} times while permissions were being \
                         added to it; retry"
                    )))
                }

                async fn delete_role(&self, role: &str) -> Result<bool> {
                    // Permissions and assignments go with it (ON DELETE CASCADE).
                    let done = sqlx::query(&self.q.delete_role)
                        .bind(role)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected() > 0)
                }

                async fn roles(&self) -> Result<Vec<String>> {
                    sqlx::query_scalar(&self.q.all_roles)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)
                }

                async fn role_permissions(&self, role: &str) -> Result<Option<Vec<String>>> {
                    // One row per permission, or one with a NULL permission for a role
                    // without any; none for an unknown role.
                    let rows: Vec<(String, Option<String>)> =
                        sqlx::query_as(&self.q.permissions_of_role)
                            .bind(role)
                            .fetch_all(&self.pool)
                            .await
                            .map_err(map_err)?;
                    if rows.is_empty() {
                        return Ok(None);
                    }
                    Ok(Some(rows.into_iter().filter_map(|(_, p)| p).collect()))
                }

                async fn delete_role_permissions(
                    &self,
                    role: &str,
                    permissions: Option<&[String]>,
                ) -> Result<bool> {
                    let mut tx = self.begin().await.map_err(map_err)?;
                    let found: Option<String> = sqlx::query_scalar(&self.q.lock_role)
                        .bind(role)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    if found.is_none() {
                        tx.rollback().await.map_err(map_err)?;
                        return Ok(false);
                    }
                    match permissions {
                        None => {
                            sqlx::query(&self.q.delete_permissions_of_role)
                                .bind(role)
                                .execute(&mut *tx)
                                .await
                                .map_err(map_err)?;
                        }
                        Some(permissions) => {
                            for chunk in permissions.chunks(ID_CHUNK) {
                                let mut qb = QueryBuilder::<$db>::new(
                                    "DELETE FROM role_permissions WHERE role = ",
                                );
                                qb.push_bind(role).push(" AND permission");
                                push_in(&mut qb, chunk);
                                qb.build().execute(&mut *tx).await.map_err(map_err)?;
                            }
                        }
                    }
                    tx.commit().await.map_err(map_err)?;
                    Ok(true)
                }

                async fn roles_with_permission(&self, permission: &str) -> Result<Vec<String>> {
                    sqlx::query_scalar(&self.q.roles_with_permission)
                        .bind(permission)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)
                }

                async fn add_user_role(
                    &self,
                    tenant_id: &str,
                    user_id: &str,
                    role: &str,
                ) -> Result<AddUserRoleOutcome> {
                    // One statement: the foreign key check locks the role against a
                    // concurrent removal, or fails when the role is gone.
                    let result = sqlx::query(&self.q.insert_user_role)
                        .bind(tenant_id)
                        .bind(user_id)
                        .bind(role)
                        .execute(&self.pool)
                        .await;
                    match result {
                        Ok(done) if done.rows_affected() == 1 => Ok(AddUserRoleOutcome::Added),
                        Ok(_) => Ok(AddUserRoleOutcome::AlreadyHad),
                        Err(e) if is_foreign_key_violation(&e) => {
                            Ok(AddUserRoleOutcome::UnknownRole)
                        }
                        Err(e) if unique_violation(&e).is_some() => {
                            Ok(AddUserRoleOutcome::AlreadyHad)
                        }
                        Err(e) => Err(map_err(e)),
                    }
                }

                async fn remove_user_role(
                    &self,
                    tenant_id: &str,
                    user_id: &str,
                    role: &str,
                ) -> Result<RemoveUserRoleOutcome> {
                    let done = sqlx::query(&self.q.delete_user_role)
                        .bind(tenant_id)
                        .bind(user_id)
                        .bind(role)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    if done.rows_affected() > 0 {
                        return Ok(RemoveUserRoleOutcome::Removed);
                    }
                    let roles: i64 = sqlx::query_scalar(&self.q.count_role)
                        .bind(role)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(if roles > 0 {
                        RemoveUserRoleOutcome::DidNotHave
                    } else {
                        RemoveUserRoleOutcome::UnknownRole
                    })
                }

                async fn roles_of_user(
                    &self,
                    tenant_id: &str,
                    user_id: &str,
                ) -> Result<Vec<String>> {
                    sqlx::query_scalar(&self.q.roles_of_user)
                        .bind(tenant_id)
                        .bind(user_id)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)
                }

                async fn users_with_role(
                    &self,
                    tenant_id: &str,
                    role: &str,
                ) -> Result<Option<Vec<String>>> {
                    let rows: Vec<(String, Option<String>)> =
                        sqlx::query_as(&self.q.users_with_role)
                            .bind(tenant_id)
                            .bind(role)
                            .fetch_all(&self.pool)
                            .await
                            .map_err(map_err)?;
                    if rows.is_empty() {
                        return Ok(None);
                    }
                    Ok(Some(rows.into_iter().filter_map(|(_, user)| user).collect()))
                }
            }

            #[async_trait]
            impl SecretStore for $ty {
                async fn get_or_insert_secret(
                    &self,
                    name: &str,
                    candidate: &str,
                ) -> Result<String> {
                    sqlx::query(&self.q.insert_secret)
                        .bind(name)
                        .bind(candidate)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    sqlx::query_scalar(&self.q.secret_by_name)
                        .bind(name)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(map_err)
                }
            }

            #[async_trait]
            impl RateLimitStore for $ty {
                async fn update_rate_limit(
                    &self,
                    key: &RateLimitKey<'_>,
                    update: &RateLimitUpdate<'_>,
                ) -> Result<RateLimitRecord> {
                    let row_locks = self.q.dialect.row_locks;
                    for _ in 0..RACE_RETRIES {
                        // As for metadata: with row locks the row is made first, in its own
                        // statement, so that the transaction always has a row to lock (a
                        // missing row would take gap locks on MySQL and nothing on
                        // PostgreSQL, and two first hits would collide). An empty row reads
                        // as `RateLimitRecord::EMPTY`. SQLite's transactions hold the
                        // database's write lock instead.
                        if row_locks {
                            sqlx::query(&self.q.ensure_rate_limit_row)
                                .bind(key.bucket)
                                .bind(key.key_hash)
                                .bind(key.tenant_id)
                                .execute(&self.pool)
                                .await
                                .map_err(map_err)?;
                        }
                        let mut tx = self.begin().await.map_err(map_err)?;
                        let row: Option<RateLimitRow> =
                            sqlx::query_as(&self.q.lock_rate_limit)
                                .bind(key.bucket)
                                .bind(key.key_hash)
                                .bind(key.tenant_id)
                                .fetch_optional(&mut *tx)
                                .await
                                .map_err(map_err)?;
                        if row.is_none() && row_locks {
                            // Cleaned up since it was made: make it again.
                            tx.rollback().await.map_err(map_err)?;
                            continue;
                        }
                        let stored = row.is_some();
                        let before = match row {
                            Some(row) => RateLimitRecord::try_from(row)?,
                            None => RateLimitRecord::EMPTY,
                        };
                        if let Some(after) = update(&before) {
                            let sql = if stored {
                                &self.q.update_rate_limit
                            } else {
                                &self.q.insert_rate_limit
                            };
                            let query = sqlx::query(sql);
                            let query = if stored {
                                query
                                    .bind(hits_column(after.hits))
                                    .bind(after.window_started_at_ms)
                                    .bind(after.last_hit_at_ms)
                                    .bind(after.expires_at_ms)
                                    .bind(key.bucket)
                                    .bind(key.key_hash)
                                    .bind(key.tenant_id)
                            } else {
                                query
                                    .bind(key.bucket)
                                    .bind(key.key_hash)
                                    .bind(key.tenant_id)
                                    .bind(hits_column(after.hits))
                                    .bind(after.window_started_at_ms)
                                    .bind(after.last_hit_at_ms)
                                    .bind(after.expires_at_ms)
                            };
                            query.execute(&mut *tx).await.map_err(map_err)?;
                        }
                        tx.commit().await.map_err(map_err)?;
                        return Ok(before);
                    }
                    Err(StorageError::Unavailable(format!(
                        "a rate-limit counter was removed {RACE_RETRIES} times while it was \
                         being updated; retry"
                    )))
                }

                async fn hit_rate_limit_window(
                    &self,
                    key: &RateLimitKey<'_>,
                    now_ms: i64,
                    window_ms: i64,
                ) -> Result<RateLimitRecord> {
                    let hit = [WindowHits {
                        key: *key,
                        hits: 1,
                        now_ms,
                        window_ms,
                    }];
                    let counters = if self.q.dialect.mysql {
                        // The row stays locked by the upsert until the commit, so the read
                        // sees this hit's result and no other.
                        let mut tx = self.begin().await.map_err(map_err)?;
                        let counters = hit_windows(&mut tx, self.q, &hit).await?;
                        tx.commit().await.map_err(map_err)?;
                        counters
                    } else {
                        let mut conn = self.pool.acquire().await.map_err(map_err)?;
                        hit_windows(&mut conn, self.q, &hit).await?
                    };
                    counters.into_iter().next().ok_or_else(|| {
                        StorageError::Database("a rate-limit counter was not returned".to_owned())
                    })
                }

                async fn rate_limit(&self, key: &RateLimitKey<'_>) -> Result<RateLimitRecord> {
                    let row: Option<RateLimitRow> = sqlx::query_as(&self.q.rate_limit_by_key)
                        .bind(key.bucket)
                        .bind(key.key_hash)
                        .bind(key.tenant_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?;
                    row.map_or(Ok(RateLimitRecord::EMPTY), RateLimitRecord::try_from)
                }

                async fn delete_rate_limits(
                    &self,
                    bucket: &str,
                    key_hash: &str,
                    tenant_id: Option<&str>,
                ) -> Result<u64> {
                    let done = match tenant_id {
                        Some(tenant_id) => sqlx::query(&self.q.delete_rate_limit_in_tenant)
                            .bind(bucket)
                            .bind(key_hash)
                            .bind(tenant_id)
                            .execute(&self.pool)
                            .await,
                        None => sqlx::query(&self.q.delete_rate_limits_of_key)
                            .bind(bucket)
                            .bind(key_hash)
                            .execute(&self.pool)
                            .await,
                    }
                    .map_err(map_err)?;
                    Ok(done.rows_affected())
                }

                async fn delete_expired_rate_limits(
                    &self,
                    now_ms: i64,
                    limit: u32,
                ) -> Result<u64> {
                    let done = sqlx::query(&self.q.delete_expired_rate_limits)
                        .bind(now_ms)
                        .bind(i64::from(limit))
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected())
                }
            }

            #[async_trait]
            impl Storage for $ty {
                fn backend(&self) -> &'static str {
                    $name
                }

                async fn ping(&self) -> Result<()> {
                    sqlx::query("SELECT 1")
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(())
                }

                async fn close(&self) {
                    self.pool.close().await;
                    self.w.close().await;
                }

                fn pool_stats(&self) -> Option<crate::traits::PoolStats> {
                    let open = self.pool.size();
                    let idle = u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX).min(open);
                    Some(crate::traits::PoolStats {
                        idle,
                        in_use: open - idle,
                        max: self.pool.options().get_max_connections(),
                    })
                }
            }

            #[async_trait]
            impl TenantStore for $ty {
                async fn tenants(&self) -> Result<Vec<TenantRecord>> {
                    sqlx::query_as::<_, TenantRow>(&self.q.all_tenants)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)?
                        .into_iter()
                        .map(TenantRecord::try_from)
                        .collect()
                }

                async fn tenant(&self, tenant_id: &str) -> Result<Option<TenantRecord>> {
                    sqlx::query_as::<_, TenantRow>(&self.q.tenant_by_id)
                        .bind(tenant_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?
                        .map(TenantRecord::try_from)
                        .transpose()
                }

                async fn insert_tenant(&self, tenant: &TenantRecord) -> Result<bool> {
                    let result = sqlx::query(&self.q.insert_tenant)
                        .bind(&tenant.tenant_id)
                        .bind(factors_column(tenant.first_factors.as_ref()))
                        .bind(factors_column(tenant.required_secondary_factors.as_ref()))
                        .bind(config_column(&tenant.core_config))
                        .bind(tenant.created_at_ms)
                        .execute(&self.pool)
                        .await;
                    match result {
                        Ok(_) => Ok(true),
                        Err(e) if unique_violation(&e).is_some() => Ok(false),
                        Err(e) => Err(map_err(e)),
                    }
                }

                async fn update_tenant(&self, tenant: &TenantRecord) -> Result<bool> {
                    let done = sqlx::query(&self.q.update_tenant)
                        .bind(factors_column(tenant.first_factors.as_ref()))
                        .bind(factors_column(tenant.required_secondary_factors.as_ref()))
                        .bind(config_column(&tenant.core_config))
                        .bind(&tenant.tenant_id)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected() > 0)
                }

                async fn delete_tenant(&self, tenant_id: &str) -> Result<bool> {
                    let mut tx = self.begin().await.map_err(map_err)?;
                    let mut existed = false;
                    for (index, sql) in self.q.delete_tenant_data.iter().enumerate() {
                        let done = sqlx::query(sql)
                            .bind(tenant_id)
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err)?;
                        if index == 0 {
                            existed = done.rows_affected() > 0;
                        }
                    }
                    tx.commit().await.map_err(map_err)?;
                    Ok(existed)
                }

                async fn add_user_to_tenant(
                    &self,
                    tenant_id: &str,
                    user_id: &str,
                ) -> Result<AddUserToTenantOutcome> {
                    // The user row is locked first (as an email change does), so that the
                    // membership gets the user's current email and phone number.
                    let mut tx = self.begin().await.map_err(map_err)?;
                    let user = sqlx::query_as::<_, UserRow>(&self.q.lock_user)
                        .bind(user_id)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?
                        .map(UserRecord::from);
                    let Some(user) = user else {
                        tx.rollback().await.map_err(map_err)?;
                        return Ok(AddUserToTenantOutcome::UnknownUser);
                    };
                    if user.tenant_ids.iter().any(|id| id == tenant_id) {
                        tx.rollback().await.map_err(map_err)?;
                        return Ok(AddUserToTenantOutcome::AlreadyAssociated);
                    }
                    let result = sqlx::query(&self.q.insert_user_tenant)
                        .bind(&user.user_id)
                        .bind(tenant_id)
                        .bind(&user.recipe_id)
                        .bind(user.email.as_deref())
                        .bind(user.phone_number.as_deref())
                        .execute(&mut *tx)
                        .await;
                    // Dropping the transaction on an early return rolls it back.
                    if let Err(e) = result {
                        return match unique_violation(&e) {
                            Some(UniqueKey::Email) => Ok(AddUserToTenantOutcome::EmailTaken),
                            Some(UniqueKey::PhoneNumber) => {
                                Ok(AddUserToTenantOutcome::PhoneNumberTaken)
                            }
                            Some(_) => Ok(AddUserToTenantOutcome::AlreadyAssociated),
                            None => Err(map_err(e)),
                        };
                    }
                    tx.commit().await.map_err(map_err)?;
                    Ok(AddUserToTenantOutcome::Added)
                }

                async fn remove_user_from_tenant(
                    &self,
                    tenant_id: &str,
                    user_id: &str,
                ) -> Result<bool> {
                    let mut tx = self.begin().await.map_err(map_err)?;
                    let mut removed = false;
                    for (index, sql) in self.q.delete_user_tenant_data.iter().enumerate() {
                        let mut query = sqlx::query(sql).bind(tenant_id).bind(user_id);
                        if index == 0 {
                            query = query.bind(user_id);
                        }
                        let done = query.execute(&mut *tx).await.map_err(map_err)?;
                        removed |= done.rows_affected() > 0;
                    }
                    tx.commit().await.map_err(map_err)?;
                    Ok(removed)
                }
            }

            #[async_trait]
            impl AppRegistryStore for $ty {
                async fn apps(&self) -> Result<Vec<AppRecord>> {
                    sqlx::query_as::<_, AppRow>(&self.q.all_apps)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)?
                        .into_iter()
                        .map(AppRecord::try_from)
                        .collect()
                }

                async fn app(&self, app_id: &str) -> Result<Option<AppRecord>> {
                    sqlx::query_as::<_, AppRow>(&self.q.app_by_id)
                        .bind(app_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?
                        .map(AppRecord::try_from)
                        .transpose()
                }

                async fn insert_app(&self, app: &AppRecord) -> Result<bool> {
                    let result = sqlx::query(&self.q.insert_app)
                        .bind(&app.app_id)
                        .bind(config_column(&app.core_config))
                        .bind(app.created_at_ms)
                        .execute(&self.pool)
                        .await;
                    match result {
                        Ok(_) => Ok(true),
                        Err(e) if unique_violation(&e).is_some() => Ok(false),
                        Err(e) => Err(map_err(e)),
                    }
                }

                async fn update_app(&self, app: &AppRecord) -> Result<bool> {
                    let done = sqlx::query(&self.q.update_app)
                        .bind(config_column(&app.core_config))
                        .bind(&app.app_id)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected() > 0)
                }

                async fn delete_app(&self, app_id: &str) -> Result<bool> {
                    let done = sqlx::query(&self.q.delete_app)
                        .bind(app_id)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected() > 0)
                }
            }
        };
    };
}

pub(crate) use impl_storage;

#[cfg(test)]
mod tests {
    use super::*;

    const PG: Dialect = Dialect {
        numbered_placeholders: true,
        mysql: false,
        row_locks: true,
        multi_statement: false,
        insert_or_fail: false,
        writable_ctes: true,
    };
    const MYSQL: Dialect = Dialect {
        numbered_placeholders: false,
        mysql: true,
        row_locks: true,
        multi_statement: false,
        insert_or_fail: false,
        writable_ctes: false,
    };

    #[test]
    fn postgres_placeholders_are_numbered() {
        assert_eq!(
            PG.placeholders("UPDATE t SET a = ? WHERE b = ? AND c = ?"),
            "UPDATE t SET a = $1 WHERE b = $2 AND c = $3"
        );
        assert_eq!(MYSQL.placeholders("a = ?"), "a = ?");
        let q = Queries::new(PG);
        assert!(
            q.delete_expired_sessions.ends_with("LIMIT $2)"),
            "{}",
            q.delete_expired_sessions
        );
    }

    #[test]
    fn mysql_reads_text_columns_as_text() {
        assert_eq!(
            MYSQL.select_list("kid, generation"),
            "CONVERT(kid USING utf8mb4) AS kid, generation"
        );
        assert_eq!(PG.select_list("kid, generation"), "kid, generation");
        assert!(
            Queries::new(MYSQL)
                .delete_expired_tokens
                .ends_with("LIMIT ?")
        );
        assert!(
            Queries::new(MYSQL)
                .insert_secret
                .starts_with("INSERT IGNORE")
        );
    }

    #[test]
    fn passwordless_queries_lock_and_convert_per_dialect() {
        let pg = Queries::new(PG);
        assert!(
            pg.lock_device
                .ends_with("WHERE tenant_id = $1 AND device_id_hash = $2 FOR UPDATE"),
            "{}",
            pg.lock_device
        );
        assert!(
            pg.code_by_id.contains("d.tenant_id = $2"),
            "{}",
            pg.code_by_id
        );
        let sqlite = Queries::new(Dialect {
            numbered_placeholders: false,
            mysql: false,
            row_locks: false,
            multi_statement: true,
            insert_or_fail: true,
            writable_ctes: false,
        });
        assert!(!sqlite.lock_devices_by_email.contains("FOR UPDATE"));
        let mysql = Queries::new(MYSQL);
        assert!(
            mysql.device_by_id.contains(
                "CONVERT(link_code_salt USING utf8mb4) AS link_code_salt, failed_attempts FROM"
            ),
            "{}",
            mysql.device_by_id
        );
        assert!(
            mysql
                .lock_devices_by_phone_number
                .ends_with("ORDER BY passwordless_devices.device_id_hash FOR UPDATE")
        );
    }

    #[test]
    fn metadata_merge_is_shallow_and_null_removes() {
        let object = |v: serde_json::Value| match v {
            serde_json::Value::Object(map) => map,
            _ => unreachable!(),
        };
        let mut stored = object(serde_json::json!({"a": 1, "b": {"x": 1}, "c": [1]}));
        merge_metadata(
            &mut stored,
            &object(serde_json::json!({"a": null, "b": {"y": 2}, "d": false, "e": null})),
        );
        assert_eq!(
            serde_json::Value::Object(stored),
            serde_json::json!({"b": {"y": 2}, "c": [1], "d": false})
        );
        assert!(matches!(
            parse_metadata("u", "[1]"),
            Err(StorageError::Corrupt(_))
        ));
    }

    #[test]
    fn role_and_metadata_queries_per_dialect() {
        let pg = Queries::new(PG);
        assert!(pg.insert_role.ends_with("ON CONFLICT DO NOTHING"));
        assert!(
            pg.ensure_metadata_row
                .contains("($1, '{}') ON CONFLICT DO NOTHING")
        );
        assert!(pg.lock_metadata_of_user.ends_with("FOR UPDATE"));
        let mysql = Queries::new(MYSQL);
        // MySQL must tell a taken role name from a new one, so the insert fails instead.
        assert_eq!(mysql.insert_role, "INSERT INTO roles (role) VALUES (?)");
        assert!(
            mysql
                .insert_verified_email
                .ends_with("ON DUPLICATE KEY UPDATE email = email")
        );
        assert!(
            mysql
                .users_with_role
                .starts_with("SELECT CONVERT(r.role USING utf8mb4) AS role"),
            "{}",
            mysql.users_with_role
        );
    }

    #[test]
    fn budget_hits_are_grouped_by_counter_and_numbered_in_order() {
        let budget = |key_hash: &str, limit: u64| {
            OwnedBudget::new(&CodeBudget {
                key: RateLimitKey {
                    bucket: "passwordless_code",
                    tenant_id: "public",
                    key_hash,
                },
                now_ms: 10,
                window_ms: 100,
                limit,
            })
        };
        let (b, a) = (budget("b", 2), budget("a", 1));
        let budgets = [Some(&b), None, Some(&a), Some(&b), Some(&b)];
        let (counted, slots) = group_budget_hits(&budgets);
        // Sorted by key, one entry per counter with its hits in this batch.
        let keys: Vec<(&str, u64)> = counted.iter().map(|c| (c.key.key_hash, c.hits)).collect();
        assert_eq!(keys, [("a", 1), ("b", 3)]);
        assert_eq!(
            slots,
            [Some((1, 1)), None, Some((0, 1)), Some((1, 2)), Some((1, 3))]
        );
        // `b` had 1 hit before this batch (4 after), `a` none (1 after).
        let counter = |hits| RateLimitRecord {
            hits,
            window_started_at_ms: 0,
            last_hit_at_ms: 10,
            expires_at_ms: 100,
        };
        let over = over_budget(&budgets, &slots, &counted, &[counter(1), counter(4)]);
        assert_eq!(
            over,
            [None, None, None, Some(counter(3)), Some(counter(4))],
            "b's hits are its 2nd, 3rd and 4th: only the 2nd is within its limit of 2"
        );
    }

    #[test]
    fn rate_limit_queries_per_dialect() {
        let pg = Queries::new(PG);
        assert!(
            pg.hit_windows_upsert
                .starts_with(" ON CONFLICT (bucket, key_hash, tenant_id) DO UPDATE"),
            "{}",
            pg.hit_windows_upsert
        );
        assert!(pg.hit_windows_upsert.ends_with(
            "RETURNING bucket, key_hash, tenant_id, hits, window_started_at, last_hit_at, expires_at"
        ));
        assert!(!pg.hit_windows_upsert.contains('$'));
        assert!(pg.lock_rate_limit.ends_with("FOR UPDATE"));
        assert!(
            pg.delete_expired_rate_limits
                .starts_with("DELETE FROM rate_limits WHERE (bucket, key_hash, tenant_id) IN")
        );
        let mysql = Queries::new(MYSQL);
        // MySQL assigns left to right: the conditions read `expires_at`, so it goes last.
        let hit = &mysql.hit_windows_upsert;
        let position = |needle: &str| hit.find(needle).unwrap_or(usize::MAX);
        assert!(
            position("hits = CASE") < position("expires_at = CASE"),
            "{hit}"
        );
        assert!(
            position("window_started_at = CASE") < position("expires_at = CASE"),
            "{hit}"
        );
        assert!(!hit.contains("RETURNING"));
        assert!(
            mysql
                .select_keyed_rate_limits
                .starts_with("SELECT CONVERT(bucket USING utf8mb4) AS bucket"),
            "{}",
            mysql.select_keyed_rate_limits
        );
        assert!(
            mysql
                .ensure_rate_limit_row
                .ends_with("ON DUPLICATE KEY UPDATE hits = hits")
        );
        assert!(mysql.delete_expired_rate_limits.ends_with("LIMIT ?"));
    }

    fn session_row(session_data: &str) -> SessionRow {
        SessionRow {
            session_handle: "h".to_owned(),
            user_id: "u".to_owned(),
            recipe_user_id: "u".to_owned(),
            tenant_id: "public".to_owned(),
            refresh_token_hash_2: "x".to_owned(),
            session_data: session_data.to_owned(),
            jwt_payload: "{}".to_owned(),
            expires_at: 1,
            created_at: 0,
            use_static_key: false,
        }
    }

    #[test]
    fn undecodable_rows_are_corrupt() {
        assert!(SessionRecord::try_from(session_row(r#"{"a":1}"#)).is_ok());
        assert!(matches!(
            SessionRecord::try_from(session_row("{not json")),
            Err(StorageError::Corrupt(_))
        ));
        let key = SigningKeyRow {
            kid: "k".to_owned(),
            kind: "weird".to_owned(),
            generation: 1,
            algorithm: "RS256".to_owned(),
            private_key_pem: String::new(),
            created_at: 0,
        };
        assert!(matches!(
            SigningKeyRecord::try_from(key),
            Err(StorageError::Corrupt(_))
        ));
    }

    #[test]
    fn lost_connections_are_unavailable() {
        assert!(matches!(
            map_err(sqlx::Error::PoolTimedOut),
            StorageError::Unavailable(_)
        ));
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(matches!(
            map_err(sqlx::Error::Io(io)),
            StorageError::Unavailable(_)
        ));
        assert!(matches!(
            map_err(sqlx::Error::RowNotFound),
            StorageError::Database(_)
        ));
        assert!(is_connection_failure(Some("08006")));
        assert!(is_connection_failure(Some("57P01")));
        assert!(!is_connection_failure(Some("23505")));
    }
}
