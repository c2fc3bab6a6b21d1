//! The emailpassword recipe: sign-up, sign-in, credential changes and password reset tokens.

use std::sync::Arc;

use supertokens_cdi::emailpassword::{
    ConsumeResetTokenResponse, CreateResetTokenResponse, ImportPasswordHashResponse,
    ResetPasswordResponse, SignInResponse, SignUpResponse, UpdateUserResponse,
};
use supertokens_crypto::hashing::sha256_hex;
use supertokens_crypto::random::{RandomSource, random_token, random_uuid_v4};
use supertokens_storage::{
    InsertUserOutcome, PasswordResetTokenRecord, RECIPE_EMAILPASSWORD, Storage, UpdateEmailOutcome,
    UserRecord,
};

use crate::clock::{Clock, millis};
use crate::error::{EngineError, Result};
use crate::multitenancy::Tenants;
use crate::passwords::PasswordHasher;
use crate::ratelimit::RateLimits;
use crate::users::{auth_recipe_user, normalise_email};

/// Random bytes in a password reset token (384 bits).
const RESET_TOKEN_BYTES: usize = 48;

/// The emailpassword recipe.
pub struct EmailPassword {
    storage: Arc<dyn Storage>,
    hasher: Arc<PasswordHasher>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    tenants: Arc<Tenants>,
    limits: Arc<RateLimits>,
}

impl std::fmt::Debug for EmailPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailPassword").finish_non_exhaustive()
    }
}

fn require_password(password: &str) -> Result<()> {
    if password.is_empty() {
        return Err(EngineError::bad_request(
            "Password cannot be an empty string",
        ));
    }
    Ok(())
}

fn require_email(email: &str) -> Result<String> {
    let email = normalise_email(email);
    if email.is_empty() {
        return Err(EngineError::bad_request("Email cannot be an empty string"));
    }
    Ok(email)
}

impl EmailPassword {
    /// The recipe over this storage; reset tokens live for the
    /// `password_reset_token_lifetime` of the tenant they are made in. Sign-ins, sign-ups
    /// and reset tokens go through `limits`.
    pub fn new(
        storage: Arc<dyn Storage>,
        hasher: Arc<PasswordHasher>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        tenants: Arc<Tenants>,
        limits: Arc<RateLimits>,
    ) -> Self {
        Self {
            storage,
            hasher,
            clock,
            rng,
            tenants,
            limits,
        }
    }

    /// Creates a user unless the email is taken in the tenant.
    pub async fn sign_up(
        &self,
        tenant_id: &str,
        email: &str,
        password: &str,
    ) -> Result<SignUpResponse> {
        let result = self.create_user(tenant_id, email, password).await;
        crate::telemetry::sign_up(&result);
        result
    }

    async fn create_user(
        &self,
        tenant_id: &str,
        email: &str,
        password: &str,
    ) -> Result<SignUpResponse> {
        require_password(password)?;
        let email = require_email(email)?;
        self.limits.sign_up_attempt(tenant_id, &email).await?;
        if self
            .storage
            .user_by_email(tenant_id, RECIPE_EMAILPASSWORD, &email)
            .await?
            .is_some()
        {
            return Ok(SignUpResponse::EmailAlreadyExistsError);
        }
        let password_hash = self.hasher.hash(password).await?;
        let record = UserRecord {
            user_id: random_uuid_v4(self.rng.as_ref()),
            recipe_id: RECIPE_EMAILPASSWORD.to_owned(),
            tenant_ids: vec![tenant_id.to_owned()],
            email: Some(email),
            phone_number: None,
            password_hash: Some(password_hash),
            time_joined_ms: self.clock.now_ms(),
        };
        match self.storage.insert_user(&record).await? {
            InsertUserOutcome::Inserted => Ok(SignUpResponse::Ok {
                user: auth_recipe_user(self.storage.as_ref(), &record).await?,
                recipe_user_id: record.user_id.clone(),
            }),
            InsertUserOutcome::EmailTaken => Ok(SignUpResponse::EmailAlreadyExistsError),
            InsertUserOutcome::PhoneNumberTaken | InsertUserOutcome::UserIdTaken => {
                Err(EngineError::Crypto(
                    "a freshly generated user id collided; retry the request".into(),
                ))
            }
        }
    }

    /// Checks credentials. An unknown email costs one hash verification like a known one,
    /// and both failures give the same answer.
    pub async fn sign_in(
        &self,
        tenant_id: &str,
        email: &str,
        password: &str,
    ) -> Result<SignInResponse> {
        let result = self.check_credentials(tenant_id, email, password).await;
        crate::telemetry::sign_in(&result);
        result
    }

    async fn check_credentials(
        &self,
        tenant_id: &str,
        email: &str,
        password: &str,
    ) -> Result<SignInResponse> {
        let email = normalise_email(email);
        // Counted as a failure before the password is checked; refused during the delay
        // without checking it (see `ratelimit`).
        self.limits.sign_in_attempt(tenant_id, &email).await?;
        // Only the hash is read before the check, by a query that costs about the same for
        // an unknown email; the user is read once the password is right.
        let Some((user_id, hash)) = self
            .storage
            .password_hash_by_email(tenant_id, RECIPE_EMAILPASSWORD, &email)
            .await?
        else {
            self.hasher.verify_against_dummy(password).await?;
            return Ok(SignInResponse::WrongCredentialsError);
        };
        if !self.hasher.verify(password, &hash).await? {
            return Ok(SignInResponse::WrongCredentialsError);
        }
        // Deleted since its hash was read: as if it had never been there.
        let Some(user) = self.user_by_id(&user_id).await? else {
            return Ok(SignInResponse::WrongCredentialsError);
        };
        self.limits.sign_in_succeeded(tenant_id, &email).await?;
        Ok(SignInResponse::Ok {
            user: auth_recipe_user(self.storage.as_ref(), &user).await?,
            recipe_user_id: user.user_id.clone(),
        })
    }

    /// The emailpassword user with this id.
    pub async fn user_by_id(&self, user_id: &str) -> Result<Option<UserRecord>> {
        Ok(self
            .storage
            .user_by_id(user_id)
            .await?
            .filter(|user| user.recipe_id == RECIPE_EMAILPASSWORD))
    }

    /// The emailpassword user with this email in the tenant.
    pub async fn user_by_email(&self, tenant_id: &str, email: &str) -> Result<Option<UserRecord>> {
        Ok(self
            .storage
            .user_by_email(tenant_id, RECIPE_EMAILPASSWORD, &normalise_email(email))
            .await?)
    }

    /// Changes a user's email and/or password.
    pub async fn update_user(
        &self,
        user_id: &str,
        email: Option<&str>,
        password: Option<&str>,
    ) -> Result<UpdateUserResponse> {
        if email.is_none() && password.is_none() {
            return Err(EngineError::bad_request(
                "You have to provide either email or password.",
            ));
        }
        if let Some(password) = password {
            require_password(password)?;
        }
        let email = email.map(require_email).transpose()?;
        let Some(user) = self.user_by_id(user_id).await? else {
            return Ok(UpdateUserResponse::UnknownUserIdError);
        };
        // Hash first so that a failure here leaves the email unchanged too.
        let password_hash = match password {
            Some(password) => Some(self.hasher.hash(password).await?),
            None => None,
        };
        if let Some(email) = &email {
            match self.storage.update_user_email(user_id, email).await? {
                UpdateEmailOutcome::Updated => {}
                UpdateEmailOutcome::UnknownUser => {
                    return Ok(UpdateUserResponse::UnknownUserIdError);
                }
                UpdateEmailOutcome::EmailTaken => {
                    return Ok(UpdateUserResponse::EmailAlreadyExistsError);
                }
            }
        }
        if let Some(hash) = &password_hash {
            if !self.storage.update_password_hash(user_id, hash).await? {
                return Ok(UpdateUserResponse::UnknownUserIdError);
            }
            // A new password: the failed sign-ins of the account are forgotten.
            for email in user.email.iter().chain(email.iter()) {
                self.limits.password_was_reset(email).await?;
            }
        }
        Ok(UpdateUserResponse::Ok)
    }

    /// Issues a password reset token for a user (the SDK emails it); it expires after the
    /// tenant's `password_reset_token_lifetime`.
    pub async fn create_reset_token(
        &self,
        tenant_id: &str,
        user_id: &str,
        email: Option<&str>,
    ) -> Result<CreateResetTokenResponse> {
        // Counted whether or not the user exists.
        self.limits
            .password_reset_request(tenant_id, user_id)
            .await?;
        let Some(user) = self.user_by_id(user_id).await? else {
            return Ok(CreateResetTokenResponse::UnknownUserIdError);
        };
        let email = match email {
            Some(email) => require_email(email)?,
            None => user.email.clone().unwrap_or_default(),
        };
        let lifetime = self
            .tenants
            .settings(tenant_id)
            .await?
            .password_reset_token_lifetime;
        let token = random_token(self.rng.as_ref(), RESET_TOKEN_BYTES);
        let record = PasswordResetTokenRecord {
            token_hash: sha256_hex(token.as_bytes()),
            user_id: user.user_id,
            email,
            expires_at_ms: self.clock.now_ms().saturating_add(millis(lifetime)),
        };
        self.storage.insert_password_reset_token(&record).await?;
        Ok(CreateResetTokenResponse::Ok { token })
    }

    /// Uses up a reset token: every token of its user is deleted, valid or not.
    pub async fn consume_reset_token(&self, token: &str) -> Result<ConsumeResetTokenResponse> {
        let consumed = self
            .storage
            .consume_password_reset_token(&sha256_hex(token.as_bytes()))
            .await?;
        match consumed {
            Some(record) if record.expires_at_ms > self.clock.now_ms() => {
                // The user proved they own the email: its failed sign-ins are forgotten.
                self.limits.password_was_reset(&record.email).await?;
                Ok(ConsumeResetTokenResponse::Ok {
                    user_id: record.user_id,
                    email: record.email,
                })
            }
            _ => Ok(ConsumeResetTokenResponse::ResetPasswordInvalidTokenError),
        }
    }

    /// The older combined flow: consume a token and set the new password.
    pub async fn reset_password(
        &self,
        token: &str,
        new_password: &str,
    ) -> Result<ResetPasswordResponse> {
        require_password(new_password)?;
        match self.consume_reset_token(token).await? {
            ConsumeResetTokenResponse::Ok { user_id, .. } => {
                let hash = self.hasher.hash(new_password).await?;
                if self.storage.update_password_hash(&user_id, &hash).await? {
                    Ok(ResetPasswordResponse::Ok { user_id })
                } else {
                    Ok(ResetPasswordResponse::ResetPasswordInvalidTokenError)
                }
            }
            ConsumeResetTokenResponse::ResetPasswordInvalidTokenError => {
                Ok(ResetPasswordResponse::ResetPasswordInvalidTokenError)
            }
        }
    }

    /// Imports a user whose password was hashed elsewhere (argon2 or bcrypt), or replaces the
    /// hash of the existing user with that email. The user signs in with the old password.
    ///
    /// A hash that would cost more to verify than the bounds of imported hashes (bcrypt cost
    /// 15; argon2 256 MiB, 16 iterations, parallelism 16: see
    /// [`check_import_cost`](supertokens_crypto::password::check_import_cost)) is refused
    /// with 400, as is a hash the verifier cannot read: each sign-in of the user verifies it
    /// at its own cost.
    pub async fn import_password_hash(
        &self,
        tenant_id: &str,
        email: &str,
        password_hash: &str,
        hashing_algorithm: Option<&str>,
    ) -> Result<ImportPasswordHashResponse> {
        let email = require_email(email)?;
        let detected = if password_hash.starts_with("$argon2") {
            "argon2"
        } else if ["$2a$", "$2b$", "$2y$"]
            .iter()
            .any(|prefix| password_hash.starts_with(prefix))
        {
            "bcrypt"
        } else {
            return Err(EngineError::bad_request(
                "passwordHash is not a supported hash: expected an argon2 PHC string or a bcrypt hash",
            ));
        };
        if let Some(algorithm) = hashing_algorithm
            && !algorithm.eq_ignore_ascii_case(detected)
        {
            return Err(EngineError::bad_request(format!(
                "passwordHash is a {detected} hash but hashingAlgorithm says {algorithm}"
            )));
        }
        // Reject hashes that would cost too much at every sign-in (checked without hashing,
        // before the verification below pays that cost once), then hashes the verifier
        // cannot read, before storing them.
        if let Err(error) = supertokens_crypto::password::check_import_cost(password_hash) {
            return Err(EngineError::bad_request(format!(
                "passwordHash is invalid: {error}"
            )));
        }
        if let Err(error) = self.hasher.verify("", password_hash).await {
            return Err(EngineError::bad_request(format!(
                "passwordHash is invalid: {error}"
            )));
        }
        if let Some(mut existing) = self.user_by_email(tenant_id, &email).await? {
            self.storage
                .update_password_hash(&existing.user_id, password_hash)
                .await?;
            self.limits.password_was_reset(&email).await?;
            existing.password_hash = Some(password_hash.to_owned());
            return Ok(ImportPasswordHashResponse::Ok {
                user: auth_recipe_user(self.storage.as_ref(), &existing).await?,
                did_user_already_exist: true,
            });
        }
        let record = UserRecord {
            user_id: random_uuid_v4(self.rng.as_ref()),
            recipe_id: RECIPE_EMAILPASSWORD.to_owned(),
            tenant_ids: vec![tenant_id.to_owned()],
            email: Some(email),
            phone_number: None,
            password_hash: Some(password_hash.to_owned()),
            time_joined_ms: self.clock.now_ms(),
        };
        match self.storage.insert_user(&record).await? {
            InsertUserOutcome::Inserted => Ok(ImportPasswordHashResponse::Ok {
                user: auth_recipe_user(self.storage.as_ref(), &record).await?,
                did_user_already_exist: false,
            }),
            _ => Err(EngineError::Unavailable(
                "another request created this user at the same time; retry".into(),
            )),
        }
    }
}
