//! Prometheus metrics: the process-wide recorder, the HTTP metrics and the `/metrics` scrape.
//!
//! Everything goes through the `metrics` facade, so the engine counts sign-ins, sign-ups and
//! refreshes without knowing about Prometheus. Gauges that describe a state (the hashing
//! queue, the database pools) are read when scraped. Labels are fixed words or route
//! templates, never user data, so the number of series stays bounded.

use std::sync::Mutex;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use supertokens_core_engine::telemetry;

use crate::AppState;
use crate::error::ApiError;

/// Counter of answered requests by `method`, `route` and `status`.
pub const HTTP_REQUESTS_TOTAL: &str = "supertokens_http_requests_total";
/// Histogram of request latency in seconds by `method` and `route`.
pub const HTTP_REQUEST_DURATION_SECONDS: &str = "supertokens_http_request_duration_seconds";
/// Gauge of password hashes waiting for a hashing thread.
pub const PASSWORD_HASHING_QUEUE_DEPTH: &str = "supertokens_password_hashing_queue_depth";
/// Gauge of password hashes being computed.
pub const PASSWORD_HASHING_IN_FLIGHT: &str = "supertokens_password_hashing_in_flight";
/// Gauge of database connections by `app` and `state` (`idle`, `in_use`).
pub const DB_POOL_CONNECTIONS: &str = "supertokens_db_pool_connections";
/// Gauge of the most connections the pool of an `app` may open.
pub const DB_POOL_MAX_CONNECTIONS: &str = "supertokens_db_pool_max_connections";

/// Bucket bounds of [`HTTP_REQUEST_DURATION_SECONDS`], from a cached verify (a few ms) to a
/// sign-in queued behind many password hashes (seconds).
pub const LATENCY_BUCKETS_SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histogram samples are folded into their buckets between scrapes.
pub const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Content type of the text exposition format.
const EXPOSITION_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Installs the Prometheus recorder as the process's metrics recorder and returns the
/// handle that renders it. Later calls return the same handle, so several routers of one
/// process (tests) share it.
pub fn install_recorder() -> Result<PrometheusHandle, BuildError> {
    static INSTALLED: Mutex<Option<PrometheusHandle>> = Mutex::new(None);
    let mut installed = match INSTALLED.lock() {
        Ok(installed) => installed,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(handle) = installed.as_ref() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(HTTP_REQUEST_DURATION_SECONDS.to_owned()),
            LATENCY_BUCKETS_SECONDS,
        )?
        .install_recorder()?;
    describe();
    *installed = Some(handle.clone());
    Ok(handle)
}

/// Folds histogram samples into buckets every [`UPKEEP_INTERVAL`], so that memory stays
/// flat when nobody scrapes. Runs until the task is aborted.
pub fn spawn_upkeep(handle: PrometheusHandle) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(UPKEEP_INTERVAL);
        loop {
            ticks.tick().await;
            handle.run_upkeep();
        }
    })
}

/// Help texts, and every outcome counter at zero so dashboards see the series from the start.
fn describe() {
    metrics::describe_counter!(
        HTTP_REQUESTS_TOTAL,
        "Answered requests by method, route template and status code."
    );
    metrics::describe_histogram!(
        HTTP_REQUEST_DURATION_SECONDS,
        metrics::Unit::Seconds,
        "Time from the request's arrival to its response, by method and route template."
    );
    metrics::describe_counter!(
        telemetry::SIGN_IN_TOTAL,
        "Email/password sign-ins by outcome."
    );
    metrics::describe_counter!(
        telemetry::SIGN_UP_TOTAL,
        "Email/password sign-ups by outcome."
    );
    metrics::describe_counter!(
        telemetry::SESSION_REFRESH_TOTAL,
        "Session refreshes by outcome."
    );
    metrics::describe_counter!(
        telemetry::TOKEN_THEFT_DETECTIONS_TOTAL,
        "Reuses of a superseded refresh token (the session is revoked)."
    );
    metrics::describe_gauge!(
        PASSWORD_HASHING_QUEUE_DEPTH,
        "Password hashes waiting for a hashing thread."
    );
    metrics::describe_gauge!(
        PASSWORD_HASHING_IN_FLIGHT,
        "Password hashes being computed."
    );
    metrics::describe_gauge!(
        DB_POOL_CONNECTIONS,
        "Open database connections by app and state (idle, in_use)."
    );
    metrics::describe_gauge!(
        DB_POOL_MAX_CONNECTIONS,
        "Most database connections the app's pool may open."
    );
    for outcome in telemetry::SIGN_IN_OUTCOMES {
        metrics::counter!(telemetry::SIGN_IN_TOTAL, "outcome" => *outcome).increment(0);
    }
    for outcome in telemetry::SIGN_UP_OUTCOMES {
        metrics::counter!(telemetry::SIGN_UP_TOTAL, "outcome" => *outcome).increment(0);
    }
    for outcome in telemetry::SESSION_REFRESH_OUTCOMES {
        metrics::counter!(telemetry::SESSION_REFRESH_TOTAL, "outcome" => *outcome).increment(0);
    }
    metrics::counter!(telemetry::TOKEN_THEFT_DETECTIONS_TOTAL).increment(0);
}

/// Counts one answered request. `route` is a template from the router's list or
/// `unmatched`; `method` is folded to the standard methods.
pub(crate) fn record_request(method: &Method, route: &'static str, status: u16, elapsed: Duration) {
    let method = method_label(method);
    metrics::counter!(
        HTTP_REQUESTS_TOTAL,
        "method" => method,
        "route" => route,
        "status" => status.to_string(),
    )
    .increment(1);
    metrics::histogram!(
        HTTP_REQUEST_DURATION_SECONDS,
        "method" => method,
        "route" => route,
    )
    .record(elapsed.as_secs_f64());
}

/// The method as a label: the standard ones by name, anything else as `OTHER`, so that
/// made-up methods cannot create series.
pub(crate) fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// `GET /metrics`: the Prometheus text format. Needs the API key when keys are configured
/// (Prometheus sends it as `Authorization: Bearer <key>`); 404 when metrics are off.
pub(crate) async fn scrape(State(state): State<AppState>) -> Response {
    let Some(handle) = state.observability.metrics.as_ref() else {
        return ApiError::NotFound.into_response();
    };
    record_gauges(&state);
    handle.run_upkeep();
    let mut response = handle.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(EXPOSITION_CONTENT_TYPE),
    );
    response
}

/// Reads the hashing queue and the database pools into their gauges.
fn record_gauges(state: &AppState) {
    let pool = state.apps.public().hasher.pool();
    metrics::gauge!(PASSWORD_HASHING_QUEUE_DEPTH).set(count(pool.queued()));
    metrics::gauge!(PASSWORD_HASHING_IN_FLIGHT).set(count(pool.in_flight()));
    for core in state.apps.loaded_cores() {
        let Some(stats) = core.storage.pool_stats() else {
            continue;
        };
        let app = core.app_id.clone();
        metrics::gauge!(DB_POOL_CONNECTIONS, "app" => app.clone(), "state" => "idle")
            .set(f64::from(stats.idle));
        metrics::gauge!(DB_POOL_CONNECTIONS, "app" => app.clone(), "state" => "in_use")
            .set(f64::from(stats.in_use));
        metrics::gauge!(DB_POOL_MAX_CONNECTIONS, "app" => app).set(f64::from(stats.max));
    }
}

#[allow(clippy::cast_precision_loss)] // queue lengths are far below 2^52
fn count(value: usize) -> f64 {
    value as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_share_one_label() {
        assert_eq!(method_label(&Method::POST), "POST");
        let custom = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&custom), "OTHER");
    }

    #[test]
    fn latency_buckets_are_increasing() {
        assert!(
            LATENCY_BUCKETS_SECONDS
                .windows(2)
                .all(|pair| pair[0] < pair[1])
        );
    }
}
