//! The SQLite backend copies its WAL into the database file in the background, so that
//! commits rarely checkpoint (writers alone would not checkpoint before 4,000 WAL pages).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use supertokens_storage::{ConnectOptions, PasswordResetTokenRecord, connect};

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
    for i in 0..400 {
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
    let wal = dir.path().join("st.db-wal");
    assert!(
        std::fs::metadata(&wal).unwrap().len() > 0,
        "the writes went to the WAL"
    );
    // The checkpointer looks every 200 ms; give it up to 10 s on a loaded machine.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = std::fs::metadata(&db).unwrap().len();
        if now > before {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the database file stayed at {now} bytes: nothing was checkpointed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    store.close().await;
}
