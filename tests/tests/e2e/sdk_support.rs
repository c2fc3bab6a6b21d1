//! Shared helpers of the SDK-side tests: an SDK initialised against an in-process core whose
//! clock it shares, requests, and readers for the header changes a response carries.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use http::{HeaderMap, HeaderValue, Method};
use serde_json::Value;
use supertokens::{AppInfo, HeaderChange, SdkRequest, SuperTokens, SuperTokensConfig};
use supertokens_core_engine::ManualClock;
use supertokens_session::{SessionConfig, SessionRecipe};
use supertokens_tests::{API_KEY, SwitchableProxy, TestCore, TestCoreOptions, start_core};

/// The core's manual clock, seen by the SDK (token expiry, cookie expiry, JWKS cache).
pub(crate) struct CoreClock(pub(crate) Arc<ManualClock>);

impl supertokens_session::Clock for CoreClock {
    fn now_ms(&self) -> i64 {
        supertokens_core_engine::Clock::now_ms(self.0.as_ref())
    }
}

/// An SDK with the session recipe, talking to a test core through a switchable proxy.
pub(crate) struct SdkApp {
    pub(crate) core: TestCore,
    pub(crate) proxy: SwitchableProxy,
    pub(crate) st: Arc<SuperTokens>,
    pub(crate) session: Arc<SessionRecipe>,
}

pub(crate) fn local_app_info() -> AppInfo {
    AppInfo {
        app_name: "sdk-tests".into(),
        api_domain: "http://localhost:3001".into(),
        website_domain: "http://localhost:3000".into(),
        api_base_path: None,
        website_base_path: None,
    }
}

/// The SDK config for a core: session recipe with the core's clock.
pub(crate) fn init_sdk(
    core: &TestCore,
    connection_uri: &str,
    app_info: AppInfo,
    config: SessionConfig,
) -> supertokens::Result<Arc<SuperTokens>> {
    supertokens::init(SuperTokensConfig {
        app_info,
        connection_uri: connection_uri.to_owned(),
        api_key: Some(API_KEY.to_owned()),
        rate_limits: supertokens::RateLimitConfig::default(),
        recipe_list: vec![supertokens_session::init(SessionConfig {
            clock: Some(Arc::new(CoreClock(core.clock.clone()))),
            ..config
        })],
    })
}

pub(crate) async fn sdk_app_with(app_info: AppInfo, config: SessionConfig) -> SdkApp {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let target = core.base_url.trim_start_matches("http://").to_owned();
    let proxy = SwitchableProxy::start(&target).await.unwrap();
    let st = init_sdk(
        &core,
        &format!("http://{}", proxy.address),
        app_info,
        config,
    )
    .unwrap();
    let session = SessionRecipe::from_supertokens(&st).unwrap();
    SdkApp {
        core,
        proxy,
        st,
        session,
    }
}

pub(crate) async fn sdk_app(config: SessionConfig) -> SdkApp {
    sdk_app_with(local_app_info(), config).await
}

/// A request with headers.
pub(crate) fn request(method: Method, path: &str, headers: &[(&str, &str)]) -> SdkRequest {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    SdkRequest::new(method, path, map)
}

/// The headers a list of changes produces on an empty response.
pub(crate) fn headers_of(changes: &[HeaderChange]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    supertokens::http_types::apply_header_changes(&mut headers, changes);
    headers
}

/// A header as text.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|value| value.to_str().unwrap())
}

/// `Set-Cookie` lines by cookie name.
pub(crate) fn set_cookies(headers: &HeaderMap) -> HashMap<String, cookie::Cookie<'static>> {
    headers
        .get_all(http::header::SET_COOKIE)
        .iter()
        .map(|line| {
            let parsed = cookie::Cookie::parse_encoded(line.to_str().unwrap().to_owned()).unwrap();
            (parsed.name().to_owned(), parsed)
        })
        .collect()
}

/// The raw `Set-Cookie` line of a cookie.
pub(crate) fn set_cookie_line(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::SET_COOKIE)
        .iter()
        .map(|line| line.to_str().unwrap().to_owned())
        .find(|line| line.starts_with(&format!("{name}=")))
}

/// Decodes a `front-token`.
pub(crate) fn decode_front_token(front_token: &str) -> Value {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(front_token)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Decodes the payload of a JWT.
pub(crate) fn jwt_payload(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

/// Tokens a response handed out, by transfer method.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tokens {
    pub(crate) access: Option<String>,
    pub(crate) refresh: Option<String>,
    pub(crate) front: Option<String>,
    pub(crate) anti_csrf: Option<String>,
}

/// The tokens set by a response (cookies or headers, whichever is present).
pub(crate) fn tokens_of(headers: &HeaderMap) -> Tokens {
    let cookies = set_cookies(headers);
    let from_cookie = |name: &str| {
        cookies
            .get(name)
            .map(|c| c.value().to_owned())
            .filter(|v| !v.is_empty())
    };
    let from_header = |name: &str| {
        header(headers, name)
            .map(str::to_owned)
            .filter(|v| !v.is_empty())
    };
    Tokens {
        access: from_cookie("sAccessToken").or_else(|| from_header("st-access-token")),
        refresh: from_cookie("sRefreshToken").or_else(|| from_header("st-refresh-token")),
        front: from_header("front-token"),
        anti_csrf: from_header("anti-csrf"),
    }
}

/// Creates a session for `user` in the given `st-auth-mode` (none = header default).
pub(crate) async fn create_session(
    app: &SdkApp,
    user: &str,
    auth_mode: Option<&str>,
) -> (supertokens_session::SessionContainer, HeaderMap) {
    let headers: Vec<(&str, &str)> = auth_mode
        .map(|mode| vec![("st-auth-mode", mode)])
        .unwrap_or_default();
    let req = request(Method::POST, "/auth/signin", &headers);
    let container = app
        .session
        .create_new_session(
            &req,
            "public",
            user,
            serde_json::Map::new(),
            serde_json::Map::new(),
        )
        .await
        .unwrap();
    let headers = headers_of(&container.response_headers());
    (container, headers)
}
