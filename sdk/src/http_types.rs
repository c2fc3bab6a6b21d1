//! Framework-neutral requests and responses.
//!
//! Each adapter converts its framework's request into an [`SdkRequest`] and applies an
//! [`SdkResponse`] (or a list of [`HeaderChange`]s) to its own response, so every recipe is
//! written once. Concrete types over `http` 1.x are used rather than traits: they are just as
//! neutral, and tests build them directly.

use std::net::IpAddr;

use bytes::Bytes;
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde::Serialize;
use serde_json::Value;

use crate::error::{Result, SuperTokensError};

/// The 400 message for a body that is not JSON, as supertokens-node words it.
pub const INVALID_JSON_BODY: &str =
    "API input error: Please make sure to pass a valid JSON input in the request body";

/// An incoming request, as the SDK sees it.
#[derive(Debug, Clone)]
pub struct SdkRequest {
    /// Method.
    pub method: Method,
    /// Path without query, as received (e.g. `/auth/signin`).
    pub path: String,
    /// Raw query string (without `?`), if any.
    pub query: Option<String>,
    /// Headers.
    pub headers: HeaderMap,
    /// Body (empty when the adapter did not read it).
    pub body: Bytes,
    /// The socket peer's address (the client, or the proxy in front of the app), as the
    /// adapter got it from the connection; `None` when it could not tell. Rate limits count
    /// requests per client address (see [`crate::rate_limit`]).
    pub peer_addr: Option<IpAddr>,
}

impl SdkRequest {
    /// A request without a body.
    pub fn new(method: Method, path_and_query: &str, headers: HeaderMap) -> Self {
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
            None => (path_and_query.to_owned(), None),
        };
        Self {
            method,
            path,
            query,
            headers,
            body: Bytes::new(),
            peer_addr: None,
        }
    }

    /// The same request from this socket peer.
    pub fn with_peer_addr(mut self, peer_addr: IpAddr) -> Self {
        self.peer_addr = Some(peer_addr);
        self
    }

    /// The same request with a body.
    pub fn with_body(mut self, body: Bytes) -> Self {
        self.body = body;
        self
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Every value of a cookie (a browser may send two of the same name).
    pub fn cookies(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|header| header.split(';'))
            .filter_map(|pair| cookie::Cookie::parse_encoded(pair.trim().to_owned()).ok())
            .filter(|cookie| cookie.name() == name)
            .map(|cookie| cookie.value().to_owned())
            .collect()
    }

    /// The first value of a cookie.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies(name).into_iter().next()
    }

    /// A query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .ok()?
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// A query parameter the route needs: 400 `Please provide the <name> as a GET param`
    /// (node's message) when it is missing.
    pub fn required_query_param(&self, name: &str) -> Result<String> {
        self.query_param(name).ok_or_else(|| {
            SuperTokensError::BadInput(format!("Please provide the {name} as a GET param"))
        })
    }

    /// The body as a JSON object; 400 when it is not one (with [`INVALID_JSON_BODY`] when it
    /// is not JSON at all).
    pub fn json_object(&self) -> Result<serde_json::Map<String, Value>> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::Map::new());
        }
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(object)) => Ok(object),
            Ok(_) => Err(SuperTokensError::BadInput(
                "The request body must be a JSON object".into(),
            )),
            Err(error) => {
                // Node's message, word for word; the parser's detail goes to the log only.
                tracing::debug!(%error, "request body is not valid JSON");
                Err(SuperTokensError::BadInput(INVALID_JSON_BODY.into()))
            }
        }
    }
}

/// A change to the headers of a response: session tokens, `front-token`, cookies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderChange {
    /// Replace a header.
    Set(HeaderName, HeaderValue),
    /// Add a value (e.g. `Set-Cookie`), or extend a comma-separated list when
    /// `comma_join` is true (e.g. `Access-Control-Expose-Headers`).
    Append {
        /// Header name.
        name: HeaderName,
        /// Value to add.
        value: HeaderValue,
        /// Merge into an existing comma-separated value instead of adding a line.
        comma_join: bool,
    },
}

/// Applies header changes to a header map.
pub fn apply_header_changes(headers: &mut HeaderMap, changes: &[HeaderChange]) {
    for change in changes {
        match change {
            HeaderChange::Set(name, value) => {
                headers.insert(name.clone(), value.clone());
            }
            HeaderChange::Append {
                name,
                value,
                comma_join: true,
            } => {
                let merged = match headers
                    .get(name)
                    .and_then(|existing| existing.to_str().ok())
                {
                    Some(existing) if !existing.is_empty() => {
                        let wanted = value.to_str().unwrap_or_default();
                        if existing
                            .split(',')
                            .any(|part| part.trim().eq_ignore_ascii_case(wanted))
                        {
                            continue;
                        }
                        HeaderValue::from_str(&format!("{existing}, {wanted}")).ok()
                    }
                    _ => Some(value.clone()),
                };
                if let Some(merged) = merged {
                    headers.insert(name.clone(), merged);
                }
            }
            HeaderChange::Append {
                name,
                value,
                comma_join: false,
            } => {
                headers.append(name.clone(), value.clone());
            }
        }
    }
}

/// A response produced by the SDK for one of its own routes.
#[derive(Debug, Clone)]
pub struct SdkResponse {
    /// Status.
    pub status: StatusCode,
    /// Headers (several `Set-Cookie` lines allowed).
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl Default for SdkResponse {
    fn default() -> Self {
        Self {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }
}

impl SdkResponse {
    /// A JSON response.
    pub fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Self {
        let mut response = Self {
            status,
            ..Self::default()
        };
        response.set_json(body);
        response
    }

    /// Replaces the body with JSON.
    pub fn set_json<T: Serialize + ?Sized>(&mut self, body: &T) {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Bytes::from(bytes);
                self.headers.insert(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json; charset=utf-8"),
                );
            }
            Err(error) => {
                self.status = StatusCode::INTERNAL_SERVER_ERROR;
                self.body = Bytes::from(format!(
                    "{{\"message\":\"response encoding failed: {error}\"}}"
                ));
            }
        }
    }

    /// `{"message": …}` with a status: the FDI's shape for errors.
    pub fn message(status: StatusCode, message: &str) -> Self {
        Self::json(status, &serde_json::json!({ "message": message }))
    }

    /// Applies header changes.
    pub fn apply(&mut self, changes: &[HeaderChange]) {
        apply_header_changes(&mut self.headers, changes);
    }

    /// The `Set-Cookie` lines, for tests.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok().map(str::to_owned))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_query_are_read() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; sAccessToken=x%2By; sAccessToken=z"),
        );
        let request = SdkRequest::new(Method::GET, "/auth/x?email=a%40b.c&y=2", headers);
        assert_eq!(request.cookies("sAccessToken"), vec!["x+y", "z"]);
        assert_eq!(request.cookie("a").as_deref(), Some("1"));
        assert_eq!(request.query_param("email").as_deref(), Some("a@b.c"));
        assert_eq!(request.required_query_param("y").unwrap(), "2");
        assert_eq!(
            request
                .required_query_param("phoneNumber")
                .unwrap_err()
                .to_string(),
            SuperTokensError::BadInput("Please provide the phoneNumber as a GET param".into())
                .to_string()
        );
        assert_eq!(request.path, "/auth/x");
    }

    #[test]
    fn expose_headers_are_merged_once() {
        let mut headers = HeaderMap::new();
        let expose = HeaderName::from_static("access-control-expose-headers");
        let change = |value: &'static str| HeaderChange::Append {
            name: expose.clone(),
            value: HeaderValue::from_static(value),
            comma_join: true,
        };
        apply_header_changes(
            &mut headers,
            &[
                change("front-token"),
                change("st-access-token"),
                change("front-token"),
            ],
        );
        assert_eq!(headers[&expose], "front-token, st-access-token");
    }

    #[test]
    fn bodies_must_be_json_objects() {
        let request = SdkRequest::new(Method::POST, "/", HeaderMap::new());
        assert!(
            request
                .clone()
                .with_body(Bytes::from_static(b"[1]"))
                .json_object()
                .is_err()
        );
        let error = request
            .clone()
            .with_body(Bytes::from_static(b"{"))
            .json_object()
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            SuperTokensError::BadInput(INVALID_JSON_BODY.into()).to_string()
        );
        assert!(
            request
                .with_body(Bytes::from_static(b"{\"a\":1}"))
                .json_object()
                .unwrap()
                .contains_key("a")
        );
    }
}
