//! The `supertokens-core` daemon: reads the layered configuration ([`config`]), sets up
//! logging ([`logging`]), connects the storage, builds the engine and serves the CDI
//! ([`startup`]). The binary in `main.rs` only strings these together, so the configuration
//! code is tested here without starting a process.

pub mod cli;
pub mod config;
pub mod logging;
pub mod startup;

pub use cli::Cli;
pub use config::{ConfigError, Settings, load};
