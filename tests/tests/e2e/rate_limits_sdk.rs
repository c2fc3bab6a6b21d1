//! The SDK's rate limits per client address, end to end: apps served over real TCP (axum with
//! `ConnectInfo`, actix-web's `HttpServer`) in front of an in-process core, requests from
//! different loopback addresses (127.0.0.1, 127.0.0.2, …), a trusted proxy's
//! `X-Forwarded-For`, two app instances sharing counters in Redis (127.0.0.1:6379, a key
//! prefix per test, cleared at the end), and a core's `429` reaching the frontend.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use serde_json::{Value, json};
use supertokens::rate_limit::{Limit, RateLimitStore, RedisStore, TrustedProxies};
use supertokens::{AppInfo, RateLimitConfig, SuperTokens, SuperTokensConfig};
use supertokens_axum::SuperTokensLayer;
use supertokens_emailpassword::EmailPasswordConfig;
use supertokens_session::SessionConfig;
use supertokens_tests::{API_KEY, TestCoreOptions, start_core};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const REDIS_URL: &str = "redis://127.0.0.1:6379";

fn init(connection_uri: &str, rate_limits: RateLimitConfig) -> Arc<SuperTokens> {
    supertokens::init(SuperTokensConfig {
        app_info: AppInfo {
            app_name: "Rate limits".into(),
            api_domain: "http://localhost:3001".into(),
            website_domain: "http://localhost:3000".into(),
            api_base_path: None,
            website_base_path: None,
        },
        connection_uri: connection_uri.to_owned(),
        api_key: Some(API_KEY.into()),
        recipe_list: vec![
            supertokens_session::init(SessionConfig::default()),
            supertokens_emailpassword::init(EmailPasswordConfig::default()),
        ],
        rate_limits,
    })
    .unwrap()
}

/// Serves the SDK with axum on a loopback port, as an app does: with `ConnectInfo`.
async fn serve_axum(st: Arc<SuperTokens>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().layer(SuperTokensLayer::new(st));
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    url
}

/// A client whose connections come from `source` (any 127.0.0.0/8 address on Linux).
fn client_from(source: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(Some(source.parse::<IpAddr>().unwrap()))
        .build()
        .unwrap()
}

struct Reply {
    status: u16,
    retry_after: Option<u64>,
    body: Value,
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    body: &Value,
    headers: &[(&str, &str)],
) -> Reply {
    let mut request = client.post(url).json(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().unwrap().parse().unwrap());
    let body = response.json().await.unwrap_or(Value::Null);
    Reply {
        status,
        retry_after,
        body,
    }
}

fn credentials(email: &str) -> Value {
    json!({"formFields": [
        {"id": "email", "value": email},
        {"id": "password", "value": "Passw0rd-rate"},
    ]})
}

/// A refusal by the SDK's per-address limit, with a sane `Retry-After`.
fn assert_refused_by_address(reply: &Reply, window_seconds: u64) {
    assert_eq!(reply.status, 429, "{:?}", reply.body);
    let seconds = reply.retry_after.expect("a 429 carries Retry-After");
    assert!(
        (1..=window_seconds).contains(&seconds),
        "Retry-After {seconds}"
    );
    assert_eq!(
        reply.body,
        json!({"message": format!("Too many requests from this address; retry in {seconds} s")})
    );
}

#[tokio::test]
async fn axum_counts_sign_ins_per_client_address_across_tenant_paths() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let url = serve_axum(init(&core.base_url, RateLimitConfig::default())).await;
    let first = client_from("127.0.0.1");
    // 30 sign-ins (the default) from one address, under both paths of the public tenant:
    // unknown accounts, each its own, so that only the per-address limit applies.
    for attempt in 0..30 {
        let path = if attempt % 2 == 0 {
            "/auth/signin"
        } else {
            "/auth/public/signin"
        };
        let reply = post(
            &first,
            &format!("{url}{path}"),
            &credentials(&format!("nobody-{attempt}@example.com")),
            &[],
        )
        .await;
        assert_eq!(reply.status, 200, "attempt {attempt}: {:?}", reply.body);
        assert_eq!(reply.body["status"], "WRONG_CREDENTIALS_ERROR");
    }
    let refused = post(
        &first,
        &format!("{url}/auth/signin"),
        &credentials("nobody-31@example.com"),
        &[],
    )
    .await;
    assert_refused_by_address(&refused, 60);
    // Another address is unaffected; sign-ups are counted apart.
    let second = client_from("127.0.0.2");
    let reply = post(
        &second,
        &format!("{url}/auth/signin"),
        &credentials("nobody-32@example.com"),
        &[],
    )
    .await;
    assert_eq!(reply.status, 200);
    let reply = post(
        &first,
        &format!("{url}/auth/signup"),
        &credentials("someone@example.com"),
        &[],
    )
    .await;
    assert_eq!(reply.body["status"], "OK");
}

#[actix_web::test]
async fn actix_counts_sign_ups_per_client_address() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let st = init(&core.base_url, RateLimitConfig::default());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new().wrap(supertokens_actix::SuperTokensMiddleware::new(st.clone()))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let first = client_from("127.0.0.3");
    for n in 0..10 {
        let reply = post(
            &first,
            &format!("{url}/auth/signup"),
            &credentials(&format!("actix-{n}@example.com")),
            &[],
        )
        .await;
        assert_eq!(reply.body["status"], "OK", "sign-up {n}: {:?}", reply.body);
    }
    let refused = post(
        &first,
        &format!("{url}/auth/signup"),
        &credentials("actix-10@example.com"),
        &[],
    )
    .await;
    assert_refused_by_address(&refused, 60);
    let reply = post(
        &client_from("127.0.0.4"),
        &format!("{url}/auth/signup"),
        &credentials("actix-11@example.com"),
        &[],
    )
    .await;
    assert_eq!(reply.body["status"], "OK");
    handle.stop(true).await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_counted() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let url = serve_axum(init(
        &core.base_url,
        RateLimitConfig {
            // The proxy connects from 127.0.0.1; 127.0.0.5 is a client that connects directly.
            trusted_proxies: TrustedProxies::parse(["127.0.0.1/32"]).unwrap(),
            password_reset: Some(Limit::per_minute(2)),
            ..RateLimitConfig::default()
        },
    ))
    .await;
    let proxy = client_from("127.0.0.1");
    let reset = |email: &str| json!({"formFields": [{"id": "email", "value": email}]});
    let token_url = format!("{url}/auth/user/password/reset/token");
    for _ in 0..2 {
        let reply = post(
            &proxy,
            &token_url,
            &reset("a@example.com"),
            &[("x-forwarded-for", "203.0.113.1")],
        )
        .await;
        assert_eq!(reply.body, json!({"status": "OK"}));
    }
    // The same client through the proxy again, also on the other reset route: refused.
    let refused = post(
        &proxy,
        &format!("{url}/auth/user/password/reset"),
        &json!({"method": "token", "token": "x", "formFields": []}),
        &[("x-forwarded-for", "203.0.113.1")],
    )
    .await;
    assert_refused_by_address(&refused, 60);
    // Another client behind the proxy, with a spoofed entry to the left: counted apart.
    let reply = post(
        &proxy,
        &token_url,
        &reset("a@example.com"),
        &[("x-forwarded-for", "203.0.113.1, 203.0.113.2")],
    )
    .await;
    assert_eq!(reply.body, json!({"status": "OK"}));
    // A client that is not a trusted proxy cannot choose its key with the header.
    let direct = client_from("127.0.0.5");
    for expected in [200, 200, 429] {
        let reply = post(
            &direct,
            &token_url,
            &reset("b@example.com"),
            &[("x-forwarded-for", "203.0.113.77")],
        )
        .await;
        assert_eq!(reply.status, expected);
    }
    let reply = post(
        &proxy,
        &token_url,
        &reset("b@example.com"),
        &[("x-forwarded-for", "203.0.113.77")],
    )
    .await;
    assert_eq!(reply.status, 200, "203.0.113.77 itself was never counted");
}

fn unique_prefix(test: &str) -> String {
    format!("supertokens-e2e:{}:{test}:", std::process::id())
}

async fn redis_store(prefix: &str) -> RedisStore {
    RedisStore::connect(REDIS_URL)
        .await
        .unwrap_or_else(|error| panic!("this test needs Redis at {REDIS_URL}: {error}"))
        .with_prefix(prefix)
}

#[tokio::test]
async fn app_instances_on_one_redis_share_their_counts() {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let prefix = unique_prefix("shared");
    let shared = redis_store(&prefix).await;
    shared.clear().await.unwrap();
    let instance = |store: Arc<dyn RateLimitStore>| {
        init(
            &core.base_url,
            RateLimitConfig {
                store: Some(store),
                ..RateLimitConfig::default()
            },
        )
    };
    // Two instances of the app, each with its own connection to the same Redis.
    let a = serve_axum(instance(Arc::new(redis_store(&prefix).await))).await;
    let b = serve_axum(instance(Arc::new(redis_store(&prefix).await))).await;
    let elsewhere_store = redis_store(&unique_prefix("shared-elsewhere")).await;
    elsewhere_store.clear().await.unwrap();
    let elsewhere = serve_axum(instance(Arc::new(elsewhere_store.clone()))).await;

    let client = client_from("127.0.0.6");
    for n in 0..10 {
        let url = if n % 2 == 0 { &a } else { &b };
        let reply = post(
            &client,
            &format!("{url}/auth/signup"),
            &credentials(&format!("shared-{n}@example.com")),
            &[],
        )
        .await;
        assert_eq!(reply.body["status"], "OK", "sign-up {n}: {:?}", reply.body);
    }
    for url in [&a, &b] {
        let refused = post(
            &client,
            &format!("{url}/auth/signup"),
            &credentials("shared-x@example.com"),
            &[],
        )
        .await;
        assert_refused_by_address(&refused, 60);
    }
    // An app counting under another prefix is unaffected.
    let reply = post(
        &client,
        &format!("{elsewhere}/auth/signup"),
        &credentials("elsewhere@example.com"),
        &[],
    )
    .await;
    assert_eq!(reply.body["status"], "OK");
    assert!(shared.clear().await.unwrap() >= 1);
    assert!(elsewhere_store.clear().await.unwrap() >= 1);
}

/// A core that answers `/apiversion` and refuses every other call with `429`,
/// `Retry-After: 7` and a text body, as the core's per-account limits do.
async fn refusing_core() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = vec![0_u8; 16 * 1024];
                let mut read = 0;
                loop {
                    match socket.read(&mut buffer[read..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read += n,
                    }
                    let text = String::from_utf8_lossy(&buffer[..read]);
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|line| {
                                let (name, value) = line.split_once(':')?;
                                name.eq_ignore_ascii_case("content-length")
                                    .then(|| value.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if read >= end + 4 + length {
                            break;
                        }
                    }
                }
                let request = String::from_utf8_lossy(&buffer[..read]).into_owned();
                let answer = if request.starts_with("GET /apiversion ") {
                    let body = r#"{"versions":["5.4"]}"#;
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                } else {
                    let body = "Too many sign-in attempts for this account";
                    format!(
                        "HTTP/1.1 429 Too Many Requests\r\ncontent-type: text/plain\r\nretry-after: 7\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    url
}

#[tokio::test]
async fn a_core_429_reaches_the_frontend_as_an_fdi_429() {
    let core_url = refusing_core().await;
    let url = serve_axum(init(&core_url, RateLimitConfig::default())).await;
    let reply = post(
        &client_from("127.0.0.7"),
        &format!("{url}/auth/signin"),
        &credentials("victim@example.com"),
        &[],
    )
    .await;
    assert_eq!(reply.status, 429, "{:?}", reply.body);
    assert_eq!(reply.retry_after, Some(7));
    assert_eq!(
        reply.body,
        json!({"message": "Too many requests; retry in 7 s"})
    );
}

#[tokio::test]
async fn the_real_cores_per_account_delay_reaches_the_frontend_as_an_fdi_429() {
    use std::time::Duration;

    use supertokens_core_engine::config::SignInBackoff;

    // The core's per-account limit, set here so that the test does not hang on its defaults:
    // two free failures, then 30 s before the next attempt (the core's clock stands still).
    let mut options = TestCoreOptions::default();
    options.config.rate_limits = supertokens_core_engine::RateLimitConfig {
        sign_in: SignInBackoff {
            free_failures: 2,
            base_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(60),
            failure_memory: Duration::from_secs(3600),
        },
        ..supertokens_core_engine::RateLimitConfig::default()
    };
    let core = start_core(options).await.unwrap();
    let url = serve_axum(init(&core.base_url, RateLimitConfig::default())).await;
    let client = client_from("127.0.0.8");
    let reply = post(
        &client,
        &format!("{url}/auth/signup"),
        &credentials("victim@example.com"),
        &[],
    )
    .await;
    assert_eq!(reply.body["status"], "OK");
    let wrong = json!({"formFields": [
        {"id": "email", "value": "victim@example.com"},
        {"id": "password", "value": "not-the-password-1"},
    ]});
    for _ in 0..2 {
        let reply = post(&client, &format!("{url}/auth/signin"), &wrong, &[]).await;
        assert_eq!(reply.body["status"], "WRONG_CREDENTIALS_ERROR");
    }
    // Refused by the core (the SDK's own per-address limit is far away).
    let reply = post(
        &client,
        &format!("{url}/auth/signin"),
        &credentials("victim@example.com"),
        &[],
    )
    .await;
    assert_eq!(reply.status, 429, "{:?}", reply.body);
    assert_eq!(reply.retry_after, Some(30));
    assert_eq!(
        reply.body,
        json!({"message": "Too many requests; retry in 30 s"})
    );
}
