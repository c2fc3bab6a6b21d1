//! HTTP layer of the SuperTokens-compatible core: the CDI router, the API-key guard,
//! `cdi-version` negotiation, the resolution of the app and tenant of every request, and the
//! single mapping of failures to responses.
//!
//! [`router`] builds the whole app as a value so tests drive it with `oneshot` and the
//! daemon serves it with [`serve`]. Handlers get the core of the request's app with the
//! [`extract::AppCore`] extractor and its tenant from the [`routing::Tenant`] extension.
//! Outside everything, [`observability`] gives each request an id and a span, logs it and
//! counts it; [`metrics`] serves `/metrics` and [`health`] the liveness and readiness probes.

pub mod error;
pub mod extract;
pub mod health;
pub mod metrics;
pub mod observability;
pub mod openapi;
pub mod routes;
pub mod routing;

use std::future::Future;
use std::sync::Arc;

pub use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderName};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use supertokens_cdi::version::{
    CdiVersion, HEADER_API_KEY, HEADER_CDI_VERSION, SUPPORTED_CDI_VERSIONS,
};
use supertokens_core_engine::Apps;
use tower::Layer;
use tower_http::catch_panic::CatchPanicLayer;

use crate::error::ApiError;
pub use crate::observability::Observability;

/// Largest request body accepted (1 MiB); larger ones get 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Settings of the HTTP layer.
#[derive(Clone, Default)]
pub struct ServerConfig {
    /// Accepted API keys; empty means the core is open to anyone who can reach it.
    pub api_keys: Vec<String>,
    /// Prefix of every route (`base_path`), e.g. `/st`; empty for none.
    pub base_path: String,
    /// Header that may carry the caller's request id, echoed in the response; `None` for
    /// fresh ids in `x-request-id`.
    pub request_id_header: Option<HeaderName>,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field(
                "api_keys",
                &format_args!("<{} redacted>", self.api_keys.len()),
            )
            .field("base_path", &self.base_path)
            .field("request_id_header", &self.request_id_header)
            .finish()
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The engine: the core of every app.
    pub apps: Arc<Apps>,
    /// HTTP settings.
    pub config: Arc<ServerConfig>,
    /// Metrics handle and shutdown state.
    pub observability: Observability,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .field("observability", &self.observability)
            .finish_non_exhaustive()
    }
}

/// The complete CDI app. The guard runs before routing, so that prefixed paths
/// (`/appid-public/public/recipe/signin`) reach the same handlers as bare ones.
pub fn router(state: AppState) -> Router {
    let routes = routes::routes()
        .merge(observability::routes())
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state.clone());
    let guarded = middleware::from_fn_with_state(state.clone(), guard).layer(routes);
    Router::new()
        .fallback_service(guarded)
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal("handler panicked".into()).into_response()
        }))
        .layer(middleware::from_fn_with_state(
            state,
            observability::observe,
        ))
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

/// Strips URL prefixes, checks the API key and the `cdi-version` header, then resolves the
/// app and tenant: unknown ones get 400, app-level APIs called with a tenant other than
/// `public` get 403 (from CDI 5.0, as the Java core).
async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let target = match routing::normalise(&state.config.base_path, request.uri()) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let mut version = None;
    if !routing::is_open_path(&target.path) {
        if !api_key_ok(&state.config.api_keys, request.headers()) {
            return ApiError::InvalidApiKey.into_response();
        }
        if target.path != "/apiversion" && target.path != observability::METRICS_PATH {
            match check_cdi_version(request.headers()) {
                Ok(found) => version = found,
                Err(error) => return error.into_response(),
            }
        }
    }
    let rewritten = match request.uri().query() {
        Some(query) => format!("{}?{query}", target.path),
        None => target.path.clone(),
    };
    match rewritten.parse() {
        Ok(uri) => *request.uri_mut() = uri,
        Err(_) => {
            return ApiError::bad_request("the request path is not a valid URI").into_response();
        }
    }
    if routing::API_PATHS.contains(&target.path.as_str()) {
        match resolve(&state, &target, request.method(), version).await {
            Ok(core) => {
                request.extensions_mut().insert(extract::AppCore(core));
            }
            Err(error) => return error.into_response(),
        }
    }
    request
        .extensions_mut()
        .insert(routing::AppId(target.app_id));
    request
        .extensions_mut()
        .insert(routing::Tenant(target.tenant_id));
    next.run(request).await
}

/// The core of the request's app, once the app, the tenant and the tenant's right to call
/// the API are checked.
async fn resolve(
    state: &AppState,
    target: &routing::Target,
    method: &axum::http::Method,
    version: Option<CdiVersion>,
) -> Result<Arc<supertokens_core_engine::Core>, ApiError> {
    let public_tenant = target.tenant_id == routing::PUBLIC;
    // Before CDI 3.0 there were no tenants.
    if !public_tenant && version.is_some_and(|v| v < CdiVersion { major: 3, minor: 0 }) {
        return Err(ApiError::NotFound);
    }
    if !public_tenant
        && routing::is_app_level(method, &target.path)
        && version.is_none_or(|v| v >= CdiVersion { major: 5, minor: 0 })
    {
        return Err(ApiError::Forbidden(
            "Only public tenantId can call this app specific API".into(),
        ));
    }
    let Some(core) = state.apps.core(&target.app_id).await? else {
        return Err(routing::not_found(&target.app_id, &target.tenant_id));
    };
    // The tenant configuration API answers TENANT_NOT_FOUND_ERROR itself.
    let answers_unknown_tenant =
        method == axum::http::Method::GET && target.path == "/recipe/multitenancy/tenant/v2";
    if !public_tenant && !answers_unknown_tenant && !core.tenants.exists(&target.tenant_id).await? {
        return Err(routing::not_found(&target.app_id, &target.tenant_id));
    }
    Ok(core)
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

/// The request's `cdi-version`, if it has one and it is supported.
fn check_cdi_version(headers: &HeaderMap) -> Result<Option<CdiVersion>, ApiError> {
    let Some(value) = headers.get(HEADER_CDI_VERSION) else {
        return Ok(None);
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
        Ok(Some(version))
    } else {
        Err(ApiError::bad_request(format!(
            "cdi-version {version} not supported"
        )))
    }
}
