//! The actix-web adapter against an in-process core: SDK routes through
//! `SuperTokensMiddleware`, protected routes through `verify_session`, header changes
//! applied to handler responses, body limit and missing middleware.

use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServiceResponse;
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, test, web};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::{Value, json};
use supertokens::{SdkResponse, SuperTokens};
use supertokens_actix::{
    OptionalSession, Session, SuperTokensMiddleware, into_actix_response, sdk_request_from_actix,
    verify_session,
};
use supertokens_session::{SessionConfig, SessionRecipe, VerifySessionOptions};

use super::sdk_support::*;

async fn login(request: HttpRequest) -> HttpResponse {
    let st = request
        .extensions()
        .get::<Arc<SuperTokens>>()
        .cloned()
        .unwrap();
    let sdk_request = sdk_request_from_actix(&request, Bytes::new());
    let recipe = SessionRecipe::from_supertokens(&st).unwrap();
    let session = recipe
        .create_new_session(
            &sdk_request,
            "public",
            "actix-user",
            Default::default(),
            Default::default(),
        )
        .await
        .unwrap();
    let mut response = SdkResponse::json(StatusCode::OK, &json!({"status": "OK"}));
    response.apply(&session.response_headers());
    into_actix_response(response)
}

async fn me(session: Session) -> HttpResponse {
    HttpResponse::Ok().body(session.user_id().to_owned())
}

async fn maybe(session: OptionalSession) -> HttpResponse {
    HttpResponse::Ok().body(
        session
            .0
            .map(|session| session.user_id().to_owned())
            .unwrap_or_else(|| "anonymous".into()),
    )
}

async fn upgrade(session: Session) -> HttpResponse {
    let mut update = serde_json::Map::new();
    update.insert("plan".into(), json!("pro"));
    session
        .merge_into_access_token_payload(update)
        .await
        .unwrap();
    HttpResponse::Ok().body("upgraded")
}

async fn logout(session: Session) -> HttpResponse {
    session.revoke_session().await.unwrap();
    HttpResponse::Ok().body("bye")
}

fn app(
    st: Arc<SuperTokens>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .wrap(SuperTokensMiddleware::new(st))
        .route("/login", web::post().to(login))
        .route("/unprotected", web::get().to(me))
        .service(
            web::resource("/me")
                .wrap(verify_session(VerifySessionOptions::default()))
                .route(web::get().to(me)),
        )
        .service(
            web::resource("/maybe")
                .wrap(verify_session(
                    VerifySessionOptions::default().with_session_required(false),
                ))
                .route(web::get().to(maybe)),
        )
        .service(
            web::resource("/upgrade")
                .wrap(verify_session(VerifySessionOptions::default()))
                .route(web::post().to(upgrade)),
        )
        .service(
            web::resource("/logout")
                .wrap(verify_session(VerifySessionOptions::default()))
                .route(web::post().to(logout)),
        )
}

/// An actix response's headers in `http` 1.x form.
fn http_headers<B>(response: &ServiceResponse<B>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in response.headers().iter() {
        headers.append(
            HeaderName::from_bytes(name.as_str().as_bytes()).unwrap(),
            HeaderValue::from_bytes(value.as_bytes()).unwrap(),
        );
    }
    headers
}

/// Sends a test request and reads the answer.
macro_rules! send {
    ($service:expr, $request:expr $(,)?) => {{
        let response = test::call_service($service, $request.to_request()).await;
        read_response(response).await
    }};
}

async fn read_response<B: actix_web::body::MessageBody>(
    response: ServiceResponse<B>,
) -> (StatusCode, HeaderMap, Value) {
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    let headers = http_headers(&response);
    let bytes = test::read_body(response).await;
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, headers, body)
}

#[actix_web::test]
async fn a_cookie_session_lives_through_the_middleware() {
    let sdk = sdk_app(SessionConfig::default()).await;
    let service = test::init_service(app(sdk.st.clone())).await;

    let (status, headers, body) = send!(
        &service,
        test::TestRequest::post()
            .uri("/login")
            .insert_header(("st-auth-mode", "cookie")),
    );
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "OK"})));
    let tokens = tokens_of(&headers);
    assert_eq!(
        set_cookies(&headers)["sRefreshToken"].path(),
        Some("/auth/session/refresh")
    );
    let cookie = format!("sAccessToken={}", tokens.access.as_deref().unwrap());

    let (status, headers, body) = send!(
        &service,
        test::TestRequest::get()
            .uri("/me")
            .insert_header(("cookie", cookie.as_str())),
    );
    assert_eq!((status, body), (StatusCode::OK, json!("actix-user")));
    assert!(headers.get("set-cookie").is_none());

    let (status, _, body) = send!(&service, test::TestRequest::get().uri("/me"));
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, json!({"message": "unauthorised"}))
    );
    let (status, _, body) = send!(&service, test::TestRequest::get().uri("/maybe"));
    assert_eq!((status, body), (StatusCode::OK, json!("anonymous")));

    let (status, headers, body) = send!(
        &service,
        test::TestRequest::post()
            .uri("/upgrade")
            .insert_header(("cookie", cookie.as_str())),
    );
    assert_eq!((status, body), (StatusCode::OK, json!("upgraded")));
    let upgraded = tokens_of(&headers);
    assert_eq!(
        jwt_payload(upgraded.access.as_deref().unwrap())["plan"],
        "pro"
    );
    assert_eq!(
        header(&headers, "access-control-expose-headers"),
        Some("front-token")
    );

    let (status, headers, body) = send!(
        &service,
        test::TestRequest::post()
            .uri("/logout")
            .insert_header(("cookie", cookie.as_str())),
    );
    assert_eq!((status, body), (StatusCode::OK, json!("bye")));
    assert_eq!(header(&headers, "front-token"), Some("remove"));
    assert_eq!(set_cookies(&headers)["sRefreshToken"].value(), "");
}

#[actix_web::test]
async fn refresh_signout_and_expiry_through_the_middleware() {
    let sdk = sdk_app(SessionConfig::default()).await;
    let service = test::init_service(app(sdk.st.clone())).await;
    let (_, headers, _) = send!(&service, test::TestRequest::post().uri("/login"));
    let tokens = tokens_of(&headers);
    let bearer = format!("Bearer {}", tokens.access.as_deref().unwrap());

    sdk.core.clock.advance(Duration::from_secs(61));
    let (status, _, body) = send!(
        &service,
        test::TestRequest::get()
            .uri("/me")
            .insert_header(("authorization", bearer.as_str())),
    );
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"message": "try refresh token"})
        )
    );

    let refresh = format!("Bearer {}", tokens.refresh.as_deref().unwrap());
    let (status, headers, body) = send!(
        &service,
        test::TestRequest::post()
            .uri("/auth/session/refresh")
            .insert_header(("authorization", refresh.as_str()))
            .insert_header(("rid", "session")),
    );
    assert_eq!((status, body), (StatusCode::OK, json!({})));
    let refreshed = tokens_of(&headers);
    assert!(refreshed.front.is_some());
    let bearer = format!("Bearer {}", refreshed.access.as_deref().unwrap());

    let (status, headers, _) = send!(
        &service,
        test::TestRequest::get()
            .uri("/me")
            .insert_header(("authorization", bearer.as_str())),
    );
    assert_eq!(status, StatusCode::OK);
    assert!(tokens_of(&headers).access.is_some(), "promotion is applied");

    let (status, headers, body) = send!(
        &service,
        test::TestRequest::post()
            .uri("/auth/signout")
            .insert_header(("authorization", bearer.as_str())),
    );
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "OK"})));
    assert_eq!(header(&headers, "st-refresh-token"), Some(""));
}

#[actix_web::test]
async fn body_limit_and_missing_middleware() {
    let sdk = sdk_app(SessionConfig::default()).await;
    let service = test::init_service(app(sdk.st.clone())).await;
    let (status, _, body) = send!(
        &service,
        test::TestRequest::post()
            .uri("/auth/session/refresh")
            .set_payload(vec![b'x'; supertokens_actix::BODY_LIMIT + 1]),
    );
    assert_eq!(
        (status, body),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"message": "Request body too large"})
        )
    );

    let (status, _, body) = send!(&service, test::TestRequest::get().uri("/unprotected"));
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body["message"].as_str().unwrap().contains("verify_session"));

    let bare = test::init_service(
        App::new().service(
            web::resource("/me")
                .wrap(verify_session(VerifySessionOptions::default()))
                .route(web::get().to(me)),
        ),
    )
    .await;
    let (status, _, body) = send!(&bare, test::TestRequest::get().uri("/me"));
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("SuperTokensMiddleware")
    );
}
