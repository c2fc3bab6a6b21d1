//! `config`: the input as the daemon's YAML config file, loaded with
//! `supertokens_core::config::load` exactly as `supertokens-core --config <file>` does
//! (defaults, then the file, then `SUPERTOKENS_*` variables, then flags).
//!
//! The oracle: no panic; `Ok` settings, or an error that says what is wrong (an `Invalid`
//! error lists at least one problem); the error and the settings render (`Display`,
//! `Debug`) without panicking; and an `api_keys` value from the file never shows in either.

use std::io::Write as _;
use std::path::PathBuf;

use supertokens_core::Cli;
use supertokens_core::config::{ConfigError, load, redact_url};

use crate::finding::{finding, setup_failed};

thread_local! {
    /// Where the input is written: one file per thread (tests replay in parallel), rewritten
    /// for every input.
    static CONFIG_FILE: (tempfile::TempDir, PathBuf) = {
        let dir = match tempfile::tempdir() {
            Ok(dir) => dir,
            Err(error) => setup_failed("a temporary directory for config files", &error),
        };
        let path = dir.path().join("config.yaml");
        (dir, path)
    };
}

/// Loads the input as the config file.
pub fn run(data: &[u8]) -> Result<supertokens_core::Settings, ConfigError> {
    let path = CONFIG_FILE.with(|(_, path)| path.clone());
    let written = std::fs::File::create(&path).and_then(|mut file| file.write_all(data));
    if let Err(error) = written {
        setup_failed("writing the config file", &error);
    }
    let cli = Cli {
        config: Some(path),
        ..Cli::default()
    };
    load(&cli)
}

/// The fuzz target.
pub fn config(data: &[u8]) {
    let report = |what: &str| -> ! { finding("config", what, data) };
    let result = run(data);
    let rendered = match &result {
        Ok(settings) => {
            let _ = redact_url(&settings.redacted_database_url());
            format!("{settings:?}")
        }
        Err(error) => {
            if matches!(error, ConfigError::Invalid(problems) if problems.is_empty()) {
                report("an Invalid config error without any problem");
            }
            format!("{error} {error:?}")
        }
    };
    let text = String::from_utf8_lossy(data);
    // Known finding F3 (reported, see `tests/fuzz/README.md`): a file that is not a YAML
    // mapping is echoed whole in the error, whatever it holds.
    let echoed_whole = rendered.contains("is not a YAML mapping of keys to values: invalid type");
    for key in api_keys_in(&text).into_iter().filter(|_| !echoed_whole) {
        // Only a key written once in the file can only have come from `api_keys`.
        if key.len() >= 20 && text.matches(key.as_str()).count() == 1 && rendered.contains(&key) {
            report(&format!("an API key from the file shows in: {rendered}"));
        }
    }
    let _ = redact_url(&text);
}

/// The values of an `api_keys: ` line (a YAML key, not just text that starts like one), as
/// written, for the redaction check.
fn api_keys_in(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.trim_start().strip_prefix("api_keys: "))
        .flat_map(|value| value.trim().trim_matches(['"', '\'']).split(','))
        .map(|key| key.trim().to_owned())
        .filter(|key| !key.is_empty())
        .collect()
}
