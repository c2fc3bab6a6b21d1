//! Between actix-web's `http` 0.2 types and the SDK's `http` 1.x types, by name and bytes.

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::http::StatusCode as ActixStatusCode;
use actix_web::http::header::{
    HeaderMap as ActixHeaderMap, HeaderName as ActixHeaderName, HeaderValue as ActixHeaderValue,
};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use supertokens::{HeaderChange, SdkRequest, SdkResponse};

fn method_of(request: &HttpRequest) -> Method {
    Method::from_bytes(request.method().as_str().as_bytes()).unwrap_or(Method::GET)
}

fn headers_of(headers: &ActixHeaderMap) -> HeaderMap {
    let mut converted = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers.iter() {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_str().as_bytes()),
            HeaderValue::from_bytes(value.as_bytes()),
        ) {
            converted.append(name, value);
        }
    }
    converted
}

/// The SDK's view of an actix request, with the given body. The peer address is the
/// socket's (`HttpRequest::peer_addr`); forwarded headers are left to the SDK's trusted
/// proxies (see `supertokens::rate_limit`).
pub fn sdk_request_from_actix(request: &HttpRequest, body: Bytes) -> SdkRequest {
    let query = request.query_string();
    SdkRequest {
        method: method_of(request),
        path: request.path().to_owned(),
        query: (!query.is_empty()).then(|| query.to_owned()),
        headers: headers_of(request.headers()),
        body,
        peer_addr: request.peer_addr().map(|address| address.ip()),
    }
}

fn actix_header(
    name: &HeaderName,
    value: &HeaderValue,
) -> Option<(ActixHeaderName, ActixHeaderValue)> {
    Some((
        ActixHeaderName::from_bytes(name.as_str().as_bytes()).ok()?,
        ActixHeaderValue::from_bytes(value.as_bytes()).ok()?,
    ))
}

/// An SDK response as an actix response.
pub fn into_actix_response(response: SdkResponse) -> HttpResponse {
    let status = ActixStatusCode::from_u16(response.status.as_u16())
        .unwrap_or(ActixStatusCode::INTERNAL_SERVER_ERROR);
    let mut actix_response = HttpResponse::with_body(status, response.body).map_into_boxed_body();
    let headers = actix_response.headers_mut();
    for (name, value) in response.headers.iter() {
        if let Some((name, value)) = actix_header(name, value) {
            headers.append(name, value);
        }
    }
    actix_response
}

/// A `{"message": …}` response.
pub(crate) fn message_response(status: StatusCode, message: &str) -> HttpResponse {
    into_actix_response(SdkResponse::message(status, message))
}

fn change_name(change: &HeaderChange) -> &HeaderName {
    match change {
        HeaderChange::Set(name, _) | HeaderChange::Append { name, .. } => name,
    }
}

/// Applies the SDK's header changes (e.g. [`SessionContainer::response_headers`]) to an
/// actix header map, with the same semantics as on an `http` 1.x map.
///
/// [`SessionContainer::response_headers`]: supertokens_session::SessionContainer::response_headers
pub fn apply_header_changes(headers: &mut ActixHeaderMap, changes: &[HeaderChange]) {
    for change in changes {
        let name = change_name(change);
        let Ok(actix_name) = ActixHeaderName::from_bytes(name.as_str().as_bytes()) else {
            continue;
        };
        // Apply the change to this header's current values in `http` 1.x form, then write the
        // result back.
        let mut current = HeaderMap::new();
        for value in headers.get_all(&actix_name) {
            if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
                current.append(name.clone(), value);
            }
        }
        supertokens::http_types::apply_header_changes(&mut current, std::slice::from_ref(change));
        headers.remove(&actix_name);
        for value in current.get_all(name) {
            if let Some((actix_name, value)) = actix_header(name, value) {
                headers.append(actix_name, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_changes_keep_their_semantics() {
        let mut headers = ActixHeaderMap::new();
        headers.insert(
            ActixHeaderName::from_static("access-control-expose-headers"),
            ActixHeaderValue::from_static("x-app"),
        );
        let expose = HeaderName::from_static("access-control-expose-headers");
        apply_header_changes(
            &mut headers,
            &[
                HeaderChange::Set(
                    HeaderName::from_static("front-token"),
                    HeaderValue::from_static("abc"),
                ),
                HeaderChange::Append {
                    name: expose.clone(),
                    value: HeaderValue::from_static("front-token"),
                    comma_join: true,
                },
                HeaderChange::Append {
                    name: http::header::SET_COOKIE,
                    value: HeaderValue::from_static("a=1"),
                    comma_join: false,
                },
                HeaderChange::Append {
                    name: http::header::SET_COOKIE,
                    value: HeaderValue::from_static("b=2"),
                    comma_join: false,
                },
            ],
        );
        assert_eq!(headers.get("front-token").unwrap(), "abc");
        assert_eq!(
            headers.get("access-control-expose-headers").unwrap(),
            "x-app, front-token"
        );
        let cookies: Vec<_> = headers
            .get_all("set-cookie")
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(cookies, vec!["a=1", "b=2"]);
    }
}
