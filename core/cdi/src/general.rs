//! Small shapes shared by many endpoints.

use serde::{Deserialize, Serialize};

/// A bare `{"status":"OK"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OkResponse {
    /// Done.
    Ok,
}

/// `GET /recipe/multitenancy/tenant/v2` for a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum TenantConfigResponse {
    /// The tenant's configuration.
    Ok {
        /// Tenant id.
        tenant_id: String,
        /// Third-party providers configured in the core.
        third_party: ThirdPartyConfig,
        /// Enabled first factors; absent means "as the SDK decides".
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first_factors: Option<Vec<String>>,
        /// Required secondary factors; absent means none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        required_secondary_factors: Option<Vec<String>>,
        /// Core configuration overrides of the tenant.
        core_config: serde_json::Map<String, serde_json::Value>,
    },
    /// No such tenant.
    TenantNotFoundError,
}

/// Third-party provider configuration of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThirdPartyConfig {
    /// Configured providers.
    pub providers: Vec<serde_json::Value>,
}
