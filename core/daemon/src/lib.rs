//! The `supertokens-core` daemon: reads the layered configuration ([`config`]), sets up
//! logging ([`logging`]), connects the storage, builds the engine and serves the CDI
//! ([`startup`]). The binary in `main.rs` only calls [`run_from_command_line`], so the
//! configuration code is tested here without starting a process, and test harnesses can
//! build the same daemon as their own binary.

pub mod cli;
pub mod config;
pub mod logging;
#[cfg(feature = "otel")]
pub mod otel;
pub mod startup;

use std::process::ExitCode;

use clap::Parser;

pub use cli::Cli;
pub use config::{ConfigError, Settings, load};

use crate::logging::LogLevel;

/// The whole daemon: parses flags and environment, loads the configuration, installs
/// logging and serves until a shutdown signal. Exit codes: 0 after a clean shutdown, 2 for
/// a bad configuration (or bad flags), 1 when the start or the server fails.
pub async fn run_from_command_line() -> ExitCode {
    let cli = Cli::parse();
    let settings = match config::load(&cli) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let quiet = settings.log_level == LogLevel::None;
    let telemetry = match logging::init(
        settings.log_level,
        settings.log_format,
        settings.otel.as_ref(),
    ) {
        Ok(telemetry) => telemetry,
        Err(error) => {
            eprintln!("supertokens-core: {error:#}");
            return ExitCode::from(1);
        }
    };
    let code = match startup::run(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            if quiet {
                eprintln!("supertokens-core: {error:#}");
            }
            ExitCode::from(1)
        }
    };
    // Flushing exported spans blocks on the exporter's thread.
    let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    code
}
