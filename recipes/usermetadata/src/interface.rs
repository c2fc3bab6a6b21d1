//! What apps can override: the functions that talk to the core (node's `RecipeInterface`).
//!
//! Overrides are decorators: `override_functions` receives the built-in implementation and
//! returns a value that keeps it and delegates to it where it changes nothing.

use async_trait::async_trait;
use supertokens::Result;
use supertokens::cdi::session::JsonObject;

/// The recipe's operations. The built-in implementation calls the core's CDI.
#[async_trait]
pub trait UserMetadataFunctions: Send + Sync {
    /// The user's metadata (`GET /recipe/user/metadata`); `{}` when there is none.
    async fn get_user_metadata(&self, user_id: &str) -> Result<JsonObject>;

    /// Merges `update` into the user's metadata and returns the result
    /// (`PUT /recipe/user/metadata`): each top-level key replaces the stored one (nested
    /// objects are replaced, not merged) and a `null` value removes the key.
    async fn update_user_metadata(&self, user_id: &str, update: JsonObject) -> Result<JsonObject>;

    /// Removes all of the user's metadata (`POST /recipe/user/metadata/remove`).
    async fn clear_user_metadata(&self, user_id: &str) -> Result<()>;
}
