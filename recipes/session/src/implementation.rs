//! The built-in [`SessionFunctions`]: node's `recipeImplementation` + `sessionFunctions`,
//! calling the core's CDI.

use std::sync::Arc;

use async_trait::async_trait;
use supertokens::{Result, SessionError, SuperTokensError};
use supertokens_cdi::session::{
    CreateSessionRequest, CreateSessionResponse, JsonObject, NewSession, RefreshSessionRequest,
    RefreshSessionResponse, RegenerateSessionRequest, RegenerateSessionResponse,
    RemoveSessionsRequest, RemoveSessionsResponse, SessionDetailsResponse, SessionHandlesResponse,
    UpdateDataResponse, UpdateJwtDataRequest, UpdateSessionDataRequest, VerifySessionRequest,
    VerifySessionResponse,
};

use crate::access_token::{
    AccessTokenInfo, ParsedJwt, TokenError, access_token_info, check_issuer, check_not_before,
    parse_jwt_without_signature_verification, strip_protected_props,
    validate_access_token_structure,
};
use crate::config::AntiCsrf;
use crate::interface::{
    CreateNewSessionInput, GetSessionInput, RefreshSessionInput, RegenerateAccessTokenResult,
    SessionFunctions, SessionInformation, UserSessionsOptions,
};
use crate::recipe::SessionCore;
use crate::session_container::{ContainerParts, SessionContainer};

/// The `rid` the SDK sends to the core for session calls.
const RID: Option<&str> = Some("session");

/// The built-in functions.
pub(crate) struct DefaultSessionFunctions {
    core: Arc<SessionCore>,
}

impl DefaultSessionFunctions {
    pub(crate) fn new(core: Arc<SessionCore>) -> Self {
        Self { core }
    }

    fn container_from_new_session(&self, new: NewSession) -> Result<SessionContainer> {
        let parsed = parse_core_token(&new.access_token.token)?;
        Ok(SessionContainer::new(
            self.core.clone(),
            ContainerParts {
                session_handle: new.session.handle,
                user_id: new.session.user_id,
                recipe_user_id: new.session.recipe_user_id,
                tenant_id: new.session.tenant_id,
                access_token_expiry_ms: new.access_token.expiry,
                access_token: new.access_token.token,
                payload: parsed.payload,
                refresh_token: Some(new.refresh_token),
                anti_csrf_token: new.anti_csrf_token,
                tokens_updated: true,
            },
        ))
    }

    /// Signature, expiry and the presence of the anti-CSRF token; any failure means
    /// "try refresh token" (v3+ tokens carry a kid, so the core would not do better).
    async fn verify_locally(
        &self,
        parsed: &ParsedJwt,
        anti_csrf_token_required: bool,
    ) -> Result<std::result::Result<AccessTokenInfo, &'static str>> {
        let Some(key) = self.core.jwks.key(&parsed.kid).await? else {
            return Ok(Err("no key with the token's kid"));
        };
        if !key.verify(parsed) {
            return Ok(Err("invalid signature"));
        }
        let info = access_token_info(parsed);
        if info.anti_csrf_token.is_none() && anti_csrf_token_required {
            return Ok(Err("access token does not contain the anti-csrf token"));
        }
        let now_ms = self.core.config.clock.now_ms();
        if info.expiry_ms < now_ms {
            return Ok(Err("access token expired"));
        }
        if let Err(TokenError(reason)) = check_not_before(&parsed.payload, now_ms) {
            return Ok(Err(reason));
        }
        Ok(Ok(info))
    }
}

fn parse_core_token(token: &str) -> Result<ParsedJwt> {
    parse_jwt_without_signature_verification(token).map_err(|error| {
        SuperTokensError::Internal(format!(
            "the core returned an unreadable access token: {error}"
        ))
    })
}

fn try_refresh(message: impl Into<String>) -> SuperTokensError {
    SessionError::TryRefreshToken {
        message: message.into(),
    }
    .into()
}

fn unauthorised(message: impl Into<String>, clear_tokens: bool) -> SuperTokensError {
    SessionError::Unauthorised {
        message: message.into(),
        clear_tokens,
    }
    .into()
}

/// Tenant ids go into core paths: only the characters tenant ids may have.
pub(crate) fn checked_tenant(tenant_id: &str) -> Result<&str> {
    if !tenant_id.is_empty()
        && tenant_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(tenant_id)
    } else {
        Err(SuperTokensError::BadInput(format!(
            "invalid tenant id {tenant_id:?}"
        )))
    }
}

fn merge_payload(mut payload: JsonObject, update: JsonObject) -> JsonObject {
    for (key, value) in update {
        if value.is_null() {
            payload.remove(&key);
        } else {
            payload.insert(key, value);
        }
    }
    strip_protected_props(&mut payload);
    payload
}

#[async_trait]
impl SessionFunctions for DefaultSessionFunctions {
    async fn create_new_session(&self, input: CreateNewSessionInput) -> Result<SessionContainer> {
        let config = &self.core.config;
        let path = format!("/{}/recipe/session", checked_tenant(&input.tenant_id)?);
        let body = CreateSessionRequest {
            user_id: input.recipe_user_id,
            user_data_in_jwt: input.access_token_payload,
            user_data_in_database: input.session_data_in_database,
            enable_anti_csrf: !input.disable_anti_csrf && config.anti_csrf == AntiCsrf::ViaToken,
            use_dynamic_signing_key: Some(config.use_dynamic_access_token_signing_key),
        };
        let CreateSessionResponse::Ok(new) = self.core.querier.post(&path, &body, RID).await?;
        self.container_from_new_session(new)
    }

    async fn get_session(&self, input: GetSessionInput) -> Result<Option<SessionContainer>> {
        let config = &self.core.config;
        if input.anti_csrf_check && config.anti_csrf == AntiCsrf::ViaCustomHeader {
            return Err(SuperTokensError::Internal(
                "Since the anti-csrf mode is VIA_CUSTOM_HEADER getSession can't check the CSRF token. Please either use VIA_TOKEN or set antiCsrfCheck to false".into(),
            ));
        }
        let Some(token) = input.access_token.as_deref() else {
            if !input.session_required {
                return Ok(None);
            }
            return Err(unauthorised(
                "Session does not exist. Are you sending the session tokens in the request with the appropriate token transfer method?",
                false,
            ));
        };
        let parsed = match parse_jwt_without_signature_verification(token).and_then(|parsed| {
            validate_access_token_structure(&parsed.payload, parsed.version).map(|()| parsed)
        }) {
            Ok(parsed) => parsed,
            Err(error) => {
                if !input.session_required {
                    return Ok(None);
                }
                tracing::debug!(%error, "getSession: unauthorised because the token couldn't be parsed");
                return Err(unauthorised("Token parsing failed", false));
            }
        };

        let check_anti_csrf_token = input.anti_csrf_check && config.anti_csrf == AntiCsrf::ViaToken;
        let info = match self.verify_locally(&parsed, check_anti_csrf_token).await? {
            Ok(info) => info,
            Err(reason) => {
                tracing::debug!(
                    reason,
                    "getSession: try refresh token because verification failed"
                );
                return Err(try_refresh("Failed to verify access token"));
            }
        };
        if let Err(error) = check_issuer(&parsed.payload, &config.issuer) {
            // Refreshing would not help (the new token keeps the stored payload's `iss`).
            tracing::debug!(%error, "getSession: unauthorised because of the token's issuer");
            return Err(unauthorised(
                "The access token was not issued for this API",
                true,
            ));
        }
        if parsed.kid.starts_with("d-") != config.use_dynamic_access_token_signing_key {
            return Err(try_refresh(
                "The access token doesn't match the useDynamicAccessTokenSigningKey setting",
            ));
        }
        if check_anti_csrf_token {
            match input.anti_csrf_token.as_deref() {
                None => {
                    return Err(try_refresh(
                        "Provided antiCsrfToken is undefined. If you do not want anti-csrf check for this API, please set doAntiCsrfCheck to false for this API",
                    ));
                }
                Some(sent) if Some(sent) != info.anti_csrf_token.as_deref() => {
                    return Err(try_refresh("anti-csrf check failed"));
                }
                Some(_) => {}
            }
        }

        if !input.check_database && info.parent_refresh_token_hash1.is_none() {
            return Ok(Some(SessionContainer::new(
                self.core.clone(),
                ContainerParts {
                    session_handle: info.session_handle,
                    user_id: info.user_id,
                    recipe_user_id: info.recipe_user_id,
                    tenant_id: info.tenant_id,
                    access_token: token.to_owned(),
                    access_token_expiry_ms: info.expiry_ms,
                    payload: info.payload,
                    refresh_token: None,
                    anti_csrf_token: input.anti_csrf_token,
                    tokens_updated: false,
                },
            )));
        }

        let body = VerifySessionRequest {
            access_token: token.to_owned(),
            anti_csrf_token: input.anti_csrf_token.clone(),
            do_anti_csrf_check: input.anti_csrf_check,
            enable_anti_csrf: config.anti_csrf == AntiCsrf::ViaToken,
            check_database: input.check_database,
        };
        match self
            .core
            .querier
            .post::<_, VerifySessionResponse>("/recipe/session/verify", &body, RID)
            .await?
        {
            VerifySessionResponse::Ok {
                session,
                access_token,
            } => {
                let (access_token, expiry, payload, updated) = match access_token {
                    Some(new) => {
                        let payload = parse_core_token(&new.token)?.payload;
                        (new.token, new.expiry, payload, true)
                    }
                    None => (token.to_owned(), info.expiry_ms, info.payload, false),
                };
                Ok(Some(SessionContainer::new(
                    self.core.clone(),
                    ContainerParts {
                        session_handle: session.handle,
                        user_id: session.user_id,
                        recipe_user_id: session.recipe_user_id,
                        tenant_id: session.tenant_id,
                        access_token,
                        access_token_expiry_ms: expiry,
                        payload,
                        refresh_token: None,
                        anti_csrf_token: input.anti_csrf_token,
                        tokens_updated: updated,
                    },
                )))
            }
            VerifySessionResponse::Unauthorised { message } => Err(unauthorised(message, true)),
            VerifySessionResponse::TryRefreshToken { message } => Err(try_refresh(message)),
        }
    }

    async fn refresh_session(&self, input: RefreshSessionInput) -> Result<SessionContainer> {
        let config = &self.core.config;
        if !input.disable_anti_csrf && config.anti_csrf == AntiCsrf::ViaCustomHeader {
            return Err(SuperTokensError::Internal(
                "Since the anti-csrf mode is VIA_CUSTOM_HEADER refreshSession can't check the CSRF token. Please either use VIA_TOKEN or set disableAntiCsrf to true".into(),
            ));
        }
        let body = RefreshSessionRequest {
            refresh_token: input.refresh_token,
            anti_csrf_token: input.anti_csrf_token,
            enable_anti_csrf: !input.disable_anti_csrf && config.anti_csrf == AntiCsrf::ViaToken,
            use_dynamic_signing_key: Some(config.use_dynamic_access_token_signing_key),
        };
        match self
            .core
            .querier
            .post::<_, RefreshSessionResponse>("/recipe/session/refresh", &body, RID)
            .await?
        {
            RefreshSessionResponse::Ok(new) => self.container_from_new_session(new),
            RefreshSessionResponse::Unauthorised { message } => Err(unauthorised(message, true)),
            RefreshSessionResponse::TokenTheftDetected { session } => {
                Err(SessionError::TokenTheftDetected {
                    session_handle: session.handle,
                    user_id: session.user_id,
                    recipe_user_id: session.recipe_user_id,
                }
                .into())
            }
        }
    }

    async fn regenerate_access_token(
        &self,
        access_token: &str,
        new_access_token_payload: Option<JsonObject>,
    ) -> Result<Option<RegenerateAccessTokenResult>> {
        let body = RegenerateSessionRequest {
            access_token: access_token.to_owned(),
            user_data_in_jwt: Some(new_access_token_payload.unwrap_or_default()),
        };
        match self
            .core
            .querier
            .post::<_, RegenerateSessionResponse>("/recipe/session/regenerate", &body, RID)
            .await?
        {
            RegenerateSessionResponse::Ok {
                session,
                access_token,
            } => Ok(Some(RegenerateAccessTokenResult {
                session,
                access_token,
            })),
            RegenerateSessionResponse::Unauthorised { .. } => Ok(None),
        }
    }

    async fn revoke_session(&self, session_handle: &str) -> Result<bool> {
        Ok(self
            .revoke_multiple_sessions(&[session_handle.to_owned()])
            .await?
            .len()
            == 1)
    }

    async fn revoke_multiple_sessions(&self, session_handles: &[String]) -> Result<Vec<String>> {
        let body = RemoveSessionsRequest {
            session_handles: Some(session_handles.to_vec()),
            user_id: None,
            revoke_across_all_tenants: None,
            revoke_sessions_for_linked_accounts: None,
        };
        let RemoveSessionsResponse::Ok {
            session_handles_revoked,
        } = self
            .core
            .querier
            .post("/recipe/session/remove", &body, RID)
            .await?;
        Ok(session_handles_revoked)
    }

    async fn revoke_all_sessions_for_user(
        &self,
        user_id: &str,
        options: &UserSessionsOptions,
    ) -> Result<Vec<String>> {
        let body = RemoveSessionsRequest {
            session_handles: None,
            user_id: Some(user_id.to_owned()),
            revoke_across_all_tenants: Some(options.across_all_tenants),
            revoke_sessions_for_linked_accounts: Some(options.for_linked_accounts),
        };
        let path = if options.across_all_tenants {
            "/recipe/session/remove".to_owned()
        } else {
            format!(
                "/{}/recipe/session/remove",
                checked_tenant(&options.tenant_id)?
            )
        };
        let RemoveSessionsResponse::Ok {
            session_handles_revoked,
        } = self.core.querier.post(&path, &body, RID).await?;
        Ok(session_handles_revoked)
    }

    async fn get_all_session_handles_for_user(
        &self,
        user_id: &str,
        options: &UserSessionsOptions,
    ) -> Result<Vec<String>> {
        let path = if options.across_all_tenants {
            "/recipe/session/user".to_owned()
        } else {
            format!(
                "/{}/recipe/session/user",
                checked_tenant(&options.tenant_id)?
            )
        };
        let linked = options.for_linked_accounts.to_string();
        let across = options.across_all_tenants.to_string();
        let SessionHandlesResponse::Ok { session_handles } = self
            .core
            .querier
            .get(
                &path,
                &[
                    ("userId", user_id),
                    ("fetchSessionsForAllLinkedAccounts", &linked),
                    ("fetchAcrossAllTenants", &across),
                ],
                RID,
            )
            .await?;
        Ok(session_handles)
    }

    async fn get_session_information(
        &self,
        session_handle: &str,
    ) -> Result<Option<SessionInformation>> {
        match self
            .core
            .querier
            .get::<SessionDetailsResponse>(
                "/recipe/session",
                &[("sessionHandle", session_handle)],
                RID,
            )
            .await?
        {
            SessionDetailsResponse::Ok {
                session_handle,
                user_id,
                recipe_user_id,
                user_data_in_database,
                user_data_in_jwt,
                expiry,
                time_created,
                tenant_id,
            } => Ok(Some(SessionInformation {
                session_handle,
                user_id,
                recipe_user_id,
                session_data_in_database: user_data_in_database,
                custom_claims_in_access_token_payload: user_data_in_jwt,
                expiry,
                time_created,
                tenant_id,
            })),
            SessionDetailsResponse::Unauthorised { .. } => Ok(None),
        }
    }

    async fn update_session_data_in_database(
        &self,
        session_handle: &str,
        new_session_data: JsonObject,
    ) -> Result<bool> {
        let body = UpdateSessionDataRequest {
            session_handle: session_handle.to_owned(),
            user_data_in_database: new_session_data,
        };
        Ok(matches!(
            self.core
                .querier
                .put::<_, UpdateDataResponse>("/recipe/session/data", &body, RID)
                .await?,
            UpdateDataResponse::Ok
        ))
    }

    async fn merge_into_access_token_payload(
        &self,
        session_handle: &str,
        access_token_payload_update: JsonObject,
    ) -> Result<bool> {
        let functions = self.core.functions()?;
        let Some(information) = functions.get_session_information(session_handle).await? else {
            return Ok(false);
        };
        let body = UpdateJwtDataRequest {
            session_handle: session_handle.to_owned(),
            user_data_in_jwt: merge_payload(
                information.custom_claims_in_access_token_payload,
                access_token_payload_update,
            ),
        };
        Ok(matches!(
            self.core
                .querier
                .put::<_, UpdateDataResponse>("/recipe/jwt/data", &body, RID)
                .await?,
            UpdateDataResponse::Ok
        ))
    }
}
