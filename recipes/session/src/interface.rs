//! What apps can override: the functions that talk to the core ([`SessionFunctions`], node's
//! `RecipeInterface`) and the two FDI routes ([`SessionApis`], node's `APIInterface`).
//!
//! Overrides are decorators: `override_functions` / `override_apis` receive the built-in
//! implementation and return a value that keeps it (`original`) and delegates to it where it
//! changes nothing. [`SessionApis`] methods have the built-in behaviour as default bodies, so
//! an API override implements only what it changes.

use std::fmt;

use async_trait::async_trait;
use supertokens::{Result, SdkRequest, SuperTokens};
use supertokens_cdi::session::{JsonObject, SessionInfo, TokenInfo};

use crate::recipe::SessionRecipe;
use crate::session_container::SessionContainer;

/// Input of [`SessionFunctions::create_new_session`].
#[derive(Debug, Clone, PartialEq)]
pub struct CreateNewSessionInput {
    /// Tenant of the session.
    pub tenant_id: String,
    /// The login method (recipe user) the session is for; the core resolves the primary user.
    pub recipe_user_id: String,
    /// Claims of the access token (protected claims already removed, `iss` added).
    pub access_token_payload: JsonObject,
    /// Server-side session data.
    pub session_data_in_database: JsonObject,
    /// True in header mode: no anti-CSRF token is issued.
    pub disable_anti_csrf: bool,
}

/// Input of [`SessionFunctions::get_session`].
#[derive(Clone, PartialEq, Eq)]
pub struct GetSessionInput {
    /// The access token from the request, if any.
    pub access_token: Option<String>,
    /// The `anti-csrf` request header, if any.
    pub anti_csrf_token: Option<String>,
    /// Whether the `VIA_TOKEN` anti-CSRF check applies.
    pub anti_csrf_check: bool,
    /// Whether a missing or malformed token is an error (else `Ok(None)`).
    pub session_required: bool,
    /// Ask the core whether the session still exists.
    pub check_database: bool,
}

impl fmt::Debug for GetSessionInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetSessionInput")
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "anti_csrf_token",
                &self.anti_csrf_token.as_ref().map(|_| "<redacted>"),
            )
            .field("anti_csrf_check", &self.anti_csrf_check)
            .field("session_required", &self.session_required)
            .field("check_database", &self.check_database)
            .finish()
    }
}

/// Input of [`SessionFunctions::refresh_session`].
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshSessionInput {
    /// The refresh token.
    pub refresh_token: String,
    /// The `anti-csrf` request header, if any.
    pub anti_csrf_token: Option<String>,
    /// True in header mode and after a passed `VIA_CUSTOM_HEADER` check.
    pub disable_anti_csrf: bool,
}

impl fmt::Debug for RefreshSessionInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshSessionInput")
            .field("refresh_token", &"<redacted>")
            .field(
                "anti_csrf_token",
                &self.anti_csrf_token.as_ref().map(|_| "<redacted>"),
            )
            .field("disable_anti_csrf", &self.disable_anti_csrf)
            .finish()
    }
}

/// Outcome of [`SessionFunctions::regenerate_access_token`].
#[derive(Debug, Clone, PartialEq)]
pub struct RegenerateAccessTokenResult {
    /// The session with its new claims.
    pub session: SessionInfo,
    /// The new access token; `None` when the given one had expired meanwhile.
    pub access_token: Option<TokenInfo>,
}

/// What the core stores about a session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionInformation {
    /// Handle.
    pub session_handle: String,
    /// Primary user id.
    pub user_id: String,
    /// Recipe user id.
    pub recipe_user_id: String,
    /// Server-side data.
    pub session_data_in_database: JsonObject,
    /// The stored access token claims (used by the next minted token).
    pub custom_claims_in_access_token_payload: JsonObject,
    /// Epoch ms at which the session (its refresh token) expires.
    pub expiry: i64,
    /// Epoch ms of creation.
    pub time_created: i64,
    /// Tenant.
    pub tenant_id: String,
}

/// Scope of the per-user session functions (node's defaults: all tenants, linked accounts
/// included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSessionsOptions {
    /// Tenant, when not across all tenants.
    pub tenant_id: String,
    /// Every tenant (only allowed from the public tenant).
    pub across_all_tenants: bool,
    /// Also the sessions of the user's linked accounts.
    pub for_linked_accounts: bool,
}

impl Default for UserSessionsOptions {
    fn default() -> Self {
        Self {
            tenant_id: supertokens::PUBLIC_TENANT.to_owned(),
            across_all_tenants: true,
            for_linked_accounts: true,
        }
    }
}

/// The recipe's operations (node's `RecipeInterface`). The built-in implementation calls the
/// core; containers it returns are not yet attached to a request (the request-level methods
/// of [`SessionRecipe`] do that).
#[async_trait]
pub trait SessionFunctions: Send + Sync {
    /// Creates a session (`POST /<tenant>/recipe/session`).
    async fn create_new_session(&self, input: CreateNewSessionInput) -> Result<SessionContainer>;

    /// Verifies an access token: locally when possible, else with
    /// `POST /recipe/session/verify`. `Ok(None)` only when the session is not required and
    /// there is no usable token.
    async fn get_session(&self, input: GetSessionInput) -> Result<Option<SessionContainer>>;

    /// Rotates the tokens (`POST /recipe/session/refresh`).
    async fn refresh_session(&self, input: RefreshSessionInput) -> Result<SessionContainer>;

    /// Mints an access token with a new payload (`POST /recipe/session/regenerate`); `None`
    /// when the session no longer exists.
    async fn regenerate_access_token(
        &self,
        access_token: &str,
        new_access_token_payload: Option<JsonObject>,
    ) -> Result<Option<RegenerateAccessTokenResult>>;

    /// Revokes one session; whether it existed.
    async fn revoke_session(&self, session_handle: &str) -> Result<bool>;

    /// Revokes several sessions; the handles that existed.
    async fn revoke_multiple_sessions(&self, session_handles: &[String]) -> Result<Vec<String>>;

    /// Revokes a user's sessions; the handles revoked.
    async fn revoke_all_sessions_for_user(
        &self,
        user_id: &str,
        options: &UserSessionsOptions,
    ) -> Result<Vec<String>>;

    /// The handles of a user's live sessions.
    async fn get_all_session_handles_for_user(
        &self,
        user_id: &str,
        options: &UserSessionsOptions,
    ) -> Result<Vec<String>>;

    /// A session as stored; `None` when it does not exist (or expired).
    async fn get_session_information(
        &self,
        session_handle: &str,
    ) -> Result<Option<SessionInformation>>;

    /// Replaces the server-side data; false when the session does not exist.
    async fn update_session_data_in_database(
        &self,
        session_handle: &str,
        new_session_data: JsonObject,
    ) -> Result<bool>;

    /// Merges into the stored access token claims (keys set to `null` are removed), used by
    /// the next minted token; false when the session does not exist.
    async fn merge_into_access_token_payload(
        &self,
        session_handle: &str,
        access_token_payload_update: JsonObject,
    ) -> Result<bool>;
}

/// What an API handler gets.
#[derive(Clone, Copy)]
pub struct ApiOptions<'a> {
    /// The SDK (the core, the other recipes).
    pub supertokens: &'a SuperTokens,
    /// The request being served.
    pub request: &'a SdkRequest,
    /// This recipe.
    pub recipe: &'a SessionRecipe,
}

impl fmt::Debug for ApiOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiOptions")
            .field("method", &self.request.method)
            .field("path", &self.request.path)
            .finish_non_exhaustive()
    }
}

/// Outcome of `POST /signout`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignOutPostResponse {
    /// `{"status":"OK"}`; the session's tokens are cleared.
    Ok,
    /// `{"status":"GENERAL_ERROR","message":…}`.
    GeneralError {
        /// Shown to the user.
        message: String,
    },
}

/// The FDI routes of the recipe (node's `APIInterface`). Each method's default body is the
/// built-in behaviour.
#[async_trait]
pub trait SessionApis: Send + Sync {
    /// `POST /session/refresh`: rotates the tokens; the response body is `{}` and carries the
    /// returned session's headers.
    async fn refresh_post(&self, options: &ApiOptions<'_>) -> Result<SessionContainer> {
        options.recipe.refresh_session(options.request).await
    }

    /// `POST /signout`: revokes the verified session (whose headers then clear the tokens).
    async fn signout_post(
        &self,
        session: &SessionContainer,
        _options: &ApiOptions<'_>,
    ) -> Result<SignOutPostResponse> {
        session.revoke_session().await?;
        Ok(SignOutPostResponse::Ok)
    }
}

/// The built-in APIs.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultSessionApis;

impl SessionApis for DefaultSessionApis {}
