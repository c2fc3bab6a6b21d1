//! What apps can override: the functions that talk to the core (node's `RecipeInterface`),
//! with their outcomes (the CDI's status-tagged answers).
//!
//! Overrides are decorators: `override_functions` receives the built-in implementation and
//! returns a value that keeps it and delegates to it where it changes nothing. The `st-role`
//! and `st-perm` claims fetch through these functions, so overrides apply to them too.

use async_trait::async_trait;
use supertokens::Result;
pub use supertokens::cdi::userroles::{
    AddRoleToUserResponse as AddRoleToUserResult, RemoveUserRoleResponse as RemoveUserRoleResult,
    RolePermissionsResponse as GetPermissionsForRoleResult,
    RoleStatusResponse as RemovePermissionsFromRoleResult,
    RoleUsersResponse as GetUsersThatHaveRoleResult,
};

/// The recipe's operations. Roles and their permissions belong to the app; which user has
/// which role is recorded per tenant.
#[async_trait]
pub trait UserRolesFunctions: Send + Sync {
    /// Gives a user a role in a tenant (`PUT /<tenant>/recipe/user/role`).
    async fn add_role_to_user(
        &self,
        tenant_id: &str,
        user_id: &str,
        role: &str,
    ) -> Result<AddRoleToUserResult>;

    /// Takes a role from a user in a tenant (`POST /<tenant>/recipe/user/role/remove`).
    async fn remove_user_role(
        &self,
        tenant_id: &str,
        user_id: &str,
        role: &str,
    ) -> Result<RemoveUserRoleResult>;

    /// A user's roles in a tenant (`GET /<tenant>/recipe/user/roles`).
    async fn get_roles_for_user(&self, tenant_id: &str, user_id: &str) -> Result<Vec<String>>;

    /// The users with a role in a tenant (`GET /<tenant>/recipe/role/users`).
    async fn get_users_that_have_role(
        &self,
        tenant_id: &str,
        role: &str,
    ) -> Result<GetUsersThatHaveRoleResult>;

    /// Creates a role, or adds permissions to an existing one (`PUT /recipe/role`); whether
    /// the role was created.
    async fn create_new_role_or_add_permissions(
        &self,
        role: &str,
        permissions: Vec<String>,
    ) -> Result<bool>;

    /// A role's permissions (`GET /recipe/role/permissions`).
    async fn get_permissions_for_role(&self, role: &str) -> Result<GetPermissionsForRoleResult>;

    /// Removes permissions from a role, all of them when `permissions` is `None`
    /// (`POST /recipe/role/permissions/remove`).
    async fn remove_permissions_from_role(
        &self,
        role: &str,
        permissions: Option<Vec<String>>,
    ) -> Result<RemovePermissionsFromRoleResult>;

    /// The roles that have a permission (`GET /recipe/permission/roles`).
    async fn get_roles_that_have_permission(&self, permission: &str) -> Result<Vec<String>>;

    /// Deletes a role, with its permissions and every user's assignment of it
    /// (`POST /recipe/role/remove`); whether it existed.
    async fn delete_role(&self, role: &str) -> Result<bool>;

    /// Every role of the app (`GET /recipe/roles`).
    async fn get_all_roles(&self) -> Result<Vec<String>>;
}
