//! Session claims: values in the access token payload that routes require (email verified,
//! a role, …), checked by validators after the token itself is verified.
//!
//! A validator may ask for its claim to be fetched again first ([`should_refetch`] /
//! [`refetch`]); changed values are merged into the access token through the core before
//! validation, as node's `validateClaims` does. Failures become 403
//! `{"message":"invalid claim","claimValidationErrors":[{"id":…,"reason":…}]}`.
//!
//! [`should_refetch`]: SessionClaimValidator::should_refetch
//! [`refetch`]: SessionClaimValidator::refetch

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use supertokens::Result;
use supertokens_cdi::session::JsonObject;

use crate::session_container::SessionContainer;

/// Checks a claim in the access token payload.
#[async_trait]
pub trait SessionClaimValidator: Send + Sync {
    /// The id reported in `claimValidationErrors` (e.g. `st-ev`).
    fn id(&self) -> &str;

    /// Whether the claim's value must be fetched again before validating.
    async fn should_refetch(&self, _payload: &JsonObject) -> bool {
        false
    }

    /// Fetches the claim's current value and returns the payload entries to merge; `None`
    /// leaves the payload as it is.
    async fn refetch(
        &self,
        _session: &SessionContainer,
        _payload: &JsonObject,
    ) -> Result<Option<JsonObject>> {
        Ok(None)
    }

    /// `Ok` when the payload satisfies the claim, else the reason sent to the frontend.
    async fn validate(&self, payload: &JsonObject) -> std::result::Result<(), Value>;
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

    async fn validate(&self, payload: &JsonObject) -> std::result::Result<(), Value> {
        (self.validate)(payload)
    }
}

/// A validator made from a function of the payload.
pub fn claim_validator<F>(id: impl Into<String>, validate: F) -> Arc<dyn SessionClaimValidator>
where
    F: Fn(&JsonObject) -> std::result::Result<(), Value> + Send + Sync + 'static,
{
    Arc::new(FnValidator {
        id: id.into(),
        validate,
    })
}
