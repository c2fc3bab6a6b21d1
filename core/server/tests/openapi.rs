//! The committed OpenAPI document (`core/openapi.json`) is the one the code generates, and it
//! documents exactly the operations the router serves.
//!
//! After changing a route or a wire type, regenerate the document with
//! `UPDATE_OPENAPI=1 cargo test -p supertokens-core-http --test openapi`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use supertokens_core_engine::{Apps, Core, CoreConfig, ManualClock};
use supertokens_core_http::{AppState, Observability, ServerConfig, openapi, router, routing};
use supertokens_crypto::password::PasswordHashingPolicy;
use supertokens_crypto::random::OsRandom;
use supertokens_storage::{ConnectOptions, connect_with_apps};
use tower::ServiceExt;

/// Epoch ms of the test clocks (nothing here depends on time).
const START_MS: i64 = 1_800_000_000_000;
const REGENERATE: &str = "UPDATE_OPENAPI=1 cargo test -p supertokens-core-http --test openapi";

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi.json")
}

#[test]
fn committed_document_is_the_generated_one() {
    let generated = openapi::document_json().unwrap();
    let path = committed_path();
    if std::env::var_os("UPDATE_OPENAPI").is_some_and(|value| value == "1") {
        std::fs::write(&path, &generated).unwrap();
        eprintln!("wrote {}", path.display());
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read {} ({error}); generate it with `{REGENERATE}`",
            path.display()
        )
    });
    if committed != generated {
        let first_difference = committed
            .lines()
            .zip(generated.lines())
            .enumerate()
            .find(|(_, (old, new))| old != new)
            .map(|(index, (old, new))| {
                format!(
                    "line {}:\n  committed: {old}\n  generated: {new}",
                    index + 1
                )
            })
            .unwrap_or_else(|| "the documents differ in length".to_owned());
        panic!(
            "{} is not the document the code generates ({first_difference}).\n\
             Regenerate it with `{REGENERATE}` and commit the result.",
            openapi::COMMITTED_PATH
        );
    }
}

#[test]
fn document_is_openapi_3_1_with_unique_operation_ids() {
    let document: serde_json::Value =
        serde_json::from_str(&openapi::document_json().unwrap()).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let mut ids = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap().to_owned();
            assert!(ids.insert(id.clone()), "{method} {path}: duplicate id {id}");
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.contains_key("200"), "{method} {path}: no 200");
            assert!(responses.contains_key("500"), "{method} {path}: no 500");
        }
    }
    assert!(ids.len() > 60, "only {} operations", ids.len());
    // The rate-limited routes document 429 with Retry-After.
    let too_many = &document["components"]["responses"]["TooManyRequests"];
    assert!(too_many["headers"]["Retry-After"].is_object(), "{too_many}");
    for (method, path) in openapi::RATE_LIMITED_ROUTES {
        let response = &document["paths"][path][method]["responses"]["429"];
        assert_eq!(
            response["$ref"], "#/components/responses/TooManyRequests",
            "{method} {path}"
        );
    }
}

#[test]
fn every_reference_resolves() {
    fn walk(value: &serde_json::Value, document: &serde_json::Value, broken: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(target)) = map.get("$ref") {
                    let pointer = target.trim_start_matches('#');
                    if document.pointer(pointer).is_none() {
                        broken.push(target.clone());
                    }
                }
                map.values().for_each(|v| walk(v, document, broken));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, document, broken)),
            _ => {}
        }
    }
    let document: serde_json::Value =
        serde_json::from_str(&openapi::document_json().unwrap()).unwrap();
    let mut broken = Vec::new();
    walk(&document, &document, &mut broken);
    assert!(broken.is_empty(), "unresolved references: {broken:?}");
}

/// The (method, path) pairs of the document.
fn documented_operations() -> BTreeSet<(Method, String)> {
    let document: serde_json::Value =
        serde_json::from_str(&openapi::document_json().unwrap()).unwrap();
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            operations.insert((method, path.clone()));
        }
    }
    operations
}

/// A router on a fresh in-memory SQLite database, without API keys.
async fn test_router() -> axum::Router {
    let connection = connect_with_apps("sqlite::memory:", &ConnectOptions::default())
        .await
        .unwrap();
    let config = CoreConfig {
        password_hashing: PasswordHashingPolicy::danger_test_minimum(),
        password_hashing_pool_size: 1,
        ..CoreConfig::default()
    };
    let core = Core::new(
        connection.main,
        config,
        Arc::new(ManualClock::new(START_MS)),
        Arc::new(OsRandom),
    )
    .await
    .unwrap();
    let apps = Apps::new(Arc::new(core), connection.apps, Arc::new(OsRandom));
    // With metrics, so that `/metrics` is served.
    let metrics = supertokens_core_http::metrics::install_recorder().unwrap();
    router(AppState {
        apps: Arc::new(apps),
        config: Arc::new(ServerConfig::default()),
        observability: Observability::with_metrics(Some(metrics)),
    })
}

/// Probes every method on every path the core knows (and every documented one) and compares
/// what the router answers with what the document lists: a pair is served when the answer is
/// neither the router's 404 nor its 405.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn router_serves_exactly_the_documented_operations() {
    let app = test_router().await;
    let documented = documented_operations();
    let mut paths: BTreeSet<String> = routing::API_PATHS.iter().map(|p| (*p).to_owned()).collect();
    paths.extend(documented.iter().map(|(_, path)| path.clone()));
    for extra in ["/openapi.json", "/metrics", "/health/live", "/health/ready"] {
        paths.insert(extra.to_owned());
    }
    let methods = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
    ];
    let mut served = BTreeSet::new();
    for path in &paths {
        for method in &methods {
            let request = Request::builder()
                .method(method.clone())
                .uri(path.as_str())
                .body(Body::empty())
                .unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            let status = response.status();
            if status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED {
                served.insert((method.clone(), path.clone()));
            }
        }
    }
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && unserved.is_empty(),
        "served but not documented: {undocumented:?}\ndocumented but not served: {unserved:?}\n\
         (register handlers with `routes!` in core/server/src/routes/mod.rs, then `{REGENERATE}`)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn core_serves_the_document_without_an_api_key() {
    let connection = connect_with_apps("sqlite::memory:", &ConnectOptions::default())
        .await
        .unwrap();
    let core = Core::new(
        connection.main,
        CoreConfig::default(),
        Arc::new(ManualClock::new(START_MS)),
        Arc::new(OsRandom),
    )
    .await
    .unwrap();
    let apps = Apps::new(Arc::new(core), connection.apps, Arc::new(OsRandom));
    let app = router(AppState {
        apps: Arc::new(apps),
        config: Arc::new(ServerConfig {
            api_keys: vec!["openapi-test-key-0123456789".into()],
            base_path: "/st".into(),
            ..ServerConfig::default()
        }),
        observability: Observability::default(),
    });
    let request = Request::get("/st/openapi.json")
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let served: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(served["servers"][0]["url"], "/st");
    let mut generated: serde_json::Value =
        serde_json::from_str(&openapi::document_json().unwrap()).unwrap();
    generated["servers"] = served["servers"].clone();
    assert_eq!(served, generated);
    // Other paths still need the key.
    let request = Request::get("/st/apiversion").body(Body::empty()).unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
