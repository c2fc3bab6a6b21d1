//! The email verification recipe's endpoints (rid `emailverification`). Tokens are
//! tenant-scoped; the verification state of a (user id, email) pair belongs to the app.

use axum::Json;
use axum::extract::{Extension, State};
use serde::Deserialize;
use supertokens_cdi::emailverification::{
    CreateEmailVerificationTokenResponse, IsEmailVerifiedResponse, UserEmailRequest,
    VerifyEmailRequest, VerifyEmailResponse,
};
use supertokens_cdi::general::OkResponse;

use super::required;
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{JsonBody, QueryParams};
use crate::routing::Tenant;

/// `POST /recipe/user/email/verify/token`: a token for the pair, unless it is verified.
pub(super) async fn create_token(
    State(state): State<AppState>,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<UserEmailRequest>,
) -> ApiResult<Json<CreateEmailVerificationTokenResponse>> {
    Ok(Json(
        state
            .core
            .emailverification
            .create_token(&tenant_id, &request.user_id, &request.email)
            .await?,
    ))
}

/// `POST /recipe/user/email/verify`: uses a token (`method` must be `token`).
pub(super) async fn verify(
    State(state): State<AppState>,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<VerifyEmailRequest>,
) -> ApiResult<Json<VerifyEmailResponse>> {
    Ok(Json(
        state
            .core
            .emailverification
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
    State(state): State<AppState>,
    QueryParams(query): QueryParams<PairQuery>,
) -> ApiResult<Json<IsEmailVerifiedResponse>> {
    let user_id = required("userId", &query.user_id)?;
    let email = required("email", &query.email)?;
    let is_verified = state
        .core
        .emailverification
        .is_verified(user_id, email)
        .await?;
    Ok(Json(IsEmailVerifiedResponse::Ok { is_verified }))
}

/// `POST /recipe/user/email/verify/remove`: marks the pair unverified.
pub(super) async fn unverify(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<UserEmailRequest>,
) -> ApiResult<Json<OkResponse>> {
    state
        .core
        .emailverification
        .unverify(&request.user_id, &request.email)
        .await?;
    Ok(Json(OkResponse::Ok))
}

/// `POST /recipe/user/email/verify/token/remove`: revokes the pair's tokens in the tenant.
pub(super) async fn revoke_tokens(
    State(state): State<AppState>,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<UserEmailRequest>,
) -> ApiResult<Json<OkResponse>> {
    state
        .core
        .emailverification
        .revoke_tokens(&tenant_id, &request.user_id, &request.email)
        .await?;
    Ok(Json(OkResponse::Ok))
}
