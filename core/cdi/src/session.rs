//! The session recipe's CDI endpoints.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A JSON object payload (`userDataInJWT`, `userDataInDatabase`).
pub type JsonObject = Map<String, Value>;

/// `POST /recipe/session` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateSessionRequest {
    /// Recipe user id the session is for.
    pub user_id: String,
    /// Claims added to the access token.
    #[serde(rename = "userDataInJWT")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub user_data_in_jwt: JsonObject,
    /// Server-side session data.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub user_data_in_database: JsonObject,
    /// Issue an anti-CSRF token.
    pub enable_anti_csrf: bool,
    /// Sign with the rotating dynamic key (default) or the static key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_dynamic_signing_key: Option<bool>,
}

/// The session part of create, verify, refresh and regenerate responses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    /// Session handle.
    pub handle: String,
    /// Primary user id.
    pub user_id: String,
    /// Recipe user id.
    pub recipe_user_id: String,
    /// The token's user claims.
    #[serde(rename = "userDataInJWT")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub user_data_in_jwt: JsonObject,
    /// Tenant of the session.
    pub tenant_id: String,
}

/// A token with its lifetime.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    /// The token.
    pub token: String,
    /// Epoch ms after which it is no longer valid.
    pub expiry: i64,
    /// Epoch ms at which it was made.
    pub created_time: i64,
}

impl fmt::Debug for TokenInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenInfo")
            .field("token", &"<redacted>")
            .field("expiry", &self.expiry)
            .field("created_time", &self.created_time)
            .finish()
    }
}

/// A new session, as returned by create and refresh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewSession {
    /// The session.
    pub session: SessionInfo,
    /// The access token.
    pub access_token: TokenInfo,
    /// The refresh token.
    pub refresh_token: TokenInfo,
    /// Present when anti-CSRF is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anti_csrf_token: Option<String>,
}

/// `POST /recipe/session` outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CreateSessionResponse {
    /// Created.
    Ok(NewSession),
}

/// `POST /recipe/session/verify` body.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct VerifySessionRequest {
    /// The access token to verify.
    pub access_token: String,
    /// The anti-CSRF token the client sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anti_csrf_token: Option<String>,
    /// Compare `antiCsrfToken` with the one in the access token.
    pub do_anti_csrf_check: bool,
    /// Whether anti-CSRF is enabled for this app.
    #[serde(default)]
    pub enable_anti_csrf: bool,
    /// Also check that the session still exists in the database.
    #[serde(default)]
    pub check_database: bool,
}

impl fmt::Debug for VerifySessionRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifySessionRequest")
            .field("do_anti_csrf_check", &self.do_anti_csrf_check)
            .field("enable_anti_csrf", &self.enable_anti_csrf)
            .field("check_database", &self.check_database)
            .finish_non_exhaustive()
    }
}

/// `POST /recipe/session/verify` outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum VerifySessionResponse {
    /// Valid.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// The session.
        session: SessionInfo,
        /// A replacement access token, when one was minted (promotion or payload change).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        access_token: Option<TokenInfo>,
    },
    /// The session is gone; the client must sign in again.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Unauthorised {
        /// Why.
        message: String,
    },
    /// The token is expired or invalid; the client should refresh.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    TryRefreshToken {
        /// Why.
        message: String,
    },
}

/// `POST /recipe/session/refresh` body.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RefreshSessionRequest {
    /// The refresh token.
    pub refresh_token: String,
    /// The anti-CSRF token the client sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anti_csrf_token: Option<String>,
    /// Whether anti-CSRF is enabled for this app.
    #[serde(default)]
    pub enable_anti_csrf: bool,
    /// Sign the new access token with the dynamic key; absent keeps the session's choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_dynamic_signing_key: Option<bool>,
}

impl fmt::Debug for RefreshSessionRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshSessionRequest")
            .field("enable_anti_csrf", &self.enable_anti_csrf)
            .field("use_dynamic_signing_key", &self.use_dynamic_signing_key)
            .finish_non_exhaustive()
    }
}

/// The session named in a token theft report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StolenSession {
    /// Session handle.
    pub handle: String,
    /// Primary user id.
    pub user_id: String,
    /// Recipe user id.
    pub recipe_user_id: String,
}

/// `POST /recipe/session/refresh` outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum RefreshSessionResponse {
    /// New tokens.
    Ok(NewSession),
    /// The refresh token is invalid, expired, or its session is gone.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Unauthorised {
        /// Why.
        message: String,
    },
    /// A superseded refresh token was used again.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    TokenTheftDetected {
        /// The session concerned.
        session: StolenSession,
    },
}

/// `POST /recipe/session/regenerate` body.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RegenerateSessionRequest {
    /// The current access token.
    pub access_token: String,
    /// New user claims; replaces the stored ones when present.
    #[serde(
        default,
        rename = "userDataInJWT",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub user_data_in_jwt: Option<JsonObject>,
}

impl fmt::Debug for RegenerateSessionRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegenerateSessionRequest")
            .finish_non_exhaustive()
    }
}

/// `POST /recipe/session/regenerate` outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum RegenerateSessionResponse {
    /// Regenerated.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// The session with its new claims.
        session: SessionInfo,
        /// The new access token; absent when the given one had expired.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        access_token: Option<TokenInfo>,
    },
    /// The session is gone or the token is invalid.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Unauthorised {
        /// Why.
        message: String,
    },
}

/// `GET /recipe/session` outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum SessionDetailsResponse {
    /// The session.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Handle.
        session_handle: String,
        /// Primary user id.
        user_id: String,
        /// Recipe user id.
        recipe_user_id: String,
        /// Server-side data.
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        user_data_in_database: JsonObject,
        /// Token claims.
        #[serde(rename = "userDataInJWT")]
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        user_data_in_jwt: JsonObject,
        /// Epoch ms at which the refresh token expires.
        expiry: i64,
        /// Epoch ms.
        time_created: i64,
        /// Tenant.
        tenant_id: String,
    },
    /// No such (live) session.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Unauthorised {
        /// Why.
        message: String,
    },
}

/// `POST /recipe/session/remove` body: either `sessionHandles` or `userId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RemoveSessionsRequest {
    /// Sessions to revoke.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_handles: Option<Vec<String>>,
    /// Revoke every session of this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// With `userId`: across every tenant (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_across_all_tenants: Option<bool>,
    /// With `userId`: also linked accounts (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_sessions_for_linked_accounts: Option<bool>,
}

/// `POST /recipe/session/remove` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum RemoveSessionsResponse {
    /// Done.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Handles that existed and were revoked.
        session_handles_revoked: Vec<String>,
    },
}

/// `GET /recipe/session/user` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum SessionHandlesResponse {
    /// The live sessions.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Their handles.
        session_handles: Vec<String>,
    },
}

/// `GET /recipe/session/data` outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum SessionDataResponse {
    /// The data.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Server-side data.
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        user_data_in_database: JsonObject,
    },
    /// No such session.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Unauthorised {
        /// Why.
        message: String,
    },
}

/// `PUT /recipe/session/data` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpdateSessionDataRequest {
    /// The session.
    pub session_handle: String,
    /// Replacement data.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub user_data_in_database: JsonObject,
}

/// `GET /recipe/jwt/data` outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum JwtDataResponse {
    /// The stored claims.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Token claims.
        #[serde(rename = "userDataInJWT")]
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        user_data_in_jwt: JsonObject,
    },
    /// No such session.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Unauthorised {
        /// Why.
        message: String,
    },
}

/// `PUT /recipe/jwt/data` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpdateJwtDataRequest {
    /// The session.
    pub session_handle: String,
    /// Replacement claims (used by the next minted token).
    #[serde(rename = "userDataInJWT")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub user_data_in_jwt: JsonObject,
}

/// Outcome of the `PUT` data endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum UpdateDataResponse {
    /// Stored.
    Ok,
    /// No such session.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Unauthorised {
        /// Why.
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_ok_omits_absent_access_token() {
        let response = VerifySessionResponse::Ok {
            session: SessionInfo {
                handle: "h".into(),
                user_id: "u".into(),
                recipe_user_id: "u".into(),
                user_data_in_jwt: JsonObject::new(),
                tenant_id: "public".into(),
            },
            access_token: None,
        };
        let json = serde_json::to_value(&response).unwrap();
        assert_eq!(json["status"], "OK");
        assert_eq!(json["session"]["userDataInJWT"], serde_json::json!({}));
        assert!(json.get("accessToken").is_none());
    }

    #[test]
    fn refresh_ok_is_flattened_and_omits_anti_csrf() {
        let token = TokenInfo {
            token: "t".into(),
            expiry: 2,
            created_time: 1,
        };
        let response = RefreshSessionResponse::Ok(NewSession {
            session: SessionInfo {
                handle: "h".into(),
                user_id: "u".into(),
                recipe_user_id: "u".into(),
                user_data_in_jwt: JsonObject::new(),
                tenant_id: "public".into(),
            },
            access_token: token.clone(),
            refresh_token: token,
            anti_csrf_token: None,
        });
        let json = serde_json::to_value(&response).unwrap();
        assert_eq!(json["status"], "OK");
        assert_eq!(json["accessToken"]["createdTime"], 1);
        assert!(json.get("antiCsrfToken").is_none());
        let theft = RefreshSessionResponse::TokenTheftDetected {
            session: StolenSession {
                handle: "h".into(),
                user_id: "u".into(),
                recipe_user_id: "r".into(),
            },
        };
        let json = serde_json::to_value(&theft).unwrap();
        assert_eq!(json["status"], "TOKEN_THEFT_DETECTED");
        assert_eq!(json["session"]["recipeUserId"], "r");
    }
}
