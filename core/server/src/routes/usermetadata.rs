//! The user metadata recipe's endpoints (rid `usermetadata`). User ids are free-form.

use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use supertokens_cdi::general::OkResponse;
use supertokens_cdi::usermetadata::{
    RemoveUserMetadataRequest, UpdateUserMetadataRequest, UserMetadataResponse,
};

use super::required;
use crate::error::{ApiError, ApiResult};
use crate::extract::AppCore;
use crate::extract::{JsonBody, QueryParams};

/// Query of `GET /recipe/user/metadata`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserIdQuery {
    user_id: Option<String>,
}

/// A user's metadata (`{}` when none)
#[utoipa::path(
    get,
    path = "/recipe/user/metadata",
    tag = "usermetadata",
    params(("userId" = String, Query, description = "The user; free-form")),
    responses((status = 200, description = "The metadata", body = UserMetadataResponse)),
)]
pub(super) async fn get(
    AppCore(core): AppCore,
    QueryParams(query): QueryParams<UserIdQuery>,
) -> ApiResult<Json<UserMetadataResponse>> {
    let user_id = required("userId", &query.user_id)?;
    let metadata = core.usermetadata.get(user_id).await?;
    Ok(Json(UserMetadataResponse::Ok { metadata }))
}

/// Body of `PUT /recipe/user/metadata`, read loosely so that a `metadataUpdate` that is not
/// an object gets a message naming it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UpdateBody {
    user_id: String,
    metadata_update: Value,
}

/// Shallow-merges `metadataUpdate` into a user's metadata
#[utoipa::path(
    put,
    path = "/recipe/user/metadata",
    tag = "usermetadata",
    request_body = UpdateUserMetadataRequest,
    responses((status = 200, description = "The metadata after the update", body = UserMetadataResponse)),
)]
pub(super) async fn update(
    AppCore(core): AppCore,
    JsonBody(body): JsonBody<UpdateBody>,
) -> ApiResult<Json<UserMetadataResponse>> {
    let Value::Object(update) = body.metadata_update else {
        return Err(ApiError::bad_request(
            "Field name 'metadataUpdate' is invalid in JSON input: it must be a JSON object",
        ));
    };
    let metadata = core.usermetadata.update(&body.user_id, &update).await?;
    Ok(Json(UserMetadataResponse::Ok { metadata }))
}

/// Removes a user's metadata
#[utoipa::path(
    post,
    path = "/recipe/user/metadata/remove",
    tag = "usermetadata",
    request_body = RemoveUserMetadataRequest,
    responses((status = 200, description = "Done", body = OkResponse)),
)]
pub(super) async fn remove(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<RemoveUserMetadataRequest>,
) -> ApiResult<Json<OkResponse>> {
    core.usermetadata.remove(&request.user_id).await?;
    Ok(Json(OkResponse::Ok))
}
