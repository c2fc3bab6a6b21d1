//! An actix-web app with SuperTokens: email-password sign-up and sign-in, sessions (cookies
//! or headers, as the frontend asks), password reset, and one protected route.
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
//! | `SMTP_HOST`, `SMTP_PORT`, `SMTP_USER`, `SMTP_PASSWORD`, `SMTP_FROM`, `SMTP_SECURITY` | unset: reset emails go to the log |
//!
//! Routes: the SuperTokens FDI under `/auth` (`/auth/signup`, `/auth/signin`,
//! `/auth/session/refresh`, `/auth/signout`, `/auth/user/password/reset/token`, …) and
//! `GET /sessioninfo`, which needs a session.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::http::Method;
use actix_web::{App, HttpResponse, HttpServer, web};
use secrecy::SecretString;
use serde_json::json;
use supertokens::{AppInfo, SuperTokens, SuperTokensConfig};
use supertokens_actix::{Session, SuperTokensMiddleware, VerifySessionOptions, verify_session};
use supertokens_emailpassword::{
    EmailDelivery, EmailPasswordConfig, LogEmailDelivery, SmtpEmailDelivery, SmtpSecurity,
    SmtpSettings,
};
use supertokens_session::SessionConfig;

/// Response headers the frontend SDK reads.
const EXPOSED_HEADERS: [&str; 4] = [
    "front-token",
    "anti-csrf",
    "st-access-token",
    "st-refresh-token",
];

/// The app's settings, from the environment.
struct Settings {
    listen: SocketAddr,
    connection_uri: String,
    api_key: Option<String>,
    api_domain: String,
    website_domain: String,
    smtp: Option<SmtpSettings>,
}

/// A variable's value, `None` when unset or blank.
fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

fn var_or(name: &str, default: &str) -> String {
    var(name).unwrap_or_else(|| default.to_owned())
}

impl Settings {
    fn from_env() -> Result<Self, String> {
        let port: u16 = var_or("PORT", "3001")
            .parse()
            .map_err(|error| format!("PORT must be a port number: {error}"))?;
        let host: std::net::IpAddr = var_or("HOST", "127.0.0.1")
            .parse()
            .map_err(|error| format!("HOST must be an IP address: {error}"))?;
        Ok(Self {
            listen: SocketAddr::new(host, port),
            connection_uri: var_or("SUPERTOKENS_CONNECTION_URI", "http://localhost:3567"),
            api_key: var("SUPERTOKENS_API_KEY"),
            api_domain: var_or("API_DOMAIN", &format!("http://localhost:{port}")),
            website_domain: var_or("WEBSITE_DOMAIN", "http://localhost:3000"),
            smtp: smtp_from_env()?,
        })
    }
}

/// SMTP settings when `SMTP_HOST` is set; `None` means "write reset emails to the log".
fn smtp_from_env() -> Result<Option<SmtpSettings>, String> {
    let Some(host) = var("SMTP_HOST") else {
        return Ok(None);
    };
    let port: u16 = var_or("SMTP_PORT", "587")
        .parse()
        .map_err(|error| format!("SMTP_PORT must be a port number: {error}"))?;
    let from_address =
        var("SMTP_FROM").ok_or("SMTP_FROM (the sender's address) is required with SMTP_HOST")?;
    let username = var("SMTP_USER");
    let password = var("SMTP_PASSWORD").map(SecretString::from);
    if username.is_some() != password.is_some() {
        return Err("set both SMTP_USER and SMTP_PASSWORD, or neither".into());
    }
    let security = match var("SMTP_SECURITY").as_deref() {
        Some("starttls") => SmtpSecurity::StartTls,
        Some("tls") => SmtpSecurity::Tls,
        Some("none") => SmtpSecurity::None,
        Some(other) => {
            return Err(format!(
                "SMTP_SECURITY must be starttls, tls or none, not {other:?}"
            ));
        }
        None if port == 465 => SmtpSecurity::Tls,
        None => SmtpSecurity::StartTls,
    };
    Ok(Some(SmtpSettings {
        host,
        port,
        username,
        password,
        from_name: "SuperTokens example".into(),
        from_address,
        security,
        timeout: None,
    }))
}

/// Initialises the SDK with the session and emailpassword recipes.
fn init_supertokens(settings: &Settings) -> Result<Arc<SuperTokens>, String> {
    let email_delivery: Arc<dyn EmailDelivery> = match &settings.smtp {
        Some(smtp) => {
            tracing::info!(host = %smtp.host, port = smtp.port, "password reset emails go through SMTP");
            Arc::new(
                SmtpEmailDelivery::new(smtp.clone())
                    .map_err(|error| format!("SMTP settings: {error}"))?,
            )
        }
        None => {
            tracing::warn!(
                "SMTP_HOST is not set: password reset emails (and their links) are written to \
                 the log. Development only."
            );
            Arc::new(LogEmailDelivery)
        }
    };
    supertokens::init(SuperTokensConfig {
        app_info: AppInfo {
            app_name: "SuperTokens example (actix-web)".into(),
            api_domain: settings.api_domain.clone(),
            website_domain: settings.website_domain.clone(),
            api_base_path: None,
            website_base_path: None,
        },
        connection_uri: settings.connection_uri.clone(),
        api_key: settings.api_key.clone(),
        recipe_list: vec![
            supertokens_session::init(SessionConfig::default()),
            supertokens_emailpassword::init(EmailPasswordConfig {
                email_delivery: Some(email_delivery),
                ..Default::default()
            }),
        ],
    })
    .map_err(|error| format!("cannot initialise SuperTokens: {error}"))
}

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
    HttpResponse::Ok().json(json!({
        "userId": session.user_id(),
        "sessionHandle": session.session_handle(),
        "accessTokenPayload": session.access_token_payload(),
    }))
}

async fn run() -> Result<(), String> {
    let settings = Settings::from_env()?;
    let st = init_supertokens(&settings)?;
    // The normalised origin (no trailing slash): browsers compare it byte for byte.
    let website_domain = st.app_info().website_domain.clone();
    let allowed_headers: Vec<&'static str> = std::iter::once("content-type")
        .chain(st.all_cors_headers())
        .collect();
    let app_st = st.clone();
    let server = HttpServer::new(move || {
        // `wrap` order: the last one is outermost, so CORS sees every request first
        // (preflights) and adds its headers to the SDK's own answers too.
        App::new()
            .wrap(SuperTokensMiddleware::new(app_st.clone()))
            .wrap(cors(&website_domain, &allowed_headers))
            .service(
                web::resource("/sessioninfo")
                    .wrap(verify_session(VerifySessionOptions::default()))
                    .route(web::get().to(session_info)),
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
