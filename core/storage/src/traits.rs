//! The storage contract of the core. Every backend implements [`Storage`]; the conformance
//! suite in `tests/conformance.rs` runs the same tests against each.
//!
//! Operations that must be atomic (a user with its unique email, consuming a reset token,
//! rotating a refresh token) are single calls here, so that each backend makes them atomic
//! in its own way (a transaction, a conditional `UPDATE`), and the engine never holds a
//! transaction across an await point of its own.

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::error::Result;
use crate::model::{
    AddUserRoleOutcome, AddUserToTenantOutcome, AppRecord, CodeAttempt, CodeAttemptOutcome,
    CodeBudget, ContactUpdate, EmailVerificationTokenRecord, InsertCodeOutcome, InsertUserOutcome,
    ListUsersQuery, PasswordResetTokenRecord, PasswordlessCodeRecord, PasswordlessDeviceRecord,
    RateLimitKey, RateLimitRecord, RateLimitUpdate, RemoveUserRoleOutcome, SessionRecord,
    SigningKeyKind, SigningKeyRecord, TenantRecord, UpdateContactOutcome, UpdateEmailOutcome,
    UseVerificationTokenOutcome, UserRecord,
};

/// Users of every recipe. A user belongs to any number of tenants (see
/// [`TenantStore::add_user_to_tenant`]); among the users of one recipe in one tenant, emails
/// and phone numbers are unique. Lookups by email or phone number in a tenant find only the
/// users in that tenant.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Stores a new user in its `tenant_ids` (duplicates ignored), atomically.
    async fn insert_user(&self, user: &UserRecord) -> Result<InsertUserOutcome>;
    /// The user with this id, of any recipe.
    async fn user_by_id(&self, user_id: &str) -> Result<Option<UserRecord>>;
    /// The id and password hash of the user of `recipe_id` in `tenant_id` with this
    /// (normalised) email, for checking a password. One query that reads a row whether or
    /// not the email is known (a row of NULLs then), so that an unknown email costs the
    /// storage about what a known one does. `None` also for a user without a hash.
    async fn password_hash_by_email(
        &self,
        tenant_id: &str,
        recipe_id: &str,
        email: &str,
    ) -> Result<Option<(String, String)>>;
    /// The user of `recipe_id` in `tenant_id` with this (normalised) email.
    async fn user_by_email(
        &self,
        tenant_id: &str,
        recipe_id: &str,
        email: &str,
    ) -> Result<Option<UserRecord>>;
    /// Users of every recipe in `tenant_id` with this email, oldest first.
    async fn users_by_email(&self, tenant_id: &str, email: &str) -> Result<Vec<UserRecord>>;
    /// Users of every recipe in `tenant_id` with this phone number, oldest first.
    async fn users_by_phone_number(
        &self,
        tenant_id: &str,
        phone_number: &str,
    ) -> Result<Vec<UserRecord>>;
    /// Changes a user's email, keeping it unique in each of the user's tenants (per recipe).
    async fn update_user_email(&self, user_id: &str, email: &str) -> Result<UpdateEmailOutcome>;
    /// Replaces a user's password hash. Returns false when no user has this id.
    async fn update_password_hash(&self, user_id: &str, password_hash: &str) -> Result<bool>;
    /// Deletes a user together with everything kept under its id: sessions, password reset
    /// tokens, email verification tokens (of every tenant) and verified emails, metadata and
    /// role assignments (of every tenant), and its tenant memberships. These go even when no
    /// user row has the id (ids
    /// of the non-auth recipes are free-form, and a retried delete cleans up fully).
    /// Returns false when no user had this id.
    async fn delete_user(&self, user_id: &str) -> Result<bool>;
    /// A page of users; see [`ListUsersQuery`].
    async fn list_users(&self, query: &ListUsersQuery) -> Result<Vec<UserRecord>>;
    /// How many users match the tenant (`None` = all) and recipes (empty = all).
    async fn count_users(&self, tenant_id: Option<&str>, recipe_ids: &[String]) -> Result<u64>;
}

/// The tenants of an app (other than the defaults of `public`, which always exists) and the
/// users in them.
#[async_trait]
pub trait TenantStore: Send + Sync {
    /// Every stored tenant, by id.
    async fn tenants(&self) -> Result<Vec<TenantRecord>>;
    /// The stored tenant with this id.
    async fn tenant(&self, tenant_id: &str) -> Result<Option<TenantRecord>>;
    /// Stores a new tenant; false (and nothing changed) when one with this id exists.
    async fn insert_tenant(&self, tenant: &TenantRecord) -> Result<bool>;
    /// Replaces a tenant's factors and configuration (not its creation time); false when
    /// there is no such tenant.
    async fn update_tenant(&self, tenant: &TenantRecord) -> Result<bool>;
    /// Deletes a tenant with everything kept under it, in one transaction: its sessions,
    /// email verification tokens, role assignments, passwordless devices and codes,
    /// rate-limit counters, and its users' memberships (the users stay in the app, in their other tenants or in none).
    /// Returns whether the tenant was stored.
    async fn delete_tenant(&self, tenant_id: &str) -> Result<bool>;
    /// Adds an existing user to a tenant, keeping emails and phone numbers unique in the
    /// tenant (per recipe). The tenant is not checked: callers check it exists.
    async fn add_user_to_tenant(
        &self,
        tenant_id: &str,
        user_id: &str,
    ) -> Result<AddUserToTenantOutcome>;
    /// Takes a user out of a tenant together with what the user id has in that tenant
    /// (sessions, email verification tokens, role assignments), in one transaction; the user
    /// stays in the app. The id may be free-form (a user of a non-auth recipe). Returns
    /// whether anything was removed.
    async fn remove_user_from_tenant(&self, tenant_id: &str, user_id: &str) -> Result<bool>;
}

/// The list of apps, kept in the public app's storage.
#[async_trait]
pub trait AppRegistryStore: Send + Sync {
    /// Every app other than `public`, by id.
    async fn apps(&self) -> Result<Vec<AppRecord>>;
    /// The app with this id.
    async fn app(&self, app_id: &str) -> Result<Option<AppRecord>>;
    /// Stores a new app; false (and nothing changed) when one with this id exists.
    async fn insert_app(&self, app: &AppRecord) -> Result<bool>;
    /// Replaces an app's configuration overrides; false when there is no such app.
    async fn update_app(&self, app: &AppRecord) -> Result<bool>;
    /// Removes an app from the list; false when it was not listed.
    async fn delete_app(&self, app_id: &str) -> Result<bool>;
}

/// Password reset tokens of the emailpassword recipe.
#[async_trait]
pub trait PasswordResetStore: Send + Sync {
    /// Stores a token (already hashed).
    async fn insert_password_reset_token(&self, token: &PasswordResetTokenRecord) -> Result<()>;
    /// Atomically takes the token with this hash and deletes every token of its user.
    /// Returns the token as it was stored (the caller checks its expiry), or `None`.
    async fn consume_password_reset_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<PasswordResetTokenRecord>>;
    /// Deletes up to `limit` tokens that expired before `now_ms`; returns how many.
    async fn delete_expired_password_reset_tokens(&self, now_ms: i64, limit: u32) -> Result<u64>;
}

/// Devices and codes of the passwordless recipe. Every lookup is scoped to a tenant.
#[async_trait]
pub trait PasswordlessStore: Send + Sync {
    /// Stores a new device with its first code, both or neither. With a `budget`, the code
    /// is first counted against it in the same transaction; past its limit the hit stays
    /// counted and nothing else is stored ([`InsertCodeOutcome::OverBudget`]).
    async fn insert_passwordless_device(
        &self,
        device: &PasswordlessDeviceRecord,
        code: &PasswordlessCodeRecord,
        budget: Option<&CodeBudget<'_>>,
    ) -> Result<InsertCodeOutcome>;
    /// Adds a code to an existing device of the tenant, counted against `budget` as for
    /// [`PasswordlessStore::insert_passwordless_device`] (an unknown device counts no hit).
    async fn insert_passwordless_code(
        &self,
        tenant_id: &str,
        code: &PasswordlessCodeRecord,
        budget: Option<&CodeBudget<'_>>,
    ) -> Result<InsertCodeOutcome>;
    /// The device with this id hash.
    async fn passwordless_device(
        &self,
        tenant_id: &str,
        device_id_hash: &str,
    ) -> Result<Option<PasswordlessDeviceRecord>>;
    /// Devices for this (normalised) email, ordered by id hash.
    async fn passwordless_devices_by_email(
        &self,
        tenant_id: &str,
        email: &str,
    ) -> Result<Vec<PasswordlessDeviceRecord>>;
    /// Devices for this phone number, ordered by id hash.
    async fn passwordless_devices_by_phone_number(
        &self,
        tenant_id: &str,
        phone_number: &str,
    ) -> Result<Vec<PasswordlessDeviceRecord>>;
    /// Codes of a device of the tenant, oldest first (ties by code id).
    async fn passwordless_codes_of_device(
        &self,
        tenant_id: &str,
        device_id_hash: &str,
    ) -> Result<Vec<PasswordlessCodeRecord>>;
    /// The code with this link code hash, on a device of the tenant.
    async fn passwordless_code_by_link_code_hash(
        &self,
        tenant_id: &str,
        link_code_hash: &str,
    ) -> Result<Option<PasswordlessCodeRecord>>;
    /// The code with this id, on a device of the tenant.
    async fn passwordless_code(
        &self,
        tenant_id: &str,
        code_id: &str,
    ) -> Result<Option<PasswordlessCodeRecord>>;
    /// Checks a code against its device and applies the outcome, atomically, with the
    /// device locked (so that concurrent attempts on one device are serialised):
    ///
    /// 1. no device ⇒ `RestartFlow`;
    /// 2. `failed_attempts ≥ max_attempts` ⇒ delete the device, `RestartFlow`;
    /// 3. the code (by link code hash, on this device) is missing or created before
    ///    `expired_before_ms`:
    ///    * typed: if `failed_attempts + 1 ≥ max_attempts` delete the device and
    ///      `RestartFlow`; else raise the count and return `ExpiredCode` (the code exists)
    ///      or `IncorrectCode`;
    ///    * link ⇒ `RestartFlow`;
    /// 4. otherwise `Accepted`, after deleting every device (and code) of the device's email
    ///    or phone number in the tenant when `consume` is set; with a `new_user` too,
    ///    `Consumed` after signing the contact in or up in the same transaction (see
    ///    [`CodeAttempt::new_user`]), or `NewUserIdTaken` with nothing changed.
    async fn attempt_passwordless_code(
        &self,
        attempt: &CodeAttempt<'_>,
    ) -> Result<CodeAttemptOutcome>;
    /// Deletes a code; the device goes too when this was its last code. False if no such code.
    async fn delete_passwordless_code(&self, tenant_id: &str, code_id: &str) -> Result<bool>;
    /// Deletes a device with its codes. False if no such device.
    async fn delete_passwordless_device(
        &self,
        tenant_id: &str,
        device_id_hash: &str,
    ) -> Result<bool>;
    /// Deletes every device (with codes) of this email; returns how many devices.
    async fn delete_passwordless_devices_by_email(
        &self,
        tenant_id: &str,
        email: &str,
    ) -> Result<u64>;
    /// Deletes every device (with codes) of this phone number; returns how many devices.
    async fn delete_passwordless_devices_by_phone_number(
        &self,
        tenant_id: &str,
        phone_number: &str,
    ) -> Result<u64>;
    /// Changes a passwordless user's email and/or phone number (each unique per tenant among
    /// passwordless users) and, in the same transaction, deletes the devices of the old and
    /// the new values that changed.
    async fn update_passwordless_contact(
        &self,
        update: &ContactUpdate<'_>,
    ) -> Result<UpdateContactOutcome>;
    /// Deletes up to `limit` devices whose newest code was created before `before_ms`, with
    /// their codes; returns how many devices.
    async fn delete_expired_passwordless_devices(&self, before_ms: i64, limit: u32) -> Result<u64>;
}

/// Sessions (refresh-token state).
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session.
    async fn insert_session(&self, session: &SessionRecord) -> Result<()>;
    /// The session with this handle, expired or not.
    async fn session(&self, session_handle: &str) -> Result<Option<SessionRecord>>;
    /// Compare-and-swap of the refresh token hash: when the stored hash equals
    /// `expected_hash_2`, stores `new_hash_2` and `new_expires_at_ms` and returns true;
    /// otherwise changes nothing and returns false.
    async fn swap_refresh_token_hash(
        &self,
        session_handle: &str,
        expected_hash_2: &str,
        new_hash_2: &str,
        new_expires_at_ms: i64,
    ) -> Result<bool>;
    /// Sets whether the session's access tokens use the static key. False if no such session.
    async fn set_use_static_key(&self, session_handle: &str, use_static_key: bool) -> Result<bool>;
    /// Replaces `userDataInDatabase`. False if no such session.
    async fn update_session_data(&self, session_handle: &str, data: &Value) -> Result<bool>;
    /// Replaces `userDataInJWT`. False if no such session.
    async fn update_jwt_payload(&self, session_handle: &str, payload: &Value) -> Result<bool>;
    /// Deletes these sessions; returns the handles that existed.
    async fn delete_sessions(&self, session_handles: &[String]) -> Result<Vec<String>>;
    /// Deletes every session of a user (of one tenant, or all when `None`); returns their handles.
    async fn delete_sessions_of_user(
        &self,
        user_id: &str,
        tenant_id: Option<&str>,
    ) -> Result<Vec<String>>;
    /// Handles of a user's sessions that have not expired at `now_ms` (one tenant or all).
    async fn session_handles_of_user(
        &self,
        user_id: &str,
        tenant_id: Option<&str>,
        now_ms: i64,
    ) -> Result<Vec<String>>;
    /// Deletes up to `limit` sessions whose refresh token expired before `now_ms`; returns how many.
    async fn delete_expired_sessions(&self, now_ms: i64, limit: u32) -> Result<u64>;
}

/// Access-token signing keys.
#[async_trait]
pub trait SigningKeyStore: Send + Sync {
    /// Every stored key of this kind, newest (highest generation) first.
    async fn signing_keys(&self, kind: SigningKeyKind) -> Result<Vec<SigningKeyRecord>>;
    /// Stores a key unless one of the same kind and generation exists. Returns true if stored,
    /// false if another core won the race (the caller then re-reads the keys).
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> Result<bool>;
    /// Deletes up to `limit` keys of this kind created before `before_ms`; returns how many.
    async fn delete_signing_keys_created_before(
        &self,
        kind: SigningKeyKind,
        before_ms: i64,
        limit: u32,
    ) -> Result<u64>;
}

/// Process-wide secrets shared by every core on the same database (e.g. the refresh-token key).
#[async_trait]
pub trait SecretStore: Send + Sync {
    /// Stores `candidate` under `name` unless a value is there already, then returns the
    /// stored value. Racing callers all get the same value.
    async fn get_or_insert_secret(&self, name: &str, candidate: &str) -> Result<String>;
}

/// Email verification: tokens (per tenant) and verified `(user id, email)` pairs (per app).
/// User ids are free-form and emails are stored as given (the caller normalises them).
#[async_trait]
pub trait EmailVerificationStore: Send + Sync {
    /// Stores a token (already hashed).
    async fn insert_email_verification_token(
        &self,
        token: &EmailVerificationTokenRecord,
    ) -> Result<()>;
    /// Uses the token with this hash in the tenant, atomically and at most once: deletes
    /// every token of its `(user, email)` pair in the tenant and, when the token has not
    /// expired (`expires_at_ms > now_ms`), marks the pair verified. Tokens of the pair are
    /// locked in hash order, so concurrent uses queue and only the first one finds a token.
    async fn use_email_verification_token(
        &self,
        tenant_id: &str,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<UseVerificationTokenOutcome>;
    /// Deletes every token of a pair in the tenant; returns how many.
    async fn delete_email_verification_tokens(
        &self,
        tenant_id: &str,
        user_id: &str,
        email: &str,
    ) -> Result<u64>;
    /// Whether the pair is verified.
    async fn is_email_verified(&self, user_id: &str, email: &str) -> Result<bool>;
    /// Marks the pair verified (`true`, idempotent) or unverified (`false`).
    async fn set_email_verified(&self, user_id: &str, email: &str, verified: bool) -> Result<()>;
    /// The verified `(user id, email)` pairs of these users, in one query per 500 ids,
    /// ordered by user id then email.
    async fn verified_emails_of_users(&self, user_ids: &[String]) -> Result<Vec<(String, String)>>;
    /// Deletes up to `limit` tokens that expired before `now_ms`; returns how many.
    async fn delete_expired_email_verification_tokens(
        &self,
        now_ms: i64,
        limit: u32,
    ) -> Result<u64>;
}

/// One JSON object of metadata per (free-form) user id.
#[async_trait]
pub trait UserMetadataStore: Send + Sync {
    /// The user's metadata; `None` when it has none.
    async fn user_metadata(&self, user_id: &str) -> Result<Option<Map<String, Value>>>;
    /// Merges `update` into the stored object (an empty one when there is none) and returns
    /// the result: each top-level key of `update` replaces the stored one (nested objects
    /// are replaced, not merged) and a `null` value removes the key. The read, merge and
    /// write happen in one transaction with the row locked, so concurrent updates of
    /// different keys all survive. An empty result removes the row.
    async fn update_user_metadata(
        &self,
        user_id: &str,
        update: &Map<String, Value>,
    ) -> Result<Map<String, Value>>;
    /// Removes the user's metadata; false when it had none.
    async fn delete_user_metadata(&self, user_id: &str) -> Result<bool>;
}

/// Roles with their permissions (per app) and the roles of users (per tenant). Every list
/// comes sorted byte-wise. An assignment never outlives its role: removing a role removes
/// its permissions and assignments, and assigning a role that is being removed either
/// happens before the removal (and is removed with it) or fails with `UnknownRole`.
#[async_trait]
pub trait UserRolesStore: Send + Sync {
    /// Creates the role unless it exists, and adds these permissions to it (existing ones
    /// are kept), in one transaction. Returns whether the role was created.
    async fn create_role(&self, role: &str, permissions: &[String]) -> Result<bool>;
    /// Removes a role with its permissions and every user's assignment of it. Returns
    /// whether it existed.
    async fn delete_role(&self, role: &str) -> Result<bool>;
    /// Every role.
    async fn roles(&self) -> Result<Vec<String>>;
    /// The role's permissions; `None` when there is no such role.
    async fn role_permissions(&self, role: &str) -> Result<Option<Vec<String>>>;
    /// Removes these permissions from the role (all of them when `None`). Returns false
    /// when there is no such role.
    async fn delete_role_permissions(
        &self,
        role: &str,
        permissions: Option<&[String]>,
    ) -> Result<bool>;
    /// The roles that have this permission.
    async fn roles_with_permission(&self, permission: &str) -> Result<Vec<String>>;
    /// Gives a user a role in a tenant.
    async fn add_user_role(
        &self,
        tenant_id: &str,
        user_id: &str,
        role: &str,
    ) -> Result<AddUserRoleOutcome>;
    /// Takes a role from a user in a tenant.
    async fn remove_user_role(
        &self,
        tenant_id: &str,
        user_id: &str,
        role: &str,
    ) -> Result<RemoveUserRoleOutcome>;
    /// The user's roles in a tenant.
    async fn roles_of_user(&self, tenant_id: &str, user_id: &str) -> Result<Vec<String>>;
    /// The users who have the role in a tenant; `None` when there is no such role.
    async fn users_with_role(&self, tenant_id: &str, role: &str) -> Result<Option<Vec<String>>>;
}

/// Rate-limit counters, shared by every core on the database (see the engine's `ratelimit`
/// module for what they count).
#[async_trait]
pub trait RateLimitStore: Send + Sync {
    /// Reads the counter (locked, so that concurrent updates of one counter queue and none is
    /// lost; [`RateLimitRecord::EMPTY`] when there is none) and writes what `update` makes of
    /// it, in one transaction. Returns the state `update` was given, so that the caller can
    /// tell what it decided.
    async fn update_rate_limit(
        &self,
        key: &RateLimitKey<'_>,
        update: &RateLimitUpdate<'_>,
    ) -> Result<RateLimitRecord>;
    /// Counts one hit of a fixed-window counter at `now_ms`, atomically, in one statement
    /// where the backend can: when no window is open (no counter, or its `expires_at_ms` is
    /// not after `now_ms`) a window opens (`hits` 1, `window_started_at_ms` now,
    /// `expires_at_ms` now + `window_ms`); otherwise `hits` grows by one (past any limit:
    /// the caller compares). `last_hit_at_ms` becomes now. Returns the counter after the
    /// hit, so that concurrent hits each see a different count.
    async fn hit_rate_limit_window(
        &self,
        key: &RateLimitKey<'_>,
        now_ms: i64,
        window_ms: i64,
    ) -> Result<RateLimitRecord>;
    /// The counter as stored, without locking it ([`RateLimitRecord::EMPTY`] when there is
    /// none).
    async fn rate_limit(&self, key: &RateLimitKey<'_>) -> Result<RateLimitRecord>;
    /// Deletes the counters of `bucket` for this account hash: in one tenant, or in every
    /// tenant when `tenant_id` is `None`. Returns how many.
    async fn delete_rate_limits(
        &self,
        bucket: &str,
        key_hash: &str,
        tenant_id: Option<&str>,
    ) -> Result<u64>;
    /// Deletes up to `limit` counters that expired before `now_ms`; returns how many.
    async fn delete_expired_rate_limits(&self, now_ms: i64, limit: u32) -> Result<u64>;
}

/// Everything the core stores, behind one object.
#[async_trait]
pub trait Storage:
    UserStore
    + PasswordResetStore
    + PasswordlessStore
    + EmailVerificationStore
    + UserMetadataStore
    + UserRolesStore
    + SessionStore
    + SigningKeyStore
    + SecretStore
    + TenantStore
    + AppRegistryStore
    + RateLimitStore
    + Send
    + Sync
{
    /// Backend name for logs: `sqlite`, `postgres` or `mysql`.
    fn backend(&self) -> &'static str;
    /// Round-trips to the database; fails while it is unreachable.
    async fn ping(&self) -> Result<()>;
    /// Closes the connections: later calls fail with [`crate::StorageError::Unavailable`].
    async fn close(&self);
    /// The connection pool's use right now, for metrics; `None` when there is no pool.
    fn pool_stats(&self) -> Option<PoolStats> {
        None
    }
}

/// Use of a connection pool at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Open connections not in use.
    pub idle: u32,
    /// Open connections lent to a query or transaction.
    pub in_use: u32,
    /// Most connections the pool may open.
    pub max: u32,
}
