//! Development delivery: text messages go to the log.

use async_trait::async_trait;

use super::{SmsDelivery, SmsMessage};
use crate::error::SmsDeliveryError;

/// Writes each text message, body included, to `tracing` at INFO instead of sending it.
///
/// **For development only.** Bodies carry sign-in codes and magic links, which let whoever
/// reads them into the account: never use this where logs are kept or shared, and never in
/// production. Configure [`TwilioSmsDelivery`](super::TwilioSmsDelivery) or
/// [`WebhookSmsDelivery`](super::WebhookSmsDelivery) there.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogSmsDelivery;

#[async_trait]
impl SmsDelivery for LogSmsDelivery {
    async fn send(&self, message: SmsMessage) -> Result<(), SmsDeliveryError> {
        tracing::info!(
            to = %message.to,
            body = %message.body,
            "text message not sent (LogSmsDelivery, development only)"
        );
        Ok(())
    }
}
