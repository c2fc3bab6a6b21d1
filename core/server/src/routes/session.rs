//! The session recipe's endpoints.

use axum::Json;
use axum::extract::Extension;
use serde::Deserialize;
use supertokens_cdi::session::{
    CreateSessionRequest, CreateSessionResponse, JwtDataResponse, RefreshSessionRequest,
    RefreshSessionResponse, RegenerateSessionRequest, RegenerateSessionResponse,
    RemoveSessionsRequest, RemoveSessionsResponse, SessionDataResponse, SessionDetailsResponse,
    SessionHandlesResponse, UpdateDataResponse, UpdateJwtDataRequest, UpdateSessionDataRequest,
    VerifySessionRequest, VerifySessionResponse,
};
use supertokens_core_engine::session::{CreateSession, RefreshSession, VerifySession};

use super::required;
use crate::error::{ApiError, ApiResult};
use crate::extract::AppCore;
use crate::extract::{JsonBody, QueryParams, parse_bool};
use crate::openapi::QueryBool;
use crate::routing::{PUBLIC, Tenant};

const SESSION_GONE: &str = "Session does not exist.";

/// Creates a session for a user in the tenant
#[utoipa::path(
    post,
    path = "/recipe/session",
    tag = "session",
    request_body = CreateSessionRequest,
    responses((status = 200, description = "The session and its tokens", body = CreateSessionResponse)),
)]
pub(super) async fn create(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<CreateSessionRequest>,
) -> ApiResult<Json<CreateSessionResponse>> {
    let session = core
        .sessions
        .create(CreateSession {
            tenant_id: &tenant_id,
            user_id: &request.user_id,
            jwt_payload: request.user_data_in_jwt,
            session_data: request.user_data_in_database,
            enable_anti_csrf: request.enable_anti_csrf,
            use_dynamic_key: request.use_dynamic_signing_key.unwrap_or(true),
        })
        .await?;
    Ok(Json(CreateSessionResponse::Ok(session)))
}

/// Verifies an access token
#[utoipa::path(
    post,
    path = "/recipe/session/verify",
    tag = "session",
    request_body = VerifySessionRequest,
    responses((status = 200, description = "The session, or why not", body = VerifySessionResponse)),
)]
pub(super) async fn verify(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<VerifySessionRequest>,
) -> ApiResult<Json<VerifySessionResponse>> {
    let response = core
        .sessions
        .verify(VerifySession {
            access_token: &request.access_token,
            anti_csrf_token: request.anti_csrf_token.as_deref(),
            do_anti_csrf_check: request.do_anti_csrf_check,
            enable_anti_csrf: request.enable_anti_csrf,
            check_database: request.check_database,
        })
        .await?;
    Ok(Json(response))
}

/// Refreshes a session with its refresh token
#[utoipa::path(
    post,
    path = "/recipe/session/refresh",
    tag = "session",
    request_body = RefreshSessionRequest,
    responses((status = 200, description = "New tokens, or why not", body = RefreshSessionResponse)),
)]
pub(super) async fn refresh(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<RefreshSessionRequest>,
) -> ApiResult<Json<RefreshSessionResponse>> {
    let response = core
        .sessions
        .refresh(RefreshSession {
            refresh_token: &request.refresh_token,
            anti_csrf_token: request.anti_csrf_token.as_deref(),
            enable_anti_csrf: request.enable_anti_csrf,
            use_dynamic_key: request.use_dynamic_signing_key,
        })
        .await?;
    Ok(Json(response))
}

/// Replaces the claims of a session's access token
#[utoipa::path(
    post,
    path = "/recipe/session/regenerate",
    tag = "session",
    request_body = RegenerateSessionRequest,
    responses((status = 200, description = "The session with its new token, or why not", body = RegenerateSessionResponse)),
)]
pub(super) async fn regenerate(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<RegenerateSessionRequest>,
) -> ApiResult<Json<RegenerateSessionResponse>> {
    Ok(Json(
        core.sessions
            .regenerate(&request.access_token, request.user_data_in_jwt)
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct HandleQuery {
    session_handle: Option<String>,
}

/// A session's details
#[utoipa::path(
    get,
    path = "/recipe/session",
    tag = "session",
    params(("sessionHandle" = String, Query, description = "The session")),
    responses((status = 200, description = "The session, or none", body = SessionDetailsResponse)),
)]
pub(super) async fn details(
    AppCore(core): AppCore,
    QueryParams(query): QueryParams<HandleQuery>,
) -> ApiResult<Json<SessionDetailsResponse>> {
    let handle = required("sessionHandle", &query.session_handle)?;
    Ok(Json(core.sessions.details(handle).await?))
}

/// Revokes sessions: by handles, or every session of a user
///
/// Exactly one of `sessionHandles` and `userId`.
#[utoipa::path(
    post,
    path = "/recipe/session/remove",
    tag = "session",
    request_body = RemoveSessionsRequest,
    responses((status = 200, description = "The revoked handles", body = RemoveSessionsResponse)),
)]
pub(super) async fn remove(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<RemoveSessionsRequest>,
) -> ApiResult<Json<RemoveSessionsResponse>> {
    let sessions = &core.sessions;
    let revoked = match (&request.session_handles, &request.user_id) {
        (Some(handles), None) => {
            if request.revoke_across_all_tenants.is_some()
                || request.revoke_sessions_for_linked_accounts.is_some()
            {
                return Err(ApiError::bad_request(
                    "revokeAcrossAllTenants and revokeSessionsForLinkedAccounts can only be used with userId",
                ));
            }
            sessions.revoke(handles).await?
        }
        (None, Some(user_id)) => {
            let across_tenants = request.revoke_across_all_tenants.unwrap_or(true);
            if across_tenants && tenant_id != PUBLIC {
                return Err(ApiError::bad_request(
                    "revokeAcrossAllTenants can only be true on the public tenant",
                ));
            }
            let tenant = (!across_tenants).then_some(tenant_id.as_str());
            sessions.revoke_all_of_user(user_id, tenant).await?
        }
        _ => {
            return Err(ApiError::bad_request(
                "Please provide exactly one of sessionHandles or userId",
            ));
        }
    };
    Ok(Json(RemoveSessionsResponse::Ok {
        session_handles_revoked: revoked,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserSessionsQuery {
    user_id: Option<String>,
    fetch_across_all_tenants: Option<String>,
    fetch_sessions_for_all_linked_accounts: Option<String>,
}

/// The handles of a user's live sessions
#[utoipa::path(
    get,
    path = "/recipe/session/user",
    tag = "session",
    params(
        ("userId" = String, Query, description = "The user"),
        ("fetchAcrossAllTenants" = inline(Option<QueryBool>), Query, description = "Every tenant's sessions (default `true`), or only the tenant's of the path"),
        ("fetchSessionsForAllLinkedAccounts" = inline(Option<QueryBool>), Query, description = "Accepted for compatibility; this core has no linked accounts"),
    ),
    responses((status = 200, description = "The handles", body = SessionHandlesResponse)),
)]
pub(super) async fn handles_of_user(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    QueryParams(query): QueryParams<UserSessionsQuery>,
) -> ApiResult<Json<SessionHandlesResponse>> {
    let user_id = required("userId", &query.user_id)?;
    let across = parse_bool(
        "fetchAcrossAllTenants",
        query.fetch_across_all_tenants.as_deref(),
        true,
    )?;
    parse_bool(
        "fetchSessionsForAllLinkedAccounts",
        query.fetch_sessions_for_all_linked_accounts.as_deref(),
        true,
    )?;
    let tenant = (!across).then_some(tenant_id.as_str());
    let handles = core.sessions.handles_of_user(user_id, tenant).await?;
    Ok(Json(SessionHandlesResponse::Ok {
        session_handles: handles,
    }))
}

/// A session's server-side data
#[utoipa::path(
    get,
    path = "/recipe/session/data",
    tag = "session",
    params(("sessionHandle" = String, Query, description = "The session")),
    responses((status = 200, description = "The data, or no such session", body = SessionDataResponse)),
)]
pub(super) async fn get_session_data(
    AppCore(core): AppCore,
    QueryParams(query): QueryParams<HandleQuery>,
) -> ApiResult<Json<SessionDataResponse>> {
    let handle = required("sessionHandle", &query.session_handle)?;
    Ok(Json(match core.sessions.live_session(handle).await? {
        Some(record) => SessionDataResponse::Ok {
            user_data_in_database: record.session_data.as_object().cloned().unwrap_or_default(),
        },
        None => SessionDataResponse::Unauthorised {
            message: SESSION_GONE.into(),
        },
    }))
}

/// Replaces a session's server-side data
#[utoipa::path(
    put,
    path = "/recipe/session/data",
    tag = "session",
    request_body = UpdateSessionDataRequest,
    responses((status = 200, description = "Stored, or no such session", body = UpdateDataResponse)),
)]
pub(super) async fn put_session_data(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<UpdateSessionDataRequest>,
) -> ApiResult<Json<UpdateDataResponse>> {
    let updated = core
        .sessions
        .update_session_data(&request.session_handle, request.user_data_in_database)
        .await?;
    Ok(Json(update_outcome(updated)))
}

/// The claims a session's next access tokens carry
#[utoipa::path(
    get,
    path = "/recipe/jwt/data",
    tag = "session",
    params(("sessionHandle" = String, Query, description = "The session")),
    responses((status = 200, description = "The claims, or no such session", body = JwtDataResponse)),
)]
pub(super) async fn get_jwt_data(
    AppCore(core): AppCore,
    QueryParams(query): QueryParams<HandleQuery>,
) -> ApiResult<Json<JwtDataResponse>> {
    let handle = required("sessionHandle", &query.session_handle)?;
    Ok(Json(match core.sessions.live_session(handle).await? {
        Some(record) => JwtDataResponse::Ok {
            user_data_in_jwt: record.jwt_payload.as_object().cloned().unwrap_or_default(),
        },
        None => JwtDataResponse::Unauthorised {
            message: SESSION_GONE.into(),
        },
    }))
}

/// Replaces the claims of a session's next access tokens
#[utoipa::path(
    put,
    path = "/recipe/jwt/data",
    tag = "session",
    request_body = UpdateJwtDataRequest,
    responses((status = 200, description = "Stored, or no such session", body = UpdateDataResponse)),
)]
pub(super) async fn put_jwt_data(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<UpdateJwtDataRequest>,
) -> ApiResult<Json<UpdateDataResponse>> {
    let updated = core
        .sessions
        .update_jwt_payload(&request.session_handle, request.user_data_in_jwt)
        .await?;
    Ok(Json(update_outcome(updated)))
}

fn update_outcome(updated: bool) -> UpdateDataResponse {
    if updated {
        UpdateDataResponse::Ok
    } else {
        UpdateDataResponse::Unauthorised {
            message: SESSION_GONE.into(),
        }
    }
}
