//! SuperTokens for Rust web apps.
//!
//! This crate is the part an app depends on. It talks to the core only through the Core
//! Driver Interface, whose wire types it shares with the core through [`cdi`]; it never
//! depends on the core's storage or crypto.

pub use supertokens_cdi as cdi;
