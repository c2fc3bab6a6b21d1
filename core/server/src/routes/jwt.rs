//! JWKS and the JWT recipe.

use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use supertokens_cdi::jwt::{CreateJwtRequest, CreateJwtResponse, Jwks, JwksResponse};

use crate::error::{ApiError, ApiResult};
use crate::extract::AppCore;
use crate::extract::JsonBody;

/// `GET /.well-known/jwks.json`: public, cacheable until the next key rotation.
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

/// `GET /recipe/jwt/jwks`.
pub(super) async fn jwks(AppCore(core): AppCore) -> ApiResult<Json<JwksResponse>> {
    let keys = core.keys.jwks(core.clock.now_ms()).await?;
    Ok(Json(JwksResponse::Ok { keys }))
}

/// `POST /recipe/jwt`.
pub(super) async fn create_jwt(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<CreateJwtRequest>,
) -> ApiResult<Json<CreateJwtResponse>> {
    Ok(Json(core.jwts.create(request).await?))
}
