//! The send budget: how many codes one email address or phone number may be sent in a
//! sliding window ([`SendLimiter`], with the in-process [`InMemorySendLimiter`]), and the
//! messages of the two limits (see [`SendLimits`](crate::SendLimits)).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use supertokens::Result;
use supertokens_session::Clock;

/// A send counted by a [`SendLimiter`]; handed back to [`SendLimiter::release`] when the
/// delivery failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendSlot {
    /// The budget's key (see [`budget_key`]).
    pub key: String,
    /// When the send was counted (epoch ms, the limiter's clock).
    pub taken_at_ms: i64,
}

/// What a [`SendLimiter`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendDecision {
    /// The send is counted; release the slot if it does not happen after all.
    Allowed(SendSlot),
    /// The budget is spent.
    Denied {
        /// When the oldest counted send leaves the window.
        retry_after: Duration,
    },
}

/// Counts sends per key in a sliding window. Held as `Arc<dyn SendLimiter>`; implement it on
/// shared storage (Redis, the app's database) when the app runs on several instances.
#[async_trait]
pub trait SendLimiter: Send + Sync {
    /// Counts one send for `key` if fewer than `max_sends` were counted in the last
    /// `window`; otherwise says when to retry. Errors fail the request (500).
    async fn acquire(&self, key: &str, max_sends: u32, window: Duration) -> Result<SendDecision>;

    /// Gives back a slot whose send did not happen (the delivery failed).
    async fn release(&self, slot: &SendSlot) -> Result<()>;
}

/// The budget key of a contact: `email:<lower-cased email>` or `phone:<E.164 number>`. The
/// budget is per address, across tenants: it protects the recipient (and the app's SMS bill),
/// whichever tenant the requests name.
pub fn budget_key(contact: &crate::Contact) -> String {
    match contact {
        crate::Contact::Email(email) => {
            format!("email:{}", crate::validators::normalise_email(email))
        }
        crate::Contact::PhoneNumber(phone) => format!("phone:{phone}"),
    }
}

/// `Please wait N seconds before asking for a new code.`
pub fn cooldown_message(remaining: Duration) -> String {
    let seconds = ceil_units(remaining, 1000).max(1);
    format!(
        "Please wait {seconds} second{} before asking for a new code.",
        if seconds == 1 { "" } else { "s" }
    )
}

/// `Too many sign-in codes were sent to this address. Please try again in N minutes.`
pub fn budget_message(retry_after: Duration) -> String {
    let minutes = ceil_units(retry_after, 60_000).max(1);
    format!(
        "Too many sign-in codes were sent to this address. Please try again in {minutes} \
         minute{}.",
        if minutes == 1 { "" } else { "s" }
    )
}

fn ceil_units(duration: Duration, unit_ms: u128) -> u128 {
    duration.as_millis().div_ceil(unit_ms)
}

/// Default number of keys an [`InMemorySendLimiter`] tracks before evicting.
pub const DEFAULT_MAX_TRACKED_KEYS: usize = 100_000;

/// The built-in [`SendLimiter`]: a sliding-window log per key, in this process's memory.
///
/// Memory is bounded: a key holds at most `max_sends` timestamps, keys whose sends all left
/// the window are dropped, and when `max_keys` keys are tracked the stale ones are swept and,
/// if that is not enough, the least recently used tenth is forgotten (so a spray of distinct
/// addresses cannot exhaust memory; the forgotten keys are those idle the longest).
///
/// Counts are per process: see [`SendLimits`](crate::SendLimits) for deployments with
/// several instances.
pub struct InMemorySendLimiter {
    clock: Arc<dyn Clock>,
    max_keys: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Send times per key, oldest first.
    sends: HashMap<String, VecDeque<i64>>,
    /// The longest window seen, for sweeping keys without a call naming them.
    window_ms: i64,
}

impl fmt::Debug for InMemorySendLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemorySendLimiter")
            .field("max_keys", &self.max_keys)
            .field("tracked_keys", &self.tracked_keys())
            .finish_non_exhaustive()
    }
}

impl InMemorySendLimiter {
    /// A limiter on this clock tracking at most [`DEFAULT_MAX_TRACKED_KEYS`] keys.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self::with_max_keys(clock, DEFAULT_MAX_TRACKED_KEYS)
    }

    /// A limiter tracking at most `max_keys` keys (at least 1).
    pub fn with_max_keys(clock: Arc<dyn Clock>, max_keys: usize) -> Self {
        Self {
            clock,
            max_keys: max_keys.max(1),
            state: Mutex::new(State::default()),
        }
    }

    /// How many keys are tracked now.
    pub fn tracked_keys(&self) -> usize {
        self.lock().sends.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn window_ms(window: Duration) -> i64 {
    i64::try_from(window.as_millis()).unwrap_or(i64::MAX)
}

impl State {
    /// Drops keys whose sends all left the window; then, if still at capacity, the least
    /// recently used tenth.
    fn evict(&mut self, now: i64, max_keys: usize) {
        let horizon = now.saturating_sub(self.window_ms);
        self.sends
            .retain(|_, times| times.back().is_some_and(|last| *last > horizon));
        if self.sends.len() < max_keys {
            return;
        }
        let mut by_last_use: Vec<(i64, String)> = self
            .sends
            .iter()
            .map(|(key, times)| (times.back().copied().unwrap_or(i64::MIN), key.clone()))
            .collect();
        by_last_use.sort_unstable();
        let excess = self.sends.len() + 1 - max_keys;
        let forget = excess.max(max_keys / 10);
        for (_, key) in by_last_use.into_iter().take(forget) {
            self.sends.remove(&key);
        }
    }
}

#[async_trait]
impl SendLimiter for InMemorySendLimiter {
    async fn acquire(&self, key: &str, max_sends: u32, window: Duration) -> Result<SendDecision> {
        let now = self.clock.now_ms();
        let window = window_ms(window);
        let mut state = self.lock();
        state.window_ms = state.window_ms.max(window);
        if !state.sends.contains_key(key) && state.sends.len() >= self.max_keys {
            state.evict(now, self.max_keys);
        }
        let times = state.sends.entry(key.to_owned()).or_default();
        let horizon = now.saturating_sub(window);
        while times.front().is_some_and(|first| *first <= horizon) {
            times.pop_front();
        }
        let max = usize::try_from(max_sends).unwrap_or(usize::MAX);
        if times.len() >= max {
            let oldest = times.front().copied().unwrap_or(now);
            let wait = oldest.saturating_add(window).saturating_sub(now).max(0);
            return Ok(SendDecision::Denied {
                retry_after: Duration::from_millis(u64::try_from(wait).unwrap_or(0)),
            });
        }
        times.push_back(now);
        Ok(SendDecision::Allowed(SendSlot {
            key: key.to_owned(),
            taken_at_ms: now,
        }))
    }

    async fn release(&self, slot: &SendSlot) -> Result<()> {
        let mut state = self.lock();
        if let Some(times) = state.sends.get_mut(&slot.key) {
            if let Some(position) = times.iter().rposition(|time| *time == slot.taken_at_ms) {
                times.remove(position);
            }
            if times.is_empty() {
                state.sends.remove(&slot.key);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::*;

    struct ManualClock(AtomicI64);

    impl Clock for ManualClock {
        fn now_ms(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    impl ManualClock {
        fn advance(&self, by: Duration) {
            self.0
                .fetch_add(i64::try_from(by.as_millis()).unwrap(), Ordering::SeqCst);
        }
    }

    const HOUR: Duration = Duration::from_secs(3600);

    fn denied_after(decision: SendDecision) -> Duration {
        match decision {
            SendDecision::Denied { retry_after } => retry_after,
            SendDecision::Allowed(slot) => panic!("allowed: {slot:?}"),
        }
    }

    #[tokio::test]
    async fn the_window_slides() {
        let clock = Arc::new(ManualClock(AtomicI64::new(1_000_000)));
        let limiter = InMemorySendLimiter::new(clock.clone());
        for _ in 0..3 {
            assert!(matches!(
                limiter.acquire("email:a@b.co", 3, HOUR).await.unwrap(),
                SendDecision::Allowed(_)
            ));
            clock.advance(Duration::from_secs(600));
        }
        // 30 minutes after the first send: the budget is spent for another 30 minutes.
        let wait = denied_after(limiter.acquire("email:a@b.co", 3, HOUR).await.unwrap());
        assert_eq!(wait, Duration::from_secs(1800));
        assert_eq!(
            budget_message(wait),
            "Too many sign-in codes were sent to this address. Please try again in 30 minutes."
        );
        // Another address has its own budget.
        assert!(matches!(
            limiter.acquire("email:c@d.co", 3, HOUR).await.unwrap(),
            SendDecision::Allowed(_)
        ));
        // When the first send leaves the window, one slot frees up (not three).
        clock.advance(Duration::from_secs(1800));
        assert!(matches!(
            limiter.acquire("email:a@b.co", 3, HOUR).await.unwrap(),
            SendDecision::Allowed(_)
        ));
        let wait = denied_after(limiter.acquire("email:a@b.co", 3, HOUR).await.unwrap());
        assert_eq!(wait, Duration::from_secs(600));
    }

    #[tokio::test]
    async fn released_slots_are_given_back() {
        let clock = Arc::new(ManualClock(AtomicI64::new(0)));
        let limiter = InMemorySendLimiter::new(clock.clone());
        let SendDecision::Allowed(slot) = limiter.acquire("k", 1, HOUR).await.unwrap() else {
            panic!("denied");
        };
        denied_after(limiter.acquire("k", 1, HOUR).await.unwrap());
        limiter.release(&slot).await.unwrap();
        assert_eq!(limiter.tracked_keys(), 0);
        assert!(matches!(
            limiter.acquire("k", 1, HOUR).await.unwrap(),
            SendDecision::Allowed(_)
        ));
    }

    #[tokio::test]
    async fn memory_stays_bounded() {
        let clock = Arc::new(ManualClock(AtomicI64::new(0)));
        let limiter = InMemorySendLimiter::with_max_keys(clock.clone(), 100);
        // A spray of distinct addresses never grows the map past its bound.
        for i in 0..1000 {
            limiter
                .acquire(&format!("email:{i}@spray.test"), 5, HOUR)
                .await
                .unwrap();
            clock.advance(Duration::from_millis(10));
            assert!(limiter.tracked_keys() <= 100);
        }
        // Stale keys go first: after the window, a new key sweeps them all.
        clock.advance(HOUR);
        limiter.acquire("late", 1, HOUR).await.unwrap();
        assert_eq!(limiter.tracked_keys(), 1);
        for i in 0..99 {
            clock.advance(Duration::from_millis(10));
            limiter.acquire(&format!("k{i}"), 1, HOUR).await.unwrap();
        }
        assert_eq!(limiter.tracked_keys(), 100);
        // At capacity with nothing stale: the least recently used tenth is forgotten.
        clock.advance(Duration::from_millis(10));
        limiter.acquire("one-more", 1, HOUR).await.unwrap();
        assert_eq!(limiter.tracked_keys(), 91);
        assert!(matches!(
            limiter.acquire("late", 1, HOUR).await.unwrap(),
            SendDecision::Allowed(_)
        ));
        denied_after(limiter.acquire("k98", 1, HOUR).await.unwrap());
    }

    #[test]
    fn messages_round_up_and_pluralise() {
        assert_eq!(
            cooldown_message(Duration::from_millis(29_001)),
            "Please wait 30 seconds before asking for a new code."
        );
        assert_eq!(
            cooldown_message(Duration::from_millis(200)),
            "Please wait 1 second before asking for a new code."
        );
        assert_eq!(
            budget_message(Duration::from_secs(30)),
            "Too many sign-in codes were sent to this address. Please try again in 1 minute."
        );
    }

    #[test]
    fn keys_are_normalised() {
        assert_eq!(
            budget_key(&crate::Contact::Email(" A@B.co ".into())),
            "email:a@b.co"
        );
        assert_eq!(
            budget_key(&crate::Contact::PhoneNumber("+16502530000".into())),
            "phone:+16502530000"
        );
    }
}
