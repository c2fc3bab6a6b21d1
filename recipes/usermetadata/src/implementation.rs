//! The built-in functions, calling the core.

use std::sync::Arc;

use async_trait::async_trait;
use supertokens::cdi::general::OkResponse;
use supertokens::cdi::session::JsonObject;
use supertokens::cdi::usermetadata::{
    RemoveUserMetadataRequest, UpdateUserMetadataRequest, UserMetadataResponse,
};
use supertokens::{Querier, Result};

use crate::RECIPE_ID;
use crate::interface::UserMetadataFunctions;

/// Path of the metadata endpoints in the core.
const METADATA_PATH: &str = "/recipe/user/metadata";
/// Path of the removal endpoint in the core.
const REMOVE_PATH: &str = "/recipe/user/metadata/remove";

/// The functions as supertokens-node implements them, talking to the core.
#[derive(Debug)]
pub struct CoreFunctions {
    querier: Arc<Querier>,
}

impl CoreFunctions {
    /// Functions using this core connection.
    pub fn new(querier: Arc<Querier>) -> Self {
        Self { querier }
    }
}

#[async_trait]
impl UserMetadataFunctions for CoreFunctions {
    async fn get_user_metadata(&self, user_id: &str) -> Result<JsonObject> {
        let UserMetadataResponse::Ok { metadata } = self
            .querier
            .get(METADATA_PATH, &[("userId", user_id)], Some(RECIPE_ID))
            .await?;
        Ok(metadata)
    }

    async fn update_user_metadata(&self, user_id: &str, update: JsonObject) -> Result<JsonObject> {
        let body = UpdateUserMetadataRequest {
            user_id: user_id.to_owned(),
            metadata_update: update,
        };
        let UserMetadataResponse::Ok { metadata } = self
            .querier
            .put(METADATA_PATH, &body, Some(RECIPE_ID))
            .await?;
        Ok(metadata)
    }

    async fn clear_user_metadata(&self, user_id: &str) -> Result<()> {
        let body = RemoveUserMetadataRequest {
            user_id: user_id.to_owned(),
        };
        let OkResponse::Ok = self
            .querier
            .post(REMOVE_PATH, &body, Some(RECIPE_ID))
            .await?;
        Ok(())
    }
}
