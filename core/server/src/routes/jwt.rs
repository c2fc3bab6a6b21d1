//! JWKS and the JWT recipe.

use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use supertokens_cdi::jwt::{CreateJwtRequest, CreateJwtResponse, Jwks, JwksResponse};

use crate::error::{ApiError, ApiResult};
use crate::extract::AppCore;
use crate::extract::JsonBody;

/// The public keys that sign access tokens and JWTs
///
/// Open: needs neither an API key nor a `cdi-version`. Cacheable until the next key rotation.
#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    tag = "jwt",
    responses((
        status = 200,
        description = "The JSON Web Key Set",
        body = Jwks,
        headers(("Cache-Control" = String, description = "`max-age=<seconds until the next key rotation>, must-revalidate`")),
    )),
)]
pub(super) async fn well_known_jwks(AppCore(core): AppCore) -> ApiResult<Response> {
    let now_ms = core.clock.now_ms();
    let keys = core.keys.jwks(now_ms).await?;
    let max_age = core.keys.jwks_max_age_secs(now_ms);
    let cache_control = HeaderValue::from_str(&format!("max-age={max_age}, must-revalidate"))
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    Ok((
        [(header::CACHE_CONTROL, cache_control)],
        Json(Jwks { keys }),
    )
        .into_response())
}

/// The public keys that sign access tokens and JWTs (as `/.well-known/jwks.json`)
#[utoipa::path(
    get,
    path = "/recipe/jwt/jwks",
    tag = "jwt",
    responses((status = 200, description = "The keys", body = JwksResponse)),
)]
pub(super) async fn jwks(AppCore(core): AppCore) -> ApiResult<Json<JwksResponse>> {
    let keys = core.keys.jwks(core.clock.now_ms()).await?;
    Ok(Json(JwksResponse::Ok { keys }))
}

/// Signs a JWT with the given claims
#[utoipa::path(
    post,
    path = "/recipe/jwt",
    tag = "jwt",
    request_body = CreateJwtRequest,
    responses((status = 200, description = "The signed token, or an unsupported algorithm", body = CreateJwtResponse)),
)]
pub(super) async fn create_jwt(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<CreateJwtRequest>,
) -> ApiResult<Json<CreateJwtResponse>> {
    Ok(Json(core.jwts.create(request).await?))
}
