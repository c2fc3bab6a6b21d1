//! Configuration of the recipe.

use std::fmt;
use std::sync::Arc;

use crate::interface::UserMetadataFunctions;

/// Turns the default functions into the app's (a decorator keeping the original).
pub type FunctionsOverride =
    Arc<dyn Fn(Arc<dyn UserMetadataFunctions>) -> Arc<dyn UserMetadataFunctions> + Send + Sync>;

/// What the app may configure.
#[derive(Clone, Default)]
pub struct UserMetadataConfig {
    /// Decorates the functions that talk to the core.
    pub override_functions: Option<FunctionsOverride>,
}

impl fmt::Debug for UserMetadataConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserMetadataConfig")
            .field("override_functions", &self.override_functions.is_some())
            .finish()
    }
}
