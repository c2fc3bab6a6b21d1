//! The recipe architecture: each recipe serves some FDI routes, may own some errors, and is
//! reachable from the others through [`SuperTokens::recipe`](crate::SuperTokens::recipe).

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;
use http::Method;

use crate::SuperTokens;
use crate::app_info::NormalisedAppInfo;
use crate::error::{Result, SuperTokensError};
use crate::http_types::{SdkRequest, SdkResponse};
use crate::querier::Querier;

/// One FDI route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoute {
    /// Method.
    pub method: Method,
    /// Path below the API base path, e.g. `/signin`.
    pub path: &'static str,
    /// Identifier handed back to [`Recipe::handle`].
    pub id: &'static str,
    /// Whether `/<tenantId>` may precede the path.
    pub tenant_scoped: bool,
}

impl ApiRoute {
    /// A route that `/<tenantId>` may precede, as most recipe routes are.
    pub fn tenant_scoped(method: Method, path: &'static str, id: &'static str) -> Self {
        Self {
            method,
            path,
            id,
            tenant_scoped: true,
        }
    }
}

/// What a route handler gets.
#[derive(Debug)]
pub struct ApiContext<'a> {
    /// The SDK, to reach other recipes and the core.
    pub supertokens: &'a SuperTokens,
    /// The request.
    pub request: &'a SdkRequest,
    /// Tenant from the path (`public` when absent).
    pub tenant_id: String,
}

/// A recipe, as the SDK core sees it.
#[async_trait]
pub trait Recipe: Send + Sync {
    /// `session`, `emailpassword`, ...
    fn recipe_id(&self) -> &'static str;
    /// The routes this recipe serves now (disabled APIs are left out).
    fn routes(&self) -> Vec<ApiRoute>;
    /// Serves one of [`routes`](Self::routes).
    async fn handle(&self, api_id: &str, context: &ApiContext<'_>) -> Result<SdkResponse>;
    /// Request headers the frontend sends for this recipe (for CORS).
    fn cors_headers(&self) -> Vec<&'static str> {
        Vec::new()
    }
    /// The first factors (`emailpassword`, `otp-email`, ...) this recipe lets users sign in
    /// with; `/loginmethods` lists them (see [`crate::multitenancy`]).
    fn first_factors(&self) -> Vec<&'static str> {
        Vec::new()
    }
    /// Turns an error this recipe owns into a response (e.g. session errors into 401).
    fn error_response(
        &self,
        _error: &SuperTokensError,
        _request: &SdkRequest,
    ) -> Option<SdkResponse> {
        None
    }
}

/// A built recipe, kept both as a [`Recipe`] and as `Any` for typed lookup.
#[derive(Clone)]
pub struct BuiltRecipe {
    pub(crate) recipe: Arc<dyn Recipe>,
    pub(crate) any: Arc<dyn Any + Send + Sync>,
}

impl std::fmt::Debug for BuiltRecipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuiltRecipe")
            .field("recipe_id", &self.recipe.recipe_id())
            .finish()
    }
}

impl BuiltRecipe {
    /// Wraps a concrete recipe.
    pub fn new<R: Recipe + 'static>(recipe: Arc<R>) -> Self {
        Self {
            any: recipe.clone(),
            recipe,
        }
    }
}

/// What a recipe needs to build itself.
#[derive(Debug, Clone)]
pub struct InitContext {
    /// The app's identity.
    pub app_info: NormalisedAppInfo,
    /// The connection to the core.
    pub querier: Arc<Querier>,
}

/// A recipe's configuration, turned into the recipe by `init`.
pub trait RecipeBuilder: Send {
    /// Validates the configuration and builds the recipe; errors name the field.
    fn build(self: Box<Self>, context: &InitContext) -> Result<BuiltRecipe>;
}
