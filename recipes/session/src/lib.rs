//! SuperTokens session recipe.
//!
//! Sessions are made of a short-lived access token (a JWT signed by the core, verified here
//! against the core's JWKS without a network call in the common case) and a long-lived,
//! opaque refresh token that only the core can use. Both travel either in cookies
//! (`sAccessToken`, `sRefreshToken`) or in headers (`Authorization: Bearer …` one way,
//! `st-access-token` / `st-refresh-token` the other), as the official frontends expect; every
//! response that changes the access token carries a `front-token` header the frontend reads
//! the session from.
//!
//! The wire behaviour follows supertokens-node exactly: cookie attributes, the 401 / 403
//! contract (`try refresh token`, `unauthorised`, `token theft detected`, `invalid claim`),
//! anti-CSRF modes, and the order of checks in [`SessionRecipe::get_session`].
//!
//! ```no_run
//! # fn demo() -> supertokens::Result<()> {
//! use supertokens::{AppInfo, SuperTokensConfig};
//! use supertokens_session::SessionConfig;
//!
//! let st = supertokens::init(SuperTokensConfig {
//!     app_info: AppInfo {
//!         app_name: "demo".into(),
//!         api_domain: "http://localhost:3001".into(),
//!         website_domain: "http://localhost:3000".into(),
//!         api_base_path: None,
//!         website_base_path: None,
//!     },
//!     connection_uri: "http://localhost:3567".into(),
//!     api_key: None,
//!     rate_limits: supertokens::RateLimitConfig::default(),
//!     recipe_list: vec![supertokens_session::init(SessionConfig::default())],
//! })?;
//! # let _ = st; Ok(()) }
//! ```
//!
//! Handlers that create sessions (sign-in, sign-up) call
//! [`SessionRecipe::create_new_session`] (or [`create_sign_in_session`]) and apply
//! [`SessionContainer::response_headers`] to their response; protected routes go through
//! [`SessionRecipe::get_session`], usually via a framework adapter's `verify_session` layer.

pub mod access_token;
mod api;
pub mod claims;
pub mod config;
pub mod cookies_and_headers;
mod implementation;
pub mod interface;
mod jwks;
pub mod recipe;
pub mod session_container;
pub mod sign_in;

pub use supertokens::SessionError;
pub use supertokens_cdi::session::JsonObject;

pub use crate::claims::{
    BooleanClaim, ClaimRegistry, ClaimValidator, ClaimValidatorsOverride, PrimitiveArrayClaim,
    PrimitiveClaim, SessionClaim, SessionClaimValidator, claim_validator,
};
pub use crate::config::{
    AntiCsrf, ApisOverride, Clock, CookieSameSite, FunctionsOverride, NormalisedSessionConfig,
    SessionConfig, SystemClock, TokenTransferMethod, TokenTransferMethodFn,
    TransferMethodPreference,
};
pub use crate::interface::{
    ApiOptions, CreateNewSessionInput, DefaultSessionApis, GetSessionInput, RefreshSessionInput,
    RegenerateAccessTokenResult, SessionApis, SessionFunctions, SessionInformation,
    SignOutPostResponse, UserSessionsOptions,
};
pub use crate::recipe::{SessionRecipe, VerifySessionOptions};
pub use crate::session_container::SessionContainer;
pub use crate::sign_in::{create_sign_in_session, load_session_for_linking};

/// The recipe's id, as the frontends send it in `rid`.
pub const RECIPE_ID: &str = "session";

/// The session recipe for `supertokens::init`'s `recipe_list`.
pub fn init(config: SessionConfig) -> Box<dyn supertokens::RecipeBuilder> {
    Box::new(recipe::SessionRecipeBuilder { config })
}
