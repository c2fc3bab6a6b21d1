//! The user metadata recipe's endpoints (rid `usermetadata`). User ids are free-form.

use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use supertokens_cdi::general::OkResponse;
use supertokens_cdi::usermetadata::{RemoveUserMetadataRequest, UserMetadataResponse};

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

/// `GET /recipe/user/metadata?userId=`: the user's metadata (`{}` when none).
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

/// `PUT /recipe/user/metadata`: shallow-merges `metadataUpdate`; returns the result.
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

/// `POST /recipe/user/metadata/remove`.
pub(super) async fn remove(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<RemoveUserMetadataRequest>,
) -> ApiResult<Json<OkResponse>> {
    core.usermetadata.remove(&request.user_id).await?;
    Ok(Json(OkResponse::Ok))
}
