//! The core daemon built as a binary of the test crate, so process-level tests (SIGKILL,
//! SIGTERM, several cores on one database) find it as `CARGO_BIN_EXE_core-under-test`.
//! It is exactly `supertokens-core`: same flags, environment and exit codes.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    supertokens_core::run_from_command_line().await
}
