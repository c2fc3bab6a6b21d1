//! The user metadata recipe's CDI endpoints (rid `usermetadata`): one JSON object per user,
//! for profile data and app settings kept beside the account.

use serde::{Deserialize, Serialize};

use crate::session::JsonObject;

/// Body of `PUT /recipe/user/metadata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpdateUserMetadataRequest {
    /// The user; free-form, not checked for existence.
    pub user_id: String,
    /// Shallow-merged into the stored object: each top-level key replaces the stored one
    /// (nested objects are replaced, not merged) and a `null` value removes the key.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub metadata_update: JsonObject,
}

/// Body of `POST /recipe/user/metadata/remove`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RemoveUserMetadataRequest {
    /// The user whose metadata is removed.
    pub user_id: String,
}

/// `GET` and `PUT /recipe/user/metadata` outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum UserMetadataResponse {
    /// The stored object (`{}` when the user has none), after the update for `PUT`.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// The metadata.
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        metadata: JsonObject,
    },
}
