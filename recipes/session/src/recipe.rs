//! [`SessionRecipe`]: the recipe as the SDK core sees it (routes, error mapping, CORS
//! headers) and the request-level operations apps and other recipes call: creating a
//! session in a sign-in response, verifying the session of a request, refreshing it.
//!
//! The request-level methods decide where tokens travel and run the checks that depend on
//! the request (legacy cookies, duplicate cookies, anti-CSRF headers, claims); the core
//! calls behind them go through the (overridable) [`SessionFunctions`].

use std::fmt;
use std::sync::{Arc, OnceLock, Weak};

use async_trait::async_trait;
use http::{Method, StatusCode};
use serde_json::json;
use supertokens::{
    ApiContext, ApiRoute, BuiltRecipe, InitContext, Querier, Recipe, RecipeBuilder, Result,
    SdkRequest, SdkResponse, SessionError, SuperTokens, SuperTokensError,
};
use supertokens_cdi::session::JsonObject;

use crate::access_token::{
    parse_jwt_without_signature_verification, strip_protected_props,
    validate_access_token_structure,
};
use crate::api;
use crate::claims::{
    ClaimFetchInput, ClaimRegistry, ClaimValidatorsOverride, SessionClaim, SessionClaimValidator,
};
use crate::config::{
    AntiCsrf, JWKS_API_PATH, NormalisedSessionConfig, OPENID_CONFIGURATION_API_PATH,
    REFRESH_API_PATH, SIGNOUT_API_PATH, SessionConfig, TokenTransferMethod,
    TransferMethodPreference,
};
use crate::cookies_and_headers::{
    ACCESS_TOKEN_COOKIE, ANTI_CSRF_HEADER, AUTH_MODE_HEADER, AUTHORIZATION_HEADER,
    LEGACY_ID_REFRESH_TOKEN_COOKIE, REFRESH_TOKEN_COOKIE, RID_HEADER, TokenType,
    anti_csrf_token_from_headers, clear_legacy_id_refresh_token,
    clear_session_from_all_transfer_methods, get_token, has_multiple_cookies,
};
use crate::implementation::DefaultSessionFunctions;
use crate::interface::{
    ApiOptions, CreateNewSessionInput, DefaultSessionApis, GetSessionInput, RefreshSessionInput,
    SessionApis, SessionFunctions, SessionInformation, UserSessionsOptions,
};
use crate::jwks::JwksCache;
use crate::session_container::SessionContainer;

/// Id of the refresh route.
const REFRESH_API_ID: &str = "session-refresh";
/// Id of the sign-out route.
const SIGNOUT_API_ID: &str = "session-signout";
/// Id of the JWKS route.
const JWKS_API_ID: &str = "jwt-jwks";
/// Id of the OpenID discovery route.
const OPENID_CONFIGURATION_API_ID: &str = "openid-configuration";

/// What the recipe's parts share: the config, the core, the key cache, and (weakly, to avoid
/// a cycle) the final, possibly overridden, functions.
pub(crate) struct SessionCore {
    pub(crate) config: NormalisedSessionConfig,
    pub(crate) querier: Arc<Querier>,
    pub(crate) jwks: JwksCache,
    /// Claims and validators other recipes contribute (shared through the init context).
    pub(crate) claims: Arc<ClaimRegistry>,
    functions: OnceLock<Weak<dyn SessionFunctions>>,
}

impl SessionCore {
    /// The recipe's functions (after overrides).
    pub(crate) fn functions(&self) -> Result<Arc<dyn SessionFunctions>> {
        self.functions.get().and_then(Weak::upgrade).ok_or_else(|| {
            SuperTokensError::Internal(
                "the session recipe was dropped while one of its sessions was in use".into(),
            )
        })
    }
}

/// Options of [`SessionRecipe::get_session`] (node's `VerifySessionOptions`), usually given to
/// a framework adapter's `verify_session`.
///
/// Claim validators: every `get_session` runs the global validators (those recipes add,
/// such as the email verification check in `REQUIRED` mode, then the session config's
/// `global_claim_validators`). A route changes that with
/// [`with_claim_validators`](Self::with_claim_validators) (a function of the global ones)
/// and/or adds its own with [`with_extra_claim_validator`](Self::with_extra_claim_validator):
///
/// ```
/// use supertokens_session::VerifySessionOptions;
/// use supertokens_session::claims::PrimitiveArrayClaim;
///
/// let roles = PrimitiveArrayClaim::registered("st-role");
/// // Admins only, on top of the global checks:
/// let admin = VerifySessionOptions::default().with_extra_claim_validator(roles.includes("admin"));
/// // Every global check but email verification:
/// let unverified_ok = VerifySessionOptions::default()
///     .with_claim_validators(|globals| globals.into_iter().filter(|v| v.id() != "st-ev").collect());
/// # let _ = (admin, unverified_ok);
/// ```
#[derive(Clone)]
pub struct VerifySessionOptions {
    /// Whether a request without a session is refused (401); default true.
    pub session_required: bool,
    /// Forces the anti-CSRF check on or off; default: on for every method but GET.
    pub anti_csrf_check: Option<bool>,
    /// Also ask the core whether the session still exists (a network call per request).
    pub check_database: bool,
    /// Replaces the global claim validators for this call.
    pub override_global_claim_validators: Option<ClaimValidatorsOverride>,
    /// Validators run after the (possibly overridden) global ones.
    pub extra_claim_validators: Vec<Arc<dyn SessionClaimValidator>>,
}

impl Default for VerifySessionOptions {
    fn default() -> Self {
        Self {
            session_required: true,
            anti_csrf_check: None,
            check_database: false,
            override_global_claim_validators: None,
            extra_claim_validators: Vec::new(),
        }
    }
}

impl fmt::Debug for VerifySessionOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra: Vec<&str> = self
            .extra_claim_validators
            .iter()
            .map(|validator| validator.id())
            .collect();
        f.debug_struct("VerifySessionOptions")
            .field("session_required", &self.session_required)
            .field("anti_csrf_check", &self.anti_csrf_check)
            .field("check_database", &self.check_database)
            .field(
                "override_global_claim_validators",
                &self.override_global_claim_validators.is_some(),
            )
            .field("extra_claim_validators", &extra)
            .finish()
    }
}

impl VerifySessionOptions {
    /// Sets whether a session is required.
    pub fn with_session_required(mut self, required: bool) -> Self {
        self.session_required = required;
        self
    }

    /// Forces the anti-CSRF check on or off.
    pub fn with_anti_csrf_check(mut self, check: bool) -> Self {
        self.anti_csrf_check = Some(check);
        self
    }

    /// Sets whether the core is asked whether the session still exists.
    pub fn with_check_database(mut self, check: bool) -> Self {
        self.check_database = check;
        self
    }

    /// Replaces the global claim validators for this route with what `choose` makes of them
    /// (node's `overrideGlobalClaimValidators`), e.g. `|_| Vec::new()` to skip them all.
    pub fn with_claim_validators<F>(self, choose: F) -> Self
    where
        F: Fn(Vec<Arc<dyn SessionClaimValidator>>) -> Vec<Arc<dyn SessionClaimValidator>>
            + Send
            + Sync
            + 'static,
    {
        self.with_claim_validators_for_session(move |globals, _| choose(globals))
    }

    /// Like [`with_claim_validators`](Self::with_claim_validators), with the verified session
    /// at hand (its user, tenant, payload) to choose from.
    pub fn with_claim_validators_for_session<F>(mut self, choose: F) -> Self
    where
        F: Fn(
                Vec<Arc<dyn SessionClaimValidator>>,
                &SessionContainer,
            ) -> Vec<Arc<dyn SessionClaimValidator>>
            + Send
            + Sync
            + 'static,
    {
        self.override_global_claim_validators = Some(Arc::new(choose));
        self
    }

    /// Skips every global claim validator on this route (validators added with
    /// [`with_extra_claim_validator`](Self::with_extra_claim_validator) still run).
    pub fn without_claim_validators(self) -> Self {
        self.with_claim_validators(|_| Vec::new())
    }

    /// Adds a validator for this route, checked after the global ones (e.g.
    /// `UserRoleClaim::includes("admin")`).
    pub fn with_extra_claim_validator(
        mut self,
        validator: impl SessionClaimValidator + 'static,
    ) -> Self {
        self.extra_claim_validators.push(Arc::new(validator));
        self
    }
}

/// Builds the recipe at `init`.
pub(crate) struct SessionRecipeBuilder {
    pub(crate) config: SessionConfig,
}

impl RecipeBuilder for SessionRecipeBuilder {
    fn build(self: Box<Self>, context: &InitContext) -> Result<BuiltRecipe> {
        let config = self.config.normalise(&context.app_info)?;
        let jwks = JwksCache::new(
            context.querier.clone(),
            config.clock.clone(),
            config.jwks_refresh_interval,
        );
        let core = Arc::new(SessionCore {
            config,
            querier: context.querier.clone(),
            jwks,
            claims: context.shared::<ClaimRegistry>(),
            functions: OnceLock::new(),
        });
        let default_functions: Arc<dyn SessionFunctions> =
            Arc::new(DefaultSessionFunctions::new(core.clone()));
        let functions = match &self.config.override_functions {
            Some(decorate) => decorate(default_functions),
            None => default_functions,
        };
        let _ = core.functions.set(Arc::downgrade(&functions));
        let default_apis: Arc<dyn SessionApis> = Arc::new(DefaultSessionApis);
        let apis = match &self.config.override_apis {
            Some(decorate) => decorate(default_apis),
            None => default_apis,
        };
        tracing::debug!(config = ?core.config, "session recipe initialised");
        Ok(BuiltRecipe::new(Arc::new(SessionRecipe {
            core,
            functions,
            apis,
        })))
    }
}

/// The session recipe.
pub struct SessionRecipe {
    core: Arc<SessionCore>,
    functions: Arc<dyn SessionFunctions>,
    apis: Arc<dyn SessionApis>,
}

impl fmt::Debug for SessionRecipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRecipe")
            .field("config", &self.core.config)
            .finish_non_exhaustive()
    }
}

fn try_refresh(message: &str) -> SuperTokensError {
    SessionError::TryRefreshToken {
        message: message.to_owned(),
    }
    .into()
}

fn unauthorised(message: &str, clear_tokens: bool) -> SuperTokensError {
    SessionError::Unauthorised {
        message: message.to_owned(),
        clear_tokens,
    }
    .into()
}

impl SessionRecipe {
    /// The recipe of an initialised SDK; a configuration error when it is not in the
    /// recipe list.
    pub fn from_supertokens(supertokens: &SuperTokens) -> Result<Arc<Self>> {
        supertokens.recipe::<Self>().ok_or_else(|| {
            SuperTokensError::Config(
                "the session recipe is not initialised: add supertokens_session::init(..) to recipe_list".into(),
            )
        })
    }

    /// The recipe of an initialised SDK, for `recipe` (e.g. `emailpassword`) which needs it;
    /// a configuration error naming `recipe` when it is not in the recipe list.
    pub fn required_by(supertokens: &SuperTokens, recipe: &str) -> Result<Arc<Self>> {
        supertokens.recipe::<Self>().ok_or_else(|| {
            SuperTokensError::Config(format!(
                "the {recipe} recipe needs the session recipe in recipe_list"
            ))
        })
    }

    /// The validated configuration.
    pub fn config(&self) -> &NormalisedSessionConfig {
        &self.core.config
    }

    /// The functions (after overrides).
    pub fn functions(&self) -> &Arc<dyn SessionFunctions> {
        &self.functions
    }

    /// The APIs (after overrides).
    pub fn apis(&self) -> &Arc<dyn SessionApis> {
        &self.apis
    }

    /// Creates a session for a sign-in/up request. The access token payload gets `iss`
    /// (API domain + API base path) and the claims other recipes add to new sessions (see
    /// [`ClaimRegistry`]), and loses protected claims; tokens travel as the
    /// request's `st-auth-mode` asks (header when absent), and tokens the request carried on
    /// the other transfer method are cleared. Apply the container's
    /// [`response_headers`](SessionContainer::response_headers) to the response.
    pub async fn create_new_session(
        &self,
        request: &SdkRequest,
        tenant_id: &str,
        recipe_user_id: &str,
        access_token_payload: JsonObject,
        session_data: JsonObject,
    ) -> Result<SessionContainer> {
        let config = &self.core.config;
        let mut payload = access_token_payload;
        payload.insert("iss".into(), config.issuer.clone().into());
        strip_protected_props(&mut payload);
        self.add_claims_of_new_session(&mut payload, tenant_id, recipe_user_id)
            .await?;
        let method = match config.transfer_method_for(request, true) {
            TransferMethodPreference::Header => TokenTransferMethod::Header,
            TransferMethodPreference::Cookie => TokenTransferMethod::Cookie,
            TransferMethodPreference::Any => {
                let mode = request
                    .header(AUTH_MODE_HEADER)
                    .map(str::to_ascii_lowercase);
                if mode.as_deref() == Some("cookie") {
                    TokenTransferMethod::Cookie
                } else {
                    TokenTransferMethod::Header
                }
            }
        };
        let session = self
            .functions
            .create_new_session(CreateNewSessionInput {
                tenant_id: tenant_id.to_owned(),
                recipe_user_id: recipe_user_id.to_owned(),
                access_token_payload: payload,
                session_data_in_database: session_data,
                disable_anti_csrf: method == TokenTransferMethod::Header,
            })
            .await?;
        let clear: Vec<_> = TokenTransferMethod::ALL
            .into_iter()
            .filter(|other| {
                *other != method && get_token(request, TokenType::Access, *other).is_some()
            })
            .collect();
        session.attach(method, clear, Vec::new())?;
        Ok(session)
    }

    /// Builds the claims other recipes add to new sessions into `payload`, in the order they
    /// were added (each sees the payload built so far). The primary user id comes from the
    /// core (`GET /user/id`), and only when there are such claims.
    async fn add_claims_of_new_session(
        &self,
        payload: &mut JsonObject,
        tenant_id: &str,
        recipe_user_id: &str,
    ) -> Result<()> {
        let claims = self.core.claims.claims_for_new_sessions();
        if claims.is_empty() {
            return Ok(());
        }
        let user_id = supertokens::users::get_user_by_id(&self.core.querier, recipe_user_id)
            .await?
            .map_or_else(|| recipe_user_id.to_owned(), |user| user.id);
        let now_ms = self.core.config.clock.now_ms();
        for claim in claims {
            let input = ClaimFetchInput::new(
                &user_id,
                recipe_user_id,
                tenant_id,
                payload,
                &self.core.claims,
            );
            let update = claim.build(&input, now_ms).await?;
            payload.extend(update);
        }
        strip_protected_props(payload);
        Ok(())
    }

    /// The claims and validators the recipes of this SDK instance contribute.
    pub fn claim_registry(&self) -> &Arc<ClaimRegistry> {
        &self.core.claims
    }

    /// The global claim validators: those recipes added, then the config's.
    pub fn global_claim_validators(&self) -> Vec<Arc<dyn SessionClaimValidator>> {
        let mut validators = self.core.claims.claim_validators();
        validators.extend(self.core.config.global_claim_validators.iter().cloned());
        validators
    }

    /// The access token of a request and where it came from: the Bearer header wins over the
    /// cookie; tokens that are not SuperTokens access tokens are ignored.
    fn access_token_from_request(
        &self,
        request: &SdkRequest,
        allowed: TransferMethodPreference,
    ) -> Result<(Option<TokenTransferMethod>, Option<String>)> {
        let usable = |method| {
            get_token(request, TokenType::Access, method).filter(|token| {
                parse_jwt_without_signature_verification(token)
                    .and_then(|parsed| {
                        validate_access_token_structure(&parsed.payload, parsed.version)
                    })
                    .is_ok()
            })
        };
        if allowed.allows(TokenTransferMethod::Header)
            && let Some(token) = usable(TokenTransferMethod::Header)
        {
            return Ok((Some(TokenTransferMethod::Header), Some(token)));
        }
        if allowed.allows(TokenTransferMethod::Cookie)
            && let Some(token) = usable(TokenTransferMethod::Cookie)
        {
            if has_multiple_cookies(request, ACCESS_TOKEN_COOKIE) {
                return Err(try_refresh(
                    "Multiple access tokens present in the request cookies.",
                ));
            }
            return Ok((Some(TokenTransferMethod::Cookie), Some(token)));
        }
        Ok((None, None))
    }

    /// Verifies the session of a request (node's `getSession`): legacy and duplicate cookies
    /// ask for a refresh; the token is checked locally (and by the core when it was just
    /// refreshed or `check_database` is set); anti-CSRF applies to non-GET cookie requests;
    /// then the claim validators run. `Ok(None)` only when the session is not required and
    /// the request has none.
    pub async fn get_session(
        &self,
        request: &SdkRequest,
        options: &VerifySessionOptions,
    ) -> Result<Option<SessionContainer>> {
        let config = &self.core.config;
        if request.cookie(LEGACY_ID_REFRESH_TOKEN_COOKIE).is_some() {
            return Err(try_refresh(
                "using legacy session, please call the refresh API",
            ));
        }
        let allowed = config.transfer_method_for(request, false);
        let (method, access_token) = self.access_token_from_request(request, allowed)?;
        let anti_csrf_token = anti_csrf_token_from_headers(request);
        let mut anti_csrf_check = options
            .anti_csrf_check
            .unwrap_or(request.method != Method::GET);
        if method == Some(TokenTransferMethod::Header) || access_token.is_none() {
            anti_csrf_check = false;
        }
        if anti_csrf_check && config.anti_csrf == AntiCsrf::ViaCustomHeader {
            if request.header(RID_HEADER).is_none() {
                return Err(try_refresh(
                    "anti-csrf check failed. Please pass 'rid: \"session\"' header in the request, or set doAntiCsrfCheck to false for this API",
                ));
            }
            anti_csrf_check = false;
        }
        let session = self
            .functions
            .get_session(GetSessionInput {
                access_token,
                anti_csrf_token,
                anti_csrf_check,
                session_required: options.session_required,
                check_database: options.check_database,
            })
            .await?;
        let Some(session) = session else {
            return Ok(None);
        };
        let global = self.global_claim_validators();
        let mut validators = match &options.override_global_claim_validators {
            Some(choose) => choose(global, &session),
            None => global,
        };
        validators.extend(options.extra_claim_validators.iter().cloned());
        session.assert_claims(&validators).await?;
        let method = method.unwrap_or(match allowed {
            TransferMethodPreference::Cookie => TokenTransferMethod::Cookie,
            TransferMethodPreference::Header | TransferMethodPreference::Any => {
                TokenTransferMethod::Header
            }
        });
        session.attach(method, Vec::new(), Vec::new())?;
        Ok(Some(session))
    }

    /// What a `verify_session` middleware does (node's `verifySession` API): OPTIONS and
    /// TRACE requests get no session, a POST to the refresh path refreshes, anything else is
    /// [`get_session`](Self::get_session).
    pub async fn verify_session(
        &self,
        request: &SdkRequest,
        options: &VerifySessionOptions,
    ) -> Result<Option<SessionContainer>> {
        if request.method == Method::OPTIONS || request.method == Method::TRACE {
            return Ok(None);
        }
        if request.method == Method::POST
            && request.path.trim_end_matches('/') == self.core.config.refresh_token_path
        {
            return self.refresh_session(request).await.map(Some);
        }
        self.get_session(request, options).await
    }

    /// Refreshes the session of a request (the refresh API): the refresh token comes from
    /// the Bearer header or the path-scoped cookie, new tokens go back the same way, and the
    /// other transfer method is cleared if it carried tokens. A reused refresh token revokes
    /// the session and fails with "token theft detected".
    pub async fn refresh_session(&self, request: &SdkRequest) -> Result<SessionContainer> {
        let config = &self.core.config;
        let allowed = config.transfer_method_for(request, false);
        if allowed != TransferMethodPreference::Header
            && (has_multiple_cookies(request, ACCESS_TOKEN_COOKIE)
                || has_multiple_cookies(request, REFRESH_TOKEN_COOKIE))
        {
            return Err(SuperTokensError::Internal(
                "The request contains multiple session cookies. This may happen if you've changed the cookie_domain value in your configuration.".into(),
            ));
        }
        let header_token = get_token(request, TokenType::Refresh, TokenTransferMethod::Header);
        let cookie_token = get_token(request, TokenType::Refresh, TokenTransferMethod::Cookie)
            .filter(|token| !token.is_empty());
        let (method, refresh_token) = if allowed.allows(TokenTransferMethod::Header)
            && let Some(token) = header_token.clone()
        {
            (TokenTransferMethod::Header, token)
        } else if allowed.allows(TokenTransferMethod::Cookie)
            && let Some(token) = cookie_token.clone()
        {
            (TokenTransferMethod::Cookie, token)
        } else {
            if allowed.allows(TokenTransferMethod::Cookie)
                && get_token(request, TokenType::Access, TokenTransferMethod::Cookie).is_some()
            {
                return Err(unauthorised(
                    "Refresh token not found but access token is present. Clearing all tokens.",
                    true,
                ));
            }
            return Err(unauthorised(
                "Refresh token not found. Are you sending the refresh token in the request?",
                true,
            ));
        };
        let mut disable_anti_csrf = method == TokenTransferMethod::Header;
        if config.anti_csrf == AntiCsrf::ViaCustomHeader && !disable_anti_csrf {
            if request.header(RID_HEADER).is_none() {
                return Err(unauthorised(
                    "anti-csrf check failed. Please pass 'rid: \"session\"' header in the request.",
                    true,
                ));
            }
            disable_anti_csrf = true;
        }
        let refreshed = self
            .functions
            .refresh_session(RefreshSessionInput {
                refresh_token,
                anti_csrf_token: anti_csrf_token_from_headers(request),
                disable_anti_csrf,
            })
            .await;
        if let Err(SuperTokensError::Session(SessionError::TokenTheftDetected {
            session_handle,
            ..
        })) = &refreshed
        {
            tracing::warn!(%session_handle, "refresh token reuse: revoking the session");
            self.functions.revoke_session(session_handle).await?;
        }
        let session = refreshed?;
        let clear: Vec<_> = TokenTransferMethod::ALL
            .into_iter()
            .filter(|other| {
                *other != method
                    && match other {
                        TokenTransferMethod::Header => header_token.is_some(),
                        TokenTransferMethod::Cookie => cookie_token.is_some(),
                    }
            })
            .collect();
        let mut extra = Vec::new();
        if request.cookie(LEGACY_ID_REFRESH_TOKEN_COOKIE).is_some() {
            extra.push(clear_legacy_id_refresh_token(config)?);
        }
        session.attach(method, clear, extra)?;
        Ok(session)
    }

    /// Revokes a session; whether it existed.
    pub async fn revoke_session(&self, session_handle: &str) -> Result<bool> {
        self.functions.revoke_session(session_handle).await
    }

    /// Revokes every session of a user (all tenants, linked accounts included); the handles
    /// revoked.
    pub async fn revoke_all_sessions_for_user(&self, user_id: &str) -> Result<Vec<String>> {
        self.functions
            .revoke_all_sessions_for_user(user_id, &UserSessionsOptions::default())
            .await
    }

    /// The handles of a user's live sessions (all tenants, linked accounts included).
    pub async fn get_all_session_handles_for_user(&self, user_id: &str) -> Result<Vec<String>> {
        self.functions
            .get_all_session_handles_for_user(user_id, &UserSessionsOptions::default())
            .await
    }

    /// A session as the core stores it; `None` when it does not exist.
    pub async fn get_session_information(
        &self,
        session_handle: &str,
    ) -> Result<Option<SessionInformation>> {
        self.functions.get_session_information(session_handle).await
    }

    /// Replaces a session's server-side data; false when it does not exist.
    pub async fn update_session_data_in_database(
        &self,
        session_handle: &str,
        data: JsonObject,
    ) -> Result<bool> {
        self.functions
            .update_session_data_in_database(session_handle, data)
            .await
    }

    /// Merges into a session's stored access token claims, offline: the change reaches the
    /// client with the next refresh. False when the session does not exist.
    pub async fn merge_into_access_token_payload(
        &self,
        session_handle: &str,
        update: JsonObject,
    ) -> Result<bool> {
        self.functions
            .merge_into_access_token_payload(session_handle, update)
            .await
    }

    /// Fetches a claim's current value and stores it in a session's access token claims,
    /// offline (node's `fetchAndSetClaim(sessionHandle, claim)`): the client sees it after
    /// its next refresh. False when the session does not exist.
    pub async fn fetch_and_set_claim(
        &self,
        session_handle: &str,
        claim: &(impl SessionClaim + ?Sized),
    ) -> Result<bool> {
        let Some(information) = self.get_session_information(session_handle).await? else {
            return Ok(false);
        };
        let input = ClaimFetchInput::new(
            &information.user_id,
            &information.recipe_user_id,
            &information.tenant_id,
            &information.custom_claims_in_access_token_payload,
            &self.core.claims,
        );
        let update = claim.build(&input, self.core.config.clock.now_ms()).await?;
        self.merge_into_access_token_payload(session_handle, update)
            .await
    }

    /// Sets a claim's value in a session's stored access token claims, offline. False when
    /// the session does not exist.
    pub async fn set_claim_value(
        &self,
        session_handle: &str,
        claim: &(impl SessionClaim + ?Sized),
        value: serde_json::Value,
    ) -> Result<bool> {
        let update = claim.payload_entry(value, self.core.config.clock.now_ms());
        self.merge_into_access_token_payload(session_handle, update)
            .await
    }

    /// A claim's value in a session's stored access token claims; `None` when the session
    /// does not exist, `Some(None)` when it has no value.
    pub async fn get_claim_value(
        &self,
        session_handle: &str,
        claim: &(impl SessionClaim + ?Sized),
    ) -> Result<Option<Option<serde_json::Value>>> {
        Ok(self
            .get_session_information(session_handle)
            .await?
            .map(|information| {
                claim
                    .value_from_payload(&information.custom_claims_in_access_token_payload)
                    .cloned()
            }))
    }

    /// Removes a claim from a session's stored access token claims, offline. False when the
    /// session does not exist.
    pub async fn remove_claim(
        &self,
        session_handle: &str,
        claim: &(impl SessionClaim + ?Sized),
    ) -> Result<bool> {
        self.merge_into_access_token_payload(session_handle, claim.removal_entry())
            .await
    }

    /// The response for a session error, or `None` for other errors.
    pub fn session_error_response(
        &self,
        error: &SuperTokensError,
        request: &SdkRequest,
    ) -> Option<SdkResponse> {
        let SuperTokensError::Session(error) = error else {
            return None;
        };
        let config = &self.core.config;
        let expired = config.session_expired_status_code;
        let (mut response, clear) = match error {
            SessionError::TryRefreshToken { message } => {
                tracing::debug!(%message, "session: try refresh token");
                (SdkResponse::message(expired, "try refresh token"), false)
            }
            SessionError::Unauthorised {
                message,
                clear_tokens,
            } => {
                tracing::debug!(%message, clear_tokens, "session: unauthorised");
                (SdkResponse::message(expired, "unauthorised"), *clear_tokens)
            }
            SessionError::TokenTheftDetected { session_handle, .. } => {
                tracing::debug!(%session_handle, "session: token theft detected");
                (SdkResponse::message(expired, "token theft detected"), true)
            }
            SessionError::InvalidClaims {
                claim_validation_errors,
            } => (
                SdkResponse::json(
                    config.invalid_claim_status_code,
                    &json!({
                        "message": "invalid claim",
                        "claimValidationErrors": claim_validation_errors,
                    }),
                ),
                false,
            ),
        };
        if clear {
            let mut changes = match clear_session_from_all_transfer_methods(config) {
                Ok(changes) => changes,
                Err(error) => {
                    tracing::error!(%error, "cannot build the token clearing headers");
                    return Some(SdkResponse::message(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Internal server error",
                    ));
                }
            };
            if request.cookie(LEGACY_ID_REFRESH_TOKEN_COOKIE).is_some()
                && let Ok(change) = clear_legacy_id_refresh_token(config)
            {
                changes.push(change);
            }
            response.apply(&changes);
        }
        Some(response)
    }
}

#[async_trait]
impl Recipe for SessionRecipe {
    fn recipe_id(&self) -> &'static str {
        crate::RECIPE_ID
    }

    fn routes(&self) -> Vec<ApiRoute> {
        let mut routes = Vec::new();
        if !self.core.config.disable_refresh_api {
            routes.push(ApiRoute {
                method: Method::POST,
                path: REFRESH_API_PATH,
                id: REFRESH_API_ID,
                tenant_scoped: false,
            });
        }
        if !self.core.config.disable_signout_api {
            routes.push(ApiRoute {
                method: Method::POST,
                path: SIGNOUT_API_PATH,
                id: SIGNOUT_API_ID,
                tenant_scoped: false,
            });
        }
        if !self.core.config.disable_jwks_apis {
            routes.push(ApiRoute {
                method: Method::GET,
                path: JWKS_API_PATH,
                id: JWKS_API_ID,
                tenant_scoped: false,
            });
            routes.push(ApiRoute {
                method: Method::GET,
                path: OPENID_CONFIGURATION_API_PATH,
                id: OPENID_CONFIGURATION_API_ID,
                tenant_scoped: false,
            });
        }
        routes
    }

    async fn handle(&self, api_id: &str, context: &ApiContext<'_>) -> Result<SdkResponse> {
        let options = ApiOptions {
            supertokens: context.supertokens,
            request: context.request,
            recipe: self,
        };
        match api_id {
            REFRESH_API_ID => api::refresh(&options).await,
            SIGNOUT_API_ID => api::signout(&options).await,
            JWKS_API_ID => api::jwks(&self.core.querier).await,
            OPENID_CONFIGURATION_API_ID => Ok(api::openid_configuration(&self.core.config)),
            other => Err(SuperTokensError::Internal(format!(
                "the session recipe has no API {other:?}"
            ))),
        }
    }

    fn cors_headers(&self) -> Vec<&'static str> {
        vec![
            ANTI_CSRF_HEADER,
            RID_HEADER,
            AUTHORIZATION_HEADER,
            AUTH_MODE_HEADER,
        ]
    }

    fn error_response(
        &self,
        error: &SuperTokensError,
        request: &SdkRequest,
    ) -> Option<SdkResponse> {
        self.session_error_response(error, request)
    }
}
