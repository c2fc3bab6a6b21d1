//! The recipe as the SDK sees it: no FDI routes; functions, and the claims it registers with
//! the session recipe.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use supertokens::{
    ApiContext, ApiRoute, InitContext, Recipe, RecipeBuilder, Result, SdkResponse, SuperTokens,
    SuperTokensError,
};
use supertokens_session::ClaimRegistry;

use crate::RECIPE_ID;
use crate::claims::{PermissionsClaim, RolesClaim};
use crate::config::UserRolesConfig;
use crate::implementation::CoreFunctions;
use crate::interface::UserRolesFunctions;

/// The user roles recipe.
pub struct UserRolesRecipe {
    config: UserRolesConfig,
    functions: Arc<dyn UserRolesFunctions>,
}

impl fmt::Debug for UserRolesRecipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRolesRecipe")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The user roles recipe for `recipe_list` (with the session recipe, in any order).
pub fn init(config: UserRolesConfig) -> Box<dyn RecipeBuilder> {
    supertokens::recipe_builder(config, UserRolesRecipe::new)
}

impl UserRolesRecipe {
    /// Builds the recipe and registers `st-role` and `st-perm` with the session recipe of
    /// this `init` call (added to new sessions unless the config skips them).
    pub fn new(config: UserRolesConfig, context: &InitContext) -> Result<Self> {
        let mut functions: Arc<dyn UserRolesFunctions> =
            Arc::new(CoreFunctions::new(context.querier.clone()));
        if let Some(decorate) = &config.override_functions {
            functions = decorate(functions);
        }
        let registry = context.shared::<ClaimRegistry>();
        let roles = Arc::new(RolesClaim {
            functions: functions.clone(),
        });
        if config.skip_adding_roles_to_access_token {
            registry.register_claim(roles)?;
        } else {
            registry.add_claim(roles)?;
        }
        let permissions = Arc::new(PermissionsClaim {
            functions: functions.clone(),
        });
        if config.skip_adding_permissions_to_access_token {
            registry.register_claim(permissions)?;
        } else {
            registry.add_claim(permissions)?;
        }
        Ok(Self { config, functions })
    }

    /// The recipe of an initialised SDK; a configuration error when it is not in the
    /// recipe list.
    pub fn from_supertokens(supertokens: &SuperTokens) -> Result<Arc<Self>> {
        supertokens.recipe::<Self>().ok_or_else(|| {
            SuperTokensError::Config(
                "the userroles recipe is not initialised: add supertokens_userroles::init(..) \
                 to recipe_list"
                    .into(),
            )
        })
    }

    /// The (possibly overridden) functions.
    pub fn functions(&self) -> &Arc<dyn UserRolesFunctions> {
        &self.functions
    }

    /// The configuration.
    pub fn config(&self) -> &UserRolesConfig {
        &self.config
    }
}

#[async_trait]
impl Recipe for UserRolesRecipe {
    fn recipe_id(&self) -> &'static str {
        RECIPE_ID
    }

    fn routes(&self) -> Vec<ApiRoute> {
        Vec::new()
    }

    async fn handle(&self, api_id: &str, _context: &ApiContext<'_>) -> Result<SdkResponse> {
        Err(SuperTokensError::Internal(format!(
            "the userroles recipe has no route {api_id:?}"
        )))
    }
}
