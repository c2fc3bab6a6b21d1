//! Settings of the engine, already validated and in their final units.

use std::time::Duration;

use supertokens_crypto::password::PasswordHashingPolicy;

/// Default of `passwordless_code_lifetime`: 15 minutes, as the Java core.
pub const DEFAULT_PASSWORDLESS_CODE_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// Default of `email_verification_token_lifetime`: one day, as the Java core.
pub const DEFAULT_EMAIL_VERIFICATION_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Default of `passwordless_max_code_input_attempts`, as the Java core.
pub const DEFAULT_PASSWORDLESS_MAX_CODE_INPUT_ATTEMPTS: u32 = 5;

/// Everything the engine needs to know about its configuration.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// Lifetime of access tokens (`access_token_validity`, seconds in the config file).
    pub access_token_validity: Duration,
    /// Lifetime of refresh tokens (`refresh_token_validity`, minutes in the config file).
    pub refresh_token_validity: Duration,
    /// Lifetime of password reset tokens (`password_reset_token_lifetime`, ms).
    pub password_reset_token_lifetime: Duration,
    /// Lifetime of email verification tokens (`email_verification_token_lifetime`, ms).
    pub email_verification_token_lifetime: Duration,
    /// How long a passwordless code stays valid (`passwordless_code_lifetime`, ms).
    pub passwordless_code_lifetime: Duration,
    /// Wrong or expired codes typed on one passwordless device before it is deleted
    /// (`passwordless_max_code_input_attempts`).
    pub passwordless_max_code_input_attempts: u32,
    /// How often a new dynamic signing key is made
    /// (`access_token_dynamic_signing_key_update_interval`, hours).
    pub signing_key_update_interval: Duration,
    /// Algorithm and parameters for new password hashes.
    pub password_hashing: PasswordHashingPolicy,
    /// How many password hashes may be computed at once; the rest queue.
    pub password_hashing_pool_size: usize,
    /// Background cleanup schedule.
    pub cleanup: CleanupConfig,
}

/// Schedule of the background cleanup of expired rows.
#[derive(Debug, Clone, Copy)]
pub struct CleanupConfig {
    /// Time between two runs.
    pub interval: Duration,
    /// Rows deleted per statement.
    pub batch_size: u32,
    /// Statements per table per run, so one run never holds the database for long.
    pub max_batches_per_run: u32,
}

impl Default for CleanupConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(3600),
            batch_size: 1000,
            max_batches_per_run: 100,
        }
    }
}

impl Default for CoreConfig {
    fn default() -> Self {
        Self {
            access_token_validity: Duration::from_secs(3600),
            refresh_token_validity: Duration::from_secs(144_000 * 60),
            password_reset_token_lifetime: Duration::from_secs(3600),
            email_verification_token_lifetime: DEFAULT_EMAIL_VERIFICATION_TOKEN_LIFETIME,
            passwordless_code_lifetime: DEFAULT_PASSWORDLESS_CODE_LIFETIME,
            passwordless_max_code_input_attempts: DEFAULT_PASSWORDLESS_MAX_CODE_INPUT_ATTEMPTS,
            signing_key_update_interval: Duration::from_secs(168 * 3600),
            password_hashing: PasswordHashingPolicy::owasp_default(),
            password_hashing_pool_size: default_hashing_pool_size(),
            cleanup: CleanupConfig::default(),
        }
    }
}

/// One hashing thread fewer than the machine has cores (at least one), so that a burst of
/// sign-ins always leaves a core for verify and refresh.
pub fn default_hashing_pool_size() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get().saturating_sub(1).max(1))
        .unwrap_or(1)
}
