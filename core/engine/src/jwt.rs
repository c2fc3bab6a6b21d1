//! The JWT recipe: arbitrary JWTs signed with the core's keys.

use std::sync::Arc;

use serde_json::Value;
use supertokens_cdi::jwt::{CreateJwtRequest, CreateJwtResponse};

use crate::clock::Clock;
use crate::error::{EngineError, Result};
use crate::keys::SigningKeys;

/// Signs JWTs for `POST /recipe/jwt`.
pub struct Jwts {
    keys: Arc<SigningKeys>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Jwts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwts").finish_non_exhaustive()
    }
}

impl Jwts {
    /// The JWT recipe over these keys.
    pub fn new(keys: Arc<SigningKeys>, clock: Arc<dyn Clock>) -> Self {
        Self { keys, clock }
    }

    /// Signs `payload` plus `iss` (unless set), `iat` and `exp`.
    pub async fn create(&self, request: CreateJwtRequest) -> Result<CreateJwtResponse> {
        if !request.algorithm.eq_ignore_ascii_case("rs256") {
            return Ok(CreateJwtResponse::UnsupportedAlgorithmError);
        }
        if request.validity <= 0 {
            return Err(EngineError::bad_request("validity must be greater than 0"));
        }
        let now_ms = self.clock.now_ms();
        let iat = now_ms / 1000;
        let mut payload = request.payload;
        if !payload.contains_key("iss") {
            payload.insert("iss".into(), Value::String(request.jwks_domain));
        }
        payload.insert("iat".into(), iat.into());
        payload.insert("exp".into(), iat.saturating_add(request.validity).into());
        let key = if request.use_static_signing_key.unwrap_or(true) {
            self.keys.static_signing_key(now_ms).await?
        } else {
            self.keys.dynamic_signing_key(now_ms).await?
        };
        Ok(CreateJwtResponse::Ok {
            jwt: key.key.sign_jwt_plain(&payload)?,
        })
    }
}
