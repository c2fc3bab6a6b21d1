//! An axum app with SuperTokens: email-password sign-up and sign-in, passwordless sign-in
//! (one-time codes and magic links by email or text message), sessions (cookies or headers,
//! as the frontend asks), password reset, email verification, user metadata, and routes
//! protected by session claims (a verified email, the `admin` role).
//!
//! ```text
//! cargo run --release -p supertokens-core     # the core, on 127.0.0.1:3567
//! cargo run --release -p example-axum         # this app, on 127.0.0.1:3001
//! ```
//!
//! | variable | default |
//! |---|---|
//! | `PORT` | `3001` |
//! | `HOST` | `127.0.0.1` (address to listen on) |
//! | `SUPERTOKENS_CONNECTION_URI` | `http://localhost:3567` |
//! | `SUPERTOKENS_API_KEY` | none |
//! | `API_DOMAIN` | `http://localhost:3001` |
//! | `WEBSITE_DOMAIN` | `http://localhost:3000` (also the only CORS origin) |
//! | `SMTP_HOST`, `SMTP_PORT`, `SMTP_USER`, `SMTP_PASSWORD`, `SMTP_FROM`, `SMTP_SECURITY` | unset: emails (reset links, sign-in codes) go to the log |
//! | `PASSWORDLESS_CONTACT_METHOD` | `email_or_phone` (or `email`, `phone`) |
//! | `PASSWORDLESS_FLOW_TYPE` | `user_input_code_and_magic_link` (or `user_input_code`, `magic_link`) |
//! | `SMS_GATEWAY_URL`, `SMS_ACCOUNT_SID`, `SMS_AUTH_TOKEN`, `SMS_FROM` | unset: text messages go to the log |
//! | `EMAIL_VERIFICATION` | `required` (protected routes need a verified email; or `optional`, `off`) |
//! | `RATE_LIMITS` | `on`: per client address and minute, sign-in 30, sign-up 10, password reset 10, passwordless codes 10; `off`; or overrides such as `sign_in=100,sign_up=0` (`0`: unlimited) |
//! | `TRUSTED_PROXIES` | none: comma-separated CIDRs of reverse proxies whose `X-Forwarded-For` is believed (`10.0.0.0/8,::1`) |
//! | `REDIS_URL` | unset: rate-limit counters in memory; `redis://host:6379` shares them between instances |
//!
//! More settings (webhook SMS delivery, passwordless send limits): `examples/README.md`.
//!
//! Routes: the SuperTokens FDI under `/auth` (`/auth/signup`, `/auth/signin`,
//! `/auth/signinup/code`, `/auth/signinup/code/consume`, `/auth/session/refresh`,
//! `/auth/signout`, `/auth/user/password/reset/token`, `/auth/user/email/verify/token`,
//! `/auth/user/email/verify`, …) and the app's own (`example_common::routes`):
//! `GET /sessioninfo` (a session; a verified email in `REQUIRED` mode), `GET /admin` (also
//! the `admin` role), `POST /refresh-claims` (fetches the session's roles again),
//! `GET`/`PUT /metadata` (the user's metadata).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use example_common::{EXPOSED_HEADERS, Settings, init_supertokens, routes};
use http::request::Parts;
use http::{HeaderName, HeaderValue, Method};
use serde_json::Value;
use supertokens::{SuperTokens, SuperTokensError};
use supertokens_axum::{
    Session, SuperTokensLayer, VerifySessionOptions, into_http_response, sdk_request_from_parts,
    verify_session,
};
use tower_http::cors::CorsLayer;

/// CORS for the website: credentials, the SuperTokens request headers, and the response
/// headers the frontend SDK reads.
fn cors(st: &SuperTokens, website_domain: &str) -> Result<CorsLayer, String> {
    let origin = HeaderValue::from_str(website_domain)
        .map_err(|error| format!("WEBSITE_DOMAIN is not a valid header value: {error}"))?;
    let allowed: Vec<HeaderName> = std::iter::once("content-type")
        .chain(st.all_cors_headers())
        .map(HeaderName::from_static)
        .collect();
    Ok(CorsLayer::new()
        .allow_origin(origin)
        .allow_credentials(true)
        .allow_methods([
            Method::GET,
            Method::PUT,
            Method::POST,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers(allowed)
        .expose_headers(EXPOSED_HEADERS.map(HeaderName::from_static)))
}

/// `GET /sessioninfo`: who is signed in.
async fn session_info(session: Session) -> Json<Value> {
    Json(routes::session_info(&session))
}

/// `GET /admin`: only for sessions whose `st-role` claim includes `admin`.
async fn admin(session: Session) -> Json<Value> {
    Json(routes::admin_info(&session))
}

/// The SDK's answer to a failure (401 when the session ended meanwhile, 400 for a bad
/// input, 500 otherwise), as its own routes give it.
fn sdk_error(st: &SuperTokens, parts: &Parts, error: &SuperTokensError) -> Response {
    into_http_response(st.error_response(error, &sdk_request_from_parts(parts, Bytes::new())))
}

/// A route's JSON answer, or the SDK's answer to its failure.
fn answer(st: &SuperTokens, parts: &Parts, result: supertokens::Result<Value>) -> Response {
    match result {
        Ok(body) => Json(body).into_response(),
        Err(error) => sdk_error(st, parts, &error),
    }
}

/// `POST /refresh-claims`: the session's roles and permissions, fetched again; the new
/// access token goes out with the answer.
async fn refresh_claims(
    Extension(st): Extension<Arc<SuperTokens>>,
    session: Session,
    parts: Parts,
) -> Response {
    answer(&st, &parts, routes::refresh_role_claims(&session).await)
}

/// `GET /metadata`: the user's metadata.
async fn get_metadata(
    Extension(st): Extension<Arc<SuperTokens>>,
    session: Session,
    parts: Parts,
) -> Response {
    answer(&st, &parts, routes::get_metadata(&st, &session).await)
}

/// `PUT /metadata`: merges a JSON object into the user's metadata.
async fn put_metadata(
    Extension(st): Extension<Arc<SuperTokens>>,
    session: Session,
    parts: Parts,
    body: Bytes,
) -> Response {
    answer(
        &st,
        &parts,
        routes::update_metadata(&st, &session, &body).await,
    )
}

/// The whole app: the SDK's routes, the protected routes, CORS outermost (so preflights and
/// the SDK's own answers get CORS headers too). `SuperTokensLayer` puts the SDK in every
/// request's extensions, where `Extension<Arc<SuperTokens>>` finds it.
fn app(st: Arc<SuperTokens>, cors: CorsLayer) -> Router {
    Router::new()
        .route(
            "/sessioninfo",
            get(session_info).layer(verify_session(VerifySessionOptions::default())),
        )
        .route(
            "/admin",
            get(admin).layer(verify_session(routes::admin_only())),
        )
        .route(
            "/refresh-claims",
            post(refresh_claims).layer(verify_session(VerifySessionOptions::default())),
        )
        .route(
            "/metadata",
            get(get_metadata)
                .put(put_metadata)
                .layer(verify_session(VerifySessionOptions::default())),
        )
        .layer(SuperTokensLayer::new(st))
        .layer(cors)
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}

async fn run() -> Result<(), String> {
    let settings = Settings::from_env()?;
    let st = init_supertokens(&settings, "SuperTokens example (axum)").await?;
    // The normalised origin (no trailing slash): browsers compare it byte for byte.
    let cors = cors(&st, &st.app_info().website_domain)?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|error| format!("cannot listen on {}: {error}", settings.listen))?;
    tracing::info!(
        listen = %settings.listen,
        api_domain = %settings.api_domain,
        website_domain = %settings.website_domain,
        core = %settings.connection_uri,
        "example-axum ready"
    );
    // With the peer's address in every request (`ConnectInfo`), which the SDK's rate limits
    // count by.
    axum::serve(
        listener,
        app(st, cors).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|error| format!("server error: {error}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("example-axum: {message}");
            ExitCode::FAILURE
        }
    }
}
