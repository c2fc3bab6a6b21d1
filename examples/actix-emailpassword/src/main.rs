//! An actix-web app with SuperTokens: email-password sign-up and sign-in, passwordless
//! sign-in (one-time codes and magic links by email or text message), sessions (cookies or
//! headers, as the frontend asks), password reset, email verification, user metadata, and
//! routes protected by session claims (a verified email, the `admin` role).
//!
//! ```text
//! cargo run --release -p supertokens-core     # the core, on 127.0.0.1:3567
//! cargo run --release -p example-actix        # this app, on 127.0.0.1:3001
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

use std::process::ExitCode;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::http::Method;
use actix_web::web::{Bytes, ReqData};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use example_common::{EXPOSED_HEADERS, Settings, init_supertokens, routes};
use serde_json::Value;
use supertokens::{SuperTokens, SuperTokensError};
use supertokens_actix::{
    Session, SuperTokensMiddleware, VerifySessionOptions, into_actix_response,
    sdk_request_from_actix, verify_session,
};

/// CORS for the website: credentials, the SuperTokens request headers, and the response
/// headers the frontend SDK reads.
fn cors(website_domain: &str, allowed_headers: &[&'static str]) -> Cors {
    Cors::default()
        .allowed_origin(website_domain)
        .supports_credentials()
        .allowed_methods([
            Method::GET,
            Method::PUT,
            Method::POST,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allowed_headers(allowed_headers.iter().copied())
        .expose_headers(EXPOSED_HEADERS)
}

/// `GET /sessioninfo`: who is signed in.
async fn session_info(session: Session) -> HttpResponse {
    HttpResponse::Ok().json(routes::session_info(&session))
}

/// `GET /admin`: only for sessions whose `st-role` claim includes `admin`.
async fn admin(session: Session) -> HttpResponse {
    HttpResponse::Ok().json(routes::admin_info(&session))
}

/// The SDK's answer to a failure (401 when the session ended meanwhile, 400 for a bad
/// input, 500 otherwise), as its own routes give it.
fn sdk_error(st: &SuperTokens, request: &HttpRequest, error: &SuperTokensError) -> HttpResponse {
    into_actix_response(st.error_response(error, &sdk_request_from_actix(request, Bytes::new())))
}

/// A route's JSON answer, or the SDK's answer to its failure.
fn answer(
    st: &SuperTokens,
    request: &HttpRequest,
    result: supertokens::Result<Value>,
) -> HttpResponse {
    match result {
        Ok(body) => HttpResponse::Ok().json(body),
        Err(error) => sdk_error(st, request, &error),
    }
}

/// `POST /refresh-claims`: the session's roles and permissions, fetched again; the new
/// access token goes out with the answer.
async fn refresh_claims(
    st: ReqData<Arc<SuperTokens>>,
    session: Session,
    request: HttpRequest,
) -> HttpResponse {
    answer(&st, &request, routes::refresh_role_claims(&session).await)
}

/// `GET /metadata`: the user's metadata.
async fn get_metadata(
    st: ReqData<Arc<SuperTokens>>,
    session: Session,
    request: HttpRequest,
) -> HttpResponse {
    answer(&st, &request, routes::get_metadata(&st, &session).await)
}

/// `PUT /metadata`: merges a JSON object into the user's metadata.
async fn put_metadata(
    st: ReqData<Arc<SuperTokens>>,
    session: Session,
    request: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    answer(
        &st,
        &request,
        routes::update_metadata(&st, &session, &body).await,
    )
}

async fn run() -> Result<(), String> {
    let settings = Settings::from_env()?;
    let st = init_supertokens(&settings, "SuperTokens example (actix-web)").await?;
    // The normalised origin (no trailing slash): browsers compare it byte for byte.
    let website_domain = st.app_info().website_domain.clone();
    let allowed_headers: Vec<&'static str> = std::iter::once("content-type")
        .chain(st.all_cors_headers())
        .collect();
    let app_st = st.clone();
    let server = HttpServer::new(move || {
        // `wrap` order: the last one is outermost, so CORS sees every request first
        // (preflights) and adds its headers to the SDK's own answers too.
        // `SuperTokensMiddleware` puts the SDK in every request's extensions, where
        // `ReqData<Arc<SuperTokens>>` finds it.
        App::new()
            .wrap(SuperTokensMiddleware::new(app_st.clone()))
            .wrap(cors(&website_domain, &allowed_headers))
            .service(
                web::resource("/sessioninfo")
                    .wrap(verify_session(VerifySessionOptions::default()))
                    .route(web::get().to(session_info)),
            )
            .service(
                web::resource("/admin")
                    .wrap(verify_session(routes::admin_only()))
                    .route(web::get().to(admin)),
            )
            .service(
                web::resource("/refresh-claims")
                    .wrap(verify_session(VerifySessionOptions::default()))
                    .route(web::post().to(refresh_claims)),
            )
            .service(
                web::resource("/metadata")
                    .wrap(verify_session(VerifySessionOptions::default()))
                    .route(web::get().to(get_metadata))
                    .route(web::put().to(put_metadata)),
            )
    })
    .bind(settings.listen)
    .map_err(|error| format!("cannot listen on {}: {error}", settings.listen))?;
    tracing::info!(
        listen = %settings.listen,
        api_domain = %settings.api_domain,
        website_domain = %settings.website_domain,
        core = %settings.connection_uri,
        "example-actix ready"
    );
    // actix-web stops gracefully on SIGTERM and Ctrl-C.
    server
        .run()
        .await
        .map_err(|error| format!("server error: {error}"))
}

#[actix_web::main]
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
            eprintln!("example-actix: {message}");
            ExitCode::FAILURE
        }
    }
}
