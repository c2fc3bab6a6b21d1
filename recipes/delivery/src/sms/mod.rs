//! Text message delivery: the [`SmsDelivery`] trait and four deliveries.
//!
//! * [`TwilioSmsDelivery`]: sends through Twilio's message API, or any gateway speaking its
//!   shape (`POST {base_url}/2010-04-01/Accounts/{sid}/Messages.json`, form-encoded, HTTP
//!   basic auth): the base URL is configurable.
//! * [`WebhookSmsDelivery`]: POSTs each message as signed JSON to a URL of the app's own, for
//!   gateways (or queues) that speak nothing standard; receivers check the signature with
//!   [`verify_webhook_signature`].
//! * [`LogSmsDelivery`]: writes each message to the log at INFO. **Development only**: the
//!   bodies carry sign-in codes and links, so anyone who can read the logs can take over
//!   accounts.
//! * [`CapturingSmsDelivery`]: keeps messages in memory for tests.
//!
//! Deliveries never log message bodies (they carry sign-in codes), except the log delivery,
//! whose whole point that is.

mod capture;
mod http;
mod log;
mod twilio;
mod webhook;

use std::fmt;

use async_trait::async_trait;

pub use self::capture::CapturingSmsDelivery;
pub use self::log::LogSmsDelivery;
pub use self::twilio::{Sender, TWILIO_API_BASE_URL, TwilioSettings, TwilioSmsDelivery};
pub use self::webhook::{
    Clock, SIGNATURE_HEADER, SystemClock, TIMESTAMP_HEADER, WebhookSettings, WebhookSmsDelivery,
    sign_webhook, verify_webhook_signature,
};
pub use crate::error::SmsDeliveryError;

/// A text message ready to send.
#[derive(Clone, PartialEq, Eq)]
pub struct SmsMessage {
    /// Recipient phone number, E.164 (`+14155550100`).
    pub to: String,
    /// The text.
    pub body: String,
}

impl fmt::Debug for SmsMessage {
    // Bodies carry sign-in codes and links, which are credentials: only the size is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsMessage")
            .field("to", &self.to)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

/// Sends text messages. Implementations must be cheap to share (`Arc<dyn SmsDelivery>`).
#[async_trait]
pub trait SmsDelivery: Send + Sync {
    /// Sends one message.
    async fn send(&self, message: SmsMessage) -> Result<(), SmsDeliveryError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_body() {
        let message = SmsMessage {
            to: "+14155550100".into(),
            body: "Your code is 123456".into(),
        };
        let text = format!("{message:?}");
        assert!(text.contains("+14155550100"), "{text}");
        assert!(!text.contains("123456"), "{text}");
    }
}
