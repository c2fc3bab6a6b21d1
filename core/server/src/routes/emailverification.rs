//! The email verification recipe's endpoints (rid `emailverification`). Tokens are
//! tenant-scoped; the verification state of a (user id, email) pair belongs to the app.

use axum::Json;
use axum::extract::Extension;
use serde::Deserialize;
use supertokens_cdi::emailverification::{
    CreateEmailVerificationTokenResponse, IsEmailVerifiedResponse, UserEmailRequest,
    VerifyEmailRequest, VerifyEmailResponse,
};
use supertokens_cdi::general::OkResponse;

use super::required;
use crate::error::ApiResult;
use crate::extract::AppCore;
use crate::extract::{JsonBody, QueryParams};
use crate::routing::Tenant;

/// `POST /recipe/user/email/verify/token`: a token for the pair, unless it is verified.
pub(super) async fn create_token(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<UserEmailRequest>,
) -> ApiResult<Json<CreateEmailVerificationTokenResponse>> {
    Ok(Json(
        core.emailverification
            .create_token(&tenant_id, &request.user_id, &request.email)
            .await?,
    ))
}

/// `POST /recipe/user/email/verify`: uses a token (`method` must be `token`).
pub(super) async fn verify(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<VerifyEmailRequest>,
) -> ApiResult<Json<VerifyEmailResponse>> {
    Ok(Json(
        core.emailverification
            .verify(&tenant_id, &request.method, &request.token)
            .await?,
    ))
}

/// Query of `GET /recipe/user/email/verify`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PairQuery {
    user_id: Option<String>,
    email: Option<String>,
}

/// `GET /recipe/user/email/verify?userId=&email=`: whether the pair is verified.
pub(super) async fn is_verified(
    AppCore(core): AppCore,
    QueryParams(query): QueryParams<PairQuery>,
) -> ApiResult<Json<IsEmailVerifiedResponse>> {
    let user_id = required("userId", &query.user_id)?;
    let email = required("email", &query.email)?;
    let is_verified = core.emailverification.is_verified(user_id, email).await?;
    Ok(Json(IsEmailVerifiedResponse::Ok { is_verified }))
}

/// `POST /recipe/user/email/verify/remove`: marks the pair unverified.
pub(super) async fn unverify(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<UserEmailRequest>,
) -> ApiResult<Json<OkResponse>> {
    core.emailverification
        .unverify(&request.user_id, &request.email)
        .await?;
    Ok(Json(OkResponse::Ok))
}

/// `POST /recipe/user/email/verify/token/remove`: revokes the pair's tokens in the tenant.
pub(super) async fn revoke_tokens(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<UserEmailRequest>,
) -> ApiResult<Json<OkResponse>> {
    core.emailverification
        .revoke_tokens(&tenant_id, &request.user_id, &request.email)
        .await?;
    Ok(Json(OkResponse::Ok))
}
