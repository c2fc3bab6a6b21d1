//! Session claims: values in the access token payload that routes require (email verified,
//! a role, …), checked by validators after the token itself is verified.
//!
//! * A [`SessionClaim`] has a key in the payload and knows how to fetch its current value
//!   for a user; its payload entry is `{"<key>": {"v": <value>, "t": <epoch ms fetched>}}`,
//!   the shape the official frontends read.
//! * A [`SessionClaimValidator`] checks the payload. It may ask for its claim to be fetched
//!   again first ([`should_refetch`] / [`refetch`]); changed values are merged into the
//!   access token through the core before validation, as node's `validateClaims` does.
//!   Failures become 403 `{"message":"invalid claim","claimValidationErrors":[{"id":…,"reason":…}]}`.
//! * [`PrimitiveClaim`], [`BooleanClaim`] and [`PrimitiveArrayClaim`] are node's claim base
//!   classes: a fetcher plus validators (`has_value`, `includes`, `excludes`, …) whose
//!   refetch rules and failure reasons match node's byte for byte.
//! * The [`ClaimRegistry`] lets other recipes (email verification, user roles) add claims to
//!   every new session and validators to every `get_session`, without this crate knowing
//!   them: it is shared through [`InitContext::shared`](supertokens::InitContext::shared).
//!
//! Time comes from the session recipe's injected clock: validators get `now_ms`.
//!
//! [`should_refetch`]: SessionClaimValidator::should_refetch
//! [`refetch`]: SessionClaimValidator::refetch

mod claim;
mod registry;
mod typed;

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use supertokens::Result;
use supertokens_cdi::session::JsonObject;

pub use self::claim::{ClaimFetchArgs, ClaimFetchInput, RegisteredClaim, SessionClaim, fn_claim};
pub use self::registry::ClaimRegistry;
pub use self::typed::{BooleanClaim, ClaimValidator, PrimitiveArrayClaim, PrimitiveClaim};
use crate::session_container::SessionContainer;

/// Checks a claim in the access token payload.
#[async_trait]
pub trait SessionClaimValidator: Send + Sync {
    /// The id reported in `claimValidationErrors` (e.g. `st-ev`).
    fn id(&self) -> &str;

    /// Whether the claim's value must be fetched again before validating, at `now_ms`.
    async fn should_refetch(&self, _payload: &JsonObject, _now_ms: i64) -> bool {
        false
    }

    /// Fetches the claim's current value and returns the payload entries to merge; `None`
    /// leaves the payload as it is.
    async fn refetch(
        &self,
        _session: &SessionContainer,
        _payload: &JsonObject,
        _now_ms: i64,
    ) -> Result<Option<JsonObject>> {
        Ok(None)
    }

    /// `Ok` when the payload satisfies the claim at `now_ms`, else the reason sent to the
    /// frontend.
    async fn validate(&self, payload: &JsonObject, now_ms: i64) -> std::result::Result<(), Value>;
}

#[async_trait]
impl<T: SessionClaimValidator + ?Sized> SessionClaimValidator for Arc<T> {
    fn id(&self) -> &str {
        (**self).id()
    }

    async fn should_refetch(&self, payload: &JsonObject, now_ms: i64) -> bool {
        (**self).should_refetch(payload, now_ms).await
    }

    async fn refetch(
        &self,
        session: &SessionContainer,
        payload: &JsonObject,
        now_ms: i64,
    ) -> Result<Option<JsonObject>> {
        (**self).refetch(session, payload, now_ms).await
    }

    async fn validate(&self, payload: &JsonObject, now_ms: i64) -> std::result::Result<(), Value> {
        (**self).validate(payload, now_ms).await
    }
}

/// Replaces the global validators for one `get_session` call; gets the global ones and the
/// session.
pub type ClaimValidatorsOverride = Arc<
    dyn Fn(
            Vec<Arc<dyn SessionClaimValidator>>,
            &SessionContainer,
        ) -> Vec<Arc<dyn SessionClaimValidator>>
        + Send
        + Sync,
>;

struct FnValidator<F> {
    id: String,
    validate: F,
}

#[async_trait]
impl<F> SessionClaimValidator for FnValidator<F>
where
    F: Fn(&JsonObject) -> std::result::Result<(), Value> + Send + Sync,
{
    fn id(&self) -> &str {
        &self.id
    }

    async fn validate(&self, payload: &JsonObject, _now_ms: i64) -> std::result::Result<(), Value> {
        (self.validate)(payload)
    }
}

/// A validator made from a function of the payload (it never refetches anything).
pub fn claim_validator<F>(id: impl Into<String>, validate: F) -> Arc<dyn SessionClaimValidator>
where
    F: Fn(&JsonObject) -> std::result::Result<(), Value> + Send + Sync + 'static,
{
    Arc::new(FnValidator {
        id: id.into(),
        validate,
    })
}

/// Seconds as node writes them in failure reasons: `(ms) / 1000`, a whole number when it is
/// one (`300`, not `300.0`).
pub(crate) fn seconds_json(ms: i64) -> Value {
    if ms % 1000 == 0 {
        Value::from(ms / 1000)
    } else {
        // Claim ages are far below 2^53 ms, so the conversion is exact.
        #[allow(clippy::cast_precision_loss)]
        let seconds = ms as f64 / 1000.0;
        Value::from(seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_whole_when_they_can_be() {
        assert_eq!(seconds_json(300_000).to_string(), "300");
        assert_eq!(seconds_json(301_500).to_string(), "301.5");
        assert_eq!(seconds_json(1).to_string(), "0.001");
    }

    #[tokio::test]
    async fn function_validators_see_the_payload() {
        let validator = claim_validator("custom", |payload| {
            if payload.contains_key("ok") {
                Ok(())
            } else {
                Err(Value::from("missing"))
            }
        });
        let arc: Arc<dyn SessionClaimValidator> = Arc::new(validator.clone());
        let mut payload = JsonObject::new();
        assert_eq!(arc.id(), "custom");
        assert_eq!(arc.validate(&payload, 0).await, Err(Value::from("missing")));
        assert!(!arc.should_refetch(&payload, 0).await);
        payload.insert("ok".into(), Value::Bool(true));
        assert_eq!(validator.validate(&payload, 0).await, Ok(()));
    }
}
