//! `POST <apiBasePath>/session/refresh`.

use http::StatusCode;
use supertokens::{Result, SdkResponse};

use crate::interface::ApiOptions;

/// Rotates the tokens: 200 `{}` with the new tokens and `front-token`. Failures (no or
/// invalid refresh token, anti-CSRF, theft) are session errors mapped to 401 by the recipe.
pub(crate) async fn refresh(options: &ApiOptions<'_>) -> Result<SdkResponse> {
    let session = options.recipe.apis().refresh_post(options).await?;
    let mut response = SdkResponse::json(StatusCode::OK, &serde_json::json!({}));
    response.apply(&session.response_headers());
    Ok(response)
}
