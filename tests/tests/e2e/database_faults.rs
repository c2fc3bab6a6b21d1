//! A database that goes away gives clear 5xx answers, and the core recovers by itself.

use std::time::Duration;

use serde_json::json;
use supertokens_storage::ConnectOptions;
use supertokens_tests::{PostgresDatabase, SwitchableProxy, TestCoreOptions, start_core};

#[tokio::test]
async fn database_outage_gives_503_and_the_core_recovers() {
    let database = PostgresDatabase::create().await.unwrap();
    let proxy = SwitchableProxy::start("127.0.0.1:5432").await.unwrap();
    let url = database.url.replace("127.0.0.1:5432", &proxy.address);
    let options = TestCoreOptions {
        database_url: url,
        connect: ConnectOptions {
            max_connections: 4,
            acquire_timeout: Duration::from_secs(2),
            ..ConnectOptions::default()
        },
        ..TestCoreOptions::default()
    };
    let core = start_core(options).await.unwrap();
    let credentials = json!({"email": "up@example.com", "password": "pw-123456"});
    let (status, _) = core
        .post("/public/recipe/signup", credentials.clone())
        .await
        .unwrap();
    assert_eq!(status, 200);

    proxy.disable().await;
    let (status, body) = core
        .post("/public/recipe/signin", credentials.clone())
        .await
        .unwrap();
    assert_eq!(status, 503, "{body}");
    assert!(body.as_str().unwrap().contains("database"), "{body}");
    let (status, _) = core.get("/hello").await.unwrap();
    assert_eq!(status, 503);

    proxy.enable();
    let mut recovered = false;
    for _ in 0..50 {
        let (status, body) = core
            .post("/public/recipe/signin", credentials.clone())
            .await
            .unwrap();
        if status == 200 {
            assert_eq!(body["status"], "OK");
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        recovered,
        "the core did not recover after the database came back"
    );
    drop(core);
    database.drop_database().await.unwrap();
}
