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

/// `PUT /recipe/role`: creates a role or adds permissions to it.
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

/// `POST /recipe/role/remove`.
pub(super) async fn remove_role(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<RemoveRoleRequest>,
) -> ApiResult<Json<RemoveRoleResponse>> {
    Ok(Json(core.userroles.remove_role(&request.role).await?))
}

/// `GET /recipe/roles`.
pub(super) async fn roles(AppCore(core): AppCore) -> ApiResult<Json<RolesResponse>> {
    Ok(Json(core.userroles.roles().await?))
}

/// Query naming a role.
#[derive(Debug, Deserialize)]
pub(super) struct RoleQuery {
    role: Option<String>,
}

/// `GET /recipe/role/permissions?role=`.
pub(super) async fn role_permissions(
    AppCore(core): AppCore,
    QueryParams(query): QueryParams<RoleQuery>,
) -> ApiResult<Json<RolePermissionsResponse>> {
    let role = required("role", &query.role)?;
    Ok(Json(core.userroles.permissions(role).await?))
}

/// `POST /recipe/role/permissions/remove`: some permissions, or all when none are named.
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

/// `GET /recipe/permission/roles?permission=`.
pub(super) async fn roles_with_permission(
    AppCore(core): AppCore,
    QueryParams(query): QueryParams<PermissionQuery>,
) -> ApiResult<Json<RolesResponse>> {
    let permission = required("permission", &query.permission)?;
    Ok(Json(
        core.userroles.roles_with_permission(permission).await?,
    ))
}

/// `PUT /recipe/user/role`: gives a user a role in the tenant.
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

/// `POST /recipe/user/role/remove`: takes a role from a user in the tenant.
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

/// `GET /recipe/user/roles?userId=`: the user's roles in the tenant.
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

/// `GET /recipe/role/users?role=`: the users who have the role in the tenant.
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
