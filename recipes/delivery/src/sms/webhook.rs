//! SMS through a signed webhook of the app's own.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use reqwest::Client;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sha2::Sha256;

use super::http::{client, describe_request_error, parse_url};
use super::{SmsDelivery, SmsMessage};
use crate::error::SmsDeliveryError;

/// Request header carrying the Unix time (seconds) the request was signed at.
pub const TIMESTAMP_HEADER: &str = "x-webhook-timestamp";
/// Request header carrying the signature, `v1=<hex>`.
pub const SIGNATURE_HEADER: &str = "x-webhook-signature";

/// Where the webhook delivery reads the time, so tests can fix it.
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch.
    fn unix_seconds(&self) -> u64;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    // The one place this crate reads the wall clock.
    #[allow(clippy::disallowed_methods)]
    fn unix_seconds(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_secs())
            .unwrap_or(0)
    }
}

/// Settings of a webhook.
#[derive(Clone)]
pub struct WebhookSettings {
    /// Where messages are POSTed (`http` or `https`; use `https` beyond the local machine).
    pub url: String,
    /// The shared secret the requests are signed with; 32 random bytes or more
    /// (e.g. `openssl rand -hex 32`).
    pub secret: SecretString,
    /// Time allowed for one request (connection included); 10 s when `None`.
    pub timeout: Option<Duration>,
}

impl fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSettings")
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Sends each text message as a signed JSON POST to a URL of the app's own (its SMS
/// gateway adapter, a queue, …).
///
/// # The request
///
/// ```text
/// POST <url>
/// content-type: application/json
/// x-webhook-timestamp: 1767225600
/// x-webhook-signature: v1=5f1e…(64 hex digits)
///
/// {"to":"+14155550100","body":"Your sign-in code is 123456"}
/// ```
///
/// A 2xx answer means sent; anything else, or no answer within the timeout, is
/// [`SmsDeliveryError::Send`]. Redirects are not followed.
///
/// # Verifying it (receivers)
///
/// The signature is `v1=` followed by the lowercase hex of
/// `HMAC-SHA256(secret, "<x-webhook-timestamp>.<raw request body>")`: the timestamp header's
/// value exactly as received, one `.`, then the body's bytes exactly as received (before any
/// JSON parsing). A receiver should:
///
/// 1. compute the HMAC over the raw body and compare it in constant time
///    ([`verify_webhook_signature`] does this in Rust; in node:
///    `crypto.createHmac("sha256", secret).update(ts + "." + rawBody).digest("hex")` and
///    `crypto.timingSafeEqual`);
/// 2. refuse timestamps more than a few minutes away from its own clock, so that a recorded
///    request cannot be replayed later;
/// 3. answer 2xx only once the message is handed on.
///
/// The header may hold several comma-separated `v1=` signatures in the future (secret
/// rotation): accept the request when any of them matches.
pub struct WebhookSmsDelivery {
    client: Client,
    url: reqwest::Url,
    secret: SecretString,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for WebhookSmsDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSmsDelivery")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Payload<'a> {
    to: &'a str,
    body: &'a str,
}

impl WebhookSmsDelivery {
    /// Checks the settings and builds the HTTP client (no connection is made yet).
    pub fn new(settings: WebhookSettings) -> Result<Self, SmsDeliveryError> {
        let url = parse_url("webhook url", &settings.url)?;
        if settings.secret.expose_secret().is_empty() {
            return Err(SmsDeliveryError::Config(
                "webhook secret must not be empty".into(),
            ));
        }
        Ok(Self {
            client: client(settings.timeout)?,
            url,
            secret: settings.secret,
            clock: Arc::new(SystemClock),
        })
    }

    /// Reads the time from `clock` instead of the system's (tests).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

#[async_trait]
impl SmsDelivery for WebhookSmsDelivery {
    async fn send(&self, message: SmsMessage) -> Result<(), SmsDeliveryError> {
        let body = serde_json::to_vec(&Payload {
            to: &message.to,
            body: &message.body,
        })
        .map_err(|error| SmsDeliveryError::Message(error.to_string()))?;
        let timestamp = self.clock.unix_seconds().to_string();
        let signature = sign_webhook(self.secret.expose_secret(), &timestamp, &body);
        let response = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, &timestamp)
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(|error| {
                SmsDeliveryError::Send(describe_request_error(self.url.as_str(), &error))
            })?;
        let status = response.status();
        if status.is_success() {
            tracing::debug!(
                status = status.as_u16(),
                "text message accepted by the webhook"
            );
            Ok(())
        } else {
            Err(SmsDeliveryError::Send(format!(
                "{} answered {status}",
                self.url
            )))
        }
    }
}

/// The HMAC over `"<timestamp>.<body>"`; `None` only if the key were refused, which HMAC
/// never does (it takes keys of any length).
fn mac(secret: &str, timestamp: &str, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// The `x-webhook-signature` value for a request: `v1=` + lowercase hex of
/// `HMAC-SHA256(secret, "<timestamp>.<body>")`.
pub fn sign_webhook(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body)
        .map(|mac| hex::encode(mac.finalize().into_bytes()))
        .unwrap_or_default();
    format!("v1={digest}")
}

/// Checks a webhook request's signature: `timestamp` is the `x-webhook-timestamp` header's
/// value, `body` the raw request body, `signature_header` the `x-webhook-signature` header's
/// value (one or more comma-separated `v1=<hex>`). The comparison takes constant time.
///
/// It does not check the timestamp's age: refuse old timestamps yourself (see
/// [`WebhookSmsDelivery`]).
pub fn verify_webhook_signature(
    secret: &str,
    timestamp: &str,
    body: &[u8],
    signature_header: &str,
) -> bool {
    let Some(expected) = mac(secret, timestamp, body) else {
        return false;
    };
    signature_header
        .split(',')
        .filter_map(|part| part.trim().strip_prefix("v1="))
        .filter_map(|digest| hex::decode(digest).ok())
        .any(|digest| expected.clone().verify_slice(&digest).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_round_trip() {
        let header = sign_webhook("whsec", "1700000000", br#"{"to":"+1","body":"b"}"#);
        assert!(header.starts_with("v1="));
        assert_eq!(header.len(), 3 + 64);
        assert!(verify_webhook_signature(
            "whsec",
            "1700000000",
            br#"{"to":"+1","body":"b"}"#,
            &header
        ));
        assert!(verify_webhook_signature(
            "whsec",
            "1700000000",
            br#"{"to":"+1","body":"b"}"#,
            &format!("v1=00, {header}")
        ));
        for (secret, ts, body, sig) in [
            (
                "other",
                "1700000000",
                &br#"{"to":"+1","body":"b"}"#[..],
                header.as_str(),
            ),
            ("whsec", "1700000001", br#"{"to":"+1","body":"b"}"#, &header),
            ("whsec", "1700000000", br#"{"to":"+2","body":"b"}"#, &header),
            (
                "whsec",
                "1700000000",
                br#"{"to":"+1","body":"b"}"#,
                &header[3..],
            ),
            ("whsec", "1700000000", br#"{"to":"+1","body":"b"}"#, "v1=zz"),
            ("whsec", "1700000000", br#"{"to":"+1","body":"b"}"#, ""),
        ] {
            assert!(!verify_webhook_signature(secret, ts, body, sig));
        }
    }

    #[test]
    fn known_vector() {
        // echo -n '1700000000.{}' | openssl dgst -sha256 -hmac secret
        assert_eq!(
            sign_webhook("secret", "1700000000", b"{}"),
            "v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
    }

    #[test]
    fn settings_are_checked_and_secrets_hidden() {
        let settings = WebhookSettings {
            url: "https://sms.example.com/hook".into(),
            secret: SecretString::from("whsec-very-secret"),
            timeout: None,
        };
        assert!(!format!("{settings:?}").contains("whsec-very-secret"));
        let delivery = WebhookSmsDelivery::new(settings.clone()).unwrap();
        assert!(!format!("{delivery:?}").contains("whsec-very-secret"));
        assert!(
            WebhookSmsDelivery::new(WebhookSettings {
                secret: SecretString::from(""),
                ..settings.clone()
            })
            .unwrap_err()
            .to_string()
            .contains("secret")
        );
        assert!(
            WebhookSmsDelivery::new(WebhookSettings {
                url: "sms.example.com".into(),
                ..settings
            })
            .unwrap_err()
            .to_string()
            .contains("url")
        );
    }
}
