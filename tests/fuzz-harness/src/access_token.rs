//! `access_token`: the input as an access token, through every place that parses or verifies
//! one: the SDK's parser, structure check and RS256 check, the SDK's `get_session` (from the
//! `sAccessToken` cookie and from `Authorization: Bearer`, against the core's JWKS), the
//! core's JWT verification (`supertokens_crypto::verify_jwt`) and the core's
//! `/recipe/session/verify`.
//!
//! An input starting with `$SIGN:` is a JSON payload instead: the core signs it
//! (`POST /recipe/jwt` with its newest access-token key), so the fuzzer also explores what follows a good
//! signature. The oracle: no panic; a token the core did not sign is rejected by all of
//! them; a token it signed verifies in both implementations of RS256, and a session the SDK
//! accepts belongs to the token's `sub`.

use std::borrow::Cow;

use http::header::{AUTHORIZATION, COOKIE};
use http::{HeaderMap, HeaderValue, Method};
use jsonwebtoken::DecodingKey;
use serde_json::{Value, json};
use supertokens::SdkRequest;
use supertokens_crypto::signing::{VerifyingKey, decode_unverified, verify_jwt};
use supertokens_session::access_token::{
    access_token_info, parse_jwt_without_signature_verification, validate_access_token_structure,
    verify_signature,
};
use supertokens_session::{SessionRecipe, VerifySessionOptions};

use crate::finding::finding;
use crate::world::{World, fdi_world};

/// Marks an input whose rest is a payload for the core to sign.
pub const SIGN_PREFIX: &[u8] = b"$SIGN:";

/// What the checks found about one token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenVerdicts {
    /// The core signed it (a `$SIGN:` input the core accepted).
    pub genuine: bool,
    /// `supertokens_crypto::verify_jwt` with the core's keys accepted it.
    pub core_crypto: bool,
    /// The SDK's parser and RS256 check (with the key its `kid` names) accepted it.
    pub sdk_signature: bool,
    /// The SDK's `get_session` gave a session, and its user (cookie, then header).
    pub sdk_sessions: Vec<String>,
    /// The core's `/recipe/session/verify` answered `OK`.
    pub core_session: bool,
}

/// Runs every check on the token `data` describes, in this process's FDI world.
pub fn run(data: &[u8]) -> (String, TokenVerdicts) {
    run_in(&fdi_world(), data)
}

/// Runs every check on the token `data` describes, in `world`.
pub fn run_in(world: &World, data: &[u8]) -> (String, TokenVerdicts) {
    world.block_on(async {
        let (token, genuine) = match data.strip_prefix(SIGN_PREFIX) {
            Some(payload) => match sign(world, payload).await {
                Some(token) => (token, true),
                None => return (String::new(), TokenVerdicts::default()),
            },
            None => (String::from_utf8_lossy(data).into_owned(), false),
        };
        let verdicts = check(world, &token, genuine).await;
        (token, verdicts)
    })
}

async fn sign(world: &World, payload: &[u8]) -> Option<String> {
    let payload: serde_json::Map<String, Value> = serde_json::from_slice(payload).ok()?;
    let response = world
        .cdi(
            Method::POST,
            "/recipe/jwt",
            Some(json!({
                "payload": payload,
                "algorithm": "RS256",
                "jwksDomain": "http://localhost:3001",
                "validity": 3600,
                // A key of the access tokens (the SDK refuses the static JWT key for them).
                "useStaticSigningKey": false,
            })),
        )
        .await;
    response
        .body
        .get("jwt")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

async fn check(world: &World, token: &str, genuine: bool) -> TokenVerdicts {
    let jwks = world.jwks().await;
    let keys: Vec<VerifyingKey> = jwks
        .iter()
        .filter_map(|jwk| VerifyingKey::from_jwk(jwk).ok())
        .collect();
    // The core's parser and verifier.
    let _ = decode_unverified(token);
    let core_crypto = verify_jwt(token, &keys).is_ok();
    // The SDK's parser, structure check and RS256 check.
    let mut sdk_signature = false;
    if let Ok(parsed) = parse_jwt_without_signature_verification(token) {
        let _ = validate_access_token_structure(&parsed.payload, parsed.version);
        let _ = access_token_info(&parsed);
        if let Some(jwk) = jwks.iter().find(|jwk| jwk.kid == parsed.kid)
            && let Ok(key) = DecodingKey::from_rsa_components(&jwk.n, &jwk.e)
        {
            sdk_signature = verify_signature(&parsed, &key);
        }
    }
    // The SDK's whole verification, from a cookie and from a header.
    let mut sdk_sessions = Vec::new();
    if let Some(sdk) = world.sdk()
        && let Ok(recipe) = SessionRecipe::from_supertokens(sdk)
    {
        for (name, value) in [
            (COOKIE, format!("sAccessToken={token}")),
            (AUTHORIZATION, format!("Bearer {token}")),
        ] {
            let Ok(value) = HeaderValue::from_str(&value) else {
                continue;
            };
            let mut headers = HeaderMap::new();
            headers.insert(name, value);
            let request = SdkRequest::new(Method::GET, "/protected", headers);
            if let Ok(Some(session)) = recipe
                .get_session(&request, &VerifySessionOptions::default())
                .await
            {
                sdk_sessions.push(session.user_id().to_owned());
            }
        }
    }
    // The core's session verification.
    let verified = world
        .cdi(
            Method::POST,
            "/recipe/session/verify",
            Some(json!({
                "accessToken": token,
                "doAntiCsrfCheck": false,
                "enableAntiCsrf": false,
                "checkDatabase": false,
            })),
        )
        .await;
    TokenVerdicts {
        genuine,
        core_crypto,
        sdk_signature,
        sdk_sessions,
        core_session: verified.body.get("status") == Some(&json!("OK")),
    }
}

/// The fuzz target: [`run`], then the oracle.
pub fn access_token(data: &[u8]) {
    let (token, verdicts) = run(data);
    judge(data, &token, &verdicts);
}

/// The oracle of [`access_token`] over what [`run`] found.
pub fn judge(data: &[u8], token: &str, verdicts: &TokenVerdicts) {
    let report = |what: &str| -> ! {
        finding(
            "access_token",
            &format!("{what}\ntoken: {token}\nverdicts: {verdicts:?}"),
            data,
        )
    };
    if !verdicts.genuine {
        if verdicts.core_crypto
            || verdicts.sdk_signature
            || !verdicts.sdk_sessions.is_empty()
            || verdicts.core_session
        {
            report("a token the core did not sign was accepted");
        }
        return;
    }
    if token.is_empty() {
        return;
    }
    if !verdicts.core_crypto || !verdicts.sdk_signature {
        report("a token the core signed failed RS256 verification");
    }
    let sub: Cow<'_, str> = decode_unverified(token)
        .ok()
        .and_then(|decoded| {
            decoded
                .payload
                .get("sub")
                .and_then(Value::as_str)
                .map(|s| Cow::Owned(s.trim().to_owned()))
        })
        .unwrap_or(Cow::Borrowed(""));
    if verdicts
        .sdk_sessions
        .iter()
        .any(|user| user != sub.as_ref())
    {
        report("the SDK gave a session of another user than the token's sub");
    }
}
