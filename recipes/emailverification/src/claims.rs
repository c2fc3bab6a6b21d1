//! The `st-ev` session claim: whether the session's login method's email is verified.
//!
//! [`EmailVerificationClaim`] is a handle usable anywhere (before `init`, in route options);
//! it fetches through the claim this recipe registers with the session recipe of the SDK
//! instance that verifies the session. Login methods without an email count as verified
//! (as in node).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use supertokens::cdi::session::JsonObject;
use supertokens::{Result, SuperTokensError};
use supertokens_session::SessionContainer;
use supertokens_session::claims::{
    BooleanClaim, ClaimFetchInput, ClaimValidator, RegisteredClaim, SessionClaim,
    SessionClaimValidator,
};

use crate::config::EmailLookupResult;
use crate::recipe::EmailVerificationCore;

/// Key of the claim in the access token payload.
pub const EMAIL_VERIFICATION_CLAIM_KEY: &str = "st-ev";
/// How soon a `false` value is fetched again by [`EmailVerificationClaim::is_verified`]
/// (node's `refetchTimeOnFalseInSeconds` default: 10 s).
pub const DEFAULT_REFETCH_TIME_ON_FALSE: Duration = Duration::from_secs(10);

/// The `st-ev` claim. Pass it to `SessionContainer::fetch_and_set_claim(&EmailVerificationClaim)`
/// to refresh a session's value; use [`is_verified`](Self::is_verified) in route options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmailVerificationClaim;

impl EmailVerificationClaim {
    /// The claim as a typed boolean claim.
    pub fn boolean() -> BooleanClaim {
        BooleanClaim::registered(EMAIL_VERIFICATION_CLAIM_KEY)
    }

    /// Requires a verified email (node's `isVerified()`): a missing value is fetched, a
    /// `false` one is fetched again when older than 10 seconds; fails with
    /// `{"message":"wrong value","expectedValue":true,"actualValue":false}`. This is the
    /// global validator of `REQUIRED` mode.
    pub fn is_verified() -> IsVerifiedValidator {
        IsVerifiedValidator {
            inner: Self::boolean().is_true(),
            refetch_time_on_false: DEFAULT_REFETCH_TIME_ON_FALSE,
            max_age: None,
        }
    }

    /// The value in an access token payload.
    pub fn get_value(payload: &JsonObject) -> Option<bool> {
        Self::boolean().get_value(payload)
    }
}

#[async_trait]
impl SessionClaim for EmailVerificationClaim {
    fn key(&self) -> &str {
        EMAIL_VERIFICATION_CLAIM_KEY
    }

    async fn fetch_value(&self, input: &ClaimFetchInput<'_>) -> Result<Option<Value>> {
        RegisteredClaim::new(EMAIL_VERIFICATION_CLAIM_KEY)
            .fetch_value(input)
            .await
    }

    fn resolves_through_registry(&self) -> bool {
        true
    }
}

/// The validator of [`EmailVerificationClaim::is_verified`].
#[derive(Debug, Clone)]
pub struct IsVerifiedValidator {
    inner: ClaimValidator,
    refetch_time_on_false: Duration,
    max_age: Option<Duration>,
}

fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl IsVerifiedValidator {
    /// How old a `false` value may be before it is fetched again; default 10 s.
    pub fn with_refetch_time_on_false(mut self, refetch_time_on_false: Duration) -> Self {
        self.refetch_time_on_false = refetch_time_on_false;
        self
    }

    /// Also refetch (and fail on) any value older than `max_age`; default none.
    pub fn with_max_age(mut self, max_age: Option<Duration>) -> Self {
        self.max_age = max_age;
        self.inner = self.inner.with_max_age(max_age);
        self
    }

    /// node's rule: refetch when the value is missing, older than the max age (if any), or
    /// `false` and older than the refetch time on false.
    pub fn needs_refetch(&self, payload: &JsonObject, now_ms: i64) -> bool {
        let claim = self.inner.claim();
        let Some(value) = claim.value_from_payload(payload) else {
            return true;
        };
        let Some(fetched) = claim.last_refetch_time(payload) else {
            return false;
        };
        if let Some(max_age) = self.max_age
            && fetched < now_ms.saturating_sub(duration_ms(max_age))
        {
            return true;
        }
        value == &Value::Bool(false)
            && fetched < now_ms.saturating_sub(duration_ms(self.refetch_time_on_false))
    }
}

#[async_trait]
impl SessionClaimValidator for IsVerifiedValidator {
    fn id(&self) -> &str {
        SessionClaimValidator::id(&self.inner)
    }

    async fn should_refetch(&self, payload: &JsonObject, now_ms: i64) -> bool {
        self.needs_refetch(payload, now_ms)
    }

    async fn refetch(
        &self,
        session: &SessionContainer,
        payload: &JsonObject,
        now_ms: i64,
    ) -> Result<Option<JsonObject>> {
        self.inner.refetch(session, payload, now_ms).await
    }

    async fn validate(&self, payload: &JsonObject, now_ms: i64) -> std::result::Result<(), Value> {
        self.inner.check(payload, now_ms)
    }
}

/// What the recipe registers for `st-ev`: the verification state of the login method's
/// current email, through the recipe's functions and email lookup.
pub(crate) struct VerifiedClaim {
    pub(crate) core: Arc<EmailVerificationCore>,
}

/// The error of a claim fetch for a user the core does not know (node throws
/// `UNKNOWN_USER_ID` there too).
pub(crate) fn unknown_user(recipe_user_id: &str) -> SuperTokensError {
    SuperTokensError::Internal(format!(
        "UNKNOWN_USER_ID: the email verification claim cannot be fetched for {recipe_user_id:?}"
    ))
}

#[async_trait]
impl SessionClaim for VerifiedClaim {
    fn key(&self) -> &str {
        EMAIL_VERIFICATION_CLAIM_KEY
    }

    async fn fetch_value(&self, input: &ClaimFetchInput<'_>) -> Result<Option<Value>> {
        let verified = match self
            .core
            .email_for_recipe_user_id(input.recipe_user_id)
            .await?
        {
            EmailLookupResult::Ok { email } => {
                self.core
                    .functions
                    .is_email_verified(input.recipe_user_id, &email)
                    .await?
            }
            EmailLookupResult::EmailDoesNotExistError => true,
            EmailLookupResult::UnknownUserIdError => {
                return Err(unknown_user(input.recipe_user_id));
            }
        };
        Ok(Some(Value::Bool(verified)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const NOW: i64 = 1_000_000;

    fn at(value: bool, t: i64) -> JsonObject {
        let mut payload = JsonObject::new();
        payload.insert("st-ev".into(), json!({"v": value, "t": t}));
        payload
    }

    #[test]
    fn refetch_rules_match_node() {
        let validator = EmailVerificationClaim::is_verified();
        assert_eq!(SessionClaimValidator::id(&validator), "st-ev");
        assert!(validator.needs_refetch(&JsonObject::new(), NOW));
        // false: fetched again once older than 10 s.
        assert!(!validator.needs_refetch(&at(false, NOW - 10_000), NOW));
        assert!(validator.needs_refetch(&at(false, NOW - 10_001), NOW));
        // true: kept forever without a max age.
        assert!(!validator.needs_refetch(&at(true, 0), NOW));
        let aged = validator
            .clone()
            .with_max_age(Some(Duration::from_secs(60)))
            .with_refetch_time_on_false(Duration::from_secs(5));
        assert!(aged.needs_refetch(&at(true, NOW - 60_001), NOW));
        assert!(!aged.needs_refetch(&at(true, NOW - 60_000), NOW));
        assert!(aged.needs_refetch(&at(false, NOW - 5_001), NOW));
    }

    #[test]
    fn failures_match_node() {
        let validator = EmailVerificationClaim::is_verified();
        assert_eq!(validator.inner.check(&at(true, 0), NOW), Ok(()));
        assert_eq!(
            validator.inner.check(&at(false, NOW), NOW),
            Err(json!({"message": "wrong value", "expectedValue": true, "actualValue": false}))
        );
        assert_eq!(
            validator.inner.check(&JsonObject::new(), NOW),
            Err(json!({"message": "value does not exist", "expectedValue": true}))
        );
        let aged = validator.with_max_age(Some(Duration::from_secs(1)));
        assert_eq!(
            aged.inner.check(&at(true, NOW - 2_000), NOW),
            Err(json!({"message": "expired", "ageInSeconds": 2, "maxAgeInSeconds": 1}))
        );
        assert_eq!(
            EmailVerificationClaim::get_value(&at(false, 1)),
            Some(false)
        );
        assert_eq!(EmailVerificationClaim.key(), "st-ev");
    }
}
