//! Rate limits by account: sign-in, sign-up, password reset tokens and passwordless codes.
//!
//! The SDK limits requests by client address; the core limits them by the account they
//! name, so that an attacker spread over many addresses still cannot hammer one account.
//! Counters live in the app's database ([`RateLimitStore`](supertokens_storage::RateLimitStore)),
//! so every core sharing the database counts together; each hit is one atomic
//! increment-and-read (a single upsert where the backend can) or a read-modify-write with the
//! counter locked, so concurrent attempts (on one core or several) never get past a limit. Accounts
//! are stored only as a keyed hash (HMAC-SHA256 with a random key kept in the database,
//! shared by its cores), so the table holds no email addresses or phone numbers, and
//! cannot be searched for a known address without the key. Time comes from the injected
//! [`Clock`]. Expired counters are deleted by the background cleanup.
//!
//! Every limit counts an attempt before looking at the account, whether it exists or not,
//! so a refusal says nothing about which accounts exist. A refusal is
//! [`EngineError::RateLimited`] (HTTP 429 with `Retry-After`).
//!
//! # Windows
//! Sign-ups per email, password reset tokens per user and passwordless codes per email or
//! phone number (new devices and resends alike) are limited per fixed window anchored at
//! the first attempt (see [`WindowLimit`]): attempts past the limit are refused until the
//! window has passed; refusals do not extend the window.
//!
//! # Sign-in: progressive delay, never a permanent lockout
//! Failed sign-ins are counted per email as given (normalised), per tenant. The first
//! `free_failures` (default 5) are free; after `n` failures the next attempt is allowed only
//! once `base_delay × 2^(n − free_failures)` (default 1 s, 2 s, 4 s, …, at most `max_delay`,
//! default 15 minutes) has passed since the last failure. An attempt during the delay is
//! refused with 429 *without checking the password*: no password oracle, no hashing cost.
//! An allowed attempt is counted as a failure before the password is checked (so that
//! concurrent attempts cannot slip through together; more than `free_failures` sign-ins of
//! one account at the same moment are therefore refused even with the right password), and
//! a success forgets every failure of the email in the tenant. A password reset (a reset token consumed, a password set
//! through the CDI) forgets the failures of the user's email in every tenant, and failures
//! are forgotten `failure_memory` (default one hour) after the last one.
//!
//! So an attacker can at most slow password sign-ins of an account to one attempt per
//! `max_delay`, and only while the attack goes on: the delay never grows past `max_delay`,
//! it ends `max_delay` after the attacker stops, and the user can always reset the password
//! (or sign in without one, with passwordless, where enabled). No count locks an account
//! for good.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use supertokens_crypto::hashing::hmac_sha256;
use supertokens_storage::{CodeBudget, RateLimitKey, RateLimitRecord, Storage};
use zeroize::Zeroizing;

use crate::clock::{Clock, millis};
use crate::config::{RateLimitConfig, SignInBackoff, WindowLimit};
use crate::error::{EngineError, Result};

/// Bucket of failed sign-ins per email.
pub const SIGN_IN_BUCKET: &str = "sign_in";
/// Bucket of sign-up attempts per email.
pub const SIGN_UP_BUCKET: &str = "sign_up";
/// Bucket of password reset tokens per user.
pub const PASSWORD_RESET_BUCKET: &str = "password_reset";
/// Bucket of passwordless codes per email or phone number.
pub const PASSWORDLESS_CODE_BUCKET: &str = "passwordless_code";

/// Name under which the key of the account hashes is kept in storage.
pub(crate) const ACCOUNT_KEY_SECRET: &str = "rate_limit_account_key_v1";
/// Bytes of that key.
pub(crate) const ACCOUNT_KEY_BYTES: usize = 32;

/// An account a limit counts.
#[derive(Clone, Copy)]
pub enum Account<'a> {
    /// A normalised email.
    Email(&'a str),
    /// An E.164 phone number.
    PhoneNumber(&'a str),
    /// A user id.
    UserId(&'a str),
}

impl fmt::Debug for Account<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Email(_) => "Email(<redacted>)",
            Self::PhoneNumber(_) => "PhoneNumber(<redacted>)",
            Self::UserId(_) => "UserId(<redacted>)",
        })
    }
}

/// What one attempt does to a counter: the state to write (`None` when it is refused, which
/// changes nothing) and, when refused, how long until an attempt may be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The counter after the attempt; `None` when refused.
    pub write: Option<RateLimitRecord>,
    /// `Some` when refused: the wait (at least 1 ms).
    pub retry_after: Option<Duration>,
}

impl Step {
    fn allowed(write: RateLimitRecord) -> Self {
        Self {
            write: Some(write),
            retry_after: None,
        }
    }

    fn refused(wait_ms: i64, longest_ms: i64) -> Self {
        // A counter written by a core whose clock runs ahead can ask for more than the
        // longest wait; the answer never does.
        let wait_ms = wait_ms.clamp(1, longest_ms.max(1));
        Self {
            write: None,
            retry_after: Some(Duration::from_millis(u64::try_from(wait_ms).unwrap_or(1))),
        }
    }
}

/// The wait after `failures` failures: none within the free ones, then `base × 2^(failures −
/// free)`, at most `max`.
pub fn sign_in_delay(backoff: &SignInBackoff, failures: u64) -> Duration {
    let Some(doublings) = failures.checked_sub(u64::from(backoff.free_failures)) else {
        return Duration::ZERO;
    };
    let factor = u32::try_from(doublings)
        .ok()
        .and_then(|doublings| 1u32.checked_shl(doublings));
    factor
        .and_then(|factor| backoff.base_delay.checked_mul(factor))
        .map_or(backoff.max_delay, |delay| delay.min(backoff.max_delay))
}

/// One sign-in attempt at `now_ms`, counted as a failure in advance (a success then forgets
/// the failures).
pub fn sign_in_step(backoff: &SignInBackoff, before: &RateLimitRecord, now_ms: i64) -> Step {
    let memory_ms = millis(backoff.failure_memory);
    let forgotten_at_ms = before.last_hit_at_ms.saturating_add(memory_ms);
    let forgotten = before.hits == 0 || forgotten_at_ms <= now_ms;
    let failures = if forgotten { 0 } else { before.hits };
    let delay_ms = millis(sign_in_delay(backoff, failures));
    if delay_ms > 0 {
        let allowed_at_ms = before
            .last_hit_at_ms
            .saturating_add(delay_ms)
            .min(forgotten_at_ms);
        if now_ms < allowed_at_ms {
            return Step::refused(allowed_at_ms - now_ms, delay_ms.min(memory_ms.max(1)));
        }
    }
    Step::allowed(RateLimitRecord {
        hits: failures.saturating_add(1),
        window_started_at_ms: if forgotten {
            now_ms
        } else {
            before.window_started_at_ms
        },
        last_hit_at_ms: now_ms,
        expires_at_ms: now_ms.saturating_add(memory_ms),
    })
}

/// One attempt counted against a fixed-window limit, for storage calls that count it in the
/// transaction of the work it limits (see [`CodeBudget`]).
#[derive(Clone)]
pub struct WindowBudget {
    bucket: &'static str,
    tenant_id: String,
    key_hash: String,
    now_ms: i64,
    window_ms: i64,
    limit: u64,
    what: &'static str,
}

impl fmt::Debug for WindowBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WindowBudget")
            .field("bucket", &self.bucket)
            .field("tenant_id", &self.tenant_id)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl WindowBudget {
    /// The budget as the storage takes it.
    pub fn as_code_budget(&self) -> CodeBudget<'_> {
        CodeBudget {
            key: RateLimitKey {
                bucket: self.bucket,
                tenant_id: &self.tenant_id,
                key_hash: &self.key_hash,
            },
            now_ms: self.now_ms,
            window_ms: self.window_ms,
            limit: self.limit,
        }
    }

    /// The refusal of an attempt the storage found past the limit; `counter` is the counter
    /// as that attempt left it.
    pub fn refusal(&self, counter: &RateLimitRecord) -> EngineError {
        refusal(&self.as_code_budget(), counter, self.what)
    }
}

/// The 429 for an attempt past a window limit: wait until the window ends (never more than
/// a window, even for a window opened by a core whose clock runs ahead).
fn refusal(budget: &CodeBudget<'_>, counter: &RateLimitRecord, what: &str) -> EngineError {
    let wait_ms = counter
        .expires_at_ms
        .saturating_sub(budget.now_ms)
        .clamp(1, budget.window_ms);
    EngineError::rate_limited(
        what,
        Duration::from_millis(u64::try_from(wait_ms).unwrap_or(1)),
    )
}

/// The limits of one app.
pub struct RateLimits {
    storage: Arc<dyn Storage>,
    clock: Arc<dyn Clock>,
    config: RateLimitConfig,
    account_key: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimits")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl RateLimits {
    /// The limits of `config` over this storage; accounts are hashed with `account_key`
    /// (the same on every core of the database, so that they count together).
    pub fn new(
        storage: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
        config: RateLimitConfig,
        account_key: Zeroizing<Vec<u8>>,
    ) -> Self {
        Self {
            storage,
            clock,
            config,
            account_key,
        }
    }

    /// The limits in force.
    pub fn config(&self) -> &RateLimitConfig {
        &self.config
    }

    /// The stored hash of an account: hex HMAC-SHA256 of its kind and value.
    pub fn account_hash(&self, account: Account<'_>) -> String {
        let (kind, value) = match account {
            Account::Email(email) => ("email", email),
            Account::PhoneNumber(phone_number) => ("phone", phone_number),
            Account::UserId(user_id) => ("user", user_id),
        };
        let message = Zeroizing::new(format!("{kind}:{value}"));
        hex::encode(hmac_sha256(&self.account_key, message.as_bytes()))
    }

    /// The counter and limit one attempt counts against; `None` when limits are off.
    fn window_budget(
        &self,
        bucket: &'static str,
        tenant_id: &str,
        account: Account<'_>,
        limit: WindowLimit,
        what: &'static str,
    ) -> Option<WindowBudget> {
        self.config.enabled.then(|| WindowBudget {
            bucket,
            tenant_id: tenant_id.to_owned(),
            key_hash: self.account_hash(account),
            now_ms: self.clock.now_ms(),
            window_ms: millis(limit.window).max(1),
            limit: u64::from(limit.limit.max(1)),
            what,
        })
    }

    /// Counts one attempt against a window limit; the error says how long to wait when it
    /// is refused.
    async fn hit_window(
        &self,
        bucket: &'static str,
        tenant_id: &str,
        account: Account<'_>,
        limit: WindowLimit,
        what: &'static str,
    ) -> Result<()> {
        let Some(budget) = self.window_budget(bucket, tenant_id, account, limit, what) else {
            return Ok(());
        };
        let budget = budget.as_code_budget();
        let after = self
            .storage
            .hit_rate_limit_window(&budget.key, budget.now_ms, budget.window_ms)
            .await?;
        if after.hits <= budget.limit {
            return Ok(());
        }
        Err(refusal(&budget, &after, what))
    }

    /// Counts one attempt with `step` under the counter's lock; the error says how long to
    /// wait when it is refused.
    async fn hit(
        &self,
        bucket: &str,
        tenant_id: &str,
        account: Account<'_>,
        step: impl Fn(&RateLimitRecord, i64) -> Step + Send + Sync,
        what: &str,
    ) -> Result<()> {
        if !self.config.enabled {
            return Ok(());
        }
        let key_hash = self.account_hash(account);
        let key = RateLimitKey {
            bucket,
            tenant_id,
            key_hash: &key_hash,
        };
        let now_ms = self.clock.now_ms();
        let before = self
            .storage
            .update_rate_limit(&key, &|before: &RateLimitRecord| step(before, now_ms).write)
            .await?;
        match step(&before, now_ms).retry_after {
            Some(retry_after) => Err(EngineError::rate_limited(what, retry_after)),
            None => Ok(()),
        }
    }

    /// A sign-in of `email` (normalised) in the tenant is about to be checked: counts it as a
    /// failure in advance, or refuses it during the delay. Call
    /// [`RateLimits::sign_in_succeeded`] when the password was right.
    pub async fn sign_in_attempt(&self, tenant_id: &str, email: &str) -> Result<()> {
        let backoff = self.config.sign_in;
        self.hit(
            SIGN_IN_BUCKET,
            tenant_id,
            Account::Email(email),
            move |before, now_ms| sign_in_step(&backoff, before, now_ms),
            "sign-in attempts for this account",
        )
        .await
    }

    /// A sign-in of `email` in the tenant succeeded: its failures there are forgotten.
    pub async fn sign_in_succeeded(&self, tenant_id: &str, email: &str) -> Result<()> {
        if !self.config.enabled {
            return Ok(());
        }
        let key_hash = self.account_hash(Account::Email(email));
        self.storage
            .delete_rate_limits(SIGN_IN_BUCKET, &key_hash, Some(tenant_id))
            .await?;
        Ok(())
    }

    /// The password of the user with `email` was reset: the email's failed sign-ins are
    /// forgotten in every tenant.
    pub async fn password_was_reset(&self, email: &str) -> Result<()> {
        if !self.config.enabled || email.is_empty() {
            return Ok(());
        }
        let key_hash = self.account_hash(Account::Email(email));
        self.storage
            .delete_rate_limits(SIGN_IN_BUCKET, &key_hash, None)
            .await?;
        Ok(())
    }

    /// Counts a sign-up attempt of `email` (normalised) in the tenant.
    pub async fn sign_up_attempt(&self, tenant_id: &str, email: &str) -> Result<()> {
        self.hit_window(
            SIGN_UP_BUCKET,
            tenant_id,
            Account::Email(email),
            self.config.sign_up_per_email,
            "sign-up attempts for this email",
        )
        .await
    }

    /// Counts a password reset token requested for `user_id` in the tenant.
    pub async fn password_reset_request(&self, tenant_id: &str, user_id: &str) -> Result<()> {
        self.hit_window(
            PASSWORD_RESET_BUCKET,
            tenant_id,
            Account::UserId(user_id),
            self.config.password_reset_per_user,
            "password reset requests for this user",
        )
        .await
    }

    /// The budget a passwordless code requested for an email or phone number in the tenant
    /// counts against, in the transaction that stores the code; `None` when limits are off.
    pub fn passwordless_code_budget(
        &self,
        tenant_id: &str,
        contact: Account<'_>,
    ) -> Option<WindowBudget> {
        self.window_budget(
            PASSWORDLESS_CODE_BUCKET,
            tenant_id,
            contact,
            self.config.passwordless_codes_per_contact,
            "codes requested for this email or phone number",
        )
    }

    /// Deletes up to `batch_size × max_batches` expired counters; returns how many.
    pub async fn delete_expired(&self, batch_size: u32, max_batches: u32) -> Result<u64> {
        let now_ms = self.clock.now_ms();
        let mut deleted = 0;
        for _ in 0..max_batches {
            let batch = self
                .storage
                .delete_expired_rate_limits(now_ms, batch_size)
                .await?;
            deleted += batch;
            if batch < u64::from(batch_size) {
                break;
            }
        }
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_000_000;

    fn backoff() -> SignInBackoff {
        SignInBackoff {
            free_failures: 2,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(10),
            failure_memory: Duration::from_secs(60),
        }
    }

    #[test]
    fn delays_double_from_the_base_and_stop_at_the_cap() {
        let b = backoff();
        let delays: Vec<u64> = (0..9).map(|n| sign_in_delay(&b, n).as_secs()).collect();
        assert_eq!(delays, [0, 0, 1, 2, 4, 8, 10, 10, 10]);
        assert_eq!(sign_in_delay(&b, u64::MAX), b.max_delay);
        let no_free = SignInBackoff {
            free_failures: 0,
            ..b
        };
        assert_eq!(sign_in_delay(&no_free, 0), Duration::from_secs(1));
    }

    #[test]
    fn sign_in_steps_refuse_during_the_delay_and_forget_after_the_memory() {
        let b = backoff();
        let mut state = RateLimitRecord::EMPTY;
        for n in 1..=2 {
            let step = sign_in_step(&b, &state, T);
            state = step.write.unwrap();
            assert_eq!(state.hits, n);
        }
        let refused = sign_in_step(&b, &state, T + 999);
        assert_eq!(refused.write, None);
        assert_eq!(refused.retry_after, Some(Duration::from_millis(1)));
        let allowed = sign_in_step(&b, &state, T + 1000).write.unwrap();
        assert_eq!(
            (allowed.hits, allowed.last_hit_at_ms, allowed.expires_at_ms),
            (3, T + 1000, T + 61_000)
        );
        assert_eq!(
            sign_in_step(&b, &allowed, T + 1000).retry_after,
            Some(Duration::from_secs(2))
        );
        // Forgotten a minute after the last failure: free again.
        let fresh = sign_in_step(&b, &allowed, T + 61_000).write.unwrap();
        assert_eq!((fresh.hits, fresh.window_started_at_ms), (1, T + 61_000));
        // A delay longer than the memory ends when the failures are forgotten.
        let long = SignInBackoff {
            max_delay: Duration::from_secs(600),
            ..b
        };
        let many = RateLimitRecord {
            hits: 20,
            window_started_at_ms: T,
            last_hit_at_ms: T,
            expires_at_ms: T + 60_000,
        };
        assert_eq!(
            sign_in_step(&long, &many, T).retry_after,
            Some(Duration::from_secs(60))
        );
        // A last failure in the future (another core's clock ahead) never asks for more
        // than the longest delay.
        let ahead = RateLimitRecord {
            last_hit_at_ms: T + 3_600_000,
            ..many
        };
        assert_eq!(
            sign_in_step(&b, &ahead, T).retry_after,
            Some(Duration::from_secs(10))
        );
    }

    #[test]
    fn accounts_are_not_shown() {
        assert_eq!(
            format!("{:?}", Account::Email("a@x.com")),
            "Email(<redacted>)"
        );
    }
}
