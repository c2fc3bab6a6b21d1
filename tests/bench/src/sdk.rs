//! Shared pieces of the SDK benchmarks: an access token minted by a real core, its public key
//! from the core's JWKS, the raw RS256 verification the SDK is compared with, and the axum
//! app under test (`/protected` behind `verify_session`, `/public` without it, `/raw`
//! verifying by hand).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, bail};
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, StatusCode, header};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use supertokens::{AppInfo, SuperTokens, SuperTokensConfig};
use supertokens_axum::{Session, SuperTokensLayer, verify_session};
use supertokens_session::{SessionConfig, VerifySessionOptions};

use crate::cdi::Cdi;

/// The user the benchmark sessions belong to.
pub(crate) const USER_ID: &str = "sdk-bench-user";
/// The route behind `verify_session`.
pub(crate) const PROTECTED: &str = "/protected";
/// The route without it.
pub(crate) const PUBLIC: &str = "/public";
/// The route verifying the token by hand with `jsonwebtoken`.
pub(crate) const RAW: &str = "/raw";

/// An access token from the core and the key that verifies it.
pub(crate) struct MintedToken {
    /// The JWT.
    pub(crate) access: String,
    /// Its public key from the core's JWKS as `jsonwebtoken` takes it (`n`, `e`).
    pub(crate) key: DecodingKey,
    /// The same key parsed once by aws-lc.
    pub(crate) parsed_key: ParsedPublicKey,
}

/// The RSA keys of the core's JWKS by `kid`, as `jsonwebtoken` takes them (`n`, `e`).
pub(crate) async fn fetch_rsa_keys(
    http: &reqwest::Client,
    core_url: &str,
) -> Result<HashMap<String, (String, String)>> {
    let jwks: Value = http
        .get(format!("{core_url}/.well-known/jwks.json"))
        .send()
        .await
        .context("GET /.well-known/jwks.json")?
        .json()
        .await
        .context("decoding the JWKS")?;
    let mut keys = HashMap::new();
    for jwk in jwks["keys"].as_array().context("the JWKS has no keys")? {
        if let (Some(kid), Some(n), Some(e)) =
            (jwk["kid"].as_str(), jwk["n"].as_str(), jwk["e"].as_str())
        {
            keys.insert(kid.to_owned(), (n.to_owned(), e.to_owned()));
        }
    }
    Ok(keys)
}

/// Creates a session through the CDI (dynamic signing key, no anti-CSRF) and fetches the key
/// named by the token's `kid` from `/.well-known/jwks.json`.
pub(crate) async fn mint_token(
    cdi: &Cdi,
    http: &reqwest::Client,
    port: u16,
) -> Result<MintedToken> {
    let tokens = cdi.create_session(USER_ID).await?;
    let kid = jsonwebtoken::decode_header(&tokens.access)
        .context("decoding the access token header")?
        .kid
        .context("the access token has no kid")?;
    let keys = fetch_rsa_keys(http, &format!("http://127.0.0.1:{port}")).await?;
    let (n, e) = keys
        .get(&kid)
        .with_context(|| format!("the JWKS has no RSA key {kid}"))?;
    let key = DecodingKey::from_rsa_components(n, e).context("building the RSA key")?;
    let parsed_key = RsaPublicKeyComponents {
        n: URL_SAFE_NO_PAD.decode(n)?.as_slice(),
        e: URL_SAFE_NO_PAD.decode(e)?.as_slice(),
    }
    .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
    .map_err(|e| anyhow!("parsing the RSA key: {e}"))?;
    let minted = MintedToken {
        access: tokens.access,
        key,
        parsed_key,
    };
    raw_verify(&minted, &raw_validation()).context("raw verification of the minted token")?;
    parsed_key_verify(&minted).context("verification of the minted token")?;
    Ok(minted)
}

/// RS256 with the default checks (`exp`, 60 s leeway); no audience (SuperTokens tokens have
/// none).
pub(crate) fn raw_validation() -> Validation {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation
}

/// The baseline: `jsonwebtoken::decode` of the token into a JSON object (signature, header,
/// claims, expiry).
pub(crate) fn raw_verify(token: &MintedToken, validation: &Validation) -> Result<()> {
    let data = jsonwebtoken::decode::<Map<String, Value>>(&token.access, &token.key, validation)
        .map_err(|e| anyhow!("jsonwebtoken::decode: {e}"))?;
    if data.claims.get("sub").and_then(Value::as_str) != Some(USER_ID) {
        bail!("unexpected sub in the access token");
    }
    Ok(())
}

/// The least work any verifier does: the signature with an already parsed key, then the
/// payload decoded into a JSON object (no header parsing, no claim checks).
pub(crate) fn parsed_key_verify(token: &MintedToken) -> Result<()> {
    let (signing_input, signature) = token
        .access
        .rsplit_once('.')
        .context("the token has no signature")?;
    token
        .parsed_key
        .verify_sig(
            signing_input.as_bytes(),
            &URL_SAFE_NO_PAD.decode(signature)?,
        )
        .map_err(|_| anyhow!("bad signature"))?;
    let payload = signing_input
        .split_once('.')
        .context("the token has no payload")?
        .1;
    let claims: Map<String, Value> = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload)?)?;
    if claims.get("sub").and_then(Value::as_str) != Some(USER_ID) {
        bail!("unexpected sub in the access token");
    }
    Ok(())
}

/// The SDK with the session recipe (defaults, system clock) against the core at `core_url`.
pub(crate) fn init_sdk(core_url: &str, api_key: &str) -> Result<Arc<SuperTokens>> {
    supertokens::init(SuperTokensConfig {
        app_info: AppInfo {
            app_name: "sdk-bench".into(),
            api_domain: "http://localhost:3001".into(),
            website_domain: "http://localhost:3000".into(),
            api_base_path: None,
            website_base_path: None,
        },
        connection_uri: core_url.to_owned(),
        api_key: Some(api_key.to_owned()),
        // Per-address rate limits (every request comes from one address): off while measuring.
        rate_limits: supertokens::RateLimitConfig::disabled(),
        recipe_list: vec![supertokens_session::init(SessionConfig::default())],
    })
    .map_err(|e| anyhow!("supertokens::init: {e}"))
}

/// What the `/raw` route verifies with: the core's keys as `jsonwebtoken` takes them.
pub(crate) struct RawKeys {
    keys: HashMap<String, DecodingKey>,
    validation: Validation,
}

impl RawKeys {
    /// The keys of the core at `core_url` (fetched once).
    pub(crate) async fn fetch(http: &reqwest::Client, core_url: &str) -> Result<Self> {
        let mut keys = HashMap::new();
        for (kid, (n, e)) in fetch_rsa_keys(http, core_url).await? {
            keys.insert(kid, DecodingKey::from_rsa_components(&n, &e)?);
        }
        Ok(Self {
            keys,
            validation: raw_validation(),
        })
    }

    /// The `sub` of the request's Bearer token, verified with `jsonwebtoken::decode`.
    fn verify(&self, headers: &HeaderMap) -> Option<String> {
        let token = headers
            .get(header::AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")?;
        let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
        let key = self.keys.get(&kid)?;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, key, &self.validation).ok()?;
        data.claims.get("sub")?.as_str().map(str::to_owned)
    }
}

async fn protected(session: Session) -> String {
    session.user_id().to_owned()
}

async fn public() -> String {
    "anonymous".to_owned()
}

async fn raw(State(keys): State<Arc<RawKeys>>, headers: HeaderMap) -> Response {
    match keys.verify(&headers) {
        Some(user_id) => user_id.into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

/// The app, under `SuperTokensLayer`: `GET /protected` behind `verify_session` (returns the
/// user id), `GET /public` without it, and `GET /raw`, which verifies the Bearer token by hand
/// with `jsonwebtoken::decode` (the baseline under the same HTTP load).
pub(crate) fn app(st: Arc<SuperTokens>, raw_keys: Arc<RawKeys>) -> Router {
    Router::new()
        .route(
            PROTECTED,
            get(protected).layer(verify_session(VerifySessionOptions::default())),
        )
        .route(PUBLIC, get(public))
        .route(RAW, get(raw))
        .with_state(raw_keys)
        .layer(SuperTokensLayer::new(st))
}

/// Options of `axum-app`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct AxumAppArgs {
    /// The core the SDK talks to (JWKS), e.g. `http://127.0.0.1:3567`.
    #[arg(long)]
    pub(crate) core_url: String,
    /// Loopback port to listen on; 0 = any free port.
    #[arg(long, default_value_t = 0)]
    pub(crate) port: u16,
    /// Tokio worker threads of the app; default: one per CPU.
    #[arg(long)]
    pub(crate) threads: Option<usize>,
}

impl AxumAppArgs {
    /// Worker threads to use.
    pub(crate) fn worker_threads(&self) -> usize {
        self.threads.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(std::num::NonZero::get)
                .unwrap_or(1)
        })
    }
}

/// Serves [`app`] on `127.0.0.1:<port>` until killed; prints `listening on 127.0.0.1:<port>`
/// as its only line on stdout once the socket is bound.
pub(crate) async fn serve(args: &AxumAppArgs, api_key: &str) -> Result<()> {
    let st = init_sdk(&args.core_url, api_key)?;
    let raw_keys = RawKeys::fetch(&crate::cdi::http_client(1)?, &args.core_url).await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .context("binding the app's port")?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app(st, Arc::new(raw_keys)))
        .await
        .context("serving the app")
}

/// Polls `GET url` until it answers 200 (at most `timeout`).
pub(crate) async fn wait_for_200(
    http: &reqwest::Client,
    url: &str,
    headers: &[(&str, &str)],
    timeout: Duration,
) -> Result<()> {
    let deadline = std::time::Instant::now() + timeout;
    let mut last = String::new();
    while std::time::Instant::now() < deadline {
        let mut request = http.get(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        match request.send().await {
            Ok(resp) if resp.status() == reqwest::StatusCode::OK => return Ok(()),
            Ok(resp) => last = format!("HTTP {}", resp.status()),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bail!("GET {url} did not answer 200 within {timeout:?} (last: {last})")
}
