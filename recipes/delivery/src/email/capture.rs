//! Test delivery: emails are kept in memory.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;

use super::{EmailDelivery, EmailMessage};
use crate::error::EmailDeliveryError;

/// Keeps every email in memory, for tests. Clones share the same mailbox, so a test keeps one
/// clone and gives another to the recipe.
///
/// ```
/// # use std::sync::Arc;
/// # use std::time::Duration;
/// # use supertokens_delivery::email::{CapturingEmailDelivery, EmailDelivery, EmailMessage};
/// # async fn demo() {
/// let outbox = CapturingEmailDelivery::new();
/// let delivery: Arc<dyn EmailDelivery> = Arc::new(outbox.clone());
/// // … the recipe sends through `delivery` (often from a background task) …
/// # let message = EmailMessage {
/// #     to: "me@example.com".into(),
/// #     subject: "s".into(),
/// #     text_body: "t".into(),
/// #     html_body: "h".into(),
/// # };
/// # delivery.send(message).await.unwrap();
/// let sent = outbox.wait_for(1, Duration::from_secs(5)).await.expect("an email");
/// assert_eq!(sent[0].to, "me@example.com");
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct CapturingEmailDelivery {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    messages: Mutex<Vec<EmailMessage>>,
    arrived: Notify,
    fail_with: Mutex<Option<String>>,
}

impl CapturingEmailDelivery {
    /// An empty mailbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// The emails sent so far, oldest first.
    pub fn messages(&self) -> Vec<EmailMessage> {
        self.lock_messages().clone()
    }

    /// The emails sent so far to `address`.
    pub fn messages_to(&self, address: &str) -> Vec<EmailMessage> {
        self.lock_messages()
            .iter()
            .filter(|message| message.to == address)
            .cloned()
            .collect()
    }

    /// Forgets the emails sent so far.
    pub fn clear(&self) {
        self.lock_messages().clear();
    }

    /// Makes every later `send` fail with this message (`None` to succeed again).
    pub fn fail_with(&self, error: Option<&str>) {
        *self
            .inner
            .fail_with
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = error.map(str::to_owned);
    }

    /// Waits until at least `count` emails were sent (emails are sent from background tasks),
    /// giving up after `timeout`. Returns all emails sent, or `None` on timeout.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Option<Vec<EmailMessage>> {
        let wait = async {
            loop {
                let notified = self.inner.arrived.notified();
                {
                    let messages = self.lock_messages();
                    if messages.len() >= count {
                        return messages.clone();
                    }
                }
                notified.await;
            }
        };
        tokio::time::timeout(timeout, wait).await.ok()
    }

    fn lock_messages(&self) -> std::sync::MutexGuard<'_, Vec<EmailMessage>> {
        self.inner
            .messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl EmailDelivery for CapturingEmailDelivery {
    async fn send(&self, message: EmailMessage) -> Result<(), EmailDeliveryError> {
        let failure = self
            .inner
            .fail_with
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(error) = failure {
            return Err(EmailDeliveryError::Send(error));
        }
        self.lock_messages().push(message);
        self.inner.arrived.notify_waiters();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(to: &str) -> EmailMessage {
        EmailMessage {
            to: to.into(),
            subject: "s".into(),
            text_body: "t".into(),
            html_body: "h".into(),
        }
    }

    #[tokio::test]
    async fn waits_for_background_sends() {
        let outbox = CapturingEmailDelivery::new();
        let sender = outbox.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            sender.send(message("a@b.co")).await.unwrap();
        });
        let messages = outbox.wait_for(1, Duration::from_secs(5)).await.unwrap();
        assert_eq!(messages.len(), 1);
        assert_eq!(outbox.messages_to("a@b.co").len(), 1);
        assert!(
            outbox
                .wait_for(2, Duration::from_millis(20))
                .await
                .is_none()
        );
        outbox.fail_with(Some("boom"));
        assert!(outbox.send(message("x@y.zz")).await.is_err());
        outbox.clear();
        assert!(outbox.messages().is_empty());
    }
}
