//! The user roles recipe's CDI endpoints (rid `userroles`).
//!
//! Roles and their permissions belong to the app; which user has which role is recorded per
//! tenant.

use serde::{Deserialize, Serialize};

/// Body of `PUT /recipe/role`: creates the role, or adds permissions to an existing one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateOrUpdateRoleRequest {
    /// The role's name.
    pub role: String,
    /// Permissions to add (existing ones are kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
}

/// `PUT /recipe/role` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum CreateOrUpdateRoleResponse {
    /// Done.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// `false` when the role existed and only permissions were added.
        created_new_role: bool,
    },
}

/// Body of `POST /recipe/role/remove`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RemoveRoleRequest {
    /// The role to delete, with its permissions and every user's assignment of it.
    pub role: String,
}

/// `POST /recipe/role/remove` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum RemoveRoleResponse {
    /// Done.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Whether there was such a role.
        did_role_exist: bool,
    },
}

/// `GET /recipe/roles` and `GET /recipe/permission/roles` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum RolesResponse {
    /// The roles.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Role names.
        roles: Vec<String>,
    },
}

/// `GET /recipe/role/permissions` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum RolePermissionsResponse {
    /// The role's permissions.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Permission names.
        permissions: Vec<String>,
    },
    /// There is no such role.
    UnknownRoleError,
}

/// Body of `POST /recipe/role/permissions/remove`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RemovePermissionsRequest {
    /// The role.
    pub role: String,
    /// Permissions to remove; absent removes them all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
}

/// Outcome of calls that only fail on an unknown role (`POST /recipe/role/permissions/remove`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum RoleStatusResponse {
    /// Done.
    Ok,
    /// There is no such role.
    UnknownRoleError,
}

/// Body of `PUT /recipe/user/role` and `POST /recipe/user/role/remove`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserRoleRequest {
    /// The user; free-form, not checked for existence.
    pub user_id: String,
    /// The role.
    pub role: String,
}

/// `PUT /recipe/user/role` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum AddRoleToUserResponse {
    /// Done.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Whether the user had the role (in this tenant) already.
        did_user_already_have_role: bool,
    },
    /// There is no such role.
    UnknownRoleError,
}

/// `POST /recipe/user/role/remove` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum RemoveUserRoleResponse {
    /// Done.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Whether the user had the role (in this tenant).
        did_user_have_role: bool,
    },
    /// There is no such role.
    UnknownRoleError,
}

/// `GET /recipe/role/users` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum RoleUsersResponse {
    /// The users who have the role in this tenant.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// User ids.
        users: Vec<String>,
    },
    /// There is no such role.
    UnknownRoleError,
}
