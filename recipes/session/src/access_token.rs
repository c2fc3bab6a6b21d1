//! Access tokens: parsing without verification, the structure check node applies before
//! trusting a token to be a SuperTokens access token, and local RS256 verification.
//!
//! Only v3+ tokens (header with `kid` and a string `version`) are accepted. Legacy v1/v2 tokens
//! (no `kid`), which node verifies through the core, fail the structure check here and are
//! treated as no token at all.

use std::fmt;

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use supertokens_cdi::session::JsonObject;

/// Claims the SDK and core own; they are stripped from user payloads.
pub const PROTECTED_PROPS: &[&str] = &[
    "sub",
    "iat",
    "exp",
    "sessionHandle",
    "parentRefreshTokenHash1",
    "refreshTokenHash1",
    "antiCsrfToken",
    "rsub",
    "tId",
    "stt",
];

/// The tenant of tokens that name none.
const DEFAULT_TENANT: &str = "public";

/// Why a token is not a (valid) access token. Only for logs: the wire answer depends on the
/// stage that failed, not on this text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError(pub &'static str);

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A JWT split into its parts, header and payload decoded.
#[derive(Clone)]
pub struct ParsedJwt {
    /// Access token version from the header (3 when absent, as node reads it).
    pub version: u32,
    /// Key id.
    pub kid: String,
    /// Header `alg`.
    pub alg: String,
    /// The decoded payload.
    pub payload: JsonObject,
    raw: String,
    signed_len: usize,
}

impl fmt::Debug for ParsedJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParsedJwt")
            .field("version", &self.version)
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl ParsedJwt {
    /// The token as received.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    fn signing_input(&self) -> &[u8] {
        self.raw
            .as_bytes()
            .get(..self.signed_len)
            .unwrap_or_default()
    }

    fn signature(&self) -> &str {
        self.raw.get(self.signed_len + 1..).unwrap_or_default()
    }
}

/// Decodes base64 the way node's `Buffer.from(x, "base64")` does: either alphabet, padding
/// optional.
fn decode_base64(segment: &str) -> Option<Vec<u8>> {
    let trimmed = segment.trim_end_matches('=');
    // JWTs use the URL-safe alphabet: decode in place unless the standard one shows up
    // (copying the segment char by char cost more than the decoding itself).
    if !trimmed.contains(['+', '/']) {
        return base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(trimmed)
            .ok();
    }
    let normalised: String = trimmed
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            other => other,
        })
        .collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(normalised)
        .ok()
}

fn decode_json_object(segment: &str) -> Option<JsonObject> {
    match serde_json::from_slice(&decode_base64(segment)?).ok()? {
        Value::Object(object) => Some(object),
        _ => None,
    }
}

/// Splits and decodes a JWT without checking its signature.
pub fn parse_jwt_without_signature_verification(token: &str) -> Result<ParsedJwt, TokenError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError("not a JWT"));
    };
    let header_json = decode_json_object(header).ok_or(TokenError("undecodable JWT header"))?;
    let version = match header_json.get("version") {
        None => 3,
        Some(Value::String(text)) => text
            .trim()
            .parse::<u32>()
            .map_err(|_| TokenError("JWT header mismatch"))?,
        Some(_) => return Err(TokenError("JWT header mismatch")),
    };
    let kid = header_json
        .get("kid")
        .and_then(Value::as_str)
        .ok_or(TokenError("JWT header mismatch"))?;
    if header_json.get("typ").and_then(Value::as_str) != Some("JWT") || version < 3 {
        return Err(TokenError("JWT header mismatch"));
    }
    let alg = header_json
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let payload = decode_json_object(payload).ok_or(TokenError("undecodable JWT payload"))?;
    Ok(ParsedJwt {
        version,
        kid: kid.to_owned(),
        alg: alg.to_owned(),
        payload,
        raw: token.to_owned(),
        signed_len: header.len() + 1 + payload_len(token, header.len()),
    })
}

fn payload_len(token: &str, header_len: usize) -> usize {
    token
        .get(header_len + 1..)
        .and_then(|rest| rest.find('.'))
        .unwrap_or_default()
}

fn is_string(payload: &JsonObject, key: &str) -> bool {
    payload.get(key).is_some_and(Value::is_string)
}

fn is_number(payload: &JsonObject, key: &str) -> bool {
    payload.get(key).is_some_and(Value::is_number)
}

/// node's `validateAccessTokenStructure`: the claims a SuperTokens access token of this
/// version always has, and no foreign token type (`stt`).
pub fn validate_access_token_structure(
    payload: &JsonObject,
    version: u32,
) -> Result<(), TokenError> {
    match payload.get("stt") {
        None => {}
        Some(value) if value.as_f64() == Some(0.0) => {}
        Some(_) => return Err(TokenError("wrong token type")),
    }
    let common = is_string(payload, "sub")
        && is_number(payload, "exp")
        && is_number(payload, "iat")
        && is_string(payload, "sessionHandle")
        && is_string(payload, "refreshTokenHash1");
    if !common || (version >= 5 && !is_string(payload, "rsub")) {
        return Err(TokenError(
            "access token does not contain all the information; maybe the structure has changed",
        ));
    }
    Ok(())
}

/// What a verified access token says.
#[derive(Clone, PartialEq)]
pub struct AccessTokenInfo {
    /// Session handle.
    pub session_handle: String,
    /// Primary user id (`sub`).
    pub user_id: String,
    /// Recipe user id (`rsub`, or `sub` before v5).
    pub recipe_user_id: String,
    /// `refreshTokenHash1`.
    pub refresh_token_hash1: String,
    /// `parentRefreshTokenHash1`; `None` once promoted.
    pub parent_refresh_token_hash1: Option<String>,
    /// `antiCsrfToken` (`VIA_TOKEN` mode).
    pub anti_csrf_token: Option<String>,
    /// Expiry, epoch ms.
    pub expiry_ms: i64,
    /// Creation, epoch ms.
    pub time_created_ms: i64,
    /// Tenant (`tId`; `public` before v4).
    pub tenant_id: String,
    /// The whole payload.
    pub payload: JsonObject,
}

impl fmt::Debug for AccessTokenInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessTokenInfo")
            .field("session_handle", &self.session_handle)
            .field("user_id", &self.user_id)
            .field("recipe_user_id", &self.recipe_user_id)
            .field("expiry_ms", &self.expiry_ms)
            .field("tenant_id", &self.tenant_id)
            .finish_non_exhaustive()
    }
}

fn string_claim(payload: &JsonObject, key: &str) -> Option<String> {
    payload
        .get(key)
        .and_then(Value::as_str)
        .map(|text| text.trim().to_owned())
}

fn seconds_claim_ms(payload: &JsonObject, key: &str) -> i64 {
    // Whole-second claims; fractions are kept to the millisecond as node does.
    payload
        .get(key)
        .and_then(Value::as_f64)
        .map(|seconds| (seconds * 1000.0) as i64)
        .unwrap_or_default()
}

/// Reads the session claims of a structurally valid token.
pub fn access_token_info(parsed: &ParsedJwt) -> AccessTokenInfo {
    let payload = &parsed.payload;
    let user_id = string_claim(payload, "sub").unwrap_or_default();
    AccessTokenInfo {
        session_handle: string_claim(payload, "sessionHandle").unwrap_or_default(),
        recipe_user_id: string_claim(payload, "rsub").unwrap_or_else(|| user_id.clone()),
        user_id,
        refresh_token_hash1: string_claim(payload, "refreshTokenHash1").unwrap_or_default(),
        parent_refresh_token_hash1: string_claim(payload, "parentRefreshTokenHash1"),
        anti_csrf_token: string_claim(payload, "antiCsrfToken"),
        expiry_ms: seconds_claim_ms(payload, "exp"),
        time_created_ms: seconds_claim_ms(payload, "iat"),
        tenant_id: if parsed.version >= 4 {
            string_claim(payload, "tId").unwrap_or_else(|| DEFAULT_TENANT.to_owned())
        } else {
            DEFAULT_TENANT.to_owned()
        },
        payload: payload.clone(),
    }
}

/// An RSA public key from the core's JWKS, parsed once.
///
/// `jsonwebtoken`'s `DecodingKey::from_rsa_components` keeps `n` and `e` as bytes, so aws-lc
/// rebuilds the key and its Montgomery context at every verification; a parsed key keeps
/// them (an RS256 verify of an access token: about 16 µs instead of 18.5 µs on the benchmark
/// machine, see BENCHMARKS.md).
pub(crate) struct RsaPublicKey(ParsedPublicKey);

impl RsaPublicKey {
    /// The key with these base64url (no padding) components, as a JWK gives them.
    pub(crate) fn from_jwk_components(n: &str, e: &str) -> Result<Self, TokenError> {
        let engine = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let (Ok(n), Ok(e)) = (engine.decode(n), engine.decode(e)) else {
            return Err(TokenError("undecodable RSA key components"));
        };
        RsaPublicKeyComponents {
            n: n.as_slice(),
            e: e.as_slice(),
        }
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .map(Self)
        .map_err(|_| TokenError("unusable RSA key"))
    }

    /// Checks the RS256 signature of a parsed token (what [`verify_signature`] checks).
    pub(crate) fn verify(&self, parsed: &ParsedJwt) -> bool {
        if parsed.alg != "RS256" {
            return false;
        }
        let Ok(signature) =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parsed.signature())
        else {
            return false;
        };
        self.0
            .verify_sig(parsed.signing_input(), &signature)
            .is_ok()
    }
}

/// Checks the RS256 signature of a parsed token with a key from the JWKS.
pub fn verify_signature(parsed: &ParsedJwt, key: &DecodingKey) -> bool {
    if parsed.alg != "RS256" {
        return false;
    }
    jsonwebtoken::crypto::verify(
        parsed.signature(),
        parsed.signing_input(),
        key,
        Algorithm::RS256,
    )
    .unwrap_or(false)
}

/// How far in the future `iat` and `nbf` may lie (clock skew between the cores and the app).
pub const CLOCK_SKEW_LEEWAY_MS: i64 = 5 * 60 * 1000;

/// The time claims beyond `exp`: a token whose `nbf` (not before; SuperTokens tokens carry
/// none, but a token that has one must honour it) or `iat` lies more than
/// [`CLOCK_SKEW_LEEWAY_MS`] after `now_ms` is not valid yet; a non-numeric `nbf` is invalid.
pub fn check_not_before(payload: &JsonObject, now_ms: i64) -> Result<(), TokenError> {
    let latest = now_ms.saturating_add(CLOCK_SKEW_LEEWAY_MS);
    if let Some(nbf) = payload.get("nbf") {
        if !nbf.is_number() {
            return Err(TokenError("non-numeric nbf"));
        }
        if seconds_claim_ms(payload, "nbf") > latest {
            return Err(TokenError("access token not valid yet (nbf)"));
        }
    }
    if seconds_claim_ms(payload, "iat") > latest {
        return Err(TokenError("access token issued in the future (iat)"));
    }
    Ok(())
}

/// The token's `iss`, when it has one, must be this SDK's issuer (API domain + API base
/// path, which new sessions get): a token another API (or the JWT recipe) had signed with
/// the core's keys is not a session of this API. Tokens without `iss` (sessions created
/// over the CDI directly) pass.
pub fn check_issuer(payload: &JsonObject, issuer: &str) -> Result<(), TokenError> {
    match payload.get("iss") {
        None => Ok(()),
        Some(Value::String(iss)) if iss == issuer => Ok(()),
        Some(_) => Err(TokenError("access token of another issuer")),
    }
}

/// Removes the protected claims from a payload.
pub fn strip_protected_props(payload: &mut JsonObject) {
    for key in PROTECTED_PROPS {
        payload.remove(*key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(value: &Value) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
    }

    fn token(header: &Value, payload: &Value) -> String {
        format!("{}.{}.c2ln", segment(header), segment(payload))
    }

    fn v5_payload() -> Value {
        serde_json::json!({
            "sub": "u", "rsub": "u", "tId": "t1", "exp": 1_800_000_060, "iat": 1_800_000_000,
            "sessionHandle": "h", "refreshTokenHash1": "r", "parentRefreshTokenHash1": null,
            "antiCsrfToken": null, "iss": "http://localhost:3001/auth"
        })
    }

    #[test]
    fn v5_tokens_parse_and_pass_the_structure_check() {
        let raw = token(
            &serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "d-1", "version": "5"}),
            &v5_payload(),
        );
        let parsed = parse_jwt_without_signature_verification(&raw).unwrap();
        assert_eq!(parsed.version, 5);
        assert_eq!(parsed.kid, "d-1");
        assert_eq!(parsed.signature(), "c2ln");
        assert_eq!(
            parsed.signing_input(),
            raw.rsplit_once('.').unwrap().0.as_bytes()
        );
        validate_access_token_structure(&parsed.payload, parsed.version).unwrap();
        let info = access_token_info(&parsed);
        assert_eq!(info.tenant_id, "t1");
        assert_eq!(info.expiry_ms, 1_800_000_060_000);
        assert_eq!(info.parent_refresh_token_hash1, None);
        assert_eq!(info.anti_csrf_token, None);
    }

    #[test]
    fn headers_are_checked_like_node() {
        let payload = v5_payload();
        for header in [
            serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "d-1", "version": 5}),
            serde_json::json!({"alg": "RS256", "typ": "JWT", "version": "5"}),
            serde_json::json!({"alg": "RS256", "typ": "JWS", "kid": "d-1", "version": "5"}),
            serde_json::json!({"alg": "RS256", "typ": "JWT", "version": "2"}),
            serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "d-1", "version": "x"}),
        ] {
            assert!(
                parse_jwt_without_signature_verification(&token(&header, &payload)).is_err(),
                "{header}"
            );
        }
        let no_version = token(
            &serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "d-1"}),
            &payload,
        );
        assert_eq!(
            parse_jwt_without_signature_verification(&no_version)
                .unwrap()
                .version,
            3
        );
        assert!(parse_jwt_without_signature_verification("a.b").is_err());
        assert!(parse_jwt_without_signature_verification("rt-1234").is_err());
    }

    #[test]
    fn time_claims_and_issuer_are_checked() {
        let now_ms = 1_800_000_000_000;
        let object = |value: Value| match value {
            Value::Object(object) => object,
            _ => unreachable!(),
        };
        check_not_before(&object(v5_payload()), now_ms).unwrap();
        let skew = CLOCK_SKEW_LEEWAY_MS / 1000;
        for (claims, ok) in [
            (serde_json::json!({"iat": 1_800_000_000 + skew}), true),
            (serde_json::json!({"iat": 1_800_000_001 + skew}), false),
            (serde_json::json!({"iat": 1, "nbf": 1_800_000_000}), true),
            (
                serde_json::json!({"iat": 1, "nbf": 1_800_000_001 + skew}),
                false,
            ),
            (serde_json::json!({"iat": 1, "nbf": "soon"}), false),
        ] {
            assert_eq!(
                check_not_before(&object(claims.clone()), now_ms).is_ok(),
                ok,
                "{claims}"
            );
        }
        let issuer = "http://localhost:3001/auth";
        check_issuer(&object(v5_payload()), issuer).unwrap();
        check_issuer(&object(serde_json::json!({})), issuer).unwrap();
        assert!(check_issuer(&object(v5_payload()), "https://api.example.com/auth").is_err());
        assert!(check_issuer(&object(serde_json::json!({"iss": 1})), issuer).is_err());
    }

    #[test]
    fn base64_segments_decode_in_either_alphabet_with_or_without_padding() {
        let bytes = [0xfb_u8, 0xff, 0xbf, 0x01];
        for segment in ["-_-_AQ", "-_-_AQ==", "+/+/AQ", "+/+/AQ=="] {
            assert_eq!(
                decode_base64(segment).as_deref(),
                Some(&bytes[..]),
                "{segment}"
            );
        }
        assert_eq!(decode_base64("a!b"), None);
    }

    #[test]
    fn structure_check_requires_the_session_claims() {
        let mut payload = match v5_payload() {
            Value::Object(object) => object,
            _ => unreachable!(),
        };
        validate_access_token_structure(&payload, 5).unwrap();
        payload.insert("stt".into(), 1.into());
        assert!(validate_access_token_structure(&payload, 5).is_err());
        payload.insert("stt".into(), 0.into());
        validate_access_token_structure(&payload, 5).unwrap();
        payload.remove("rsub");
        assert!(validate_access_token_structure(&payload, 5).is_err());
        validate_access_token_structure(&payload, 4).unwrap();
        payload.insert("exp".into(), "soon".into());
        assert!(validate_access_token_structure(&payload, 4).is_err());
    }
}
