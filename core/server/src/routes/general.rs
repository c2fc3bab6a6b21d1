//! Always-on endpoints: `/hello`, `/apiversion` and the public tenant's configuration.

use axum::Json;
use axum::extract::State;
use supertokens_cdi::general::{TenantConfigResponse, ThirdPartyConfig};
use supertokens_cdi::version::{ApiVersionResponse, SUPPORTED_CDI_VERSIONS};

use crate::AppState;
use crate::error::ApiResult;

/// `/hello`: answers `Hello` once the database answers too.
pub(super) async fn hello(State(state): State<AppState>) -> ApiResult<&'static str> {
    state
        .core
        .storage
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

/// `GET /recipe/multitenancy/tenant/v2` for the public tenant: every login method enabled,
/// first factors left to the SDK. Without `firstFactors` the SDK enables every factor of the
/// recipes it initialised, so emailpassword and passwordless (`otp-email`, `otp-phone`,
/// `link-email`, `link-phone`) are both on.
pub(super) async fn tenant_config() -> Json<TenantConfigResponse> {
    Json(TenantConfigResponse::Ok {
        tenant_id: crate::routing::PUBLIC.to_owned(),
        third_party: ThirdPartyConfig::default(),
        first_factors: None,
        required_secondary_factors: None,
        core_config: serde_json::Map::new(),
    })
}
