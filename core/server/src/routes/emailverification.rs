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

/// Creates an email verification token for a (user, email) pair, unless it is verified
#[utoipa::path(
    post,
    path = "/recipe/user/email/verify/token",
    tag = "emailverification",
    request_body = UserEmailRequest,
    responses((status = 200, description = "The token, or the email is already verified", body = CreateEmailVerificationTokenResponse)),
)]
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

/// Verifies an email with a token (`method` must be `token`)
#[utoipa::path(
    post,
    path = "/recipe/user/email/verify",
    tag = "emailverification",
    request_body = VerifyEmailRequest,
    responses((status = 200, description = "The verified pair, or an invalid token", body = VerifyEmailResponse)),
)]
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

/// Whether a (user, email) pair is verified
#[utoipa::path(
    get,
    path = "/recipe/user/email/verify",
    tag = "emailverification",
    params(
        ("userId" = String, Query, description = "The user"),
        ("email" = String, Query, description = "The email"),
    ),
    responses((status = 200, description = "Whether it is verified", body = IsEmailVerifiedResponse)),
)]
pub(super) async fn is_verified(
    AppCore(core): AppCore,
    QueryParams(query): QueryParams<PairQuery>,
) -> ApiResult<Json<IsEmailVerifiedResponse>> {
    let user_id = required("userId", &query.user_id)?;
    let email = required("email", &query.email)?;
    let is_verified = core.emailverification.is_verified(user_id, email).await?;
    Ok(Json(IsEmailVerifiedResponse::Ok { is_verified }))
}

/// Marks a (user, email) pair unverified
#[utoipa::path(
    post,
    path = "/recipe/user/email/verify/remove",
    tag = "emailverification",
    request_body = UserEmailRequest,
    responses((status = 200, description = "Done", body = OkResponse)),
)]
pub(super) async fn unverify(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<UserEmailRequest>,
) -> ApiResult<Json<OkResponse>> {
    core.emailverification
        .unverify(&request.user_id, &request.email)
        .await?;
    Ok(Json(OkResponse::Ok))
}

/// Revokes the email verification tokens of a (user, email) pair in the tenant
#[utoipa::path(
    post,
    path = "/recipe/user/email/verify/token/remove",
    tag = "emailverification",
    request_body = UserEmailRequest,
    responses((status = 200, description = "Done", body = OkResponse)),
)]
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
