//! `POST /<tenant>/signinup/code/resend`.

use supertokens::fdi::ok_json;
use supertokens::{Result, SdkResponse, SuperTokensError};

use super::{check_device_id, load_session_if_needed, string_field};
use crate::interface::ApiOptions;

pub(super) async fn handle(options: &ApiOptions<'_>, tenant_id: &str) -> Result<SdkResponse> {
    let body = options.request.json_object()?;
    let Some(pre_auth_session_id) = string_field(&body, "preAuthSessionId")? else {
        return Err(SuperTokensError::BadInput(
            "Please provide preAuthSessionId".into(),
        ));
    };
    let Some(device_id) = string_field(&body, "deviceId")? else {
        return Err(SuperTokensError::BadInput(
            "Please provide a deviceId".into(),
        ));
    };
    check_device_id(device_id)?;
    load_session_if_needed(options, &body).await?;
    let outcome = options
        .recipe
        .apis()
        .resend_code_post(device_id, pre_auth_session_id, tenant_id, options)
        .await?;
    Ok(ok_json(&outcome))
}
