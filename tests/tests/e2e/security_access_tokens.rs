//! Forged, broken and misused access tokens, sent both to a route behind the axum adapter's
//! `verify_session` (as `Authorization: Bearer` and as the `sAccessToken` cookie) and to the
//! core's `POST /recipe/session/verify`. Every one is rejected: the SDK answers 401
//! (`try refresh token` when the token could be a session token whose signature or time is
//! wrong, `unauthorised` when it is not a session token at all), the core answers
//! `TRY_REFRESH_TOKEN` / `UNAUTHORISED` or a 4xx — never `OK`, never a 5xx.
//!
//! Valid-looking tokens are signed with the core's real key where a case needs a baseline:
//! the core's `POST /recipe/jwt` (dynamic key) signs any payload, and the same payload
//! with nothing wrong is accepted, so each rejection is down to the one claim changed.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use http::{Method, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sha2::Sha256;
use supertokens::SuperTokens;
use supertokens_axum::{Session, SuperTokensLayer, verify_session};
use supertokens_session::{SessionConfig, VerifySessionOptions};
use supertokens_tests::TestCore;
use tower::ServiceExt;

use super::sdk_support::{SdkApp, create_session, jwt_payload, sdk_app};

/// What the SDK must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sdk {
    /// 401 `{"message":"try refresh token"}`.
    TryRefresh,
    /// 401 `{"message":"unauthorised"}`.
    Unauthorised,
}

impl Sdk {
    fn message(self) -> &'static str {
        match self {
            Self::TryRefresh => "try refresh token",
            Self::Unauthorised => "unauthorised",
        }
    }
}

async fn me(session: Session) -> axum::Json<Value> {
    axum::Json(json!({"userId": session.user_id(), "tenantId": session.tenant_id()}))
}

fn router(st: Arc<SuperTokens>) -> Router {
    Router::new()
        .route(
            "/me",
            get(me).layer(verify_session(VerifySessionOptions::default())),
        )
        .layer(SuperTokensLayer::new(st))
}

/// How a token travels to the protected route.
#[derive(Debug, Clone, Copy)]
enum Carrier {
    Bearer,
    Cookie,
}

/// `GET /me` with `token`; the status and the JSON body.
async fn call_sdk(st: &Arc<SuperTokens>, token: &str, carrier: Carrier) -> (StatusCode, Value) {
    let builder = http::Request::builder().method(Method::GET).uri("/me");
    let builder = match carrier {
        Carrier::Bearer => builder.header("authorization", format!("Bearer {token}")),
        Carrier::Cookie => builder.header("cookie", format!("sAccessToken={token}")),
    };
    let response = router(st.clone())
        .oneshot(builder.body(axum::body::Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// The core's verdict on a token (with and without `checkDatabase`): the status and the body.
async fn call_core(core: &TestCore, token: &str, check_database: bool) -> (u16, Value) {
    core.post(
        "/recipe/session/verify",
        json!({
            "accessToken": token,
            "enableAntiCsrf": false,
            "doAntiCsrfCheck": false,
            "checkDatabase": check_database,
        }),
    )
    .await
    .unwrap()
}

/// Asserts that both the SDK (both carriers) and the core reject `token`.
async fn assert_rejected(app: &SdkApp, case: &str, token: &str, expected: Sdk) {
    for carrier in [Carrier::Bearer, Carrier::Cookie] {
        let (status, body) = call_sdk(&app.st, token, carrier).await;
        assert_eq!(
            (status, body.clone()),
            (
                StatusCode::UNAUTHORIZED,
                json!({"message": expected.message()})
            ),
            "SDK ({carrier:?}) on {case}"
        );
    }
    for check_database in [false, true] {
        let (status, body) = call_core(&app.core, token, check_database).await;
        let rejected = match status {
            200 => matches!(
                body["status"].as_str(),
                Some("TRY_REFRESH_TOKEN" | "UNAUTHORISED")
            ),
            400..=499 => true,
            _ => false,
        };
        assert!(
            rejected,
            "core (checkDatabase {check_database}) on {case}: {status} {body}"
        );
    }
}

/// Asserts that both accept `token` (the baseline of a case).
async fn assert_accepted(app: &SdkApp, case: &str, token: &str) -> Value {
    let (status, body) = call_sdk(&app.st, token, Carrier::Bearer).await;
    assert_eq!(status, StatusCode::OK, "SDK on {case}: {body}");
    let (status, verified) = call_core(&app.core, token, false).await;
    assert_eq!(
        (status, verified["status"].as_str()),
        (200, Some("OK")),
        "core on {case}: {verified}"
    );
    body
}

fn segment(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

fn header_of(token: &str) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap()
}

/// `header.payload.<HMAC-SHA256 with secret>`.
fn hs256(header: &Value, payload: &Value, secret: &[u8]) -> String {
    let signing_input = format!("{}.{}", segment(header), segment(payload));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

/// `header.payload.<RS256 with key>` for any header.
fn rs256(header: &Value, payload: &Value, key: &supertokens_crypto::signing::SigningKey) -> String {
    let signing_input = format!("{}.{}", segment(header), segment(payload));
    let encoding_key =
        jsonwebtoken::EncodingKey::from_rsa_pem(key.to_pkcs8_pem().as_bytes()).unwrap();
    let signature = jsonwebtoken::crypto::sign(
        signing_input.as_bytes(),
        &encoding_key,
        jsonwebtoken::Algorithm::RS256,
    )
    .unwrap();
    format!("{signing_input}.{signature}")
}

/// DER length octets.
fn der_length(len: usize) -> Vec<u8> {
    match len {
        0..=127 => vec![len as u8],
        128..=255 => vec![0x81, len as u8],
        _ => vec![0x82, (len >> 8) as u8, len as u8],
    }
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(der_length(content.len()));
    out.extend_from_slice(content);
    out
}

fn der_unsigned_integer(bytes: &[u8]) -> Vec<u8> {
    let mut content = bytes.to_vec();
    if content.first().is_some_and(|b| b & 0x80 != 0) {
        content.insert(0, 0);
    }
    der(0x02, &content)
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|chunk| std::str::from_utf8(chunk).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// Every form of the RSA public key an HS256-confusion attacker might use as the secret:
/// SPKI and PKCS#1 PEM (with and without the final newline) and DER, the raw modulus and
/// exponent, their base64url text, and the JWK as served.
fn public_key_secrets(jwk: &Value) -> Vec<(String, Vec<u8>)> {
    let n_text = jwk["n"].as_str().unwrap();
    let e_text = jwk["e"].as_str().unwrap();
    let n = URL_SAFE_NO_PAD.decode(n_text).unwrap();
    let e = URL_SAFE_NO_PAD.decode(e_text).unwrap();
    let pkcs1 = der(
        0x30,
        &[der_unsigned_integer(&n), der_unsigned_integer(&e)].concat(),
    );
    let rsa_oid = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
    ];
    let algorithm = der(0x30, &[&rsa_oid[..], &[0x05, 0x00]].concat());
    let bit_string = der(0x03, &[&[0_u8][..], &pkcs1].concat());
    let spki = der(0x30, &[algorithm, bit_string].concat());
    let spki_pem = pem("PUBLIC KEY", &spki);
    let pkcs1_pem = pem("RSA PUBLIC KEY", &pkcs1);
    vec![
        ("SPKI PEM".into(), spki_pem.clone().into_bytes()),
        (
            "SPKI PEM without newline".into(),
            spki_pem.trim_end().as_bytes().to_vec(),
        ),
        ("PKCS#1 PEM".into(), pkcs1_pem.into_bytes()),
        ("SPKI DER".into(), spki),
        ("PKCS#1 DER".into(), pkcs1),
        ("raw n".into(), n.clone()),
        ("raw n‖e".into(), [n, e].concat()),
        ("base64url n".into(), n_text.as_bytes().to_vec()),
        ("JWK JSON".into(), jwk.to_string().into_bytes()),
    ]
}

/// A session's access token (header mode), its payload and the JWK that verifies it.
struct Baseline {
    token: String,
    payload: Value,
    kid: String,
    jwk: Value,
}

async fn baseline(app: &SdkApp) -> Baseline {
    let (session, _) = create_session(app, "victim", None).await;
    let token = session.access_token();
    let kid = header_of(&token)["kid"].as_str().unwrap().to_owned();
    let (_, jwks) = app.core.get("/.well-known/jwks.json").await.unwrap();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["kid"] == kid.as_str())
        .unwrap()
        .clone();
    let payload = jwt_payload(&token);
    assert_accepted(app, "the baseline session token", &token).await;
    Baseline {
        token,
        payload,
        kid,
        jwk,
    }
}

/// A token signed by the core's current dynamic key through `POST /recipe/jwt` (header
/// without `version`, read as v3 by the SDK and as the latest by the core).
async fn signed_by_core(core: &TestCore, payload: &Value) -> String {
    let mut payload = payload.clone();
    let object = payload.as_object_mut().unwrap();
    object.remove("iat");
    object.remove("exp");
    let (status, body) = core
        .post(
            "/recipe/jwt",
            json!({
                "payload": payload,
                "algorithm": "RS256",
                "jwksDomain": "http://localhost:3001",
                "validity": 60,
                "useStaticSigningKey": false,
            }),
        )
        .await
        .unwrap();
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("OK")),
        "{body}"
    );
    body["jwt"].as_str().unwrap().to_owned()
}

fn with(payload: &Value, changes: Value) -> Value {
    let mut payload = payload.clone();
    let Value::Object(changes) = changes else {
        panic!("changes must be an object")
    };
    for (key, value) in changes {
        payload[key] = value;
    }
    payload
}

#[tokio::test]
async fn alg_none_and_hs256_with_the_public_key_are_rejected() {
    let app = sdk_app(SessionConfig::default()).await;
    let base = baseline(&app).await;
    let signature = base.token.rsplit('.').next().unwrap().to_owned();
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": base.kid, "version": "5"});
        let unsigned = format!("{}.{}.", segment(&header), segment(&base.payload));
        assert_rejected(
            &app,
            &format!("alg {alg}, no signature"),
            &unsigned,
            Sdk::TryRefresh,
        )
        .await;
        let resigned = format!("{unsigned}{signature}");
        assert_rejected(
            &app,
            &format!("alg {alg}, original signature"),
            &resigned,
            Sdk::TryRefresh,
        )
        .await;
    }
    // `alg` missing altogether.
    let header = json!({"typ": "JWT", "kid": base.kid, "version": "5"});
    let token = format!(
        "{}.{}.{signature}",
        segment(&header),
        segment(&base.payload)
    );
    assert_rejected(&app, "no alg", &token, Sdk::TryRefresh).await;

    let secrets = public_key_secrets(&base.jwk);
    for alg in ["HS256", "hs256", "HS384", "HS512"] {
        for (form, secret) in &secrets {
            let header = json!({"alg": alg, "typ": "JWT", "kid": base.kid, "version": "5"});
            // HS384/512 tokens are HMAC-SHA256 here: the verifier must refuse the alg
            // before it looks at the MAC.
            let token = hs256(&header, &base.payload, secret);
            assert_rejected(
                &app,
                &format!("{alg} keyed with the public key as {form}"),
                &token,
                Sdk::TryRefresh,
            )
            .await;
        }
    }
    // Other asymmetric algorithms named in the header over a real RS256 signature.
    for alg in ["RS512", "PS256", "ES256", "rs256"] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": base.kid, "version": "5"});
        let forged_payload = with(&base.payload, json!({}));
        let token = format!(
            "{}.{}.{signature}",
            segment(&header),
            segment(&forged_payload)
        );
        assert_rejected(&app, &format!("alg {alg}"), &token, Sdk::TryRefresh).await;
    }
}

#[tokio::test]
async fn unknown_kids_and_embedded_keys_are_rejected() {
    let app = sdk_app(SessionConfig::default()).await;
    let base = baseline(&app).await;
    let attacker = supertokens_crypto::signing::SigningKey::generate("d-1").unwrap();
    for kid in [
        "d-1",
        "d-9999999999999",
        "s-00000000-0000-0000-0000-000000000000",
        "../../../../dev/null",
        "' OR '1'='1",
        "",
    ] {
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": kid, "version": "5"});
        let token = rs256(&header, &base.payload, &attacker);
        assert_rejected(
            &app,
            &format!("unknown kid {kid:?}"),
            &token,
            Sdk::TryRefresh,
        )
        .await;
    }
    // No kid at all: not a v3+ token (the SDK treats it as no session token).
    let header = json!({"alg": "RS256", "typ": "JWT", "version": "5"});
    let token = rs256(&header, &base.payload, &attacker);
    assert_rejected(&app, "no kid", &token, Sdk::Unauthorised).await;
    // The real kid, the attacker's signature, and the attacker's key embedded in the header
    // (`jwk`) or linked from it (`jku`, `x5u`): header keys are never trusted.
    let attacker_jwk = serde_json::to_value(attacker.jwk()).unwrap();
    for extra in [
        json!({}),
        json!({"jwk": attacker_jwk}),
        json!({"jku": "https://attacker.example/jwks.json"}),
        json!({"x5u": "https://attacker.example/cert.pem"}),
    ] {
        let mut header = json!({"alg": "RS256", "typ": "JWT", "kid": base.kid, "version": "5"});
        for (key, value) in extra.as_object().unwrap() {
            header[key] = value.clone();
        }
        let token = rs256(&header, &base.payload, &attacker);
        assert_rejected(
            &app,
            &format!("the core's kid, attacker's signature, header extras {extra}"),
            &token,
            Sdk::TryRefresh,
        )
        .await;
    }
}

#[tokio::test]
async fn tampered_payloads_with_the_original_signature_are_rejected() {
    let app = sdk_app(SessionConfig::default()).await;
    let base = baseline(&app).await;
    let mut parts: Vec<String> = base.token.split('.').map(str::to_owned).collect();
    let far = base.payload["exp"].as_i64().unwrap() + 365 * 24 * 3600;
    for change in [
        json!({"sub": "admin"}),
        json!({"rsub": "admin"}),
        json!({"exp": far}),
        json!({"tId": "other-tenant"}),
        json!({"sessionHandle": "00000000-0000-0000-0000-000000000000"}),
        json!({"st-role": {"v": ["admin"], "t": 0}}),
        json!({"iss": "http://localhost:3001/auth "}),
    ] {
        parts[1] = segment(&with(&base.payload, change.clone()));
        assert_rejected(
            &app,
            &format!("payload changed by {change}"),
            &parts.join("."),
            Sdk::TryRefresh,
        )
        .await;
    }
    // The payload re-encoded in the other base64 alphabet with padding: the SDK decodes it
    // (node does), but the signature covers the bytes as sent.
    parts[1] = STANDARD.encode(serde_json::to_vec(&base.payload).unwrap());
    if parts[1] != URL_SAFE_NO_PAD.encode(serde_json::to_vec(&base.payload).unwrap()) {
        assert_rejected(
            &app,
            "payload re-encoded",
            &parts.join("."),
            Sdk::TryRefresh,
        )
        .await;
    }
    // The signature of another of the core's tokens.
    let (other, _) = create_session(&app, "other-user", None).await;
    let mut parts: Vec<&str> = base.token.split('.').collect();
    let other_token = other.access_token();
    parts[2] = other_token.rsplit('.').next().unwrap();
    assert_rejected(
        &app,
        "another token's signature",
        &parts.join("."),
        Sdk::TryRefresh,
    )
    .await;
}

#[tokio::test]
async fn truncated_tokens_are_rejected_at_every_cut() {
    let app = sdk_app(SessionConfig::default()).await;
    let base = baseline(&app).await;
    let token = &base.token;
    let parts: Vec<&str> = token.split('.').collect();
    let (header, payload, signature) = (parts[0], parts[1], parts[2]);
    let first_dot = header.len();
    let second_dot = first_dot + 1 + payload.len();
    let mut cases: Vec<(String, String, Sdk)> = vec![
        ("header only".into(), header.to_owned(), Sdk::Unauthorised),
        (
            "cut after the first dot".into(),
            token[..=first_dot].to_owned(),
            Sdk::Unauthorised,
        ),
        (
            "header and payload".into(),
            token[..second_dot].to_owned(),
            Sdk::Unauthorised,
        ),
        (
            "cut after the second dot".into(),
            token[..=second_dot].to_owned(),
            Sdk::TryRefresh,
        ),
        (
            "no header".into(),
            format!(".{payload}.{signature}"),
            Sdk::Unauthorised,
        ),
        (
            "no payload".into(),
            format!("{header}..{signature}"),
            Sdk::Unauthorised,
        ),
        (
            "payload and signature".into(),
            format!("{payload}.{signature}"),
            Sdk::Unauthorised,
        ),
        (
            "a fourth section".into(),
            format!("{token}.{signature}"),
            Sdk::Unauthorised,
        ),
        (
            "header cut in half".into(),
            format!("{}.{payload}.{signature}", &header[..header.len() / 2]),
            Sdk::Unauthorised,
        ),
        (
            "payload cut in half".into(),
            format!("{header}.{}.{signature}", &payload[..payload.len() / 2]),
            Sdk::Unauthorised,
        ),
    ];
    // Mid-signature: every tenth length, and one character short.
    for len in (1..signature.len())
        .step_by(10)
        .chain([signature.len() - 1])
    {
        cases.push((
            format!("signature cut to {len} of {} characters", signature.len()),
            token[..=second_dot + len].to_owned(),
            Sdk::TryRefresh,
        ));
    }
    for (case, truncated, expected) in cases {
        assert_rejected(&app, &case, &truncated, expected).await;
    }
}

/// A structurally valid token with a `pad` claim making it just under `size` bytes long,
/// with the original (now wrong) signature.
fn oversized(base: &Baseline, size: usize) -> String {
    let parts: Vec<&str> = base.token.split('.').collect();
    let token_with = |pad_len: usize| {
        let payload = with(&base.payload, json!({"pad": "x".repeat(pad_len)}));
        format!("{}.{}.{}", parts[0], segment(&payload), parts[2])
    };
    // Every three pad characters add four base64 characters.
    let overhead = token_with(0).len();
    token_with((size - overhead) * 3 / 4 - 3)
}

#[tokio::test]
async fn oversized_tokens_get_a_clean_4xx() {
    let app = sdk_app(SessionConfig::default()).await;
    let base = baseline(&app).await;
    for size in [64 * 1024, 1024 * 1024] {
        let token = oversized(&base, size);
        assert!(
            token.len() <= size && token.len() > size - 16,
            "{}",
            token.len()
        );
        // In process (no HTTP server limits): the SDK itself copes.
        assert_rejected(
            &app,
            &format!("a {size}-byte token"),
            &token,
            Sdk::TryRefresh,
        )
        .await;
    }

    // Through a real HTTP/1 server (hyper's header limits in front of the SDK).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let served = router(app.st.clone());
    let server = tokio::spawn(async move { axum::serve(listener, served).await });
    let client = reqwest::Client::new();
    for size in [64 * 1024, 1024 * 1024] {
        let token = oversized(&base, size);
        for (carrier, name, value) in [
            ("bearer", "authorization", format!("Bearer {token}")),
            ("cookie", "cookie", format!("sAccessToken={token}")),
        ] {
            let result = client
                .get(format!("http://{address}/me"))
                .header(name, value)
                .send()
                .await;
            match result {
                Ok(response) => {
                    let status = response.status();
                    assert!(
                        status.is_client_error(),
                        "a {size}-byte {carrier} token over HTTP: {status}"
                    );
                    println!("a {size}-byte {carrier} token over HTTP: {status}");
                }
                Err(error) => panic!("a {size}-byte {carrier} token over HTTP: no answer: {error}"),
            }
        }
    }
    server.abort();
}

#[tokio::test]
async fn expired_and_not_yet_valid_tokens_are_rejected() {
    let app = sdk_app(SessionConfig::default()).await;
    let base = baseline(&app).await;
    let now_secs = base.payload["iat"].as_i64().unwrap();

    // A token the core signed with nothing wrong is accepted by both: the baseline.
    let signed = signed_by_core(&app.core, &base.payload).await;
    assert_accepted(&app, "a core-signed session payload", &signed).await;
    // nbf within the clock-skew leeway is fine; an hour ahead is not.
    let soon = signed_by_core(
        &app.core,
        &with(&base.payload, json!({"nbf": now_secs + 60})),
    )
    .await;
    assert_accepted(&app, "nbf one minute ahead", &soon).await;
    for nbf in [
        json!(now_secs + 3600),
        json!((now_secs + 3600) as f64 + 0.5),
        json!("0"),
    ] {
        let token = signed_by_core(&app.core, &with(&base.payload, json!({"nbf": nbf}))).await;
        assert_rejected(&app, &format!("nbf {nbf}"), &token, Sdk::TryRefresh).await;
    }

    // iat in the future: a token minted while the core's clock was two hours ahead.
    let clock = app.core.clock.clone();
    let now_ms = supertokens_core_engine::Clock::now_ms(clock.as_ref());
    clock.set(now_ms + 2 * 3600 * 1000);
    let (future, _) = create_session(&app, "victim", None).await;
    clock.set(now_ms + 60 * 1000);
    let (near_future, _) = create_session(&app, "victim", None).await;
    clock.set(now_ms);
    assert_eq!(
        jwt_payload(&future.access_token())["iat"].as_i64(),
        Some(now_secs + 2 * 3600)
    );
    assert_accepted(&app, "iat one minute ahead", &near_future.access_token()).await;
    assert_rejected(
        &app,
        "iat two hours ahead",
        &future.access_token(),
        Sdk::TryRefresh,
    )
    .await;

    // Expired: a minute and a second later (the test core's tokens live 60 s).
    clock.advance(Duration::from_secs(61));
    assert_rejected(
        &app,
        "an expired session token",
        &base.token,
        Sdk::TryRefresh,
    )
    .await;
    assert_rejected(
        &app,
        "an expired core-signed token",
        &signed,
        Sdk::TryRefresh,
    )
    .await;
}

#[tokio::test]
async fn tokens_of_another_issuer_are_rejected_by_the_sdk() {
    let app = sdk_app(SessionConfig::default()).await;
    let base = baseline(&app).await;
    assert_eq!(base.payload["iss"], "http://localhost:3001/auth");
    for iss in [
        json!("https://evil.example/auth"),
        json!("http://localhost:3001"),
        json!("http://localhost:3001/auth/"),
        json!(["http://localhost:3001/auth"]),
    ] {
        let token = signed_by_core(&app.core, &with(&base.payload, json!({"iss": iss}))).await;
        // The core signs JWTs for anyone holding its API key and has no idea of the app's
        // issuer: the check belongs to the SDK, which answers 401 and clears the tokens
        // (refreshing would mint the same issuer again).
        let (status, body) = call_sdk(&app.st, &token, Carrier::Bearer).await;
        assert_eq!(
            (status, body),
            (StatusCode::UNAUTHORIZED, json!({"message": "unauthorised"})),
            "iss {iss}"
        );
        let response = router(app.st.clone())
            .oneshot(
                http::Request::builder()
                    .uri("/me")
                    .header("cookie", format!("sAccessToken={token}"))
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let cleared: Vec<&str> = response
            .headers()
            .get_all(http::header::SET_COOKIE)
            .iter()
            .map(|value| value.to_str().unwrap())
            .collect();
        assert!(
            cleared
                .iter()
                .any(|line| line.starts_with("sAccessToken=;")),
            "iss {iss}: {cleared:?}"
        );
        assert_eq!(response.headers()["front-token"], "remove");
    }
    // Without `iss` (a session created over the CDI directly) the token is accepted.
    let (status, created) = app
        .core
        .post(
            "/public/recipe/session",
            json!({"userId": "victim", "userDataInJWT": {}, "userDataInDatabase": {},
                   "enableAntiCsrf": false, "useDynamicSigningKey": true}),
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{created}");
    let token = created["accessToken"]["token"].as_str().unwrap();
    assert!(jwt_payload(token).get("iss").is_none());
    assert_accepted(&app, "a session token without iss", token).await;
}

#[tokio::test]
async fn tokens_of_another_app_are_rejected_and_tenants_stay_apart() {
    let app = sdk_app(SessionConfig::default()).await;
    // The app's own session tokens are accepted.
    baseline(&app).await;
    let core = &app.core;
    let (status, body) = core
        .put("/recipe/multitenancy/app/v2", json!({"appId": "other"}))
        .await
        .unwrap();
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("OK")),
        "{body}"
    );
    let create = json!({
        "userId": "victim",
        "userDataInJWT": {"iss": "http://localhost:3001/auth"},
        "userDataInDatabase": {},
        "enableAntiCsrf": false,
        "useDynamicSigningKey": true,
    });
    let (status, created) = core
        .post("/appid-other/recipe/session", create.clone())
        .await
        .unwrap();
    assert_eq!(status, 200, "{created}");
    let foreign = created["accessToken"]["token"].as_str().unwrap().to_owned();
    // Each app has keys of its own (under the test clock both kids may even read the same,
    // `d-<creation ms>`): the other app's signature does not verify with this app's keys.
    assert_rejected(&app, "a token of another app", &foreign, Sdk::TryRefresh).await;

    // Tenants of one app share its keys, and a session names its tenant: the SDK reports the
    // token's own tenant, and changing it breaks the signature.
    let (status, body) = core
        .put("/recipe/multitenancy/tenant/v2", json!({"tenantId": "t1"}))
        .await
        .unwrap();
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("OK")),
        "{body}"
    );
    let (status, created) = core.post("/t1/recipe/session", create).await.unwrap();
    assert_eq!(status, 200, "{created}");
    let tenant_token = created["accessToken"]["token"].as_str().unwrap().to_owned();
    let body = assert_accepted(&app, "a token of tenant t1", &tenant_token).await;
    assert_eq!(body["tenantId"], "t1");
    let mut parts: Vec<String> = tenant_token.split('.').map(str::to_owned).collect();
    parts[1] = segment(&with(&jwt_payload(&tenant_token), json!({"tId": "public"})));
    assert_rejected(
        &app,
        "a t1 token claiming tenant public",
        &parts.join("."),
        Sdk::TryRefresh,
    )
    .await;
}
