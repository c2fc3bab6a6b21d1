//! Test delivery: text messages are kept in memory.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;

use super::{SmsDelivery, SmsMessage};
use crate::error::SmsDeliveryError;

/// Keeps every text message in memory, for tests. Clones share the same outbox, so a test
/// keeps one clone and gives another (as `Arc<dyn SmsDelivery>`) to the recipe.
///
/// ```
/// # use std::sync::Arc;
/// # use std::time::Duration;
/// # use supertokens_delivery::sms::{CapturingSmsDelivery, SmsDelivery, SmsMessage};
/// # async fn demo() {
/// let outbox = CapturingSmsDelivery::new();
/// let delivery: Arc<dyn SmsDelivery> = Arc::new(outbox.clone());
/// // … the recipe sends through `delivery` (often from a background task) …
/// # delivery.send(SmsMessage { to: "+14155550100".into(), body: "123456".into() }).await.unwrap();
/// let sent = outbox.wait_for(1, Duration::from_secs(5)).await.expect("a text message");
/// assert_eq!(sent[0].to, "+14155550100");
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct CapturingSmsDelivery {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    messages: Mutex<Vec<SmsMessage>>,
    arrived: Notify,
    fail_with: Mutex<Option<String>>,
}

impl CapturingSmsDelivery {
    /// An empty outbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// The messages sent so far, oldest first.
    pub fn messages(&self) -> Vec<SmsMessage> {
        self.lock_messages().clone()
    }

    /// The messages sent so far to `number`.
    pub fn messages_to(&self, number: &str) -> Vec<SmsMessage> {
        self.lock_messages()
            .iter()
            .filter(|message| message.to == number)
            .cloned()
            .collect()
    }

    /// Forgets the messages sent so far.
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

    /// Waits until at least `count` messages were sent (messages are often sent from
    /// background tasks), giving up after `timeout`. Returns all messages sent, or `None` on
    /// timeout.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Option<Vec<SmsMessage>> {
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

    /// Waits for the next message: the first one sent after the `already_seen` ones
    /// (`messages().len()` taken before the action), or `None` after `timeout`.
    pub async fn next_message(&self, already_seen: usize, timeout: Duration) -> Option<SmsMessage> {
        self.wait_for(already_seen + 1, timeout)
            .await
            .and_then(|messages| messages.get(already_seen).cloned())
    }

    fn lock_messages(&self) -> MutexGuard<'_, Vec<SmsMessage>> {
        self.inner
            .messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl SmsDelivery for CapturingSmsDelivery {
    async fn send(&self, message: SmsMessage) -> Result<(), SmsDeliveryError> {
        let failure = self
            .inner
            .fail_with
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(error) = failure {
            return Err(SmsDeliveryError::Send(error));
        }
        self.lock_messages().push(message);
        self.inner.arrived.notify_waiters();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(to: &str) -> SmsMessage {
        SmsMessage {
            to: to.into(),
            body: "Your code is 123456".into(),
        }
    }

    #[tokio::test]
    async fn waits_for_background_sends() {
        let outbox = CapturingSmsDelivery::new();
        let sender = outbox.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            sender.send(message("+14155550100")).await.unwrap();
        });
        let first = outbox
            .next_message(0, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(first.to, "+14155550100");
        assert_eq!(outbox.messages_to("+14155550100").len(), 1);
        assert!(
            outbox
                .next_message(1, Duration::from_millis(20))
                .await
                .is_none()
        );
        outbox.fail_with(Some("boom"));
        assert!(outbox.send(message("+14155550101")).await.is_err());
        outbox.fail_with(None);
        outbox.send(message("+14155550101")).await.unwrap();
        assert_eq!(outbox.messages().len(), 2);
        outbox.clear();
        assert!(outbox.messages().is_empty());
    }
}
