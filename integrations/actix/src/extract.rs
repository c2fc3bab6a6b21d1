//! Extractors for the session that [`verify_session`](crate::verify_session) verified.

use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest};
use http::StatusCode;
use supertokens_session::SessionContainer;

use crate::convert::message_response;
use crate::verify::VerifiedSession;

const MISSING_MIDDLEWARE: &str = "No session was verified for this route: wrap it in supertokens_actix::verify_session(..) before extracting Session or OptionalSession";
const OPTIONAL_SESSION: &str = "No session was verified for this request (verify_session runs with session_required = false, or the method is OPTIONS/TRACE): extract OptionalSession instead of Session";

fn internal_error(message: &'static str) -> Error {
    InternalError::from_response(
        message,
        message_response(StatusCode::INTERNAL_SERVER_ERROR, message),
    )
    .into()
}

/// The verified session of a request. Fails with 500 (naming the missing middleware) when
/// the route is not wrapped in `verify_session`.
#[derive(Debug, Clone)]
pub struct Session(pub SessionContainer);

impl Deref for Session {
    type Target = SessionContainer;

    fn deref(&self) -> &SessionContainer {
        &self.0
    }
}

impl FromRequest for Session {
    type Error = Error;
    type Future = Ready<Result<Self, Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(match request.extensions().get::<VerifiedSession>() {
            Some(VerifiedSession(Some(session))) => Ok(Self(session.clone())),
            Some(VerifiedSession(None)) => Err(internal_error(OPTIONAL_SESSION)),
            None => Err(internal_error(MISSING_MIDDLEWARE)),
        })
    }
}

/// The session of a request when `verify_session` ran with `session_required = false`:
/// `None` when the request has none.
#[derive(Debug, Clone)]
pub struct OptionalSession(pub Option<SessionContainer>);

impl FromRequest for OptionalSession {
    type Error = Error;
    type Future = Ready<Result<Self, Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(match request.extensions().get::<VerifiedSession>() {
            Some(VerifiedSession(session)) => Ok(Self(session.clone())),
            None => Err(internal_error(MISSING_MIDDLEWARE)),
        })
    }
}
