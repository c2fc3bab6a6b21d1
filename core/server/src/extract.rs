//! Request extractors whose rejections say exactly what is wrong, as plain-text 400s.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use supertokens_core_engine::Core;

use crate::error::ApiError;

/// A JSON body, whatever the `content-type` says.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection {
                    BytesRejection::FailedToBufferBody(error)
                        if error.to_string().to_lowercase().contains("length limit") =>
                    {
                        ApiError::PayloadTooLarge(crate::MAX_BODY_BYTES)
                    }
                    other => {
                        ApiError::bad_request(format!("Could not read the request body: {other}"))
                    }
                })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request(
                "Invalid JSON input: the request body is empty",
            ));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|error| ApiError::bad_request(format!("Invalid JSON input: {error}")))
    }
}

impl<T: DeserializeOwned> JsonBody<T> {
    /// Reads the body of `request` as JSON, for handlers that pick the body's type at run
    /// time (e.g. by the `rid` header).
    pub async fn read(request: Request) -> Result<Self, ApiError> {
        <Self as FromRequest<()>>::from_request(request, &()).await
    }
}

/// Query parameters.
#[derive(Debug, Clone)]
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query()).map(QueryParams)
    }
}

/// Parses a query string (as [`QueryParams`] does), for handlers that pick the shape of the
/// query at run time.
pub fn parse_query<T: DeserializeOwned>(query: Option<&str>) -> Result<T, ApiError> {
    serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|error| ApiError::bad_request(format!("Invalid query parameters: {error}")))
}

/// Parses `"true"`/`"false"` query values (node stringifies booleans).
pub fn parse_bool(name: &str, value: Option<&str>, default: bool) -> Result<bool, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(ApiError::bad_request(format!(
            "Field name '{name}' must be true or false, not {other:?}"
        ))),
    }
}

/// The core of the app the request is addressed to, resolved by the guard.
#[derive(Debug, Clone)]
pub struct AppCore(pub Arc<Core>);

impl<S: Send + Sync> FromRequestParts<S> for AppCore {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<AppCore>().cloned().ok_or_else(|| {
            ApiError::Internal(
                "the request's app was not resolved: the guard layer is missing".into(),
            )
        })
    }
}
