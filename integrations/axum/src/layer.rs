//! [`SuperTokensLayer`]: serves the SDK's routes in front of the app.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum_core::body::Body;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use supertokens::SuperTokens;
use tower::{Layer, Service};

use crate::BODY_LIMIT;
use crate::convert::{into_http_response, message_response, sdk_request_from_parts};

/// Answers the SDK's routes; passes other requests on with the `Arc<SuperTokens>` in their
/// extensions (which [`verify_session`](crate::verify_session) uses).
#[derive(Debug, Clone)]
pub struct SuperTokensLayer {
    supertokens: Arc<SuperTokens>,
}

impl SuperTokensLayer {
    /// A layer serving this SDK.
    pub fn new(supertokens: Arc<SuperTokens>) -> Self {
        Self { supertokens }
    }
}

impl<S> Layer<S> for SuperTokensLayer {
    type Service = SuperTokensService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SuperTokensService {
            supertokens: self.supertokens.clone(),
            inner,
        }
    }
}

/// The service of [`SuperTokensLayer`].
#[derive(Debug, Clone)]
pub struct SuperTokensService<S> {
    supertokens: Arc<SuperTokens>,
    inner: S,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S> Service<Request<Body>> for SuperTokensService<S>
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

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        let supertokens = self.supertokens.clone();
        // The ready service handles this request; a fresh clone waits for the next one.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            if supertokens
                .match_route(request.method(), request.uri().path())
                .is_none()
            {
                request.extensions_mut().insert(supertokens);
                return inner.call(request).await;
            }
            let (parts, body) = request.into_parts();
            let bytes = match Limited::new(body, BODY_LIMIT).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
                    return Ok(message_response(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "Request body too large",
                    ));
                }
                Err(error) => {
                    return Ok(message_response(
                        StatusCode::BAD_REQUEST,
                        &format!("Cannot read the request body: {error}"),
                    ));
                }
            };
            let sdk_request = sdk_request_from_parts(&parts, bytes.clone());
            match supertokens.handle(&sdk_request).await {
                Some(response) => Ok(into_http_response(response)),
                None => {
                    let mut request = Request::from_parts(parts, Body::from(bytes));
                    request.extensions_mut().insert(supertokens);
                    inner.call(request).await
                }
            }
        })
    }
}
