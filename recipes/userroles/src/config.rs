//! Configuration of the recipe.

use std::fmt;
use std::sync::Arc;

use crate::interface::UserRolesFunctions;

/// Turns the default functions into the app's (a decorator keeping the original).
pub type FunctionsOverride =
    Arc<dyn Fn(Arc<dyn UserRolesFunctions>) -> Arc<dyn UserRolesFunctions> + Send + Sync>;

/// What the app may configure; by default new sessions get both claims.
#[derive(Clone, Default)]
pub struct UserRolesConfig {
    /// Leaves `st-role` out of new sessions' access tokens (node's
    /// `skipAddingRolesToAccessToken`); `UserRoleClaim` validators still fetch it when they
    /// run.
    pub skip_adding_roles_to_access_token: bool,
    /// Leaves `st-perm` out of new sessions' access tokens (node's
    /// `skipAddingPermissionsToAccessToken`); `PermissionClaim` validators still fetch it.
    pub skip_adding_permissions_to_access_token: bool,
    /// Decorates the functions that talk to the core.
    pub override_functions: Option<FunctionsOverride>,
}

impl fmt::Debug for UserRolesConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRolesConfig")
            .field(
                "skip_adding_roles_to_access_token",
                &self.skip_adding_roles_to_access_token,
            )
            .field(
                "skip_adding_permissions_to_access_token",
                &self.skip_adding_permissions_to_access_token,
            )
            .field("override_functions", &self.override_functions.is_some())
            .finish()
    }
}
