//! [`InMemoryStore`]: counts in this process, for a single app instance.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;

use super::Limit;
use super::store::{Clock, Decision, MonotonicClock, RateLimitStore, StoreError};

/// Keys kept at most by default (about 100 bytes each).
pub const DEFAULT_MAX_KEYS: usize = 100_000;
/// How often expired windows are dropped.
const SWEEP_INTERVAL_MS: u64 = 60_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    count: u32,
    ends_at_ms: u64,
}

#[derive(Debug, Default)]
struct State {
    windows: HashMap<String, Window>,
    next_sweep_ms: u64,
}

/// Counts requests in this process's memory. Every app instance counts on its own: use
/// [`RedisStore`](super::RedisStore) (feature `redis`) when several instances serve one app.
///
/// Memory is bounded: expired windows are dropped every minute, and when `max_keys` windows
/// are live (a flood from many addresses) the tenth of them that end soonest are dropped
/// first, which lets those clients start a new window early rather than growing without bound.
#[derive(Debug)]
pub struct InMemoryStore {
    clock: Arc<dyn Clock>,
    max_keys: usize,
    state: Mutex<State>,
}

impl Default for InMemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemoryStore {
    /// A store on the real clock, keeping at most [`DEFAULT_MAX_KEYS`] windows.
    pub fn new() -> Self {
        Self::with_clock(Arc::new(MonotonicClock::default()))
    }

    /// A store on this clock (tests move a [`ManualClock`](super::ManualClock)).
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            max_keys: DEFAULT_MAX_KEYS,
            state: Mutex::new(State::default()),
        }
    }

    /// The same store keeping at most `max_keys` windows (at least 1).
    pub fn with_max_keys(mut self, max_keys: usize) -> Self {
        self.max_keys = max_keys.max(1);
        self
    }

    /// Live windows (for tests and metrics).
    pub fn len(&self) -> usize {
        self.lock().windows.len()
    }

    /// Whether no window is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent counts behind: keep using them.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one request synchronously (the trait's `hit` without the future).
    pub fn hit_now(&self, key: &str, limit: &Limit) -> Decision {
        let now = self.clock.now_ms();
        let window_ms = u64::try_from(limit.window.as_millis()).unwrap_or(u64::MAX);
        let mut state = self.lock();
        if now >= state.next_sweep_ms {
            state.windows.retain(|_, window| window.ends_at_ms > now);
            state.next_sweep_ms = now.saturating_add(SWEEP_INTERVAL_MS);
        }
        let window = match state.windows.get_mut(key) {
            Some(window) if window.ends_at_ms > now => {
                window.count = window.count.saturating_add(1);
                *window
            }
            Some(window) => {
                *window = Window {
                    count: 1,
                    ends_at_ms: now.saturating_add(window_ms),
                };
                *window
            }
            None => {
                if state.windows.len() >= self.max_keys {
                    make_room(&mut state.windows, now, self.max_keys);
                }
                let window = Window {
                    count: 1,
                    ends_at_ms: now.saturating_add(window_ms),
                };
                state.windows.insert(key.to_owned(), window);
                window
            }
        };
        if window.count > limit.max_requests {
            Decision::Limited {
                retry_after: Duration::from_millis(window.ends_at_ms.saturating_sub(now)),
            }
        } else {
            Decision::Allowed
        }
    }
}

/// Drops expired windows, then, if still full, the tenth that end soonest.
fn make_room(windows: &mut HashMap<String, Window>, now: u64, max_keys: usize) {
    windows.retain(|_, window| window.ends_at_ms > now);
    if windows.len() < max_keys {
        return;
    }
    let mut ends: Vec<u64> = windows.values().map(|window| window.ends_at_ms).collect();
    let drop = (ends.len() / 10).max(1);
    let (_, threshold, _) = ends.select_nth_unstable(drop - 1);
    let threshold = *threshold;
    // Those ending before the threshold, then as many ending at it as needed.
    let before = windows.len();
    windows.retain(|_, window| window.ends_at_ms >= threshold);
    let mut dropped = before - windows.len();
    windows.retain(|_, window| {
        if dropped < drop && window.ends_at_ms == threshold {
            dropped += 1;
            false
        } else {
            true
        }
    });
}

#[async_trait]
impl RateLimitStore for InMemoryStore {
    async fn hit(&self, key: &str, limit: &Limit) -> Result<Decision, StoreError> {
        Ok(self.hit_now(key, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate_limit::ManualClock;

    fn limited(seconds: u64) -> Decision {
        Decision::Limited {
            retry_after: Duration::from_secs(seconds),
        }
    }

    #[test]
    fn a_window_allows_the_limit_then_refuses_until_it_ends() {
        let clock = ManualClock::new();
        let store = InMemoryStore::with_clock(clock.clone());
        let limit = Limit::per_minute(3);
        for _ in 0..3 {
            assert_eq!(store.hit_now("a", &limit), Decision::Allowed);
        }
        assert_eq!(store.hit_now("a", &limit), limited(60));
        clock.advance(Duration::from_secs(45));
        // Trying again does not extend the window.
        assert_eq!(store.hit_now("a", &limit), limited(15));
        // Other keys are counted apart.
        assert_eq!(store.hit_now("b", &limit), Decision::Allowed);
        clock.advance(Duration::from_secs(15));
        assert_eq!(store.hit_now("a", &limit), Decision::Allowed);
        assert_eq!(store.hit_now("a", &limit), Decision::Allowed);
        assert_eq!(store.hit_now("a", &limit), Decision::Allowed);
        clock.advance(Duration::from_millis(59_500));
        assert_eq!(
            store.hit_now("a", &limit),
            Decision::Limited {
                retry_after: Duration::from_millis(500)
            }
        );
    }

    #[test]
    fn expired_windows_are_dropped() {
        let clock = ManualClock::new();
        let store = InMemoryStore::with_clock(clock.clone());
        let limit = Limit::per_minute(1);
        for key in 0..50 {
            store.hit_now(&format!("k{key}"), &limit);
        }
        assert_eq!(store.len(), 50);
        clock.advance(Duration::from_secs(61));
        store.hit_now("fresh", &limit);
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn memory_is_bounded_under_a_flood_of_keys() {
        let clock = ManualClock::new();
        let store = InMemoryStore::with_clock(clock.clone()).with_max_keys(100);
        let limit = Limit::per_minute(1);
        store.hit_now("old", &limit);
        clock.advance(Duration::from_secs(1));
        for key in 0..1_000 {
            clock.advance(Duration::from_millis(1));
            store.hit_now(&format!("k{key}"), &limit);
            assert!(store.len() <= 100);
        }
        // The window that ended soonest went first.
        assert_eq!(store.hit_now("old", &limit), Decision::Allowed);
        // Recent keys are still counted.
        assert_eq!(store.hit_now("k999", &limit), limited(60));
    }

    #[tokio::test]
    async fn the_trait_counts_like_the_store() {
        let store: Arc<dyn RateLimitStore> = Arc::new(InMemoryStore::new());
        let limit = Limit::per_minute(1);
        assert_eq!(store.hit("x", &limit).await.unwrap(), Decision::Allowed);
        assert!(matches!(
            store.hit("x", &limit).await.unwrap(),
            Decision::Limited { retry_after } if retry_after <= Duration::from_secs(60)
                && retry_after > Duration::from_secs(50)
        ));
    }
}
