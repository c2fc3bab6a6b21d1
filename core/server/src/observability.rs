//! What operators see of each request: an id, a span that carries it with the method and
//! the route template (so every log line of the request names them, in text and JSON logs,
//! and traces export them), a one-line access log at debug level, and the HTTP metrics.
//!
//! The id comes from the configured header (`request_id_header`) when the caller sent a
//! sane one, else it is a fresh UUID v4; the response carries it back in that header, or in
//! `x-request-id`. The route is the template after the app and tenant prefixes are stripped
//! (`/recipe/signin`), or `unmatched`; never the query string or anything else the caller
//! chose, so neither logs nor metric labels carry user data.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use tracing::Instrument;

use crate::{AppState, health, metrics, routing};

/// Response header of the request id when no `request_id_header` is configured.
pub const DEFAULT_REQUEST_ID_HEADER: &str = "x-request-id";
/// Longest request id taken from a caller.
pub const MAX_REQUEST_ID_LEN: usize = 128;
/// Route label of paths that match no route.
pub const UNMATCHED_ROUTE: &str = "unmatched";
/// The Prometheus scrape path (API key needed when keys are configured).
pub const METRICS_PATH: &str = "/metrics";
/// The liveness path (open).
pub const LIVENESS_PATH: &str = "/health/live";
/// The readiness path (open).
pub const READINESS_PATH: &str = "/health/ready";

/// The paths served by this module, besides the CDI's.
const OWN_PATHS: &[&str] = &[METRICS_PATH, LIVENESS_PATH, READINESS_PATH];

/// Process-level observability state shared by every request.
#[derive(Clone, Default)]
pub struct Observability {
    /// Renders `/metrics`; without it `/metrics` answers 404.
    pub metrics: Option<PrometheusHandle>,
    /// Set when shutdown begins: readiness then answers 503 so load balancers drain.
    pub shutting_down: Arc<AtomicBool>,
}

impl std::fmt::Debug for Observability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observability")
            .field("metrics", &self.metrics.is_some())
            .field("shutting_down", &self.is_shutting_down())
            .finish()
    }
}

impl Observability {
    /// Observability with these metrics (`None` for none).
    pub fn with_metrics(metrics: Option<PrometheusHandle>) -> Self {
        Self {
            metrics,
            shutting_down: Arc::default(),
        }
    }

    /// Marks the start of shutdown: readiness answers 503 from now on.
    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }

    /// Whether shutdown has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }
}

/// The id of the request being served, as a request extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// `/metrics`, `/health/live` and `/health/ready`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(METRICS_PATH, get(metrics::scrape))
        .route(LIVENESS_PATH, get(health::live))
        .route(READINESS_PATH, get(health::ready))
}

/// Outermost middleware: id, span, access log, metrics.
pub(crate) async fn observe(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let configured = state.config.request_id_header.as_ref();
    let id = configured
        .and_then(|name| request.headers().get(name))
        .and_then(sane_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let method = request.method().clone();
    let route = route_label(&state.config.base_path, request.uri());
    // At error level so that the fields are on every line whatever the log level.
    let span = tracing::error_span!(
        "request",
        request_id = %id,
        method = %metrics::method_label(&method),
        route = %route,
    );
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::debug!(
            status,
            latency_ms = (elapsed.as_secs_f64() * 100_000.0).round() / 100.0,
            "request finished"
        );
    });
    metrics::record_request(&method, route, status, elapsed);
    let name = configured
        .cloned()
        .unwrap_or(HeaderName::from_static(DEFAULT_REQUEST_ID_HEADER));
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(name, value);
    }
    response
}

/// A caller's request id, when it is 1 to [`MAX_REQUEST_ID_LEN`] visible ASCII characters.
fn sane_request_id(value: &HeaderValue) -> Option<String> {
    let bytes = value.as_bytes();
    let sane = (1..=MAX_REQUEST_ID_LEN).contains(&bytes.len())
        && bytes.iter().all(|byte| (0x21..=0x7e).contains(byte));
    if sane {
        value.to_str().ok().map(str::to_owned)
    } else {
        None
    }
}

/// The route template of a request: its path without `base_path`, app and tenant
/// prefixes when that is a path this core serves, else [`UNMATCHED_ROUTE`].
pub fn route_label(base_path: &str, uri: &Uri) -> &'static str {
    let Ok(target) = routing::normalise(base_path, uri) else {
        return UNMATCHED_ROUTE;
    };
    routing::API_PATHS
        .iter()
        .chain(OWN_PATHS)
        .find(|known| **known == target.path)
        .copied()
        .unwrap_or(UNMATCHED_ROUTE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(base_path: &str, path: &str) -> &'static str {
        route_label(base_path, &path.parse::<Uri>().unwrap())
    }

    #[test]
    fn routes_are_templates_without_prefixes_or_queries() {
        assert_eq!(label("", "/recipe/signin"), "/recipe/signin");
        assert_eq!(
            label("", "/appid-shop/acme/recipe/signin?email=a@b.c"),
            "/recipe/signin"
        );
        assert_eq!(
            label("/st", "/st/public/recipe/session/refresh"),
            "/recipe/session/refresh"
        );
        assert_eq!(label("", "/recipe/user?userId=secret"), "/recipe/user");
        assert_eq!(label("", "/metrics"), "/metrics");
        assert_eq!(label("", "/health/ready"), "/health/ready");
        assert_eq!(label("", "/no/such/route"), UNMATCHED_ROUTE);
        assert_eq!(label("", "/recipe/signin/a-user-id"), UNMATCHED_ROUTE);
        assert_eq!(label("/st", "/recipe/signin"), UNMATCHED_ROUTE);
    }

    #[test]
    fn only_sane_request_ids_are_taken() {
        let take = |text: &str| sane_request_id(&HeaderValue::from_str(text).unwrap());
        assert_eq!(take("abc-123_XYZ").as_deref(), Some("abc-123_XYZ"));
        assert_eq!(take(&"a".repeat(128)).map(|id| id.len()), Some(128));
        assert_eq!(take(&"a".repeat(129)), None);
        assert_eq!(take(""), None);
        assert_eq!(take("has space"), None);
        assert_eq!(take("tab\there"), None);
        let non_ascii = HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap();
        assert_eq!(sane_request_id(&non_ascii), None);
    }

    #[test]
    fn shutdown_is_seen_by_every_clone() {
        let observability = Observability::default();
        let clone = observability.clone();
        assert!(!clone.is_shutting_down());
        observability.begin_shutdown();
        assert!(clone.is_shutting_down());
    }
}
