//! [`ClaimRegistry`]: what other recipes contribute to sessions.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use supertokens::{Result, SuperTokensError};

use super::SessionClaimValidator;
use super::claim::SessionClaim;

/// The claims and claim validators recipes contribute to the sessions of one SDK instance
/// (node's `addClaimFromOtherRecipe` / `addClaimValidatorFromOtherRecipe`).
///
/// Recipes reach it while they are built with
/// [`InitContext::shared::<ClaimRegistry>()`](supertokens::InitContext::shared), in any order;
/// the session recipe reads it when it creates and verifies sessions:
///
/// * claims [added](Self::add_claim) are fetched and put into the access token payload of
///   every new session;
/// * claims [registered](Self::register_claim) (added ones too) can be fetched by key, so
///   validators holding a [`RegisteredClaim`](super::RegisteredClaim) refetch them;
/// * [validators](Self::add_claim_validator) join the session config's
///   `global_claim_validators` in every `get_session` (before them), unless a route
///   overrides the global validators.
#[derive(Default)]
pub struct ClaimRegistry {
    state: RwLock<State>,
}

#[derive(Default)]
struct State {
    /// Every known claim, with whether new sessions get it.
    claims: Vec<(Arc<dyn SessionClaim>, bool)>,
    validators: Vec<Arc<dyn SessionClaimValidator>>,
}

impl fmt::Debug for ClaimRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        let claims: Vec<&str> = state.claims.iter().map(|(claim, _)| claim.key()).collect();
        let validators: Vec<&str> = state.validators.iter().map(|v| v.id()).collect();
        f.debug_struct("ClaimRegistry")
            .field("claims", &claims)
            .field("validators", &validators)
            .finish()
    }
}

impl ClaimRegistry {
    fn insert(&self, claim: Arc<dyn SessionClaim>, add_to_new_sessions: bool) -> Result<()> {
        if claim.resolves_through_registry() {
            return Err(SuperTokensError::Config(format!(
                "the {} claim only refers to a registered claim and cannot be registered itself",
                claim.key()
            )));
        }
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        if state
            .claims
            .iter()
            .any(|(known, _)| known.key() == claim.key())
        {
            return Err(SuperTokensError::Config(format!(
                "the {} claim is added by two recipes",
                claim.key()
            )));
        }
        state.claims.push((claim, add_to_new_sessions));
        Ok(())
    }

    /// Adds a claim to every new session (and makes it fetchable by key). Fails when a claim
    /// with the same key is known.
    pub fn add_claim(&self, claim: Arc<dyn SessionClaim>) -> Result<()> {
        self.insert(claim, true)
    }

    /// Makes a claim fetchable by key without adding it to new sessions (e.g. the roles
    /// claim when roles are kept out of access tokens: validators still fetch it). Fails when
    /// a claim with the same key is known.
    pub fn register_claim(&self, claim: Arc<dyn SessionClaim>) -> Result<()> {
        self.insert(claim, false)
    }

    /// Adds a validator that every `get_session` runs (unless a route overrides the global
    /// validators).
    pub fn add_claim_validator(&self, validator: Arc<dyn SessionClaimValidator>) {
        self.state
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .validators
            .push(validator);
    }

    /// The claims new sessions get, in the order they were added.
    pub fn claims_for_new_sessions(&self) -> Vec<Arc<dyn SessionClaim>> {
        self.state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .claims
            .iter()
            .filter(|(_, add)| *add)
            .map(|(claim, _)| claim.clone())
            .collect()
    }

    /// The claim registered under `key`.
    pub fn claim(&self, key: &str) -> Option<Arc<dyn SessionClaim>> {
        self.state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .claims
            .iter()
            .find(|(claim, _)| claim.key() == key)
            .map(|(claim, _)| claim.clone())
    }

    /// The validators recipes added, in the order they were added.
    pub fn claim_validators(&self) -> Vec<Arc<dyn SessionClaimValidator>> {
        self.state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .validators
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ClaimFetchArgs, claim_validator, fn_claim};
    use super::*;

    #[test]
    fn claims_are_unique_by_key_and_listed_in_order() {
        let registry = ClaimRegistry::default();
        let claim = |key: &str| fn_claim(key, |_args: ClaimFetchArgs| async { Ok(Some(true)) });
        registry.add_claim(claim("a")).unwrap();
        registry.register_claim(claim("b")).unwrap();
        registry.add_claim(claim("c")).unwrap();
        let error = registry.add_claim(claim("b")).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("the b claim is added by two recipes")
        );
        let keys: Vec<String> = registry
            .claims_for_new_sessions()
            .iter()
            .map(|claim| claim.key().to_owned())
            .collect();
        assert_eq!(keys, ["a", "c"]);
        assert!(registry.claim("b").is_some());
        assert!(registry.claim("z").is_none());
        registry.add_claim_validator(claim_validator("v", |_| Ok(())));
        assert_eq!(registry.claim_validators()[0].id(), "v");
        assert!(format!("{registry:?}").contains("\"b\""));
    }
}
