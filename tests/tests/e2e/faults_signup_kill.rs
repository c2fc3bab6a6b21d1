//! The core killed with SIGKILL in the middle of a burst of sign-ups: after a restart on the
//! same database every acknowledged user is there, and no email belongs to two users.
//!
//! Sixteen clients sign up distinct emails (every fourth email twice at once, so the
//! uniqueness check also races); once `150 × FAULT_TEST_SCALE` sign-ups are acknowledged
//! the core is SIGKILLed with requests in flight. After the restart: every acknowledged
//! email signs in as the user it was acknowledged with; every email that got no answer is
//! signed up again, as a client would retry, and gets either OK (it was never written) or
//! EMAIL_ALREADY_EXISTS_ERROR (written, answer lost); the user list then holds every
//! attempted email exactly once.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use supertokens_tests::process::{CdiAnswer, CdiClient, CoreProcess};

use super::faults_support::{
    DatabaseGuard, all_users, core_options, duplicated_emails, scale, sign_in, sign_up, wait_until,
};

/// Concurrent clients.
const CLIENTS: usize = 16;

/// What one sign-up request got.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// 200 OK: the user id.
    Created(String),
    /// EMAIL_ALREADY_EXISTS_ERROR.
    Exists,
    /// Anything else (must not happen while the core runs).
    Unexpected(String),
    /// No answer: the request was cut by the kill.
    NoAnswer,
}

fn outcome(answer: anyhow::Result<CdiAnswer>) -> Outcome {
    match answer {
        Ok(answer) if answer.is_ok() => {
            Outcome::Created(answer.body["user"]["id"].as_str().unwrap().to_owned())
        }
        Ok(answer)
            if answer.status == 200 && answer.cdi_status() == "EMAIL_ALREADY_EXISTS_ERROR" =>
        {
            Outcome::Exists
        }
        Ok(answer) => Outcome::Unexpected(format!("{} {}", answer.status, answer.body)),
        Err(_) => Outcome::NoAnswer,
    }
}

#[derive(Default)]
struct Burst {
    next: AtomicUsize,
    acknowledged: AtomicUsize,
    stop: AtomicBool,
    /// email → what each request for it got.
    outcomes: Mutex<BTreeMap<String, Vec<Outcome>>>,
}

async fn client_loop(burst: Arc<Burst>, client: CdiClient) {
    while !burst.stop.load(Ordering::SeqCst) {
        let index = burst.next.fetch_add(1, Ordering::SeqCst);
        let email = format!("burst-{index}@faults.example");
        let answers = if index.is_multiple_of(4) {
            let (first, second) = tokio::join!(sign_up(&client, &email), sign_up(&client, &email));
            vec![outcome(first), outcome(second)]
        } else {
            vec![outcome(sign_up(&client, &email).await)]
        };
        let created = answers
            .iter()
            .filter(|answer| matches!(answer, Outcome::Created(_)))
            .count();
        burst.acknowledged.fetch_add(created, Ordering::SeqCst);
        let cut = answers.contains(&Outcome::NoAnswer);
        burst.outcomes.lock().unwrap().insert(email, answers);
        if cut {
            return;
        }
    }
}

async fn sigkill_during_signup_burst(database_url: &str, backend: &str) {
    let kill_after = 150 * scale();
    let mut core = CoreProcess::start(core_options(database_url))
        .await
        .unwrap();
    let client = CdiClient::new(&core.base_url()).unwrap();

    let burst = Arc::new(Burst::default());
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| tokio::spawn(client_loop(burst.clone(), client.clone())))
        .collect();
    let reached = wait_until(Duration::from_secs(120), || {
        let burst = burst.clone();
        async move { burst.acknowledged.load(Ordering::SeqCst) >= kill_after }
    })
    .await;
    assert!(
        reached.is_some(),
        "{} sign-ups were not acknowledged in time",
        kill_after
    );
    core.kill();
    burst.stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.await.unwrap();
    }
    let outcomes = std::mem::take(&mut *burst.outcomes.lock().unwrap());

    let unexpected: Vec<_> = outcomes
        .iter()
        .filter(|(_, answers)| answers.iter().any(|a| matches!(a, Outcome::Unexpected(_))))
        .collect();
    assert!(unexpected.is_empty(), "unexpected answers: {unexpected:?}");
    let cut_requests = outcomes
        .values()
        .flatten()
        .filter(|answer| **answer == Outcome::NoAnswer)
        .count();
    assert!(cut_requests > 0, "the kill cut no request in flight");
    for (email, answers) in &outcomes {
        let created = answers
            .iter()
            .filter(|a| matches!(a, Outcome::Created(_)))
            .count();
        assert!(created <= 1, "{email} was acknowledged twice: {answers:?}");
        if answers.len() == 2 && !answers.contains(&Outcome::NoAnswer) {
            assert!(
                created == 1 && answers.contains(&Outcome::Exists),
                "a racing pair for {email} must give one OK and one EMAIL_ALREADY_EXISTS_ERROR: \
                 {answers:?}"
            );
        }
    }

    core.restart().await.unwrap();

    // Every acknowledged user is there, as the user it was acknowledged as.
    let mut acknowledged = 0;
    for (email, answers) in &outcomes {
        let Some(user_id) = answers.iter().find_map(|a| match a {
            Outcome::Created(id) => Some(id),
            _ => None,
        }) else {
            continue;
        };
        acknowledged += 1;
        let answer = sign_in(&client, email).await.unwrap();
        assert!(
            answer.is_ok(),
            "acknowledged {email} cannot sign in: {answer:?}"
        );
        assert_eq!(answer.body["user"]["id"], user_id.as_str(), "{email}");
    }
    // The others are retried: each was written at most once.
    let mut written_unacknowledged = 0;
    let mut not_written = 0;
    for (email, answers) in &outcomes {
        if answers.iter().any(|a| matches!(a, Outcome::Created(_))) {
            continue;
        }
        match outcome(sign_up(&client, email).await) {
            Outcome::Created(_) => not_written += 1,
            Outcome::Exists => {
                written_unacknowledged += 1;
                let answer = sign_in(&client, email).await.unwrap();
                assert!(
                    answer.is_ok(),
                    "{email} exists but cannot sign in: {answer:?}"
                );
            }
            other => panic!("retrying the sign-up of {email} after the restart: {other:?}"),
        }
    }

    let users = all_users(&client).await;
    let duplicates = duplicated_emails(&users);
    assert!(duplicates.is_empty(), "emails held twice: {duplicates:?}");
    let listed: HashSet<&String> = users.iter().flat_map(|(_, emails)| emails).collect();
    let attempted: HashSet<&String> = outcomes.keys().collect();
    assert_eq!(
        listed, attempted,
        "the users are exactly the attempted emails"
    );
    assert_eq!(users.len(), outcomes.len());
    let count = client.get("/users/count").await.unwrap();
    assert_eq!(count.body["count"], outcomes.len(), "{count:?}");

    println!(
        "faults/sigkill-signups[{backend}]: {} emails attempted ({} requests), {acknowledged} \
         acknowledged before the kill, {cut_requests} requests cut in flight; after restart \
         all {acknowledged} acknowledged users sign in; retried {} unacknowledged emails: \
         {written_unacknowledged} had been written, {not_written} had not; {} users listed, \
         0 duplicate emails",
        outcomes.len(),
        outcomes.values().map(Vec::len).sum::<usize>(),
        written_unacknowledged + not_written,
        users.len(),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_signup_burst_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/core.db", dir.path().display());
    sigkill_during_signup_burst(&url, "sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_signup_burst_on_postgres() {
    let database = DatabaseGuard::create().await;
    sigkill_during_signup_burst(database.url(), "postgres").await;
}
