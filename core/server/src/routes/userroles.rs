//! The user roles recipe's endpoints (rid `userroles`): roles and permissions belong to the
//! app, the roles of users to a tenant.

use axum::Json;
use axum::extract::Extension;
use serde::Deserialize;
use supertokens_cdi::userroles::{
    AddRoleToUserResponse, CreateOrUpdateRoleRequest, CreateOrUpdateRoleResponse,
    RemovePermissionsRequest, RemoveRoleRequest, RemoveRoleResponse, RemoveUserRoleResponse,
    RolePermissionsResponse, RoleStatusResponse, RoleUsersResponse, RolesResponse, UserRoleRequest,
};

use super::required;
use crate::error::ApiResult;
use crate::extract::AppCore;
use crate::extract::{JsonBody, QueryParams};
use crate::routing::Tenant;

/// Creates a role, or adds permissions to it
#[utoipa::path(
    put,
    path = "/recipe/role",
    tag = "userroles",
    request_body = CreateOrUpdateRoleRequest,
    responses((status = 200, description = "Whether the role was created", body = CreateOrUpdateRoleResponse)),
)]
pub(super) async fn create_or_update_role(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<CreateOrUpdateRoleRequest>,
) -> ApiResult<Json<CreateOrUpdateRoleResponse>> {
    Ok(Json(
        core.userroles
            .create_or_update_role(&request.role, request.permissions.as_deref())
            .await?,
    ))
}

/// Removes a role with its permissions and assignments
#[utoipa::path(
    post,
    path = "/recipe/role/remove",
    tag = "userroles",
    request_body = RemoveRoleRequest,
    responses((status = 200, description = "Whether the role existed", body = RemoveRoleResponse)),
)]
pub(super) async fn remove_role(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<RemoveRoleRequest>,
) -> ApiResult<Json<RemoveRoleResponse>> {
    Ok(Json(core.userroles.remove_role(&request.role).await?))
}

/// Every role of the app
#[utoipa::path(
    get,
    path = "/recipe/roles",
    tag = "userroles",
    responses((status = 200, description = "The roles", body = RolesResponse)),
)]
pub(super) async fn roles(AppCore(core): AppCore) -> ApiResult<Json<RolesResponse>> {
    Ok(Json(core.userroles.roles().await?))
}

/// Query naming a role.
#[derive(Debug, Deserialize)]
pub(super) struct RoleQuery {
    role: Option<String>,
}

/// A role's permissions
#[utoipa::path(
    get,
    path = "/recipe/role/permissions",
    tag = "userroles",
    params(("role" = String, Query, description = "The role")),
    responses((status = 200, description = "The permissions, or no such role", body = RolePermissionsResponse)),
)]
pub(super) async fn role_permissions(
    AppCore(core): AppCore,
    QueryParams(query): QueryParams<RoleQuery>,
) -> ApiResult<Json<RolePermissionsResponse>> {
    let role = required("role", &query.role)?;
    Ok(Json(core.userroles.permissions(role).await?))
}

/// Removes some permissions of a role, or all when none are named
#[utoipa::path(
    post,
    path = "/recipe/role/permissions/remove",
    tag = "userroles",
    request_body = RemovePermissionsRequest,
    responses((status = 200, description = "Done, or no such role", body = RoleStatusResponse)),
)]
pub(super) async fn remove_permissions(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<RemovePermissionsRequest>,
) -> ApiResult<Json<RoleStatusResponse>> {
    Ok(Json(
        core.userroles
            .remove_permissions(&request.role, request.permissions.as_deref())
            .await?,
    ))
}

/// Query of `GET /recipe/permission/roles`.
#[derive(Debug, Deserialize)]
pub(super) struct PermissionQuery {
    permission: Option<String>,
}

/// The roles that have a permission
#[utoipa::path(
    get,
    path = "/recipe/permission/roles",
    tag = "userroles",
    params(("permission" = String, Query, description = "The permission")),
    responses((status = 200, description = "The roles", body = RolesResponse)),
)]
pub(super) async fn roles_with_permission(
    AppCore(core): AppCore,
    QueryParams(query): QueryParams<PermissionQuery>,
) -> ApiResult<Json<RolesResponse>> {
    let permission = required("permission", &query.permission)?;
    Ok(Json(
        core.userroles.roles_with_permission(permission).await?,
    ))
}

/// Gives a user a role in the tenant
#[utoipa::path(
    put,
    path = "/recipe/user/role",
    tag = "userroles",
    request_body = UserRoleRequest,
    responses((status = 200, description = "Done, or no such role", body = AddRoleToUserResponse)),
)]
pub(super) async fn add_user_role(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<UserRoleRequest>,
) -> ApiResult<Json<AddRoleToUserResponse>> {
    Ok(Json(
        core.userroles
            .add_user_role(&tenant_id, &request.user_id, &request.role)
            .await?,
    ))
}

/// Takes a role from a user in the tenant
#[utoipa::path(
    post,
    path = "/recipe/user/role/remove",
    tag = "userroles",
    request_body = UserRoleRequest,
    responses((status = 200, description = "Done, or no such role", body = RemoveUserRoleResponse)),
)]
pub(super) async fn remove_user_role(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<UserRoleRequest>,
) -> ApiResult<Json<RemoveUserRoleResponse>> {
    Ok(Json(
        core.userroles
            .remove_user_role(&tenant_id, &request.user_id, &request.role)
            .await?,
    ))
}

/// Query of `GET /recipe/user/roles`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserIdQuery {
    user_id: Option<String>,
}

/// A user's roles in the tenant
#[utoipa::path(
    get,
    path = "/recipe/user/roles",
    tag = "userroles",
    params(("userId" = String, Query, description = "The user; free-form")),
    responses((status = 200, description = "The roles", body = RolesResponse)),
)]
pub(super) async fn roles_of_user(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    QueryParams(query): QueryParams<UserIdQuery>,
) -> ApiResult<Json<RolesResponse>> {
    let user_id = required("userId", &query.user_id)?;
    Ok(Json(
        core.userroles.roles_of_user(&tenant_id, user_id).await?,
    ))
}

/// The users who have a role in the tenant
#[utoipa::path(
    get,
    path = "/recipe/role/users",
    tag = "userroles",
    params(("role" = String, Query, description = "The role")),
    responses((status = 200, description = "The users, or no such role", body = RoleUsersResponse)),
)]
pub(super) async fn users_with_role(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    QueryParams(query): QueryParams<RoleQuery>,
) -> ApiResult<Json<RoleUsersResponse>> {
    let role = required("role", &query.role)?;
    Ok(Json(
        core.userroles.users_with_role(&tenant_id, role).await?,
    ))
}
