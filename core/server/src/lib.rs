//! HTTP layer of the SuperTokens-compatible core: the CDI router, the API-key guard,
//! `cdi-version` negotiation and the single mapping of failures to responses.
//!
//! [`router`] builds the whole app as a value so tests drive it with `oneshot` and the
//! daemon serves it with [`serve`].

pub mod error;
pub mod extract;
pub mod routes;
pub mod routing;

use std::future::Future;
use std::sync::Arc;

pub use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::HeaderMap;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use supertokens_cdi::version::{
    CdiVersion, HEADER_API_KEY, HEADER_CDI_VERSION, SUPPORTED_CDI_VERSIONS,
};
use supertokens_core_engine::Core;
use tower::Layer;
use tower_http::catch_panic::CatchPanicLayer;

use crate::error::ApiError;

/// Largest request body accepted (1 MiB); larger ones get 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Settings of the HTTP layer.
#[derive(Clone, Default)]
pub struct ServerConfig {
    /// Accepted API keys; empty means the core is open to anyone who can reach it.
    pub api_keys: Vec<String>,
    /// Prefix of every route (`base_path`), e.g. `/st`; empty for none.
    pub base_path: String,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field(
                "api_keys",
                &format_args!("<{} redacted>", self.api_keys.len()),
            )
            .field("base_path", &self.base_path)
            .finish()
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The engine.
    pub core: Arc<Core>,
    /// HTTP settings.
    pub config: Arc<ServerConfig>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The complete CDI app. The guard runs before routing, so that prefixed paths
/// (`/appid-public/public/recipe/signin`) reach the same handlers as bare ones.
pub fn router(state: AppState) -> Router {
    let routes = routes::routes()
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state.clone());
    let guarded = middleware::from_fn_with_state(state, guard).layer(routes);
    Router::new()
        .fallback_service(guarded)
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal("handler panicked".into()).into_response()
        }))
}

/// Serves the app until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Strips URL prefixes, then checks the API key and the `cdi-version` header.
async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let (path, tenant) = match routing::normalise(&state.config.base_path, request.uri()) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    if !routing::is_open_path(&path) {
        if !api_key_ok(&state.config.api_keys, request.headers()) {
            return ApiError::InvalidApiKey.into_response();
        }
        if path != "/apiversion"
            && let Err(error) = check_cdi_version(request.headers())
        {
            return error.into_response();
        }
    }
    let rewritten = match request.uri().query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    match rewritten.parse() {
        Ok(uri) => *request.uri_mut() = uri,
        Err(_) => {
            return ApiError::bad_request("the request path is not a valid URI").into_response();
        }
    }
    request.extensions_mut().insert(tenant);
    next.run(request).await
}

fn api_key_ok(keys: &[String], headers: &HeaderMap) -> bool {
    if keys.is_empty() {
        return true;
    }
    let given = headers
        .get(HEADER_API_KEY)
        .or_else(|| headers.get(axum::http::header::AUTHORIZATION))
        .and_then(|value| value.to_str().ok())
        .map(|value| value.trim())
        .map(|value| value.strip_prefix("Bearer ").unwrap_or(value).trim());
    let Some(given) = given else { return false };
    // Compare against every key without stopping early, in constant time per key.
    keys.iter().fold(false, |found, key| {
        found
            | bool::from(subtle::ConstantTimeEq::ct_eq(
                key.as_bytes(),
                given.as_bytes(),
            ))
    })
}

fn check_cdi_version(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(HEADER_CDI_VERSION) else {
        return Ok(());
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::bad_request("cdi-version header is invalid"))?;
    let version = CdiVersion::parse(text)
        .ok_or_else(|| ApiError::bad_request("cdi-version header is invalid"))?;
    let supported = SUPPORTED_CDI_VERSIONS
        .iter()
        .filter_map(|known| CdiVersion::parse(known))
        .any(|known| known == version);
    if supported {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "cdi-version {version} not supported"
        )))
    }
}
