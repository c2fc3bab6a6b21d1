//! Session cookies as a browser receives them: sign-in through the axum adapter in cookie
//! mode, for a user whose session carries realistic claims (email verification, three roles
//! and a dozen permissions). Both cookies are HttpOnly; Secure exactly when the API domain
//! is https (or as configured); SameSite as configured or defaulted (lax for same-site
//! apps, none — always with Secure — across sites); the access cookie on `/`, the refresh
//! cookie only on `<apiBasePath>/session/refresh`; every `Set-Cookie` line under 4 KiB; the
//! `front-token` header present and exposed to the frontend. Refresh and sign-out keep the
//! same attributes, and configurations that browsers would refuse are refused at init.

use std::sync::Arc;

use axum::Router;
use cookie::{Cookie, SameSite};
use http::{HeaderMap, Method, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use supertokens::{AppInfo, SuperTokens, SuperTokensConfig};
use supertokens_axum::SuperTokensLayer;
use supertokens_emailpassword::{CapturingEmailDelivery, EmailPasswordConfig};
use supertokens_emailverification::{EmailVerificationConfig, EmailVerificationMode};
use supertokens_session::{CookieSameSite, SessionConfig};
use supertokens_tests::{API_KEY, TestCore, TestCoreOptions, start_core};
use supertokens_userroles::UserRolesConfig;
use tower::ServiceExt;

use super::sdk_support::{CoreClock, decode_front_token};

const PASSWORD: &str = "Passw0rd-cookies-1";
/// Browsers keep cookies of up to 4096 bytes (name, value and attributes).
const COOKIE_LIMIT: usize = 4096;

const ROLES: [(&str, &[&str]); 3] = [
    (
        "admin",
        &[
            "users:read",
            "users:write",
            "users:delete",
            "billing:read",
            "billing:write",
        ],
    ),
    (
        "editor",
        &["posts:read", "posts:write", "posts:publish", "media:upload"],
    ),
    ("viewer", &["posts:read", "comments:read", "comments:write"]),
];

fn app_info(api_domain: &str, website_domain: &str, api_base_path: Option<&str>) -> AppInfo {
    AppInfo {
        app_name: "Cookie App".into(),
        api_domain: api_domain.into(),
        website_domain: website_domain.into(),
        api_base_path: api_base_path.map(str::to_owned),
        website_base_path: None,
    }
}

fn init(
    core: &TestCore,
    app_info: AppInfo,
    session: SessionConfig,
) -> supertokens::Result<Arc<SuperTokens>> {
    let outbox = CapturingEmailDelivery::new();
    supertokens::init(SuperTokensConfig {
        app_info,
        connection_uri: core.base_url.clone(),
        api_key: Some(API_KEY.into()),
        recipe_list: vec![
            supertokens_emailpassword::init(EmailPasswordConfig {
                email_delivery: Some(Arc::new(outbox.clone())),
                ..Default::default()
            }),
            supertokens_emailverification::init(EmailVerificationConfig {
                email_delivery: Some(Arc::new(outbox)),
                ..EmailVerificationConfig::new(EmailVerificationMode::Optional)
            }),
            supertokens_userroles::init(UserRolesConfig::default()),
            supertokens_session::init(SessionConfig {
                clock: Some(Arc::new(CoreClock(core.clock.clone()))),
                ..session
            }),
        ],
        rate_limits: supertokens::RateLimitConfig::disabled(),
    })
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

async fn call(
    st: &Arc<SuperTokens>,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    let mut builder = http::Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let body = body.map_or_else(axum::body::Body::empty, |body| {
        axum::body::Body::from(body.to_string())
    });
    let response = Router::new()
        .layer(SuperTokensLayer::new(st.clone()))
        .oneshot(builder.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// The `Set-Cookie` lines of an answer by cookie name: the raw line and its parse.
fn set_cookies(headers: &HeaderMap) -> Vec<(String, Cookie<'static>)> {
    headers
        .get_all(http::header::SET_COOKIE)
        .iter()
        .map(|line| {
            let line = line.to_str().unwrap().to_owned();
            let cookie = Cookie::parse(line.clone()).unwrap();
            (line, cookie)
        })
        .collect()
}

fn cookie<'a>(
    cookies: &'a [(String, Cookie<'static>)],
    name: &str,
) -> &'a (String, Cookie<'static>) {
    cookies
        .iter()
        .find(|(_, cookie)| cookie.name() == name)
        .unwrap_or_else(|| panic!("no {name} cookie in {cookies:?}"))
}

/// The attributes every session cookie must have under one configuration.
#[derive(Debug, Clone, Copy)]
struct Expected {
    secure: bool,
    same_site: SameSite,
    refresh_path: &'static str,
}

/// Checks one `Set-Cookie` line of a session cookie.
fn check_cookie(
    case: &str,
    (line, cookie): &(String, Cookie<'static>),
    expected: Expected,
    refresh: bool,
) {
    assert_eq!(cookie.http_only(), Some(true), "{case}: {line}");
    assert_eq!(
        cookie.secure().unwrap_or(false),
        expected.secure,
        "{case}: {line}"
    );
    assert_eq!(
        cookie.same_site(),
        Some(expected.same_site),
        "{case}: {line}"
    );
    let path = if refresh { expected.refresh_path } else { "/" };
    assert_eq!(cookie.path(), Some(path), "{case}: {line}");
    assert_eq!(
        cookie.domain(),
        None,
        "{case}: no Domain unless configured: {line}"
    );
    assert!(cookie.expires().is_some(), "{case}: {line}");
    assert!(
        line.len() < COOKIE_LIMIT,
        "{case}: a {}-byte Set-Cookie line",
        line.len()
    );
    if expected.same_site == SameSite::None {
        assert!(expected.secure, "{case}: SameSite=None without Secure");
    }
}

/// Signs a user with roles up and in (cookie mode) and checks the cookies of the sign-in, a
/// refresh and the sign-out. Returns the sizes of the sign-in's access and refresh lines.
async fn check_configuration(
    case: &str,
    app_info: AppInfo,
    session: SessionConfig,
    expected: Expected,
) -> (usize, usize) {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let base = app_info
        .api_base_path
        .clone()
        .unwrap_or_else(|| "/auth".into());
    let st = init(&core, app_info, session).unwrap();
    let email = format!("cookie-user-{}@example.com", uuid::Uuid::new_v4().simple());
    let form = json!({"formFields": [
        {"id": "email", "value": email},
        {"id": "password", "value": PASSWORD},
    ]});
    let fdi = [
        ("rid", "emailpassword"),
        ("fdi-version", "4.0"),
        ("st-auth-mode", "cookie"),
    ];
    let signed_up = call(
        &st,
        Method::POST,
        &format!("{base}/signup"),
        &fdi,
        Some(form.clone()),
    )
    .await;
    assert_eq!(signed_up.body["status"], "OK", "{case}: {}", signed_up.body);
    let user_id = signed_up.body["user"]["id"].as_str().unwrap().to_owned();
    for (role, permissions) in ROLES {
        supertokens_userroles::create_new_role_or_add_permissions(&st, role, permissions)
            .await
            .unwrap();
        supertokens_userroles::add_role_to_user(&st, "public", &user_id, role)
            .await
            .unwrap();
    }

    let signed_in = call(
        &st,
        Method::POST,
        &format!("{base}/signin"),
        &fdi,
        Some(form),
    )
    .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{case}");
    assert_eq!(signed_in.body["status"], "OK", "{case}: {}", signed_in.body);
    let cookies = set_cookies(&signed_in.headers);
    let access = cookie(&cookies, "sAccessToken");
    let refresh = cookie(&cookies, "sRefreshToken");
    check_cookie(case, access, expected, false);
    check_cookie(case, refresh, expected, true);
    // The claims are really in the token the cookie carries.
    let front = signed_in.headers["front-token"].to_str().unwrap();
    let payload = decode_front_token(front)["up"].clone();
    assert_eq!(payload["st-ev"]["v"], false, "{case}: {payload}");
    assert_eq!(
        payload["st-role"]["v"].as_array().unwrap().len(),
        3,
        "{case}: {payload}"
    );
    assert_eq!(
        payload["st-perm"]["v"].as_array().unwrap().len(),
        11,
        "{case}: {payload}"
    );
    // Cookie mode: the frontend reads only the front token; the tokens stay HttpOnly.
    assert_eq!(
        signed_in.headers["access-control-expose-headers"], "front-token",
        "{case}"
    );
    for header in ["st-access-token", "st-refresh-token"] {
        assert!(signed_in.headers.get(header).is_none(), "{case}: {header}");
    }
    let sizes = (access.0.len(), refresh.0.len());

    // A refresh sets both again with the same attributes (the refresh cookie is sent only
    // to its path, which the request here names).
    let refresh_cookie = format!("sRefreshToken={}", refresh.1.value());
    let refreshed = call(
        &st,
        Method::POST,
        &format!("{base}/session/refresh"),
        &[
            ("rid", "session"),
            ("fdi-version", "4.0"),
            ("cookie", &refresh_cookie),
        ],
        None,
    )
    .await;
    assert_eq!(
        refreshed.status,
        StatusCode::OK,
        "{case}: refresh {}",
        refreshed.body
    );
    let cookies = set_cookies(&refreshed.headers);
    check_cookie(case, cookie(&cookies, "sAccessToken"), expected, false);
    check_cookie(case, cookie(&cookies, "sRefreshToken"), expected, true);
    assert!(refreshed.headers.get("front-token").is_some(), "{case}");
    assert_eq!(
        refreshed.headers["access-control-expose-headers"], "front-token",
        "{case}"
    );

    // Sign-out clears both on the same paths with the same attributes.
    let access_cookie = format!(
        "sAccessToken={}",
        cookie(&cookies, "sAccessToken").1.value()
    );
    let signed_out = call(
        &st,
        Method::POST,
        &format!("{base}/signout"),
        &[
            ("rid", "session"),
            ("fdi-version", "4.0"),
            ("cookie", &access_cookie),
        ],
        None,
    )
    .await;
    assert_eq!(
        signed_out.status,
        StatusCode::OK,
        "{case}: signout {}",
        signed_out.body
    );
    let cookies = set_cookies(&signed_out.headers);
    for (name, is_refresh) in [("sAccessToken", false), ("sRefreshToken", true)] {
        let cleared = cookie(&cookies, name);
        check_cookie(case, cleared, expected, is_refresh);
        assert_eq!(cleared.1.value(), "", "{case}: {name} cleared");
        assert_eq!(
            cleared.1.expires_datetime().map(|at| at.unix_timestamp()),
            Some(0),
            "{case}: {name} expired"
        );
    }
    assert_eq!(signed_out.headers["front-token"], "remove", "{case}");
    sizes
}

#[tokio::test]
async fn session_cookies_follow_the_configuration() {
    let cases = [
        (
            "http localhost (defaults)",
            app_info("http://localhost:3001", "http://localhost:3000", None),
            SessionConfig::default(),
            Expected {
                secure: false,
                same_site: SameSite::Lax,
                refresh_path: "/auth/session/refresh",
            },
        ),
        (
            "https, same site, custom API base path",
            app_info(
                "https://api.example.com",
                "https://example.com",
                Some("/api/auth"),
            ),
            SessionConfig::default(),
            Expected {
                secure: true,
                same_site: SameSite::Lax,
                refresh_path: "/api/auth/session/refresh",
            },
        ),
        (
            "https, cross-site (SameSite defaults to none)",
            app_info("https://api.example.com", "https://shop.example.org", None),
            SessionConfig::default(),
            Expected {
                secure: true,
                same_site: SameSite::None,
                refresh_path: "/auth/session/refresh",
            },
        ),
        (
            "https, SameSite strict configured",
            app_info("https://api.example.com", "https://example.com", None),
            SessionConfig {
                cookie_same_site: Some(CookieSameSite::Strict),
                ..SessionConfig::default()
            },
            Expected {
                secure: true,
                same_site: SameSite::Strict,
                refresh_path: "/auth/session/refresh",
            },
        ),
        (
            "https, SameSite none configured",
            app_info("https://api.example.com", "https://example.com", None),
            SessionConfig {
                cookie_same_site: Some(CookieSameSite::None),
                ..SessionConfig::default()
            },
            Expected {
                secure: true,
                same_site: SameSite::None,
                refresh_path: "/auth/session/refresh",
            },
        ),
        (
            "http localhost, SameSite lax configured, Secure forced",
            app_info("http://localhost:3001", "http://localhost:3000", None),
            SessionConfig {
                cookie_same_site: Some(CookieSameSite::Lax),
                cookie_secure: Some(true),
                ..SessionConfig::default()
            },
            Expected {
                secure: true,
                same_site: SameSite::Lax,
                refresh_path: "/auth/session/refresh",
            },
        ),
    ];
    for (case, app_info, session, expected) in cases {
        let (access, refresh) = check_configuration(case, app_info, session, expected).await;
        println!("{case}: Set-Cookie sAccessToken {access} bytes, sRefreshToken {refresh} bytes");
    }
}

#[tokio::test]
async fn same_site_none_without_secure_is_refused_for_remote_sites() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let refused = [
        // Cross-site over http: the default would be none, which needs Secure.
        (
            app_info("http://api.example.com", "http://shop.example.org", None),
            SessionConfig::default(),
        ),
        // none asked for explicitly over http.
        (
            app_info("http://api.example.com", "http://example.com", None),
            SessionConfig {
                cookie_same_site: Some(CookieSameSite::None),
                ..SessionConfig::default()
            },
        ),
        // Secure switched off on https with none.
        (
            app_info("https://api.example.com", "https://shop.example.org", None),
            SessionConfig {
                cookie_secure: Some(false),
                ..SessionConfig::default()
            },
        ),
    ];
    for (app_info, session) in refused {
        let domain = app_info.api_domain.clone();
        let error = init(&core, app_info, session)
            .err()
            .unwrap_or_else(|| panic!("{domain}: accepted"));
        assert!(
            error.to_string().contains("cookie_secure"),
            "{domain}: {error}"
        );
    }
}

#[tokio::test]
async fn header_mode_exposes_exactly_the_session_headers() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let st = init(
        &core,
        app_info("https://api.example.com", "https://example.com", None),
        SessionConfig::default(),
    )
    .unwrap();
    let form = json!({"formFields": [
        {"id": "email", "value": "header-mode@example.com"},
        {"id": "password", "value": PASSWORD},
    ]});
    let fdi = [
        ("rid", "emailpassword"),
        ("fdi-version", "4.0"),
        ("st-auth-mode", "header"),
    ];
    let answer = call(&st, Method::POST, "/auth/signup", &fdi, Some(form)).await;
    assert_eq!(answer.body["status"], "OK", "{}", answer.body);
    assert!(answer.headers.get(http::header::SET_COOKIE).is_none());
    let mut exposed: Vec<&str> = answer.headers["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .split(',')
        .map(str::trim)
        .collect();
    exposed.sort_unstable();
    assert_eq!(
        exposed,
        ["front-token", "st-access-token", "st-refresh-token"]
    );
    for header in exposed {
        assert!(answer.headers.get(header).is_some(), "{header}");
    }
}
