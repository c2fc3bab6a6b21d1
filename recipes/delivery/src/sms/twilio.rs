//! SMS through Twilio's message API, or any gateway that speaks its shape.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::Client;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::http::{client, describe_request_error, parse_url, read_limited};
use super::{SmsDelivery, SmsMessage};
use crate::error::SmsDeliveryError;

/// Twilio's API origin, the default [`TwilioSettings::base_url`].
pub const TWILIO_API_BASE_URL: &str = "https://api.twilio.com";

/// Who the message comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// A phone number of the account, E.164 (`+14155550100`), or an alphanumeric sender id;
    /// sent as `From`.
    From(String),
    /// A messaging service, which picks the number itself; sent as `MessagingServiceSid`.
    MessagingServiceSid(String),
}

/// Settings of a Twilio(-shaped) gateway.
#[derive(Clone)]
pub struct TwilioSettings {
    /// The API's origin (plus an optional path prefix), [`TWILIO_API_BASE_URL`] for Twilio
    /// itself. Other gateways speaking the same message API, and test stand-ins, go here.
    pub base_url: String,
    /// The account SID (`AC…`): the user name of HTTP basic auth and a path segment.
    pub account_sid: String,
    /// The account's auth token (or an API key secret): the password of HTTP basic auth.
    pub auth_token: SecretString,
    /// Who the message comes from.
    pub sender: Sender,
    /// Time allowed for one request (connection included); 10 s when `None`.
    pub timeout: Option<Duration>,
}

impl TwilioSettings {
    /// Settings for Twilio itself ([`TWILIO_API_BASE_URL`], default timeout).
    pub fn new(account_sid: impl Into<String>, auth_token: SecretString, sender: Sender) -> Self {
        Self {
            base_url: TWILIO_API_BASE_URL.to_owned(),
            account_sid: account_sid.into(),
            auth_token,
            sender,
            timeout: None,
        }
    }
}

impl fmt::Debug for TwilioSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioSettings")
            .field("base_url", &self.base_url)
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"<redacted>")
            .field("sender", &self.sender)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Sends text messages through Twilio's message API:
/// `POST {base_url}/2010-04-01/Accounts/{account_sid}/Messages.json`, form-encoded `To`,
/// `From` or `MessagingServiceSid`, and `Body`, with HTTP basic auth
/// `account_sid:auth_token`.
///
/// A 2xx answer means sent (accepted by the gateway). Anything else is
/// [`SmsDeliveryError::Send`] naming the status and, when the gateway answered Twilio's
/// error document (`{"code": 21211, "message": "…"}`), its code and message; never the body
/// that was sent (it carries the sign-in code). Redirects are not followed.
pub struct TwilioSmsDelivery {
    client: Client,
    endpoint: reqwest::Url,
    account_sid: String,
    auth_token: SecretString,
    sender: Sender,
}

impl fmt::Debug for TwilioSmsDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioSmsDelivery")
            .field("endpoint", &self.endpoint.as_str())
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

/// Twilio's error document (other fields ignored).
#[derive(Deserialize)]
struct GatewayError {
    code: Option<serde_json::Value>,
    message: Option<String>,
}

/// The parts of a created message worth logging.
#[derive(Deserialize)]
struct CreatedMessage {
    sid: Option<String>,
}

impl TwilioSmsDelivery {
    /// Checks the settings and builds the HTTP client (no connection is made yet).
    pub fn new(settings: TwilioSettings) -> Result<Self, SmsDeliveryError> {
        let config = |message: String| SmsDeliveryError::Config(message);
        let account_sid = settings.account_sid.trim().to_owned();
        if account_sid.is_empty() || !account_sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(config(format!(
                "twilio account_sid {account_sid:?} must be non-empty and alphanumeric (AC…)"
            )));
        }
        if settings.auth_token.expose_secret().trim().is_empty() {
            return Err(config("twilio auth_token must not be empty".into()));
        }
        let sender = match settings.sender {
            Sender::From(number) => Sender::From(number.trim().to_owned()),
            Sender::MessagingServiceSid(sid) => Sender::MessagingServiceSid(sid.trim().to_owned()),
        };
        if matches!(&sender, Sender::From(value) | Sender::MessagingServiceSid(value) if value.is_empty())
        {
            return Err(config(
                "twilio sender (From number or MessagingServiceSid) must not be empty".into(),
            ));
        }
        let mut endpoint = parse_url("twilio base_url", &settings.base_url)?;
        if endpoint.query().is_some() || endpoint.fragment().is_some() {
            return Err(config(format!(
                "twilio base_url {:?} must not have a query or fragment",
                settings.base_url
            )));
        }
        endpoint
            .path_segments_mut()
            .map_err(|()| config("twilio base_url cannot have a path".into()))?
            .pop_if_empty()
            .extend(["2010-04-01", "Accounts", &account_sid, "Messages.json"]);
        Ok(Self {
            client: client(settings.timeout)?,
            endpoint,
            account_sid,
            auth_token: settings.auth_token,
            sender,
        })
    }

    /// The URL messages are POSTed to.
    pub fn endpoint(&self) -> &str {
        self.endpoint.as_str()
    }
}

#[async_trait]
impl SmsDelivery for TwilioSmsDelivery {
    async fn send(&self, message: SmsMessage) -> Result<(), SmsDeliveryError> {
        if message.to.trim().is_empty() {
            return Err(SmsDeliveryError::Message(
                "the recipient number is empty".into(),
            ));
        }
        let sender = match &self.sender {
            Sender::From(number) => ("From", number.as_str()),
            Sender::MessagingServiceSid(sid) => ("MessagingServiceSid", sid.as_str()),
        };
        let form = [
            ("To", message.to.as_str()),
            sender,
            ("Body", message.body.as_str()),
        ];
        let response = self
            .client
            .post(self.endpoint.clone())
            .basic_auth(&self.account_sid, Some(self.auth_token.expose_secret()))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|error| {
                SmsDeliveryError::Send(describe_request_error(self.endpoint.as_str(), &error))
            })?;
        let status = response.status();
        if status.is_success() {
            let body = read_limited(response).await;
            let sid = serde_json::from_slice::<CreatedMessage>(&body)
                .ok()
                .and_then(|created| created.sid);
            tracing::debug!(status = status.as_u16(), sid = ?sid, "text message accepted by the gateway");
            return Ok(());
        }
        let body = read_limited(response).await;
        let mut text = format!("{} answered {status}", self.endpoint);
        if let Ok(error) = serde_json::from_slice::<GatewayError>(&body) {
            if let Some(code) = error.code.filter(|code| !code.is_null()) {
                text.push_str(&format!(", code {code}"));
            }
            if let Some(detail) = error.message.filter(|detail| !detail.is_empty()) {
                text.push_str(&format!(": {detail}"));
            }
        }
        Err(SmsDeliveryError::Send(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> TwilioSettings {
        TwilioSettings::new(
            "AC0123456789abcdef",
            SecretString::from("tw-auth-token-secret"),
            Sender::From("+15005550006".into()),
        )
    }

    #[test]
    fn endpoint_follows_twilio_shape() {
        let delivery = TwilioSmsDelivery::new(settings()).unwrap();
        assert_eq!(
            delivery.endpoint(),
            "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef/Messages.json"
        );
        let prefixed = TwilioSmsDelivery::new(TwilioSettings {
            base_url: "http://127.0.0.1:9/gateway/".into(),
            ..settings()
        })
        .unwrap();
        assert_eq!(
            prefixed.endpoint(),
            "http://127.0.0.1:9/gateway/2010-04-01/Accounts/AC0123456789abcdef/Messages.json"
        );
    }

    #[test]
    fn settings_are_checked_and_secrets_hidden() {
        assert!(!format!("{:?}", settings()).contains("tw-auth-token-secret"));
        let delivery = TwilioSmsDelivery::new(settings()).unwrap();
        assert!(!format!("{delivery:?}").contains("tw-auth-token-secret"));
        let error =
            |settings: TwilioSettings| TwilioSmsDelivery::new(settings).unwrap_err().to_string();
        assert!(
            error(TwilioSettings {
                account_sid: "AC/../x".into(),
                ..settings()
            })
            .contains("account_sid")
        );
        assert!(
            error(TwilioSettings {
                auth_token: SecretString::from(" "),
                ..settings()
            })
            .contains("auth_token")
        );
        assert!(
            error(TwilioSettings {
                sender: Sender::From(" ".into()),
                ..settings()
            })
            .contains("sender")
        );
        assert!(
            error(TwilioSettings {
                base_url: "api.twilio.com".into(),
                ..settings()
            })
            .contains("base_url")
        );
        assert!(
            error(TwilioSettings {
                base_url: "https://x.y/?a=b".into(),
                ..settings()
            })
            .contains("query")
        );
    }
}
