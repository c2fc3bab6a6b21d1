//! The session recipe against an in-process core: token transfer, the 401/403 contract,
//! refresh and theft detection, anti-CSRF, claims and overrides.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use http::{Method, StatusCode};
use serde_json::{Value, json};
use supertokens::{SdkRequest, SdkResponse, SessionError, SuperTokensError};
use supertokens_session::{
    AntiCsrf, CookieSameSite, CreateNewSessionInput, GetSessionInput, RefreshSessionInput,
    RegenerateAccessTokenResult, SessionConfig, SessionContainer, SessionFunctions,
    SessionInformation, UserSessionsOptions, VerifySessionOptions, claim_validator,
};
use supertokens_tests::START_MS;

use super::sdk_support::*;

const ONE_YEAR_MS: i64 = 31_536_000_000;

fn http_date(ms: i64) -> String {
    let time = time::OffsetDateTime::from_unix_timestamp(ms / 1000).unwrap();
    time.format(&time::format_description::well_known::Rfc2822)
        .unwrap()
        .replace(" +0000", " GMT")
}

fn body(response: &SdkResponse) -> Value {
    serde_json::from_slice(&response.body).unwrap()
}

fn error_response(app: &SdkApp, error: &SuperTokensError, req: &SdkRequest) -> SdkResponse {
    app.st.error_response(error, req)
}

fn cookie_request(method: Method, path: &str, access: &str, extra: &[(&str, &str)]) -> SdkRequest {
    let cookie = format!("sAccessToken={access}");
    let mut headers = vec![("cookie", cookie.as_str())];
    headers.extend_from_slice(extra);
    request(method, path, &headers)
}

fn bearer_request(method: Method, path: &str, token: &str) -> SdkRequest {
    let value = format!("Bearer {token}");
    request(method, path, &[("authorization", value.as_str())])
}

#[tokio::test]
async fn cookie_sessions_carry_node_cookie_attributes_and_a_front_token() {
    let app = sdk_app(SessionConfig::default()).await;
    let (session, headers) = create_session(&app, "user-1", Some("cookie")).await;

    let access = set_cookie_line(&headers, "sAccessToken").unwrap();
    assert_eq!(
        access,
        format!(
            "sAccessToken={}; HttpOnly; SameSite=Lax; Path=/; Expires={}",
            session.access_token(),
            http_date(START_MS + ONE_YEAR_MS)
        )
    );
    let refresh = set_cookie_line(&headers, "sRefreshToken").unwrap();
    let refresh_value = set_cookies(&headers)["sRefreshToken"].value().to_owned();
    assert!(!refresh_value.is_empty());
    assert_eq!(
        refresh,
        format!(
            "sRefreshToken={refresh_value}; HttpOnly; SameSite=Lax; Path=/auth/session/refresh; Expires={}",
            http_date(START_MS + 3_600_000)
        )
    );
    assert_eq!(
        header(&headers, "access-control-expose-headers"),
        Some("front-token")
    );
    assert!(headers.get("st-access-token").is_none());
    assert!(headers.get("anti-csrf").is_none());

    let front = decode_front_token(header(&headers, "front-token").unwrap());
    assert_eq!(front["uid"], "user-1");
    assert_eq!(front["ate"], session.access_token_expiry());
    assert_eq!(front["up"], Value::Object(session.access_token_payload()));
    assert_eq!(front["up"]["iss"], "http://localhost:3001/auth");
    assert_eq!(front["up"]["sub"], "user-1");
    assert_eq!(session.user_id(), "user-1");
    assert_eq!(session.recipe_user_id(), "user-1");
    assert_eq!(session.tenant_id(), "public");
    assert!(
        format!("{session:?}").contains("<redacted>")
            && !format!("{session:?}").contains(&session.access_token())
    );
}

#[tokio::test]
async fn sessions_default_to_header_mode_and_clear_the_other_transport() {
    let app = sdk_app(SessionConfig::default()).await;
    let (session, headers) = create_session(&app, "user-2", None).await;
    assert!(headers.get("set-cookie").is_none());
    assert_eq!(
        header(&headers, "st-access-token"),
        Some(session.access_token().as_str())
    );
    assert!(header(&headers, "st-refresh-token").unwrap().len() > 10);
    assert_eq!(
        header(&headers, "access-control-expose-headers"),
        Some("front-token, st-access-token, st-refresh-token")
    );

    // A cookie session already present is cleared when a header session is created.
    let req = cookie_request(
        Method::POST,
        "/auth/signin",
        &session.access_token(),
        &[("st-auth-mode", "header")],
    );
    let second = app
        .session
        .create_new_session(
            &req,
            "public",
            "user-2",
            Default::default(),
            Default::default(),
        )
        .await
        .unwrap();
    let headers = headers_of(&second.response_headers());
    let cookies = set_cookies(&headers);
    assert_eq!(cookies["sAccessToken"].value(), "");
    assert_eq!(
        cookies["sAccessToken"]
            .expires_datetime()
            .unwrap()
            .unix_timestamp(),
        0
    );
    assert_eq!(cookies["sRefreshToken"].value(), "");
    assert_eq!(
        header(&headers, "st-access-token"),
        Some(second.access_token().as_str())
    );
}

#[tokio::test]
async fn get_session_verifies_locally_without_calling_the_core() {
    let app = sdk_app(SessionConfig::default()).await;
    let (session, _) = create_session(&app, "user-3", Some("cookie")).await;
    let req = cookie_request(Method::GET, "/api", &session.access_token(), &[]);
    // The first verification fetches the JWKS.
    let verified = app
        .session
        .get_session(&req, &VerifySessionOptions::default())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.session_handle(), session.session_handle());
    assert!(verified.response_headers().is_empty());

    app.proxy.disable().await;
    let verified = app
        .session
        .get_session(&req, &VerifySessionOptions::default())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.user_id(), "user-3");
    // checkDatabase needs the core.
    let error = app
        .session
        .get_session(
            &req,
            &VerifySessionOptions::default().with_check_database(true),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, SuperTokensError::CoreUnreachable(_)),
        "{error}"
    );
}

#[tokio::test]
async fn expired_tokens_ask_for_a_refresh_and_keep_the_tokens() {
    let app = sdk_app(SessionConfig::default()).await;
    let (session, _) = create_session(&app, "user-4", None).await;
    let req = bearer_request(Method::GET, "/api", &session.access_token());
    app.session
        .get_session(&req, &VerifySessionOptions::default())
        .await
        .unwrap();
    app.core.clock.advance(Duration::from_secs(61));
    let error = app
        .session
        .get_session(&req, &VerifySessionOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        SuperTokensError::Session(SessionError::TryRefreshToken { .. })
    ));
    let response = error_response(&app, &error, &req);
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(body(&response), json!({"message": "try refresh token"}));
    assert!(response.headers.get("set-cookie").is_none());
    assert!(response.headers.get("front-token").is_none());
}

#[tokio::test]
async fn refresh_rotates_and_the_next_verification_promotes() {
    let app = sdk_app(SessionConfig::default()).await;
    let (_, headers) = create_session(&app, "user-5", Some("cookie")).await;
    let first = tokens_of(&headers);
    let cookie = format!(
        "sRefreshToken={}; sAccessToken={}",
        urlencode(first.refresh.as_deref().unwrap()),
        first.access.as_deref().unwrap()
    );
    let req = request(
        Method::POST,
        "/auth/session/refresh",
        &[
            ("cookie", &cookie),
            ("rid", "session"),
            ("st-auth-mode", "cookie"),
        ],
    );
    let response = app.st.handle(&req).await.unwrap();
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(body(&response), json!({}));
    let refreshed = tokens_of(&response.headers);
    let new_access = refreshed.access.clone().unwrap();
    assert_ne!(refreshed.access, first.access);
    assert_ne!(refreshed.refresh, first.refresh);
    assert!(refreshed.front.is_some());
    assert!(jwt_payload(&new_access)["parentRefreshTokenHash1"].is_string());
    assert_eq!(
        header(&response.headers, "access-control-expose-headers"),
        Some("front-token")
    );

    let req = cookie_request(Method::GET, "/api", &new_access, &[]);
    let verified = app
        .session
        .get_session(&req, &VerifySessionOptions::default())
        .await
        .unwrap()
        .unwrap();
    let promoted = headers_of(&verified.response_headers());
    let promoted_access = set_cookies(&promoted)["sAccessToken"].value().to_owned();
    assert_ne!(promoted_access, new_access);
    assert!(jwt_payload(&promoted_access)["parentRefreshTokenHash1"].is_null());
    assert!(promoted.get("front-token").is_some());
    assert!(
        !set_cookies(&promoted).contains_key("sRefreshToken"),
        "promotion only replaces the access token"
    );
    assert_eq!(verified.access_token(), promoted_access);
}

fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn reusing_a_superseded_refresh_token_is_theft_and_revokes_the_session() {
    let app = sdk_app(SessionConfig::default()).await;
    let (session, headers) = create_session(&app, "user-6", None).await;
    let first = tokens_of(&headers);
    let refresh = |token: String| {
        let value = format!("Bearer {token}");
        request(
            Method::POST,
            "/auth/session/refresh",
            &[("authorization", &value), ("rid", "session")],
        )
    };
    let second = app
        .st
        .handle(&refresh(first.refresh.clone().unwrap()))
        .await
        .unwrap();
    assert_eq!(second.status, StatusCode::OK);
    let child = tokens_of(&second.headers);
    // Header mode answers in headers.
    assert!(second.headers.get("set-cookie").is_none());
    let third = app
        .st
        .handle(&refresh(child.refresh.clone().unwrap()))
        .await
        .unwrap();
    assert_eq!(third.status, StatusCode::OK);

    let stolen = app
        .st
        .handle(&refresh(first.refresh.unwrap()))
        .await
        .unwrap();
    assert_eq!(stolen.status, StatusCode::UNAUTHORIZED);
    assert_eq!(body(&stolen), json!({"message": "token theft detected"}));
    assert_eq!(header(&stolen.headers, "front-token"), Some("remove"));
    assert_eq!(header(&stolen.headers, "st-access-token"), Some(""));
    assert_eq!(set_cookies(&stolen.headers)["sRefreshToken"].value(), "");
    assert!(
        app.session
            .get_session_information(session.session_handle())
            .await
            .unwrap()
            .is_none(),
        "the session is revoked"
    );
}

#[tokio::test]
async fn refresh_without_a_token_is_unauthorised_and_clears() {
    let app = sdk_app(SessionConfig::default()).await;
    let req = request(
        Method::POST,
        "/auth/session/refresh",
        &[("rid", "session"), ("st-auth-mode", "cookie")],
    );
    let response = app.st.handle(&req).await.unwrap();
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(body(&response), json!({"message": "unauthorised"}));
    assert_eq!(header(&response.headers, "front-token"), Some("remove"));
    assert_eq!(
        header(&response.headers, "access-control-expose-headers"),
        Some("front-token, st-access-token, st-refresh-token")
    );
    let cookies = set_cookies(&response.headers);
    assert_eq!(cookies["sAccessToken"].path(), Some("/"));
    assert_eq!(
        cookies["sRefreshToken"].path(),
        Some("/auth/session/refresh")
    );
    assert_eq!(
        set_cookie_line(&response.headers, "sAccessToken").unwrap(),
        "sAccessToken=; HttpOnly; SameSite=Lax; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    );
}

#[tokio::test]
async fn missing_or_foreign_tokens_are_unauthorised_without_clearing() {
    let app = sdk_app(SessionConfig::default()).await;
    let req = request(Method::GET, "/api", &[]);
    let error = app
        .session
        .get_session(&req, &VerifySessionOptions::default())
        .await
        .unwrap_err();
    let response = error_response(&app, &error, &req);
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(body(&response), json!({"message": "unauthorised"}));
    assert!(response.headers.get("set-cookie").is_none());
    assert!(response.headers.get("front-token").is_none());
    assert!(
        app.session
            .get_session(
                &req,
                &VerifySessionOptions::default().with_session_required(false)
            )
            .await
            .unwrap()
            .is_none()
    );

    // A refresh token is no access token: sent as Bearer to a protected route, the request
    // has no session.
    let (_, headers) = create_session(&app, "user-7", None).await;
    let refresh_token = tokens_of(&headers).refresh.unwrap();
    let req = bearer_request(Method::GET, "/api", &refresh_token);
    let error = app
        .session
        .get_session(&req, &VerifySessionOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        SuperTokensError::Session(SessionError::Unauthorised {
            clear_tokens: false,
            ..
        })
    ));
}

#[tokio::test]
async fn tampered_and_foreign_signed_tokens_ask_for_a_refresh() {
    let app = sdk_app(SessionConfig::default()).await;
    let (session, _) = create_session(&app, "user-8", None).await;
    let token = session.access_token();
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();

    // Tampered payload, original signature.
    let mut payload = jwt_payload(&token);
    payload["sub"] = json!("someone-else");
    use base64::Engine;
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&payload).unwrap());
    let tampered = parts.join(".");

    // Signed by a key the core never made, with the core's kid.
    let kid = {
        let header = token.split('.').next().unwrap();
        let header: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(header)
                .unwrap(),
        )
        .unwrap();
        header["kid"].as_str().unwrap().to_owned()
    };
    let foreign_key = supertokens_crypto::signing::SigningKey::generate(kid).unwrap();
    let Value::Object(claims) = jwt_payload(&token) else {
        unreachable!()
    };
    let foreign = foreign_key.sign_jwt(&claims).unwrap();
    // And one whose kid is unknown.
    let unknown_key = supertokens_crypto::signing::SigningKey::generate("d-1").unwrap();
    let unknown = unknown_key.sign_jwt(&claims).unwrap();

    for bad in [tampered, foreign, unknown] {
        let req = bearer_request(Method::GET, "/api", &bad);
        let error = app
            .session
            .get_session(&req, &VerifySessionOptions::default())
            .await
            .unwrap_err();
        let response = error_response(&app, &error, &req);
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        assert_eq!(body(&response), json!({"message": "try refresh token"}));
    }
}

#[tokio::test]
async fn two_access_token_cookies_or_a_legacy_cookie_ask_for_a_refresh() {
    let app = sdk_app(SessionConfig::default()).await;
    let (session, _) = create_session(&app, "user-9", Some("cookie")).await;
    let token = session.access_token();
    let cookie = format!("sAccessToken={token}; sAccessToken={token}");
    let req = request(Method::GET, "/api", &[("cookie", &cookie)]);
    let error = app
        .session
        .get_session(&req, &VerifySessionOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        SuperTokensError::Session(SessionError::TryRefreshToken { .. })
    ));
    let cookie = format!("sAccessToken={token}; sIdRefreshToken=old");
    let req = request(Method::GET, "/api", &[("cookie", &cookie)]);
    assert!(matches!(
        app.session
            .get_session(&req, &VerifySessionOptions::default())
            .await
            .unwrap_err(),
        SuperTokensError::Session(SessionError::TryRefreshToken { .. })
    ));
}

#[tokio::test]
async fn via_custom_header_requires_rid_on_non_get_cookie_requests() {
    let app = sdk_app(SessionConfig {
        anti_csrf: Some(AntiCsrf::ViaCustomHeader),
        ..SessionConfig::default()
    })
    .await;
    let (session, headers) = create_session(&app, "user-10", Some("cookie")).await;
    assert!(headers.get("anti-csrf").is_none());
    let token = session.access_token();
    let options = VerifySessionOptions::default();

    let post = cookie_request(Method::POST, "/api", &token, &[]);
    let error = app.session.get_session(&post, &options).await.unwrap_err();
    assert!(matches!(
        error,
        SuperTokensError::Session(SessionError::TryRefreshToken { .. })
    ));
    let with_rid = cookie_request(Method::POST, "/api", &token, &[("rid", "anti-csrf")]);
    assert!(app.session.get_session(&with_rid, &options).await.is_ok());
    let get = cookie_request(Method::GET, "/api", &token, &[]);
    assert!(app.session.get_session(&get, &options).await.is_ok());
    let forced = options.clone().with_anti_csrf_check(true);
    assert!(app.session.get_session(&get, &forced).await.is_err());
    let bearer = bearer_request(Method::POST, "/api", &token);
    assert!(app.session.get_session(&bearer, &options).await.is_ok());

    // The refresh API refuses cookie refreshes without rid, clearing the tokens.
    let refresh = tokens_of(&headers).refresh.unwrap();
    let cookie = format!("sRefreshToken={}", urlencode(&refresh));
    let req = request(
        Method::POST,
        "/auth/session/refresh",
        &[("cookie", &cookie)],
    );
    let response = app.st.handle(&req).await.unwrap();
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(body(&response), json!({"message": "unauthorised"}));
    assert_eq!(header(&response.headers, "front-token"), Some("remove"));
}

#[tokio::test]
async fn via_token_echoes_the_anti_csrf_header() {
    let app = sdk_app(SessionConfig {
        anti_csrf: Some(AntiCsrf::ViaToken),
        ..SessionConfig::default()
    })
    .await;
    let (session, headers) = create_session(&app, "user-11", Some("cookie")).await;
    let anti_csrf = tokens_of(&headers).anti_csrf.unwrap();
    assert_eq!(
        header(&headers, "access-control-expose-headers"),
        Some("front-token, anti-csrf")
    );
    assert_eq!(
        session.access_token_payload()["antiCsrfToken"],
        json!(anti_csrf)
    );
    let token = session.access_token();
    let options = VerifySessionOptions::default();

    let missing = cookie_request(Method::POST, "/api", &token, &[("rid", "x")]);
    let error = app
        .session
        .get_session(&missing, &options)
        .await
        .unwrap_err();
    let response = error_response(&app, &error, &missing);
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(body(&response), json!({"message": "try refresh token"}));
    let wrong = cookie_request(Method::POST, "/api", &token, &[("anti-csrf", "nope")]);
    assert!(app.session.get_session(&wrong, &options).await.is_err());
    let right = cookie_request(Method::POST, "/api", &token, &[("anti-csrf", &anti_csrf)]);
    assert!(app.session.get_session(&right, &options).await.is_ok());

    // Header-mode sessions get no anti-CSRF token and need none.
    let (header_session, headers) = create_session(&app, "user-11", None).await;
    assert!(headers.get("anti-csrf").is_none());
    let bearer = bearer_request(Method::POST, "/api", &header_session.access_token());
    assert!(app.session.get_session(&bearer, &options).await.is_ok());

    // Refresh checks the token inside the refresh token.
    let refresh = urlencode(
        &tokens_of(&headers_of(&session.response_headers()))
            .refresh
            .unwrap(),
    );
    let cookie = format!("sRefreshToken={refresh}");
    let without = request(
        Method::POST,
        "/auth/session/refresh",
        &[("cookie", &cookie)],
    );
    let response = app.st.handle(&without).await.unwrap();
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(body(&response), json!({"message": "unauthorised"}));
    let with = request(
        Method::POST,
        "/auth/session/refresh",
        &[("cookie", &cookie), ("anti-csrf", &anti_csrf)],
    );
    let response = app.st.handle(&with).await.unwrap();
    assert_eq!(response.status, StatusCode::OK);
    let new_anti_csrf = header(&response.headers, "anti-csrf").unwrap();
    assert_ne!(new_anti_csrf, anti_csrf);
}

#[tokio::test]
async fn no_anti_csrf_by_default_for_same_site_apps() {
    let app = sdk_app(SessionConfig::default()).await;
    assert_eq!(app.session.config().anti_csrf, AntiCsrf::None);
    let (session, _) = create_session(&app, "user-12", Some("cookie")).await;
    let post = cookie_request(Method::POST, "/api", &session.access_token(), &[]);
    assert!(
        app.session
            .get_session(&post, &VerifySessionOptions::default())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn cross_site_apps_get_same_site_none_and_custom_header_csrf() {
    let app = sdk_app_with(
        supertokens::AppInfo {
            api_domain: "https://api.example.com".into(),
            website_domain: "https://example.org".into(),
            ..local_app_info()
        },
        SessionConfig::default(),
    )
    .await;
    assert_eq!(app.session.config().cookie_same_site, CookieSameSite::None);
    assert_eq!(app.session.config().anti_csrf, AntiCsrf::ViaCustomHeader);
    let (_, headers) = create_session(&app, "user-13", Some("cookie")).await;
    let line = set_cookie_line(&headers, "sAccessToken").unwrap();
    assert!(line.contains("; SameSite=None; Secure; Path=/;"), "{line}");
}

#[tokio::test]
async fn failing_claim_validators_answer_403_and_refetches_are_merged() {
    struct Role {
        fetched: AtomicUsize,
    }
    #[async_trait]
    impl supertokens_session::SessionClaimValidator for Role {
        fn id(&self) -> &str {
            "st-role"
        }
        async fn should_refetch(
            &self,
            payload: &supertokens_session::JsonObject,
            _now_ms: i64,
        ) -> bool {
            payload.get("st-role").is_none()
        }
        async fn refetch(
            &self,
            _session: &SessionContainer,
            _payload: &supertokens_session::JsonObject,
            _now_ms: i64,
        ) -> supertokens::Result<Option<supertokens_session::JsonObject>> {
            self.fetched.fetch_add(1, Ordering::SeqCst);
            let mut update = supertokens_session::JsonObject::new();
            update.insert("st-role".into(), json!({"v": ["user"], "t": 1}));
            Ok(Some(update))
        }
        async fn validate(
            &self,
            payload: &supertokens_session::JsonObject,
            _now_ms: i64,
        ) -> Result<(), Value> {
            let roles = &payload["st-role"]["v"];
            if roles
                .as_array()
                .is_some_and(|r| r.contains(&json!("admin")))
            {
                Ok(())
            } else {
                Err(
                    json!({"message": "wrong value", "expectedToInclude": "admin", "actualValue": roles}),
                )
            }
        }
    }
    let role = Arc::new(Role {
        fetched: AtomicUsize::new(0),
    });
    let app = sdk_app(SessionConfig {
        global_claim_validators: vec![role.clone()],
        ..SessionConfig::default()
    })
    .await;
    let (session, _) = create_session(&app, "user-14", None).await;
    let req = bearer_request(Method::GET, "/api", &session.access_token());
    let error = app
        .session
        .get_session(&req, &VerifySessionOptions::default())
        .await
        .unwrap_err();
    assert_eq!(role.fetched.load(Ordering::SeqCst), 1);
    let response = error_response(&app, &error, &req);
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(
        body(&response),
        json!({
            "message": "invalid claim",
            "claimValidationErrors": [{
                "id": "st-role",
                "reason": {"message": "wrong value", "expectedToInclude": "admin", "actualValue": ["user"]}
            }]
        })
    );
    assert!(response.headers.get("set-cookie").is_none());

    // A route may replace the global validators.
    let options = VerifySessionOptions::default().with_claim_validators(|_| {
        vec![claim_validator("custom", |payload| {
            if payload.get("iss").is_some() {
                Ok(())
            } else {
                Err(json!("no issuer"))
            }
        })]
    });
    let verified = app
        .session
        .get_session(&req, &options)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.user_id(), "user-14");

    // The signout API skips claim validation.
    let value = format!("Bearer {}", session.access_token());
    let signout = request(Method::POST, "/auth/signout", &[("authorization", &value)]);
    let response = app.st.handle(&signout).await.unwrap();
    assert_eq!(response.status, StatusCode::OK);
}

#[tokio::test]
async fn signout_revokes_and_clears_on_the_request_transport() {
    let app = sdk_app(SessionConfig::default()).await;
    let (session, _) = create_session(&app, "user-15", Some("cookie")).await;
    let req = cookie_request(
        Method::POST,
        "/auth/signout",
        &session.access_token(),
        &[("rid", "session")],
    );
    let response = app.st.handle(&req).await.unwrap();
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(body(&response), json!({"status": "OK"}));
    assert_eq!(header(&response.headers, "front-token"), Some("remove"));
    assert_eq!(
        header(&response.headers, "access-control-expose-headers"),
        Some("front-token")
    );
    assert!(response.headers.get("st-access-token").is_none());
    let cookies = set_cookies(&response.headers);
    assert_eq!(cookies["sAccessToken"].value(), "");
    assert_eq!(cookies["sRefreshToken"].value(), "");
    assert!(
        app.session
            .get_session_information(session.session_handle())
            .await
            .unwrap()
            .is_none()
    );

    let anonymous = request(Method::POST, "/auth/signout", &[]);
    let response = app.st.handle(&anonymous).await.unwrap();
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(body(&response), json!({"message": "unauthorised"}));
}

#[tokio::test]
async fn payload_merges_and_session_data_go_through_the_core() {
    let app = sdk_app(SessionConfig::default()).await;
    let (session, _) = create_session(&app, "user-16", None).await;
    let req = bearer_request(Method::GET, "/api", &session.access_token());
    let verified = app
        .session
        .get_session(&req, &VerifySessionOptions::default())
        .await
        .unwrap()
        .unwrap();
    let mut update = supertokens_session::JsonObject::new();
    update.insert("plan".into(), json!("pro"));
    update.insert("sub".into(), json!("ignored"));
    verified
        .merge_into_access_token_payload(update)
        .await
        .unwrap();
    let headers = headers_of(&verified.response_headers());
    let new_access = header(&headers, "st-access-token").unwrap().to_owned();
    assert_eq!(jwt_payload(&new_access)["plan"], "pro");
    assert_eq!(jwt_payload(&new_access)["sub"], "user-16");
    assert_eq!(
        decode_front_token(header(&headers, "front-token").unwrap())["up"]["plan"],
        "pro"
    );
    assert!(headers.get("st-refresh-token").is_none());

    let mut data = supertokens_session::JsonObject::new();
    data.insert("cart".into(), json!([1, 2]));
    verified
        .update_session_data_in_database(data.clone())
        .await
        .unwrap();
    assert_eq!(
        verified.get_session_data_from_database().await.unwrap(),
        data
    );

    // Offline merge: stored for the next token.
    let mut offline = supertokens_session::JsonObject::new();
    offline.insert("plan".into(), Value::Null);
    offline.insert("seats".into(), json!(3));
    assert!(
        app.session
            .merge_into_access_token_payload(session.session_handle(), offline)
            .await
            .unwrap()
    );
    let info = app
        .session
        .get_session_information(session.session_handle())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.custom_claims_in_access_token_payload["seats"], 3);
    assert!(
        info.custom_claims_in_access_token_payload
            .get("plan")
            .is_none()
    );
    assert_eq!(info.session_data_in_database, data);

    let handles = app
        .session
        .get_all_session_handles_for_user("user-16")
        .await
        .unwrap();
    assert_eq!(handles, vec![session.session_handle().to_owned()]);
    let revoked = app
        .session
        .revoke_all_sessions_for_user("user-16")
        .await
        .unwrap();
    assert_eq!(revoked, handles);
    assert!(
        !app.session
            .revoke_session(session.session_handle())
            .await
            .unwrap()
    );
    let error = verified.get_session_data_from_database().await.unwrap_err();
    assert!(matches!(
        error,
        SuperTokensError::Session(SessionError::Unauthorised {
            clear_tokens: true,
            ..
        })
    ));
}

#[tokio::test]
async fn equal_status_codes_are_refused_at_init() {
    let core = supertokens_tests::start_core(supertokens_tests::TestCoreOptions::default())
        .await
        .unwrap();
    let error = init_sdk(
        &core,
        &core.base_url,
        local_app_info(),
        SessionConfig {
            session_expired_status_code: Some(403),
            ..SessionConfig::default()
        },
    )
    .unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, SuperTokensError::Config(_)));
    assert!(
        message.contains("session_expired_status_code")
            && message.contains("invalid_claim_status_code"),
        "{message}"
    );
}

/// Counts calls and adds a claim to every new session.
struct Counting {
    original: Arc<dyn SessionFunctions>,
    created: Arc<AtomicUsize>,
}

#[async_trait]
impl SessionFunctions for Counting {
    async fn create_new_session(
        &self,
        mut input: CreateNewSessionInput,
    ) -> supertokens::Result<SessionContainer> {
        self.created.fetch_add(1, Ordering::SeqCst);
        input
            .access_token_payload
            .insert("custom".into(), json!("from override"));
        self.original.create_new_session(input).await
    }
    async fn get_session(
        &self,
        input: GetSessionInput,
    ) -> supertokens::Result<Option<SessionContainer>> {
        self.original.get_session(input).await
    }
    async fn refresh_session(
        &self,
        input: RefreshSessionInput,
    ) -> supertokens::Result<SessionContainer> {
        self.original.refresh_session(input).await
    }
    async fn regenerate_access_token(
        &self,
        access_token: &str,
        payload: Option<supertokens_session::JsonObject>,
    ) -> supertokens::Result<Option<RegenerateAccessTokenResult>> {
        self.original
            .regenerate_access_token(access_token, payload)
            .await
    }
    async fn revoke_session(&self, handle: &str) -> supertokens::Result<bool> {
        self.original.revoke_session(handle).await
    }
    async fn revoke_multiple_sessions(
        &self,
        handles: &[String],
    ) -> supertokens::Result<Vec<String>> {
        self.original.revoke_multiple_sessions(handles).await
    }
    async fn revoke_all_sessions_for_user(
        &self,
        user_id: &str,
        options: &UserSessionsOptions,
    ) -> supertokens::Result<Vec<String>> {
        self.original
            .revoke_all_sessions_for_user(user_id, options)
            .await
    }
    async fn get_all_session_handles_for_user(
        &self,
        user_id: &str,
        options: &UserSessionsOptions,
    ) -> supertokens::Result<Vec<String>> {
        self.original
            .get_all_session_handles_for_user(user_id, options)
            .await
    }
    async fn get_session_information(
        &self,
        handle: &str,
    ) -> supertokens::Result<Option<SessionInformation>> {
        self.original.get_session_information(handle).await
    }
    async fn update_session_data_in_database(
        &self,
        handle: &str,
        data: supertokens_session::JsonObject,
    ) -> supertokens::Result<bool> {
        self.original
            .update_session_data_in_database(handle, data)
            .await
    }
    async fn merge_into_access_token_payload(
        &self,
        handle: &str,
        update: supertokens_session::JsonObject,
    ) -> supertokens::Result<bool> {
        self.original
            .merge_into_access_token_payload(handle, update)
            .await
    }
}

#[tokio::test]
async fn overrides_decorate_and_disabled_apis_are_not_routed() {
    let created = Arc::new(AtomicUsize::new(0));
    let counter = created.clone();
    let app = sdk_app(SessionConfig {
        override_functions: Some(Arc::new(move |original| {
            Arc::new(Counting {
                original,
                created: counter.clone(),
            })
        })),
        disable_signout_api: true,
        ..SessionConfig::default()
    })
    .await;
    let (session, _) = create_session(&app, "user-17", None).await;
    assert_eq!(created.load(Ordering::SeqCst), 1);
    assert_eq!(session.access_token_payload()["custom"], "from override");
    let signout = bearer_request(Method::POST, "/auth/signout", &session.access_token());
    assert!(app.st.handle(&signout).await.is_none());
    assert!(
        app.st
            .match_route(&Method::POST, "/auth/session/refresh")
            .is_some()
    );
    // The container reaches the overridden functions too.
    session.revoke_session().await.unwrap();
    assert!(
        app.session
            .get_session_information(session.session_handle())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn cors_headers_name_the_session_headers() {
    let app = sdk_app(SessionConfig::default()).await;
    let headers = app.st.all_cors_headers();
    for name in [
        "rid",
        "fdi-version",
        "anti-csrf",
        "authorization",
        "st-auth-mode",
    ] {
        assert!(headers.contains(&name), "{name} in {headers:?}");
    }
}

/// Regression: node serves the core's keys and an OpenID discovery document under the API
/// base path (its JWT and OpenId recipes are always on, and access tokens' `iss` points at
/// them); this SDK answered 404 to both.
#[tokio::test]
async fn public_keys_and_openid_discovery_are_served_like_node() {
    let app = sdk_app(SessionConfig::default()).await;
    let response = app
        .st
        .handle(&request(Method::GET, "/auth/jwt/jwks.json", &[]))
        .await
        .expect("the JWKS route is served");
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        header(&response.headers, "access-control-allow-origin"),
        Some("*")
    );
    let cache_control = header(&response.headers, "cache-control").unwrap();
    assert!(
        cache_control.starts_with("max-age=") && cache_control.ends_with(", must-revalidate"),
        "{cache_control}"
    );
    let from_core: Value = reqwest::get(format!("{}/.well-known/jwks.json", app.core.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body(&response), json!({"keys": from_core["keys"]}));
    // The key that signs new access tokens is in the set.
    let (session, _) = create_session(&app, "user-jwks", None).await;
    let kid = kid_of(&session.access_token());
    assert!(
        body(&response)["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|key| key["kid"] == kid.as_str()),
        "{kid}"
    );

    let response = app
        .st
        .handle(&request(
            Method::GET,
            "/auth/.well-known/openid-configuration",
            &[],
        ))
        .await
        .expect("the discovery route is served");
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        header(&response.headers, "access-control-allow-origin"),
        Some("*")
    );
    let issuer = "http://localhost:3001/auth";
    assert_eq!(jwt_payload(&session.access_token())["iss"], issuer);
    assert_eq!(
        body(&response),
        json!({
            "issuer": issuer,
            "jwks_uri": "http://localhost:3001/auth/jwt/jwks.json",
            "authorization_endpoint": "http://localhost:3001/auth/oauth/auth",
            "token_endpoint": "http://localhost:3001/auth/oauth/token",
            "userinfo_endpoint": "http://localhost:3001/auth/oauth/userinfo",
            "revocation_endpoint": "http://localhost:3001/auth/oauth/revoke",
            "token_introspection_endpoint": "http://localhost:3001/auth/oauth/introspect",
            "end_session_endpoint": "http://localhost:3001/auth/oauth/end_session",
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "id_token token"],
        })
    );

    // Apps that serve these themselves turn them off.
    let app = sdk_app(SessionConfig {
        disable_jwks_apis: true,
        ..SessionConfig::default()
    })
    .await;
    for path in [
        "/auth/jwt/jwks.json",
        "/auth/.well-known/openid-configuration",
    ] {
        assert!(
            app.st
                .handle(&request(Method::GET, path, &[]))
                .await
                .is_none(),
            "{path}"
        );
    }
}

fn kid_of(token: &str) -> String {
    use base64::Engine;
    let header = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_rotated_signing_key_is_fetched_when_first_seen() {
    let app = sdk_app(SessionConfig {
        jwks_refresh_interval: Some(Duration::from_secs(100 * 3600)),
        ..SessionConfig::default()
    })
    .await;
    let (first, _) = create_session(&app, "user-18", None).await;
    let verify = |token: String| {
        let session = app.session.clone();
        async move {
            let req = bearer_request(Method::GET, "/api", &token);
            session
                .get_session(&req, &VerifySessionOptions::default())
                .await
        }
    };
    verify(first.access_token()).await.unwrap();
    // The core rotates its dynamic key after a day and signs with the new one after 60 s.
    app.core.clock.advance(Duration::from_secs(25 * 3600));
    create_session(&app, "user-18", None).await;
    app.core.clock.advance(Duration::from_secs(61));
    let (rotated, _) = create_session(&app, "user-18", None).await;
    assert_ne!(
        kid_of(&first.access_token()),
        kid_of(&rotated.access_token())
    );
    let verified = verify(rotated.access_token()).await.unwrap().unwrap();
    assert_eq!(verified.session_handle(), rotated.session_handle());
}

#[tokio::test]
async fn tokens_signed_with_the_other_key_kind_ask_for_a_refresh() {
    let app = sdk_app(SessionConfig::default()).await;
    let (dynamic, headers) = create_session(&app, "user-19", None).await;
    assert!(kid_of(&dynamic.access_token()).starts_with("d-"));
    let static_sdk = init_sdk(
        &app.core,
        &app.core.base_url,
        local_app_info(),
        SessionConfig {
            use_dynamic_access_token_signing_key: Some(false),
            ..SessionConfig::default()
        },
    )
    .unwrap();
    let static_recipe = supertokens_session::SessionRecipe::from_supertokens(&static_sdk).unwrap();
    let req = bearer_request(Method::GET, "/api", &dynamic.access_token());
    let error = static_recipe
        .get_session(&req, &VerifySessionOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        SuperTokensError::Session(SessionError::TryRefreshToken { .. })
    ));
    // Refreshing re-mints with the configured key kind.
    let refresh = tokens_of(&headers).refresh.unwrap();
    let req = bearer_request(Method::POST, "/auth/session/refresh", &refresh);
    let refreshed = static_recipe.refresh_session(&req).await.unwrap();
    assert!(kid_of(&refreshed.access_token()).starts_with("s-"));
    // The static key appeared after the last JWKS fetch: it is fetched once the 500 ms
    // cooldown has passed.
    app.core.clock.advance(Duration::from_secs(1));
    let req = bearer_request(Method::GET, "/api", &refreshed.access_token());
    assert!(
        static_recipe
            .get_session(&req, &VerifySessionOptions::default())
            .await
            .unwrap()
            .is_some()
    );
}
