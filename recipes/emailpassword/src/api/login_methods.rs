//! `GET /<tenant>/loginmethods?clientType=`.

use supertokens::fdi::ok_json;
use supertokens::{Result, SdkResponse};

use crate::interface::ApiOptions;

pub(super) async fn handle(options: &ApiOptions<'_>, tenant_id: &str) -> Result<SdkResponse> {
    let client_type = options.request.query_param("clientType");
    let outcome = options
        .recipe
        .apis()
        .login_methods_get(tenant_id, client_type.as_deref(), options)
        .await?;
    Ok(ok_json(&outcome))
}
