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
    /// Limits by account on sign-in, sign-up, password reset and passwordless codes (see
    /// [`crate::ratelimit`]).
    pub rate_limits: RateLimitConfig,
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
            rate_limits: RateLimitConfig::default(),
        }
    }
}

/// Limits by account, counted in the app's database so that every core sharing it agrees
/// (see [`crate::ratelimit`] for how they work and why they cannot lock a user out for good).
/// Every limit counts attempts whether or not the account exists, so its answers do not
/// reveal which accounts exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Master switch (`rate_limits_enabled`); when off, nothing is counted or refused.
    pub enabled: bool,
    /// Progressive delay after failed sign-ins of one email.
    pub sign_in: SignInBackoff,
    /// Sign-up attempts per email (`sign_up_per_email_limit`, `sign_up_per_email_window_ms`).
    pub sign_up_per_email: WindowLimit,
    /// Password reset tokens requested per user (`password_reset_per_user_limit`,
    /// `password_reset_per_user_window_ms`).
    pub password_reset_per_user: WindowLimit,
    /// Passwordless codes created per email or phone number, new devices and resends alike
    /// (`passwordless_codes_per_contact_limit`, `passwordless_codes_per_contact_window_ms`).
    pub passwordless_codes_per_contact: WindowLimit,
}

impl RateLimitConfig {
    /// Every limit off: for tests that exercise other behaviour at volume.
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            sign_in: SignInBackoff::default(),
            sign_up_per_email: WindowLimit {
                limit: 10,
                window: Duration::from_secs(10 * 60),
            },
            password_reset_per_user: WindowLimit {
                limit: 5,
                window: Duration::from_secs(3600),
            },
            passwordless_codes_per_contact: WindowLimit {
                limit: 10,
                window: Duration::from_secs(3600),
            },
        }
    }
}

/// At most `limit` attempts per `window`. The window opens at the first attempt counted and
/// lasts `window`; when it has passed the count starts over (a fixed window anchored at the
/// first attempt, so at most `2 × limit` attempts fit in any span of one window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowLimit {
    /// Attempts allowed per window (at least 1).
    pub limit: u32,
    /// Length of the window.
    pub window: Duration,
}

/// The progressive delay of sign-ins of one email. The first `free_failures` failures are
/// free; after `n ≥ free_failures` failures, the next attempt is allowed only once
/// `base_delay × 2^(n − free_failures)` (at most `max_delay`) has passed since the last one.
/// Failures are forgotten `failure_memory` after the last one, after a successful sign-in,
/// and after a password reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInBackoff {
    /// Failures without delay (`sign_in_free_failures`, default 5).
    pub free_failures: u32,
    /// Delay after the first failure past the free ones (`sign_in_base_delay_ms`, 1 s).
    pub base_delay: Duration,
    /// Longest delay (`sign_in_max_delay_ms`, 15 minutes).
    pub max_delay: Duration,
    /// How long failures are remembered after the last one (`sign_in_failure_memory_ms`,
    /// one hour).
    pub failure_memory: Duration,
}

impl Default for SignInBackoff {
    fn default() -> Self {
        Self {
            free_failures: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(15 * 60),
            failure_memory: Duration::from_secs(3600),
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

/// Bounds of the configuration values, shared by the config file and the per-app overrides.
pub mod limits {
    /// Longest `access_token_validity`, in seconds.
    pub const MAX_ACCESS_TOKEN_VALIDITY_SECONDS: u64 = 86_400_000;
    /// Longest `refresh_token_validity`, in minutes (100 years).
    pub const MAX_REFRESH_TOKEN_VALIDITY_MINUTES: f64 = 52_560_000.0;
    /// Longest token and code lifetime, in milliseconds (100 years).
    pub const MAX_LIFETIME_MS: u64 = 3_153_600_000_000;
    /// Most `passwordless_max_code_input_attempts`.
    pub const MAX_PASSWORDLESS_CODE_INPUT_ATTEMPTS: u32 = 1000;
    /// Longest `access_token_dynamic_signing_key_update_interval`, in hours (100 years).
    pub const MAX_SIGNING_KEY_INTERVAL_HOURS: f64 = 876_000.0;
    /// Most attempts a rate limit allows per window, and most free sign-in failures.
    pub const MAX_RATE_LIMIT: u32 = 1_000_000;
}

/// Keys an app may override in its `coreConfig` (the configuration of its public tenant).
/// The others (ports, database, pools, cleanup) are the process's.
/// `access_token_signing_key_update_interval` is the Java core's older name of
/// `access_token_dynamic_signing_key_update_interval` (SDK test suites still send it).
/// `access_token_blacklisting` and `access_token_signing_key_dynamic` are accepted as
/// booleans and change nothing: as in the Java core, they only mattered before CDI 2.19
/// (requests now say `checkDatabase` and `useDynamicSigningKey` themselves).
pub const APP_CONFIG_KEYS: &[&str] = &[
    "access_token_validity",
    "refresh_token_validity",
    "access_token_dynamic_signing_key_update_interval",
    "access_token_signing_key_update_interval",
    "access_token_blacklisting",
    "access_token_signing_key_dynamic",
    "password_hashing_alg",
    "argon2_iterations",
    "argon2_memory_kb",
    "argon2_parallelism",
    "bcrypt_log_rounds",
    "password_reset_token_lifetime",
    "email_verification_token_lifetime",
    "passwordless_code_lifetime",
    "passwordless_max_code_input_attempts",
];

/// Keys a tenant other than `public` may set in its `coreConfig`, as in the Java core (the
/// other app keys apply to the whole app). They apply to requests addressed to that tenant,
/// over the app's values (base config → app overrides → tenant overrides); see
/// [`TenantSettings`].
pub const TENANT_CONFIG_KEYS: &[&str] = &[
    "password_reset_token_lifetime",
    "email_verification_token_lifetime",
    "passwordless_code_lifetime",
    "passwordless_max_code_input_attempts",
];

/// A number from an override: a JSON number, or a string holding one.
fn number(key: &str, value: &serde_json::Value) -> std::result::Result<f64, String> {
    let parsed = match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    parsed
        .filter(|n| n.is_finite())
        .ok_or_else(|| format!("{key} must be a number, got {value}"))
}

/// A whole number within `min..=max`.
fn whole(
    key: &str,
    value: &serde_json::Value,
    min: u64,
    max: u64,
) -> std::result::Result<u64, String> {
    let n = number(key, value)?;
    if n.fract() != 0.0 || n < min as f64 || n > max as f64 {
        return Err(format!(
            "{key} must be a whole number between {min} and {max}, got {value}"
        ));
    }
    // In range and whole, so the conversion is exact.
    Ok(n as u64)
}

/// A number above zero and at most `max`.
fn positive(key: &str, value: &serde_json::Value, max: f64) -> std::result::Result<f64, String> {
    let n = number(key, value)?;
    if n <= 0.0 || n > max {
        return Err(format!(
            "{key} must be greater than 0 and at most {max}, got {value}"
        ));
    }
    Ok(n)
}

fn as_u32(key: &str, n: u64) -> std::result::Result<u32, String> {
    u32::try_from(n).map_err(|_| format!("{key} is too large: {n}"))
}

/// Refuses keys outside `allowed`, naming them and the accepted ones.
fn check_keys(
    overrides: &serde_json::Map<String, serde_json::Value>,
    allowed: &[&str],
    what: &str,
) -> std::result::Result<(), String> {
    let mut unknown: Vec<&str> = overrides
        .keys()
        .map(String::as_str)
        .filter(|key| !allowed.contains(key))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    unknown.sort_unstable();
    Err(format!(
        "{} cannot be set {what}; the keys that can are: {}",
        unknown.join(", "),
        allowed.join(", ")
    ))
}

/// The settings a tenant may override ([`TENANT_CONFIG_KEYS`]): what is in force for requests
/// addressed to one tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantSettings {
    /// Lifetime of password reset tokens made in the tenant.
    pub password_reset_token_lifetime: Duration,
    /// Lifetime of email verification tokens made in the tenant.
    pub email_verification_token_lifetime: Duration,
    /// How long a passwordless code of the tenant stays valid.
    pub passwordless_code_lifetime: Duration,
    /// Wrong or expired codes typed on one passwordless device of the tenant before it is
    /// deleted (at least 1).
    pub passwordless_max_code_input_attempts: u32,
}

impl TenantSettings {
    /// These settings with a tenant's `coreConfig` applied (`null` values keep the setting).
    /// Every key must be one of [`TENANT_CONFIG_KEYS`] with a valid value, in the config
    /// file's units; the error names the key and what to fix.
    pub fn with_overrides(
        &self,
        overrides: &serde_json::Map<String, serde_json::Value>,
    ) -> std::result::Result<Self, String> {
        check_keys(
            overrides,
            TENANT_CONFIG_KEYS,
            "per tenant (set app-wide keys on the app's public tenant)",
        )?;
        apply_tenant_keys(*self, &|key| {
            overrides.get(key).filter(|value| !value.is_null())
        })
    }
}

/// `settings` with the tenant keys found by `get` applied.
fn apply_tenant_keys<'a>(
    mut settings: TenantSettings,
    get: &impl Fn(&str) -> Option<&'a serde_json::Value>,
) -> std::result::Result<TenantSettings, String> {
    use limits::*;
    for (key, field) in [
        (
            "password_reset_token_lifetime",
            &mut settings.password_reset_token_lifetime,
        ),
        (
            "email_verification_token_lifetime",
            &mut settings.email_verification_token_lifetime,
        ),
        (
            "passwordless_code_lifetime",
            &mut settings.passwordless_code_lifetime,
        ),
    ] {
        if let Some(value) = get(key) {
            *field = Duration::from_millis(whole(key, value, 1, MAX_LIFETIME_MS)?);
        }
    }
    if let Some(value) = get("passwordless_max_code_input_attempts") {
        let key = "passwordless_max_code_input_attempts";
        settings.passwordless_max_code_input_attempts = as_u32(
            key,
            whole(
                key,
                value,
                1,
                u64::from(MAX_PASSWORDLESS_CODE_INPUT_ATTEMPTS),
            )?,
        )?;
    }
    Ok(settings)
}

impl CoreConfig {
    /// The tenant-level settings of this configuration (what a tenant without overrides
    /// gets).
    pub fn tenant_settings(&self) -> TenantSettings {
        TenantSettings {
            password_reset_token_lifetime: self.password_reset_token_lifetime,
            email_verification_token_lifetime: self.email_verification_token_lifetime,
            passwordless_code_lifetime: self.passwordless_code_lifetime,
            passwordless_max_code_input_attempts: self.passwordless_max_code_input_attempts.max(1),
        }
    }

    /// This configuration with an app's `coreConfig` overrides applied. Every key must be one
    /// of [`APP_CONFIG_KEYS`] with a valid value (in the config file's units); the error names
    /// the key and what to fix.
    pub fn with_app_overrides(
        &self,
        overrides: &serde_json::Map<String, serde_json::Value>,
    ) -> std::result::Result<Self, String> {
        use limits::*;
        check_keys(overrides, APP_CONFIG_KEYS, "per app")?;
        let mut config = self.clone();
        let get = |key: &str| overrides.get(key).filter(|value| !value.is_null());
        if let Some(value) = get("access_token_validity") {
            let key = "access_token_validity";
            config.access_token_validity =
                Duration::from_secs(whole(key, value, 1, MAX_ACCESS_TOKEN_VALIDITY_SECONDS)?);
        }
        if let Some(value) = get("refresh_token_validity") {
            let minutes = positive(
                "refresh_token_validity",
                value,
                MAX_REFRESH_TOKEN_VALIDITY_MINUTES,
            )?;
            config.refresh_token_validity = Duration::from_secs_f64(minutes * 60.0);
        }
        if config.refresh_token_validity <= config.access_token_validity {
            return Err(format!(
                "refresh_token_validity ({} minutes) must be longer than access_token_validity \
                 ({} seconds)",
                config.refresh_token_validity.as_secs_f64() / 60.0,
                config.access_token_validity.as_secs()
            ));
        }
        let tenant = apply_tenant_keys(config.tenant_settings(), &get)?;
        config.password_reset_token_lifetime = tenant.password_reset_token_lifetime;
        config.email_verification_token_lifetime = tenant.email_verification_token_lifetime;
        config.passwordless_code_lifetime = tenant.passwordless_code_lifetime;
        config.passwordless_max_code_input_attempts = tenant.passwordless_max_code_input_attempts;
        for key in [
            "access_token_blacklisting",
            "access_token_signing_key_dynamic",
        ] {
            if let Some(value) = get(key)
                && !value.is_boolean()
            {
                return Err(format!("{key} must be true or false, got {value}"));
            }
        }
        let interval = [
            "access_token_dynamic_signing_key_update_interval",
            "access_token_signing_key_update_interval",
        ]
        .into_iter()
        .find_map(|key| get(key).map(|value| (key, value)));
        if let Some((key, value)) = interval {
            let hours = positive(key, value, MAX_SIGNING_KEY_INTERVAL_HOURS)?;
            let interval = Duration::from_secs_f64(hours * 3600.0);
            if interval < Duration::from_millis(1) {
                return Err(format!("{key} must be at least 1 millisecond, got {value}"));
            }
            config.signing_key_update_interval = interval;
        }
        config.password_hashing = hashing_with_overrides(self.password_hashing, &get)?;
        Ok(config)
    }
}

/// The hashing policy of an app: the base policy with the app's algorithm and parameters.
fn hashing_with_overrides<'a>(
    base: PasswordHashingPolicy,
    get: &impl Fn(&str) -> Option<&'a serde_json::Value>,
) -> std::result::Result<PasswordHashingPolicy, String> {
    use supertokens_crypto::password::{
        ARGON2_MAX_ITERATIONS, ARGON2_MAX_MEMORY_KIB, ARGON2_MAX_PARALLELISM, BCRYPT_MAX_COST,
        BCRYPT_MIN_COST,
    };
    let touched = [
        "password_hashing_alg",
        "argon2_iterations",
        "argon2_memory_kb",
        "argon2_parallelism",
        "bcrypt_log_rounds",
    ]
    .iter()
    .any(|key| get(key).is_some());
    if !touched {
        return Ok(base);
    }
    let (mut memory_kib, mut iterations, mut parallelism) = match base {
        PasswordHashingPolicy::Argon2id {
            memory_kib,
            iterations,
            parallelism,
        } => (memory_kib, iterations, parallelism),
        PasswordHashingPolicy::Bcrypt { .. } => match PasswordHashingPolicy::owasp_default() {
            PasswordHashingPolicy::Argon2id {
                memory_kib,
                iterations,
                parallelism,
            } => (memory_kib, iterations, parallelism),
            PasswordHashingPolicy::Bcrypt { .. } => (19_456, 2, 1),
        },
    };
    let mut cost = match base {
        PasswordHashingPolicy::Bcrypt { cost } => cost,
        PasswordHashingPolicy::Argon2id { .. } => 11,
    };
    let mut argon2 = matches!(base, PasswordHashingPolicy::Argon2id { .. });
    if let Some(value) = get("password_hashing_alg") {
        argon2 = match value.as_str().map(|s| s.trim().to_ascii_uppercase()) {
            Some(alg) if alg == "ARGON2" || alg == "ARGON2ID" => true,
            Some(alg) if alg == "BCRYPT" => false,
            _ => {
                return Err(format!(
                    "password_hashing_alg must be ARGON2 or BCRYPT, got {value}"
                ));
            }
        };
    }
    if let Some(value) = get("argon2_iterations") {
        let key = "argon2_iterations";
        iterations = as_u32(key, whole(key, value, 1, u64::from(ARGON2_MAX_ITERATIONS))?)?;
    }
    if let Some(value) = get("argon2_parallelism") {
        let key = "argon2_parallelism";
        parallelism = as_u32(
            key,
            whole(key, value, 1, u64::from(ARGON2_MAX_PARALLELISM))?,
        )?;
    }
    if let Some(value) = get("argon2_memory_kb") {
        let key = "argon2_memory_kb";
        memory_kib = as_u32(
            key,
            whole(
                key,
                value,
                u64::from(8 * parallelism),
                u64::from(ARGON2_MAX_MEMORY_KIB),
            )?,
        )?;
    }
    if let Some(value) = get("bcrypt_log_rounds") {
        let key = "bcrypt_log_rounds";
        cost = as_u32(
            key,
            whole(
                key,
                value,
                u64::from(BCRYPT_MIN_COST),
                u64::from(BCRYPT_MAX_COST),
            )?,
        )?;
    }
    let policy = if argon2 {
        PasswordHashingPolicy::Argon2id {
            memory_kib,
            iterations,
            parallelism,
        }
    } else {
        PasswordHashingPolicy::Bcrypt { cost }
    };
    policy
        .validate()
        .map_err(|error| format!("the password hashing settings are invalid: {error}"))?;
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn overrides(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        match value {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        }
    }

    #[test]
    fn app_overrides_apply_in_the_file_units() {
        let base = CoreConfig::default();
        let config = base
            .with_app_overrides(&overrides(json!({
                "access_token_validity": 2,
                "refresh_token_validity": "1.5",
                "passwordless_code_lifetime": 1000,
                "passwordless_max_code_input_attempts": 3,
                "password_hashing_alg": "bcrypt",
                "bcrypt_log_rounds": 4,
                "email_verification_token_lifetime": null,
            })))
            .unwrap();
        assert_eq!(config.access_token_validity, Duration::from_secs(2));
        assert_eq!(config.refresh_token_validity, Duration::from_secs(90));
        assert_eq!(config.passwordless_code_lifetime, Duration::from_secs(1));
        assert_eq!(config.passwordless_max_code_input_attempts, 3);
        assert_eq!(
            config.password_hashing,
            PasswordHashingPolicy::Bcrypt { cost: 4 }
        );
        assert_eq!(
            config.email_verification_token_lifetime,
            base.email_verification_token_lifetime
        );
        let older_name = base
            .with_app_overrides(&overrides(json!({
                "access_token_signing_key_update_interval": 0.5,
                "access_token_blacklisting": false,
            })))
            .unwrap();
        assert_eq!(
            older_name.signing_key_update_interval,
            Duration::from_secs(1800)
        );
        let argon = base
            .with_app_overrides(&overrides(json!({"argon2_iterations": 3})))
            .unwrap();
        assert_eq!(
            argon.password_hashing,
            PasswordHashingPolicy::Argon2id {
                memory_kib: 19_456,
                iterations: 3,
                parallelism: 1
            }
        );
        assert_eq!(
            base.with_app_overrides(&serde_json::Map::new())
                .unwrap()
                .password_hashing,
            base.password_hashing
        );
    }

    #[test]
    fn bad_overrides_name_the_key() {
        let base = CoreConfig::default();
        for (input, needle) in [
            (
                json!({"no_such_key": 1}),
                "no_such_key cannot be set per app",
            ),
            (json!({"port": 1}), "port cannot be set"),
            (
                json!({"access_token_validity": 0}),
                "access_token_validity must be",
            ),
            (
                json!({"access_token_validity": 1.5}),
                "access_token_validity must be",
            ),
            (
                json!({"access_token_validity": "x"}),
                "access_token_validity must be a number",
            ),
            (
                json!({"access_token_validity": 100000, "refresh_token_validity": 1}),
                "refresh_token_validity (1 minutes) must be longer",
            ),
            (
                json!({"password_hashing_alg": "md5"}),
                "password_hashing_alg must be ARGON2 or BCRYPT",
            ),
            (
                json!({"bcrypt_log_rounds": 99}),
                "bcrypt_log_rounds must be",
            ),
            (
                json!({"passwordless_max_code_input_attempts": 0}),
                "passwordless_max_code_input_attempts",
            ),
        ] {
            let error = base.with_app_overrides(&overrides(input)).unwrap_err();
            assert!(error.contains(needle), "{error:?} lacks {needle:?}");
        }
    }

    #[test]
    fn tenants_take_only_tenant_keys() {
        let app = CoreConfig::default().tenant_settings();
        let tenant = |value| app.with_overrides(&overrides(value));
        assert_eq!(
            tenant(json!({"passwordless_code_lifetime": 5})).unwrap(),
            TenantSettings {
                passwordless_code_lifetime: Duration::from_millis(5),
                ..app
            }
        );
        let error = tenant(json!({"access_token_validity": 5})).unwrap_err();
        assert!(
            error.contains("access_token_validity cannot be set per tenant"),
            "{error}"
        );
        let error = tenant(json!({"passwordless_code_lifetime": -1})).unwrap_err();
        assert!(
            error.contains("passwordless_code_lifetime must be"),
            "{error}"
        );
        let error = tenant(json!({"passwordless_max_code_input_attempts": 0})).unwrap_err();
        assert!(
            error.contains("passwordless_max_code_input_attempts must be"),
            "{error}"
        );
    }

    #[test]
    fn tenant_overrides_apply_over_the_app_values() {
        let app = CoreConfig::default()
            .with_app_overrides(&overrides(json!({
                "password_reset_token_lifetime": 1000,
                "email_verification_token_lifetime": 2000,
                "passwordless_code_lifetime": 3000,
                "passwordless_max_code_input_attempts": 4,
            })))
            .unwrap()
            .tenant_settings();
        assert_eq!(
            app,
            TenantSettings {
                password_reset_token_lifetime: Duration::from_secs(1),
                email_verification_token_lifetime: Duration::from_secs(2),
                passwordless_code_lifetime: Duration::from_secs(3),
                passwordless_max_code_input_attempts: 4,
            }
        );
        let tenant = app
            .with_overrides(&overrides(json!({
                "password_reset_token_lifetime": "5000",
                "passwordless_max_code_input_attempts": 7,
                "passwordless_code_lifetime": null,
            })))
            .unwrap();
        assert_eq!(
            tenant,
            TenantSettings {
                password_reset_token_lifetime: Duration::from_secs(5),
                passwordless_max_code_input_attempts: 7,
                ..app
            }
        );
        assert_eq!(app.with_overrides(&serde_json::Map::new()).unwrap(), app);
    }
}
