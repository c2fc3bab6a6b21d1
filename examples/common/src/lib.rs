//! What the example apps share: their settings from the environment, the SDK set-up
//! (session + emailpassword + passwordless + emailverification + usermetadata + userroles;
//! SMTP or log delivery of emails, an SMS gateway, a signed webhook or log delivery of text
//! messages) and the logic of the app's own routes ([`routes`]). The framework-specific parts
//! (routing, extractors, CORS, serving) stay in each example.

pub mod routes;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use supertokens::rate_limit::{Limit, RateLimitStore, RedisStore, TrustedProxies};
use supertokens::{AppInfo, RateLimitConfig, SuperTokens, SuperTokensConfig};
use supertokens_delivery::sms::{
    LogSmsDelivery, Sender, SmsDelivery, TwilioSettings, TwilioSmsDelivery, WebhookSettings,
    WebhookSmsDelivery,
};
use supertokens_emailpassword::{
    EmailDelivery, EmailPasswordConfig, LogEmailDelivery, SmtpEmailDelivery, SmtpSecurity,
    SmtpSettings,
};
use supertokens_emailverification::{EmailVerificationConfig, EmailVerificationMode};
use supertokens_passwordless::{ContactMethod, FlowType, PasswordlessConfig, SendLimits};
use supertokens_session::SessionConfig;
use supertokens_usermetadata::UserMetadataConfig;
use supertokens_userroles::UserRolesConfig;

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
    /// SMTP settings; `None` writes emails (reset links, sign-in codes) to the log.
    pub smtp: Option<SmtpSettings>,
    /// How text messages are sent; `None` writes them (sign-in codes) to the log.
    pub sms: Option<SmsSettings>,
    /// Passwordless sign-in: contact method, flow type, send limits.
    pub passwordless: PasswordlessSettings,
    /// Email verification (`EMAIL_VERIFICATION`): `REQUIRED` (the default), `OPTIONAL`, or
    /// `None` (`off`: the recipe is left out).
    pub email_verification: Option<EmailVerificationMode>,
    /// Rate limits per client address (`RATE_LIMITS`, `TRUSTED_PROXIES`, `REDIS_URL`).
    pub rate_limits: RateLimitSettings,
}

/// Rate limits per client address on sign-in, sign-up, password reset and passwordless code
/// creation.
#[derive(Debug, Clone)]
pub struct RateLimitSettings {
    /// `RATE_LIMITS`: the limits (`off` disables them; see [`parse_rate_limits`]). The
    /// trusted proxies are filled in from `TRUSTED_PROXIES`; the store from `REDIS_URL`.
    pub config: RateLimitConfig,
    /// `REDIS_URL`: counters shared by every instance using this Redis; `None` counts in
    /// this process.
    pub redis_url: Option<String>,
}

/// Where text messages go.
#[derive(Debug, Clone)]
pub enum SmsSettings {
    /// A gateway speaking Twilio's message API (`SMS_GATEWAY_URL`, …).
    Gateway(TwilioSettings),
    /// A signed JSON webhook of the app's own (`SMS_WEBHOOK_URL`, `SMS_WEBHOOK_SECRET`).
    Webhook(WebhookSettings),
}

/// Passwordless settings (`PASSWORDLESS_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordlessSettings {
    /// `PASSWORDLESS_CONTACT_METHOD`: `email`, `phone` or `email_or_phone` (default).
    pub contact_method: ContactMethod,
    /// `PASSWORDLESS_FLOW_TYPE`: `user_input_code`, `magic_link` or
    /// `user_input_code_and_magic_link` (default).
    pub flow_type: FlowType,
    /// `PASSWORDLESS_RESEND_COOLDOWN_SECS`: minimum time between two codes for one device
    /// (`0` turns it off); the recipe's default when unset.
    pub resend_cooldown: Option<Duration>,
    /// `PASSWORDLESS_MAX_SENDS_PER_CONTACT`: codes per email address or phone number per
    /// window (`0` turns the budget off); the recipe's default when unset.
    pub max_sends_per_contact: Option<u32>,
    /// `PASSWORDLESS_SEND_WINDOW_SECS`: the window of that budget; the recipe's default when
    /// unset.
    pub send_window: Option<Duration>,
}

impl PasswordlessSettings {
    /// The recipe's limits with the settings applied.
    pub fn limits(&self) -> SendLimits {
        let defaults = SendLimits::default();
        SendLimits {
            resend_cooldown: self.resend_cooldown.unwrap_or(defaults.resend_cooldown),
            max_sends_per_contact: self
                .max_sends_per_contact
                .unwrap_or(defaults.max_sends_per_contact),
            send_window: self.send_window.unwrap_or(defaults.send_window),
            ..defaults
        }
    }
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
            sms: sms_from_env()?,
            passwordless: passwordless_from_env()?,
            email_verification: parse_email_verification(&var_or(
                "EMAIL_VERIFICATION",
                "required",
            ))?,
            rate_limits: rate_limits_from_env()?,
        })
    }
}

/// The rate-limit settings from `RATE_LIMITS`, `TRUSTED_PROXIES` and `REDIS_URL`.
pub fn rate_limits_from_env() -> Result<RateLimitSettings, String> {
    let mut config = parse_rate_limits(&var_or("RATE_LIMITS", "on"))?;
    if let Some(proxies) = var("TRUSTED_PROXIES") {
        config.trusted_proxies = parse_trusted_proxies(&proxies)?;
    }
    Ok(RateLimitSettings {
        config,
        redis_url: var("REDIS_URL"),
    })
}

/// Parses `RATE_LIMITS`: `on` (the SDK's defaults: sign-in 30, sign-up 10, password reset
/// 10, passwordless codes 10, per client address and minute), `off`, or per-minute limits
/// that replace some defaults, e.g. `sign_in=100,passwordless_code=50` (`0`: unlimited).
pub fn parse_rate_limits(value: &str) -> Result<RateLimitConfig, String> {
    let value = value.trim();
    match value.to_ascii_lowercase().as_str() {
        "on" | "" => return Ok(RateLimitConfig::default()),
        "off" => return Ok(RateLimitConfig::disabled()),
        _ => {}
    }
    let mut config = RateLimitConfig::default();
    for entry in value
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
    {
        let (name, count) = entry.split_once('=').ok_or_else(|| {
            format!("RATE_LIMITS must be on, off or name=count pairs, not {entry:?}")
        })?;
        let count: u32 = count.trim().parse().map_err(|error| {
            format!("RATE_LIMITS: {name}={count:?} must be a whole number per minute: {error}")
        })?;
        let limit = (count > 0).then(|| Limit::per_minute(count));
        match name.trim().to_ascii_lowercase().as_str() {
            "sign_in" => config.sign_in = limit,
            "sign_up" => config.sign_up = limit,
            "password_reset" => config.password_reset = limit,
            "passwordless_code" => config.passwordless_code = limit,
            other => {
                return Err(format!(
                    "RATE_LIMITS: unknown limit {other:?} (sign_in, sign_up, password_reset, \
                     passwordless_code)"
                ));
            }
        }
    }
    Ok(config)
}

/// Parses `TRUSTED_PROXIES`: comma-separated CIDRs or addresses (`10.0.0.0/8,::1`).
pub fn parse_trusted_proxies(value: &str) -> Result<TrustedProxies, String> {
    TrustedProxies::parse(
        value
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty()),
    )
    .map_err(|error| format!("TRUSTED_PROXIES: {error}"))
}

/// The rate-limit configuration: in memory, or in Redis (connected now, so that a wrong
/// `REDIS_URL` stops the app at start).
async fn rate_limit_config(settings: &RateLimitSettings) -> Result<RateLimitConfig, String> {
    let mut config = settings.config.clone();
    if !config.enabled {
        tracing::warn!("rate limits are off (RATE_LIMITS=off)");
        return Ok(config);
    }
    if let Some(url) = &settings.redis_url {
        let store = RedisStore::connect(url)
            .await
            .map_err(|error| format!("REDIS_URL: {error}"))?;
        tracing::info!(
            prefix = store.prefix(),
            "rate-limit counters are kept in Redis"
        );
        config.store = Some(Arc::new(store) as Arc<dyn RateLimitStore>);
    }
    tracing::info!(
        sign_in = ?config.sign_in,
        sign_up = ?config.sign_up,
        password_reset = ?config.password_reset,
        passwordless_code = ?config.passwordless_code,
        trusted_proxies = ?config.trusted_proxies.networks(),
        "rate limits per client address"
    );
    Ok(config)
}

/// Parses `EMAIL_VERIFICATION`: `required`, `optional` or `off` (`None`).
pub fn parse_email_verification(value: &str) -> Result<Option<EmailVerificationMode>, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "required" => Ok(Some(EmailVerificationMode::Required)),
        "optional" => Ok(Some(EmailVerificationMode::Optional)),
        "off" => Ok(None),
        other => Err(format!(
            "EMAIL_VERIFICATION must be required, optional or off, not {other:?}"
        )),
    }
}

/// Parses `PASSWORDLESS_CONTACT_METHOD`.
pub fn parse_contact_method(value: &str) -> Result<ContactMethod, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "email" => Ok(ContactMethod::Email),
        "phone" => Ok(ContactMethod::Phone),
        "email_or_phone" => Ok(ContactMethod::EmailOrPhone),
        other => Err(format!(
            "PASSWORDLESS_CONTACT_METHOD must be email, phone or email_or_phone, not {other:?}"
        )),
    }
}

/// Parses `PASSWORDLESS_FLOW_TYPE`.
pub fn parse_flow_type(value: &str) -> Result<FlowType, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "user_input_code" => Ok(FlowType::UserInputCode),
        "magic_link" => Ok(FlowType::MagicLink),
        "user_input_code_and_magic_link" => Ok(FlowType::UserInputCodeAndMagicLink),
        other => Err(format!(
            "PASSWORDLESS_FLOW_TYPE must be user_input_code, magic_link or \
             user_input_code_and_magic_link, not {other:?}"
        )),
    }
}

/// A whole number of seconds from `name`, `None` when unset.
fn seconds_var(name: &str) -> Result<Option<Duration>, String> {
    var(name)
        .map(|value| {
            value
                .parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|error| format!("{name} must be a whole number of seconds: {error}"))
        })
        .transpose()
}

/// The passwordless settings from `PASSWORDLESS_*`.
pub fn passwordless_from_env() -> Result<PasswordlessSettings, String> {
    Ok(PasswordlessSettings {
        contact_method: parse_contact_method(&var_or(
            "PASSWORDLESS_CONTACT_METHOD",
            "email_or_phone",
        ))?,
        flow_type: parse_flow_type(&var_or(
            "PASSWORDLESS_FLOW_TYPE",
            "user_input_code_and_magic_link",
        ))?,
        resend_cooldown: seconds_var("PASSWORDLESS_RESEND_COOLDOWN_SECS")?,
        max_sends_per_contact: var("PASSWORDLESS_MAX_SENDS_PER_CONTACT")
            .map(|value| {
                value.parse::<u32>().map_err(|error| {
                    format!("PASSWORDLESS_MAX_SENDS_PER_CONTACT must be a whole number: {error}")
                })
            })
            .transpose()?,
        send_window: seconds_var("PASSWORDLESS_SEND_WINDOW_SECS")?,
    })
}

/// SMS settings: a Twilio-shaped gateway when `SMS_GATEWAY_URL` is set, a signed webhook
/// when `SMS_WEBHOOK_URL` is set, `None` ("write text messages to the log") when neither is.
pub fn sms_from_env() -> Result<Option<SmsSettings>, String> {
    let timeout = seconds_var("SMS_TIMEOUT_SECS")?;
    match (var("SMS_GATEWAY_URL"), var("SMS_WEBHOOK_URL")) {
        (Some(_), Some(_)) => Err("set SMS_GATEWAY_URL or SMS_WEBHOOK_URL, not both".into()),
        (None, None) => Ok(None),
        (Some(base_url), None) => {
            let account_sid =
                var("SMS_ACCOUNT_SID").ok_or("SMS_ACCOUNT_SID is required with SMS_GATEWAY_URL")?;
            let auth_token = var("SMS_AUTH_TOKEN")
                .map(SecretString::from)
                .ok_or("SMS_AUTH_TOKEN is required with SMS_GATEWAY_URL")?;
            let sender = match (var("SMS_FROM"), var("SMS_MESSAGING_SERVICE_SID")) {
                (Some(number), None) => Sender::From(number),
                (None, Some(sid)) => Sender::MessagingServiceSid(sid),
                _ => {
                    return Err("set exactly one of SMS_FROM (the sender's number) and \
                                SMS_MESSAGING_SERVICE_SID with SMS_GATEWAY_URL"
                        .into());
                }
            };
            Ok(Some(SmsSettings::Gateway(TwilioSettings {
                base_url,
                account_sid,
                auth_token,
                sender,
                timeout,
            })))
        }
        (None, Some(url)) => {
            let secret = var("SMS_WEBHOOK_SECRET")
                .map(SecretString::from)
                .ok_or("SMS_WEBHOOK_SECRET is required with SMS_WEBHOOK_URL")?;
            Ok(Some(SmsSettings::Webhook(WebhookSettings {
                url,
                secret,
                timeout,
            })))
        }
    }
}

/// SMTP settings when `SMTP_HOST` is set; `None` means "write emails to the log".
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

/// The email delivery: SMTP when configured, else the log (development only).
fn email_delivery(settings: &Settings) -> Result<Arc<dyn EmailDelivery>, String> {
    Ok(match &settings.smtp {
        Some(smtp) => {
            tracing::info!(host = %smtp.host, port = smtp.port, "emails go through SMTP");
            Arc::new(
                SmtpEmailDelivery::new(smtp.clone())
                    .map_err(|error| format!("SMTP settings: {error}"))?,
            )
        }
        None => {
            tracing::warn!(
                "SMTP_HOST is not set: emails (password reset links, sign-in codes and magic \
                 links, email verification links) are written to the log. Development only."
            );
            Arc::new(LogEmailDelivery)
        }
    })
}

/// The SMS delivery: the gateway or webhook when configured, else the log (development only).
fn sms_delivery(settings: &Settings) -> Result<Arc<dyn SmsDelivery>, String> {
    Ok(match &settings.sms {
        Some(SmsSettings::Gateway(gateway)) => {
            let delivery = TwilioSmsDelivery::new(gateway.clone())
                .map_err(|error| format!("SMS gateway settings: {error}"))?;
            tracing::info!(endpoint = %delivery.endpoint(), "text messages go through the SMS gateway");
            Arc::new(delivery)
        }
        Some(SmsSettings::Webhook(webhook)) => {
            tracing::info!(url = %webhook.url, "text messages go to the signed webhook");
            Arc::new(
                WebhookSmsDelivery::new(webhook.clone())
                    .map_err(|error| format!("SMS webhook settings: {error}"))?,
            )
        }
        None => {
            if settings.passwordless.contact_method != ContactMethod::Email {
                tracing::warn!(
                    "SMS_GATEWAY_URL and SMS_WEBHOOK_URL are not set: text messages (sign-in \
                     codes and magic links) are written to the log. Development only."
                );
            }
            Arc::new(LogSmsDelivery)
        }
    })
}

/// Initialises the SDK with the session, emailpassword, passwordless, emailverification
/// (unless `EMAIL_VERIFICATION=off`), usermetadata and userroles recipes, and the rate limits
/// (in Redis when `REDIS_URL` is set). One email delivery serves password reset, passwordless
/// sign-in and email verification.
pub async fn init_supertokens(
    settings: &Settings,
    app_name: &str,
) -> Result<Arc<SuperTokens>, String> {
    let rate_limits = rate_limit_config(&settings.rate_limits).await?;
    let email_delivery = email_delivery(settings)?;
    let sms_delivery = sms_delivery(settings)?;
    let passwordless = &settings.passwordless;
    tracing::info!(
        contact_method = ?passwordless.contact_method,
        flow_type = ?passwordless.flow_type,
        limits = ?passwordless.limits(),
        "passwordless sign-in"
    );
    let mut recipe_list = vec![
        supertokens_session::init(SessionConfig::default()),
        supertokens_emailpassword::init(EmailPasswordConfig {
            email_delivery: Some(email_delivery.clone()),
            ..Default::default()
        }),
        supertokens_passwordless::init(PasswordlessConfig {
            email_delivery: Some(email_delivery.clone()),
            sms_delivery: Some(sms_delivery),
            limits: passwordless.limits(),
            ..PasswordlessConfig::new(passwordless.contact_method, passwordless.flow_type)
        }),
        supertokens_usermetadata::init(UserMetadataConfig::default()),
        supertokens_userroles::init(UserRolesConfig::default()),
    ];
    match settings.email_verification {
        Some(mode) => {
            tracing::info!(mode = mode.as_str(), "email verification");
            recipe_list.push(supertokens_emailverification::init(
                EmailVerificationConfig {
                    email_delivery: Some(email_delivery),
                    ..EmailVerificationConfig::new(mode)
                },
            ));
        }
        None => tracing::info!("email verification is off (EMAIL_VERIFICATION=off)"),
    }
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
        rate_limits,
        recipe_list,
    })
    .map_err(|error| format!("cannot initialise SuperTokens: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_methods_and_flow_types_parse() {
        assert_eq!(parse_contact_method("email"), Ok(ContactMethod::Email));
        assert_eq!(parse_contact_method(" Phone "), Ok(ContactMethod::Phone));
        assert_eq!(
            parse_contact_method("email_or_phone"),
            Ok(ContactMethod::EmailOrPhone)
        );
        assert!(
            parse_contact_method("sms")
                .unwrap_err()
                .contains("PASSWORDLESS_CONTACT_METHOD")
        );
        assert_eq!(parse_flow_type("magic_link"), Ok(FlowType::MagicLink));
        assert_eq!(
            parse_flow_type("USER_INPUT_CODE"),
            Ok(FlowType::UserInputCode)
        );
        assert_eq!(
            parse_flow_type("user_input_code_and_magic_link"),
            Ok(FlowType::UserInputCodeAndMagicLink)
        );
        assert!(
            parse_flow_type("otp")
                .unwrap_err()
                .contains("PASSWORDLESS_FLOW_TYPE")
        );
    }

    #[test]
    fn rate_limits_parse() {
        let on = parse_rate_limits("on").unwrap();
        assert!(on.enabled);
        assert_eq!(on.sign_in, Some(Limit::per_minute(30)));
        assert!(!parse_rate_limits(" OFF ").unwrap().enabled);
        let custom = parse_rate_limits("sign_in=100, passwordless_code=0").unwrap();
        assert!(custom.enabled);
        assert_eq!(custom.sign_in, Some(Limit::per_minute(100)));
        assert_eq!(custom.passwordless_code, None);
        assert_eq!(custom.sign_up, Some(Limit::per_minute(10)));
        assert!(
            parse_rate_limits("yes")
                .unwrap_err()
                .contains("RATE_LIMITS")
        );
        assert!(parse_rate_limits("login=3").unwrap_err().contains("login"));
        assert!(
            parse_rate_limits("sign_up=-1")
                .unwrap_err()
                .contains("sign_up")
        );
        let proxies = parse_trusted_proxies("10.0.0.0/8, ::1").unwrap();
        assert_eq!(proxies.networks().len(), 2);
        assert!(
            parse_trusted_proxies("10.0.0.0/8,nope")
                .unwrap_err()
                .contains("TRUSTED_PROXIES")
        );
    }

    #[test]
    fn email_verification_modes_parse() {
        assert_eq!(
            parse_email_verification("required"),
            Ok(Some(EmailVerificationMode::Required))
        );
        assert_eq!(
            parse_email_verification(" Optional "),
            Ok(Some(EmailVerificationMode::Optional))
        );
        assert_eq!(parse_email_verification("OFF"), Ok(None));
        assert!(
            parse_email_verification("yes")
                .unwrap_err()
                .contains("EMAIL_VERIFICATION")
        );
    }

    #[test]
    fn limits_keep_the_recipe_defaults_unless_set() {
        let mut settings = PasswordlessSettings {
            contact_method: ContactMethod::Email,
            flow_type: FlowType::MagicLink,
            resend_cooldown: None,
            max_sends_per_contact: None,
            send_window: None,
        };
        let defaults = SendLimits::default();
        let limits = settings.limits();
        assert_eq!(limits.resend_cooldown, defaults.resend_cooldown);
        assert_eq!(limits.max_sends_per_contact, defaults.max_sends_per_contact);
        settings.resend_cooldown = Some(Duration::from_secs(1));
        settings.max_sends_per_contact = Some(0);
        let limits = settings.limits();
        assert_eq!(limits.resend_cooldown, Duration::from_secs(1));
        assert_eq!(limits.max_sends_per_contact, 0);
    }
}
