//! User-level endpoints shared by every recipe.

use axum::Json;
use axum::extract::Extension;
use serde::Deserialize;
use supertokens_cdi::general::OkResponse;
use supertokens_cdi::user::{
    GetUserResponse, RemoveUserRequest, UserCountResponse, UserPageResponse, UsersResponse,
};
use supertokens_core_engine::users::UserPageRequest;

use super::required;
use crate::error::{ApiError, ApiResult};
use crate::extract::AppCore;
use crate::extract::{JsonBody, QueryParams, parse_bool};
use crate::routing::Tenant;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AccountInfoQuery {
    email: Option<String>,
    phone_number: Option<String>,
    third_party_id: Option<String>,
    third_party_user_id: Option<String>,
    webauthn_credential_id: Option<String>,
    do_union_of_account_info: Option<String>,
}

/// `GET /users/by-accountinfo`.
pub(super) async fn by_account_info(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    QueryParams(query): QueryParams<AccountInfoQuery>,
) -> ApiResult<Json<UsersResponse>> {
    let union = parse_bool(
        "doUnionOfAccountInfo",
        query.do_union_of_account_info.as_deref(),
        false,
    )?;
    let has_other = query.third_party_id.is_some()
        || query.third_party_user_id.is_some()
        || query.webauthn_credential_id.is_some();
    if query.email.is_none() && query.phone_number.is_none() && !has_other {
        return Err(ApiError::bad_request(
            "Please provide at least one of email, phoneNumber, thirdPartyId+thirdPartyUserId or webauthnCredentialId",
        ));
    }
    // Third-party and WebAuthn users do not exist in this core: such criteria match nobody.
    if has_other && !union {
        return Ok(Json(UsersResponse::Ok { users: Vec::new() }));
    }
    let users = core
        .users
        .by_account_info(
            &tenant_id,
            query.email.as_deref(),
            query.phone_number.as_deref(),
            union,
        )
        .await?;
    Ok(Json(UsersResponse::Ok { users }))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserIdQuery {
    user_id: Option<String>,
}

/// `GET /user/id`.
pub(super) async fn by_id(
    AppCore(core): AppCore,
    QueryParams(query): QueryParams<UserIdQuery>,
) -> ApiResult<Json<GetUserResponse>> {
    let user_id = required("userId", &query.user_id)?;
    Ok(Json(match core.users.by_id(user_id).await? {
        Some(user) => GetUserResponse::Ok { user },
        None => GetUserResponse::UnknownUserIdError,
    }))
}

/// `POST /user/remove`.
pub(super) async fn remove(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<RemoveUserRequest>,
) -> ApiResult<Json<OkResponse>> {
    core.users.remove(&request.user_id).await?;
    Ok(Json(OkResponse::Ok))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PageQuery {
    include_recipe_ids: Option<String>,
    pagination_token: Option<String>,
    limit: Option<String>,
    time_joined_order: Option<String>,
}

/// `GET /users`.
pub(super) async fn page(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    QueryParams(query): QueryParams<PageQuery>,
) -> ApiResult<Json<UserPageResponse>> {
    let limit = query
        .limit
        .as_deref()
        .map(|limit| {
            limit
                .trim()
                .parse::<u32>()
                .map_err(|_| ApiError::bad_request("limit must be a positive integer"))
        })
        .transpose()?;
    let request = UserPageRequest {
        include_recipe_ids: query.include_recipe_ids,
        pagination_token: query.pagination_token,
        limit,
        time_joined_order: query.time_joined_order,
    };
    let page = core.users.page(&tenant_id, &request).await?;
    Ok(Json(UserPageResponse::Ok {
        users: page.users,
        next_pagination_token: page.next_pagination_token,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CountQuery {
    include_recipe_ids: Option<String>,
    include_all_tenants: Option<String>,
}

/// `GET /users/count`.
pub(super) async fn count(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    QueryParams(query): QueryParams<CountQuery>,
) -> ApiResult<Json<UserCountResponse>> {
    let all_tenants = parse_bool(
        "includeAllTenants",
        query.include_all_tenants.as_deref(),
        false,
    )?;
    let tenant = (!all_tenants).then_some(tenant_id.as_str());
    let count = core
        .users
        .count(tenant, query.include_recipe_ids.as_deref())
        .await?;
    Ok(Json(UserCountResponse::Ok { count }))
}
