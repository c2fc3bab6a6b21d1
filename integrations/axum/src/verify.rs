//! [`verify_session`]: the session-verifying layer for protected routes.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum_core::body::Body;
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use supertokens::SuperTokens;
use supertokens::http_types::apply_header_changes;
use supertokens_session::{SessionContainer, SessionRecipe, VerifySessionOptions};
use tower::{Layer, Service};

use crate::convert::{into_http_response, message_response, sdk_request_from_parts};

/// What the verifying layer leaves in the request extensions: the session, or `None` when it
/// was optional and absent.
#[derive(Debug, Clone)]
pub(crate) struct VerifiedSession(pub(crate) Option<SessionContainer>);

/// A layer verifying the session of every request it wraps.
///
/// It finds the SDK in the request extensions (put there by
/// [`SuperTokensLayer`](crate::SuperTokensLayer)) unless given one with
/// [`with_supertokens`](Self::with_supertokens).
#[derive(Debug, Clone)]
pub struct VerifySessionLayer {
    options: VerifySessionOptions,
    supertokens: Option<Arc<SuperTokens>>,
}

/// A [`VerifySessionLayer`] with these options.
pub fn verify_session(options: VerifySessionOptions) -> VerifySessionLayer {
    VerifySessionLayer::new(options)
}

impl VerifySessionLayer {
    /// A layer with these options.
    pub fn new(options: VerifySessionOptions) -> Self {
        Self {
            options,
            supertokens: None,
        }
    }

    /// Uses this SDK instead of the one [`SuperTokensLayer`](crate::SuperTokensLayer) puts in
    /// the request extensions.
    pub fn with_supertokens(mut self, supertokens: Arc<SuperTokens>) -> Self {
        self.supertokens = Some(supertokens);
        self
    }
}

impl<S> Layer<S> for VerifySessionLayer {
    type Service = VerifySessionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        VerifySessionService {
            options: self.options.clone(),
            supertokens: self.supertokens.clone(),
            inner,
        }
    }
}

/// The service of [`VerifySessionLayer`].
#[derive(Debug, Clone)]
pub struct VerifySessionService<S> {
    options: VerifySessionOptions,
    supertokens: Option<Arc<SuperTokens>>,
    inner: S,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S> Service<Request<Body>> for VerifySessionService<S>
where
    S: Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<Body>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let supertokens = self
            .supertokens
            .clone()
            .or_else(|| request.extensions().get::<Arc<SuperTokens>>().cloned());
        let options = self.options.clone();
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let Some(supertokens) = supertokens else {
                return Ok(message_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "supertokens_axum::verify_session found no SDK: wrap the app in SuperTokensLayer or use VerifySessionLayer::with_supertokens",
                ));
            };
            let (parts, body) = request.into_parts();
            let sdk_request = sdk_request_from_parts(&parts, Bytes::new());
            let mut request = Request::from_parts(parts, body);
            let recipe = match SessionRecipe::from_supertokens(&supertokens) {
                Ok(recipe) => recipe,
                Err(error) => {
                    return Ok(into_http_response(
                        supertokens.error_response(&error, &sdk_request),
                    ));
                }
            };
            match recipe.verify_session(&sdk_request, &options).await {
                Ok(session) => {
                    if let Some(session) = &session {
                        request.extensions_mut().insert(session.clone());
                    }
                    request
                        .extensions_mut()
                        .insert(VerifiedSession(session.clone()));
                    let mut response = inner.call(request).await?;
                    if let Some(session) = session {
                        apply_header_changes(response.headers_mut(), &session.response_headers());
                    }
                    Ok(response)
                }
                Err(error) => Ok(into_http_response(
                    supertokens.error_response(&error, &sdk_request),
                )),
            }
        })
    }
}
