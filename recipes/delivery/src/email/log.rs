//! Development delivery: emails go to the log.

use async_trait::async_trait;

use super::{EmailDelivery, EmailMessage};
use crate::error::EmailDeliveryError;

/// Writes each email, plain-text body included, to `tracing` at INFO instead of sending it.
///
/// **For development only.** Bodies carry sign-in codes and links and password reset links,
/// which let whoever reads them into the account: never use this where logs are kept or shared.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogEmailDelivery;

#[async_trait]
impl EmailDelivery for LogEmailDelivery {
    async fn send(&self, message: EmailMessage) -> Result<(), EmailDeliveryError> {
        tracing::info!(
            to = %message.to,
            subject = %message.subject,
            body = %message.text_body,
            "email not sent (LogEmailDelivery, development only)"
        );
        Ok(())
    }
}
