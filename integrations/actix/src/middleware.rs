//! [`SuperTokensMiddleware`]: serves the SDK's routes in front of the app.

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::{Error, HttpMessage, web};
use http::{Method, StatusCode};
use supertokens::SuperTokens;

use crate::BODY_LIMIT;
use crate::convert::{into_actix_response, message_response, sdk_request_from_actix};

/// Answers the SDK's routes; passes other requests on with the `Arc<SuperTokens>` in their
/// extensions (which [`verify_session`](crate::verify_session) uses).
#[derive(Debug, Clone)]
pub struct SuperTokensMiddleware {
    supertokens: Arc<SuperTokens>,
}

impl SuperTokensMiddleware {
    /// A middleware serving this SDK.
    pub fn new(supertokens: Arc<SuperTokens>) -> Self {
        Self { supertokens }
    }
}

impl<S, B> Transform<S, ServiceRequest> for SuperTokensMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = SuperTokensMiddlewareService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SuperTokensMiddlewareService {
            service: Rc::new(service),
            supertokens: self.supertokens.clone(),
        }))
    }
}

/// The service of [`SuperTokensMiddleware`].
pub struct SuperTokensMiddlewareService<S> {
    service: Rc<S>,
    supertokens: Arc<SuperTokens>,
}

impl<S> std::fmt::Debug for SuperTokensMiddlewareService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SuperTokensMiddlewareService")
            .finish_non_exhaustive()
    }
}

type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl<S, B> Service<ServiceRequest> for SuperTokensMiddlewareService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut request: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        let supertokens = self.supertokens.clone();
        Box::pin(async move {
            let method =
                Method::from_bytes(request.method().as_str().as_bytes()).unwrap_or(Method::GET);
            if supertokens.match_route(&method, request.path()).is_none() {
                request.extensions_mut().insert(supertokens);
                return service
                    .call(request)
                    .await
                    .map(ServiceResponse::map_into_left_body);
            }
            let payload = request.extract::<web::Payload>().await?;
            // Outer error: over the limit; inner error: the stream failed.
            let body = match payload.to_bytes_limited(BODY_LIMIT).await {
                Ok(Ok(body)) => body,
                Ok(Err(error)) => {
                    let response = message_response(
                        StatusCode::BAD_REQUEST,
                        &format!("Cannot read the request body: {error}"),
                    );
                    return Ok(request.into_response(response).map_into_right_body());
                }
                Err(_too_large) => {
                    let response =
                        message_response(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large");
                    return Ok(request.into_response(response).map_into_right_body());
                }
            };
            let sdk_request = sdk_request_from_actix(request.request(), body.clone());
            match supertokens.handle(&sdk_request).await {
                Some(response) => Ok(request
                    .into_response(into_actix_response(response))
                    .map_into_right_body()),
                None => {
                    request.set_payload(Payload::from(body));
                    request.extensions_mut().insert(supertokens);
                    service
                        .call(request)
                        .await
                        .map(ServiceResponse::map_into_left_body)
                }
            }
        })
    }
}
