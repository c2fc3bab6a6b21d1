//! `GET /<tenant>/passwordless/email/exists?email=` and
//! `GET /<tenant>/passwordless/phonenumber/exists?phoneNumber=` (and their deprecated
//! `/signup/…` paths).

use supertokens::{Result, SdkResponse, SuperTokensError};

use super::ok_json;
use crate::interface::ApiOptions;

pub(super) async fn email(options: &ApiOptions<'_>, tenant_id: &str) -> Result<SdkResponse> {
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

pub(super) async fn phone_number(options: &ApiOptions<'_>, tenant_id: &str) -> Result<SdkResponse> {
    let Some(phone_number) = options.request.query_param("phoneNumber") else {
        return Err(SuperTokensError::BadInput(
            "Please provide the phoneNumber as a GET param".into(),
        ));
    };
    let outcome = options
        .recipe
        .apis()
        .phone_number_exists_get(&phone_number, tenant_id, options)
        .await?;
    Ok(ok_json(&outcome))
}
