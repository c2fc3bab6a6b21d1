//! The `supertokens-core` binary. Exit codes: 0 after a clean shutdown, 2 for a bad
//! configuration (or bad flags), 1 when the start or the server fails.

use std::process::ExitCode;

use clap::Parser;
use supertokens_core::logging::{self, LogLevel};
use supertokens_core::{Cli, config, startup};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match config::load(&cli) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let quiet = settings.log_level == LogLevel::None;
    if let Err(error) = logging::init(settings.log_level, settings.log_format) {
        eprintln!("{error:#}");
        return ExitCode::from(1);
    }
    match startup::run(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            if quiet {
                eprintln!("supertokens-core: {error:#}");
            }
            ExitCode::from(1)
        }
    }
}
