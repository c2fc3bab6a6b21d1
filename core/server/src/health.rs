//! Liveness and readiness for orchestrators and load balancers; both open (no API key, no
//! `cdi-version`).
//!
//! - `GET /health/live`: 200 `OK` while the process serves HTTP at all; never touches the
//!   database, so a database outage does not get the core restarted.
//! - `GET /health/ready`: 200 `OK` when a trivial query on the public app's database answers
//!   within [`READINESS_TIMEOUT`]; 503 with `Retry-After` while it does not, and once
//!   shutdown has begun, so that traffic drains to other instances.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// How long readiness waits for the database.
pub const READINESS_TIMEOUT: Duration = Duration::from_secs(2);
/// Seconds a load balancer is asked to wait before asking again.
const RETRY_AFTER_SECONDS: &str = "5";

/// `GET /health/live`.
pub(crate) async fn live() -> &'static str {
    "OK"
}

/// `GET /health/ready`.
pub(crate) async fn ready(State(state): State<AppState>) -> Response {
    if state.observability.is_shutting_down() {
        return not_ready("the core is shutting down");
    }
    let ping = state.apps.public().storage.ping();
    match tokio::time::timeout(READINESS_TIMEOUT, ping).await {
        Ok(Ok(())) => "OK".into_response(),
        Ok(Err(error)) => {
            tracing::warn!(%error, "not ready: the database does not answer");
            not_ready("the database is unreachable")
        }
        Err(_) => {
            tracing::warn!(
                "not ready: the database did not answer within {} s",
                READINESS_TIMEOUT.as_secs()
            );
            not_ready("the database did not answer in time")
        }
    }
}

/// 503 with a plain-text reason (no internals: this path is open) and `Retry-After`.
fn not_ready(reason: &str) -> Response {
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        format!("Not ready: {reason}"),
    )
        .into_response();
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_static(RETRY_AFTER_SECONDS),
    );
    response
}
