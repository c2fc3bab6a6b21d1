//! The middleware without a core: the SDK's rate limits per client address, with the peer
//! address actix gives. The flows against a real core are in
//! `tests/tests/e2e/actix_adapter.rs`.

use std::net::SocketAddr;

use actix_web::{App, test};
use serde_json::{Value, json};
use supertokens::rate_limit::{Limit, TrustedProxies};
use supertokens::{AppInfo, RateLimitConfig, SuperTokensConfig};

use super::*;

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
            http::StatusCode::OK,
            &json!({"status": "OK"}),
        ))
    }
}

fn middleware(rate_limits: RateLimitConfig) -> SuperTokensMiddleware {
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
    SuperTokensMiddleware::new(st)
}

fn sign_in_from(peer: &str, forwarded_for: Option<&str>) -> test::TestRequest {
    let mut request = test::TestRequest::post()
        .uri("/auth/t1/signin")
        .peer_addr(peer.parse::<SocketAddr>().unwrap())
        .set_payload("{}");
    if let Some(forwarded_for) = forwarded_for {
        request = request.insert_header(("x-forwarded-for", forwarded_for));
    }
    request
}

/// The status of the app's answer to a request.
macro_rules! status_of {
    ($app:expr, $request:expr) => {
        test::call_service($app, $request.to_request())
            .await
            .status()
            .as_u16()
    };
}

#[actix_web::test]
async fn the_31st_sign_in_from_one_address_in_a_minute_is_refused() {
    let app = test::init_service(App::new().wrap(middleware(RateLimitConfig::default()))).await;
    for attempt in 1..=30 {
        assert_eq!(
            status_of!(&app, sign_in_from("192.0.2.10:50000", None)),
            200,
            "attempt {attempt}"
        );
    }
    let response =
        test::call_service(&app, sign_in_from("192.0.2.10:50001", None).to_request()).await;
    assert_eq!(response.status().as_u16(), 429);
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: Value = serde_json::from_slice(&test::read_body(response).await).unwrap();
    assert_eq!(
        body,
        json!({"message": format!("Too many requests from this address; retry in {retry_after} s")})
    );
    // Another address is unaffected; the untrusted peer's X-Forwarded-For is ignored.
    assert_eq!(
        status_of!(&app, sign_in_from("192.0.2.11:50000", None)),
        200
    );
    assert_eq!(
        status_of!(&app, sign_in_from("192.0.2.10:50002", Some("198.51.100.1"))),
        429
    );
}

#[actix_web::test]
async fn behind_a_trusted_proxy_clients_are_told_apart_by_x_forwarded_for() {
    let app = test::init_service(App::new().wrap(middleware(RateLimitConfig {
        trusted_proxies: TrustedProxies::parse(["10.0.0.0/8", "::1"]).unwrap(),
        sign_in: Some(Limit::per_minute(2)),
        ..RateLimitConfig::default()
    })))
    .await;
    for _ in 0..2 {
        assert_eq!(
            status_of!(&app, sign_in_from("10.0.0.2:40000", Some("198.51.100.1"))),
            200
        );
    }
    assert_eq!(
        status_of!(&app, sign_in_from("[::1]:40000", Some("198.51.100.1"))),
        429
    );
    assert_eq!(
        status_of!(&app, sign_in_from("10.0.0.2:40000", Some("198.51.100.2"))),
        200
    );
}
