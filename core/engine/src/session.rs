//! Sessions: creation, local-signature verification with promotion of refreshed tokens,
//! refresh with rotation and token theft detection, regeneration and revocation.
//!
//! Refresh tokens are opaque to SDKs: an AES-256-GCM sealed JSON document carrying the
//! session handle, the parent token's hash and a 256-bit nonce. The database keeps only
//! `hash2 = sha256(sha256(token))` of the current parent token; access tokens carry
//! `refreshTokenHash1 = sha256(token)` of the refresh token they were issued with.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use supertokens_cdi::session::{
    JsonObject, NewSession, RefreshSessionResponse, RegenerateSessionResponse,
    SessionDetailsResponse, SessionInfo, StolenSession, TokenInfo, VerifySessionResponse,
};
use supertokens_crypto::aead::RefreshTokenCipher;
use supertokens_crypto::hashing::{constant_time_eq, sha256_hex};
use supertokens_crypto::random::{RandomSource, random_token, random_uuid_v4};
use supertokens_crypto::signing::{DecodedJwt, verify_jwt};
use supertokens_storage::{SessionRecord, Storage};

use crate::clock::{Clock, millis};
use crate::error::{EngineError, Result};
use crate::keys::SigningKeys;

/// The public tenant.
pub const PUBLIC_TENANT: &str = "public";
/// Claims the core sets itself; user payloads may not contain them.
pub const PROTECTED_CLAIMS: &[&str] = &[
    "sub",
    "exp",
    "iat",
    "sessionHandle",
    "refreshTokenHash1",
    "parentRefreshTokenHash1",
    "antiCsrfToken",
    "tId",
    "rsub",
];
/// Random bytes in a refresh token's nonce (256 bits).
const REFRESH_NONCE_BYTES: usize = 32;
/// Minimum time between two key reloads caused by an unknown key id.
const UNKNOWN_KID_RELOAD_GAP_MS: i64 = 1000;
/// How far in the future an access token's `iat` or `nbf` may lie (clock skew between cores).
const CLOCK_SKEW_LEEWAY_MS: i64 = 5 * 60 * 1000;

/// What a refresh token carries, sealed.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefreshTokenClaims {
    session_handle: String,
    user_id: String,
    parent_refresh_token_hash1: Option<String>,
    nonce: String,
    anti_csrf_token: Option<String>,
    tenant_id: String,
}

/// Input of [`Sessions::create`].
#[derive(Debug, Clone)]
pub struct CreateSession<'a> {
    /// Tenant the session belongs to.
    pub tenant_id: &'a str,
    /// Recipe user id.
    pub user_id: &'a str,
    /// Claims for the access token.
    pub jwt_payload: JsonObject,
    /// Server-side data.
    pub session_data: JsonObject,
    /// Issue an anti-CSRF token.
    pub enable_anti_csrf: bool,
    /// Sign with the dynamic key.
    pub use_dynamic_key: bool,
}

/// Input of [`Sessions::verify`].
#[derive(Debug, Clone, Copy)]
pub struct VerifySession<'a> {
    /// The access token.
    pub access_token: &'a str,
    /// The anti-CSRF token sent by the client.
    pub anti_csrf_token: Option<&'a str>,
    /// Compare the anti-CSRF tokens.
    pub do_anti_csrf_check: bool,
    /// Anti-CSRF is enabled for the app.
    pub enable_anti_csrf: bool,
    /// Also check the session row.
    pub check_database: bool,
}

/// Input of [`Sessions::refresh`].
#[derive(Debug, Clone, Copy)]
pub struct RefreshSession<'a> {
    /// The refresh token.
    pub refresh_token: &'a str,
    /// The anti-CSRF token sent by the client.
    pub anti_csrf_token: Option<&'a str>,
    /// Anti-CSRF is enabled for the app.
    pub enable_anti_csrf: bool,
    /// Override of the session's signing key type.
    pub use_dynamic_key: Option<bool>,
}

/// The session recipe.
pub struct Sessions {
    storage: Arc<dyn Storage>,
    keys: Arc<SigningKeys>,
    cipher: RefreshTokenCipher,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    access_token_validity: Duration,
    refresh_token_validity: Duration,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("access_token_validity", &self.access_token_validity)
            .field("refresh_token_validity", &self.refresh_token_validity)
            .finish_non_exhaustive()
    }
}

/// A verified access token's claims.
struct AccessClaims {
    payload: Map<String, Value>,
    session_handle: String,
    user_id: String,
    recipe_user_id: String,
    tenant_id: String,
    refresh_token_hash1: String,
    parent_refresh_token_hash1: Option<String>,
    anti_csrf_token: Option<String>,
    exp_secs: i64,
}

impl AccessClaims {
    fn parse(decoded: DecodedJwt) -> Option<Self> {
        let payload = decoded.payload;
        let text = |name: &str| payload.get(name).and_then(Value::as_str).map(str::to_owned);
        let optional_text = |name: &str| match payload.get(name) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(value)) => Some(Some(value.clone())),
            Some(_) => None,
        };
        let user_id = text("sub")?;
        let claims = Self {
            session_handle: text("sessionHandle")?,
            recipe_user_id: text("rsub").unwrap_or_else(|| user_id.clone()),
            tenant_id: text("tId").unwrap_or_else(|| PUBLIC_TENANT.to_owned()),
            refresh_token_hash1: text("refreshTokenHash1")?,
            parent_refresh_token_hash1: optional_text("parentRefreshTokenHash1")?,
            anti_csrf_token: optional_text("antiCsrfToken")?,
            exp_secs: payload.get("exp").and_then(Value::as_i64)?,
            user_id,
            payload: Map::new(),
        };
        payload.get("iat").and_then(Value::as_i64)?;
        Some(Self { payload, ..claims })
    }

    /// Whether `iat` and `nbf` (which core tokens do not carry, but a token that has one
    /// must honour) are not after `now_ms` plus the clock skew leeway.
    fn valid_yet(&self, now_ms: i64) -> bool {
        let latest_secs = now_ms.saturating_add(CLOCK_SKEW_LEEWAY_MS) / 1000;
        let not_after = |name: &str| match self.payload.get(name) {
            None => true,
            Some(value) => value
                .as_f64()
                .is_some_and(|secs| secs <= latest_secs as f64),
        };
        not_after("iat") && not_after("nbf")
    }

    /// The user-defined part of the payload.
    fn user_claims(&self) -> JsonObject {
        self.payload
            .iter()
            .filter(|(name, _)| !PROTECTED_CLAIMS.contains(&name.as_str()))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    }
}

fn unauthorised(message: &str) -> RefreshSessionResponse {
    RefreshSessionResponse::Unauthorised {
        message: message.to_owned(),
    }
}

fn as_object(value: &Value) -> JsonObject {
    value.as_object().cloned().unwrap_or_default()
}

/// Rejects user payloads that try to set claims the core owns.
pub fn check_user_payload(payload: &JsonObject) -> Result<()> {
    if let Some(name) = payload
        .keys()
        .find(|name| PROTECTED_CLAIMS.contains(&name.as_str()))
    {
        return Err(EngineError::bad_request(format!(
            "The user payload contains protected field: {name}"
        )));
    }
    Ok(())
}

impl Sessions {
    /// The session recipe. `cipher` seals refresh tokens; every core on one database must
    /// share its key.
    pub fn new(
        storage: Arc<dyn Storage>,
        keys: Arc<SigningKeys>,
        cipher: RefreshTokenCipher,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        access_token_validity: Duration,
        refresh_token_validity: Duration,
    ) -> Self {
        Self {
            storage,
            keys,
            cipher,
            clock,
            rng,
            access_token_validity,
            refresh_token_validity,
        }
    }

    fn session_info(record: &SessionRecord) -> SessionInfo {
        SessionInfo {
            handle: record.session_handle.clone(),
            user_id: record.user_id.clone(),
            recipe_user_id: record.recipe_user_id.clone(),
            user_data_in_jwt: as_object(&record.jwt_payload),
            tenant_id: record.tenant_id.clone(),
        }
    }

    fn new_refresh_token(
        &self,
        record: &SessionRecord,
        parent_hash1: Option<String>,
        anti_csrf_token: Option<String>,
    ) -> Result<String> {
        let claims = RefreshTokenClaims {
            session_handle: record.session_handle.clone(),
            user_id: record.user_id.clone(),
            parent_refresh_token_hash1: parent_hash1,
            nonce: random_token(self.rng.as_ref(), REFRESH_NONCE_BYTES),
            anti_csrf_token,
            tenant_id: record.tenant_id.clone(),
        };
        let plaintext = serde_json::to_vec(&claims)
            .map_err(|error| EngineError::Crypto(format!("refresh token encoding: {error}")))?;
        Ok(self.cipher.seal(&plaintext, self.rng.as_ref())?)
    }

    #[allow(clippy::too_many_arguments)]
    async fn mint_access_token(
        &self,
        record: &SessionRecord,
        user_claims: &JsonObject,
        refresh_token_hash1: &str,
        parent_hash1: Option<&str>,
        anti_csrf_token: Option<&str>,
        expiry_secs: Option<i64>,
    ) -> Result<TokenInfo> {
        let now_ms = self.clock.now_ms();
        let iat = now_ms / 1000;
        let exp = expiry_secs.unwrap_or(iat + millis(self.access_token_validity) / 1000);
        let mut payload = user_claims.clone();
        let mut set = |name: &str, value: Value| {
            payload.insert(name.to_owned(), value);
        };
        set("iat", iat.into());
        set("exp", exp.into());
        set("sub", record.user_id.clone().into());
        set("tId", record.tenant_id.clone().into());
        set("rsub", record.recipe_user_id.clone().into());
        set("sessionHandle", record.session_handle.clone().into());
        set("refreshTokenHash1", refresh_token_hash1.into());
        set(
            "parentRefreshTokenHash1",
            parent_hash1.map_or(Value::Null, Value::from),
        );
        set(
            "antiCsrfToken",
            anti_csrf_token.map_or(Value::Null, Value::from),
        );
        let key = if record.use_static_key {
            self.keys.static_signing_key(now_ms).await?
        } else {
            self.keys.dynamic_signing_key(now_ms).await?
        };
        let token = key.key.sign_jwt(&payload)?;
        Ok(TokenInfo {
            token,
            expiry: exp * 1000,
            created_time: iat * 1000,
        })
    }

    /// Creates a session and its first tokens.
    pub async fn create(&self, input: CreateSession<'_>) -> Result<NewSession> {
        check_user_payload(&input.jwt_payload)?;
        let now_ms = self.clock.now_ms();
        let mut session_handle = random_uuid_v4(self.rng.as_ref());
        if input.tenant_id != PUBLIC_TENANT {
            session_handle = format!("{session_handle}_{}", input.tenant_id);
        }
        let anti_csrf_token = input
            .enable_anti_csrf
            .then(|| random_uuid_v4(self.rng.as_ref()));
        let mut record = SessionRecord {
            session_handle,
            user_id: input.user_id.to_owned(),
            recipe_user_id: input.user_id.to_owned(),
            tenant_id: input.tenant_id.to_owned(),
            refresh_token_hash_2: String::new(),
            session_data: Value::Object(input.session_data),
            jwt_payload: Value::Object(input.jwt_payload.clone()),
            expires_at_ms: now_ms.saturating_add(millis(self.refresh_token_validity)),
            created_at_ms: now_ms,
            use_static_key: !input.use_dynamic_key,
        };
        let refresh_token = self.new_refresh_token(&record, None, anti_csrf_token.clone())?;
        let hash1 = sha256_hex(refresh_token.as_bytes());
        record.refresh_token_hash_2 = sha256_hex(hash1.as_bytes());
        let access_token = self
            .mint_access_token(
                &record,
                &input.jwt_payload,
                &hash1,
                None,
                anti_csrf_token.as_deref(),
                None,
            )
            .await?;
        self.storage.insert_session(&record).await?;
        Ok(NewSession {
            session: Self::session_info(&record),
            access_token,
            refresh_token: TokenInfo {
                token: refresh_token,
                expiry: record.expires_at_ms,
                created_time: now_ms,
            },
            anti_csrf_token,
        })
    }

    /// Checks a token's signature against the known keys, reloading them once for an
    /// unknown key id (another core may have rotated).
    async fn decode_access_token(&self, token: &str) -> Option<DecodedJwt> {
        match verify_jwt(token, &self.keys.verifying_keys()) {
            Ok(decoded) => Some(decoded),
            Err(_) => {
                let now_ms = self.clock.now_ms();
                let kid = supertokens_crypto::signing::decode_unverified(token)
                    .ok()
                    .and_then(|decoded| {
                        decoded
                            .header
                            .get("kid")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    });
                let kid = kid?;
                if self.keys.knows_kid(&kid) {
                    return None;
                }
                if self
                    .keys
                    .reload_for_unknown_kid(&kid, now_ms, UNKNOWN_KID_RELOAD_GAP_MS)
                    .await
                    .is_err()
                {
                    return None;
                }
                verify_jwt(token, &self.keys.verifying_keys()).ok()
            }
        }
    }

    /// Verifies an access token; promotes a refreshed child token on its first use.
    pub async fn verify(&self, input: VerifySession<'_>) -> Result<VerifySessionResponse> {
        let try_refresh = |message: &str| {
            Ok(VerifySessionResponse::TryRefreshToken {
                message: message.to_owned(),
            })
        };
        let Some(decoded) = self.decode_access_token(input.access_token).await else {
            return try_refresh("invalid access token");
        };
        let version_ok = decoded
            .header
            .get("version")
            .and_then(Value::as_str)
            .is_none_or(|v| v == "5");
        let Some(claims) = AccessClaims::parse(decoded).filter(|_| version_ok) else {
            return try_refresh("access token does not have the expected structure");
        };
        let now_ms = self.clock.now_ms();
        if claims.exp_secs.saturating_mul(1000) <= now_ms {
            return try_refresh("access token expired");
        }
        if !claims.valid_yet(now_ms) {
            return try_refresh("access token not valid yet");
        }
        if input.enable_anti_csrf && input.do_anti_csrf_check {
            let matches = match (&claims.anti_csrf_token, input.anti_csrf_token) {
                (Some(expected), Some(given)) => {
                    constant_time_eq(expected.as_bytes(), given.as_bytes())
                }
                (None, _) => true,
                (Some(_), None) => false,
            };
            if !matches {
                return try_refresh("anti-csrf check failed");
            }
        }
        let token_session = SessionInfo {
            handle: claims.session_handle.clone(),
            user_id: claims.user_id.clone(),
            recipe_user_id: claims.recipe_user_id.clone(),
            user_data_in_jwt: claims.user_claims(),
            tenant_id: claims.tenant_id.clone(),
        };
        if claims.parent_refresh_token_hash1.is_none() && !input.check_database {
            return Ok(VerifySessionResponse::Ok {
                session: token_session,
                access_token: None,
            });
        }
        let gone = || {
            Ok(VerifySessionResponse::Unauthorised {
                message: "Either the session has ended or has been blacklisted".to_owned(),
            })
        };
        let Some(mut record) = self.storage.session(&claims.session_handle).await? else {
            return gone();
        };
        if record.expires_at_ms <= now_ms {
            return gone();
        }
        let own_hash2 = sha256_hex(claims.refresh_token_hash1.as_bytes());
        let payload_changed =
            input.check_database && as_object(&record.jwt_payload) != claims.user_claims();
        // A token with a parent was issued by a refresh: mint a replacement once the session
        // has been promoted to it. A token without one needs a new token only when the
        // stored claims changed.
        let mut mint = payload_changed
            || (claims.parent_refresh_token_hash1.is_some()
                && record.refresh_token_hash_2 == own_hash2);
        if let Some(parent) = &claims.parent_refresh_token_hash1
            && record.refresh_token_hash_2 == sha256_hex(parent.as_bytes())
        {
            let new_expiry = now_ms.saturating_add(millis(self.refresh_token_validity));
            let promoted = self
                .storage
                .swap_refresh_token_hash(
                    &record.session_handle,
                    &record.refresh_token_hash_2,
                    &own_hash2,
                    new_expiry,
                )
                .await?;
            if promoted {
                record.refresh_token_hash_2 = own_hash2.clone();
                record.expires_at_ms = new_expiry;
                mint = true;
            } else if let Some(current) = self.storage.session(&claims.session_handle).await? {
                // Another request promoted concurrently.
                mint = mint || current.refresh_token_hash_2 == own_hash2;
                record = current;
            } else {
                return gone();
            }
        }
        if !mint {
            // A token of a stale branch stays valid until it expires.
            return Ok(VerifySessionResponse::Ok {
                session: token_session,
                access_token: None,
            });
        }
        let user_claims = as_object(&record.jwt_payload);
        let access_token = self
            .mint_access_token(
                &record,
                &user_claims,
                &claims.refresh_token_hash1,
                None,
                claims.anti_csrf_token.as_deref(),
                None,
            )
            .await?;
        Ok(VerifySessionResponse::Ok {
            session: Self::session_info(&record),
            access_token: Some(access_token),
        })
    }

    /// Exchanges a refresh token for new tokens; reports reuse of a superseded token.
    pub async fn refresh(&self, input: RefreshSession<'_>) -> Result<RefreshSessionResponse> {
        let result = self.exchange_refresh_token(input).await;
        crate::telemetry::session_refresh(&result);
        result
    }

    async fn exchange_refresh_token(
        &self,
        input: RefreshSession<'_>,
    ) -> Result<RefreshSessionResponse> {
        let Some(claims) = self
            .cipher
            .open(input.refresh_token)
            .ok()
            .and_then(|plaintext| serde_json::from_slice::<RefreshTokenClaims>(&plaintext).ok())
        else {
            return Ok(unauthorised("Refresh token is invalid"));
        };
        if input.enable_anti_csrf
            && let Some(expected) = &claims.anti_csrf_token
        {
            let matches = input
                .anti_csrf_token
                .is_some_and(|given| constant_time_eq(expected.as_bytes(), given.as_bytes()));
            if !matches {
                return Ok(unauthorised("Anti CSRF token missing, or not matching"));
            }
        }
        let now_ms = self.clock.now_ms();
        let missing = || Ok(unauthorised("Session missing in db or has expired"));
        let Some(mut record) = self.storage.session(&claims.session_handle).await? else {
            return missing();
        };
        if record.expires_at_ms <= now_ms {
            return missing();
        }
        let hash1 = sha256_hex(input.refresh_token.as_bytes());
        let hash2 = sha256_hex(hash1.as_bytes());
        if record.refresh_token_hash_2 != hash2 {
            let is_unpromoted_child = claims
                .parent_refresh_token_hash1
                .as_ref()
                .is_some_and(|parent| record.refresh_token_hash_2 == sha256_hex(parent.as_bytes()));
            if !is_unpromoted_child {
                return Ok(self.theft(&record));
            }
            let new_expiry = now_ms.saturating_add(millis(self.refresh_token_validity));
            let promoted = self
                .storage
                .swap_refresh_token_hash(
                    &record.session_handle,
                    &record.refresh_token_hash_2,
                    &hash2,
                    new_expiry,
                )
                .await?;
            if promoted {
                record.refresh_token_hash_2 = hash2.clone();
                record.expires_at_ms = new_expiry;
            } else {
                // Lost a race: fine if the winner promoted this very token.
                match self.storage.session(&claims.session_handle).await? {
                    Some(current) if current.refresh_token_hash_2 == hash2 => record = current,
                    Some(current) => return Ok(self.theft(&current)),
                    None => return missing(),
                }
            }
        }
        if let Some(use_dynamic) = input.use_dynamic_key
            && record.use_static_key == use_dynamic
        {
            record.use_static_key = !use_dynamic;
            self.storage
                .set_use_static_key(&record.session_handle, record.use_static_key)
                .await?;
        }
        let anti_csrf_token = input
            .enable_anti_csrf
            .then(|| random_uuid_v4(self.rng.as_ref()));
        let child =
            self.new_refresh_token(&record, Some(hash1.clone()), anti_csrf_token.clone())?;
        let child_hash1 = sha256_hex(child.as_bytes());
        let user_claims = as_object(&record.jwt_payload);
        let access_token = self
            .mint_access_token(
                &record,
                &user_claims,
                &child_hash1,
                Some(&hash1),
                anti_csrf_token.as_deref(),
                None,
            )
            .await?;
        Ok(RefreshSessionResponse::Ok(NewSession {
            session: Self::session_info(&record),
            access_token,
            refresh_token: TokenInfo {
                token: child,
                expiry: record.expires_at_ms,
                created_time: now_ms,
            },
            anti_csrf_token,
        }))
    }

    fn theft(&self, record: &SessionRecord) -> RefreshSessionResponse {
        tracing::warn!(session_handle = %record.session_handle, "refresh token reuse: token theft detected");
        RefreshSessionResponse::TokenTheftDetected {
            session: StolenSession {
                handle: record.session_handle.clone(),
                user_id: record.user_id.clone(),
                recipe_user_id: record.recipe_user_id.clone(),
            },
        }
    }

    /// Replaces the session's token claims and re-signs the access token with the same expiry.
    pub async fn regenerate(
        &self,
        access_token: &str,
        new_payload: Option<JsonObject>,
    ) -> Result<RegenerateSessionResponse> {
        let unauthorised = |message: &str| {
            Ok(RegenerateSessionResponse::Unauthorised {
                message: message.to_owned(),
            })
        };
        if let Some(payload) = &new_payload {
            check_user_payload(payload)?;
        }
        let Some(claims) = self
            .decode_access_token(access_token)
            .await
            .and_then(AccessClaims::parse)
        else {
            return unauthorised("invalid access token");
        };
        let Some(mut record) = self.storage.session(&claims.session_handle).await? else {
            return unauthorised("Session does not exist.");
        };
        let now_ms = self.clock.now_ms();
        if record.expires_at_ms <= now_ms {
            return unauthorised("Session does not exist.");
        }
        let user_claims = match new_payload {
            Some(payload) => {
                let value = Value::Object(payload.clone());
                if !self
                    .storage
                    .update_jwt_payload(&record.session_handle, &value)
                    .await?
                {
                    return unauthorised("Session does not exist.");
                }
                record.jwt_payload = value;
                payload
            }
            None => as_object(&record.jwt_payload),
        };
        let access_token = if claims.exp_secs.saturating_mul(1000) <= now_ms {
            None
        } else {
            Some(
                self.mint_access_token(
                    &record,
                    &user_claims,
                    &claims.refresh_token_hash1,
                    claims.parent_refresh_token_hash1.as_deref(),
                    claims.anti_csrf_token.as_deref(),
                    Some(claims.exp_secs),
                )
                .await?,
            )
        };
        Ok(RegenerateSessionResponse::Ok {
            session: Self::session_info(&record),
            access_token,
        })
    }

    /// A live session's details.
    pub async fn details(&self, session_handle: &str) -> Result<SessionDetailsResponse> {
        match self.live_session(session_handle).await? {
            Some(record) => Ok(SessionDetailsResponse::Ok {
                session_handle: record.session_handle.clone(),
                user_id: record.user_id.clone(),
                recipe_user_id: record.recipe_user_id.clone(),
                user_data_in_database: as_object(&record.session_data),
                user_data_in_jwt: as_object(&record.jwt_payload),
                expiry: record.expires_at_ms,
                time_created: record.created_at_ms,
                tenant_id: record.tenant_id,
            }),
            None => Ok(SessionDetailsResponse::Unauthorised {
                message: "Session does not exist.".into(),
            }),
        }
    }

    /// The session if it exists and has not expired.
    pub async fn live_session(&self, session_handle: &str) -> Result<Option<SessionRecord>> {
        let now_ms = self.clock.now_ms();
        Ok(self
            .storage
            .session(session_handle)
            .await?
            .filter(|record| record.expires_at_ms > now_ms))
    }

    /// Revokes sessions by handle; returns those that existed.
    pub async fn revoke(&self, session_handles: &[String]) -> Result<Vec<String>> {
        Ok(self.storage.delete_sessions(session_handles).await?)
    }

    /// Revokes every session of a user (one tenant, or all when `None`).
    pub async fn revoke_all_of_user(
        &self,
        user_id: &str,
        tenant_id: Option<&str>,
    ) -> Result<Vec<String>> {
        Ok(self
            .storage
            .delete_sessions_of_user(user_id, tenant_id)
            .await?)
    }

    /// Handles of a user's live sessions (one tenant, or all when `None`).
    pub async fn handles_of_user(
        &self,
        user_id: &str,
        tenant_id: Option<&str>,
    ) -> Result<Vec<String>> {
        Ok(self
            .storage
            .session_handles_of_user(user_id, tenant_id, self.clock.now_ms())
            .await?)
    }

    /// Replaces `userDataInDatabase`; false when the session is gone.
    pub async fn update_session_data(
        &self,
        session_handle: &str,
        data: JsonObject,
    ) -> Result<bool> {
        if self.live_session(session_handle).await?.is_none() {
            return Ok(false);
        }
        Ok(self
            .storage
            .update_session_data(session_handle, &Value::Object(data))
            .await?)
    }

    /// Replaces the stored token claims (used by the next minted token); false when gone.
    pub async fn update_jwt_payload(
        &self,
        session_handle: &str,
        payload: JsonObject,
    ) -> Result<bool> {
        check_user_payload(&payload)?;
        if self.live_session(session_handle).await?.is_none() {
            return Ok(false);
        }
        Ok(self
            .storage
            .update_jwt_payload(session_handle, &Value::Object(payload))
            .await?)
    }

    /// Deletes expired sessions in bounded batches; returns how many.
    pub async fn delete_expired(&self, batch: u32, max_batches: u32) -> Result<u64> {
        let now_ms = self.clock.now_ms();
        let mut total = 0;
        for _ in 0..max_batches {
            let deleted = self.storage.delete_expired_sessions(now_ms, batch).await?;
            total += deleted;
            if deleted < u64::from(batch) {
                break;
            }
        }
        Ok(total)
    }
}
