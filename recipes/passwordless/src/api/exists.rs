//! `GET /<tenant>/passwordless/email/exists?email=` and
//! `GET /<tenant>/passwordless/phonenumber/exists?phoneNumber=` (and their deprecated
//! `/signup/…` paths).

use supertokens::fdi::ok_json;
use supertokens::{Result, SdkResponse};

use crate::interface::ApiOptions;

pub(super) async fn email(options: &ApiOptions<'_>, tenant_id: &str) -> Result<SdkResponse> {
    let email = options.request.required_query_param("email")?;
    let outcome = options
        .recipe
        .apis()
        .email_exists_get(&email, tenant_id, options)
        .await?;
    Ok(ok_json(&outcome))
}

pub(super) async fn phone_number(options: &ApiOptions<'_>, tenant_id: &str) -> Result<SdkResponse> {
    let phone_number = options.request.required_query_param("phoneNumber")?;
    let outcome = options
        .recipe
        .apis()
        .phone_number_exists_get(&phone_number, tenant_id, options)
        .await?;
    Ok(ok_json(&outcome))
}
