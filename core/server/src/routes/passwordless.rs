//! The passwordless recipe's endpoints (rid `passwordless`): codes, magic links and the
//! passwordless side of `/recipe/user`.

use axum::Json;
use axum::extract::Extension;
use serde::Deserialize;
use supertokens_cdi::general::OkResponse;
use supertokens_cdi::passwordless::{
    CheckCodeResponse, ConsumeCodeRequest, ConsumeCodeResponse, CreateCodeRequest,
    CreateCodeResponse, ListCodesResponse, RemoveCodeRequest, RemoveCodesRequest,
    UpdateUserRequest, UpdateUserResponse,
};
use supertokens_cdi::user::GetUserResponse;
use supertokens_core_engine::passwordless::CodesQuery;

use crate::error::ApiResult;
use crate::extract::AppCore;
use crate::extract::{JsonBody, QueryParams};
use crate::routing::Tenant;
use supertokens_core_engine::Core;

/// Creates a code: a new device for an email or phone number, or another code for a `deviceId`
///
/// Exactly one of `email`, `phoneNumber` and `deviceId`.
#[utoipa::path(
    post,
    path = "/recipe/signinup/code",
    tag = "passwordless",
    request_body = CreateCodeRequest,
    responses((status = 200, description = "The code, or why not", body = CreateCodeResponse)),
)]
pub(super) async fn create_code(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<CreateCodeRequest>,
) -> ApiResult<Json<CreateCodeResponse>> {
    Ok(Json(
        core.passwordless.create_code(&tenant_id, &request).await?,
    ))
}

/// Consumes a code: signs the user in (and up when new)
///
/// `preAuthSessionId` with either `linkCode` or `deviceId` and `userInputCode`.
#[utoipa::path(
    post,
    path = "/recipe/signinup/code/consume",
    tag = "passwordless",
    request_body = ConsumeCodeRequest,
    responses((status = 200, description = "The user, or why not", body = ConsumeCodeResponse)),
)]
pub(super) async fn consume_code(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<ConsumeCodeRequest>,
) -> ApiResult<Json<ConsumeCodeResponse>> {
    Ok(Json(
        core.passwordless.consume_code(&tenant_id, &request).await?,
    ))
}

/// Checks a code without consuming it
///
/// `preAuthSessionId` with either `linkCode` or `deviceId` and `userInputCode`.
#[utoipa::path(
    post,
    path = "/recipe/signinup/code/check",
    tag = "passwordless",
    request_body = ConsumeCodeRequest,
    responses((status = 200, description = "The device, or why not", body = CheckCodeResponse)),
)]
pub(super) async fn check_code(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<ConsumeCodeRequest>,
) -> ApiResult<Json<CheckCodeResponse>> {
    Ok(Json(
        core.passwordless.check_code(&tenant_id, &request).await?,
    ))
}

/// Revokes one code by `codeId`, or a device by `preAuthSessionId`
#[utoipa::path(
    post,
    path = "/recipe/signinup/code/remove",
    tag = "passwordless",
    request_body = RemoveCodeRequest,
    responses((status = 200, description = "Done", body = OkResponse)),
)]
pub(super) async fn remove_code(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<RemoveCodeRequest>,
) -> ApiResult<Json<OkResponse>> {
    core.passwordless
        .remove_code(
            &tenant_id,
            request.code_id.as_deref(),
            request.pre_auth_session_id.as_deref(),
        )
        .await?;
    Ok(Json(OkResponse::Ok))
}

/// Revokes every device of an email or a phone number
#[utoipa::path(
    post,
    path = "/recipe/signinup/codes/remove",
    tag = "passwordless",
    request_body = RemoveCodesRequest,
    responses((status = 200, description = "Done", body = OkResponse)),
)]
pub(super) async fn remove_codes(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<RemoveCodesRequest>,
) -> ApiResult<Json<OkResponse>> {
    core.passwordless
        .remove_codes(
            &tenant_id,
            request.email.as_deref(),
            request.phone_number.as_deref(),
        )
        .await?;
    Ok(Json(OkResponse::Ok))
}

/// Query of `GET /recipe/signinup/codes`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ListCodesQuery {
    email: Option<String>,
    phone_number: Option<String>,
    device_id: Option<String>,
    pre_auth_session_id: Option<String>,
}

/// Lists the devices and codes of an email, a phone number, a `deviceId` or a `preAuthSessionId`
///
/// Exactly one of the four query parameters.
#[utoipa::path(
    get,
    path = "/recipe/signinup/codes",
    tag = "passwordless",
    params(
        ("email" = Option<String>, Query, description = "Devices of this email"),
        ("phoneNumber" = Option<String>, Query, description = "Devices of this phone number"),
        ("deviceId" = Option<String>, Query, description = "This device"),
        ("preAuthSessionId" = Option<String>, Query, description = "This device, by its public id"),
    ),
    responses((status = 200, description = "The devices", body = ListCodesResponse)),
)]
pub(super) async fn list_codes(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    QueryParams(query): QueryParams<ListCodesQuery>,
) -> ApiResult<Json<ListCodesResponse>> {
    let query = CodesQuery {
        email: query.email.as_deref(),
        phone_number: query.phone_number.as_deref(),
        device_id: query.device_id.as_deref(),
        pre_auth_session_id: query.pre_auth_session_id.as_deref(),
    };
    Ok(Json(core.passwordless.list_codes(&tenant_id, query).await?))
}

/// Query of `GET /recipe/user` with rid `passwordless`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GetUserQuery {
    user_id: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
}

/// `GET /recipe/user` with rid `passwordless`: one of `userId`, `email`, `phoneNumber`.
pub(super) async fn get_user(
    core: &Core,
    tenant_id: &str,
    query: GetUserQuery,
) -> ApiResult<GetUserResponse> {
    Ok(core
        .passwordless
        .get_user(
            tenant_id,
            query.user_id.as_deref(),
            query.email.as_deref(),
            query.phone_number.as_deref(),
        )
        .await?)
}

/// `PUT /recipe/user` with rid `passwordless`: set or clear the email and phone number.
pub(super) async fn update_user(
    core: &Core,
    request: UpdateUserRequest,
) -> ApiResult<UpdateUserResponse> {
    Ok(core.passwordless.update_user(&request).await?)
}
