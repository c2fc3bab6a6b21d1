//! The emailpassword recipe's endpoints.

use axum::Json;
use axum::extract::Extension;
use serde::Deserialize;
use supertokens_cdi::emailpassword::{
    ConsumeResetTokenRequest, ConsumeResetTokenResponse, CreateResetTokenRequest,
    CreateResetTokenResponse, Credentials, ImportPasswordHashRequest, ImportPasswordHashResponse,
    ResetPasswordRequest, ResetPasswordResponse, SignInResponse, SignUpResponse, UpdateUserRequest,
    UpdateUserResponse,
};
use supertokens_cdi::user::GetUserResponse;

use crate::error::{ApiError, ApiResult};
use crate::extract::AppCore;
use crate::extract::JsonBody;
use crate::routing::Tenant;
use supertokens_core_engine::Core;

/// Creates an emailpassword user in the tenant
#[utoipa::path(
    post,
    path = "/recipe/signup",
    tag = "emailpassword",
    request_body = Credentials,
    responses((status = 200, description = "The new user, or the email is taken in the tenant", body = SignUpResponse)),
)]
pub(super) async fn sign_up(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<Credentials>,
) -> ApiResult<Json<SignUpResponse>> {
    Ok(Json(
        core.emailpassword
            .sign_up(&tenant_id, &request.email, &request.password)
            .await?,
    ))
}

/// Checks an email and password in the tenant
#[utoipa::path(
    post,
    path = "/recipe/signin",
    tag = "emailpassword",
    request_body = Credentials,
    responses((status = 200, description = "The user, or wrong credentials", body = SignInResponse)),
)]
pub(super) async fn sign_in(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<Credentials>,
) -> ApiResult<Json<SignInResponse>> {
    Ok(Json(
        core.emailpassword
            .sign_in(&tenant_id, &request.email, &request.password)
            .await?,
    ))
}

/// Query of `GET /recipe/user` with rid `emailpassword`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GetUserQuery {
    user_id: Option<String>,
    email: Option<String>,
}

/// `GET /recipe/user` with rid `emailpassword` (or none): one of `userId`, `email`.
pub(super) async fn get_user(
    core: &Core,
    tenant_id: &str,
    query: GetUserQuery,
) -> ApiResult<GetUserResponse> {
    let recipe = &core.emailpassword;
    let response = match (&query.user_id, &query.email) {
        (Some(user_id), None) => match recipe.user_by_id(user_id).await? {
            Some(user) => GetUserResponse::Ok {
                user: core.users.auth_recipe_user(&user).await?,
            },
            None => GetUserResponse::UnknownUserIdError,
        },
        (None, Some(email)) => match recipe.user_by_email(tenant_id, email).await? {
            Some(user) => GetUserResponse::Ok {
                user: core.users.auth_recipe_user(&user).await?,
            },
            None => GetUserResponse::UnknownEmailError,
        },
        _ => {
            return Err(ApiError::bad_request(
                "Please provide exactly one of userId or email",
            ));
        }
    };
    Ok(response)
}

/// `PUT /recipe/user` with rid `emailpassword` (or none): change email and/or password.
pub(super) async fn update_user(
    core: &Core,
    request: UpdateUserRequest,
) -> ApiResult<UpdateUserResponse> {
    let user_id = request
        .recipe_user_id
        .as_deref()
        .or(request.user_id.as_deref())
        .ok_or_else(|| {
            ApiError::bad_request("Field name 'recipeUserId' is invalid in JSON input")
        })?;
    let response = core
        .emailpassword
        .update_user(
            user_id,
            request.email.as_deref(),
            request.password.as_deref(),
        )
        .await?;
    Ok(response)
}

/// Creates a password reset token
///
/// The token lives for the tenant's `password_reset_token_lifetime`.
#[utoipa::path(
    post,
    path = "/recipe/user/password/reset/token",
    tag = "emailpassword",
    request_body = CreateResetTokenRequest,
    responses((status = 200, description = "The token, or an unknown user", body = CreateResetTokenResponse)),
)]
pub(super) async fn create_reset_token(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<CreateResetTokenRequest>,
) -> ApiResult<Json<CreateResetTokenResponse>> {
    Ok(Json(
        core.emailpassword
            .create_reset_token(&tenant_id, &request.user_id, request.email.as_deref())
            .await?,
    ))
}

/// Uses up a password reset token
#[utoipa::path(
    post,
    path = "/recipe/user/password/reset/token/consume",
    tag = "emailpassword",
    request_body = ConsumeResetTokenRequest,
    responses((status = 200, description = "Whose token it was, or an invalid token", body = ConsumeResetTokenResponse)),
)]
pub(super) async fn consume_reset_token(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<ConsumeResetTokenRequest>,
) -> ApiResult<Json<ConsumeResetTokenResponse>> {
    Ok(Json(
        core.emailpassword
            .consume_reset_token(&request.token)
            .await?,
    ))
}

/// Uses a password reset token and sets the new password (older combined flow)
#[utoipa::path(
    post,
    path = "/recipe/user/password/reset",
    tag = "emailpassword",
    request_body = ResetPasswordRequest,
    responses((status = 200, description = "The password changed, or an invalid token", body = ResetPasswordResponse)),
)]
pub(super) async fn reset_password(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<ResetPasswordRequest>,
) -> ApiResult<Json<ResetPasswordResponse>> {
    if request.method != "token" {
        return Err(ApiError::bad_request(
            "Unsupported method for password reset",
        ));
    }
    Ok(Json(
        core.emailpassword
            .reset_password(&request.token, &request.new_password)
            .await?,
    ))
}

/// Imports a user with a password hash made by another system
#[utoipa::path(
    post,
    path = "/recipe/user/passwordhash/import",
    tag = "emailpassword",
    request_body = ImportPasswordHashRequest,
    responses((status = 200, description = "The imported (or updated) user", body = ImportPasswordHashResponse)),
)]
pub(super) async fn import_password_hash(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<ImportPasswordHashRequest>,
) -> ApiResult<Json<ImportPasswordHashResponse>> {
    let response = core
        .emailpassword
        .import_password_hash(
            &tenant_id,
            &request.email,
            &request.password_hash,
            request.hashing_algorithm.as_deref(),
        )
        .await?;
    Ok(Json(response))
}
