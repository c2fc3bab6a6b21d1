//! The recipe architecture: each recipe serves some FDI routes, may own some errors, and is
//! reachable from the others through [`SuperTokens::recipe`](crate::SuperTokens::recipe).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

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
    shared: SharedState,
}

impl InitContext {
    /// The context of one `init` call: every recipe it builds sees the same
    /// [`shared`](Self::shared) state.
    pub fn new(app_info: NormalisedAppInfo, querier: Arc<Querier>) -> Self {
        Self {
            app_info,
            querier,
            shared: SharedState::default(),
        }
    }

    /// The value of type `T` shared by every recipe of this `init` call, created with
    /// `T::default()` by whichever recipe asks first.
    ///
    /// Recipes are built one at a time, in `recipe_list` order, and none may depend on the
    /// order the app chose. When one recipe contributes to another (the email verification
    /// and user roles recipes add claims to the sessions the session recipe creates), both
    /// ask for the same type here and meet in the one value, whichever is built first:
    /// the session recipe keeps the `Arc` and reads it per request, the others write to it
    /// while they are built. node reaches the same end with global singletons and
    /// post-init callbacks; a slot keyed by type keeps it per SDK instance (tests and apps
    /// may init several), and the SDK crate needs to know nothing of the types recipes
    /// share (the session crate's claim registry lives in the session crate).
    pub fn shared<T: Any + Default + Send + Sync>(&self) -> Arc<T> {
        self.shared.get_or_default()
    }

    /// The shared state, kept by the SDK after `init` (see [`SuperTokens::shared`](crate::SuperTokens::shared)).
    pub(crate) fn shared_state(&self) -> SharedState {
        self.shared.clone()
    }
}

/// Values shared by the recipes of one SDK instance, one per type.
#[derive(Clone, Default)]
pub(crate) struct SharedState {
    slots: Arc<Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>>,
}

impl std::fmt::Debug for SharedState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("SharedState")
            .field("slots", &slots.len())
            .finish()
    }
}

impl SharedState {
    pub(crate) fn get_or_default<T: Any + Default + Send + Sync>(&self) -> Arc<T> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = slots
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()));
        match slot.clone().downcast::<T>() {
            Ok(value) => value,
            // Unreachable (slots are keyed by their type), but never a panic.
            Err(_) => {
                let value = Arc::new(T::default());
                *slot = value.clone();
                value
            }
        }
    }

    pub(crate) fn get<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots.get(&TypeId::of::<T>())?.clone().downcast::<T>().ok()
    }
}

/// A recipe's configuration, turned into the recipe by `init`.
pub trait RecipeBuilder: Send {
    /// Validates the configuration and builds the recipe; errors name the field.
    fn build(self: Box<Self>, context: &InitContext) -> Result<BuiltRecipe>;
}

/// The [`RecipeBuilder`] most recipes' `init` returns: the configuration, kept until
/// `supertokens::init` calls `build` with it.
pub fn recipe_builder<C, R, F>(config: C, build: F) -> Box<dyn RecipeBuilder>
where
    C: Send + 'static,
    R: Recipe + 'static,
    F: FnOnce(C, &InitContext) -> Result<R> + Send + 'static,
{
    Box::new(FnRecipeBuilder { config, build })
}

struct FnRecipeBuilder<C, F> {
    config: C,
    build: F,
}

impl<C, R, F> RecipeBuilder for FnRecipeBuilder<C, F>
where
    C: Send + 'static,
    R: Recipe + 'static,
    F: FnOnce(C, &InitContext) -> Result<R> + Send + 'static,
{
    fn build(self: Box<Self>, context: &InitContext) -> Result<BuiltRecipe> {
        let recipe = (self.build)(self.config, context)?;
        Ok(BuiltRecipe::new(Arc::new(recipe)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Counter(std::sync::atomic::AtomicUsize);

    #[test]
    fn shared_values_are_one_per_type_and_context() {
        let state = SharedState::default();
        let first = state.get_or_default::<Counter>();
        first.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let second = state.get_or_default::<Counter>();
        assert_eq!(second.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(Arc::ptr_eq(&first, &second));
        assert!(state.get::<String>().is_none());
        assert_eq!(*state.get_or_default::<String>(), "");
        let other = SharedState::default();
        assert_eq!(
            other
                .get_or_default::<Counter>()
                .0
                .load(std::sync::atomic::Ordering::SeqCst),
            0
        );
    }
}
