//! The user roles recipe: roles with permissions (per app) and the roles of users (per
//! tenant). Names are trimmed and must not be empty; every list comes sorted byte-wise.

use std::fmt;
use std::sync::Arc;

use supertokens_cdi::userroles::{
    AddRoleToUserResponse, CreateOrUpdateRoleResponse, RemoveRoleResponse, RemoveUserRoleResponse,
    RolePermissionsResponse, RoleStatusResponse, RoleUsersResponse, RolesResponse,
};
use supertokens_storage::{AddUserRoleOutcome, RemoveUserRoleOutcome, Storage};

use crate::error::Result;
use crate::input;

/// The user roles recipe.
pub struct UserRoles {
    storage: Arc<dyn Storage>,
}

impl fmt::Debug for UserRoles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRoles").finish_non_exhaustive()
    }
}

impl UserRoles {
    /// The recipe over this storage.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        Self { storage }
    }

    /// Creates a role, or adds permissions to an existing one (existing ones are kept).
    pub async fn create_or_update_role(
        &self,
        role: &str,
        permissions: Option<&[String]>,
    ) -> Result<CreateOrUpdateRoleResponse> {
        let role = input::name("role", role)?;
        let permissions = input::permissions(permissions.unwrap_or_default())?;
        let created_new_role = self.storage.create_role(role, &permissions).await?;
        Ok(CreateOrUpdateRoleResponse::Ok { created_new_role })
    }

    /// Removes a role with its permissions and every user's assignment of it.
    pub async fn remove_role(&self, role: &str) -> Result<RemoveRoleResponse> {
        let role = input::name("role", role)?;
        let did_role_exist = self.storage.delete_role(role).await?;
        Ok(RemoveRoleResponse::Ok { did_role_exist })
    }

    /// Every role.
    pub async fn roles(&self) -> Result<RolesResponse> {
        Ok(RolesResponse::Ok {
            roles: self.storage.roles().await?,
        })
    }

    /// The permissions of a role.
    pub async fn permissions(&self, role: &str) -> Result<RolePermissionsResponse> {
        let role = input::name("role", role)?;
        Ok(match self.storage.role_permissions(role).await? {
            Some(permissions) => RolePermissionsResponse::Ok { permissions },
            None => RolePermissionsResponse::UnknownRoleError,
        })
    }

    /// Removes these permissions from a role (all of them when `None`).
    pub async fn remove_permissions(
        &self,
        role: &str,
        permissions: Option<&[String]>,
    ) -> Result<RoleStatusResponse> {
        let role = input::name("role", role)?;
        let permissions = permissions.map(input::permissions).transpose()?;
        Ok(
            if self
                .storage
                .delete_role_permissions(role, permissions.as_deref())
                .await?
            {
                RoleStatusResponse::Ok
            } else {
                RoleStatusResponse::UnknownRoleError
            },
        )
    }

    /// The roles that have a permission.
    pub async fn roles_with_permission(&self, permission: &str) -> Result<RolesResponse> {
        let permission = input::name("permission", permission)?;
        Ok(RolesResponse::Ok {
            roles: self.storage.roles_with_permission(permission).await?,
        })
    }

    /// Gives a user a role in a tenant. The user id is free-form.
    pub async fn add_user_role(
        &self,
        tenant_id: &str,
        user_id: &str,
        role: &str,
    ) -> Result<AddRoleToUserResponse> {
        let user_id = input::user_id(user_id)?;
        let role = input::name("role", role)?;
        Ok(
            match self.storage.add_user_role(tenant_id, user_id, role).await? {
                AddUserRoleOutcome::Added => AddRoleToUserResponse::Ok {
                    did_user_already_have_role: false,
                },
                AddUserRoleOutcome::AlreadyHad => AddRoleToUserResponse::Ok {
                    did_user_already_have_role: true,
                },
                AddUserRoleOutcome::UnknownRole => AddRoleToUserResponse::UnknownRoleError,
            },
        )
    }

    /// Takes a role from a user in a tenant.
    pub async fn remove_user_role(
        &self,
        tenant_id: &str,
        user_id: &str,
        role: &str,
    ) -> Result<RemoveUserRoleResponse> {
        let user_id = input::user_id(user_id)?;
        let role = input::name("role", role)?;
        Ok(
            match self
                .storage
                .remove_user_role(tenant_id, user_id, role)
                .await?
            {
                RemoveUserRoleOutcome::Removed => RemoveUserRoleResponse::Ok {
                    did_user_have_role: true,
                },
                RemoveUserRoleOutcome::DidNotHave => RemoveUserRoleResponse::Ok {
                    did_user_have_role: false,
                },
                RemoveUserRoleOutcome::UnknownRole => RemoveUserRoleResponse::UnknownRoleError,
            },
        )
    }

    /// The roles of a user in a tenant.
    pub async fn roles_of_user(&self, tenant_id: &str, user_id: &str) -> Result<RolesResponse> {
        let user_id = input::user_id(user_id)?;
        Ok(RolesResponse::Ok {
            roles: self.storage.roles_of_user(tenant_id, user_id).await?,
        })
    }

    /// The users who have a role in a tenant.
    pub async fn users_with_role(&self, tenant_id: &str, role: &str) -> Result<RoleUsersResponse> {
        let role = input::name("role", role)?;
        Ok(match self.storage.users_with_role(tenant_id, role).await? {
            Some(users) => RoleUsersResponse::Ok { users },
            None => RoleUsersResponse::UnknownRoleError,
        })
    }
}
