//! The user metadata recipe: one JSON object per (free-form) user id, updated by shallow
//! merge. The merge happens in the storage, in one transaction with the row locked, so
//! concurrent updates of different keys all survive.

use std::fmt;
use std::sync::Arc;

use supertokens_cdi::session::JsonObject;
use supertokens_storage::Storage;

use crate::error::Result;
use crate::input;

/// The user metadata recipe.
pub struct UserMetadata {
    storage: Arc<dyn Storage>,
}

impl fmt::Debug for UserMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserMetadata").finish_non_exhaustive()
    }
}

impl UserMetadata {
    /// The recipe over this storage.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        Self { storage }
    }

    /// The user's metadata; `{}` when it has none.
    pub async fn get(&self, user_id: &str) -> Result<JsonObject> {
        let user_id = input::user_id(user_id)?;
        Ok(self
            .storage
            .user_metadata(user_id)
            .await?
            .unwrap_or_default())
    }

    /// Merges `update` into the user's metadata and returns the result: each top-level key
    /// replaces the stored one (nested objects are replaced whole) and a `null` removes it.
    pub async fn update(&self, user_id: &str, update: &JsonObject) -> Result<JsonObject> {
        let user_id = input::user_id(user_id)?;
        Ok(self.storage.update_user_metadata(user_id, update).await?)
    }

    /// Removes the user's metadata. Removing none is not an error.
    pub async fn remove(&self, user_id: &str) -> Result<()> {
        let user_id = input::user_id(user_id)?;
        self.storage.delete_user_metadata(user_id).await?;
        Ok(())
    }
}
