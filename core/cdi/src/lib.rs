//! Wire types of the SuperTokens Core Driver Interface (CDI).
//!
//! The core serialises these; the SDK deserialises them. Business outcomes are enums tagged
//! by `status` so the JSON matches SuperTokens' shapes exactly, and optional fields are
//! omitted rather than sent as `null` (as the Java core's Gson does).

// Wire enums mirror the JSON shapes; boxing the large `OK` variants would buy nothing.
#![allow(clippy::large_enum_variant)]

pub mod emailpassword;
pub mod emailverification;
pub mod general;
pub mod jwt;
pub mod multitenancy;
pub mod passwordless;
pub mod session;
pub mod user;
pub mod usermetadata;
pub mod userroles;
pub mod version;

pub use user::{AuthRecipeUser, LoginMethod};
