//! Background cleanup: expired sessions, expired password reset and email verification
//! tokens, expired passwordless devices, expired rate-limit counters and retired signing
//! keys, deleted in bounded batches on a schedule. Every expiry
//! is also enforced when a row is read, so cleanup only reclaims space.

use std::sync::Arc;

use crate::Core;
use crate::error::Result;

/// What one cleanup run deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CleanupReport {
    /// Expired sessions.
    pub sessions: u64,
    /// Expired password reset tokens.
    pub password_reset_tokens: u64,
    /// Expired email verification tokens.
    pub email_verification_tokens: u64,
    /// Passwordless devices whose newest code has expired, by the longest code lifetime in
    /// force in the app (its own or a tenant's).
    pub passwordless_devices: u64,
    /// Retired dynamic signing keys.
    pub signing_keys: u64,
    /// Rate-limit counters that stopped mattering.
    pub rate_limits: u64,
}

impl Core {
    /// Runs every cleanup job once, and rotates the signing key if due.
    pub async fn run_cleanup(&self) -> Result<CleanupReport> {
        let config = self.config.cleanup;
        let now_ms = self.clock.now_ms();
        let sessions = self
            .sessions
            .delete_expired(config.batch_size, config.max_batches_per_run)
            .await?;
        let mut password_reset_tokens = 0;
        for _ in 0..config.max_batches_per_run {
            let deleted = self
                .storage
                .delete_expired_password_reset_tokens(now_ms, config.batch_size)
                .await?;
            password_reset_tokens += deleted;
            if deleted < u64::from(config.batch_size) {
                break;
            }
        }
        let email_verification_tokens = self
            .emailverification
            .delete_expired(config.batch_size, config.max_batches_per_run)
            .await?;
        let passwordless_devices = self
            .passwordless
            .delete_expired(config.batch_size, config.max_batches_per_run)
            .await?;
        let signing_keys = self
            .keys
            .delete_retired(now_ms, config.batch_size, config.max_batches_per_run)
            .await?;
        let rate_limits = self
            .rate_limits
            .delete_expired(config.batch_size, config.max_batches_per_run)
            .await?;
        self.keys.ensure_current(now_ms).await?;
        Ok(CleanupReport {
            sessions,
            password_reset_tokens,
            email_verification_tokens,
            passwordless_devices,
            signing_keys,
            rate_limits,
        })
    }

    /// Spawns the background loop on the current tokio runtime: it prepares the signing key at
    /// once, then runs the cleanup every interval (first run one interval after start);
    /// failures are logged and retried at the next tick.
    pub fn spawn_cleanup(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let core = Arc::clone(self);
        tokio::spawn(async move {
            // Make (or load) the signing key now, off the start-up path.
            if let Err(error) = core.keys.ensure_current(core.clock.now_ms()).await {
                tracing::warn!(%error, "could not prepare the signing key; retrying on first use");
            }
            let mut ticker = tokio::time::interval(core.config.cleanup.interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                match core.run_cleanup().await {
                    Ok(report) => tracing::info!(?report, "cleanup finished"),
                    Err(error) => {
                        tracing::warn!(%error, "cleanup failed; retrying at the next tick")
                    }
                }
            }
        })
    }
}
