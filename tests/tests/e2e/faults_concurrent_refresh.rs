//! Fifty concurrent refreshes with the same refresh token (`50 × FAULT_TEST_SCALE`): every
//! one answers OK (no 5xx, no TOKEN_THEFT_DETECTED) and the session keeps one live lineage.
//!
//! Two rounds: with the session's current token (nothing to write, every request mints a
//! child), and with a child token not yet used (every request races to promote it in the
//! database: one conditional update wins, the others re-read and find it already promoted).
//! Then the access token of one returned child is verified (with the database check) as many
//! times at once, every verification racing to promote that child: all answer OK. All
//! returned tokens name the same session handle, the user has exactly that one session, and
//! the lineage goes on from a returned token.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use supertokens_tests::process::{CdiAnswer, CdiClient};
use supertokens_tests::{TestCoreOptions, start_core};
use tokio::sync::Barrier;

use super::faults_support::{
    ClientSession, DatabaseGuard, create_session, refresh, scale, session_handles, verify,
};

/// Sends `count` copies of a request at once (released together by a barrier).
async fn at_once<F, Fut>(client: &CdiClient, count: usize, call: F) -> Vec<CdiAnswer>
where
    F: Fn(CdiClient) -> Fut,
    Fut: Future<Output = anyhow::Result<CdiAnswer>> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(count));
    let tasks: Vec<_> = (0..count)
        .map(|_| {
            let barrier = barrier.clone();
            let request = call(client.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                request.await.unwrap()
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(count);
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

/// Sends `count` refreshes of `token` at once.
async fn concurrent_refreshes(client: &CdiClient, token: &str, count: usize) -> Vec<CdiAnswer> {
    at_once(client, count, |client| {
        let token = token.to_owned();
        async move { refresh(&client, &token).await }
    })
    .await
}

/// Asserts every answer is OK for `handle`, with distinct tokens; returns the sessions.
fn all_ok_in_one_lineage(
    answers: &[CdiAnswer],
    session: &ClientSession,
    round: &str,
) -> Vec<ClientSession> {
    let failures: Vec<String> = answers
        .iter()
        .filter(|answer| !answer.is_ok())
        .map(|answer| format!("{} {}", answer.status, answer.body))
        .collect();
    assert!(
        failures.is_empty(),
        "{round}: {} of {} concurrent refreshes failed: {failures:?}",
        failures.len(),
        answers.len()
    );
    let sessions: Vec<ClientSession> = answers
        .iter()
        .map(|answer| ClientSession::from_answer(&session.user_id, answer))
        .collect();
    for returned in &sessions {
        assert_eq!(returned.handle, session.handle, "{round}: another session");
    }
    let distinct: HashSet<&str> = sessions.iter().map(|s| s.refresh_token.as_str()).collect();
    assert_eq!(
        distinct.len(),
        sessions.len(),
        "{round}: a token was returned twice"
    );
    sessions
}

async fn concurrent_refreshes_of_one_token(options: TestCoreOptions, backend: &str) {
    let count = 50 * scale();
    let core = start_core(options).await.unwrap();
    let client = CdiClient::new(&core.base_url).unwrap();
    let user_id = "concurrent-refresh-user";
    let created = create_session(&client, user_id).await.unwrap();
    assert!(created.is_ok(), "{created:?}");
    let session = ClientSession::from_answer(user_id, &created);

    // Round 1: the current token; the database is only read.
    let answers = concurrent_refreshes(&client, &session.refresh_token, count).await;
    all_ok_in_one_lineage(&answers, &session, "current token");

    // Round 2: a child not used yet; every request tries to promote it.
    let child = refresh(&client, &session.refresh_token).await.unwrap();
    assert!(child.is_ok(), "{child:?}");
    let child = ClientSession::from_answer(user_id, &child);
    let answers = concurrent_refreshes(&client, &child.refresh_token, count).await;
    let returned = all_ok_in_one_lineage(&answers, &session, "unpromoted child");

    // The lineage goes on from the token the client kept (the last answer it read). Its
    // access token is verified `count` times at once: each verification races to promote
    // the refresh token it belongs to, and each answers OK with a new access token.
    let mut latest = returned.last().unwrap().clone();
    let access = latest.access_token.clone();
    let verified = at_once(&client, count, |client| {
        let access = access.clone();
        async move { verify(&client, &access, true).await }
    })
    .await;
    for answer in &verified {
        assert!(answer.is_ok(), "concurrent verification: {answer:?}");
        assert!(
            answer.body["accessToken"]["token"].is_string(),
            "{answer:?}"
        );
        assert_eq!(answer.body["session"]["handle"], session.handle.as_str());
    }
    latest.verified(&verified[0]);
    for step in 0..3 {
        let next = refresh(&client, &latest.refresh_token).await.unwrap();
        assert!(next.is_ok(), "refresh {step} after the burst: {next:?}");
        latest.refreshed(&next);
        assert_eq!(latest.handle, session.handle);
    }
    let verified = verify(&client, &latest.access_token, true).await.unwrap();
    assert!(verified.is_ok(), "{verified:?}");
    assert_eq!(
        session_handles(&client, user_id).await,
        vec![session.handle.clone()],
        "the user has exactly one session"
    );

    // As in SuperTokens: once the lineage has moved on, a sibling of the token the client
    // kept is a superseded token, and presenting it is reported as theft.
    let sibling = &returned[0];
    let stale = refresh(&client, &sibling.refresh_token).await.unwrap();
    assert_eq!(stale.cdi_status(), "TOKEN_THEFT_DETECTED", "{stale:?}");

    println!(
        "faults/concurrent-refresh[{backend}]: 2 rounds of {count} concurrent refreshes of one \
         token (current, then unpromoted child) and {count} concurrent promoting verifications: \
         {count}/{count} OK each, 0 5xx, 0 theft, one session handle, lineage continued 3 \
         refreshes from a returned token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_refreshes_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let options = TestCoreOptions {
        database_url: format!("sqlite://{}/core.db", dir.path().display()),
        ..TestCoreOptions::default()
    };
    concurrent_refreshes_of_one_token(options, "sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_refreshes_on_postgres() {
    let database = DatabaseGuard::create().await;
    let options = TestCoreOptions {
        database_url: database.url().to_owned(),
        ..TestCoreOptions::default()
    };
    concurrent_refreshes_of_one_token(options, "postgres").await;
}
