//! The axum adapter against an in-process core: SDK routes through `SuperTokensLayer`,
//! protected routes through `verify_session`, header changes applied to handler responses.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Extension, Request};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use supertokens::{SdkResponse, SuperTokens};
use supertokens_axum::{
    OptionalSession, Session, SuperTokensLayer, into_http_response, sdk_request_from_parts,
    verify_session,
};
use supertokens_session::{SessionConfig, SessionRecipe, VerifySessionOptions, claim_validator};
use tower::ServiceExt;

use super::sdk_support::*;

/// Signs `user` in, as a sign-in API would: creates the session and applies its headers.
async fn login(
    Extension(st): Extension<Arc<SuperTokens>>,
    request: Request,
) -> axum::response::Response {
    let (parts, _) = request.into_parts();
    let sdk_request = sdk_request_from_parts(&parts, Bytes::new());
    let recipe = SessionRecipe::from_supertokens(&st).unwrap();
    let session = recipe
        .create_new_session(
            &sdk_request,
            "public",
            "axum-user",
            Default::default(),
            Default::default(),
        )
        .await
        .unwrap();
    let mut response = SdkResponse::json(StatusCode::OK, &json!({"status": "OK"}));
    response.apply(&session.response_headers());
    into_http_response(response)
}

async fn me(session: Session) -> Json<Value> {
    Json(json!({"userId": session.user_id(), "payload": session.access_token_payload()}))
}

async fn maybe(session: OptionalSession) -> String {
    session
        .0
        .map(|session| session.user_id().to_owned())
        .unwrap_or_else(|| "anonymous".into())
}

async fn upgrade(session: Session) -> &'static str {
    let mut update = serde_json::Map::new();
    update.insert("plan".into(), json!("pro"));
    session
        .merge_into_access_token_payload(update)
        .await
        .unwrap();
    "upgraded"
}

async fn logout(session: Session) -> &'static str {
    session.revoke_session().await.unwrap();
    "bye"
}

fn router(st: Arc<SuperTokens>) -> Router {
    let protected = || verify_session(VerifySessionOptions::default());
    Router::new()
        .route("/login", post(login))
        .route("/me", get(me).layer(protected()))
        .route("/upgrade", post(upgrade).layer(protected()))
        .route("/logout", post(logout).layer(protected()))
        .route(
            "/maybe",
            get(maybe).layer(verify_session(
                VerifySessionOptions::default().with_session_required(false),
            )),
        )
        .route(
            "/admin",
            get(me).layer(verify_session(
                VerifySessionOptions::default().with_claim_validators(|_| {
                    vec![claim_validator("role", |payload| {
                        if payload.get("role") == Some(&json!("admin")) {
                            Ok(())
                        } else {
                            Err(json!({"message": "wrong value", "expectedValue": "admin"}))
                        }
                    })]
                }),
            )),
        )
        .layer(SuperTokensLayer::new(st))
}

async fn call(
    app: &SdkApp,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Value) {
    let mut builder = http::Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let response = router(app.st.clone())
        .oneshot(builder.body(axum::body::Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, headers, body)
}

#[tokio::test]
async fn a_cookie_session_lives_through_the_layers() {
    let app = sdk_app(SessionConfig::default()).await;
    let (status, headers, body) =
        call(&app, Method::POST, "/login", &[("st-auth-mode", "cookie")]).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "OK"})));
    let tokens = tokens_of(&headers);
    assert!(tokens.access.is_some() && tokens.refresh.is_some() && tokens.front.is_some());
    let cookie = format!("sAccessToken={}", tokens.access.as_deref().unwrap());

    let (status, headers, body) = call(&app, Method::GET, "/me", &[("cookie", &cookie)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["userId"], "axum-user");
    assert!(headers.get("set-cookie").is_none(), "nothing changed");

    let (status, headers, body) = call(
        &app,
        Method::POST,
        "/upgrade",
        &[("cookie", &cookie), ("rid", "anti-csrf")],
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!("upgraded")));
    let upgraded = tokens_of(&headers);
    assert_eq!(
        jwt_payload(upgraded.access.as_deref().unwrap())["plan"],
        "pro"
    );
    assert_eq!(
        decode_front_token(upgraded.front.as_deref().unwrap())["up"]["plan"],
        "pro"
    );

    let (status, _, body) = call(&app, Method::GET, "/maybe", &[]).await;
    assert_eq!((status, body), (StatusCode::OK, json!("anonymous")));
    let (status, _, body) = call(&app, Method::GET, "/maybe", &[("cookie", &cookie)]).await;
    assert_eq!((status, body), (StatusCode::OK, json!("axum-user")));

    let (status, _, body) = call(&app, Method::GET, "/admin", &[("cookie", &cookie)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["message"], "invalid claim");
    assert_eq!(body["claimValidationErrors"][0]["id"], "role");

    let (status, headers, body) = call(
        &app,
        Method::POST,
        "/logout",
        &[("cookie", &cookie), ("rid", "anti-csrf")],
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!("bye")));
    assert_eq!(header(&headers, "front-token"), Some("remove"));
    assert_eq!(set_cookies(&headers)["sAccessToken"].value(), "");
}

#[tokio::test]
async fn expiry_refresh_and_promotion_through_the_layers() {
    let app = sdk_app(SessionConfig::default()).await;
    let (_, headers, _) = call(&app, Method::POST, "/login", &[]).await;
    let tokens = tokens_of(&headers);
    assert!(
        headers.get("set-cookie").is_none(),
        "header mode by default"
    );
    let bearer = format!("Bearer {}", tokens.access.as_deref().unwrap());
    let (status, _, _) = call(&app, Method::GET, "/me", &[("authorization", &bearer)]).await;
    assert_eq!(status, StatusCode::OK);

    app.core.clock.advance(Duration::from_secs(61));
    let (status, _, body) = call(&app, Method::GET, "/me", &[("authorization", &bearer)]).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"message": "try refresh token"})
        )
    );

    let refresh = format!("Bearer {}", tokens.refresh.as_deref().unwrap());
    let (status, headers, body) = call(
        &app,
        Method::POST,
        "/auth/session/refresh",
        &[("authorization", &refresh), ("rid", "session")],
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!({})));
    let refreshed = tokens_of(&headers);
    let bearer = format!("Bearer {}", refreshed.access.as_deref().unwrap());
    let (status, headers, _) = call(&app, Method::GET, "/me", &[("authorization", &bearer)]).await;
    assert_eq!(status, StatusCode::OK);
    let promoted = tokens_of(&headers);
    assert!(promoted.access.is_some(), "the promoted token is sent");
    assert!(jwt_payload(promoted.access.as_deref().unwrap())["parentRefreshTokenHash1"].is_null());

    let (status, headers, body) = call(
        &app,
        Method::POST,
        "/auth/signout",
        &[("authorization", &bearer)],
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "OK"})));
    assert_eq!(header(&headers, "st-access-token"), Some(""));
    assert_eq!(header(&headers, "front-token"), Some("remove"));
}
