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
use crate::openapi::QueryBool;
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

/// The users with an email or phone number in the tenant
///
/// At least one of `email`, `phoneNumber`, `thirdPartyId` with `thirdPartyUserId`, and
/// `webauthnCredentialId`.
#[utoipa::path(
    get,
    path = "/users/by-accountinfo",
    tag = "users",
    params(
        ("email" = Option<String>, Query, description = "Users with this email"),
        ("phoneNumber" = Option<String>, Query, description = "Users with this phone number"),
        ("thirdPartyId" = Option<String>, Query, description = "Third-party provider (no third-party users exist in this core)"),
        ("thirdPartyUserId" = Option<String>, Query, description = "User id at the provider"),
        ("webauthnCredentialId" = Option<String>, Query, description = "WebAuthn credential (no WebAuthn users exist in this core)"),
        ("doUnionOfAccountInfo" = inline(Option<QueryBool>), Query, description = "Users matching any criterion (default `false`: all of them)"),
    ),
    responses((status = 200, description = "The users, oldest first", body = UsersResponse)),
)]
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

/// A user by id, with all its login methods
#[utoipa::path(
    get,
    path = "/user/id",
    tag = "users",
    params(("userId" = String, Query, description = "The user")),
    responses((status = 200, description = "The user, or none", body = GetUserResponse)),
)]
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

/// Deletes a user with all its data
#[utoipa::path(
    post,
    path = "/user/remove",
    tag = "users",
    request_body = RemoveUserRequest,
    responses((status = 200, description = "Done (also when there was no such user)", body = OkResponse)),
)]
pub(super) async fn remove(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<RemoveUserRequest>,
) -> ApiResult<Json<OkResponse>> {
    core.users.remove(&request.user_id).await?;
    Ok(Json(OkResponse::Ok))
}

/// Order of `GET /users`, as documented (the engine checks the value).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub(super) enum TimeJoinedOrder {
    /// Oldest first.
    #[schema(rename = "ASC")]
    Asc,
    /// Newest first.
    #[schema(rename = "DESC")]
    Desc,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PageQuery {
    include_recipe_ids: Option<String>,
    pagination_token: Option<String>,
    limit: Option<String>,
    time_joined_order: Option<String>,
}

/// A page of the tenant's users
#[utoipa::path(
    get,
    path = "/users",
    tag = "users",
    params(
        ("includeRecipeIds" = Option<String>, Query, description = "Comma-separated recipe ids (`emailpassword`, `passwordless`); default every recipe"),
        ("paginationToken" = Option<String>, Query, description = "`nextPaginationToken` of the previous page"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Users per page (default 100)"),
        ("timeJoinedOrder" = inline(Option<TimeJoinedOrder>), Query, description = "Oldest first (default) or newest first"),
    ),
    responses((status = 200, description = "The page", body = UserPageResponse)),
)]
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

/// How many users the tenant (or the app) has
#[utoipa::path(
    get,
    path = "/users/count",
    tag = "users",
    params(
        ("includeRecipeIds" = Option<String>, Query, description = "Comma-separated recipe ids; default every recipe"),
        ("includeAllTenants" = inline(Option<QueryBool>), Query, description = "Count the whole app (default `false`)"),
    ),
    responses((status = 200, description = "The count", body = UserCountResponse)),
)]
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
