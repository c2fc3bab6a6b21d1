//! Between `http` requests/responses and the SDK's framework-neutral types.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum_core::body::Body;
use bytes::Bytes;
use http::request::Parts;
use http::{Response, StatusCode};
use supertokens::{SdkRequest, SdkResponse};

/// The SDK's view of a request (method, path, query, headers, peer address) with the given
/// body. The peer address comes from axum's `ConnectInfo<SocketAddr>`, which is there when
/// the app is served with `into_make_service_with_connect_info::<SocketAddr>()`; without it
/// the SDK's rate limits count every request under one key, `unknown`.
pub fn sdk_request_from_parts(parts: &Parts, body: Bytes) -> SdkRequest {
    SdkRequest {
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers.clone(),
        body,
        peer_addr: parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip()),
    }
}

/// An SDK response as an `http` response.
pub fn into_http_response(response: SdkResponse) -> Response<Body> {
    let mut http_response = Response::new(Body::from(response.body));
    *http_response.status_mut() = response.status;
    *http_response.headers_mut() = response.headers;
    http_response
}

/// A `{"message": …}` response.
pub(crate) fn message_response(status: StatusCode, message: &str) -> Response<Body> {
    into_http_response(SdkResponse::message(status, message))
}
