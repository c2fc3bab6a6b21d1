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
    for key in api_keys_in(&text) {
        // Only a key written once in the file can only have come from `api_keys`.
        if key.len() >= 20 && text.matches(key.as_str()).count() == 1 && rendered.contains(&key) {
            report(&format!("an API key from the file shows in: {rendered}"));
        }
    }
    let _ = redact_url(&text);
}

/// The values of an `api_keys: ` line (a YAML key, not just text that starts like one), as
/// written, for the redaction check; and the rest of an `api_keys:` line without the space
/// (a typo that makes the line one string, finding F3: such a file was echoed whole in its
/// error), unless that rest can be read as a key of its own (`api_keys:x: 1` is the key
/// `api_keys:x`, which the unknown-key error names).
pub fn api_keys_in(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for line in text.lines().map(str::trim_start) {
        if let Some(value) = line.strip_prefix("api_keys: ") {
            keys.extend(
                value
                    .trim()
                    .trim_matches(['"', '\''])
                    .split(',')
                    .map(|key| key.trim().to_owned()),
            );
        } else if let Some(rest) = line.strip_prefix("api_keys:") {
            let rest = rest.trim();
            if !rest.contains(": ") && !rest.ends_with(':') {
                keys.push(rest.to_owned());
            }
        }
    }
    keys.retain(|key| !key.is_empty());
    keys
}
