//! The `supertokens-core` binary. Exit codes: 0 after a clean shutdown, 2 for a bad
//! configuration (or bad flags), 1 when the start or the server fails.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    supertokens_core::run_from_command_line().await
}
