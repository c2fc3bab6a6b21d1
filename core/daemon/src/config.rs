//! Layered, typed configuration that fails fast.
//!
//! Layers, lowest first: defaults → YAML file → `SUPERTOKENS_*` environment variables →
//! command-line flags. The file is `--config` / `SUPERTOKENS_CONFIG_FILE`, else
//! `./config.yaml` when it exists. Key names follow the Java core's `config.yaml` where one
//! exists, so an existing file mostly carries over.
//!
//! [`load`] validates everything before anything starts: every problem is reported at once,
//! each naming the key, its environment variable and where the bad value came from. Unknown
//! keys in the file are errors (a typo in auth config must not silently fall back to a
//! default); unknown `SUPERTOKENS_*` variables are ignored, since the environment is shared.
//! Secrets (API keys, the database URL) are held as [`SecretString`] and never echoed.

pub mod keys;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Format, Serialized, Yaml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider, Source};
use http::HeaderName;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};
use supertokens_core_engine::config::default_hashing_pool_size;
use supertokens_core_engine::config::{RateLimitConfig, SignInBackoff, WindowLimit};
use supertokens_core_engine::{CleanupConfig, CoreConfig};
use supertokens_core_http::ServerConfig;
use supertokens_crypto::password::{
    ARGON2_MAX_ITERATIONS, ARGON2_MAX_MEMORY_KIB, ARGON2_MAX_PARALLELISM, BCRYPT_MAX_COST,
    BCRYPT_MIN_COST, PasswordHashingPolicy,
};
use supertokens_storage::{ConnectOptions, SqliteTuning};

use crate::cli::Cli;
use crate::logging::{LogFormat, LogLevel};

/// Config file used when none is given, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "config.yaml";
/// Name of the SQLite file created under `data_dir` when no `database_url` is given.
pub const DEFAULT_DATABASE_FILE: &str = "supertokens.db";
/// How long a query waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Statements per table per cleanup run.
const CLEANUP_MAX_BATCHES_PER_RUN: u32 = 100;
/// Metadata name of the command-line layer.
const CLI_SOURCE: &str = "command-line flags";

// The bounds shared with the per-app overrides (`coreConfig`) live in the engine.
use supertokens_core_engine::config::limits::{
    MAX_ACCESS_TOKEN_VALIDITY_SECONDS, MAX_LIFETIME_MS, MAX_PASSWORDLESS_CODE_INPUT_ATTEMPTS,
    MAX_RATE_LIMIT, MAX_REFRESH_TOKEN_VALIDITY_MINUTES, MAX_SIGNING_KEY_INTERVAL_HOURS,
};
const MAX_HASHING_POOL_SIZE: u64 = 1024;
const MAX_DB_CONNECTIONS: u32 = 1000;
const MAX_SQLITE_WAL_AUTOCHECKPOINT_PAGES: u32 = 1_048_576; // 4 GiB of 4 KiB pages
const MAX_SQLITE_WAL_TRUNCATE_MB: u64 = 65_536;
const MAX_SQLITE_CACHE_SIZE_MB: u32 = 4096;
const MAX_CLEANUP_INTERVAL_SECONDS: u64 = 31_536_000; // 1 year
const MAX_CLEANUP_BATCH_SIZE: u32 = 100_000;
const MIN_API_KEY_LEN: usize = 20;
/// Headers that carry credentials, never taken as a request id source.
const SECRET_HEADERS: &[&str] = &[
    "api-key",
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "st-auth-mode",
    "anti-csrf",
    "st-access-token",
    "st-refresh-token",
    "front-token",
];
/// The standard variable of the OTLP endpoint, read when the key is not set.
pub const OTEL_ENDPOINT_ENV: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
/// The standard variable of the service name, read when the key is not set.
pub const OTEL_SERVICE_NAME_ENV: &str = "OTEL_SERVICE_NAME";
/// `service.name` of exported traces by default.
pub const DEFAULT_OTEL_SERVICE_NAME: &str = "supertokens-core";
/// Whether this build can export traces (cargo feature `otel`).
const OTEL_BUILT_IN: bool = cfg!(feature = "otel");

/// Where and as what request spans are exported (OpenTelemetry, OTLP over HTTP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtelSettings {
    /// Base URL of the collector (`http://localhost:4318`); spans go to `/v1/traces`.
    pub endpoint: String,
    /// `service.name` resource attribute.
    pub service_name: String,
}

impl OtelSettings {
    /// The URL spans are sent to: the base URL with `/v1/traces`.
    pub fn traces_url(&self) -> String {
        format!("{}/v1/traces", self.endpoint.trim_end_matches('/'))
    }
}

/// The validated configuration of the daemon, in final units.
#[derive(Debug)]
pub struct Settings {
    /// Address to bind (IPv6 without brackets).
    pub host: String,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    /// Accepted API keys; empty means open to anyone who can reach the port.
    pub api_keys: Vec<SecretString>,
    /// Route prefix, normalised: empty or `/x` without a trailing slash.
    pub base_path: String,
    /// Database URL; may hold a password.
    pub database_url: SecretString,
    /// The data directory.
    pub data_dir: PathBuf,
    /// Whether `database_url` is the default SQLite file under `data_dir`, which then has to
    /// be created at start.
    pub database_in_data_dir: bool,
    /// Connection pool settings.
    pub connect: ConnectOptions,
    /// Engine settings.
    pub core: CoreConfig,
    /// Log verbosity.
    pub log_level: LogLevel,
    /// Log line format.
    pub log_format: LogFormat,
    /// Header that may carry the caller's request id (lower case), if configured.
    pub request_id_header: Option<HeaderName>,
    /// Where to export traces, when enabled.
    pub otel: Option<OtelSettings>,
    /// The config file that was read, if any.
    pub config_file: Option<PathBuf>,
    /// Warnings found while loading (ignored Java keys), to log once logging is up.
    pub warnings: Vec<String>,
}

impl Settings {
    /// Settings of the HTTP layer. The returned value holds the API keys in clear text; its
    /// `Debug` redacts them.
    pub fn server_config(&self) -> ServerConfig {
        ServerConfig {
            api_keys: self
                .api_keys
                .iter()
                .map(|key| key.expose_secret().to_owned())
                .collect(),
            base_path: self.base_path.clone(),
            request_id_header: self.request_id_header.clone(),
        }
    }

    /// The database URL with any password replaced by `***`, safe to log.
    pub fn redacted_database_url(&self) -> String {
        redact_url(self.database_url.expose_secret())
    }
}

/// Why the configuration was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file named by `--config` / `SUPERTOKENS_CONFIG_FILE` does not exist.
    #[error(
        "invalid configuration: config file {} (given by --config or SUPERTOKENS_CONFIG_FILE) \
         does not exist",
        .0.display()
    )]
    MissingFile(PathBuf),
    /// The config file could not be read.
    #[error("invalid configuration: cannot read config file {}: {message}", path.display())]
    UnreadableFile {
        /// The file.
        path: PathBuf,
        /// The reason.
        message: String,
    },
    /// One or more keys are unknown or have bad values.
    #[error("{}", render_problems(.0))]
    Invalid(Vec<Problem>),
}

impl ConfigError {
    /// The problems of an [`ConfigError::Invalid`]; empty for the other kinds.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Invalid(problems) => problems,
            _ => &[],
        }
    }
}

/// One reason the configuration was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The key at fault, when there is one.
    pub key: Option<String>,
    /// The full message, naming the key, its environment variable and the value's origin.
    pub text: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Problem {
    /// A problem with a known key: `key (SUPERTOKENS_KEY) message (from origin)`.
    fn for_key(key: &str, message: &str, origin: Option<String>) -> Self {
        let origin = origin
            .map(|origin| format!(" (from {origin})"))
            .unwrap_or_default();
        Self {
            key: Some(key.to_owned()),
            text: format!("{key} ({}) {message}{origin}", keys::env_var(key)),
        }
    }

    /// A problem with a key that is not one of ours.
    fn unknown_key(key: &str, text: String) -> Self {
        Self {
            key: Some(key.to_owned()),
            text,
        }
    }

    /// A problem with no single key (e.g. a YAML syntax error).
    fn general(text: String) -> Self {
        Self { key: None, text }
    }
}

fn render_problems(problems: &[Problem]) -> String {
    match problems {
        [one] => format!("invalid configuration: {one}"),
        many => {
            let mut text = format!("invalid configuration ({} problems):", many.len());
            for problem in many {
                text.push_str("\n  - ");
                text.push_str(&problem.text);
            }
            text
        }
    }
}

/// Reads and validates the configuration from every layer.
pub fn load(cli: &Cli) -> Result<Settings, ConfigError> {
    let mut warnings = Vec::new();
    let mut problems = Vec::new();
    let config_file = locate_config_file(cli)?;

    let mut figment = Figment::from(Serialized::defaults(RawConfig::default()));
    if let Some(path) = &config_file {
        let file = ConfigFile::read(path, &mut warnings, &mut problems)?;
        figment = figment.merge(file);
    }
    figment = figment.merge(EnvLayer).merge(CliLayer(cli));

    let raw = match figment.extract_lossy::<RawConfig>() {
        Ok(raw) => Some(raw),
        Err(error) => {
            problems.extend(error.into_iter().map(|error| figment_problem(&error)));
            None
        }
    };
    let settings = raw.and_then(|raw| {
        let mut checker = Checker {
            figment: &figment,
            problems: &mut problems,
        };
        checker.validate(raw, config_file, warnings)
    });
    match settings {
        Some(settings) if problems.is_empty() => Ok(settings),
        _ => Err(ConfigError::Invalid(problems)),
    }
}

fn locate_config_file(cli: &Cli) -> Result<Option<PathBuf>, ConfigError> {
    match &cli.config {
        Some(path) if path.is_file() => Ok(Some(path.clone())),
        Some(path) if path.exists() => Err(ConfigError::UnreadableFile {
            path: path.clone(),
            message: "not a regular file".to_owned(),
        }),
        Some(path) => Err(ConfigError::MissingFile(path.clone())),
        None => {
            let path = PathBuf::from(DEFAULT_CONFIG_FILE);
            Ok(path.is_file().then_some(path))
        }
    }
}

/// The YAML file as a provider, with the ignored Java keys and null values removed.
struct ConfigFile {
    path: PathBuf,
    dict: Dict,
}

impl ConfigFile {
    fn read(
        path: &Path,
        warnings: &mut Vec<String>,
        problems: &mut Vec<Problem>,
    ) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::UnreadableFile {
            path: path.to_owned(),
            message: error.to_string(),
        })?;
        let shown = path.display();
        let only_comments = text.lines().all(|line| {
            let line = line.trim();
            line.is_empty() || line.starts_with('#') || line == "---"
        });
        let parsed = if only_comments {
            Dict::new()
        } else {
            match Yaml::string(&text).data() {
                Ok(mut profiles) => profiles.remove(&Profile::Default).unwrap_or_default(),
                Err(error) => {
                    problems.push(not_a_mapping(&shown.to_string(), &text, &error.kind));
                    Dict::new()
                }
            }
        };
        let mut dict = Dict::new();
        for (key, value) in parsed {
            if keys::find(&key).is_some() {
                if !matches!(value, Value::Empty(..)) {
                    dict.insert(key, value);
                }
            } else if keys::SILENTLY_IGNORED_JAVA_KEYS.contains(&key.as_str()) {
            } else if let Some((_, why)) = keys::WARN_IGNORED_JAVA_KEYS
                .iter()
                .find(|(java, _)| *java == key)
            {
                warnings.push(format!(
                    "config file {shown}: ignoring `{key}`, a setting of the Java core: {why}"
                ));
            } else {
                problems.push(Problem::unknown_key(&key, unknown_key_message(&key, path)));
            }
        }
        Ok(Self {
            path: path.to_owned(),
            dict,
        })
    }
}

/// The problem of a config file that is not a YAML mapping of keys to values. It never
/// shows the file's content (which may hold an API key, e.g. `api_keys:key…` without the
/// space after the colon is one string): it says what the file holds instead (a string, a
/// list, …) and where, or, for a YAML syntax error, the parser's message with any quoted
/// value left out.
fn not_a_mapping(shown: &str, text: &str, kind: &figment::error::Kind) -> Problem {
    let expected = "must be a YAML mapping of keys to values (`key: value` lines)";
    match Yaml::from_str::<Value>(text) {
        Ok(value) if !matches!(value, Value::Dict(..)) => {
            let found = describe_type(&value.to_actual());
            // The document starts on its first line that is not blank, a comment or `---`.
            let line = text
                .lines()
                .position(|line| {
                    let line = line.trim();
                    !(line.is_empty() || line.starts_with('#') || line == "---")
                })
                .map(|index| format!(" starting on line {}", index + 1))
                .unwrap_or_default();
            let hint = match &value {
                Value::String(_, string) if string.contains(':') => {
                    "; a `key: value` line needs a space after the colon"
                }
                _ => "",
            };
            Problem::general(format!(
                "config file {shown} {expected}, but it holds {found}{line}{hint}"
            ))
        }
        _ => Problem::general(format!(
            "config file {shown} {expected}, but it is not valid YAML: {}",
            without_quoted_values(&kind.to_string())
        )),
    }
}

/// `message` with every `"…"` and `` `…` `` part replaced by `…`: serde and the YAML parser
/// quote the values they show, and a value of a config file may be a secret.
fn without_quoted_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut closing: Option<char> = None;
    let mut escaped = false;
    for c in message.chars() {
        match closing {
            Some(end) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && end == '"' {
                    escaped = true;
                } else if c == end {
                    closing = None;
                    out.push('…');
                    out.push(c);
                }
            }
            None => {
                out.push(c);
                if c == '"' || c == '`' {
                    closing = Some(c);
                }
            }
        }
    }
    if closing.is_some() {
        out.push('…');
    }
    out
}

fn unknown_key_message(key: &str, path: &Path) -> String {
    let shown = path.display();
    if keys::UNSUPPORTED_JAVA_KEYS.contains(&key) {
        format!(
            "`{key}` in config file {shown} is a setting of the Java core that this core does \
             not implement; remove it"
        )
    } else if key.starts_with("postgresql_") || key.starts_with("mysql_") {
        format!(
            "`{key}` in config file {shown} is a database setting of the Java core; use \
             database_url (SUPERTOKENS_DATABASE_URL) instead"
        )
    } else {
        let hint = keys::closest(key)
            .map(|known| format!("; did you mean `{known}`?"))
            .unwrap_or_else(|| "; see --help for the list of keys".to_owned());
        format!("unknown key `{key}` in config file {shown}{hint}")
    }
}

impl Provider for ConfigFile {
    fn metadata(&self) -> Metadata {
        Metadata::from("config file", Source::File(self.path.clone()))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.dict.clone()))
    }
}

/// Keys whose values are text: their environment values are taken verbatim, never parsed
/// (so `SUPERTOKENS_HOST=[::1]` stays a string and a numeric API key keeps every digit).
const TEXT_KEYS: &[&str] = &[
    "host",
    "base_path",
    "api_keys",
    "api_keys_file",
    "data_dir",
    "database_url",
    "database_url_file",
    "password_hashing_alg",
    "log_level",
    "log_format",
    "request_id_header",
    "otel_exporter_otlp_endpoint",
    "otel_service_name",
];

/// The `SUPERTOKENS_<KEY>` environment variables of the known keys; others are ignored
/// (`SUPERTOKENS_CONFIG_FILE` is read by the flag parser).
struct EnvLayer;

impl Provider for EnvLayer {
    fn metadata(&self) -> Metadata {
        Metadata::named("environment variables").interpolater(|_: &Profile, path: &[&str]| {
            keys::env_var(path.first().copied().unwrap_or(""))
        })
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let prefix = keys::ENV_PREFIX.to_ascii_lowercase();
        let mut dict = Dict::new();
        for (name, value) in std::env::vars_os() {
            let Some(name) = name.to_str() else { continue };
            let lower = name.to_ascii_lowercase();
            let Some(key) = lower
                .strip_prefix(&prefix)
                .filter(|key| keys::find(key).is_some())
            else {
                continue;
            };
            let Some(value) = value.to_str() else {
                return Err(
                    figment::Error::from(format!("{name} is not valid UTF-8")).with_path(key)
                );
            };
            dict.insert(key.to_owned(), env_value(key, value));
        }
        Ok(Profile::Default.collect(dict))
    }
}

/// An environment value: verbatim for text keys, else a number when it reads as one (a
/// string otherwise, which then fails the type check with the key named).
fn env_value(key: &str, value: &str) -> Value {
    if TEXT_KEYS.contains(&key) {
        return Value::from(value.to_owned());
    }
    let trimmed = value.trim();
    if let Ok(number) = trimmed.parse::<u64>() {
        Value::from(number)
    } else if let Ok(number) = trimmed.parse::<i64>() {
        Value::from(number)
    } else if let Ok(number) = trimmed.parse::<f64>() {
        Value::from(number)
    } else {
        Value::from(value.to_owned())
    }
}

/// The command-line flags as the top layer.
struct CliLayer<'a>(&'a Cli);

impl Provider for CliLayer<'_> {
    fn metadata(&self) -> Metadata {
        Metadata::named(CLI_SOURCE)
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let cli = self.0;
        let mut dict = Dict::new();
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                dict.insert(key.to_owned(), value);
            }
        };
        put("host", cli.host.clone().map(Value::from));
        put("port", cli.port.map(Value::from));
        put("database_url", cli.database_url.clone().map(Value::from));
        put("data_dir", cli.data_dir.clone().map(Value::from));
        put("api_keys", cli.api_keys.clone().map(Value::from));
        put(
            "access_token_validity",
            cli.access_token_validity.map(Value::from),
        );
        put("log_level", cli.log_level.clone().map(Value::from));
        Ok(Profile::Default.collect(dict))
    }
}

/// Where the value of `key` came from, for messages; `None` for defaults.
fn origin(metadata: Option<&Metadata>, key: &str) -> Option<String> {
    let metadata = metadata?;
    if let Some(Source::File(path)) = &metadata.source {
        return Some(format!("config file {}", path.display()));
    }
    if metadata.name == CLI_SOURCE {
        let flag = keys::find(key).and_then(|doc| doc.flag).unwrap_or("flag");
        return Some(format!("command-line flag {flag}"));
    }
    if metadata.name.contains("environment") {
        return Some(format!("environment variable {}", keys::env_var(key)));
    }
    None
}

/// Turns one figment error (a type error, a YAML error) into a problem naming the key.
fn figment_problem(error: &figment::Error) -> Problem {
    use figment::error::Kind;

    let Some(key) = error.path.first().cloned() else {
        let origin = origin(error.metadata.as_ref(), "").unwrap_or_else(|| "configuration".into());
        return Problem::general(format!("{origin}: {}", error.kind));
    };
    let secret = matches!(key.as_str(), "api_keys" | "database_url");
    let message = match &error.kind {
        Kind::InvalidType(actual, expected) | Kind::InvalidValue(actual, expected) => {
            let actual = if secret {
                describe_type(actual)
            } else {
                actual.to_string()
            };
            format!("must be {}, got {actual}", friendly_expected(expected))
        }
        Kind::Message(message) => message.clone(),
        other => other.to_string(),
    };
    let where_ = if error.path.len() > 1 {
        format!(" (at {})", error.path.join("."))
    } else {
        String::new()
    };
    Problem::for_key(
        &key,
        &format!("{message}{where_}"),
        origin(error.metadata.as_ref(), &key),
    )
}

fn describe_type(actual: &figment::error::Actual) -> String {
    use figment::error::Actual;
    match actual {
        Actual::Bool(_) => "a boolean".into(),
        Actual::Unsigned(_) | Actual::Signed(_) | Actual::Float(_) => "a number".into(),
        Actual::Char(_) | Actual::Str(_) => "a string".into(),
        Actual::Seq => "a list".into(),
        Actual::Map => "a mapping".into(),
        Actual::Unit | Actual::Option => "nothing (null)".into(),
        _ => "a value of another type".into(),
    }
}

fn friendly_expected(expected: &str) -> String {
    match expected {
        "u16" => "a whole number from 0 to 65535".into(),
        "u32" => "a whole number from 0 to 4294967295".into(),
        "u64" | "usize" => "a whole number of at least 0".into(),
        "f64" => "a number".into(),
        other => other.into(),
    }
}

/// The configuration as read, before validation. Every field has a default, so a missing key
/// is never an error.
#[derive(Serialize, Deserialize)]
struct RawConfig {
    port: u16,
    #[serde(deserialize_with = "lenient_string")]
    host: String,
    #[serde(deserialize_with = "lenient_string")]
    base_path: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "some_api_keys"
    )]
    api_keys: Option<Vec<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "some_string"
    )]
    api_keys_file: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    data_dir: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "some_string"
    )]
    database_url: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "some_string"
    )]
    database_url_file: Option<String>,
    max_db_connections: u32,
    sqlite_wal_autocheckpoint_pages: u32,
    sqlite_wal_truncate_mb: u64,
    sqlite_cache_size_mb: u32,
    access_token_validity: u64,
    refresh_token_validity: f64,
    password_reset_token_lifetime: u64,
    email_verification_token_lifetime: u64,
    passwordless_code_lifetime: u64,
    passwordless_max_code_input_attempts: u32,
    access_token_dynamic_signing_key_update_interval: f64,
    #[serde(deserialize_with = "lenient_string")]
    password_hashing_alg: String,
    argon2_iterations: u32,
    argon2_memory_kb: u32,
    argon2_parallelism: u32,
    argon2_hashing_pool_size: u64,
    bcrypt_log_rounds: u32,
    cleanup_interval_seconds: u64,
    cleanup_batch_size: u32,
    rate_limits_enabled: bool,
    sign_in_free_failures: u32,
    sign_in_base_delay_ms: u64,
    sign_in_max_delay_ms: u64,
    sign_in_failure_memory_ms: u64,
    sign_up_per_email_limit: u32,
    sign_up_per_email_window_ms: u64,
    password_reset_per_user_limit: u32,
    password_reset_per_user_window_ms: u64,
    passwordless_codes_per_contact_limit: u32,
    passwordless_codes_per_contact_window_ms: u64,
    #[serde(deserialize_with = "lenient_string")]
    log_level: String,
    #[serde(deserialize_with = "lenient_string")]
    log_format: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "some_string"
    )]
    request_id_header: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "some_string"
    )]
    otel_exporter_otlp_endpoint: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "some_string"
    )]
    otel_service_name: Option<String>,
}

impl Default for RawConfig {
    fn default() -> Self {
        Self {
            port: 3567,
            host: "127.0.0.1".into(),
            base_path: String::new(),
            api_keys: None,
            api_keys_file: None,
            data_dir: "./supertokens-data".into(),
            database_url: None,
            database_url_file: None,
            max_db_connections: 10,
            sqlite_wal_autocheckpoint_pages: 65_536,
            sqlite_wal_truncate_mb: 64,
            sqlite_cache_size_mb: 8,
            access_token_validity: 3600,
            refresh_token_validity: 144_000.0,
            password_reset_token_lifetime: 3_600_000,
            email_verification_token_lifetime: 86_400_000,
            passwordless_code_lifetime: 900_000,
            passwordless_max_code_input_attempts: 5,
            access_token_dynamic_signing_key_update_interval: 168.0,
            password_hashing_alg: "ARGON2".into(),
            argon2_iterations: 2,
            argon2_memory_kb: 19_456,
            argon2_parallelism: 1,
            argon2_hashing_pool_size: u64::try_from(default_hashing_pool_size()).unwrap_or(1),
            bcrypt_log_rounds: 11,
            cleanup_interval_seconds: 3600,
            cleanup_batch_size: 1000,
            rate_limits_enabled: true,
            sign_in_free_failures: 5,
            sign_in_base_delay_ms: 1000,
            sign_in_max_delay_ms: 900_000,
            sign_in_failure_memory_ms: 3_600_000,
            sign_up_per_email_limit: 10,
            sign_up_per_email_window_ms: 600_000,
            password_reset_per_user_limit: 5,
            password_reset_per_user_window_ms: 3_600_000,
            passwordless_codes_per_contact_limit: 10,
            passwordless_codes_per_contact_window_ms: 3_600_000,
            log_level: "INFO".into(),
            log_format: "text".into(),
            request_id_header: None,
            otel_exporter_otlp_endpoint: None,
            otel_service_name: None,
        }
    }
}

/// A string that may also have been written as a number or boolean (environment values such
/// as `SUPERTOKENS_HOST=0` are parsed by type).
struct LenientString(String);

impl<'de> Deserialize<'de> for LenientString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = LenientString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LenientString(v.to_owned()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(LenientString(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(LenientString(v.to_string()))
            }
            fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Self::Value, E> {
                Ok(LenientString(v.to_string()))
            }
            fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Self::Value, E> {
                Ok(LenientString(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(LenientString(v.to_string()))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(LenientString(v.to_string()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

fn lenient_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    LenientString::deserialize(deserializer).map(|s| s.0)
}

fn some_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    lenient_string(deserializer).map(Some)
}

/// `api_keys` as a comma-separated string (the Java core's form) or a YAML list.
fn some_api_keys<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a comma-separated string of API keys or a list of API keys")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(split_api_keys(v))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Self::Value, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut keys = Vec::new();
            while let Some(LenientString(key)) = seq.next_element()? {
                let key = key.trim();
                if !key.is_empty() {
                    keys.push(key.to_owned());
                }
            }
            Ok(keys)
        }
    }
    deserializer.deserialize_any(Visitor).map(Some)
}

/// Splits the Java core's `key1,key2` form (newlines also separate, for key files).
fn split_api_keys(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Validation of a [`RawConfig`], collecting every problem.
struct Checker<'a> {
    figment: &'a Figment,
    problems: &'a mut Vec<Problem>,
}

impl Checker<'_> {
    fn fail(&mut self, key: &str, message: &str) {
        let origin = origin(self.figment.find_metadata(key), key);
        self.problems.push(Problem::for_key(key, message, origin));
    }

    /// Checks `min <= value <= max`; `unit` is appended to the bounds (" seconds").
    fn range<T: PartialOrd + fmt::Display + Copy>(
        &mut self,
        key: &str,
        value: T,
        min: T,
        max: T,
        unit: &str,
    ) -> bool {
        if value < min || value > max {
            self.fail(
                key,
                &format!("must be between {min} and {max}{unit}, got {value}"),
            );
            return false;
        }
        true
    }

    /// Checks a fractional amount: finite, above zero, at most `max`.
    fn positive(&mut self, key: &str, value: f64, max: f64, unit: &str) -> bool {
        if !value.is_finite() || value <= 0.0 || value > max {
            self.fail(
                key,
                &format!(
                    "must be a number of {unit} greater than 0 and at most {max}, got {value}"
                ),
            );
            return false;
        }
        true
    }

    fn validate(
        &mut self,
        mut raw: RawConfig,
        config_file: Option<PathBuf>,
        mut warnings: Vec<String>,
    ) -> Option<Settings> {
        let host = self.host(&raw.host);
        let base_path = self.base_path(&raw.base_path);
        let api_keys = self.api_keys(raw.api_keys.take(), raw.api_keys_file.take());
        let data_dir = PathBuf::from(&raw.data_dir);
        if raw.data_dir.trim().is_empty() {
            self.fail("data_dir", "must not be empty");
        }
        let (database_url, database_in_data_dir) = self.database_url(
            raw.database_url.take(),
            raw.database_url_file.take(),
            &data_dir,
        );
        self.range(
            "max_db_connections",
            raw.max_db_connections,
            1,
            MAX_DB_CONNECTIONS,
            "",
        );
        self.range(
            "sqlite_wal_autocheckpoint_pages",
            raw.sqlite_wal_autocheckpoint_pages,
            1,
            MAX_SQLITE_WAL_AUTOCHECKPOINT_PAGES,
            " pages",
        );
        self.range(
            "sqlite_wal_truncate_mb",
            raw.sqlite_wal_truncate_mb,
            0,
            MAX_SQLITE_WAL_TRUNCATE_MB,
            " MB",
        );
        self.range(
            "sqlite_cache_size_mb",
            raw.sqlite_cache_size_mb,
            1,
            MAX_SQLITE_CACHE_SIZE_MB,
            " MB",
        );

        let access_ok = self.range(
            "access_token_validity",
            raw.access_token_validity,
            1,
            MAX_ACCESS_TOKEN_VALIDITY_SECONDS,
            " seconds",
        );
        let access_token_validity = Duration::from_secs(raw.access_token_validity);
        let refresh_ok = self.positive(
            "refresh_token_validity",
            raw.refresh_token_validity,
            MAX_REFRESH_TOKEN_VALIDITY_MINUTES,
            "minutes",
        );
        let refresh_token_validity = if refresh_ok {
            Duration::from_secs_f64(raw.refresh_token_validity * 60.0)
        } else {
            Duration::ZERO
        };
        if access_ok && refresh_ok && refresh_token_validity <= access_token_validity {
            self.fail(
                "refresh_token_validity",
                &format!(
                    "must be longer than access_token_validity (SUPERTOKENS_ACCESS_TOKEN_VALIDITY): \
                     {} minutes is not longer than {} seconds",
                    raw.refresh_token_validity, raw.access_token_validity
                ),
            );
        }
        self.range(
            "password_reset_token_lifetime",
            raw.password_reset_token_lifetime,
            1,
            MAX_LIFETIME_MS,
            " milliseconds",
        );
        self.range(
            "email_verification_token_lifetime",
            raw.email_verification_token_lifetime,
            1,
            MAX_LIFETIME_MS,
            " milliseconds",
        );
        self.range(
            "passwordless_code_lifetime",
            raw.passwordless_code_lifetime,
            1,
            MAX_LIFETIME_MS,
            " milliseconds",
        );
        self.range(
            "passwordless_max_code_input_attempts",
            raw.passwordless_max_code_input_attempts,
            1,
            MAX_PASSWORDLESS_CODE_INPUT_ATTEMPTS,
            "",
        );
        let interval_key = "access_token_dynamic_signing_key_update_interval";
        let interval_hours = raw.access_token_dynamic_signing_key_update_interval;
        let signing_key_update_interval = if self.positive(
            interval_key,
            interval_hours,
            MAX_SIGNING_KEY_INTERVAL_HOURS,
            "hours",
        ) {
            let interval = Duration::from_secs_f64(interval_hours * 3600.0);
            if interval < Duration::from_millis(1) {
                self.fail(
                    interval_key,
                    &format!("must be at least 1 millisecond, got {interval_hours} hours"),
                );
            }
            interval
        } else {
            Duration::ZERO
        };

        let password_hashing = self.password_hashing(&raw);
        self.range(
            "argon2_hashing_pool_size",
            raw.argon2_hashing_pool_size,
            1,
            MAX_HASHING_POOL_SIZE,
            "",
        );
        self.range(
            "cleanup_interval_seconds",
            raw.cleanup_interval_seconds,
            1,
            MAX_CLEANUP_INTERVAL_SECONDS,
            " seconds",
        );
        self.range(
            "cleanup_batch_size",
            raw.cleanup_batch_size,
            1,
            MAX_CLEANUP_BATCH_SIZE,
            "",
        );
        let rate_limits = self.rate_limits(&raw);
        if !rate_limits.enabled {
            warnings.push(
                "rate_limits_enabled is false: sign-ins, sign-ups, password reset tokens and \
                 passwordless codes are not limited per account (failed sign-ins are not \
                 delayed)"
                    .to_owned(),
            );
        }

        let log_level = LogLevel::parse(&raw.log_level);
        if log_level.is_none() {
            self.fail(
                "log_level",
                &format!(
                    "must be DEBUG, INFO, WARN, ERROR or NONE, got {:?}",
                    raw.log_level
                ),
            );
        }
        let log_format = LogFormat::parse(&raw.log_format);
        if log_format.is_none() {
            self.fail(
                "log_format",
                &format!("must be text or json, got {:?}", raw.log_format),
            );
        }

        let request_id_header = self.request_id_header(raw.request_id_header.take());
        let otel = self.otel(
            raw.otel_exporter_otlp_endpoint.take(),
            raw.otel_service_name.take(),
            &mut warnings,
        );

        if !self.problems.is_empty() {
            return None;
        }
        Some(Settings {
            host,
            port: raw.port,
            api_keys,
            base_path,
            database_url,
            data_dir,
            database_in_data_dir,
            connect: ConnectOptions {
                max_connections: raw.max_db_connections,
                acquire_timeout: ACQUIRE_TIMEOUT,
                sqlite: SqliteTuning {
                    wal_autocheckpoint_pages: raw.sqlite_wal_autocheckpoint_pages,
                    wal_truncate_bytes: raw.sqlite_wal_truncate_mb.saturating_mul(1024 * 1024),
                    cache_kib: raw.sqlite_cache_size_mb.saturating_mul(1024),
                },
            },
            core: CoreConfig {
                access_token_validity,
                refresh_token_validity,
                password_reset_token_lifetime: Duration::from_millis(
                    raw.password_reset_token_lifetime,
                ),
                email_verification_token_lifetime: Duration::from_millis(
                    raw.email_verification_token_lifetime,
                ),
                passwordless_code_lifetime: Duration::from_millis(raw.passwordless_code_lifetime),
                passwordless_max_code_input_attempts: raw.passwordless_max_code_input_attempts,
                signing_key_update_interval,
                password_hashing: password_hashing?,
                password_hashing_pool_size: usize::try_from(raw.argon2_hashing_pool_size).ok()?,
                cleanup: CleanupConfig {
                    interval: Duration::from_secs(raw.cleanup_interval_seconds),
                    batch_size: raw.cleanup_batch_size,
                    max_batches_per_run: CLEANUP_MAX_BATCHES_PER_RUN,
                },
                rate_limits,
            },
            log_level: log_level?,
            log_format: log_format?,
            request_id_header,
            otel,
            config_file,
            warnings,
        })
    }

    /// The rate limits by account (see `supertokens_core_engine::ratelimit`).
    fn rate_limits(&mut self, raw: &RawConfig) -> RateLimitConfig {
        let ms = " milliseconds";
        self.range(
            "sign_in_free_failures",
            raw.sign_in_free_failures,
            0,
            MAX_RATE_LIMIT,
            "",
        );
        let base_ok = self.range(
            "sign_in_base_delay_ms",
            raw.sign_in_base_delay_ms,
            1,
            MAX_LIFETIME_MS,
            ms,
        );
        let max_ok = self.range(
            "sign_in_max_delay_ms",
            raw.sign_in_max_delay_ms,
            1,
            MAX_LIFETIME_MS,
            ms,
        );
        if base_ok && max_ok && raw.sign_in_max_delay_ms < raw.sign_in_base_delay_ms {
            self.fail(
                "sign_in_max_delay_ms",
                &format!(
                    "must be at least sign_in_base_delay_ms (SUPERTOKENS_SIGN_IN_BASE_DELAY_MS): \
                     {} is less than {}",
                    raw.sign_in_max_delay_ms, raw.sign_in_base_delay_ms
                ),
            );
        }
        self.range(
            "sign_in_failure_memory_ms",
            raw.sign_in_failure_memory_ms,
            1,
            MAX_LIFETIME_MS,
            ms,
        );
        let mut window = |limit_key: &str, limit: u32, window_key: &str, window_ms: u64| {
            self.range(limit_key, limit, 1, MAX_RATE_LIMIT, "");
            self.range(window_key, window_ms, 1, MAX_LIFETIME_MS, ms);
            WindowLimit {
                limit,
                window: Duration::from_millis(window_ms),
            }
        };
        let sign_up_per_email = window(
            "sign_up_per_email_limit",
            raw.sign_up_per_email_limit,
            "sign_up_per_email_window_ms",
            raw.sign_up_per_email_window_ms,
        );
        let password_reset_per_user = window(
            "password_reset_per_user_limit",
            raw.password_reset_per_user_limit,
            "password_reset_per_user_window_ms",
            raw.password_reset_per_user_window_ms,
        );
        let passwordless_codes_per_contact = window(
            "passwordless_codes_per_contact_limit",
            raw.passwordless_codes_per_contact_limit,
            "passwordless_codes_per_contact_window_ms",
            raw.passwordless_codes_per_contact_window_ms,
        );
        RateLimitConfig {
            enabled: raw.rate_limits_enabled,
            sign_in: SignInBackoff {
                free_failures: raw.sign_in_free_failures,
                base_delay: Duration::from_millis(raw.sign_in_base_delay_ms),
                max_delay: Duration::from_millis(raw.sign_in_max_delay_ms),
                failure_memory: Duration::from_millis(raw.sign_in_failure_memory_ms),
            },
            sign_up_per_email,
            password_reset_per_user,
            passwordless_codes_per_contact,
        }
    }

    fn host(&mut self, host: &str) -> String {
        let host = host.trim();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty() || host.chars().any(char::is_whitespace) {
            self.fail(
                "host",
                &format!("must be a host name or IP address, got {host:?}"),
            );
        }
        host.to_owned()
    }

    /// Normalises like the Java core: `st/` → `/st`, `/` → empty.
    fn base_path(&mut self, base_path: &str) -> String {
        let trimmed = base_path.trim().trim_end_matches('/');
        if trimmed.is_empty() {
            return String::new();
        }
        if trimmed
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '?' | '#' | '\\' | '%'))
            || trimmed.contains("//")
        {
            self.fail(
                "base_path",
                &format!(
                    "must be a URL path such as /st (no spaces, ?, #, %, \\ or empty segments), \
                     got {base_path:?}"
                ),
            );
        }
        if trimmed.starts_with('/') {
            trimmed.to_owned()
        } else {
            format!("/{trimmed}")
        }
    }

    fn api_keys(&mut self, inline: Option<Vec<String>>, file: Option<String>) -> Vec<SecretString> {
        let (key, keys) = match (inline, file) {
            (Some(_), Some(_)) => {
                self.fail(
                    "api_keys_file",
                    "cannot be combined with api_keys (SUPERTOKENS_API_KEYS); set only one",
                );
                return Vec::new();
            }
            (Some(keys), None) => ("api_keys", keys),
            (None, Some(path)) => match std::fs::read_to_string(&path) {
                Ok(text) => ("api_keys_file", split_api_keys(&text)),
                Err(error) => {
                    self.fail(
                        "api_keys_file",
                        &format!("cannot be read ({path}): {error}"),
                    );
                    return Vec::new();
                }
            },
            (None, None) => return Vec::new(),
        };
        let total = keys.len();
        for (index, api_key) in keys.iter().enumerate() {
            let number = index + 1;
            let length = api_key.chars().count();
            if length < MIN_API_KEY_LEN {
                self.fail(
                    key,
                    &format!(
                        "holds a key (number {number} of {total}) of {length} characters; each \
                         key needs at least {MIN_API_KEY_LEN}"
                    ),
                );
            } else if !api_key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '=' || c == '-')
            {
                self.fail(
                    key,
                    &format!(
                        "holds a key (number {number} of {total}) with characters other than \
                         A-Z a-z 0-9 = -"
                    ),
                );
            }
        }
        keys.into_iter().map(SecretString::from).collect()
    }

    fn database_url(
        &mut self,
        inline: Option<String>,
        file: Option<String>,
        data_dir: &Path,
    ) -> (SecretString, bool) {
        let (key, url) = match (inline, file) {
            (Some(_), Some(_)) => {
                self.fail(
                    "database_url_file",
                    "cannot be combined with database_url (SUPERTOKENS_DATABASE_URL); set only one",
                );
                return (SecretString::from(String::new()), false);
            }
            (Some(url), None) => ("database_url", url),
            (None, Some(path)) => match std::fs::read_to_string(&path) {
                Ok(text) => ("database_url_file", text),
                Err(error) => {
                    self.fail(
                        "database_url_file",
                        &format!("cannot be read ({path}): {error}"),
                    );
                    return (SecretString::from(String::new()), false);
                }
            },
            (None, None) => return (SecretString::from(default_database_url(data_dir)), true),
        };
        let url = url.trim().to_owned();
        let lower = url.to_ascii_lowercase();
        let known = [
            "sqlite:",
            "postgres://",
            "postgresql://",
            "mysql://",
            "mariadb://",
        ];
        if !known.iter().any(|scheme| lower.starts_with(scheme)) {
            self.fail(
                key,
                "must start with sqlite:, postgres://, postgresql://, mysql:// or mariadb://",
            );
        }
        (SecretString::from(url), false)
    }

    /// A header name that cannot carry a secret: the id is logged and echoed.
    fn request_id_header(&mut self, name: Option<String>) -> Option<HeaderName> {
        let name = name?.trim().to_ascii_lowercase();
        if name.is_empty() {
            return None;
        }
        if SECRET_HEADERS.contains(&name.as_str()) {
            self.fail(
                "request_id_header",
                &format!(
                    "must not be {name:?}: request ids are logged and echoed, and that header \
                     carries secrets"
                ),
            );
            return None;
        }
        match HeaderName::from_bytes(name.as_bytes()) {
            Ok(header) => Some(header),
            Err(_) => {
                self.fail(
                    "request_id_header",
                    &format!("must be an HTTP header name such as x-request-id, got {name:?}"),
                );
                None
            }
        }
    }

    /// The trace export settings: the key, else `OTEL_EXPORTER_OTLP_ENDPOINT`. Builds
    /// without the `otel` feature refuse the key and ignore the standard variable with a
    /// warning (it may be set machine-wide for other programs).
    fn otel(
        &mut self,
        endpoint: Option<String>,
        service_name: Option<String>,
        warnings: &mut Vec<String>,
    ) -> Option<OtelSettings> {
        let key = "otel_exporter_otlp_endpoint";
        let endpoint = endpoint.map(|endpoint| endpoint.trim().to_owned());
        let standard = std::env::var(OTEL_ENDPOINT_ENV)
            .ok()
            .map(|endpoint| endpoint.trim().to_owned())
            .filter(|endpoint| !endpoint.is_empty());
        let endpoint = match (endpoint, standard) {
            (Some(_), _) if !OTEL_BUILT_IN => {
                self.fail(
                    key,
                    "is set but this supertokens-core was built without OpenTelemetry export; \
                     rebuild it with `cargo build --release -p supertokens-core --features otel` \
                     or remove the setting",
                );
                return None;
            }
            (None, Some(_)) if !OTEL_BUILT_IN => {
                warnings.push(format!(
                    "{OTEL_ENDPOINT_ENV} is set but this supertokens-core was built without \
                     OpenTelemetry export (build it with --features otel); no traces are exported"
                ));
                return None;
            }
            (Some(endpoint), _) => endpoint,
            (None, Some(standard)) => standard,
            (None, None) => return None,
        };
        let lower = endpoint.to_ascii_lowercase();
        let has_host = ["http://", "https://"].iter().any(|scheme| {
            lower
                .strip_prefix(scheme)
                .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
        });
        if !has_host || endpoint.chars().any(char::is_whitespace) {
            self.fail(
                key,
                &format!(
                    "must be an http:// or https:// URL such as http://localhost:4318, got \
                     {endpoint:?}"
                ),
            );
            return None;
        }
        let service_name = service_name
            .or_else(|| std::env::var(OTEL_SERVICE_NAME_ENV).ok())
            .map(|name| name.trim().to_owned())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| DEFAULT_OTEL_SERVICE_NAME.to_owned());
        Some(OtelSettings {
            endpoint,
            service_name,
        })
    }

    fn password_hashing(&mut self, raw: &RawConfig) -> Option<PasswordHashingPolicy> {
        let mut ok = true;
        ok &= self.range(
            "argon2_iterations",
            raw.argon2_iterations,
            1,
            ARGON2_MAX_ITERATIONS,
            "",
        );
        let parallelism_ok = self.range(
            "argon2_parallelism",
            raw.argon2_parallelism,
            1,
            ARGON2_MAX_PARALLELISM,
            "",
        );
        ok &= parallelism_ok;
        let min_memory = 8 * if parallelism_ok {
            raw.argon2_parallelism
        } else {
            1
        };
        ok &= self.range(
            "argon2_memory_kb",
            raw.argon2_memory_kb,
            min_memory,
            ARGON2_MAX_MEMORY_KIB,
            " KiB",
        );
        ok &= self.range(
            "bcrypt_log_rounds",
            raw.bcrypt_log_rounds,
            BCRYPT_MIN_COST,
            BCRYPT_MAX_COST,
            "",
        );
        let policy = match raw
            .password_hashing_alg
            .trim()
            .to_ascii_uppercase()
            .as_str()
        {
            "ARGON2" | "ARGON2ID" => PasswordHashingPolicy::Argon2id {
                memory_kib: raw.argon2_memory_kb,
                iterations: raw.argon2_iterations,
                parallelism: raw.argon2_parallelism,
            },
            "BCRYPT" => PasswordHashingPolicy::Bcrypt {
                cost: raw.bcrypt_log_rounds,
            },
            _ => {
                self.fail(
                    "password_hashing_alg",
                    &format!(
                        "must be ARGON2 or BCRYPT, got {:?}",
                        raw.password_hashing_alg
                    ),
                );
                return None;
            }
        };
        if !ok {
            return None;
        }
        if let Err(error) = policy.validate() {
            self.fail(
                "password_hashing_alg",
                &format!("gives an invalid policy: {error}"),
            );
            return None;
        }
        Some(policy)
    }
}

/// `sqlite://<data_dir>/supertokens.db`, with the characters sqlx treats specially escaped.
fn default_database_url(data_dir: &Path) -> String {
    let path = data_dir.join(DEFAULT_DATABASE_FILE);
    let path = path.to_string_lossy();
    let mut url = String::from("sqlite://");
    for c in path.chars() {
        match c {
            '%' => url.push_str("%25"),
            '?' => url.push_str("%3F"),
            '#' => url.push_str("%23"),
            other => url.push(other),
        }
    }
    url
}

/// Replaces the password of `scheme://user:password@host/...` (and a `password=` query
/// parameter) with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return redact_query_password(url);
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let (userinfo, host) = authority.split_at(at);
            match userinfo.split_once(':') {
                Some((user, _password)) => format!("{user}:***{host}"),
                None => authority.to_owned(),
            }
        }
        None => authority.to_owned(),
    };
    format!("{scheme}://{authority}{}", redact_query_password(tail))
}

fn redact_query_password(tail: &str) -> String {
    let Some((path, query)) = tail.split_once('?') else {
        return tail.to_owned();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if name.eq_ignore_ascii_case("password") => format!("{name}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

#[cfg(test)]
// `figment::Jail` closures return `figment::Error`, which is large; that is its API.
#[allow(clippy::result_large_err)]
mod tests;
