//! Command-line flags. They are the highest layer of the configuration; `--help` also lists
//! every file and environment key (see [`crate::config::keys::help_text`]).

use std::path::PathBuf;

use clap::Parser;

use crate::config::keys;

/// A SuperTokens-compatible auth core: serves the Core Driver Interface (CDI) to the
/// SuperTokens backend SDKs.
#[derive(Parser, Default, Clone)]
#[command(name = "supertokens-core", version, after_help = keys::help_text())]
pub struct Cli {
    /// YAML config file [default: ./config.yaml, if it exists].
    /// A file given here that does not exist is an error.
    #[arg(long, value_name = "PATH", env = "SUPERTOKENS_CONFIG_FILE")]
    pub config: Option<PathBuf>,

    /// Address to listen on (key `host`) [default: 127.0.0.1].
    #[arg(long, value_name = "ADDRESS")]
    pub host: Option<String>,

    /// TCP port to listen on (key `port`) [default: 3567].
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,

    /// Database URL (key `database_url`) [default: sqlite://<data_dir>/supertokens.db].
    /// Visible in the process list: prefer SUPERTOKENS_DATABASE_URL for URLs with passwords.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,

    /// Directory of the default SQLite database (key `data_dir`) [default: ./supertokens-data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<String>,

    /// Comma-separated API keys (key `api_keys`). Visible in the process list: prefer
    /// SUPERTOKENS_API_KEYS or api_keys_file.
    #[arg(long, value_name = "KEYS")]
    pub api_keys: Option<String>,

    /// Access token lifetime in seconds (key `access_token_validity`) [default: 3600].
    #[arg(long, value_name = "SECONDS")]
    pub access_token_validity: Option<u64>,

    /// DEBUG, INFO, WARN, ERROR or NONE (key `log_level`) [default: INFO].
    #[arg(long, value_name = "LEVEL")]
    pub log_level: Option<String>,
}

impl std::fmt::Debug for Cli {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cli")
            .field("config", &self.config)
            .field("host", &self.host)
            .field("port", &self.port)
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "<redacted>"),
            )
            .field("data_dir", &self.data_dir)
            .field("api_keys", &self.api_keys.as_ref().map(|_| "<redacted>"))
            .field("access_token_validity", &self.access_token_validity)
            .field("log_level", &self.log_level)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn clap_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_lists_every_key_and_its_env_var() {
        let help = Cli::command().render_help().to_string();
        for doc in keys::KEYS {
            assert!(help.contains(doc.key), "{}", doc.key);
            assert!(help.contains(&keys::env_var(doc.key)), "{}", doc.key);
        }
        assert!(help.contains("SUPERTOKENS_CONFIG_FILE"));
    }
}
