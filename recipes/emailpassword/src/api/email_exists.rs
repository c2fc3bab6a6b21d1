//! `GET /<tenant>/emailpassword/email/exists?email=` and `GET /<tenant>/signup/email/exists`.

use supertokens::{Result, SdkResponse, SuperTokensError};

use super::ok_json;
use crate::interface::ApiOptions;

pub(super) async fn handle(options: &ApiOptions<'_>, tenant_id: &str) -> Result<SdkResponse> {
    let Some(email) = options.request.query_param("email") else {
        return Err(SuperTokensError::BadInput(
            "Please provide the email as a GET param".into(),
        ));
    };
    let outcome = options
        .recipe
        .apis()
        .email_exists_get(&email, tenant_id, options)
        .await?;
    Ok(ok_json(&outcome))
}
