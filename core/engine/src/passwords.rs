//! Password hashing on a bounded blocking pool.
//!
//! Hashes are computed on tokio's blocking threads, at most `pool_size` at a time, so that a
//! flood of sign-ins queues here instead of starving the request threads that serve verify
//! and refresh.

use std::sync::Arc;

use supertokens_crypto::password::{self, PasswordHashingPolicy};
use supertokens_crypto::random::RandomSource;
use tokio::sync::Semaphore;

use crate::error::{EngineError, Result};

/// Hashes and verifies passwords off the async threads.
pub struct PasswordHasher {
    policy: PasswordHashingPolicy,
    permits: Arc<Semaphore>,
    rng: Arc<dyn RandomSource>,
    dummy_hash: String,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("policy", &self.policy)
            .field("available_permits", &self.permits.available_permits())
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// A hasher that runs at most `pool_size` hashes at once.
    pub fn new(
        policy: PasswordHashingPolicy,
        pool_size: usize,
        rng: Arc<dyn RandomSource>,
    ) -> Result<Self> {
        policy
            .validate()
            .map_err(|error| EngineError::bad_request(error.to_string()))?;
        let dummy_hash = policy.dummy_hash(rng.as_ref())?;
        Ok(Self {
            policy,
            permits: Arc::new(Semaphore::new(pool_size.max(1))),
            rng,
            dummy_hash,
        })
    }

    /// Hashes a new password with the configured policy.
    pub async fn hash(&self, password: &str) -> Result<String> {
        let policy = self.policy;
        let rng = Arc::clone(&self.rng);
        let password = zeroizing(password);
        self.run(move || {
            password::hash_password(&policy, &password, rng.as_ref()).map_err(Into::into)
        })
        .await
    }

    /// Checks a password against a stored hash.
    pub async fn verify(&self, password: &str, stored_hash: &str) -> Result<bool> {
        let password = zeroizing(password);
        let stored_hash = stored_hash.to_owned();
        self.run(move || password::verify_password(&password, &stored_hash).map_err(Into::into))
            .await
    }

    /// Spends the same time as [`verify`](Self::verify) against a real hash and returns false;
    /// used when the email is unknown so that timing does not reveal which emails exist.
    pub async fn verify_against_dummy(&self, password: &str) -> Result<bool> {
        let dummy = self.dummy_hash.clone();
        self.verify(password, &dummy).await.map(|_| false)
    }

    /// How many hashes are waiting for or holding a permit right now (for metrics).
    pub fn available_permits(&self) -> usize {
        self.permits.available_permits()
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let _permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| EngineError::Unavailable("the password hashing pool is closed".into()))?;
        tokio::task::spawn_blocking(work).await.map_err(|error| {
            EngineError::Crypto(format!("password hashing task failed: {error}"))
        })?
    }
}

fn zeroizing(password: &str) -> zeroize::Zeroizing<String> {
    zeroize::Zeroizing::new(password.to_owned())
}
