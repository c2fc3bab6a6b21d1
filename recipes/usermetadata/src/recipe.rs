//! The recipe as the SDK sees it: no FDI routes, only functions.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use supertokens::{
    ApiContext, ApiRoute, InitContext, Recipe, RecipeBuilder, Result, SdkResponse, SuperTokens,
    SuperTokensError,
};

use crate::RECIPE_ID;
use crate::config::UserMetadataConfig;
use crate::implementation::CoreFunctions;
use crate::interface::UserMetadataFunctions;

/// The user metadata recipe.
pub struct UserMetadataRecipe {
    functions: Arc<dyn UserMetadataFunctions>,
}

impl fmt::Debug for UserMetadataRecipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserMetadataRecipe").finish_non_exhaustive()
    }
}

/// The user metadata recipe for `recipe_list`.
pub fn init(config: UserMetadataConfig) -> Box<dyn RecipeBuilder> {
    supertokens::recipe_builder(
        config,
        |config: UserMetadataConfig, context: &InitContext| {
            Ok(UserMetadataRecipe::new(&config, context))
        },
    )
}

impl UserMetadataRecipe {
    /// Builds the recipe.
    pub fn new(config: &UserMetadataConfig, context: &InitContext) -> Self {
        let mut functions: Arc<dyn UserMetadataFunctions> =
            Arc::new(CoreFunctions::new(context.querier.clone()));
        if let Some(decorate) = &config.override_functions {
            functions = decorate(functions);
        }
        Self { functions }
    }

    /// The recipe of an initialised SDK; a configuration error when it is not in the
    /// recipe list.
    pub fn from_supertokens(supertokens: &SuperTokens) -> Result<Arc<Self>> {
        supertokens.recipe::<Self>().ok_or_else(|| {
            SuperTokensError::Config(
                "the usermetadata recipe is not initialised: add supertokens_usermetadata::init(..) \
                 to recipe_list"
                    .into(),
            )
        })
    }

    /// The (possibly overridden) functions.
    pub fn functions(&self) -> &Arc<dyn UserMetadataFunctions> {
        &self.functions
    }
}

#[async_trait]
impl Recipe for UserMetadataRecipe {
    fn recipe_id(&self) -> &'static str {
        RECIPE_ID
    }

    fn routes(&self) -> Vec<ApiRoute> {
        Vec::new()
    }

    async fn handle(&self, api_id: &str, _context: &ApiContext<'_>) -> Result<SdkResponse> {
        Err(SuperTokensError::Internal(format!(
            "the usermetadata recipe has no route {api_id:?}"
        )))
    }
}
