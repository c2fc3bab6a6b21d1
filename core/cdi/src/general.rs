//! Small shapes shared by many endpoints.

use serde::{Deserialize, Serialize};

/// The tenant configuration shapes, also reachable here (where they first lived).
pub use crate::multitenancy::{TenantConfigResponse, ThirdPartyConfig};

/// A bare `{"status":"OK"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OkResponse {
    /// Done.
    Ok,
}
