//! The user metadata recipe: one JSON object per user, for profile data and app settings
//! kept beside the account in the core (node's `UserMetadata` recipe).
//!
//! ```no_run
//! # async fn demo() -> supertokens::Result<()> {
//! use serde_json::json;
//! use supertokens_usermetadata::UserMetadataConfig;
//! let st = supertokens::init(supertokens::SuperTokensConfig {
//!     app_info: supertokens::AppInfo {
//!         app_name: "Demo".into(),
//!         api_domain: "http://localhost:3001".into(),
//!         website_domain: "http://localhost:3000".into(),
//!         api_base_path: None,
//!         website_base_path: None,
//!     },
//!     connection_uri: "http://localhost:3567".into(),
//!     api_key: None,
//!     rate_limits: supertokens::RateLimitConfig::default(),
//!     recipe_list: vec![supertokens_usermetadata::init(UserMetadataConfig::default())],
//! })?;
//! let update = json!({"theme": "dark", "nickname": null});
//! let merged = supertokens_usermetadata::update_user_metadata(
//!     &st,
//!     "user-id",
//!     update.as_object().cloned().unwrap_or_default(),
//! )
//! .await?;
//! # let _ = merged; Ok(()) }
//! ```
//!
//! # Merge rule
//!
//! [`update_user_metadata`] merges shallowly: each top-level key of the update replaces the
//! stored one (nested objects are replaced whole, not merged), and a top-level key set to
//! `null` is removed. [`clear_user_metadata`] removes everything; [`get_user_metadata`]
//! answers `{}` for a user without metadata. User ids are free-form: the core does not check
//! that the user exists.
//!
//! The recipe serves no FDI routes (node's neither).

pub mod config;
pub mod implementation;
pub mod interface;
pub mod recipe;

use std::sync::Arc;

pub use supertokens::cdi::session::JsonObject;
use supertokens::{Result, SuperTokens};

pub use crate::config::{FunctionsOverride, UserMetadataConfig};
pub use crate::interface::UserMetadataFunctions;
pub use crate::recipe::{UserMetadataRecipe, init};

/// The recipe id (`rid`).
pub const RECIPE_ID: &str = "usermetadata";

/// The user metadata recipe of an initialised SDK.
pub fn recipe(supertokens: &SuperTokens) -> Result<Arc<UserMetadataRecipe>> {
    UserMetadataRecipe::from_supertokens(supertokens)
}

/// The user's metadata; `{}` when there is none.
pub async fn get_user_metadata(supertokens: &SuperTokens, user_id: &str) -> Result<JsonObject> {
    recipe(supertokens)?
        .functions()
        .get_user_metadata(user_id)
        .await
}

/// Merges `update` into the user's metadata (shallow; `null` removes a key) and returns the
/// result.
pub async fn update_user_metadata(
    supertokens: &SuperTokens,
    user_id: &str,
    update: JsonObject,
) -> Result<JsonObject> {
    recipe(supertokens)?
        .functions()
        .update_user_metadata(user_id, update)
        .await
}

/// Removes all of the user's metadata.
pub async fn clear_user_metadata(supertokens: &SuperTokens, user_id: &str) -> Result<()> {
    recipe(supertokens)?
        .functions()
        .clear_user_metadata(user_id)
        .await
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use async_trait::async_trait;
    use serde_json::{Value, json};

    use super::*;

    /// An in-memory stand-in applying the documented merge rule, installed as an override.
    #[derive(Default)]
    struct InMemory(Mutex<HashMap<String, JsonObject>>);

    #[async_trait]
    impl UserMetadataFunctions for InMemory {
        async fn get_user_metadata(&self, user_id: &str) -> Result<JsonObject> {
            Ok(self
                .0
                .lock()
                .unwrap()
                .get(user_id)
                .cloned()
                .unwrap_or_default())
        }

        async fn update_user_metadata(
            &self,
            user_id: &str,
            update: JsonObject,
        ) -> Result<JsonObject> {
            let mut all = self.0.lock().unwrap();
            let stored = all.entry(user_id.to_owned()).or_default();
            for (key, value) in update {
                if value.is_null() {
                    stored.remove(&key);
                } else {
                    stored.insert(key, value);
                }
            }
            Ok(stored.clone())
        }

        async fn clear_user_metadata(&self, user_id: &str) -> Result<()> {
            self.0.lock().unwrap().remove(user_id);
            Ok(())
        }
    }

    fn object(value: Value) -> JsonObject {
        match value {
            Value::Object(object) => object,
            other => panic!("not an object: {other}"),
        }
    }

    #[tokio::test]
    async fn the_facade_goes_through_overridden_functions() {
        let store: Arc<dyn UserMetadataFunctions> = Arc::new(InMemory::default());
        let st = supertokens::init(supertokens::SuperTokensConfig {
            app_info: supertokens::AppInfo {
                app_name: "t".into(),
                api_domain: "http://localhost:3001".into(),
                website_domain: "http://localhost:3000".into(),
                api_base_path: None,
                website_base_path: None,
            },
            connection_uri: "http://127.0.0.1:1".into(),
            api_key: None,
            rate_limits: supertokens::RateLimitConfig::default(),
            recipe_list: vec![init(UserMetadataConfig {
                override_functions: Some(Arc::new(move |_original| store.clone())),
            })],
        })
        .unwrap();
        assert!(
            st.handle(&supertokens::SdkRequest::new(
                http::Method::GET,
                "/auth/user/metadata",
                http::HeaderMap::new()
            ))
            .await
            .is_none()
        );
        let merged = update_user_metadata(&st, "u", object(json!({"a": 1, "b": {"c": 2}})))
            .await
            .unwrap();
        assert_eq!(Value::Object(merged), json!({"a": 1, "b": {"c": 2}}));
        let merged = update_user_metadata(&st, "u", object(json!({"a": null, "b": {"d": 3}})))
            .await
            .unwrap();
        assert_eq!(Value::Object(merged), json!({"b": {"d": 3}}));
        clear_user_metadata(&st, "u").await.unwrap();
        assert!(get_user_metadata(&st, "u").await.unwrap().is_empty());
    }
}
