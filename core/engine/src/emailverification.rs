//! The email verification recipe: single-use tokens that prove a user owns an email.
//!
//! Verification state belongs to the pair (user id, email) and to the whole app; tokens
//! belong to the tenant they were issued in. A token is 48 random bytes (URL-safe base64,
//! 64 characters); the core keeps only its SHA-256. Using a token, successfully or after it
//! expired, deletes every token of its pair in the tenant, in the same transaction that marks
//! the pair verified.

use std::fmt;
use std::sync::Arc;

use supertokens_cdi::emailverification::{
    CreateEmailVerificationTokenResponse, VerifyEmailResponse,
};
use supertokens_crypto::hashing::sha256_hex;
use supertokens_crypto::random::{RandomSource, random_token};
use supertokens_storage::{EmailVerificationTokenRecord, Storage, UseVerificationTokenOutcome};

use crate::clock::{Clock, millis};
use crate::error::{EngineError, Result};
use crate::input;
use crate::multitenancy::Tenants;

/// Random bytes in an email verification token (384 bits), as the Java core.
pub const TOKEN_BYTES: usize = 48;

/// The email verification recipe.
pub struct EmailVerification {
    storage: Arc<dyn Storage>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    tenants: Arc<Tenants>,
}

impl fmt::Debug for EmailVerification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailVerification").finish_non_exhaustive()
    }
}

impl EmailVerification {
    /// The recipe over this storage; tokens live for the
    /// `email_verification_token_lifetime` of the tenant they are made in.
    pub fn new(
        storage: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        tenants: Arc<Tenants>,
    ) -> Self {
        Self {
            storage,
            clock,
            rng,
            tenants,
        }
    }

    /// Issues a token for the pair in the tenant, unless the pair is verified already; it
    /// expires after the tenant's `email_verification_token_lifetime`. Earlier tokens of the
    /// pair stay valid until used or expired. The user id is free-form.
    pub async fn create_token(
        &self,
        tenant_id: &str,
        user_id: &str,
        email: &str,
    ) -> Result<CreateEmailVerificationTokenResponse> {
        let user_id = input::user_id(user_id)?;
        let email = input::email(email)?;
        if self.storage.is_email_verified(user_id, &email).await? {
            return Ok(CreateEmailVerificationTokenResponse::EmailAlreadyVerifiedError);
        }
        let lifetime = self
            .tenants
            .settings(tenant_id)
            .await?
            .email_verification_token_lifetime;
        let token = random_token(self.rng.as_ref(), TOKEN_BYTES);
        let record = EmailVerificationTokenRecord {
            token_hash: sha256_hex(token.as_bytes()),
            tenant_id: tenant_id.to_owned(),
            user_id: user_id.to_owned(),
            email,
            expires_at_ms: self.clock.now_ms().saturating_add(millis(lifetime)),
        };
        self.storage
            .insert_email_verification_token(&record)
            .await?;
        Ok(CreateEmailVerificationTokenResponse::Ok { token })
    }

    /// Uses a token of the tenant (`method` must be `token`): on success its pair is verified.
    /// A token works once, and not from its expiry on; either way every token of its pair in
    /// the tenant is gone afterwards.
    pub async fn verify(
        &self,
        tenant_id: &str,
        method: &str,
        token: &str,
    ) -> Result<VerifyEmailResponse> {
        if method != "token" {
            return Err(EngineError::bad_request(
                "Unsupported method for email verification",
            ));
        }
        let outcome = self
            .storage
            .use_email_verification_token(
                tenant_id,
                &sha256_hex(token.as_bytes()),
                self.clock.now_ms(),
            )
            .await?;
        Ok(match outcome {
            UseVerificationTokenOutcome::Verified { user_id, email } => {
                VerifyEmailResponse::Ok { user_id, email }
            }
            UseVerificationTokenOutcome::Expired | UseVerificationTokenOutcome::Unknown => {
                VerifyEmailResponse::EmailVerificationInvalidTokenError
            }
        })
    }

    /// Whether the pair is verified.
    pub async fn is_verified(&self, user_id: &str, email: &str) -> Result<bool> {
        let user_id = input::user_id(user_id)?;
        let email = input::email(email)?;
        Ok(self.storage.is_email_verified(user_id, &email).await?)
    }

    /// Marks the pair verified without a token (e.g. when another recipe proved ownership).
    pub async fn mark_verified(&self, user_id: &str, email: &str) -> Result<()> {
        let user_id = input::user_id(user_id)?;
        let email = input::email(email)?;
        Ok(self
            .storage
            .set_email_verified(user_id, &email, true)
            .await?)
    }

    /// Marks the pair unverified (its tokens are kept). Unverifying an unverified pair is
    /// not an error.
    pub async fn unverify(&self, user_id: &str, email: &str) -> Result<()> {
        let user_id = input::user_id(user_id)?;
        let email = input::email(email)?;
        Ok(self
            .storage
            .set_email_verified(user_id, &email, false)
            .await?)
    }

    /// Revokes every token of the pair in the tenant.
    pub async fn revoke_tokens(&self, tenant_id: &str, user_id: &str, email: &str) -> Result<()> {
        let user_id = input::user_id(user_id)?;
        let email = input::email(email)?;
        self.storage
            .delete_email_verification_tokens(tenant_id, user_id, &email)
            .await?;
        Ok(())
    }

    /// Deletes up to `batch_size × max_batches` expired tokens; returns how many.
    pub async fn delete_expired(&self, batch_size: u32, max_batches: u32) -> Result<u64> {
        let now_ms = self.clock.now_ms();
        let mut total = 0;
        for _ in 0..max_batches {
            let deleted = self
                .storage
                .delete_expired_email_verification_tokens(now_ms, batch_size)
                .await?;
            total += deleted;
            if deleted < u64::from(batch_size) {
                break;
            }
        }
        Ok(total)
    }
}
