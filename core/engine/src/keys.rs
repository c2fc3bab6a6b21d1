//! Access-token signing keys: the rotating dynamic keys (`d-<created ms>`) and the static key
//! (`s-<uuid>`), shared through storage by every core on the same database.
//!
//! Rotation: when the newest dynamic key is older than the update interval less a 60 s
//! overlap, a new key is stored with the next generation number. Two cores racing to rotate
//! insert the same generation; the storage keeps one and the loser re-reads it, so the cores
//! converge on one key. A new key is published in JWKS at once but signs only once it is
//! 60 s old (unless it is the only key), so SDK caches learn it before they meet it.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use supertokens_cdi::jwt::Jwk;
use supertokens_crypto::random::{RandomSource, random_uuid_v4};
use supertokens_crypto::signing::{SigningKey, VerifyingKey};
use supertokens_storage::{SigningKeyKind, SigningKeyRecord, Storage};

use crate::clock::millis;
use crate::error::{EngineError, Result};

/// How long a new key is published before it signs, and the overlap before rotation.
pub const KEY_OVERLAP: Duration = Duration::from_secs(60);
/// Longest time between two reloads of the key set from storage, to see other cores' keys.
const RELOAD_EVERY: Duration = Duration::from_secs(30);
/// How long before a load a key made by another core may have been committed too late for
/// that load to see it.
const UNCOMMITTED_KEY_MARGIN_MS: i64 = 10_000;

/// A parsed key with its metadata.
#[derive(Clone)]
pub struct LoadedKey {
    /// The key pair.
    pub key: Arc<SigningKey>,
    /// Its public half.
    pub verifying: VerifyingKey,
    /// Epoch ms.
    pub created_at_ms: i64,
    /// Rotation generation.
    pub generation: i64,
}

#[derive(Clone, Default)]
struct KeySet {
    /// Newest first.
    dynamic: Vec<LoadedKey>,
    static_key: Option<LoadedKey>,
    loaded_at_ms: i64,
}

/// The key store of one core process: a cache in front of [`Storage`].
pub struct SigningKeys {
    storage: Arc<dyn Storage>,
    rng: Arc<dyn RandomSource>,
    update_interval: Duration,
    access_token_validity: Duration,
    cache: RwLock<Arc<KeySet>>,
    rotation: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("update_interval", &self.update_interval)
            .finish_non_exhaustive()
    }
}

impl SigningKeys {
    /// An empty cache; keys are loaded or made on first use.
    pub fn new(
        storage: Arc<dyn Storage>,
        rng: Arc<dyn RandomSource>,
        update_interval: Duration,
        access_token_validity: Duration,
    ) -> Self {
        Self {
            storage,
            rng,
            update_interval,
            access_token_validity,
            cache: RwLock::new(Arc::new(KeySet::default())),
            rotation: tokio::sync::Mutex::new(()),
        }
    }

    fn snapshot(&self) -> Arc<KeySet> {
        match self.cache.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    fn store(&self, set: KeySet) {
        let set = Arc::new(set);
        match self.cache.write() {
            Ok(mut guard) => *guard = set,
            Err(poisoned) => *poisoned.into_inner() = set,
        }
    }

    fn rotation_due(&self, set: &KeySet, now_ms: i64) -> bool {
        let threshold = millis(self.update_interval) - millis(KEY_OVERLAP);
        match set.dynamic.first() {
            Some(newest) => now_ms - newest.created_at_ms >= threshold,
            None => true,
        }
    }

    /// The dynamic key to sign with now, rotating first when due.
    pub async fn dynamic_signing_key(&self, now_ms: i64) -> Result<LoadedKey> {
        let mut set = self.snapshot();
        if set.dynamic.is_empty()
            || self.rotation_due(&set, now_ms)
            || now_ms - set.loaded_at_ms >= millis(RELOAD_EVERY)
        {
            self.ensure_current(now_ms).await?;
            set = self.snapshot();
        }
        let overlap = millis(KEY_OVERLAP);
        set.dynamic
            .iter()
            .find(|key| now_ms - key.created_at_ms >= overlap)
            .or_else(|| set.dynamic.last())
            .cloned()
            .ok_or_else(|| EngineError::Crypto("no dynamic signing key is available".into()))
    }

    /// The static key, made on first use.
    pub async fn static_signing_key(&self, now_ms: i64) -> Result<LoadedKey> {
        if let Some(key) = self.snapshot().static_key.clone() {
            return Ok(key);
        }
        let _guard = self.rotation.lock().await;
        self.reload(now_ms).await?;
        if let Some(key) = self.snapshot().static_key.clone() {
            return Ok(key);
        }
        let kid = format!("s-{}", random_uuid_v4(self.rng.as_ref()));
        self.insert_new_key(kid, SigningKeyKind::Static, 0, now_ms)
            .await?;
        self.reload(now_ms).await?;
        self.snapshot()
            .static_key
            .clone()
            .ok_or_else(|| EngineError::Crypto("the static signing key could not be stored".into()))
    }

    /// Every key a token may be verified with: dynamic keys newest first, then the static key.
    pub fn verifying_keys(&self) -> Vec<VerifyingKey> {
        let set = self.snapshot();
        set.dynamic
            .iter()
            .chain(set.static_key.iter())
            .map(|key| key.verifying.clone())
            .collect()
    }

    /// Whether the cache knows this key id.
    pub fn knows_kid(&self, kid: &str) -> bool {
        let set = self.snapshot();
        set.dynamic
            .iter()
            .chain(set.static_key.iter())
            .any(|key| key.key.kid() == kid)
    }

    /// Re-reads the keys for a token signed with the unknown key id `kid`: at once when
    /// `kid` names a dynamic key made around or after the last load and not in the future
    /// (another core sharing the database made it, perhaps committing it just after our
    /// load), otherwise at most once per `min_gap_ms`.
    pub async fn reload_for_unknown_kid(
        &self,
        kid: &str,
        now_ms: i64,
        min_gap_ms: i64,
    ) -> Result<()> {
        let loaded_at_ms = self.snapshot().loaded_at_ms;
        let made_since_last_load = kid
            .strip_prefix("d-")
            .and_then(|created| created.parse::<i64>().ok())
            .is_some_and(|created_ms| {
                created_ms >= loaded_at_ms - UNCOMMITTED_KEY_MARGIN_MS && created_ms <= now_ms
            });
        if made_since_last_load || now_ms - loaded_at_ms >= min_gap_ms {
            self.reload(now_ms).await?;
        }
        Ok(())
    }

    /// The public keys as JWKS entries, ensuring a current dynamic key exists.
    pub async fn jwks(&self, now_ms: i64) -> Result<Vec<Jwk>> {
        self.dynamic_signing_key(now_ms).await?;
        let set = self.snapshot();
        Ok(set
            .dynamic
            .iter()
            .chain(set.static_key.iter())
            .map(|key| to_wire(key.key.as_ref()))
            .collect())
    }

    /// Seconds a JWKS response may be cached: until the next rotation, at least 1.
    pub fn jwks_max_age_secs(&self, now_ms: i64) -> i64 {
        let set = self.snapshot();
        let next_rotation = set
            .dynamic
            .first()
            .map(|newest| newest.created_at_ms + millis(self.update_interval) - millis(KEY_OVERLAP))
            .unwrap_or(now_ms);
        ((next_rotation - now_ms) / 1000).max(1)
    }

    /// Rotates when due (re-reading storage first, under a process-wide lock).
    pub async fn ensure_current(&self, now_ms: i64) -> Result<()> {
        let _guard = self.rotation.lock().await;
        let cached = self.snapshot();
        // Another task may have reloaded while this one waited for the lock.
        if !cached.dynamic.is_empty()
            && now_ms - cached.loaded_at_ms < 1000
            && !self.rotation_due(&cached, now_ms)
        {
            return Ok(());
        }
        self.reload(now_ms).await?;
        let set = self.snapshot();
        if !self.rotation_due(&set, now_ms) {
            return Ok(());
        }
        let generation = set
            .dynamic
            .first()
            .map(|newest| newest.generation + 1)
            .unwrap_or(1);
        let inserted = self
            .insert_new_key(
                format!("d-{now_ms}"),
                SigningKeyKind::Dynamic,
                generation,
                now_ms,
            )
            .await?;
        if inserted && generation > 1 {
            tracing::info!(generation, "rotated to a new dynamic signing key");
        } else if inserted {
            tracing::debug!("created the first dynamic signing key");
        }
        self.reload(now_ms).await
    }

    /// Deletes dynamic keys that no unexpired token can carry any more; never the newest.
    pub async fn delete_retired(&self, now_ms: i64, batch: u32, max_batches: u32) -> Result<u64> {
        let keys = self.storage.signing_keys(SigningKeyKind::Dynamic).await?;
        let Some(newest) = keys.iter().max_by_key(|key| key.generation) else {
            return Ok(0);
        };
        let keep_for = millis(self.update_interval) + 2 * millis(self.access_token_validity);
        let cutoff = (now_ms - keep_for).min(newest.created_at_ms);
        let mut total = 0;
        for _ in 0..max_batches {
            let deleted = self
                .storage
                .delete_signing_keys_created_before(SigningKeyKind::Dynamic, cutoff, batch)
                .await?;
            total += deleted;
            if deleted < u64::from(batch) {
                break;
            }
        }
        if total > 0 {
            self.reload(now_ms).await?;
        }
        Ok(total)
    }

    async fn insert_new_key(
        &self,
        kid: String,
        kind: SigningKeyKind,
        generation: i64,
        now_ms: i64,
    ) -> Result<bool> {
        let key = tokio::task::spawn_blocking(move || SigningKey::generate(&kid))
            .await
            .map_err(|error| {
                EngineError::Crypto(format!("key generation task failed: {error}"))
            })??;
        let record = SigningKeyRecord {
            kid: key.kid().to_owned(),
            kind,
            generation,
            algorithm: "RS256".into(),
            private_key_pem: key.to_pkcs8_pem(),
            created_at_ms: now_ms,
        };
        Ok(self.storage.insert_signing_key(&record).await?)
    }

    async fn reload(&self, now_ms: i64) -> Result<()> {
        let dynamic = self.storage.signing_keys(SigningKeyKind::Dynamic).await?;
        let statics = self.storage.signing_keys(SigningKeyKind::Static).await?;
        let previous = self.snapshot();
        let parse = |record: &SigningKeyRecord| -> Result<LoadedKey> {
            // Reuse the parsed key when the cache already holds it: parsing RSA keys is slow.
            let cached = previous
                .dynamic
                .iter()
                .chain(previous.static_key.iter())
                .find(|key| key.key.kid() == record.kid);
            let key = match cached {
                Some(cached) => Arc::clone(&cached.key),
                None => Arc::new(SigningKey::from_pkcs8_pem(
                    &record.kid,
                    &record.private_key_pem,
                )?),
            };
            Ok(LoadedKey {
                verifying: key.verifying_key(),
                key,
                created_at_ms: record.created_at_ms,
                generation: record.generation,
            })
        };
        let mut loaded_dynamic = dynamic.iter().map(parse).collect::<Result<Vec<_>>>()?;
        loaded_dynamic.sort_by_key(|key| std::cmp::Reverse(key.generation));
        let static_key = statics
            .iter()
            .min_by_key(|key| key.generation)
            .map(parse)
            .transpose()?;
        self.store(KeySet {
            dynamic: loaded_dynamic,
            static_key,
            loaded_at_ms: now_ms,
        });
        Ok(())
    }
}

fn to_wire(key: &SigningKey) -> Jwk {
    let jwk = key.jwk();
    Jwk {
        kty: jwk.kty,
        kid: jwk.kid,
        n: jwk.n,
        e: jwk.e,
        alg: jwk.alg,
        use_: jwk.use_,
    }
}
