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
