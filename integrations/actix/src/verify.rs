//! [`verify_session`]: the session-verifying middleware for protected routes.

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::{Error, HttpMessage};
use bytes::Bytes;
use http::StatusCode;
use supertokens::SuperTokens;
use supertokens_session::{SessionContainer, SessionRecipe, VerifySessionOptions};

use crate::convert::{
    apply_header_changes, into_actix_response, message_response, sdk_request_from_actix,
};

/// What the verifying middleware leaves in the request extensions: the session, or `None`
/// when it was optional and absent.
#[derive(Debug, Clone)]
pub(crate) struct VerifiedSession(pub(crate) Option<SessionContainer>);

/// Verifies the session of every request of the resource or scope it wraps.
///
/// It finds the SDK in the request extensions (put there by
/// [`SuperTokensMiddleware`](crate::SuperTokensMiddleware)) unless given one with
/// [`with_supertokens`](Self::with_supertokens).
#[derive(Debug, Clone)]
pub struct VerifySession {
    options: VerifySessionOptions,
    supertokens: Option<Arc<SuperTokens>>,
}

/// A [`VerifySession`] middleware with these options.
pub fn verify_session(options: VerifySessionOptions) -> VerifySession {
    VerifySession::new(options)
}

impl VerifySession {
    /// A middleware with these options.
    pub fn new(options: VerifySessionOptions) -> Self {
        Self {
            options,
            supertokens: None,
        }
    }

    /// Uses this SDK instead of the one [`SuperTokensMiddleware`](crate::SuperTokensMiddleware)
    /// puts in the request extensions.
    pub fn with_supertokens(mut self, supertokens: Arc<SuperTokens>) -> Self {
        self.supertokens = Some(supertokens);
        self
    }
}

impl<S, B> Transform<S, ServiceRequest> for VerifySession
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = VerifySessionMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(VerifySessionMiddleware {
            service: Rc::new(service),
            options: self.options.clone(),
            supertokens: self.supertokens.clone(),
        }))
    }
}

/// The service of [`VerifySession`].
pub struct VerifySessionMiddleware<S> {
    service: Rc<S>,
    options: VerifySessionOptions,
    supertokens: Option<Arc<SuperTokens>>,
}

impl<S> std::fmt::Debug for VerifySessionMiddleware<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifySessionMiddleware")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl<S, B> Service<ServiceRequest> for VerifySessionMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        let options = self.options.clone();
        let supertokens = self
            .supertokens
            .clone()
            .or_else(|| request.extensions().get::<Arc<SuperTokens>>().cloned());
        Box::pin(async move {
            let Some(supertokens) = supertokens else {
                let response = message_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "supertokens_actix::verify_session found no SDK: wrap the app in SuperTokensMiddleware or use VerifySession::with_supertokens",
                );
                return Ok(request.into_response(response).map_into_right_body());
            };
            let sdk_request = sdk_request_from_actix(request.request(), Bytes::new());
            let verified = match SessionRecipe::from_supertokens(&supertokens) {
                Ok(recipe) => recipe.verify_session(&sdk_request, &options).await,
                Err(error) => Err(error),
            };
            match verified {
                Ok(session) => {
                    if let Some(session) = &session {
                        request.extensions_mut().insert(session.clone());
                    }
                    request
                        .extensions_mut()
                        .insert(VerifiedSession(session.clone()));
                    let mut response = service.call(request).await?;
                    if let Some(session) = session {
                        apply_header_changes(response.headers_mut(), &session.response_headers());
                    }
                    Ok(response.map_into_left_body())
                }
                Err(error) => {
                    let response =
                        into_actix_response(supertokens.error_response(&error, &sdk_request));
                    Ok(request.into_response(response).map_into_right_body())
                }
            }
        })
    }
}
