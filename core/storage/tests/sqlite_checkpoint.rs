//! The SQLite backend copies its WAL into the database file in the background, so that
//! commits rarely checkpoint (writers alone would not checkpoint before 65,536 WAL pages),
//! and truncates a large WAL once writes pause.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use supertokens_storage::{
    ConnectOptions, PasswordResetTokenRecord, SqliteStorage, SqliteTuning, Storage, connect,
};

/// Stores password reset tokens numbered `numbers` (about 500 bytes of WAL each).
async fn write_rows(store: &dyn Storage, numbers: std::ops::Range<usize>) {
    for i in numbers {
        store
            .insert_password_reset_token(&PasswordResetTokenRecord {
                token_hash: format!("{i:0>64}"),
                user_id: format!("user-{i}"),
                email: format!("user-{i}@example.com"),
                expires_at_ms: 1_700_000_000_000,
            })
            .await
            .unwrap();
    }
}

/// Polls `done` every 20 ms for up to 10 s (the checkpointer looks every 200 ms; a loaded
/// machine may be slow), failing with `what` when it never holds.
async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_pages_reach_the_database_file_without_a_writer_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("st.db");
    let store = connect(
        &format!("sqlite://{}", db.display()),
        &ConnectOptions::default(),
    )
    .await
    .unwrap();
    let before = std::fs::metadata(&db).unwrap().len();
    // About 200 KiB of rows: far below the writers' own checkpoint threshold.
    write_rows(store.as_ref(), 0..400).await;
    let wal = dir.path().join("st.db-wal");
    assert!(
        std::fs::metadata(&wal).unwrap().len() > 0,
        "the writes went to the WAL"
    );
    wait_until("nothing was checkpointed into the database file", || {
        std::fs::metadata(&db).unwrap().len() > before
    })
    .await;
    // A WAL below the truncation size is left as it is: the next writes reuse it.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(std::fs::metadata(&wal).unwrap().len() > 0);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wal_over_its_size_limit_is_truncated_once_writes_pause() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("st.db");
    let options = ConnectOptions {
        sqlite: SqliteTuning {
            wal_truncate_bytes: 0,
            ..SqliteTuning::default()
        },
        ..ConnectOptions::default()
    };
    let store = connect(&format!("sqlite://{}", db.display()), &options)
        .await
        .unwrap();
    write_rows(store.as_ref(), 0..400).await;
    let wal = dir.path().join("st.db-wal");
    assert!(std::fs::metadata(&wal).unwrap().len() > 0);
    wait_until("the WAL was never truncated", || {
        std::fs::metadata(&wal).is_ok_and(|m| m.len() == 0)
    })
    .await;
    // Every row made it into the database file, and writing goes on.
    let last = store
        .consume_password_reset_token(&format!("{:0>64}", 399))
        .await
        .unwrap();
    assert_eq!(last.map(|token| token.user_id).as_deref(), Some("user-399"));
    write_rows(store.as_ref(), 400..401).await;
    store.close().await;
}

#[tokio::test]
async fn tuning_reaches_every_connection() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("st.db").display());
    let options = ConnectOptions {
        sqlite: SqliteTuning {
            wal_autocheckpoint_pages: 1234,
            cache_kib: 4096,
            ..SqliteTuning::default()
        },
        ..ConnectOptions::default()
    };
    let store = SqliteStorage::connect(&url, &options).await.unwrap();
    let pages: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(pages, 1234);
    let cache: i64 = sqlx::query_scalar("PRAGMA cache_size")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(cache, -4096);
    store.close().await;
}
