//! SuperTokens for actix-web.
//!
//! - [`SuperTokensMiddleware`] (`App::wrap`) answers the SDK's routes (`/auth/signin`,
//!   `/auth/session/refresh`, …) and passes everything else on, with the SDK handle in the
//!   request extensions.
//! - [`verify_session`] (`resource.wrap` / `scope.wrap`) verifies the session of protected
//!   routes, puts the [`SessionContainer`] into the request extensions, and adds the session's
//!   header changes to the handler's response. Session errors become the FDI's 401 / 403
//!   answers.
//! - [`Session`] and [`OptionalSession`] extract the container in handlers.
//!
//! actix-web 4 speaks `http` 0.2; the SDK speaks `http` 1.x. Methods, headers and statuses
//! are converted by name and bytes.
//!
//! ```no_run
//! # use std::sync::Arc;
//! use actix_web::{App, web};
//! use supertokens_actix::{Session, SuperTokensMiddleware, verify_session};
//! use supertokens_session::VerifySessionOptions;
//!
//! async fn me(session: Session) -> String {
//!     session.user_id().to_owned()
//! }
//!
//! # fn app(st: Arc<supertokens::SuperTokens>) {
//! let app = App::new()
//!     .wrap(SuperTokensMiddleware::new(st))
//!     .service(
//!         web::resource("/me")
//!             .wrap(verify_session(VerifySessionOptions::default()))
//!             .route(web::get().to(me)),
//!     );
//! # let _ = app; }
//! ```
//!
//! # The client's address
//!
//! The SDK limits sign-in, sign-up, password reset and passwordless code creation per client
//! address (`supertokens::rate_limit`); the middleware hands it the connection's peer
//! address (`HttpRequest::peer_addr`). Behind a reverse proxy, list it in
//! `RateLimitConfig::trusted_proxies` so that `X-Forwarded-For` is believed (actix's own
//! `ConnectionInfo::realip_remote_addr` believes any client and is not used).
//!
//! # Claims per route
//!
//! [`VerifySessionOptions`] carries the route's claim validators: failures answer 403
//! `{"message":"invalid claim","claimValidationErrors":[…]}`, and claims the validators
//! fetched again go out in a new access token with the handler's response.
//!
//! ```no_run
//! use actix_web::web;
//! use supertokens_actix::verify_session;
//! use supertokens_session::VerifySessionOptions;
//! use supertokens_session::claims::PrimitiveArrayClaim;
//!
//! // `supertokens_userroles::UserRoleClaim::includes("admin")` is the same validator.
//! let admins = VerifySessionOptions::default()
//!     .with_extra_claim_validator(PrimitiveArrayClaim::registered("st-role").includes("admin"));
//! let resource = web::resource("/admin").wrap(verify_session(admins));
//! # let _ = resource;
//! ```

mod convert;
mod extract;
mod middleware;
#[cfg(test)]
mod tests;
mod verify;

pub use supertokens_session::{SessionContainer, VerifySessionOptions};

pub use crate::convert::{apply_header_changes, into_actix_response, sdk_request_from_actix};
pub use crate::extract::{OptionalSession, Session};
pub use crate::middleware::{SuperTokensMiddleware, SuperTokensMiddlewareService};
pub use crate::verify::{VerifySession, VerifySessionMiddleware, verify_session};

/// Largest request body the SDK's routes read; larger ones get 413.
pub const BODY_LIMIT: usize = 1024 * 1024;
