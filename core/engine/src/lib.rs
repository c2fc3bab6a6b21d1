//! The domain services of the SuperTokens-compatible core, independent of HTTP.
//!
//! [`Core`] bundles the recipes (emailpassword, passwordless, email verification, user
//! metadata, user roles, sessions, JWT, multitenancy) of one app over that app's
//! [`Storage`]; [`apps::Apps`] holds the cores of every app of the process. Time comes from
//! an injected [`Clock`] and randomness from an injected [`RandomSource`], so expiry,
//! rotation and theft detection are tested without sleeping.

pub mod apps;
pub mod cleanup;
pub mod clock;
pub mod config;
pub mod emailpassword;
pub mod emailverification;
pub mod error;
pub mod input;
pub mod jwt;
pub mod keys;
pub mod multitenancy;
pub mod passwordless;
pub mod passwords;
pub mod ratelimit;
pub mod session;
pub mod telemetry;
pub mod usermetadata;
pub mod userroles;
pub mod users;

use std::sync::Arc;

use supertokens_crypto::aead::RefreshTokenCipher;
use supertokens_crypto::random::RandomSource;
pub use supertokens_storage::{Storage, StorageError};

pub use crate::apps::Apps;
pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::config::{CleanupConfig, CoreConfig, RateLimitConfig, TenantSettings};
pub use crate::error::{EngineError, Result};

/// Name under which the refresh-token key is kept in storage.
const REFRESH_TOKEN_KEY_SECRET: &str = "refresh_token_key_v1";

/// Every recipe of one app, ready to serve.
pub struct Core {
    /// The app (`public` unless built by [`Apps`]).
    pub app_id: String,
    /// Validated configuration: the process's with the app's overrides.
    pub config: CoreConfig,
    /// The app's configuration overrides (`coreConfig`), as given; empty for `public`.
    pub overrides: serde_json::Map<String, serde_json::Value>,
    /// The storage backend.
    pub storage: Arc<dyn Storage>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Users across recipes.
    pub users: users::Users,
    /// The emailpassword recipe.
    pub emailpassword: emailpassword::EmailPassword,
    /// The passwordless recipe.
    pub passwordless: passwordless::Passwordless,
    /// The email verification recipe.
    pub emailverification: emailverification::EmailVerification,
    /// The user metadata recipe.
    pub usermetadata: usermetadata::UserMetadata,
    /// The user roles recipe.
    pub userroles: userroles::UserRoles,
    /// The session recipe.
    pub sessions: session::Sessions,
    /// The JWT recipe.
    pub jwts: jwt::Jwts,
    /// The app's tenants, the settings in force for each, and their users.
    pub tenants: Arc<multitenancy::Tenants>,
    /// Signing keys.
    pub keys: Arc<keys::SigningKeys>,
    /// The password hashing pool.
    pub hasher: Arc<passwords::PasswordHasher>,
    /// Rate limits by account.
    pub rate_limits: Arc<ratelimit::RateLimits>,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("app_id", &self.app_id)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Core {
    /// Builds the public app's core with a password hashing pool of its own: loads (or
    /// creates) the refresh-token key shared through storage. Signing keys are loaded or made
    /// on first use (and by [`Core::spawn_cleanup`] at once), so that a fresh start does not
    /// wait for RSA key generation.
    pub async fn new(
        storage: Arc<dyn Storage>,
        config: CoreConfig,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
    ) -> Result<Self> {
        let hasher = Arc::new(passwords::PasswordHasher::new(
            config.password_hashing,
            config.password_hashing_pool_size,
            Arc::clone(&rng),
        )?);
        Self::with_parts(CoreParts {
            app_id: multitenancy::PUBLIC.to_owned(),
            storage,
            config,
            overrides: serde_json::Map::new(),
            clock,
            rng,
            hasher,
        })
        .await
    }

    /// Builds a core from its parts (an app's, with a hasher that may be shared).
    pub async fn with_parts(parts: CoreParts) -> Result<Self> {
        let CoreParts {
            app_id,
            storage,
            config,
            overrides,
            clock,
            rng,
            hasher,
        } = parts;
        let candidate = RefreshTokenCipher::generate_key(rng.as_ref());
        let key = storage
            .get_or_insert_secret(REFRESH_TOKEN_KEY_SECRET, &candidate)
            .await?;
        let cipher = RefreshTokenCipher::from_hex_key(&key)?;
        let rate_limits = Arc::new(ratelimit::RateLimits::new(
            Arc::clone(&storage),
            Arc::clone(&clock),
            config.rate_limits,
            load_account_key(storage.as_ref(), rng.as_ref()).await?,
        ));
        let keys = Arc::new(keys::SigningKeys::new(
            Arc::clone(&storage),
            Arc::clone(&rng),
            config.signing_key_update_interval,
            config.access_token_validity,
        ));
        let tenants = Arc::new(multitenancy::Tenants::new(
            Arc::clone(&storage),
            Arc::clone(&clock),
            config.tenant_settings(),
        ));
        Ok(Self {
            users: users::Users::new(Arc::clone(&storage)),
            emailpassword: emailpassword::EmailPassword::new(
                Arc::clone(&storage),
                Arc::clone(&hasher),
                Arc::clone(&clock),
                Arc::clone(&rng),
                Arc::clone(&tenants),
                Arc::clone(&rate_limits),
            ),
            passwordless: passwordless::Passwordless::new(
                Arc::clone(&storage),
                Arc::clone(&clock),
                Arc::clone(&rng),
                Arc::clone(&tenants),
                Arc::clone(&rate_limits),
            ),
            emailverification: emailverification::EmailVerification::new(
                Arc::clone(&storage),
                Arc::clone(&clock),
                Arc::clone(&rng),
                Arc::clone(&tenants),
            ),
            usermetadata: usermetadata::UserMetadata::new(Arc::clone(&storage)),
            userroles: userroles::UserRoles::new(Arc::clone(&storage)),
            sessions: session::Sessions::new(
                Arc::clone(&storage),
                Arc::clone(&keys),
                cipher,
                Arc::clone(&clock),
                rng,
                config.access_token_validity,
                config.refresh_token_validity,
            ),
            jwts: jwt::Jwts::new(Arc::clone(&keys), Arc::clone(&clock)),
            tenants,
            keys,
            hasher,
            rate_limits,
            app_id,
            config,
            overrides,
            storage,
            clock,
        })
    }
}

/// The key of the rate limits' account hashes, made on first use and shared through storage
/// by every core of the database.
async fn load_account_key(
    storage: &dyn Storage,
    rng: &dyn RandomSource,
) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let candidate = zeroize::Zeroizing::new(hex::encode(supertokens_crypto::random::random_bytes(
        rng,
        ratelimit::ACCOUNT_KEY_BYTES,
    )));
    let stored = zeroize::Zeroizing::new(
        storage
            .get_or_insert_secret(ratelimit::ACCOUNT_KEY_SECRET, &candidate)
            .await?,
    );
    hex::decode(stored.as_str())
        .ok()
        .filter(|key| key.len() == ratelimit::ACCOUNT_KEY_BYTES)
        .map(zeroize::Zeroizing::new)
        .ok_or_else(|| {
            EngineError::Storage(StorageError::Corrupt(format!(
                "the stored secret {} is not {} hex-encoded bytes",
                ratelimit::ACCOUNT_KEY_SECRET,
                ratelimit::ACCOUNT_KEY_BYTES
            )))
        })
}

/// What [`Core::with_parts`] builds a core from.
pub struct CoreParts {
    /// The app.
    pub app_id: String,
    /// The app's storage.
    pub storage: Arc<dyn Storage>,
    /// The configuration in force (overrides applied).
    pub config: CoreConfig,
    /// The app's overrides, as given.
    pub overrides: serde_json::Map<String, serde_json::Value>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Randomness.
    pub rng: Arc<dyn RandomSource>,
    /// Password hashing with the configuration's policy.
    pub hasher: Arc<passwords::PasswordHasher>,
}

impl std::fmt::Debug for CoreParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreParts")
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}
