//! Configuration tests. Each runs inside a `figment::Jail`: a fresh working directory and an
//! environment restored afterwards, so the layers are isolated from the machine and from
//! one another.

use clap::Parser;
use figment::Jail;
use secrecy::ExposeSecret;
use supertokens_crypto::password::PasswordHashingPolicy;

use super::*;

const KEY_A: &str = "abcdefghijklmnopqrstuvwxyz012345";
const KEY_B: &str = "ZYXWVUTSRQPONMLKJIHG-=0987";

fn cli(args: &[&str]) -> Cli {
    let mut argv = vec!["supertokens-core"];
    argv.extend_from_slice(args);
    Cli::try_parse_from(argv).unwrap()
}

fn load_args(args: &[&str]) -> Result<Settings, ConfigError> {
    load(&cli(args))
}

/// The single problem's text; fails the test if loading succeeds or has several problems.
fn single_problem(args: &[&str]) -> String {
    match load_args(args) {
        Ok(settings) => panic!("expected an error, got {settings:?}"),
        Err(error) => {
            assert_eq!(error.problems().len(), 1, "{error}");
            error.to_string()
        }
    }
}

#[test]
fn defaults() {
    Jail::expect_with(|_| {
        let settings = load_args(&[]).unwrap();
        assert_eq!(settings.host, "127.0.0.1");
        assert_eq!(settings.port, 3567);
        assert_eq!(settings.base_path, "");
        assert!(settings.api_keys.is_empty());
        assert_eq!(settings.data_dir, PathBuf::from("./supertokens-data"));
        assert_eq!(
            settings.database_url.expose_secret(),
            "sqlite://./supertokens-data/supertokens.db"
        );
        assert!(settings.database_in_data_dir);
        assert_eq!(settings.connect.max_connections, 10);
        let core = &settings.core;
        assert_eq!(core.access_token_validity, Duration::from_secs(3600));
        assert_eq!(
            core.refresh_token_validity,
            Duration::from_secs(144_000 * 60)
        );
        assert_eq!(
            core.password_reset_token_lifetime,
            Duration::from_millis(3_600_000)
        );
        assert_eq!(
            core.email_verification_token_lifetime,
            Duration::from_millis(86_400_000)
        );
        assert_eq!(
            core.passwordless_code_lifetime,
            Duration::from_millis(900_000)
        );
        assert_eq!(core.passwordless_max_code_input_attempts, 5);
        assert_eq!(
            core.signing_key_update_interval,
            Duration::from_secs(168 * 3600)
        );
        assert_eq!(
            core.password_hashing,
            PasswordHashingPolicy::owasp_default()
        );
        assert_eq!(core.password_hashing_pool_size, default_hashing_pool_size());
        assert_eq!(core.cleanup.interval, Duration::from_secs(3600));
        assert_eq!(core.cleanup.batch_size, 1000);
        assert_eq!(settings.log_level, LogLevel::Info);
        assert_eq!(settings.log_format, LogFormat::Text);
        assert!(settings.config_file.is_none());
        assert!(settings.warnings.is_empty());
        Ok(())
    });
}

#[test]
fn yaml_file_values() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "config.yaml",
            r#"
core_config_version: 0
disable_telemetry: true
host: "0.0.0.0"
port: 4000
base_path: st/
api_keys: [abcdefghijklmnopqrstuvwxyz012345]
access_token_validity: 20
refresh_token_validity: 0.5
password_reset_token_lifetime: 60000
email_verification_token_lifetime: 7200000
passwordless_code_lifetime: 120000
passwordless_max_code_input_attempts: 3
access_token_dynamic_signing_key_update_interval: 0.001
password_hashing_alg: bcrypt
bcrypt_log_rounds: 4
argon2_hashing_pool_size: 3
max_db_connections: 5
sqlite_wal_autocheckpoint_pages: 1000
sqlite_wal_truncate_mb: 0
sqlite_cache_size_mb: 2
cleanup_interval_seconds: 60
cleanup_batch_size: 10
log_level: warn
log_format: json
database_url: "postgres://st:hunter2@db:5432/st"
"#,
        )?;
        let settings = load_args(&[]).unwrap();
        assert_eq!(settings.config_file, Some(PathBuf::from("config.yaml")));
        assert_eq!(settings.host, "0.0.0.0");
        assert_eq!(settings.port, 4000);
        assert_eq!(settings.base_path, "/st");
        assert_eq!(settings.api_keys.len(), 1);
        assert_eq!(settings.core.access_token_validity, Duration::from_secs(20));
        assert_eq!(
            settings.core.refresh_token_validity,
            Duration::from_secs(30)
        );
        assert_eq!(
            settings.core.password_reset_token_lifetime,
            Duration::from_secs(60)
        );
        assert_eq!(
            settings.core.email_verification_token_lifetime,
            Duration::from_secs(7200)
        );
        assert_eq!(
            settings.core.passwordless_code_lifetime,
            Duration::from_secs(120)
        );
        assert_eq!(settings.core.passwordless_max_code_input_attempts, 3);
        assert_eq!(
            settings.core.signing_key_update_interval,
            Duration::from_secs_f64(3.6)
        );
        assert_eq!(
            settings.core.password_hashing,
            PasswordHashingPolicy::Bcrypt { cost: 4 }
        );
        assert_eq!(settings.core.password_hashing_pool_size, 3);
        assert_eq!(settings.connect.max_connections, 5);
        assert_eq!(
            settings.connect.sqlite,
            supertokens_storage::SqliteTuning {
                wal_autocheckpoint_pages: 1000,
                wal_truncate_bytes: 0,
                cache_kib: 2048,
            }
        );
        assert_eq!(settings.core.cleanup.interval, Duration::from_secs(60));
        assert_eq!(settings.core.cleanup.batch_size, 10);
        assert_eq!(settings.log_level, LogLevel::Warn);
        assert_eq!(settings.log_format, LogFormat::Json);
        assert!(!settings.database_in_data_dir);
        assert_eq!(
            settings.redacted_database_url(),
            "postgres://st:***@db:5432/st"
        );
        assert!(settings.warnings.is_empty(), "{:?}", settings.warnings);
        Ok(())
    });
}

#[test]
fn explicit_config_file_via_flag_and_env() {
    Jail::expect_with(|jail| {
        jail.create_file("a.yaml", "port: 1111")?;
        jail.create_file("b.yaml", "port: 2222")?;
        assert_eq!(load_args(&["--config", "a.yaml"]).unwrap().port, 1111);
        jail.set_env("SUPERTOKENS_CONFIG_FILE", "b.yaml");
        assert_eq!(load_args(&[]).unwrap().port, 2222);
        // The flag wins over the variable.
        assert_eq!(load_args(&["--config", "a.yaml"]).unwrap().port, 1111);
        Ok(())
    });
}

#[test]
fn missing_explicit_config_file_is_an_error() {
    Jail::expect_with(|_| {
        let error = load_args(&["--config", "nope.yaml"]).unwrap_err();
        assert!(matches!(error, ConfigError::MissingFile(_)));
        assert!(error.to_string().contains("nope.yaml"), "{error}");
        Ok(())
    });
}

#[test]
fn empty_or_comment_only_file_is_fine() {
    Jail::expect_with(|jail| {
        jail.create_file("config.yaml", "# nothing here\n\n")?;
        assert_eq!(load_args(&[]).unwrap().port, 3567);
        jail.create_file("config.yaml", "")?;
        assert_eq!(load_args(&[]).unwrap().port, 3567);
        Ok(())
    });
}

#[test]
fn null_values_in_the_file_mean_default() {
    Jail::expect_with(|jail| {
        jail.create_file("config.yaml", "api_keys:\nport:\n")?;
        let settings = load_args(&[]).unwrap();
        assert_eq!(settings.port, 3567);
        assert!(settings.api_keys.is_empty());
        Ok(())
    });
}

#[test]
fn yaml_syntax_error_names_the_file() {
    Jail::expect_with(|jail| {
        jail.create_file("config.yaml", "port: [1, 2\n")?;
        let error = load_args(&[]).unwrap_err().to_string();
        assert!(error.contains("config.yaml"), "{error}");
        Ok(())
    });
}

#[test]
fn env_overrides_file() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "config.yaml",
            "port: 4000\nhost: 10.0.0.1\nlog_level: ERROR",
        )?;
        jail.set_env("SUPERTOKENS_PORT", "5000");
        jail.set_env("SUPERTOKENS_LOG_LEVEL", "debug");
        let settings = load_args(&[]).unwrap();
        assert_eq!(settings.port, 5000);
        assert_eq!(settings.host, "10.0.0.1");
        assert_eq!(settings.log_level, LogLevel::Debug);
        Ok(())
    });
}

#[test]
fn flag_overrides_env() {
    Jail::expect_with(|jail| {
        jail.create_file("config.yaml", "port: 4000\naccess_token_validity: 100")?;
        jail.set_env("SUPERTOKENS_PORT", "5000");
        jail.set_env("SUPERTOKENS_HOST", "10.0.0.2");
        jail.set_env("SUPERTOKENS_ACCESS_TOKEN_VALIDITY", "200");
        jail.set_env("SUPERTOKENS_API_KEYS", KEY_A);
        let settings = load_args(&[
            "--port",
            "6000",
            "--host",
            "::1",
            "--access-token-validity",
            "300",
            "--api-keys",
            &format!("{KEY_A},{KEY_B}"),
            "--log-level",
            "none",
            "--data-dir",
            "/var/lib/st",
        ])
        .unwrap();
        assert_eq!(settings.port, 6000);
        assert_eq!(settings.host, "::1");
        assert_eq!(
            settings.core.access_token_validity,
            Duration::from_secs(300)
        );
        assert_eq!(settings.api_keys.len(), 2);
        assert_eq!(settings.log_level, LogLevel::None);
        assert_eq!(
            settings.database_url.expose_secret(),
            "sqlite:///var/lib/st/supertokens.db"
        );
        let settings = load_args(&["--database-url", "sqlite::memory:"]).unwrap();
        assert_eq!(settings.database_url.expose_secret(), "sqlite::memory:");
        assert!(!settings.database_in_data_dir);
        Ok(())
    });
}

#[test]
fn every_key_has_an_env_var() {
    Jail::expect_with(|jail| {
        jail.set_env("SUPERTOKENS_BASE_PATH", "/auth");
        jail.set_env("SUPERTOKENS_DATA_DIR", "data");
        jail.set_env("SUPERTOKENS_MAX_DB_CONNECTIONS", "3");
        jail.set_env("SUPERTOKENS_REFRESH_TOKEN_VALIDITY", "120");
        jail.set_env("SUPERTOKENS_PASSWORD_RESET_TOKEN_LIFETIME", "1000");
        jail.set_env("SUPERTOKENS_EMAIL_VERIFICATION_TOKEN_LIFETIME", "5000");
        jail.set_env("SUPERTOKENS_PASSWORDLESS_CODE_LIFETIME", "60000");
        jail.set_env("SUPERTOKENS_PASSWORDLESS_MAX_CODE_INPUT_ATTEMPTS", "10");
        jail.set_env(
            "SUPERTOKENS_ACCESS_TOKEN_DYNAMIC_SIGNING_KEY_UPDATE_INTERVAL",
            "24",
        );
        jail.set_env("SUPERTOKENS_PASSWORD_HASHING_ALG", "ARGON2");
        jail.set_env("SUPERTOKENS_ARGON2_ITERATIONS", "3");
        jail.set_env("SUPERTOKENS_ARGON2_MEMORY_KB", "65536");
        jail.set_env("SUPERTOKENS_ARGON2_PARALLELISM", "2");
        jail.set_env("SUPERTOKENS_ARGON2_HASHING_POOL_SIZE", "2");
        jail.set_env("SUPERTOKENS_BCRYPT_LOG_ROUNDS", "12");
        jail.set_env("SUPERTOKENS_CLEANUP_INTERVAL_SECONDS", "10");
        jail.set_env("SUPERTOKENS_CLEANUP_BATCH_SIZE", "7");
        jail.set_env("SUPERTOKENS_LOG_FORMAT", "JSON");
        // Unknown SUPERTOKENS_* variables are ignored.
        jail.set_env("SUPERTOKENS_SOMETHING_ELSE", "x");
        let settings = load_args(&[]).unwrap();
        assert_eq!(settings.base_path, "/auth");
        assert_eq!(
            settings.database_url.expose_secret(),
            "sqlite://data/supertokens.db"
        );
        assert_eq!(settings.connect.max_connections, 3);
        assert_eq!(
            settings.core.refresh_token_validity,
            Duration::from_secs(7200)
        );
        assert_eq!(
            settings.core.password_reset_token_lifetime,
            Duration::from_secs(1)
        );
        assert_eq!(
            settings.core.email_verification_token_lifetime,
            Duration::from_secs(5)
        );
        assert_eq!(
            settings.core.passwordless_code_lifetime,
            Duration::from_secs(60)
        );
        assert_eq!(settings.core.passwordless_max_code_input_attempts, 10);
        assert_eq!(
            settings.core.signing_key_update_interval,
            Duration::from_secs(86_400)
        );
        assert_eq!(
            settings.core.password_hashing,
            PasswordHashingPolicy::Argon2id {
                memory_kib: 65_536,
                iterations: 3,
                parallelism: 2
            }
        );
        assert_eq!(settings.core.password_hashing_pool_size, 2);
        assert_eq!(settings.core.cleanup.interval, Duration::from_secs(10));
        assert_eq!(settings.core.cleanup.batch_size, 7);
        assert_eq!(settings.log_format, LogFormat::Json);
        Ok(())
    });
}

#[test]
fn api_keys_as_comma_string_and_list() {
    Jail::expect_with(|jail| {
        jail.set_env("SUPERTOKENS_API_KEYS", format!(" {KEY_A} , {KEY_B},"));
        let settings = load_args(&[]).unwrap();
        let keys: Vec<&str> = settings
            .api_keys
            .iter()
            .map(|key| key.expose_secret())
            .collect();
        assert_eq!(keys, [KEY_A, KEY_B]);
        assert_eq!(settings.server_config().api_keys, [KEY_A, KEY_B]);

        jail.clear_env();
        jail.create_file(
            "config.yaml",
            &format!("api_keys:\n  - {KEY_B}\n  - {KEY_A}\n"),
        )?;
        let settings = load_args(&[]).unwrap();
        let keys: Vec<&str> = settings
            .api_keys
            .iter()
            .map(|key| key.expose_secret())
            .collect();
        assert_eq!(keys, [KEY_B, KEY_A]);

        jail.create_file("config.yaml", &format!("api_keys: \"{KEY_A},{KEY_B}\"\n"))?;
        assert_eq!(load_args(&[]).unwrap().api_keys.len(), 2);
        Ok(())
    });
}

#[test]
fn numeric_api_key_from_env_keeps_every_digit() {
    Jail::expect_with(|jail| {
        jail.set_env("SUPERTOKENS_API_KEYS", "12345678901234567890");
        let settings = load_args(&[]).unwrap();
        assert_eq!(settings.api_keys[0].expose_secret(), "12345678901234567890");
        Ok(())
    });
}

#[test]
fn api_keys_are_validated_without_echoing_them() {
    Jail::expect_with(|jail| {
        jail.set_env("SUPERTOKENS_API_KEYS", format!("{KEY_A},short"));
        let error = single_problem(&[]);
        assert!(error.contains("api_keys (SUPERTOKENS_API_KEYS)"), "{error}");
        assert!(error.contains("number 2 of 2"), "{error}");
        assert!(
            !error.contains("short,") && !error.contains(KEY_A),
            "{error}"
        );

        jail.set_env("SUPERTOKENS_API_KEYS", "abcdefghijklmnopqrstuvwxyz!!");
        let error = single_problem(&[]);
        assert!(error.contains("characters other than"), "{error}");
        assert!(!error.contains("abcdefghij"), "{error}");
        Ok(())
    });
}

#[test]
fn api_keys_are_redacted_in_debug() {
    Jail::expect_with(|jail| {
        jail.set_env("SUPERTOKENS_API_KEYS", KEY_A);
        jail.set_env("SUPERTOKENS_DATABASE_URL", "postgres://u:hunter2@db/st");
        let settings = load_args(&[]).unwrap();
        let debug = format!("{settings:?} {:?}", settings.server_config());
        assert!(!debug.contains(KEY_A), "{debug}");
        assert!(!debug.contains("hunter2"), "{debug}");
        let cli = cli(&["--api-keys", KEY_A]);
        assert!(!format!("{cli:?}").contains(KEY_A));
        Ok(())
    });
}

#[test]
fn secret_files() {
    Jail::expect_with(|jail| {
        jail.create_file("keys.txt", &format!("{KEY_A}\n{KEY_B}\n"))?;
        jail.create_file("db.txt", "postgres://u:p@db/st\n")?;
        jail.set_env("SUPERTOKENS_API_KEYS_FILE", "keys.txt");
        jail.set_env("SUPERTOKENS_DATABASE_URL_FILE", "db.txt");
        let settings = load_args(&[]).unwrap();
        assert_eq!(settings.api_keys.len(), 2);
        assert_eq!(
            settings.database_url.expose_secret(),
            "postgres://u:p@db/st"
        );

        jail.set_env("SUPERTOKENS_API_KEYS", KEY_A);
        let error = single_problem(&[]);
        assert!(
            error.contains("api_keys_file (SUPERTOKENS_API_KEYS_FILE)"),
            "{error}"
        );

        jail.clear_env();
        jail.set_env("SUPERTOKENS_DATABASE_URL_FILE", "missing.txt");
        let error = single_problem(&[]);
        assert!(error.contains("database_url_file"), "{error}");
        assert!(error.contains("missing.txt"), "{error}");
        Ok(())
    });
}

/// Every range check names the key and its variable, and says what it got.
#[test]
fn range_validations_name_key_and_env_var() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "access_token_validity",
            "0",
            "must be between 1 and 86400000 seconds, got 0",
        ),
        ("access_token_validity", "86400001", "got 86400001"),
        ("refresh_token_validity", "0", "greater than 0"),
        ("refresh_token_validity", "-5", "greater than 0"),
        (
            "password_reset_token_lifetime",
            "0",
            "must be between 1 and",
        ),
        (
            "email_verification_token_lifetime",
            "0",
            "must be between 1 and 3153600000000 milliseconds, got 0",
        ),
        (
            "passwordless_code_lifetime",
            "0",
            "must be between 1 and 3153600000000 milliseconds, got 0",
        ),
        (
            "passwordless_max_code_input_attempts",
            "0",
            "must be between 1 and 1000, got 0",
        ),
        (
            "passwordless_max_code_input_attempts",
            "1001",
            "must be between 1 and 1000, got 1001",
        ),
        (
            "access_token_dynamic_signing_key_update_interval",
            "0",
            "greater than 0",
        ),
        ("argon2_iterations", "0", "must be between 1 and 4096"),
        (
            "argon2_memory_kb",
            "7",
            "must be between 8 and 4194304 KiB, got 7",
        ),
        ("argon2_parallelism", "0", "must be between 1 and 255"),
        (
            "argon2_hashing_pool_size",
            "0",
            "must be between 1 and 1024",
        ),
        ("bcrypt_log_rounds", "3", "must be between 4 and 31"),
        ("max_db_connections", "0", "must be between 1 and 1000"),
        (
            "sqlite_wal_autocheckpoint_pages",
            "0",
            "must be between 1 and 1048576 pages, got 0",
        ),
        (
            "sqlite_wal_truncate_mb",
            "65537",
            "must be between 0 and 65536 MB, got 65537",
        ),
        (
            "sqlite_cache_size_mb",
            "0",
            "must be between 1 and 4096 MB, got 0",
        ),
        ("cleanup_interval_seconds", "0", "must be between 1 and"),
        ("cleanup_batch_size", "0", "must be between 1 and 100000"),
        (
            "log_level",
            "LOUD",
            "must be DEBUG, INFO, WARN, ERROR or NONE",
        ),
        ("log_format", "xml", "must be text or json"),
        ("host", " ", "must be a host name"),
        ("base_path", "/a b", "must be a URL path"),
        (
            "database_url",
            "http://example.com",
            "must start with sqlite:",
        ),
        ("data_dir", " ", "must not be empty"),
    ];
    for &(key, value, expected) in cases {
        Jail::expect_with(|jail| {
            let variable = keys::env_var(key);
            jail.set_env(&variable, value);
            let error = single_problem(&[]);
            assert!(
                error.starts_with(&format!("invalid configuration: {key} ({variable}) ")),
                "{error}"
            );
            assert!(error.contains(expected), "{key}={value}: {error}");
            assert!(error.contains("from environment variable"), "{error}");
            Ok(())
        });
    }
}

#[test]
fn range_error_from_file_names_the_file() {
    Jail::expect_with(|jail| {
        jail.create_file("config.yaml", "access_token_validity: 0")?;
        let error = single_problem(&[]);
        assert_eq!(
            error,
            "invalid configuration: access_token_validity (SUPERTOKENS_ACCESS_TOKEN_VALIDITY) \
             must be between 1 and 86400000 seconds, got 0 (from config file config.yaml)"
        );
        let error = single_problem(&["--access-token-validity", "0"]);
        assert!(
            error.contains("from command-line flag --access-token-validity"),
            "{error}"
        );
        Ok(())
    });
}

#[test]
fn several_problems_are_reported_together() {
    Jail::expect_with(|jail| {
        jail.set_env("SUPERTOKENS_ARGON2_ITERATIONS", "0");
        jail.set_env("SUPERTOKENS_LOG_LEVEL", "chatty");
        let error = load_args(&[]).unwrap_err();
        assert_eq!(error.problems().len(), 2, "{error}");
        assert!(
            error
                .to_string()
                .starts_with("invalid configuration (2 problems):")
        );
        Ok(())
    });
}

#[test]
fn unknown_yaml_key_is_rejected() {
    Jail::expect_with(|jail| {
        jail.create_file("config.yaml", "acess_token_validity: 10\n")?;
        let error = single_problem(&[]);
        assert!(
            error.contains("unknown key `acess_token_validity`"),
            "{error}"
        );
        assert!(
            error.contains("did you mean `access_token_validity`"),
            "{error}"
        );

        jail.create_file("config.yaml", "ip_allow_regex: 127\\..*\n")?;
        let error = single_problem(&[]);
        assert!(error.contains("setting of the Java core"), "{error}");

        jail.create_file("config.yaml", "postgresql_connection_uri: postgres://x\n")?;
        let error = single_problem(&[]);
        assert!(error.contains("use database_url"), "{error}");
        Ok(())
    });
}

#[test]
fn ignored_java_keys_warn() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "config.yaml",
            "core_config_version: 0\ninfo_log_path: null\nmax_server_pool_size: 20\n",
        )?;
        let settings = load_args(&[]).unwrap();
        assert_eq!(settings.warnings.len(), 2, "{:?}", settings.warnings);
        assert!(settings.warnings[0].contains("info_log_path"));
        Ok(())
    });
}

#[test]
fn port_type_error_names_port() {
    Jail::expect_with(|jail| {
        jail.create_file("config.yaml", "port: abc\n")?;
        let error = single_problem(&[]);
        assert!(error.contains("port (SUPERTOKENS_PORT)"), "{error}");
        assert!(error.contains("\"abc\""), "{error}");
        assert!(error.contains("config.yaml"), "{error}");

        jail.clear_env();
        jail.create_file("config.yaml", "")?;
        jail.set_env("SUPERTOKENS_PORT", "70000");
        let error = single_problem(&[]);
        assert!(error.contains("port (SUPERTOKENS_PORT)"), "{error}");
        assert!(
            error.contains("from environment variable SUPERTOKENS_PORT"),
            "{error}"
        );
        Ok(())
    });
}

#[test]
fn quoted_numbers_in_yaml_are_accepted() {
    Jail::expect_with(|jail| {
        jail.create_file("config.yaml", "port: \"4001\"\n")?;
        assert_eq!(load_args(&[]).unwrap().port, 4001);
        Ok(())
    });
}

#[test]
fn secret_type_errors_do_not_echo_the_value() {
    Jail::expect_with(|jail| {
        jail.create_file("config.yaml", "database_url: {password: hunter2}\n")?;
        let error = single_problem(&[]);
        assert!(
            error.contains("database_url (SUPERTOKENS_DATABASE_URL)"),
            "{error}"
        );
        assert!(!error.contains("hunter2"), "{error}");
        Ok(())
    });
}

#[test]
fn refresh_validity_must_exceed_access_validity() {
    Jail::expect_with(|jail| {
        // 60 minutes = 3600 s, not longer than the default 3600 s access token.
        jail.set_env("SUPERTOKENS_REFRESH_TOKEN_VALIDITY", "60");
        let error = single_problem(&[]);
        assert!(error.contains("refresh_token_validity (SUPERTOKENS_REFRESH_TOKEN_VALIDITY)"));
        assert!(
            error.contains("must be longer than access_token_validity"),
            "{error}"
        );

        jail.set_env("SUPERTOKENS_ACCESS_TOKEN_VALIDITY", "3599");
        assert!(load_args(&[]).is_ok());
        Ok(())
    });
}

#[test]
fn database_url_defaults_under_data_dir() {
    Jail::expect_with(|jail| {
        jail.create_file("config.yaml", "data_dir: /srv/st data?#%\n")?;
        let settings = load_args(&[]).unwrap();
        assert_eq!(settings.data_dir, PathBuf::from("/srv/st data?#%"));
        assert_eq!(
            settings.database_url.expose_secret(),
            "sqlite:///srv/st data%3F%23%25/supertokens.db"
        );
        assert!(settings.database_in_data_dir);
        Ok(())
    });
}

#[test]
fn password_hashing_alg_selection() {
    Jail::expect_with(|jail| {
        jail.set_env("SUPERTOKENS_PASSWORD_HASHING_ALG", "BCRYPT");
        jail.set_env("SUPERTOKENS_BCRYPT_LOG_ROUNDS", "12");
        let settings = load_args(&[]).unwrap();
        assert_eq!(
            settings.core.password_hashing,
            PasswordHashingPolicy::Bcrypt { cost: 12 }
        );

        jail.set_env("SUPERTOKENS_PASSWORD_HASHING_ALG", "argon2");
        jail.set_env("SUPERTOKENS_ARGON2_MEMORY_KB", "32768");
        let settings = load_args(&[]).unwrap();
        assert_eq!(
            settings.core.password_hashing,
            PasswordHashingPolicy::Argon2id {
                memory_kib: 32_768,
                iterations: 2,
                parallelism: 1
            }
        );

        jail.set_env("SUPERTOKENS_PASSWORD_HASHING_ALG", "md5");
        let error = single_problem(&[]);
        assert!(
            error.contains("password_hashing_alg (SUPERTOKENS_PASSWORD_HASHING_ALG) must be ARGON2 or BCRYPT, got \"md5\""),
            "{error}"
        );
        Ok(())
    });
}

#[test]
fn argon2_memory_minimum_follows_parallelism() {
    Jail::expect_with(|jail| {
        jail.set_env("SUPERTOKENS_ARGON2_PARALLELISM", "4");
        jail.set_env("SUPERTOKENS_ARGON2_MEMORY_KB", "16");
        let error = single_problem(&[]);
        assert!(error.contains("must be between 32 and"), "{error}");
        Ok(())
    });
}

#[test]
fn base_path_is_normalised() {
    for (given, expected) in [
        ("", ""),
        ("/", ""),
        ("st", "/st"),
        ("/st/", "/st"),
        ("/a/b", "/a/b"),
    ] {
        Jail::expect_with(|jail| {
            jail.set_env("SUPERTOKENS_BASE_PATH", given);
            assert_eq!(load_args(&[]).unwrap().base_path, expected, "{given}");
            Ok(())
        });
    }
}

#[test]
fn text_keys_exist() {
    for key in TEXT_KEYS {
        assert!(keys::find(key).is_some(), "{key}");
    }
}

#[test]
fn fractional_env_values_are_exact() {
    Jail::expect_with(|jail| {
        jail.set_env(
            "SUPERTOKENS_ACCESS_TOKEN_DYNAMIC_SIGNING_KEY_UPDATE_INTERVAL",
            "0.001",
        );
        let settings = load_args(&[]).unwrap();
        assert_eq!(
            settings.core.signing_key_update_interval,
            Duration::from_millis(3600)
        );
        Ok(())
    });
}

#[test]
fn ipv6_host_in_brackets_is_unwrapped() {
    Jail::expect_with(|jail| {
        jail.set_env("SUPERTOKENS_HOST", "[::]");
        assert_eq!(load_args(&[]).unwrap().host, "::");
        Ok(())
    });
}

#[test]
fn url_passwords_are_redacted() {
    assert_eq!(
        redact_url("postgres://u:p@h:5432/db"),
        "postgres://u:***@h:5432/db"
    );
    assert_eq!(redact_url("mysql://u@h/db"), "mysql://u@h/db");
    assert_eq!(
        redact_url("postgres://u:p%40x@h/db?sslmode=require"),
        "postgres://u:***@h/db?sslmode=require"
    );
    assert_eq!(
        redact_url("postgres://h/db?user=u&password=p"),
        "postgres://h/db?user=u&password=***"
    );
    assert_eq!(redact_url("sqlite://./data/x.db"), "sqlite://./data/x.db");
    assert_eq!(redact_url("sqlite::memory:"), "sqlite::memory:");
}

#[test]
fn sample_file_documents_every_key_and_loads() {
    let sample = include_str!("../../config.yaml.example");
    for doc in keys::KEYS {
        assert!(
            sample.contains(&format!("# {}:", doc.key)),
            "{} missing from the sample",
            doc.key
        );
    }
    // Uncommenting every key line gives a valid file equal to the defaults.
    let uncommented: String = sample
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("# ")?;
            let (key, _) = rest.split_once(':')?;
            keys::find(key)?;
            Some(format!("{rest}\n"))
        })
        .collect();
    Jail::expect_with(|jail| {
        jail.create_file("config.yaml", &uncommented)?;
        let settings = load_args(&[]).unwrap();
        assert_eq!(settings.port, 3567);
        assert_eq!(
            settings.core.password_hashing,
            PasswordHashingPolicy::owasp_default()
        );
        Ok(())
    });
}

#[test]
fn passwordless_keys_of_the_java_core_are_supported() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "config.yaml",
            "passwordless_code_lifetime: 300000\npasswordless_max_code_input_attempts: 1\n",
        )?;
        let settings = load_args(&[]).unwrap();
        assert_eq!(
            settings.core.passwordless_code_lifetime,
            Duration::from_secs(300)
        );
        assert_eq!(settings.core.passwordless_max_code_input_attempts, 1);
        assert!(settings.warnings.is_empty(), "{:?}", settings.warnings);

        jail.create_file("config.yaml", "passwordless_code_lifetime: -1\n")?;
        let error = single_problem(&[]);
        assert!(
            error.starts_with(
                "invalid configuration: passwordless_code_lifetime \
                 (SUPERTOKENS_PASSWORDLESS_CODE_LIFETIME)"
            ),
            "{error}"
        );
        assert!(error.contains("config file config.yaml"), "{error}");
        Ok(())
    });
}

#[test]
fn email_verification_token_lifetime_of_the_java_core_is_supported() {
    Jail::expect_with(|jail| {
        jail.create_file("config.yaml", "email_verification_token_lifetime: 600000\n")?;
        let settings = load_args(&[]).unwrap();
        assert_eq!(
            settings.core.email_verification_token_lifetime,
            Duration::from_secs(600)
        );
        assert!(settings.warnings.is_empty(), "{:?}", settings.warnings);

        jail.create_file("config.yaml", "email_verification_token_lifetime: -1\n")?;
        let error = single_problem(&[]);
        assert!(
            error.starts_with(
                "invalid configuration: email_verification_token_lifetime \
                 (SUPERTOKENS_EMAIL_VERIFICATION_TOKEN_LIFETIME)"
            ),
            "{error}"
        );
        Ok(())
    });
}

#[test]
fn request_id_header_is_a_lower_case_header_name() {
    Jail::expect_with(|jail| {
        assert_eq!(load_args(&[]).unwrap().request_id_header, None);
        jail.set_env("SUPERTOKENS_REQUEST_ID_HEADER", "X-Correlation-ID");
        let settings = load_args(&[]).unwrap();
        assert_eq!(
            settings
                .request_id_header
                .as_ref()
                .map(|name| name.as_str()),
            Some("x-correlation-id")
        );
        assert_eq!(
            settings
                .server_config()
                .request_id_header
                .map(|name| name.to_string()),
            Some("x-correlation-id".to_owned())
        );
        jail.set_env("SUPERTOKENS_REQUEST_ID_HEADER", "bad header");
        let error = single_problem(&[]);
        assert!(error.contains("SUPERTOKENS_REQUEST_ID_HEADER"), "{error}");
        assert!(error.contains("HTTP header name"), "{error}");
        Ok(())
    });
}

#[test]
fn request_id_header_cannot_be_a_secret_header() {
    Jail::expect_with(|jail| {
        for secret in ["api-key", "Authorization", "cookie"] {
            jail.set_env("SUPERTOKENS_REQUEST_ID_HEADER", secret);
            let error = single_problem(&[]);
            assert!(error.contains("request_id_header"), "{error}");
            assert!(error.contains("carries secrets"), "{error}");
        }
        Ok(())
    });
}

#[cfg(not(feature = "otel"))]
#[test]
fn otel_endpoint_needs_the_otel_feature() {
    Jail::expect_with(|jail| {
        assert!(load_args(&[]).unwrap().otel.is_none());
        jail.create_file(
            "config.yaml",
            "otel_exporter_otlp_endpoint: http://localhost:4318\n",
        )?;
        let error = single_problem(&[]);
        assert!(error.contains("otel_exporter_otlp_endpoint"), "{error}");
        assert!(
            error.contains("SUPERTOKENS_OTEL_EXPORTER_OTLP_ENDPOINT"),
            "{error}"
        );
        assert!(error.contains("--features otel"), "{error}");
        Ok(())
    });
}

#[cfg(not(feature = "otel"))]
#[test]
fn standard_otel_variable_without_the_feature_only_warns() {
    Jail::expect_with(|jail| {
        jail.set_env(OTEL_ENDPOINT_ENV, "http://collector:4318");
        let settings = load_args(&[]).unwrap();
        assert!(settings.otel.is_none());
        assert!(
            settings
                .warnings
                .iter()
                .any(|warning| warning.contains(OTEL_ENDPOINT_ENV)
                    && warning.contains("--features otel")),
            "{:?}",
            settings.warnings
        );
        Ok(())
    });
}

#[cfg(feature = "otel")]
#[test]
fn otel_settings_from_the_key_or_the_standard_variables() {
    Jail::expect_with(|jail| {
        assert!(load_args(&[]).unwrap().otel.is_none());
        jail.set_env(OTEL_ENDPOINT_ENV, "http://collector:4318/");
        let otel = load_args(&[]).unwrap().otel.unwrap();
        assert_eq!(otel.traces_url(), "http://collector:4318/v1/traces");
        assert_eq!(otel.service_name, DEFAULT_OTEL_SERVICE_NAME);
        jail.set_env(OTEL_SERVICE_NAME_ENV, "auth-eu");
        jail.create_file(
            "config.yaml",
            "otel_exporter_otlp_endpoint: https://otel.internal:4318\n",
        )?;
        let otel = load_args(&[]).unwrap().otel.unwrap();
        assert_eq!(otel.endpoint, "https://otel.internal:4318");
        assert_eq!(otel.service_name, "auth-eu");
        jail.set_env("SUPERTOKENS_OTEL_SERVICE_NAME", "auth-main");
        assert_eq!(
            load_args(&[]).unwrap().otel.unwrap().service_name,
            "auth-main"
        );
        jail.set_env("SUPERTOKENS_OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318");
        let error = single_problem(&[]);
        assert!(error.contains("http:// or https://"), "{error}");
        Ok(())
    });
}

#[test]
fn rate_limit_keys_default_and_override() {
    Jail::expect_with(|jail| {
        let settings = load_args(&[]).unwrap();
        assert_eq!(settings.core.rate_limits, RateLimitConfig::default());
        jail.create_file(
            "config.yaml",
            "rate_limits_enabled: false\nsign_in_free_failures: 0\nsign_in_base_delay_ms: 250\n\
             sign_in_max_delay_ms: 60000\nsign_in_failure_memory_ms: 120000\n\
             sign_up_per_email_limit: 3\nsign_up_per_email_window_ms: 1000\n\
             password_reset_per_user_limit: 4\npassword_reset_per_user_window_ms: 2000\n",
        )?;
        jail.set_env("SUPERTOKENS_PASSWORDLESS_CODES_PER_CONTACT_LIMIT", "7");
        jail.set_env(
            "SUPERTOKENS_PASSWORDLESS_CODES_PER_CONTACT_WINDOW_MS",
            "3000",
        );
        jail.set_env("SUPERTOKENS_RATE_LIMITS_ENABLED", "true");
        let limits = load_args(&[]).unwrap().core.rate_limits;
        let window = |limit, ms| WindowLimit {
            limit,
            window: Duration::from_millis(ms),
        };
        assert_eq!(
            limits,
            RateLimitConfig {
                enabled: true,
                sign_in: SignInBackoff {
                    free_failures: 0,
                    base_delay: Duration::from_millis(250),
                    max_delay: Duration::from_secs(60),
                    failure_memory: Duration::from_secs(120),
                },
                sign_up_per_email: window(3, 1000),
                password_reset_per_user: window(4, 2000),
                passwordless_codes_per_contact: window(7, 3000),
            }
        );
        assert!(load_args(&[]).unwrap().warnings.is_empty());
        jail.set_env("SUPERTOKENS_RATE_LIMITS_ENABLED", "false");
        let settings = load_args(&[]).unwrap();
        assert!(!settings.core.rate_limits.enabled);
        assert!(
            settings
                .warnings
                .iter()
                .any(|warning| warning.contains("rate_limits_enabled is false")),
            "{:?}",
            settings.warnings
        );
        Ok(())
    });
}

#[test]
fn bad_rate_limit_values_name_the_key() {
    for (yaml, needle) in [
        (
            "sign_in_base_delay_ms: 5000\nsign_in_max_delay_ms: 1000\n",
            "sign_in_max_delay_ms (SUPERTOKENS_SIGN_IN_MAX_DELAY_MS)",
        ),
        ("sign_up_per_email_limit: 0\n", "sign_up_per_email_limit"),
        (
            "password_reset_per_user_window_ms: 0\n",
            "password_reset_per_user_window_ms",
        ),
        (
            "passwordless_codes_per_contact_limit: 1000001\n",
            "passwordless_codes_per_contact_limit",
        ),
        (
            "sign_in_failure_memory_ms: 0\n",
            "sign_in_failure_memory_ms",
        ),
        ("rate_limits_enabled: maybe\n", "rate_limits_enabled"),
    ] {
        Jail::expect_with(|jail| {
            jail.create_file("config.yaml", yaml)?;
            let error = single_problem(&[]);
            assert!(error.contains(needle), "{yaml}: {error}");
            Ok(())
        });
    }
}

/// Fuzz finding F3 (`tests/fuzz/README.md`): a file that is not a YAML mapping is never echoed
/// in the error; the error says what the file holds and where.
#[test]
fn a_file_that_is_not_a_mapping_is_not_echoed() {
    Jail::expect_with(|jail| {
        for (file, secret, found) in [
            // A typo: no space after the colon makes the whole line one string.
            (
                "api_keys:key-one-at-least-20-chars-secret\n",
                "key-one-at-least-20-chars-secret",
                "but it holds a string starting on line 1; a `key: value` line needs a space \
                 after the colon",
            ),
            // The fuzzer's input.
            (
                "api_keys:UUUUUUUtoi_keys:UUUUUUUtorrh\n2",
                "UUUUUUUtorrh",
                "but it holds a string starting on line 1;",
            ),
            (
                "# keys\n\n---\nkey-one-at-least-20-chars-secret\n",
                "key-one-at-least-20-chars-secret",
                "but it holds a string starting on line 4",
            ),
            (
                "- key-one-at-least-20-chars-secret\n- b\n",
                "key-one-at-least-20-chars-secret",
                "but it holds a list starting on line 1",
            ),
            (
                "12345678901234567890123\n",
                "12345678901234567890123",
                "but it holds a number",
            ),
            ("true\n", "true", "but it holds a boolean"),
            ("~\n", "~", "but it holds nothing (null)"),
        ] {
            jail.create_file("config.yaml", file)?;
            let error = single_problem(&[]);
            assert!(
                error.contains(
                    "config file config.yaml must be a YAML mapping of keys to values \
                     (`key: value` lines), "
                ),
                "{error}"
            );
            assert!(error.contains(found), "{file:?}: {error}");
            assert!(!error.contains(secret), "{file:?}: {error}");
            assert!(!format!("{:?}", load_args(&[])).contains(secret));
        }
        Ok(())
    });
}

#[test]
fn yaml_syntax_errors_leave_quoted_values_out() {
    Jail::expect_with(|jail| {
        for file in [
            "port: [1, 2\n",
            "api_keys: \"key-one-at-least-20-chars-secret\n",
            "api_keys: key-one-at-least-20-chars-secret\n  - x: y\n",
            "api_keys: 'key-one-at-least-20-chars-secret'\napi_keys: 'key-one-at-least-20-chars-secret'\n",
            "\"key-one-at-least-20-chars-secret\": 1: 2\n",
            "? [key-one-at-least-20-chars-secret]\n: x\n",
            "&a key-one-at-least-20-chars-secret: *b\n",
            "api_keys: !!binary key-one-at-least-20-chars-secret\n",
            "api_keys: 1\n\tkey-one-at-least-20-chars-secret\n",
        ] {
            jail.create_file("config.yaml", file)?;
            if let Err(error) = load_args(&[]) {
                let error = format!("{error} {error:?}");
                assert!(!error.contains("20-chars-secret"), "{file:?}: {error}");
            }
        }
        jail.create_file("config.yaml", "port: [1, 2\n")?;
        let error = single_problem(&[]);
        assert!(error.contains("is not valid YAML: "), "{error}");
        assert!(error.contains("line"), "{error}");
        Ok(())
    });
}

#[test]
fn quoted_values_are_left_out_of_parser_messages() {
    assert_eq!(
        without_quoted_values(r#"invalid type: string "se\"cret", expected a map at line 1"#),
        r#"invalid type: string "…", expected a map at line 1"#
    );
    assert_eq!(
        without_quoted_values("invalid type: integer `42`, expected a map"),
        "invalid type: integer `…`, expected a map"
    );
    assert_eq!(without_quoted_values("unclosed \"secret"), "unclosed \"…");
    assert_eq!(
        without_quoted_values("did not find expected key"),
        "did not find expected key"
    );
}
