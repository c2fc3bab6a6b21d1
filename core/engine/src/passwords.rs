//! Password hashing on a bounded pool of dedicated threads.
//!
//! At most `pool_size` hashes run at once, each on its own long-lived thread, so a flood of
//! sign-ins queues here instead of starving the async threads that serve verify and refresh.
//! Each thread keeps its argon2 work area while busy and frees it after a second idle: no
//! page faults per hash under load, and no resident work areas when quiet.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use supertokens_crypto::password::{self, Argon2Memory, PasswordHashingPolicy};
use supertokens_crypto::random::RandomSource;
use tokio::sync::oneshot;

use crate::error::{EngineError, Result};

/// How long a hashing thread keeps its work area without work.
const RELEASE_AFTER_IDLE: Duration = Duration::from_secs(1);

type Job = Box<dyn FnOnce(&mut Argon2Memory) + Send>;

/// The hashing threads: at most `size` hashes run at once; the rest queue. One pool serves
/// every app of the process, whatever their hashing policies.
pub struct HashingPool {
    jobs: flume::Sender<Job>,
    size: usize,
    in_flight: Arc<AtomicUsize>,
}

impl std::fmt::Debug for HashingPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashingPool")
            .field("size", &self.size)
            .field("queued", &self.jobs.len())
            .field("in_flight", &self.in_flight())
            .finish()
    }
}

impl HashingPool {
    /// Starts `size` hashing threads (at least one). They stop when the pool is dropped.
    pub fn new(size: usize) -> Result<Self> {
        let (jobs, queue) = flume::unbounded::<Job>();
        let size = size.max(1);
        for index in 0..size {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-hashing-{index}"))
                .spawn(move || worker(&queue))
                .map_err(|error| {
                    EngineError::Unavailable(format!(
                        "cannot start a password hashing thread: {error}"
                    ))
                })?;
        }
        Ok(Self {
            jobs,
            size,
            in_flight: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Hashes waiting for a thread.
    pub fn queued(&self) -> usize {
        self.jobs.len()
    }

    /// Hashes being computed right now (at most the pool's size).
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// How many hashes run at once.
    pub fn size(&self) -> usize {
        self.size
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Argon2Memory) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        let in_flight = Arc::clone(&self.in_flight);
        let job: Job = Box::new(move |memory| {
            let busy = Busy::start(in_flight);
            let result = work(memory);
            // No longer in flight once the caller can see the result.
            drop(busy);
            // The caller may have gone away (client disconnected); nothing to do then.
            let _ = reply.send(result);
        });
        self.jobs.send(job).map_err(|_| {
            EngineError::Unavailable("the password hashing pool has stopped".into())
        })?;
        answer
            .await
            .map_err(|_| EngineError::Crypto("a password hashing thread stopped mid-task".into()))?
    }
}

/// Hashes and verifies passwords off the async threads, with one app's policy.
pub struct PasswordHasher {
    policy: PasswordHashingPolicy,
    pool: Arc<HashingPool>,
    rng: Arc<dyn RandomSource>,
    dummy_hash: String,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("policy", &self.policy)
            .field("pool", &self.pool)
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// A hasher on a pool of its own of `pool_size` threads (at least one).
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
            pool: Arc::new(HashingPool::new(pool_size)?),
            rng,
            dummy_hash,
        })
    }

    /// A hasher with `policy` on a shared pool; its dummy hash is computed on the pool too.
    pub async fn on_pool(
        pool: Arc<HashingPool>,
        policy: PasswordHashingPolicy,
        rng: Arc<dyn RandomSource>,
    ) -> Result<Self> {
        policy
            .validate()
            .map_err(|error| EngineError::bad_request(error.to_string()))?;
        let dummy_rng = Arc::clone(&rng);
        let dummy_hash = pool
            .run(move |_| {
                policy
                    .dummy_hash(dummy_rng.as_ref())
                    .map_err(EngineError::from)
            })
            .await?;
        Ok(Self {
            policy,
            pool,
            rng,
            dummy_hash,
        })
    }

    /// The policy of new hashes.
    pub fn policy(&self) -> PasswordHashingPolicy {
        self.policy
    }

    /// The pool the hashes run on.
    pub fn pool(&self) -> &Arc<HashingPool> {
        &self.pool
    }

    /// Hashes a new password with the configured policy.
    pub async fn hash(&self, password: &str) -> Result<String> {
        let policy = self.policy;
        let rng = Arc::clone(&self.rng);
        let password = zeroize::Zeroizing::new(password.to_owned());
        self.pool
            .run(move |memory| {
                password::hash_password_with_memory(&policy, &password, rng.as_ref(), memory)
                    .map_err(Into::into)
            })
            .await
    }

    /// Checks a password against a stored hash (argon2 or bcrypt).
    pub async fn verify(&self, password: &str, stored_hash: &str) -> Result<bool> {
        let password = zeroize::Zeroizing::new(password.to_owned());
        let stored_hash = stored_hash.to_owned();
        self.pool
            .run(move |memory| {
                password::verify_password_with_memory(&password, &stored_hash, memory)
                    .map_err(Into::into)
            })
            .await
    }

    /// Spends the same time as [`verify`](Self::verify) against a real hash and returns false;
    /// used when the email is unknown so that timing does not reveal which emails exist.
    pub async fn verify_against_dummy(&self, password: &str) -> Result<bool> {
        let dummy = self.dummy_hash.clone();
        self.verify(password, &dummy).await.map(|_| false)
    }

    /// Hashes waiting for a thread (for metrics and tests).
    pub fn queued(&self) -> usize {
        self.pool.queued()
    }
}

/// Counts one hash in flight for as long as it lives (also when the hash panics).
struct Busy(Arc<AtomicUsize>);

impl Busy {
    fn start(counter: Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

fn worker(queue: &flume::Receiver<Job>) {
    let mut memory = Argon2Memory::new();
    loop {
        match queue.recv_timeout(RELEASE_AFTER_IDLE) {
            Ok(job) => job(&mut memory),
            Err(flume::RecvTimeoutError::Timeout) => {
                if memory.is_allocated() {
                    memory.release();
                }
            }
            Err(flume::RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use supertokens_crypto::random::OsRandom;

    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_the_pool_bounds_concurrency() {
        let hasher = Arc::new(
            PasswordHasher::new(
                PasswordHashingPolicy::danger_test_minimum(),
                1,
                Arc::new(OsRandom),
            )
            .unwrap(),
        );
        let hash = hasher.hash("pw-1").await.unwrap();
        assert!(hasher.verify("pw-1", &hash).await.unwrap());
        assert!(!hasher.verify("pw-2", &hash).await.unwrap());
        assert!(!hasher.verify_against_dummy("pw-1").await.unwrap());
        assert!(hasher.verify("pw", "not-a-hash").await.is_err());
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let hasher = Arc::clone(&hasher);
                tokio::spawn(async move { hasher.hash(&format!("pw-{i}")).await })
            })
            .collect();
        for task in tasks {
            assert!(task.await.unwrap().is_ok());
        }
        assert_eq!(hasher.queued(), 0);
        assert_eq!(hasher.pool().in_flight(), 0);
        assert_eq!(hasher.pool().size(), 1);
        // A second policy on the same threads.
        let bcrypt = PasswordHasher::on_pool(
            Arc::clone(hasher.pool()),
            PasswordHashingPolicy::Bcrypt { cost: 4 },
            Arc::new(OsRandom),
        )
        .await
        .unwrap();
        let hash = bcrypt.hash("pw").await.unwrap();
        assert!(hash.starts_with("$2b$04$"), "{hash}");
        assert!(hasher.verify("pw", &hash).await.unwrap());
        assert!(!bcrypt.verify_against_dummy("pw").await.unwrap());
    }
}
