//! Always-on endpoints: `/hello` and `/apiversion`.

use axum::Json;
use supertokens_cdi::version::{ApiVersionResponse, SUPPORTED_CDI_VERSIONS};

use crate::error::ApiResult;
use crate::extract::AppCore;

/// `/hello`: answers `Hello` once the app's database answers too.
pub(super) async fn hello(AppCore(core): AppCore) -> ApiResult<&'static str> {
    core.storage
        .ping()
        .await
        .map_err(supertokens_core_engine::EngineError::from)?;
    Ok("Hello")
}

/// `GET /apiversion`.
pub(super) async fn api_version() -> Json<ApiVersionResponse> {
    Json(ApiVersionResponse {
        versions: SUPPORTED_CDI_VERSIONS
            .iter()
            .map(|v| (*v).to_owned())
            .collect(),
    })
}
