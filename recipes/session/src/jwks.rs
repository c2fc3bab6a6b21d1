//! The core's public keys, cached.
//!
//! Like node (jose's remote JWKS set): the set is fetched from `/.well-known/jwks.json` of the
//! first core that answers, kept for `jwks_refresh_interval` (4 h by default), and fetched
//! again early when a token names an unknown `kid` (at most once per 500 ms), which is how a
//! freshly rotated signing key is picked up. One fetch runs at a time; lookups never hold a
//! lock across an await.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use supertokens::{Querier, Result};
use supertokens_cdi::jwt::Jwks;
use tokio::sync::Mutex;

use crate::access_token::RsaPublicKey;
use crate::config::Clock;

/// Path of the JWKS on the core.
pub(crate) const JWKS_PATH: &str = "/.well-known/jwks.json";
/// Minimum time between two fetches caused by unknown key ids.
pub(crate) const COOLDOWN_MS: i64 = 500;

#[derive(Default)]
struct CacheState {
    keys: HashMap<String, Arc<RsaPublicKey>>,
    fetched_at_ms: Option<i64>,
}

enum Lookup {
    Hit(Arc<RsaPublicKey>),
    /// The set was fetched moments ago and does not have the key.
    RecentMiss,
    NeedsFetch,
}

/// A cached JWKS.
pub(crate) struct JwksCache {
    querier: Arc<Querier>,
    clock: Arc<dyn Clock>,
    refresh_interval_ms: i64,
    state: RwLock<CacheState>,
    fetching: Mutex<()>,
}

impl std::fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksCache")
            .field("refresh_interval_ms", &self.refresh_interval_ms)
            .finish_non_exhaustive()
    }
}

impl JwksCache {
    pub(crate) fn new(
        querier: Arc<Querier>,
        clock: Arc<dyn Clock>,
        refresh_interval: Duration,
    ) -> Self {
        Self {
            querier,
            clock,
            refresh_interval_ms: i64::try_from(refresh_interval.as_millis()).unwrap_or(i64::MAX),
            state: RwLock::new(CacheState::default()),
            fetching: Mutex::new(()),
        }
    }

    fn lookup(&self, kid: &str) -> Lookup {
        let now = self.clock.now_ms();
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        let Some(fetched_at) = state.fetched_at_ms else {
            return Lookup::NeedsFetch;
        };
        let age = now.saturating_sub(fetched_at);
        if !(0..self.refresh_interval_ms).contains(&age) {
            return Lookup::NeedsFetch;
        }
        match state.keys.get(kid) {
            Some(key) => Lookup::Hit(key.clone()),
            None if age < COOLDOWN_MS => Lookup::RecentMiss,
            None => Lookup::NeedsFetch,
        }
    }

    /// The key with this id; `None` when the core does not know it (even after a refetch).
    /// Errors only when no core could be asked.
    pub(crate) async fn key(&self, kid: &str) -> Result<Option<Arc<RsaPublicKey>>> {
        match self.lookup(kid) {
            Lookup::Hit(key) => return Ok(Some(key)),
            Lookup::RecentMiss => return Ok(None),
            Lookup::NeedsFetch => {}
        }
        let _single_flight = self.fetching.lock().await;
        // Another task may have fetched while this one waited.
        match self.lookup(kid) {
            Lookup::Hit(key) => return Ok(Some(key)),
            Lookup::RecentMiss => return Ok(None),
            Lookup::NeedsFetch => {}
        }
        let (jwks, _max_age) = self.querier.get_with_max_age::<Jwks>(JWKS_PATH).await?;
        let mut keys = HashMap::new();
        for jwk in jwks.keys {
            if !jwk.kty.eq_ignore_ascii_case("RSA") {
                continue;
            }
            match RsaPublicKey::from_jwk_components(&jwk.n, &jwk.e) {
                Ok(key) => {
                    keys.insert(jwk.kid, Arc::new(key));
                }
                Err(error) => tracing::warn!(kid = %jwk.kid, %error, "ignoring an unusable JWK"),
            }
        }
        let found = keys.get(kid).cloned();
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        state.keys = keys;
        state.fetched_at_ms = Some(self.clock.now_ms());
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};

    use supertokens::querier::CoreHost;

    use super::*;

    struct TestClock(AtomicI64);
    impl Clock for TestClock {
        fn now_ms(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    fn cache(clock: Arc<TestClock>) -> JwksCache {
        let querier = Querier::new(
            vec![CoreHost {
                // Nothing listens there: a fetch would fail.
                origin: "http://127.0.0.1:9".into(),
                base_path: String::new(),
            }],
            None,
        )
        .unwrap();
        let cache = JwksCache::new(Arc::new(querier), clock, Duration::from_secs(60));
        {
            let mut state = cache.state.write().unwrap();
            state.keys.insert(
                "d-1".into(),
                Arc::new(RsaPublicKey::from_jwk_components("AQAB", "AQAB").unwrap()),
            );
            state.fetched_at_ms = Some(1_000);
        }
        cache
    }

    #[tokio::test]
    async fn known_keys_are_served_and_unknown_ones_refetched_after_the_cooldown() {
        let clock = Arc::new(TestClock(AtomicI64::new(1_000)));
        let cache = cache(clock.clone());
        assert!(matches!(cache.lookup("d-1"), Lookup::Hit(_)));
        assert!(cache.key("d-1").await.unwrap().is_some());
        // Just fetched: an unknown kid does not cause another fetch.
        assert!(matches!(cache.lookup("d-2"), Lookup::RecentMiss));
        assert!(cache.key("d-2").await.unwrap().is_none());
        clock.0.store(1_000 + COOLDOWN_MS, Ordering::SeqCst);
        assert!(matches!(cache.lookup("d-2"), Lookup::NeedsFetch));
        assert!(matches!(cache.lookup("d-1"), Lookup::Hit(_)));
        // Past the refresh interval even known keys are fetched again.
        clock.0.store(1_000 + 60_000, Ordering::SeqCst);
        assert!(matches!(cache.lookup("d-1"), Lookup::NeedsFetch));
        assert!(cache.key("d-1").await.is_err(), "the core is unreachable");
    }
}
