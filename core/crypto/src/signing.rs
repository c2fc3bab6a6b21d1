//! RS256 signing keys, JWT signing/verification and the JWK form of public keys.
//!
//! Keys are parsed once and kept in memory: re-parsing a PEM per signature (what
//! `jsonwebtoken::EncodingKey` does) more than doubles the cost of a signature. JWTs are
//! assembled by hand because the v5 access-token header carries a `version` field that
//! `jsonwebtoken::Header` cannot express.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    KeyPair as _, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair,
    RsaPublicKeyComponents,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::error::{CryptoError, Result};

/// The only JWT algorithm this crate signs and accepts.
pub const JWT_ALGORITHM: &str = "RS256";

/// PEM label of an unencrypted PKCS#8 private key.
const PKCS8_LABEL: &str = "PRIVATE KEY";
/// PEM label of a PKCS#1 `RSAPrivateKey`, accepted on import.
const PKCS1_LABEL: &str = "RSA PRIVATE KEY";

/// Why a JWT was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Not three base64url segments, or a header/payload that is not a JSON object.
    #[error("malformed JWT: {0}")]
    Malformed(String),
    /// The header's `alg` is not `RS256` (e.g. `none` or `HS256`).
    #[error("unsupported JWT algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// No key has the header's `kid`.
    #[error("no verification key with kid {0:?}")]
    UnknownKid(String),
    /// The signature does not verify.
    #[error("JWT signature does not verify")]
    BadSignature,
}

/// A JWT's header and payload as JSON objects.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedJwt {
    /// The JOSE header, e.g. `{"alg":"RS256","typ":"JWT","kid":"d-…","version":"5"}`.
    pub header: Map<String, Value>,
    /// The claims.
    pub payload: Map<String, Value>,
}

/// An RSA public key in JWK form, as served by `/.well-known/jwks.json` and `/recipe/jwt/jwks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Always `"RSA"`.
    pub kty: String,
    /// Key id.
    pub kid: String,
    /// Modulus: base64url (no padding) of the unsigned big-endian bytes, no leading zero.
    pub n: String,
    /// Public exponent, encoded like `n`.
    pub e: String,
    /// Always `"RS256"`.
    pub alg: String,
    /// Always `"sig"`.
    #[serde(rename = "use")]
    pub use_: String,
}

/// An RS256 private key with its id, parsed once and ready to sign.
pub struct SigningKey {
    key_pair: RsaKeyPair,
    pkcs8_der: Zeroizing<Vec<u8>>,
    verifying: VerifyingKey,
    /// base64url of `{"alg":"RS256","typ":"JWT","kid":…,"version":"5"}`.
    header_v5: String,
    /// base64url of `{"alg":"RS256","typ":"JWT","kid":…}`.
    header_plain: String,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid())
            .field("private_key", &"<redacted>")
            .finish()
    }
}

impl SigningKey {
    /// Generates a fresh RSA-2048 key pair.
    ///
    /// Randomness comes from aws-lc's own DRBG (RSA key generation cannot take an injected
    /// source). Costs tens to hundreds of milliseconds: run it off the async runtime.
    pub fn generate(kid: impl Into<String>) -> Result<Self> {
        let key_pair =
            RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| CryptoError::KeyGeneration)?;
        Self::from_key_pair(kid.into(), key_pair)
    }

    /// Parses a PEM private key: PKCS#8 (`PRIVATE KEY`, what [`Self::to_pkcs8_pem`] writes) or
    /// PKCS#1 (`RSA PRIVATE KEY`). RSA 2048 to 8192 bits.
    pub fn from_pkcs8_pem(kid: impl Into<String>, pem: &str) -> Result<Self> {
        let (label, der) = pem_decode(pem)?;
        let key_pair = match label.as_str() {
            PKCS8_LABEL => RsaKeyPair::from_pkcs8(&der),
            PKCS1_LABEL => RsaKeyPair::from_der(&der),
            other => {
                return Err(CryptoError::InvalidKey(format!(
                    "unexpected PEM label {other:?}, expected {PKCS8_LABEL:?}"
                )));
            }
        }
        .map_err(|e| CryptoError::InvalidKey(format!("RSA private key rejected: {e}")))?;
        Self::from_key_pair(kid.into(), key_pair)
    }

    /// Parses an unencrypted PKCS#8 DER RSA private key.
    pub fn from_pkcs8_der(kid: impl Into<String>, der: &[u8]) -> Result<Self> {
        let key_pair = RsaKeyPair::from_pkcs8(der)
            .map_err(|e| CryptoError::InvalidKey(format!("RSA private key rejected: {e}")))?;
        Self::from_key_pair(kid.into(), key_pair)
    }

    fn from_key_pair(kid: String, key_pair: RsaKeyPair) -> Result<Self> {
        let pkcs8_der = Zeroizing::new(
            key_pair
                .as_der()
                .map_err(|_| CryptoError::InvalidKey("cannot export the key as PKCS#8".into()))?
                .as_ref()
                .to_vec(),
        );
        let kid_json = serde_json::to_string(&kid)?;
        let public = key_pair.public_key();
        let verifying = VerifyingKey::from_components(
            kid,
            public.modulus().big_endian_without_leading_zero(),
            public.exponent().big_endian_without_leading_zero(),
        )?;
        let header_v5 = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"alg":"RS256","typ":"JWT","kid":{kid_json},"version":"5"}}"#
        ));
        let header_plain =
            URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"RS256","typ":"JWT","kid":{kid_json}}}"#));
        Ok(Self {
            key_pair,
            pkcs8_der,
            verifying,
            header_v5,
            header_plain,
        })
    }

    /// The key id (`d-<ms>` for dynamic keys, `s-<uuid>` for static ones).
    pub fn kid(&self) -> &str {
        self.verifying.kid()
    }

    /// The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), for the caller to store.
    pub fn to_pkcs8_pem(&self) -> String {
        pem_encode(PKCS8_LABEL, &self.pkcs8_der)
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> Jwk {
        self.verifying.jwk().clone()
    }

    /// The public half, for [`verify_jwt`].
    pub fn verifying_key(&self) -> VerifyingKey {
        self.verifying.clone()
    }

    /// Signs an access token (v5): header `{"alg":"RS256","typ":"JWT","kid":…,"version":"5"}`.
    pub fn sign_jwt(&self, payload: &Map<String, Value>) -> Result<String> {
        self.sign_with_header(&self.header_v5, payload)
    }

    /// Signs a general-purpose JWT (`POST /recipe/jwt`): header
    /// `{"alg":"RS256","typ":"JWT","kid":…}` without `version`.
    pub fn sign_jwt_plain(&self, payload: &Map<String, Value>) -> Result<String> {
        self.sign_with_header(&self.header_plain, payload)
    }

    fn sign_with_header(&self, header_b64: &str, payload: &Map<String, Value>) -> Result<String> {
        let payload_json = serde_json::to_vec(payload)?;
        let sig_len = self.key_pair.public_modulus_len();
        let mut token = String::with_capacity(
            header_b64.len() + 2 + (payload_json.len() * 4).div_ceil(3) + (sig_len * 4).div_ceil(3),
        );
        token.push_str(header_b64);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload_json, &mut token);
        let mut signature = vec![0u8; sig_len];
        // aws-lc ignores the rng argument (PKCS#1 v1.5 signatures are deterministic).
        self.key_pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                token.as_bytes(),
                &mut signature,
            )
            .map_err(|_| CryptoError::Signing)?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
        Ok(token)
    }
}

/// An RS256 public key with its id. Cloning is one reference-count increment.
#[derive(Clone)]
pub struct VerifyingKey(Arc<VerifyingKeyInner>);

struct VerifyingKeyInner {
    kid: String,
    key: ParsedPublicKey,
    jwk: Jwk,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("kid", &self.kid())
            .finish_non_exhaustive()
    }
}

impl VerifyingKey {
    /// A key from its modulus and exponent (unsigned big-endian bytes).
    pub fn from_components(kid: impl Into<String>, n: &[u8], e: &[u8]) -> Result<Self> {
        let kid = kid.into();
        let n = strip_leading_zeros(n);
        let e = strip_leading_zeros(e);
        let key = RsaPublicKeyComponents { n, e }
            .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
            .map_err(|err| CryptoError::InvalidKey(format!("RSA public key rejected: {err}")))?;
        let jwk = Jwk {
            kty: "RSA".into(),
            kid: kid.clone(),
            n: URL_SAFE_NO_PAD.encode(n),
            e: URL_SAFE_NO_PAD.encode(e),
            alg: JWT_ALGORITHM.into(),
            use_: "sig".into(),
        };
        Ok(Self(Arc::new(VerifyingKeyInner { kid, key, jwk })))
    }

    /// A key from a JWK (`kty` must be `RSA`; `alg`, if not `RS256`, is rejected).
    pub fn from_jwk(jwk: &Jwk) -> Result<Self> {
        if jwk.kty != "RSA" {
            return Err(CryptoError::InvalidKey(format!(
                "JWK kty must be \"RSA\", got {:?}",
                jwk.kty
            )));
        }
        if jwk.alg != JWT_ALGORITHM {
            return Err(CryptoError::InvalidKey(format!(
                "JWK alg must be \"RS256\", got {:?}",
                jwk.alg
            )));
        }
        let decode = |name: &str, v: &str| {
            URL_SAFE_NO_PAD
                .decode(v)
                .map_err(|e| CryptoError::InvalidKey(format!("JWK {name} is not base64url: {e}")))
        };
        Self::from_components(
            jwk.kid.clone(),
            &decode("n", &jwk.n)?,
            &decode("e", &jwk.e)?,
        )
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.0.kid
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> &Jwk {
        &self.0.jwk
    }

    fn verify_signature(&self, message: &[u8], signature: &[u8]) -> bool {
        self.0.key.verify_sig(message, signature).is_ok()
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// The three segments of a compact JWS.
struct Parts<'a> {
    header: &'a str,
    payload: &'a str,
    signature: &'a str,
    /// `header.payload`, the signed bytes.
    signing_input: &'a str,
}

fn split(token: &str) -> Result<Parts<'_>, JwtError> {
    let mut it = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (it.next(), it.next(), it.next(), it.next())
    else {
        return Err(JwtError::Malformed(
            "expected three dot-separated parts".into(),
        ));
    };
    if header.is_empty() || payload.is_empty() || signature.is_empty() {
        return Err(JwtError::Malformed("empty part".into()));
    }
    Ok(Parts {
        header,
        payload,
        signature,
        signing_input: &token[..header.len() + 1 + payload.len()],
    })
}

fn decode_object(segment: &str, what: &str) -> Result<Map<String, Value>, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| JwtError::Malformed(format!("{what} is not base64url")))?;
    serde_json::from_slice(&bytes)
        .map_err(|_| JwtError::Malformed(format!("{what} is not a JSON object")))
}

/// Verifies an RS256 JWT against `keys` and returns its header and payload.
///
/// The key is chosen by the header's `kid`; a token without `kid` (legacy v1/v2) is tried
/// against every key. Only `alg: "RS256"` is accepted. Claims such as `exp` are **not**
/// checked: the caller does that with its own clock.
pub fn verify_jwt(token: &str, keys: &[VerifyingKey]) -> Result<DecodedJwt, JwtError> {
    let parts = split(token)?;
    let header = decode_object(parts.header, "header")?;
    match header.get("alg") {
        Some(Value::String(alg)) if alg == JWT_ALGORITHM => {}
        Some(Value::String(alg)) => return Err(JwtError::UnsupportedAlgorithm(alg.clone())),
        Some(other) => return Err(JwtError::UnsupportedAlgorithm(other.to_string())),
        None => return Err(JwtError::Malformed("header has no alg".into())),
    }
    let signature = URL_SAFE_NO_PAD
        .decode(parts.signature)
        .map_err(|_| JwtError::Malformed("signature is not base64url".into()))?;
    let message = parts.signing_input.as_bytes();
    let verified = match header.get("kid") {
        Some(Value::String(kid)) => keys
            .iter()
            .find(|k| k.kid() == kid)
            .ok_or_else(|| JwtError::UnknownKid(kid.clone()))?
            .verify_signature(message, &signature),
        Some(_) => return Err(JwtError::Malformed("kid is not a string".into())),
        None => keys.iter().any(|k| k.verify_signature(message, &signature)),
    };
    if !verified {
        return Err(JwtError::BadSignature);
    }
    let payload = decode_object(parts.payload, "payload")?;
    Ok(DecodedJwt { header, payload })
}

/// Decodes a JWT's header and payload **without verifying anything**. Use only to read
/// claims of a token whose authenticity does not matter or is checked elsewhere.
pub fn decode_unverified(token: &str) -> Result<DecodedJwt, JwtError> {
    let parts = split(token)?;
    Ok(DecodedJwt {
        header: decode_object(parts.header, "header")?,
        payload: decode_object(parts.payload, "payload")?,
    })
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = Zeroizing::new(STANDARD.encode(der));
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for line in b64.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

/// Returns the label and the DER bytes of the first PEM block in `pem`.
fn pem_decode(pem: &str) -> Result<(String, Zeroizing<Vec<u8>>)> {
    let invalid = |msg: &str| CryptoError::InvalidKey(format!("invalid PEM: {msg}"));
    let mut lines = pem.lines().map(str::trim).skip_while(|l| l.is_empty());
    let label = lines
        .next()
        .and_then(|l| l.strip_prefix("-----BEGIN "))
        .and_then(|l| l.strip_suffix("-----"))
        .ok_or_else(|| invalid("missing BEGIN line"))?
        .to_owned();
    let end = format!("-----END {label}-----");
    let mut body = Zeroizing::new(String::with_capacity(pem.len()));
    let mut ended = false;
    for line in lines {
        if line == end {
            ended = true;
            break;
        }
        body.push_str(line);
    }
    if !ended {
        return Err(invalid("missing END line"));
    }
    let der = STANDARD
        .decode(body.as_bytes())
        .map_err(|_| invalid("body is not base64"))?;
    Ok((label, Zeroizing::new(der)))
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use serde_json::json;

    use super::*;

    /// RSA key generation is slow; share two keys across tests.
    fn key() -> &'static SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| SigningKey::generate("d-1700000000000").unwrap())
    }

    fn other_key() -> &'static SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| SigningKey::generate("s-other").unwrap())
    }

    fn payload() -> Map<String, Value> {
        match json!({
            "sub": "user-1",
            "sessionHandle": "h",
            "exp": 1_700_000_100u64,
            "iat": 1_700_000_000u64,
            "parentRefreshTokenHash1": null,
            "nested": {"v": [1, 2, 3]},
        }) {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    fn b64json(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    }

    #[test]
    fn sign_verify_roundtrip() {
        let k = key();
        let token = k.sign_jwt(&payload()).unwrap();
        let keys = [other_key().verifying_key(), k.verifying_key()];
        let decoded = verify_jwt(&token, &keys).unwrap();
        assert_eq!(decoded.payload, payload());
        assert_eq!(decode_unverified(&token).unwrap(), decoded);
    }

    #[test]
    fn v5_header_is_exact() {
        let token = key().sign_jwt(&payload()).unwrap();
        let header_b64 = token.split('.').next().unwrap();
        let header = String::from_utf8(URL_SAFE_NO_PAD.decode(header_b64).unwrap()).unwrap();
        assert_eq!(
            header,
            r#"{"alg":"RS256","typ":"JWT","kid":"d-1700000000000","version":"5"}"#
        );
        let decoded = verify_jwt(&token, &[key().verifying_key()]).unwrap();
        assert_eq!(decoded.header["version"], "5");
        assert_eq!(decoded.header["kid"], "d-1700000000000");
    }

    #[test]
    fn plain_header_has_no_version() {
        let token = key().sign_jwt_plain(&payload()).unwrap();
        let decoded = verify_jwt(&token, &[key().verifying_key()]).unwrap();
        assert_eq!(
            Value::Object(decoded.header),
            json!({"alg":"RS256","typ":"JWT","kid":"d-1700000000000"})
        );
    }

    #[test]
    fn tampered_tokens_rejected() {
        let keys = [key().verifying_key()];
        let token = key().sign_jwt(&payload()).unwrap();
        let parts: Vec<&str> = token.split('.').collect();

        let mut evil = payload();
        evil.insert("sub".into(), json!("admin"));
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            b64json(&Value::Object(evil)),
            parts[2]
        );
        assert_eq!(verify_jwt(&forged, &keys), Err(JwtError::BadSignature));

        let mut sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        sig[10] ^= 1;
        let forged = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(&sig));
        assert_eq!(verify_jwt(&forged, &keys), Err(JwtError::BadSignature));

        // Signed by a different key but claiming this key's kid.
        let foreign = other_key().sign_jwt(&payload()).unwrap();
        let f: Vec<&str> = foreign.split('.').collect();
        let forged = format!("{}.{}.{}", parts[0], parts[1], f[2]);
        assert_eq!(verify_jwt(&forged, &keys), Err(JwtError::BadSignature));
    }

    #[test]
    fn alg_none_and_hs256_rejected() {
        let keys = [key().verifying_key()];
        let body = b64json(&Value::Object(payload()));
        for alg in ["none", "HS256", "RS512", "rs256"] {
            let header = b64json(&json!({"alg": alg, "typ": "JWT", "kid": key().kid()}));
            for sig in ["", "c2ln"] {
                let token = format!("{header}.{body}.{sig}");
                let err = verify_jwt(&token, &keys).unwrap_err();
                if sig.is_empty() {
                    assert!(matches!(err, JwtError::Malformed(_)), "{alg}: {err:?}");
                } else {
                    assert_eq!(err, JwtError::UnsupportedAlgorithm(alg.into()));
                }
            }
        }
        let header = b64json(&json!({"typ": "JWT"}));
        assert!(matches!(
            verify_jwt(&format!("{header}.{body}.c2ln"), &keys),
            Err(JwtError::Malformed(_))
        ));
    }

    #[test]
    fn unknown_kid_rejected() {
        let token = other_key().sign_jwt(&payload()).unwrap();
        assert_eq!(
            verify_jwt(&token, &[key().verifying_key()]),
            Err(JwtError::UnknownKid("s-other".into()))
        );
        assert_eq!(
            verify_jwt(&token, &[]),
            Err(JwtError::UnknownKid("s-other".into()))
        );
    }

    #[test]
    fn token_without_kid_tries_every_key() {
        let k = key();
        let header = b64json(&json!({"alg": "RS256", "typ": "JWT", "version": "2"}));
        let body = b64json(&Value::Object(payload()));
        let input = format!("{header}.{body}");
        let mut sig = vec![0u8; k.key_pair.public_modulus_len()];
        k.key_pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut sig,
            )
            .unwrap();
        let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(&sig));
        let keys = [other_key().verifying_key(), k.verifying_key()];
        assert_eq!(verify_jwt(&token, &keys).unwrap().payload, payload());
        assert_eq!(
            verify_jwt(&token, &[other_key().verifying_key()]),
            Err(JwtError::BadSignature)
        );
    }

    #[test]
    fn malformed_tokens_rejected() {
        let keys = [key().verifying_key()];
        let token = key().sign_jwt(&payload()).unwrap();
        for bad in [
            String::new(),
            "a.b".into(),
            "a.b.c.d".into(),
            format!("{token}."),
            "!!!.e30.c2ln".into(),
            format!("{}.e30.c2ln", b64json(&json!([1, 2]))),
            format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode("not json")),
        ] {
            assert!(
                matches!(verify_jwt(&bad, &keys), Err(JwtError::Malformed(_))),
                "{bad}"
            );
            assert!(decode_unverified(&bad).is_err(), "{bad}");
        }
        // A payload that is valid base64 but not an object, correctly signed.
        let parts: Vec<&str> = token.split('.').collect();
        assert!(matches!(
            decode_unverified(&format!(
                "{}.{}.{}",
                parts[0],
                b64json(&json!("x")),
                parts[2]
            )),
            Err(JwtError::Malformed(_))
        ));
    }

    #[test]
    fn jwk_shape() {
        let jwk = key().jwk();
        let v = serde_json::to_value(&jwk).unwrap();
        assert_eq!(v["kty"], "RSA");
        assert_eq!(v["kid"], "d-1700000000000");
        assert_eq!(v["alg"], "RS256");
        assert_eq!(v["use"], "sig");
        assert_eq!(v["e"], "AQAB");
        let n = URL_SAFE_NO_PAD.decode(&jwk.n).unwrap();
        assert_eq!(n.len(), 256);
        assert_ne!(n[0], 0);
        let back: Jwk = serde_json::from_value(v).unwrap();
        assert_eq!(back, jwk);
    }

    #[test]
    fn jwk_verifies_with_jsonwebtoken() {
        // Prove the published n/e are what other JWT libraries need.
        let jwk = key().jwk();
        let token = key().sign_jwt(&payload()).unwrap();
        let dk = jsonwebtoken::DecodingKey::from_rsa_components(&jwk.n, &jwk.e).unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<Value>(&token, &dk, &validation).unwrap();
        assert_eq!(data.claims, Value::Object(payload()));
        assert_eq!(data.header.kid.as_deref(), Some("d-1700000000000"));

        // And our own verifier built from the JWK alone.
        let vk = VerifyingKey::from_jwk(&jwk).unwrap();
        assert!(verify_jwt(&token, &[vk]).is_ok());
    }

    #[test]
    fn from_jwk_rejects_non_rsa() {
        let mut jwk = key().jwk();
        jwk.kty = "EC".into();
        assert!(VerifyingKey::from_jwk(&jwk).is_err());
        let mut jwk = key().jwk();
        jwk.alg = "HS256".into();
        assert!(VerifyingKey::from_jwk(&jwk).is_err());
        let mut jwk = key().jwk();
        jwk.n = "!!".into();
        assert!(VerifyingKey::from_jwk(&jwk).is_err());
    }

    #[test]
    fn pem_roundtrip() {
        let k = key();
        let pem = k.to_pkcs8_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(pem.ends_with("-----END PRIVATE KEY-----\n"));
        assert!(pem.lines().all(|l| l.len() <= 64));
        let back = SigningKey::from_pkcs8_pem("d-1700000000000", &pem).unwrap();
        assert_eq!(back.jwk(), k.jwk());
        assert_eq!(back.to_pkcs8_pem(), pem);
        // Deterministic PKCS#1 v1.5 signatures: same key, same token.
        assert_eq!(
            back.sign_jwt(&payload()).unwrap(),
            k.sign_jwt(&payload()).unwrap()
        );
        // CRLF line endings and surrounding whitespace are tolerated.
        let crlf = format!("\n  {}", pem.replace('\n', "\r\n"));
        assert!(SigningKey::from_pkcs8_pem("x", &crlf).is_ok());
        // DER import.
        let der = STANDARD
            .decode(
                pem.lines()
                    .filter(|l| !l.starts_with("-----"))
                    .collect::<String>(),
            )
            .unwrap();
        assert_eq!(
            SigningKey::from_pkcs8_der("x", &der).unwrap().jwk().n,
            k.jwk().n
        );
    }

    #[test]
    fn pem_garbage_rejected() {
        for bad in [
            "",
            "hello",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n",
            "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        ] {
            assert!(
                matches!(
                    SigningKey::from_pkcs8_pem("k", bad),
                    Err(CryptoError::InvalidKey(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_redacts() {
        let s = format!("{:?}", key());
        assert!(
            s.contains("d-1700000000000") && s.contains("redacted"),
            "{s}"
        );
        let v = format!("{:?}", key().verifying_key());
        assert!(v.contains("d-1700000000000"), "{v}");
    }

    #[test]
    fn kid_is_json_escaped_in_header() {
        let k = SigningKey::from_pkcs8_pem("we\"ird", &key().to_pkcs8_pem()).unwrap();
        let token = k.sign_jwt(&payload()).unwrap();
        let decoded = verify_jwt(&token, &[k.verifying_key()]).unwrap();
        assert_eq!(decoded.header["kid"], "we\"ird");
    }
}
