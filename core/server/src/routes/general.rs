//! Always-on endpoints: `/hello` (also at `/`) and `/apiversion`.

use axum::Json;
use supertokens_cdi::version::{ApiVersionResponse, SUPPORTED_CDI_VERSIONS};

use crate::error::ApiResult;
use crate::extract::AppCore;

/// Says `Hello` once the app's database answers too
///
/// Open: needs neither an API key nor a `cdi-version`. Answers every method.
#[utoipa::path(
    method(get, post, put, delete),
    path = "/hello",
    tag = "general",
    responses((status = 200, description = "The core and its database are up", body = String, content_type = "text/plain", example = "Hello")),
)]
pub(super) async fn hello(AppCore(core): AppCore) -> ApiResult<&'static str> {
    core.storage
        .ping()
        .await
        .map_err(supertokens_core_engine::EngineError::from)?;
    Ok("Hello")
}

/// Says `Hello` once the app's database answers too (as `/hello`)
#[utoipa::path(
    method(get, post, put, delete),
    path = "/",
    tag = "general",
    responses((status = 200, description = "The core and its database are up", body = String, content_type = "text/plain", example = "Hello")),
)]
pub(super) async fn root(core: AppCore) -> ApiResult<&'static str> {
    hello(core).await
}

/// The CDI versions this core speaks
///
/// Needs the API key but no `cdi-version`.
#[utoipa::path(
    get,
    path = "/apiversion",
    tag = "general",
    responses((status = 200, description = "Supported CDI versions", body = ApiVersionResponse)),
)]
pub(super) async fn api_version() -> Json<ApiVersionResponse> {
    Json(ApiVersionResponse {
        versions: SUPPORTED_CDI_VERSIONS
            .iter()
            .map(|v| (*v).to_owned())
            .collect(),
    })
}
