//! SMTP delivery through lettre's tokio transport (rustls with aws-lc-rs, Mozilla roots).

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

use super::{EmailDelivery, EmailMessage};
use crate::error::EmailDeliveryError;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain text. Only for a relay on the same machine or a test server.
    None,
    /// Plain connection upgraded with `STARTTLS`, which is required (port 587 usually).
    #[default]
    StartTls,
    /// TLS from the first byte ("SMTPS", port 465 usually).
    Tls,
}

/// Settings of an SMTP server.
#[derive(Clone)]
pub struct SmtpSettings {
    /// Server host name (also the name checked in its certificate).
    pub host: String,
    /// Server port (587 for STARTTLS, 465 for TLS, 25 for plain relays).
    pub port: u16,
    /// Login, if the server requires one (then `password` is required too).
    pub username: Option<String>,
    /// Password of `username`.
    pub password: Option<SecretString>,
    /// Sender's display name, e.g. the app's name.
    pub from_name: String,
    /// Sender's address.
    pub from_address: String,
    /// Transport security.
    pub security: SmtpSecurity,
    /// Time allowed for each SMTP command; 30 s when `None`.
    pub timeout: Option<Duration>,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from_name", &self.from_name)
            .field("from_address", &self.from_address)
            .field("security", &self.security)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Sends emails through an SMTP server, reusing connections.
pub struct SmtpEmailDelivery {
    /// The settings, checked; the transport is built on first use because its connection
    /// pool needs the tokio runtime, which may not be running yet at configuration time.
    builder: AsyncSmtpTransportBuilder,
    transport: OnceLock<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    host: String,
    port: u16,
}

impl fmt::Debug for SmtpEmailDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpEmailDelivery")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpEmailDelivery {
    /// Checks the settings and prepares the transport (no connection is made yet).
    pub fn new(settings: SmtpSettings) -> Result<Self, EmailDeliveryError> {
        let config = |message: String| EmailDeliveryError::Config(message);
        let host = settings.host.trim().to_owned();
        if host.is_empty() {
            return Err(config("smtp host must not be empty".into()));
        }
        if settings.port == 0 {
            return Err(config("smtp port must not be 0".into()));
        }
        let address: Address = settings.from_address.trim().parse().map_err(|error| {
            config(format!(
                "smtp from_address {:?} is not an email address: {error}",
                settings.from_address
            ))
        })?;
        let name = settings.from_name.trim();
        let from = Mailbox::new((!name.is_empty()).then(|| name.to_owned()), address);
        let mut builder = match settings.security {
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host),
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host)
                    .map_err(|error| config(format!("smtp host {host:?}: {error}")))?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&host)
                .map_err(|error| config(format!("smtp host {host:?}: {error}")))?,
        }
        .port(settings.port)
        .timeout(Some(settings.timeout.unwrap_or(Duration::from_secs(30))));
        match (settings.username, settings.password) {
            (Some(username), Some(password)) => {
                builder = builder.credentials(Credentials::new(
                    username,
                    password.expose_secret().to_owned(),
                ));
            }
            (None, None) => {}
            (Some(_), None) => {
                return Err(config("smtp password is required with a username".into()));
            }
            (None, Some(_)) => {
                return Err(config("smtp username is required with a password".into()));
            }
        }
        Ok(Self {
            builder,
            transport: OnceLock::new(),
            from,
            host,
            port: settings.port,
        })
    }

    fn build_message(&self, message: EmailMessage) -> Result<Message, EmailDeliveryError> {
        let to: Mailbox = message.to.parse().map_err(|error| {
            EmailDeliveryError::Message(format!("invalid recipient address: {error}"))
        })?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject)
            .multipart(MultiPart::alternative_plain_html(
                message.text_body,
                message.html_body,
            ))
            .map_err(|error| EmailDeliveryError::Message(error.to_string()))
    }
}

#[async_trait]
impl EmailDelivery for SmtpEmailDelivery {
    async fn send(&self, message: EmailMessage) -> Result<(), EmailDeliveryError> {
        let message = self.build_message(message)?;
        self.transport
            .get_or_init(|| self.builder.clone().build())
            .send(message)
            .await
            .map(|_| ())
            .map_err(|error| {
                EmailDeliveryError::Send(format!("{}:{}: {error}", self.host, self.port))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SmtpSettings {
        SmtpSettings {
            host: "smtp.example.com".into(),
            port: 587,
            username: Some("mailer".into()),
            password: Some(SecretString::from("s3cret-pass")),
            from_name: "Acme".into(),
            from_address: "no-reply@example.com".into(),
            security: SmtpSecurity::StartTls,
            timeout: None,
        }
    }

    #[test]
    fn settings_are_checked_and_secrets_hidden() {
        let text = format!("{:?}", settings());
        assert!(!text.contains("s3cret-pass"), "{text}");
        for security in [
            SmtpSecurity::None,
            SmtpSecurity::StartTls,
            SmtpSecurity::Tls,
        ] {
            let delivery = SmtpEmailDelivery::new(SmtpSettings {
                security,
                ..settings()
            })
            .unwrap();
            assert!(!format!("{delivery:?}").contains("s3cret-pass"));
        }
        let error =
            |settings: SmtpSettings| SmtpEmailDelivery::new(settings).unwrap_err().to_string();
        assert!(
            error(SmtpSettings {
                from_address: "nope".into(),
                ..settings()
            })
            .contains("from_address")
        );
        assert!(
            error(SmtpSettings {
                host: " ".into(),
                ..settings()
            })
            .contains("host")
        );
        assert!(
            error(SmtpSettings {
                password: None,
                ..settings()
            })
            .contains("password")
        );
    }
}
