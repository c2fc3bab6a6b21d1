//! The built-in functions, calling the core.

use std::sync::Arc;

use async_trait::async_trait;
use supertokens::cdi::userroles::{
    CreateOrUpdateRoleRequest, CreateOrUpdateRoleResponse, RemovePermissionsRequest,
    RemoveRoleRequest, RemoveRoleResponse, RolesResponse, UserRoleRequest,
};
use supertokens::{Querier, Result, SuperTokensError};

use crate::RECIPE_ID;
use crate::interface::{
    AddRoleToUserResult, GetPermissionsForRoleResult, GetUsersThatHaveRoleResult,
    RemovePermissionsFromRoleResult, RemoveUserRoleResult, UserRolesFunctions,
};

const RID: Option<&str> = Some(RECIPE_ID);

/// A tenant id as a path segment: only the characters tenant ids may have.
pub(crate) fn tenant_path(tenant_id: &str, path: &str) -> Result<String> {
    if !tenant_id.is_empty()
        && tenant_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(format!("/{tenant_id}{path}"))
    } else {
        Err(SuperTokensError::BadInput(format!(
            "invalid tenant id {tenant_id:?}"
        )))
    }
}

/// The functions as supertokens-node implements them, talking to the core.
#[derive(Debug)]
pub struct CoreFunctions {
    querier: Arc<Querier>,
}

impl CoreFunctions {
    /// Functions using this core connection.
    pub fn new(querier: Arc<Querier>) -> Self {
        Self { querier }
    }
}

#[async_trait]
impl UserRolesFunctions for CoreFunctions {
    async fn add_role_to_user(
        &self,
        tenant_id: &str,
        user_id: &str,
        role: &str,
    ) -> Result<AddRoleToUserResult> {
        let body = UserRoleRequest {
            user_id: user_id.to_owned(),
            role: role.to_owned(),
        };
        let path = tenant_path(tenant_id, "/recipe/user/role")?;
        self.querier.put(&path, &body, RID).await
    }

    async fn remove_user_role(
        &self,
        tenant_id: &str,
        user_id: &str,
        role: &str,
    ) -> Result<RemoveUserRoleResult> {
        let body = UserRoleRequest {
            user_id: user_id.to_owned(),
            role: role.to_owned(),
        };
        let path = tenant_path(tenant_id, "/recipe/user/role/remove")?;
        self.querier.post(&path, &body, RID).await
    }

    async fn get_roles_for_user(&self, tenant_id: &str, user_id: &str) -> Result<Vec<String>> {
        let path = tenant_path(tenant_id, "/recipe/user/roles")?;
        let RolesResponse::Ok { roles } =
            self.querier.get(&path, &[("userId", user_id)], RID).await?;
        Ok(roles)
    }

    async fn get_users_that_have_role(
        &self,
        tenant_id: &str,
        role: &str,
    ) -> Result<GetUsersThatHaveRoleResult> {
        let path = tenant_path(tenant_id, "/recipe/role/users")?;
        self.querier.get(&path, &[("role", role)], RID).await
    }

    async fn create_new_role_or_add_permissions(
        &self,
        role: &str,
        permissions: Vec<String>,
    ) -> Result<bool> {
        let body = CreateOrUpdateRoleRequest {
            role: role.to_owned(),
            permissions: Some(permissions),
        };
        let CreateOrUpdateRoleResponse::Ok { created_new_role } =
            self.querier.put("/recipe/role", &body, RID).await?;
        Ok(created_new_role)
    }

    async fn get_permissions_for_role(&self, role: &str) -> Result<GetPermissionsForRoleResult> {
        self.querier
            .get("/recipe/role/permissions", &[("role", role)], RID)
            .await
    }

    async fn remove_permissions_from_role(
        &self,
        role: &str,
        permissions: Option<Vec<String>>,
    ) -> Result<RemovePermissionsFromRoleResult> {
        let body = RemovePermissionsRequest {
            role: role.to_owned(),
            permissions,
        };
        self.querier
            .post("/recipe/role/permissions/remove", &body, RID)
            .await
    }

    async fn get_roles_that_have_permission(&self, permission: &str) -> Result<Vec<String>> {
        let RolesResponse::Ok { roles } = self
            .querier
            .get(
                "/recipe/permission/roles",
                &[("permission", permission)],
                RID,
            )
            .await?;
        Ok(roles)
    }

    async fn delete_role(&self, role: &str) -> Result<bool> {
        let body = RemoveRoleRequest {
            role: role.to_owned(),
        };
        let RemoveRoleResponse::Ok { did_role_exist } =
            self.querier.post("/recipe/role/remove", &body, RID).await?;
        Ok(did_role_exist)
    }

    async fn get_all_roles(&self) -> Result<Vec<String>> {
        let RolesResponse::Ok { roles } = self.querier.get("/recipe/roles", &[], RID).await?;
        Ok(roles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids_are_checked_before_they_reach_a_path() {
        assert_eq!(
            tenant_path("public", "/recipe/user/roles").unwrap(),
            "/public/recipe/user/roles"
        );
        assert!(tenant_path("../x", "/recipe").is_err());
        assert!(tenant_path("", "/recipe").is_err());
    }
}
