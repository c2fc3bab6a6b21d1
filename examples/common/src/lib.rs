//! What the example apps share: their settings from the environment and the SDK set-up
//! (session + emailpassword, SMTP or log delivery of reset emails). The framework-specific
//! parts (routes, CORS, serving) stay in each example.

use std::net::SocketAddr;
use std::sync::Arc;

use secrecy::SecretString;
use supertokens::{AppInfo, SuperTokens, SuperTokensConfig};
use supertokens_emailpassword::{
    EmailDelivery, EmailPasswordConfig, LogEmailDelivery, SmtpEmailDelivery, SmtpSecurity,
    SmtpSettings,
};
use supertokens_session::SessionConfig;

/// Response headers the frontend SDK reads, for CORS `expose-headers`.
pub const EXPOSED_HEADERS: [&str; 4] = [
    "front-token",
    "anti-csrf",
    "st-access-token",
    "st-refresh-token",
];

/// The app's settings, from the environment.
pub struct Settings {
    /// Address to listen on (`HOST`, `PORT`).
    pub listen: SocketAddr,
    /// The core (`SUPERTOKENS_CONNECTION_URI`).
    pub connection_uri: String,
    /// The core's API key (`SUPERTOKENS_API_KEY`).
    pub api_key: Option<String>,
    /// Origin of this app (`API_DOMAIN`).
    pub api_domain: String,
    /// Origin of the website (`WEBSITE_DOMAIN`).
    pub website_domain: String,
    /// SMTP settings; `None` writes reset emails to the log.
    pub smtp: Option<SmtpSettings>,
}

/// A variable's value, `None` when unset or blank.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// A variable's value, or `default` when unset or blank.
pub fn var_or(name: &str, default: &str) -> String {
    var(name).unwrap_or_else(|| default.to_owned())
}

impl Settings {
    /// Reads the settings; the error names the variable to fix.
    pub fn from_env() -> Result<Self, String> {
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
pub fn smtp_from_env() -> Result<Option<SmtpSettings>, String> {
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
pub fn init_supertokens(settings: &Settings, app_name: &str) -> Result<Arc<SuperTokens>, String> {
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
            app_name: app_name.into(),
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
