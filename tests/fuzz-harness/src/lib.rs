//! Fuzz targets of the core and the SDK, as plain functions over bytes.
//!
//! Each target takes any `&[u8]` and must never panic on its own; when it sees a bug (a panic
//! deeper down, a 5xx other than 503 from the core, a 500 from the SDK, a forged token
//! accepted, cookie parsing that contradicts itself) it panics with the route and the input,
//! which is how libFuzzer records a crash. `tests/fuzz` (a cargo-fuzz project) drives these
//! functions with coverage feedback; this crate's tests replay the committed corpus
//! (`tests/fuzz/corpus/<target>/`) and the hand-written [`seeds`] without a fuzzer.
//!
//! | target | what it drives |
//! | --- | --- |
//! | [`cdi_request`] | every CDI route of the core's real router, on an in-memory SQLite core |
//! | [`fdi_request`] | every FDI route of the SDK with all recipes, against a loopback core |
//! | [`access_token`] | access-token parsing and verification, in the SDK and in the core |
//! | [`cookies`] | `Cookie` header parsing and session-token extraction from a request |
//! | [`config`] | the daemon's configuration loading from a YAML file |

pub mod access_token;
pub mod cdi;
pub mod config;
pub mod cookies;
pub mod fdi;
pub mod finding;
pub mod input;
pub mod placeholders;
pub mod seeds;
pub mod world;

pub use crate::access_token::access_token;
pub use crate::cdi::cdi_request;
pub use crate::config::config;
pub use crate::cookies::cookies;
pub use crate::fdi::fdi_request;

/// A fuzz target: any bytes in, a panic only for a finding.
pub type Target = fn(&[u8]);

/// The targets by name, as `tests/fuzz/fuzz_targets/<name>.rs` and the corpus folders name
/// them.
pub const TARGETS: &[(&str, Target)] = &[
    ("cdi_request", cdi_request),
    ("fdi_request", fdi_request),
    ("access_token", access_token),
    ("cookies", cookies),
    ("config", config),
];
