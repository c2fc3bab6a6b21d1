//! SuperTokens for axum (and any tower stack over `axum_core::body::Body`).
//!
//! - [`SuperTokensLayer`] wraps the app: requests for the SDK's routes (`/auth/signin`,
//!   `/auth/session/refresh`, …) are answered by the SDK, everything else passes through
//!   with the SDK handle in the request extensions.
//! - [`verify_session`] is a layer for protected routes: it verifies the request's session,
//!   puts the [`SessionContainer`] into the request extensions, runs the handler, and adds the
//!   session's header changes (new tokens after a promotion or payload change, cleared tokens
//!   after a revocation) to the handler's response. Session errors become the FDI's 401 / 403
//!   answers.
//! - [`Session`] and [`OptionalSession`] extract the container in handlers.
//!
//! ```no_run
//! # use std::sync::Arc;
//! use axum::{Router, routing::get};
//! use supertokens_axum::{Session, SuperTokensLayer, verify_session};
//! use supertokens_session::VerifySessionOptions;
//!
//! async fn me(session: Session) -> String {
//!     session.user_id().to_owned()
//! }
//!
//! # fn app(st: Arc<supertokens::SuperTokens>) -> Router {
//! Router::new()
//!     .route("/me", get(me).layer(verify_session(VerifySessionOptions::default())))
//!     .layer(SuperTokensLayer::new(st))
//! # }
//! ```
//!
//! # Serving: the client's address
//!
//! The SDK limits sign-in, sign-up, password reset and passwordless code creation per client
//! address (`supertokens::rate_limit`). axum tells the peer's address only when the app is
//! served with `into_make_service_with_connect_info::<SocketAddr>()`; otherwise every request
//! is counted under one key, `unknown`. Behind a reverse proxy, list it in
//! `RateLimitConfig::trusted_proxies` so that `X-Forwarded-For` is believed.
//!
//! ```no_run
//! # use std::sync::Arc;
//! use std::net::SocketAddr;
//! use axum::Router;
//! use supertokens_axum::SuperTokensLayer;
//!
//! # async fn serve(st: Arc<supertokens::SuperTokens>) -> std::io::Result<()> {
//! let app = Router::new().layer(SuperTokensLayer::new(st));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3001").await?;
//! axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await
//! # }
//! ```
//!
//! # Claims per route
//!
//! [`VerifySessionOptions`] carries the route's claim validators: failures answer 403
//! `{"message":"invalid claim","claimValidationErrors":[…]}`, and claims the validators
//! fetched again go out in a new access token with the handler's response.
//!
//! ```no_run
//! # use std::sync::Arc;
//! use axum::{Router, routing::get};
//! use supertokens_axum::{Session, verify_session};
//! use supertokens_session::VerifySessionOptions;
//! use supertokens_session::claims::PrimitiveArrayClaim;
//!
//! # async fn me(session: Session) -> String { session.user_id().to_owned() }
//! # fn app() -> Router {
//! // `supertokens_userroles::UserRoleClaim::includes("admin")` is the same validator.
//! let admins = VerifySessionOptions::default()
//!     .with_extra_claim_validator(PrimitiveArrayClaim::registered("st-role").includes("admin"));
//! // A page unverified users may see (email verification in REQUIRED mode):
//! let lenient = VerifySessionOptions::default()
//!     .with_claim_validators(|globals| globals.into_iter().filter(|v| v.id() != "st-ev").collect());
//! Router::new()
//!     .route("/admin", get(me).layer(verify_session(admins)))
//!     .route("/welcome", get(me).layer(verify_session(lenient)))
//! # }
//! ```

mod convert;
mod extract;
mod layer;
mod verify;

#[cfg(test)]
mod tests;

pub use supertokens_session::{SessionContainer, VerifySessionOptions};

pub use crate::convert::{into_http_response, sdk_request_from_parts};
pub use crate::extract::{OptionalSession, Session};
pub use crate::layer::{SuperTokensLayer, SuperTokensService};
pub use crate::verify::{VerifySessionLayer, VerifySessionService, verify_session};

/// Largest request body the SDK's routes read; larger ones get 413.
pub const BODY_LIMIT: usize = 1024 * 1024;
