//! [`RedisStore`] (feature `redis`): counts in Redis, so that every app instance using the
//! same Redis and key prefix shares them.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::Limit;
use super::store::{Decision, RateLimitStore, StoreError};

/// The key prefix unless another is chosen.
pub const DEFAULT_KEY_PREFIX: &str = "supertokens:ratelimit:";

/// One round trip, atomic: count the request, start the window's expiry on its first request
/// (or when a key somehow has none), and answer the count and the time left.
const HIT_SCRIPT: &str = r"
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
";

/// Counts requests in Redis (`INCR` + `PEXPIRE` in one Lua script, so concurrent instances
/// never lose a count or leave a key without expiry). Windows expire on Redis's clock.
///
/// When Redis cannot be reached (or answers too slowly: 500 ms), [`hit`](RateLimitStore::hit)
/// fails, and the SDK serves the request anyway with a warning in the log: fail-open, for
/// availability. The connection is re-established in the background.
///
/// The URL takes the usual forms: `redis://[user:password@]host[:port][/db]`, or
/// `redis+unix:///path/to/socket`. TLS (`rediss://`) is not compiled in.
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
    script: Arc<redis::Script>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: not shown.
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects now (the error says why it could not), with [`DEFAULT_KEY_PREFIX`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url)
            .map_err(|error| StoreError(format!("invalid Redis URL: {error}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(1));
        let connection = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(|error| StoreError(format!("cannot connect to Redis: {error}")))?;
        Ok(Self {
            connection,
            prefix: DEFAULT_KEY_PREFIX.to_owned(),
            script: Arc::new(redis::Script::new(HIT_SCRIPT)),
        })
    }

    /// The same store with another key prefix (e.g. one per app, or per test).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Deletes every counter under the prefix (every client may start afresh) and answers
    /// how many there were. Refused with an empty prefix, which would be the whole database.
    pub async fn clear(&self) -> Result<u64, StoreError> {
        if self.prefix.is_empty() {
            return Err(StoreError(
                "refusing to clear a store without a key prefix".into(),
            ));
        }
        let pattern = format!("{}*", escape_glob(&self.prefix));
        let mut connection = self.connection.clone();
        let mut cursor: u64 = 0;
        let mut deleted = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500)
                .query_async(&mut connection)
                .await
                .map_err(|error| StoreError(format!("Redis: {error}")))?;
            if !keys.is_empty() {
                let removed: u64 = redis::cmd("DEL")
                    .arg(&keys)
                    .query_async(&mut connection)
                    .await
                    .map_err(|error| StoreError(format!("Redis: {error}")))?;
                deleted += removed;
            }
            if next == 0 {
                return Ok(deleted);
            }
            cursor = next;
        }
    }
}

/// The prefix with Redis glob characters escaped, for `SCAN MATCH`.
fn escape_glob(prefix: &str) -> String {
    let mut escaped = String::with_capacity(prefix.len());
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[async_trait]
impl RateLimitStore for RedisStore {
    async fn hit(&self, key: &str, limit: &Limit) -> Result<Decision, StoreError> {
        let window_ms = u64::try_from(limit.window.as_millis()).unwrap_or(u64::MAX);
        let mut connection = self.connection.clone();
        let (count, ttl_ms): (u64, i64) = self
            .script
            .key(format!("{}{key}", self.prefix))
            .arg(window_ms)
            .invoke_async(&mut connection)
            .await
            .map_err(|error| StoreError(format!("Redis: {error}")))?;
        if count > u64::from(limit.max_requests) {
            let left = u64::try_from(ttl_ms).unwrap_or(window_ms).min(window_ms);
            Ok(Decision::Limited {
                retry_after: Duration::from_millis(left),
            })
        } else {
            Ok(Decision::Allowed)
        }
    }
}

/// Against the Redis at 127.0.0.1:6379 (fails when it is not running), each test under its
/// own key prefix, deleted at the end (and every key expires with its window anyway).
#[cfg(test)]
mod tests {
    use super::*;

    const REDIS_URL: &str = "redis://127.0.0.1:6379";

    fn unique_prefix(test: &str) -> String {
        format!("supertokens-sdk-test:{}:{test}:", std::process::id())
    }

    async fn store(prefix: &str) -> RedisStore {
        RedisStore::connect(REDIS_URL)
            .await
            .unwrap_or_else(|error| panic!("these tests need Redis at {REDIS_URL}: {error}"))
            .with_prefix(prefix)
    }

    async fn keys(store: &RedisStore) -> Vec<String> {
        let mut connection = store.connection.clone();
        redis::cmd("KEYS")
            .arg(format!("{}*", store.prefix))
            .query_async(&mut connection)
            .await
            .unwrap()
    }

    async fn clean_up(store: &RedisStore) {
        store.clear().await.unwrap();
        assert!(keys(store).await.is_empty());
    }

    #[tokio::test]
    async fn a_window_allows_the_limit_then_refuses() {
        let store = store(&unique_prefix("window")).await;
        clean_up(&store).await;
        let limit = Limit::per_minute(3);
        for _ in 0..3 {
            assert_eq!(store.hit("k", &limit).await.unwrap(), Decision::Allowed);
        }
        let Decision::Limited { retry_after } = store.hit("k", &limit).await.unwrap() else {
            panic!("the 4th request in the window must be limited");
        };
        assert!(retry_after <= Duration::from_secs(60) && retry_after > Duration::from_secs(50));
        assert_eq!(store.hit("other", &limit).await.unwrap(), Decision::Allowed);
        // The counter lives under the prefix and expires with its window.
        let key = format!("{}k", store.prefix());
        let mut connection = store.connection.clone();
        let ttl: i64 = redis::cmd("PTTL")
            .arg(&key)
            .query_async(&mut connection)
            .await
            .unwrap();
        assert!(ttl > 50_000 && ttl <= 60_000, "ttl {ttl}");
        let count: u64 = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut connection)
            .await
            .unwrap();
        assert_eq!(count, 4);
        clean_up(&store).await;
    }

    #[tokio::test]
    async fn instances_on_the_same_redis_share_their_counts() {
        let prefix = unique_prefix("shared");
        let first = store(&prefix).await;
        let second = store(&prefix).await;
        let elsewhere = store(&unique_prefix("shared-elsewhere")).await;
        clean_up(&first).await;
        clean_up(&elsewhere).await;
        let limit = Limit::per_minute(4);
        for round in 0..2 {
            assert_eq!(
                first.hit("ip", &limit).await.unwrap(),
                Decision::Allowed,
                "{round}"
            );
            assert_eq!(
                second.hit("ip", &limit).await.unwrap(),
                Decision::Allowed,
                "{round}"
            );
        }
        assert!(matches!(
            first.hit("ip", &limit).await.unwrap(),
            Decision::Limited { .. }
        ));
        assert!(matches!(
            second.hit("ip", &limit).await.unwrap(),
            Decision::Limited { .. }
        ));
        // Another prefix counts apart.
        assert_eq!(
            elsewhere.hit("ip", &limit).await.unwrap(),
            Decision::Allowed
        );
        clean_up(&first).await;
        clean_up(&elsewhere).await;
    }

    #[tokio::test]
    async fn concurrent_hits_are_all_counted() {
        let store = store(&unique_prefix("concurrent")).await;
        clean_up(&store).await;
        let limit = Limit::per_minute(25);
        let hits = (0..50).map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.hit("ip", &limit).await.unwrap() })
        });
        let mut allowed = 0;
        for hit in hits {
            if hit.await.unwrap() == Decision::Allowed {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 25);
        clean_up(&store).await;
    }

    #[tokio::test]
    async fn clear_deletes_only_the_prefix() {
        let neighbour = store(&unique_prefix("clear-neighbour")).await;
        let store = store(&unique_prefix("clear")).await;
        let limit = Limit::per_minute(5);
        for key in ["a", "b", "c"] {
            store.hit(key, &limit).await.unwrap();
        }
        neighbour.hit("a", &limit).await.unwrap();
        assert_eq!(store.clear().await.unwrap(), 3);
        assert!(keys(&store).await.is_empty());
        assert_eq!(keys(&neighbour).await.len(), 1);
        clean_up(&neighbour).await;
        assert!(store.clone().with_prefix("").clear().await.is_err());
        assert_eq!(escape_glob("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\");
    }

    #[tokio::test]
    async fn an_unreachable_redis_is_an_error_at_connect() {
        let error = RedisStore::connect("redis://127.0.0.1:1")
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("cannot connect to Redis"),
            "{error}"
        );
        let error = RedisStore::connect("not a url").await.unwrap_err();
        assert!(error.to_string().contains("invalid Redis URL"), "{error}");
    }
}
