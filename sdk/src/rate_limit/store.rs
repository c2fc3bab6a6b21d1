//! Where requests are counted: the [`RateLimitStore`] trait, its answers, and the clock the
//! in-memory store reads.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::Limit;

/// What the store says about one more request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Within the limit: serve it.
    Allowed,
    /// Over the limit: answer 429; the window ends in `retry_after`.
    Limited {
        /// Time until the window ends and requests are allowed again.
        retry_after: Duration,
    },
}

/// The store could not count (e.g. Redis is unreachable). The SDK then serves the request
/// (fails open) and logs a warning: an outage of the counter must not lock every user out.
#[derive(Debug, Clone, thiserror::Error)]
#[error("rate-limit store failed: {0}")]
pub struct StoreError(pub String);

/// Counts requests per key in fixed windows: the first request under a key opens a window of
/// `limit.window`; the `limit.max_requests + 1`-th request inside it, and every one after, is
/// [`Decision::Limited`] until it ends. Requests over the limit are counted too but do not
/// extend the window, so a client that keeps trying is let in again when it ends.
///
/// Several app instances that share one store (e.g. [`RedisStore`](super::RedisStore)) share
/// their counts.
#[async_trait]
pub trait RateLimitStore: Send + Sync + std::fmt::Debug {
    /// Counts one request under `key` and says whether it is within `limit`.
    async fn hit(&self, key: &str, limit: &Limit) -> Result<Decision, StoreError>;
}

/// A monotonic clock in milliseconds (from an arbitrary origin), so tests move time instead
/// of sleeping.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds since the clock's origin; never goes back.
    fn now_ms(&self) -> u64;
}

/// The real clock: milliseconds since the clock was created, from [`Instant`].
#[derive(Debug, Clone)]
pub struct MonotonicClock {
    origin: Instant,
}

impl Default for MonotonicClock {
    fn default() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Clock for MonotonicClock {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// A clock that moves only when told to, for tests.
#[derive(Debug, Default)]
pub struct ManualClock {
    now_ms: AtomicU64,
}

impl ManualClock {
    /// A clock at 0, shared.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.now_ms.fetch_add(by, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.now_ms.load(Ordering::SeqCst)
    }
}
