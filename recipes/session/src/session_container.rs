//! [`SessionContainer`]: a verified (or new) session, and the header changes its request's
//! response must carry.
//!
//! The container is cheap to clone (it is shared between a framework's request extensions and
//! the middleware that writes the response). Its mutable part sits behind a `Mutex` that is
//! never held across an await: operations that call the core read what they need, release
//! the lock, call the core, then lock again to record the outcome.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::Value;
use supertokens::{HeaderChange, Result, SessionError, SuperTokensError};
use supertokens_cdi::session::{JsonObject, TokenInfo};

use crate::access_token::{parse_jwt_without_signature_verification, strip_protected_props};
use crate::claims::{ClaimFetchInput, SessionClaim, SessionClaimValidator};
use crate::config::TokenTransferMethod;
use crate::cookies_and_headers::{
    TokenType, build_front_token, clear_session, set_access_token_in_response, set_anti_csrf_token,
    set_token,
};
use crate::recipe::SessionCore;

/// What a new container starts from.
pub(crate) struct ContainerParts {
    pub(crate) session_handle: String,
    pub(crate) user_id: String,
    pub(crate) recipe_user_id: String,
    pub(crate) tenant_id: String,
    pub(crate) access_token: String,
    pub(crate) access_token_expiry_ms: i64,
    pub(crate) payload: JsonObject,
    pub(crate) refresh_token: Option<TokenInfo>,
    pub(crate) anti_csrf_token: Option<String>,
    /// Whether the tokens are new and must be sent to the client.
    pub(crate) tokens_updated: bool,
}

struct State {
    access_token: String,
    access_token_expiry_ms: i64,
    payload: JsonObject,
    front_token: String,
    refresh_token: Option<TokenInfo>,
    anti_csrf_token: Option<String>,
    tokens_updated: bool,
    /// Set once the container is attached to a request: how tokens travel.
    transfer_method: Option<TokenTransferMethod>,
    /// Transfer methods whose tokens are cleared before the new ones are set.
    clear_first: Vec<TokenTransferMethod>,
    /// Further changes (e.g. clearing the legacy `sIdRefreshToken`).
    extra: Vec<HeaderChange>,
    revoked: bool,
    /// The changes for the response, rebuilt after every state change.
    headers: Vec<HeaderChange>,
}

struct Inner {
    core: Arc<SessionCore>,
    session_handle: String,
    user_id: String,
    recipe_user_id: String,
    tenant_id: String,
    state: Mutex<State>,
}

/// A session: its identity, its access token payload, and the operations on it.
#[derive(Clone)]
pub struct SessionContainer {
    inner: Arc<Inner>,
}

impl fmt::Debug for SessionContainer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("SessionContainer")
            .field("session_handle", &self.inner.session_handle)
            .field("user_id", &self.inner.user_id)
            .field("recipe_user_id", &self.inner.recipe_user_id)
            .field("tenant_id", &self.inner.tenant_id)
            .field("access_token", &"<redacted>")
            .field("transfer_method", &state.transfer_method)
            .field("tokens_updated", &state.tokens_updated)
            .field("revoked", &state.revoked)
            .finish_non_exhaustive()
    }
}

impl SessionContainer {
    pub(crate) fn new(core: Arc<SessionCore>, parts: ContainerParts) -> Self {
        // The front token is only sent with new tokens. A container for unchanged tokens (one
        // per verified request) never reads it, and a later token update builds its own.
        let front_token = if parts.tokens_updated {
            build_front_token(&parts.user_id, parts.access_token_expiry_ms, &parts.payload)
        } else {
            String::new()
        };
        Self {
            inner: Arc::new(Inner {
                core,
                session_handle: parts.session_handle,
                user_id: parts.user_id,
                recipe_user_id: parts.recipe_user_id,
                tenant_id: parts.tenant_id,
                state: Mutex::new(State {
                    access_token: parts.access_token,
                    access_token_expiry_ms: parts.access_token_expiry_ms,
                    payload: parts.payload,
                    front_token,
                    refresh_token: parts.refresh_token,
                    anti_csrf_token: parts.anti_csrf_token,
                    tokens_updated: parts.tokens_updated,
                    transfer_method: None,
                    clear_first: Vec::new(),
                    extra: Vec::new(),
                    revoked: false,
                    headers: Vec::new(),
                }),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The primary user id (`sub`).
    pub fn user_id(&self) -> &str {
        &self.inner.user_id
    }

    /// The login method the session was created with (`rsub`).
    pub fn recipe_user_id(&self) -> &str {
        &self.inner.recipe_user_id
    }

    /// The session handle.
    pub fn session_handle(&self) -> &str {
        &self.inner.session_handle
    }

    /// The tenant.
    pub fn tenant_id(&self) -> &str {
        &self.inner.tenant_id
    }

    /// The full decoded access token payload (claims included).
    pub fn access_token_payload(&self) -> JsonObject {
        self.state().payload.clone()
    }

    /// The current access token (a credential: never log it).
    pub fn access_token(&self) -> String {
        self.state().access_token.clone()
    }

    /// Epoch ms at which the current access token expires.
    pub fn access_token_expiry(&self) -> i64 {
        self.state().access_token_expiry_ms
    }

    /// How the session's tokens travel, once attached to a request.
    pub fn transfer_method(&self) -> Option<TokenTransferMethod> {
        self.state().transfer_method
    }

    /// The header changes the response to the request that produced this container must
    /// carry: new tokens and `front-token` after creation, refresh, promotion or a payload
    /// change; cleared tokens after [`revoke_session`](Self::revoke_session). Empty when
    /// nothing changed.
    pub fn response_headers(&self) -> Vec<HeaderChange> {
        self.state().headers.clone()
    }

    /// Attaches the container to its request: how tokens travel, which other transport must be
    /// cleared, and further changes.
    pub(crate) fn attach(
        &self,
        method: TokenTransferMethod,
        clear_first: Vec<TokenTransferMethod>,
        extra: Vec<HeaderChange>,
    ) -> Result<()> {
        let mut state = self.state();
        state.transfer_method = Some(method);
        state.clear_first = clear_first;
        state.extra = extra;
        self.rebuild_headers(&mut state)
    }

    fn rebuild_headers(&self, state: &mut State) -> Result<()> {
        let config = &self.inner.core.config;
        let mut changes = Vec::new();
        for method in &state.clear_first {
            changes.extend(clear_session(config, *method)?);
        }
        if let Some(method) = state.transfer_method {
            if state.revoked {
                changes.extend(clear_session(config, method)?);
            } else if state.tokens_updated {
                changes.extend(set_access_token_in_response(
                    config,
                    &state.access_token,
                    &state.front_token,
                    method,
                )?);
                if let Some(refresh) = &state.refresh_token {
                    changes.extend(set_token(
                        config,
                        TokenType::Refresh,
                        &refresh.token,
                        refresh.expiry,
                        method,
                    )?);
                }
                if let Some(anti_csrf) = &state.anti_csrf_token {
                    changes.extend(set_anti_csrf_token(anti_csrf)?);
                }
            }
        }
        changes.extend(state.extra.iter().cloned());
        state.headers = changes;
        Ok(())
    }

    fn gone() -> SuperTokensError {
        SessionError::Unauthorised {
            message: "Session does not exist anymore".into(),
            clear_tokens: true,
        }
        .into()
    }

    /// Merges into the access token payload (keys set to `null` are removed) and mints a new
    /// access token through the core; the response then carries it. Protected claims (`sub`,
    /// `exp`, `sessionHandle`, …) in the update are ignored. Fails with 401 unauthorised when
    /// the session no longer exists.
    pub async fn merge_into_access_token_payload(&self, update: JsonObject) -> Result<()> {
        let (access_token, mut payload) = {
            let state = self.state();
            (state.access_token.clone(), state.payload.clone())
        };
        for (key, value) in update {
            if value.is_null() {
                payload.remove(&key);
            } else {
                payload.insert(key, value);
            }
        }
        strip_protected_props(&mut payload);
        let functions = self.inner.core.functions()?;
        let Some(regenerated) = functions
            .regenerate_access_token(&access_token, Some(payload))
            .await?
        else {
            return Err(Self::gone());
        };
        let mut state = self.state();
        match regenerated.access_token {
            Some(token) => {
                let parsed =
                    parse_jwt_without_signature_verification(&token.token).map_err(|error| {
                        SuperTokensError::Internal(format!(
                            "the core returned an unreadable access token: {error}"
                        ))
                    })?;
                state.front_token =
                    build_front_token(&self.inner.user_id, token.expiry, &parsed.payload);
                state.payload = parsed.payload;
                state.access_token = token.token;
                state.access_token_expiry_ms = token.expiry;
                state.tokens_updated = true;
                self.rebuild_headers(&mut state)
            }
            None => {
                // The token expired meanwhile: the frontend sees the change after its refresh.
                for (key, value) in regenerated.session.user_data_in_jwt {
                    state.payload.insert(key, value);
                }
                Ok(())
            }
        }
    }

    /// The server-side session data (`GET /recipe/session`).
    pub async fn get_session_data_from_database(&self) -> Result<JsonObject> {
        let functions = self.inner.core.functions()?;
        functions
            .get_session_information(&self.inner.session_handle)
            .await?
            .map(|information| information.session_data_in_database)
            .ok_or_else(Self::gone)
    }

    /// Replaces the server-side session data.
    pub async fn update_session_data_in_database(&self, data: JsonObject) -> Result<()> {
        let functions = self.inner.core.functions()?;
        if functions
            .update_session_data_in_database(&self.inner.session_handle, data)
            .await?
        {
            Ok(())
        } else {
            Err(Self::gone())
        }
    }

    /// Epoch ms at which the session was created.
    pub async fn get_time_created(&self) -> Result<i64> {
        let functions = self.inner.core.functions()?;
        functions
            .get_session_information(&self.inner.session_handle)
            .await?
            .map(|information| information.time_created)
            .ok_or_else(Self::gone)
    }

    /// Epoch ms at which the session expires unless refreshed.
    pub async fn get_expiry(&self) -> Result<i64> {
        let functions = self.inner.core.functions()?;
        functions
            .get_session_information(&self.inner.session_handle)
            .await?
            .map(|information| information.expiry)
            .ok_or_else(Self::gone)
    }

    /// Revokes the session in the core; the response then clears the client's tokens (on the
    /// transfer method the request used).
    pub async fn revoke_session(&self) -> Result<()> {
        let functions = self.inner.core.functions()?;
        // Cleared whether or not the core still had it (node issue #343).
        functions.revoke_session(&self.inner.session_handle).await?;
        let mut state = self.state();
        state.revoked = true;
        self.rebuild_headers(&mut state)
    }

    /// Epoch ms now, on the session recipe's clock.
    pub fn now_ms(&self) -> i64 {
        self.inner.core.config.clock.now_ms()
    }

    /// Fetches a claim's current value for this session's user and returns its payload
    /// entry (`None` when the claim has no value for the user). `payload` is handed to the
    /// claim as the current payload. Nothing is stored: see
    /// [`fetch_and_set_claim`](Self::fetch_and_set_claim).
    pub async fn fetch_claim_payload(
        &self,
        claim: &(impl SessionClaim + ?Sized),
        payload: &JsonObject,
        now_ms: i64,
    ) -> Result<Option<JsonObject>> {
        let input = ClaimFetchInput::new(
            &self.inner.user_id,
            &self.inner.recipe_user_id,
            &self.inner.tenant_id,
            payload,
            &self.inner.core.claims,
        );
        Ok(claim
            .fetch_value(&input)
            .await?
            .map(|value| claim.payload_entry(value, now_ms)))
    }

    /// Fetches a claim's current value and puts it into the access token (a new token goes
    /// out with the response); when the claim has no value for the user, the token is
    /// reissued unchanged (node's `fetchAndSetClaim`).
    pub async fn fetch_and_set_claim(&self, claim: &(impl SessionClaim + ?Sized)) -> Result<()> {
        let payload = self.access_token_payload();
        let update = self
            .fetch_claim_payload(claim, &payload, self.now_ms())
            .await?
            .unwrap_or_default();
        self.merge_into_access_token_payload(update).await
    }

    /// Sets a claim's value in the access token (fetched now, as far as validators can tell).
    pub async fn set_claim_value(
        &self,
        claim: &(impl SessionClaim + ?Sized),
        value: Value,
    ) -> Result<()> {
        self.merge_into_access_token_payload(claim.payload_entry(value, self.now_ms()))
            .await
    }

    /// A claim's value in the access token payload.
    pub fn get_claim_value(&self, claim: &(impl SessionClaim + ?Sized)) -> Option<Value> {
        claim.value_from_payload(&self.state().payload).cloned()
    }

    /// Removes a claim from the access token.
    pub async fn remove_claim(&self, claim: &(impl SessionClaim + ?Sized)) -> Result<()> {
        self.merge_into_access_token_payload(claim.removal_entry())
            .await
    }

    /// Runs claim validators: claims whose validators ask for it are fetched again (and merged
    /// into the access token when they changed), then every validator checks the payload, at
    /// the session recipe clock's now. Fails with 403 invalid claim listing each failure.
    pub async fn assert_claims(&self, validators: &[Arc<dyn SessionClaimValidator>]) -> Result<()> {
        if validators.is_empty() {
            return Ok(());
        }
        let now_ms = self.now_ms();
        let original = self.access_token_payload();
        let mut payload = original.clone();
        for validator in validators {
            if validator.should_refetch(&payload, now_ms).await
                && let Some(update) = validator.refetch(self, &payload, now_ms).await?
            {
                for (key, value) in update {
                    payload.insert(key, value);
                }
            }
        }
        if payload != original {
            let mut update = payload.clone();
            strip_protected_props(&mut update);
            self.merge_into_access_token_payload(update).await?;
            payload = self.access_token_payload();
        }
        let mut errors = Vec::new();
        for validator in validators {
            if let Err(reason) = validator.validate(&payload, now_ms).await {
                errors.push(serde_json::json!({ "id": validator.id(), "reason": reason }));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(SessionError::InvalidClaims {
                claim_validation_errors: errors,
            }
            .into())
        }
    }

    /// One claim of the access token payload.
    pub fn payload_value(&self, key: &str) -> Option<Value> {
        self.state().payload.get(key).cloned()
    }
}
