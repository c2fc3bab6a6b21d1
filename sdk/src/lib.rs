//! SuperTokens for Rust web apps.
//!
//! `supertokens::init` takes the app's identity, the core's connection URI and a list of
//! recipes, and returns the [`SuperTokens`] handle that framework adapters serve: it answers
//! the recipes' FDI routes under the API base path and leaves every other request to the
//! app. The SDK talks to the core only through the Core Driver Interface, whose wire types it
//! shares with the core through [`cdi`]; it never depends on the core's storage or crypto.
//!
//! Sign-in, sign-up, password reset and passwordless code creation are limited per client
//! address ([`rate_limit`], on by default; [`SuperTokensConfig::rate_limits`]), counted in
//! memory or, with the `redis` feature, in Redis shared by every app instance.

pub mod app_info;
pub mod error;
pub mod fdi;
pub mod http_types;
pub mod multitenancy;
pub mod querier;
pub mod rate_limit;
pub mod recipe;
pub mod users;
pub mod validation;

use std::sync::Arc;

use http::StatusCode;
pub use supertokens_cdi as cdi;

pub use crate::app_info::{AppInfo, NormalisedAppInfo};
pub use crate::error::{Result, SessionError, SuperTokensError};
pub use crate::http_types::{HeaderChange, SdkRequest, SdkResponse};
pub use crate::querier::Querier;
pub use crate::rate_limit::RateLimitConfig;
pub use crate::recipe::{
    ApiContext, ApiRoute, BuiltRecipe, InitContext, Recipe, RecipeBuilder, recipe_builder,
};

/// The tenant used when a path names none.
pub const PUBLIC_TENANT: &str = "public";

/// Everything `init` needs.
pub struct SuperTokensConfig {
    /// The app's identity.
    pub app_info: AppInfo,
    /// The core: one or more hosts separated by `,` or `;`, tried in turn. A path names the
    /// app the SDK works for (`http://localhost:3567/appid-shop`); without one it is the
    /// core's `public` app. Every core call goes under it, the JWKS included.
    pub connection_uri: String,
    /// The core's API key, if it has one.
    pub api_key: Option<String>,
    /// The recipes, e.g. `vec![session::init(..), emailpassword::init(..)]`.
    pub recipe_list: Vec<Box<dyn RecipeBuilder>>,
    /// Limits per client address on sign-in, sign-up, password reset and passwordless code
    /// creation (see [`rate_limit`]); `RateLimitConfig::default()` is on with sensible limits.
    pub rate_limits: RateLimitConfig,
}

impl std::fmt::Debug for SuperTokensConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SuperTokensConfig")
            .field("app_info", &self.app_info)
            .field("connection_uri", &self.connection_uri)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("recipes", &self.recipe_list.len())
            .field("rate_limits", &self.rate_limits)
            .finish()
    }
}

/// The initialised SDK.
pub struct SuperTokens {
    app_info: NormalisedAppInfo,
    querier: Arc<Querier>,
    recipes: Vec<BuiltRecipe>,
    shared: recipe::SharedState,
    rate_limiter: Option<rate_limit::RateLimiter>,
}

impl std::fmt::Debug for SuperTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SuperTokens")
            .field("app_info", &self.app_info)
            .field("recipes", &self.recipes)
            .finish_non_exhaustive()
    }
}

/// Validates the configuration and builds every recipe. Mistakes fail here, naming the field.
pub fn init(config: SuperTokensConfig) -> Result<Arc<SuperTokens>> {
    let app_info = config.app_info.normalise()?;
    let rate_limiter = rate_limit::RateLimiter::new(config.rate_limits)?;
    let hosts = querier::parse_connection_uri(&config.connection_uri)?;
    let querier = Arc::new(Querier::new(hosts, config.api_key)?);
    let context = InitContext::new(app_info.clone(), querier.clone());
    if config.recipe_list.is_empty() {
        return Err(SuperTokensError::Config(
            "recipe_list must contain at least one recipe".into(),
        ));
    }
    let mut recipes: Vec<BuiltRecipe> = Vec::new();
    for builder in config.recipe_list {
        let built = builder.build(&context)?;
        let id = built.recipe.recipe_id();
        if recipes.iter().any(|known| known.recipe.recipe_id() == id) {
            return Err(SuperTokensError::Config(format!(
                "recipe_list contains the {id} recipe twice"
            )));
        }
        recipes.push(built);
    }
    Ok(Arc::new(SuperTokens {
        app_info,
        querier,
        recipes,
        shared: context.shared_state(),
        rate_limiter,
    }))
}

/// A route of the SDK matched against a request.
#[derive(Debug, Clone)]
pub struct MatchedRoute {
    recipe: usize,
    api_id: &'static str,
    /// The route's path below the API base path and tenant, e.g. `/signin`.
    path: &'static str,
    tenant_id: String,
}

impl SuperTokens {
    /// The app's identity.
    pub fn app_info(&self) -> &NormalisedAppInfo {
        &self.app_info
    }

    /// The connection to the core.
    pub fn querier(&self) -> &Arc<Querier> {
        &self.querier
    }

    /// The recipe of type `R`, if it is in the recipe list.
    pub fn recipe<R: Recipe + 'static>(&self) -> Option<Arc<R>> {
        self.recipes
            .iter()
            .find_map(|built| built.any.clone().downcast::<R>().ok())
    }

    /// The value of type `T` the recipes shared while they were built (see
    /// [`InitContext::shared`]); `None` when no recipe asked for one.
    pub fn shared<T: std::any::Any + Send + Sync>(&self) -> Option<Arc<T>> {
        self.shared.get::<T>()
    }

    /// The first factors the recipes in the list provide, in recipe order, without repeats.
    pub fn available_first_factors(&self) -> Vec<&'static str> {
        let mut factors = Vec::new();
        for built in &self.recipes {
            for factor in built.recipe.first_factors() {
                if !factors.contains(&factor) {
                    factors.push(factor);
                }
            }
        }
        factors
    }

    /// Request headers the frontend SDKs send, for the app's CORS `allow-headers`.
    pub fn all_cors_headers(&self) -> Vec<&'static str> {
        let mut headers = vec!["rid", "fdi-version"];
        for built in &self.recipes {
            for header in built.recipe.cors_headers() {
                if !headers.contains(&header) {
                    headers.push(header);
                }
            }
        }
        headers
    }

    /// Whether the request is for one of the SDK's routes (so the adapter reads its body).
    pub fn match_route(&self, method: &http::Method, path: &str) -> Option<MatchedRoute> {
        self.match_route_with_rid(method, path, None)
    }

    fn match_route_with_rid(
        &self,
        method: &http::Method,
        path: &str,
        rid: Option<&str>,
    ) -> Option<MatchedRoute> {
        let base = &self.app_info.api_base_path;
        let rest = path.strip_prefix(base.as_str())?;
        if !rest.is_empty() && !rest.starts_with('/') {
            return None;
        }
        let rest = rest.trim_end_matches('/');
        let (tenant, sub_path) = match rest.trim_start_matches('/').split_once('/') {
            Some((first, remainder)) if is_tenant_id(first) => {
                (Some(first), format!("/{remainder}"))
            }
            _ => (None, rest.to_owned()),
        };
        let mut candidates = Vec::new();
        for (index, built) in self.recipes.iter().enumerate() {
            for route in built.recipe.routes() {
                if route.method != *method {
                    continue;
                }
                if route.path == rest {
                    candidates.push((
                        index,
                        route.id,
                        PUBLIC_TENANT.to_owned(),
                        built.recipe.recipe_id(),
                        route.path,
                    ));
                } else if route.tenant_scoped
                    && Some(route.path) == Some(sub_path.as_str())
                    && let Some(tenant) = tenant
                {
                    candidates.push((
                        index,
                        route.id,
                        tenant.to_lowercase(),
                        built.recipe.recipe_id(),
                        route.path,
                    ));
                }
            }
        }
        // Two recipes may serve the same path: the `rid` header picks one.
        let chosen = rid
            .and_then(|rid| candidates.iter().find(|candidate| candidate.3 == rid))
            .or_else(|| candidates.first())?;
        Some(MatchedRoute {
            recipe: chosen.0,
            api_id: chosen.1,
            path: chosen.4,
            tenant_id: chosen.2.clone(),
        })
    }

    /// Serves the request if it is one of the SDK's routes; `None` leaves it to the app.
    /// Rate-limited routes over their limit for the client's address are answered `429`
    /// here, before the body is parsed or the core called (see [`rate_limit`]).
    pub async fn handle(&self, request: &SdkRequest) -> Option<SdkResponse> {
        let matched =
            self.match_route_with_rid(&request.method, &request.path, request.header("rid"))?;
        let built = self.recipes.get(matched.recipe)?;
        if let Some(limiter) = &self.rate_limiter
            && let Some(refused) = limiter.check(matched.path, request).await
        {
            return Some(refused);
        }
        let context = ApiContext {
            supertokens: self,
            request,
            tenant_id: matched.tenant_id,
        };
        Some(match built.recipe.handle(matched.api_id, &context).await {
            Ok(response) => response,
            Err(error) => self.error_response(&error, request),
        })
    }

    /// The one mapping of SDK errors to FDI responses: the recipes' own (sessions' 401/403),
    /// then 400 `{"message": …}` for the client's mistakes
    /// ([`SuperTokensError::client_error_message`]: bad input, and a core `400` about a value
    /// of the request such as an unknown tenant), 429 for the core's rate limits, and 500
    /// `Internal server error` for the rest, which are the server's (logged).
    pub fn error_response(&self, error: &SuperTokensError, request: &SdkRequest) -> SdkResponse {
        if let Some(response) = self
            .recipes
            .iter()
            .find_map(|built| built.recipe.error_response(error, request))
        {
            return response;
        }
        if let Some(message) = error.client_error_message() {
            if let SuperTokensError::Core { status, path, .. } = error {
                // Without the query, which may carry a secret (it is logged).
                let path = path.split('?').next().unwrap_or_default();
                tracing::info!(%path, status, %message, "the core refused a value of the request");
            }
            return SdkResponse::message(StatusCode::BAD_REQUEST, &message);
        }
        match error {
            SuperTokensError::RateLimited {
                path,
                retry_after_seconds,
            } => {
                tracing::info!(%path, retry_after_seconds, "the core refused a request for now (429)");
                rate_limit::too_many_requests(
                    std::time::Duration::from_secs(*retry_after_seconds),
                    "Too many requests",
                )
            }
            other => {
                tracing::error!(error = %other, "SuperTokens request failed");
                SdkResponse::message(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
            }
        }
    }
}

fn is_tenant_id(segment: &str) -> bool {
    !segment.is_empty()
        && segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
}
