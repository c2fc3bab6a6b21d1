//! The adapter without a core: routing, body limit, missing layers, requests without a
//! session. The flows against a real core are in `tests/tests/e2e/axum_adapter.rs`.

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use supertokens::{AppInfo, SuperTokens, SuperTokensConfig};
use supertokens_session::SessionConfig;
use tower::ServiceExt;

use super::*;

fn supertokens() -> Arc<SuperTokens> {
    supertokens::init(SuperTokensConfig {
        app_info: AppInfo {
            app_name: "t".into(),
            api_domain: "http://localhost:3001".into(),
            website_domain: "http://localhost:3000".into(),
            api_base_path: None,
            website_base_path: None,
        },
        // Never contacted by these tests.
        connection_uri: "http://127.0.0.1:9".into(),
        api_key: None,
        rate_limits: supertokens::RateLimitConfig::default(),
        recipe_list: vec![supertokens_session::init(SessionConfig::default())],
    })
    .unwrap()
}

async fn me(session: Session) -> String {
    session.user_id().to_owned()
}

async fn maybe(session: OptionalSession) -> String {
    match session.0 {
        Some(session) => session.user_id().to_owned(),
        None => "anonymous".into(),
    }
}

fn app(st: Arc<SuperTokens>) -> Router {
    Router::new()
        .route(
            "/me",
            get(me).layer(verify_session(VerifySessionOptions::default())),
        )
        .route(
            "/maybe",
            get(maybe).layer(verify_session(
                VerifySessionOptions::default().with_session_required(false),
            )),
        )
        .route("/unprotected", get(me))
        .route("/echo", post(|body: String| async move { body }))
        .layer(SuperTokensLayer::new(st))
}

async fn read(response: http::Response<axum_core::body::Body>) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, body)
}

fn get_request(path: &str) -> Request<axum_core::body::Body> {
    Request::get(path)
        .body(axum_core::body::Body::empty())
        .unwrap()
}

#[tokio::test]
async fn other_requests_pass_through_with_their_body() {
    let response = app(supertokens())
        .oneshot(
            Request::post("/echo")
                .body(axum_core::body::Body::from("hello"))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(read(response).await, (StatusCode::OK, json!("hello")));
}

#[tokio::test]
async fn sdk_routes_refuse_bodies_over_the_limit() {
    let response = app(supertokens())
        .oneshot(
            Request::post("/auth/session/refresh")
                .body(axum_core::body::Body::from(vec![b'x'; BODY_LIMIT + 1]))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        read(response).await,
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"message": "Request body too large"})
        )
    );
}

#[tokio::test]
async fn sdk_routes_are_answered_by_the_sdk() {
    // No refresh token: 401 unauthorised with the tokens cleared, without asking the core.
    let response = app(supertokens())
        .oneshot(
            Request::post("/auth/session/refresh")
                .body(axum_core::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.headers()["front-token"], "remove");
    assert_eq!(
        read(response).await,
        (StatusCode::UNAUTHORIZED, json!({"message": "unauthorised"}))
    );
}

#[tokio::test]
async fn protected_routes_without_a_session_are_unauthorised() {
    let response = app(supertokens())
        .oneshot(get_request("/me"))
        .await
        .unwrap();
    assert!(response.headers().get("set-cookie").is_none());
    assert_eq!(
        read(response).await,
        (StatusCode::UNAUTHORIZED, json!({"message": "unauthorised"}))
    );
    let response = app(supertokens())
        .oneshot(get_request("/maybe"))
        .await
        .unwrap();
    assert_eq!(read(response).await, (StatusCode::OK, json!("anonymous")));
}

#[tokio::test]
async fn missing_layers_are_named() {
    let (status, body) = read(
        app(supertokens())
            .oneshot(get_request("/unprotected"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body["message"].as_str().unwrap().contains("verify_session"));

    let bare = Router::new().route(
        "/me",
        get(me).layer(verify_session(VerifySessionOptions::default())),
    );
    let (status, body) = read(bare.oneshot(get_request("/me")).await.unwrap()).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("SuperTokensLayer")
    );

    let explicit = Router::new().route(
        "/me",
        get(me)
            .layer(verify_session(VerifySessionOptions::default()).with_supertokens(supertokens())),
    );
    let (status, _) = read(explicit.oneshot(get_request("/me")).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// Serves `POST /signin` with 200 `{"status":"OK"}`, without a core.
struct SignInStub;

#[async_trait::async_trait]
impl supertokens::Recipe for SignInStub {
    fn recipe_id(&self) -> &'static str {
        "stub"
    }

    fn routes(&self) -> Vec<supertokens::ApiRoute> {
        vec![supertokens::ApiRoute::tenant_scoped(
            http::Method::POST,
            "/signin",
            "signin",
        )]
    }

    async fn handle(
        &self,
        _api_id: &str,
        _context: &supertokens::ApiContext<'_>,
    ) -> supertokens::Result<supertokens::SdkResponse> {
        Ok(supertokens::SdkResponse::json(
            StatusCode::OK,
            &json!({"status": "OK"}),
        ))
    }
}

fn rate_limited_app(rate_limits: supertokens::RateLimitConfig) -> Router {
    let st = supertokens::init(SuperTokensConfig {
        app_info: AppInfo {
            app_name: "t".into(),
            api_domain: "http://localhost:3001".into(),
            website_domain: "http://localhost:3000".into(),
            api_base_path: None,
            website_base_path: None,
        },
        connection_uri: "http://127.0.0.1:9".into(),
        api_key: None,
        recipe_list: vec![supertokens::recipe_builder((), |(), _| Ok(SignInStub))],
        rate_limits,
    })
    .unwrap();
    Router::new().layer(SuperTokensLayer::new(st))
}

/// `POST /auth/signin` from a peer, as `into_make_service_with_connect_info` delivers it.
fn sign_in_from(peer: &str, forwarded_for: Option<&str>) -> Request<axum_core::body::Body> {
    let mut builder = Request::post("/auth/signin");
    if let Some(forwarded_for) = forwarded_for {
        builder = builder.header("x-forwarded-for", forwarded_for);
    }
    let mut request = builder.body(axum_core::body::Body::from("{}")).unwrap();
    request.extensions_mut().insert(axum::extract::ConnectInfo(
        peer.parse::<std::net::SocketAddr>().unwrap(),
    ));
    request
}

#[tokio::test]
async fn the_31st_sign_in_from_one_address_in_a_minute_is_refused() {
    let app = rate_limited_app(supertokens::RateLimitConfig::default());
    for attempt in 1..=30 {
        let response = app
            .clone()
            .oneshot(sign_in_from("192.0.2.10:50000", None))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "attempt {attempt}");
    }
    let response = app
        .clone()
        .oneshot(sign_in_from("192.0.2.10:50001", None))
        .await
        .unwrap();
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        body,
        json!({"message": format!("Too many requests from this address; retry in {retry_after} s")})
    );
    // Another address is unaffected.
    let response = app
        .clone()
        .oneshot(sign_in_from("192.0.2.11:50000", None))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // The untrusted peer's X-Forwarded-For is ignored.
    let response = app
        .oneshot(sign_in_from("192.0.2.10:50002", Some("198.51.100.1")))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn behind_a_trusted_proxy_clients_are_told_apart_by_x_forwarded_for() {
    let app = rate_limited_app(supertokens::RateLimitConfig {
        trusted_proxies: supertokens::rate_limit::TrustedProxies::parse(["10.0.0.0/8"]).unwrap(),
        sign_in: Some(supertokens::rate_limit::Limit::per_minute(2)),
        ..supertokens::RateLimitConfig::default()
    });
    let proxy = "10.0.0.2:40000";
    for _ in 0..2 {
        let response = app
            .clone()
            .oneshot(sign_in_from(proxy, Some("198.51.100.1")))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    let response = app
        .clone()
        .oneshot(sign_in_from(proxy, Some("198.51.100.1")))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let response = app
        .clone()
        .oneshot(sign_in_from(proxy, Some("198.51.100.2")))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // IPv6 clients are counted per /64.
    for (client, expected) in [
        ("2001:db8:1:2::1", StatusCode::OK),
        ("2001:db8:1:2::2", StatusCode::OK),
        ("2001:db8:1:2:ffff::3", StatusCode::TOO_MANY_REQUESTS),
        ("2001:db8:1:3::1", StatusCode::OK),
    ] {
        let response = app
            .clone()
            .oneshot(sign_in_from(proxy, Some(client)))
            .await
            .unwrap();
        assert_eq!(response.status(), expected, "{client}");
    }
}

#[tokio::test]
async fn without_connect_info_requests_share_the_unknown_key() {
    let app = rate_limited_app(supertokens::RateLimitConfig {
        sign_in: Some(supertokens::rate_limit::Limit::per_minute(1)),
        ..supertokens::RateLimitConfig::default()
    });
    let plain = || {
        Request::post("/auth/signin")
            .body(axum_core::body::Body::from("{}"))
            .unwrap()
    };
    assert_eq!(
        app.clone().oneshot(plain()).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        app.oneshot(plain()).await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}
