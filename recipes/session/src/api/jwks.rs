//! `GET <apiBasePath>/jwt/jwks.json` and `GET <apiBasePath>/.well-known/openid-configuration`.
//!
//! supertokens-node always adds its JWT and OpenId recipes, which serve these two routes, and
//! the access tokens' `iss` (API domain + API base path) points at them: services that verify
//! access tokens on their own discover the keys from there. Both answers follow node's
//! byte for byte, `Access-Control-Allow-Origin: *` included (the keys are public).

use http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL};
use http::{HeaderValue, StatusCode};
use serde_json::{Value, json};
use supertokens::{Querier, Result, SdkResponse};

use crate::config::{JWKS_API_PATH, NormalisedSessionConfig};
use crate::jwks::JWKS_PATH;

/// `max-age` of the JWKS answer when the core sends none (node's `defaultJWKSMaxAge`).
const DEFAULT_JWKS_MAX_AGE_SECONDS: u64 = 60;

/// The core's public keys, as `{"keys": […]}` with the core's cache lifetime.
pub(crate) async fn jwks(querier: &Querier) -> Result<SdkResponse> {
    let (body, max_age) = querier.get_with_max_age::<Value>(JWKS_PATH).await?;
    let keys = body.get("keys").cloned().unwrap_or_else(|| json!([]));
    let mut response = SdkResponse::json(StatusCode::OK, &json!({ "keys": keys }));
    let max_age = max_age.unwrap_or(DEFAULT_JWKS_MAX_AGE_SECONDS);
    if let Ok(value) = HeaderValue::from_str(&format!("max-age={max_age}, must-revalidate")) {
        response.headers.insert(CACHE_CONTROL, value);
    }
    response
        .headers
        .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    Ok(response)
}

/// The OpenID discovery document: the issuer of the access tokens and where its keys are.
///
/// Like node, it also lists the OAuth2 provider endpoints below the API base path, which
/// only an OAuth2 provider recipe would serve.
pub(crate) fn openid_configuration(config: &NormalisedSessionConfig) -> SdkResponse {
    let issuer = &config.issuer;
    let body = json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}{JWKS_API_PATH}"),
        "authorization_endpoint": format!("{issuer}/oauth/auth"),
        "token_endpoint": format!("{issuer}/oauth/token"),
        "userinfo_endpoint": format!("{issuer}/oauth/userinfo"),
        "revocation_endpoint": format!("{issuer}/oauth/revoke"),
        "token_introspection_endpoint": format!("{issuer}/oauth/introspect"),
        "end_session_endpoint": format!("{issuer}/oauth/end_session"),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "id_token token"],
    });
    let mut response = SdkResponse::json(StatusCode::OK, &body);
    response
        .headers
        .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}
