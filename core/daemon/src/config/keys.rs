//! The table of configuration keys: one source for the known-key check, the environment
//! filter, the `--help` text and the error messages.

/// Prefix of every environment variable read by the daemon.
pub const ENV_PREFIX: &str = "SUPERTOKENS_";

/// One configuration key.
#[derive(Debug, Clone, Copy)]
pub struct KeyDoc {
    /// Name in the YAML file (the Java core's name where one exists).
    pub key: &'static str,
    /// Default, as shown to people.
    pub default: &'static str,
    /// Command-line flag, for the keys that have one.
    pub flag: Option<&'static str>,
    /// What the key does, with its unit and range.
    pub doc: &'static str,
}

/// Every key the daemon reads, in the order of the sample file.
pub const KEYS: &[KeyDoc] = &[
    KeyDoc {
        key: "host",
        default: "127.0.0.1",
        flag: Some("--host"),
        doc: "Address to listen on. The Java core defaults to `localhost`; use 0.0.0.0 or :: to \
              listen on every interface.",
    },
    KeyDoc {
        key: "port",
        default: "3567",
        flag: Some("--port"),
        doc: "TCP port to listen on (0 = any free port).",
    },
    KeyDoc {
        key: "base_path",
        default: "\"\"",
        flag: None,
        doc: "Prefix of every route, e.g. /st. No spaces.",
    },
    KeyDoc {
        key: "api_keys",
        default: "none (open)",
        flag: Some("--api-keys"),
        doc: "Comma-separated string or YAML list; each key at least 20 characters of \
              A-Z a-z 0-9 = -. Without keys anyone who can reach the port can use the core.",
    },
    KeyDoc {
        key: "api_keys_file",
        default: "none",
        flag: None,
        doc: "File holding api_keys (same syntax); instead of api_keys, e.g. a mounted secret.",
    },
    KeyDoc {
        key: "data_dir",
        default: "./supertokens-data",
        flag: Some("--data-dir"),
        doc: "Directory of the default SQLite database; created if missing.",
    },
    KeyDoc {
        key: "database_url",
        default: "sqlite://<data_dir>/supertokens.db",
        flag: Some("--database-url"),
        doc: "sqlite:..., sqlite::memory:, postgres://..., postgresql://..., mysql://... or \
              mariadb://... The password in it is never logged.",
    },
    KeyDoc {
        key: "database_url_file",
        default: "none",
        flag: None,
        doc: "File holding database_url; instead of database_url.",
    },
    KeyDoc {
        key: "max_db_connections",
        default: "10",
        flag: None,
        doc: "Size of the database connection pool (1..=1000).",
    },
    KeyDoc {
        key: "sqlite_wal_autocheckpoint_pages",
        default: "65536",
        flag: None,
        doc: "SQLite files only: WAL pages (4 KiB) after which a committing write copies the \
              WAL into the database itself (1..=1048576). A background task copies it every \
              200 ms; under sustained writes the WAL only starts over after such a copy.",
    },
    KeyDoc {
        key: "sqlite_wal_truncate_mb",
        default: "64",
        flag: None,
        doc: "SQLite files only: a WAL file larger than this many MB is truncated once writes \
              pause (0..=65536); under load it keeps its size.",
    },
    KeyDoc {
        key: "sqlite_cache_size_mb",
        default: "8",
        flag: None,
        doc: "SQLite files only: most page cache per database connection, in MB (1..=4096); \
              filled as pages are read.",
    },
    KeyDoc {
        key: "access_token_validity",
        default: "3600",
        flag: Some("--access-token-validity"),
        doc: "Access token lifetime in SECONDS (1..=86400000).",
    },
    KeyDoc {
        key: "refresh_token_validity",
        default: "144000",
        flag: None,
        doc: "Refresh token lifetime in MINUTES (fractions allowed, up to 52560000); must be \
              longer than access_token_validity.",
    },
    KeyDoc {
        key: "password_reset_token_lifetime",
        default: "3600000",
        flag: None,
        doc: "Password reset token lifetime in MILLISECONDS (1..=3153600000000).",
    },
    KeyDoc {
        key: "email_verification_token_lifetime",
        default: "86400000",
        flag: None,
        doc: "Email verification token lifetime in MILLISECONDS (1..=3153600000000).",
    },
    KeyDoc {
        key: "passwordless_code_lifetime",
        default: "900000",
        flag: None,
        doc: "How long a passwordless code or magic link stays valid, in MILLISECONDS \
              (1..=3153600000000).",
    },
    KeyDoc {
        key: "passwordless_max_code_input_attempts",
        default: "5",
        flag: None,
        doc: "Wrong or expired passwordless codes typed on one device before the device is \
              deleted and the user has to start again (1..=1000).",
    },
    KeyDoc {
        key: "access_token_dynamic_signing_key_update_interval",
        default: "168",
        flag: None,
        doc: "How often a new signing key is made, in HOURS (fractions allowed; > 0, up to \
              876000).",
    },
    KeyDoc {
        key: "password_hashing_alg",
        default: "ARGON2",
        flag: None,
        doc: "ARGON2 (argon2id) or BCRYPT, any case. The Java core defaults to BCRYPT; this core \
              follows OWASP and defaults to argon2id. Existing hashes of either kind always verify.",
    },
    KeyDoc {
        key: "argon2_iterations",
        default: "2",
        flag: None,
        doc: "argon2id passes (1..=4096).",
    },
    KeyDoc {
        key: "argon2_memory_kb",
        default: "19456",
        flag: None,
        doc: "argon2id memory in KiB (8 x argon2_parallelism ..= 4194304).",
    },
    KeyDoc {
        key: "argon2_parallelism",
        default: "1",
        flag: None,
        doc: "argon2id lanes (1..=255).",
    },
    KeyDoc {
        key: "argon2_hashing_pool_size",
        default: "CPU cores - 1 (at least 1)",
        flag: None,
        doc: "Password hashes computed at once, for either algorithm (1..=1024); the rest queue.",
    },
    KeyDoc {
        key: "bcrypt_log_rounds",
        default: "11",
        flag: None,
        doc: "bcrypt cost (4..=31).",
    },
    KeyDoc {
        key: "cleanup_interval_seconds",
        default: "3600",
        flag: None,
        doc: "Seconds between runs of the cleanup of expired rows (1..=31536000).",
    },
    KeyDoc {
        key: "cleanup_batch_size",
        default: "1000",
        flag: None,
        doc: "Rows deleted per cleanup statement (1..=100000).",
    },
    KeyDoc {
        key: "rate_limits_enabled",
        default: "true",
        flag: None,
        doc: "Rate limits by account on sign-in, sign-up, password reset tokens and passwordless \
              codes (true or false). Counted in the database, so every core on it agrees; a \
              refused request gets 429 with Retry-After. Attempts count whether or not the \
              account exists.",
    },
    KeyDoc {
        key: "sign_in_free_failures",
        default: "5",
        flag: None,
        doc: "Failed sign-ins of one email (per tenant) without delay (0..=1000000). After n \
              failures the next attempt waits sign_in_base_delay_ms x 2^(n - this), at most \
              sign_in_max_delay_ms, since the last failure; an attempt during the wait gets 429 \
              without the password being checked. Never a permanent lockout: the wait is \
              capped, a success or a password reset forgets the failures, and so does time.",
    },
    KeyDoc {
        key: "sign_in_base_delay_ms",
        default: "1000",
        flag: None,
        doc: "First sign-in delay past the free failures, in MILLISECONDS (1..=3153600000000); \
              it doubles with each further failure.",
    },
    KeyDoc {
        key: "sign_in_max_delay_ms",
        default: "900000",
        flag: None,
        doc: "Longest sign-in delay, in MILLISECONDS (sign_in_base_delay_ms..=3153600000000): an \
              attacker can slow one account to one password attempt per this, never lock it.",
    },
    KeyDoc {
        key: "sign_in_failure_memory_ms",
        default: "3600000",
        flag: None,
        doc: "Failed sign-ins are forgotten this long after the last one, in MILLISECONDS \
              (1..=3153600000000); no wait outlasts it.",
    },
    KeyDoc {
        key: "sign_up_per_email_limit",
        default: "10",
        flag: None,
        doc: "Sign-up attempts per email per window (1..=1000000).",
    },
    KeyDoc {
        key: "sign_up_per_email_window_ms",
        default: "600000",
        flag: None,
        doc: "Window of sign_up_per_email_limit, in MILLISECONDS (1..=3153600000000); it opens \
              at the first attempt.",
    },
    KeyDoc {
        key: "password_reset_per_user_limit",
        default: "5",
        flag: None,
        doc: "Password reset tokens per user per window (1..=1000000).",
    },
    KeyDoc {
        key: "password_reset_per_user_window_ms",
        default: "3600000",
        flag: None,
        doc: "Window of password_reset_per_user_limit, in MILLISECONDS (1..=3153600000000).",
    },
    KeyDoc {
        key: "passwordless_codes_per_contact_limit",
        default: "10",
        flag: None,
        doc: "Passwordless codes (new codes and resends) per email or phone number per window \
              (1..=1000000).",
    },
    KeyDoc {
        key: "passwordless_codes_per_contact_window_ms",
        default: "3600000",
        flag: None,
        doc: "Window of passwordless_codes_per_contact_limit, in MILLISECONDS \
              (1..=3153600000000).",
    },
    KeyDoc {
        key: "log_level",
        default: "INFO",
        flag: Some("--log-level"),
        doc: "DEBUG, INFO, WARN, ERROR or NONE, any case. RUST_LOG, when set, replaces it with a \
              tracing filter (e.g. RUST_LOG=info,sqlx=debug).",
    },
    KeyDoc {
        key: "log_format",
        default: "text",
        flag: None,
        doc: "text or json (one JSON object per line), written to stdout.",
    },
    KeyDoc {
        key: "request_id_header",
        default: "none",
        flag: None,
        doc: "Request header that may carry the caller's request id, e.g. x-request-id or \
              x-correlation-id. A value of 1 to 128 visible ASCII characters becomes the \
              request's id; otherwise a fresh UUID v4 is used. The id is on every log line of \
              the request and comes back in this header (in x-request-id when unset).",
    },
    KeyDoc {
        key: "otel_exporter_otlp_endpoint",
        default: "none (OTEL_EXPORTER_OTLP_ENDPOINT when set)",
        flag: None,
        doc: "Base URL of an OpenTelemetry collector speaking OTLP over HTTP, e.g. \
              http://localhost:4318; request spans go to <endpoint>/v1/traces. Only in a \
              core built with `--features otel`; other builds refuse to start when it is set.",
    },
    KeyDoc {
        key: "otel_service_name",
        default: "supertokens-core (OTEL_SERVICE_NAME when set)",
        flag: None,
        doc: "service.name of the exported traces.",
    },
];

/// Keys of the Java core's config.yaml that are accepted and ignored without a word: they
/// mean nothing here (no versioned file format, no telemetry).
pub const SILENTLY_IGNORED_JAVA_KEYS: &[&str] = &["core_config_version", "disable_telemetry"];

/// Keys of the Java core that are accepted with a warning: ignoring them cannot weaken
/// security (logs go to stdout, tokio sizes its own pools, the deprecated keys only concern
/// CDI <= 2.18, which this core does not serve).
pub const WARN_IGNORED_JAVA_KEYS: &[(&str, &str)] = &[
    ("info_log_path", "logs go to stdout"),
    ("error_log_path", "logs go to stdout"),
    (
        "max_server_pool_size",
        "the async runtime sizes its own thread pool",
    ),
    (
        "access_token_blacklisting",
        "deprecated in the Java core; only used for CDI <= 2.18",
    ),
    (
        "access_token_signing_key_dynamic",
        "deprecated in the Java core; only used for CDI <= 2.18",
    ),
];

/// Keys of the Java core that this core does not implement. Ignoring them could silently
/// change security-relevant behaviour, so they stop the start with a clear message.
pub const UNSUPPORTED_JAVA_KEYS: &[&str] = &[
    "refresh_token_rotation_grace_period",
    "access_token_validity_jitter",
    "recent_token_reuse_behaviour",
    "totp_max_attempts",
    "totp_rate_limit_cooldown_sec",
    "firebase_password_hashing_signer_key",
    "firebase_password_hashing_pool_size",
    "ip_allow_regex",
    "ip_deny_regex",
    "supertokens_max_cdi_version",
    "supertokens_min_cdi_version",
    "supertokens_saas_secret",
    "supertokens_saas_load_only_cud",
    "webauthn_recover_account_token_lifetime",
];

/// The key's entry in [`KEYS`].
pub fn find(key: &str) -> Option<&'static KeyDoc> {
    KEYS.iter().find(|doc| doc.key == key)
}

/// The environment variable of `key`: `SUPERTOKENS_` + the key in upper case.
pub fn env_var(key: &str) -> String {
    format!("{ENV_PREFIX}{}", key.to_ascii_uppercase())
}

/// The known key closest to a misspelt one, if any is close enough to be a likely typo.
pub fn closest(unknown: &str) -> Option<&'static str> {
    let unknown = unknown.to_ascii_lowercase();
    KEYS.iter()
        .map(|doc| (doc.key, edit_distance(&unknown, doc.key)))
        .filter(|(key, distance)| *distance <= (key.len() / 4).clamp(1, 3))
        .min_by_key(|(_, distance)| *distance)
        .map(|(key, _)| key)
}

/// Edit distance counting insertions, deletions, substitutions and swaps of neighbours
/// (optimal string alignment); keys are ASCII.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The configuration reference printed after `--help`.
pub fn help_text() -> String {
    let mut text = String::from(
        "CONFIGURATION\n\
         Every setting is a key of the YAML config file and an environment variable \
         SUPERTOKENS_<KEY in upper case>; a few also have a flag. Precedence, lowest first: \
         defaults, config file, environment, flags. The config file is --config / \
         SUPERTOKENS_CONFIG_FILE, else ./config.yaml when it exists. Unknown keys in the file \
         stop the start; unknown SUPERTOKENS_* variables are ignored. Passing secrets as flags \
         shows them in the process list: prefer the environment or *_file keys.\n\n\
         KEYS (key = default [env variable, flag]):\n",
    );
    for doc in KEYS {
        let flag = doc.flag.map(|flag| format!(", {flag}")).unwrap_or_default();
        text.push_str(&format!(
            "  {} = {}  [{}{}]\n      {}\n",
            doc.key,
            doc.default,
            env_var(doc.key),
            flag,
            doc.doc
        ));
    }
    text.push_str(
        "\nAccepted and ignored Java-core keys: core_config_version, disable_telemetry, \
         info_log_path, error_log_path, max_server_pool_size, access_token_blacklisting, \
         access_token_signing_key_dynamic.\n\
         A bad value stops the start with exit code 2 and a message naming the key.",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_var_names() {
        assert_eq!(env_var("argon2_memory_kb"), "SUPERTOKENS_ARGON2_MEMORY_KB");
    }

    #[test]
    fn typo_suggestions() {
        assert_eq!(
            closest("acess_token_validity"),
            Some("access_token_validity")
        );
        assert_eq!(closest("prot"), Some("port"));
        assert_eq!(closest("completely_different"), None);
    }

    #[test]
    fn java_key_lists_do_not_overlap_with_keys() {
        for key in SILENTLY_IGNORED_JAVA_KEYS
            .iter()
            .chain(WARN_IGNORED_JAVA_KEYS.iter().map(|(key, _)| key))
            .chain(UNSUPPORTED_JAVA_KEYS)
        {
            assert!(find(key).is_none(), "{key}");
        }
    }
}
