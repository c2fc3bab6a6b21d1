//! `GET /<tenant>/loginmethods?clientType=` (or `GET /loginmethods?tenantId=<tenant>`).

use supertokens::fdi::ok_json;
use supertokens::multitenancy::login_methods_tenant;
use supertokens::{Result, SdkResponse};

use crate::interface::ApiOptions;

pub(super) async fn handle(options: &ApiOptions<'_>, tenant_id: &str) -> Result<SdkResponse> {
    let client_type = options.request.query_param("clientType");
    let tenant_id = login_methods_tenant(tenant_id, options.request)?;
    let outcome = options
        .recipe
        .apis()
        .login_methods_get(&tenant_id, client_type.as_deref(), options)
        .await?;
    Ok(ok_json(&outcome))
}
