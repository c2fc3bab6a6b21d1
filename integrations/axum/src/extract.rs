//! Extractors for the session that [`verify_session`](crate::verify_session) verified.

use std::ops::Deref;

use axum_core::extract::FromRequestParts;
use axum_core::response::Response;
use http::StatusCode;
use http::request::Parts;
use supertokens_session::SessionContainer;

use crate::convert::message_response;
use crate::verify::VerifiedSession;

const MISSING_LAYER: &str = "No session was verified for this route: add supertokens_axum::verify_session(..) to it before extracting Session or OptionalSession";
const OPTIONAL_SESSION: &str = "No session was verified for this request (verify_session runs with session_required = false, or the method is OPTIONS/TRACE): extract OptionalSession instead of Session";

/// The verified session of a request. Rejects with 500 (naming the missing layer) when the
/// route has no `verify_session` layer.
#[derive(Debug, Clone)]
pub struct Session(pub SessionContainer);

impl Deref for Session {
    type Target = SessionContainer;

    fn deref(&self) -> &SessionContainer {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<VerifiedSession>() {
            Some(VerifiedSession(Some(session))) => Ok(Self(session.clone())),
            Some(VerifiedSession(None)) => Err(message_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                OPTIONAL_SESSION,
            )),
            None => Err(message_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                MISSING_LAYER,
            )),
        }
    }
}

/// The session of a request when `verify_session` ran with `session_required = false`:
/// `None` when the request has none.
#[derive(Debug, Clone)]
pub struct OptionalSession(pub Option<SessionContainer>);

impl<S: Send + Sync> FromRequestParts<S> for OptionalSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<VerifiedSession>() {
            Some(VerifiedSession(session)) => Ok(Self(session.clone())),
            None => Err(message_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                MISSING_LAYER,
            )),
        }
    }
}
