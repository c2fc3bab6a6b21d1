//! The limits as `SuperTokens::handle` applies them: before the recipe runs, for every
//! tenant, and a core's `429` mapped to the FDI's.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use http::{HeaderMap, Method, StatusCode};

use super::*;
use crate::recipe::{ApiContext, ApiRoute, Recipe, recipe_builder};
use crate::{AppInfo, SuperTokens, SuperTokensConfig};

/// Serves `POST /signin` (200, counting its calls) and `POST /core-limited` (the core's 429).
#[derive(Default)]
struct StubRecipe {
    calls: Arc<AtomicUsize>,
}

#[async_trait]
impl Recipe for StubRecipe {
    fn recipe_id(&self) -> &'static str {
        "stub"
    }

    fn routes(&self) -> Vec<ApiRoute> {
        vec![
            ApiRoute::tenant_scoped(Method::POST, "/signin", "signin"),
            ApiRoute::tenant_scoped(Method::POST, "/core-limited", "core-limited"),
        ]
    }

    async fn handle(&self, api_id: &str, _context: &ApiContext<'_>) -> Result<SdkResponse> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match api_id {
            "signin" => Ok(SdkResponse::message(StatusCode::OK, "served")),
            _ => Err(SuperTokensError::RateLimited {
                path: "/recipe/signin".into(),
                retry_after_seconds: 42,
            }),
        }
    }
}

fn supertokens(rate_limits: RateLimitConfig) -> (Arc<SuperTokens>, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let recipe_calls = calls.clone();
    let st = crate::init(SuperTokensConfig {
        app_info: AppInfo {
            app_name: "t".into(),
            api_domain: "http://localhost:3001".into(),
            website_domain: "http://localhost:3000".into(),
            api_base_path: None,
            website_base_path: None,
        },
        // Never contacted.
        connection_uri: "http://127.0.0.1:9".into(),
        api_key: None,
        recipe_list: vec![recipe_builder((), move |(), _context| {
            Ok(StubRecipe {
                calls: recipe_calls,
            })
        })],
        rate_limits,
    })
    .unwrap();
    (st, calls)
}

fn sign_in(path: &str, peer: &str) -> SdkRequest {
    SdkRequest::new(Method::POST, path, HeaderMap::new())
        .with_body(bytes::Bytes::from_static(b"not even JSON"))
        .with_peer_addr(peer.parse().unwrap())
}

#[tokio::test]
async fn over_the_limit_the_recipe_is_not_reached_and_tenants_count_together() {
    let (st, calls) = supertokens(RateLimitConfig {
        sign_in: Some(Limit::per_minute(3)),
        ..RateLimitConfig::default()
    });
    for path in ["/auth/signin", "/auth/t1/signin", "/auth/T2/signin/"] {
        let response = st.handle(&sign_in(path, "192.0.2.1")).await.unwrap();
        assert_eq!(response.status, StatusCode::OK, "{path}");
    }
    let refused = st
        .handle(&sign_in("/auth/t3/signin", "192.0.2.1"))
        .await
        .unwrap();
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let seconds: u64 = refused.headers[http::header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&seconds), "{seconds}");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "the refused request never reached the recipe"
    );
    let other = st
        .handle(&sign_in("/auth/signin", "2001:db8::1"))
        .await
        .unwrap();
    assert_eq!(other.status, StatusCode::OK);
    // Routes that are not limited are not counted.
    assert!(
        st.handle(&SdkRequest::new(
            Method::GET,
            "/auth/signin",
            HeaderMap::new()
        ))
        .await
        .is_none()
    );
}

#[tokio::test]
async fn disabled_limits_let_everything_through() {
    let (st, calls) = supertokens(RateLimitConfig::disabled());
    for _ in 0..100 {
        let response = st
            .handle(&sign_in("/auth/signin", "192.0.2.1"))
            .await
            .unwrap();
        assert_eq!(response.status, StatusCode::OK);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 100);
}

#[tokio::test]
async fn a_core_429_becomes_the_fdi_429_with_its_retry_after() {
    let (st, _calls) = supertokens(RateLimitConfig::default());
    let response = st
        .handle(&sign_in("/auth/core-limited", "192.0.2.1"))
        .await
        .unwrap();
    assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers[http::header::RETRY_AFTER], "42");
    assert_eq!(
        response.headers[http::header::CONTENT_TYPE],
        "application/json; charset=utf-8"
    );
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"message": "Too many requests; retry in 42 s"})
    );
}

#[test]
fn bad_limits_fail_init() {
    let error = crate::init(SuperTokensConfig {
        app_info: AppInfo {
            app_name: "t".into(),
            api_domain: "http://localhost:3001".into(),
            website_domain: "http://localhost:3000".into(),
            api_base_path: None,
            website_base_path: None,
        },
        connection_uri: "http://127.0.0.1:9".into(),
        api_key: None,
        recipe_list: vec![recipe_builder((), |(), _context| Ok(StubRecipe::default()))],
        rate_limits: RateLimitConfig {
            password_reset: Some(Limit::per_minute(0)),
            ..RateLimitConfig::default()
        },
    })
    .unwrap_err();
    assert!(
        error.to_string().contains("rate_limits.password_reset"),
        "{error}"
    );
}
