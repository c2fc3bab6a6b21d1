//! `GET /<tenant>/emailpassword/email/exists?email=` and `GET /<tenant>/signup/email/exists`.

use supertokens::fdi::ok_json;
use supertokens::{Result, SdkResponse};

use crate::interface::ApiOptions;

pub(super) async fn handle(options: &ApiOptions<'_>, tenant_id: &str) -> Result<SdkResponse> {
    let email = options.request.required_query_param("email")?;
    let outcome = options
        .recipe
        .apis()
        .email_exists_get(&email, tenant_id, options)
        .await?;
    Ok(ok_json(&outcome))
}
