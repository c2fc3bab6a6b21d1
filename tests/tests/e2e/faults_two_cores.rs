//! Two cores (child processes) on one PostgreSQL database under a mixed load of sign-ins,
//! session creations, verifications and refreshes, clients alternating between the cores;
//! one core is SIGKILLed mid-load and the clients fail over to the survivor, resending the
//! request that got no answer. No session is lost and no honest client (one that always
//! uses its latest refresh token) is ever told TOKEN_THEFT_DETECTED.
//!
//! A request cut by the kill may have been applied (a refresh that promoted its token, a
//! verification that promoted one) with its answer lost: the client still holds the token
//! it sent, and resending it must succeed. The first test checks that rule directly.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use supertokens_tests::process::{CdiAnswer, CdiClient, CoreProcess};

use super::faults_support::{
    ClientSession, DatabaseGuard, core_options, create_session, refresh, scale, session_handles,
    sign_in, sign_up, verify, wait_until,
};

/// A refresh whose answer was lost leaves the client with the token it sent; sending it
/// again (to the other core) succeeds, for a current token and for a child that the lost
/// request had promoted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resending_a_refresh_whose_answer_was_lost_is_not_theft() {
    let database = DatabaseGuard::create().await;
    let a = CoreProcess::start(core_options(database.url()))
        .await
        .unwrap();
    let b = CoreProcess::start(core_options(database.url()))
        .await
        .unwrap();
    let a = CdiClient::new(&a.base_url()).unwrap();
    let b = CdiClient::new(&b.base_url()).unwrap();
    let created = create_session(&a, "lost-answer-user").await.unwrap();
    let mut session = ClientSession::from_answer("lost-answer-user", &created);

    // The current token: a lost refresh changes nothing in the database.
    let lost = refresh(&a, &session.refresh_token).await.unwrap();
    assert!(lost.is_ok(), "{lost:?}");
    let resent = refresh(&b, &session.refresh_token).await.unwrap();
    assert!(resent.is_ok(), "resending the current token: {resent:?}");
    session.refreshed(&resent);

    // A child not used yet: the lost refresh promoted it, the resent one finds it current.
    let lost = refresh(&a, &session.refresh_token).await.unwrap();
    assert!(lost.is_ok(), "{lost:?}");
    let resent = refresh(&b, &session.refresh_token).await.unwrap();
    assert!(
        resent.is_ok(),
        "resending a token the lost request promoted: {resent:?}"
    );
    session.refreshed(&resent);

    // Same with a lost verification that promoted the child.
    let lost = verify(&a, &session.access_token, true).await.unwrap();
    assert!(lost.is_ok(), "{lost:?}");
    let resent = verify(&b, &session.access_token, true).await.unwrap();
    assert!(resent.is_ok(), "{resent:?}");
    session.verified(&resent);
    let next = refresh(&b, &session.refresh_token).await.unwrap();
    assert!(next.is_ok(), "{next:?}");
    session.refreshed(&next);
    let verified = verify(&a, &session.access_token, true).await.unwrap();
    assert!(verified.is_ok(), "{verified:?}");
}

#[derive(Default)]
struct Stats {
    ok: usize,
    sign_ins: usize,
    verifications: usize,
    refreshes: usize,
    /// Requests that got no answer from the killed core, by kind.
    cut: Vec<&'static str>,
    /// Resent requests that succeeded on the survivor.
    resent_ok: usize,
    violations: Vec<String>,
}

struct Load {
    cores: [CdiClient; 2],
    /// Core 0 was killed (set just before the kill).
    killed: AtomicBool,
    /// A client saw core 0 fail: everyone uses core 1 from then on.
    failed_over: AtomicBool,
    stop: AtomicBool,
    next_core: AtomicUsize,
    ok_total: AtomicUsize,
    stats: Mutex<Stats>,
}

impl Load {
    /// Sends a request to the next core, failing over to the survivor when the killed core
    /// does not answer. `None` after a violation (recorded).
    async fn send<F, Fut>(&self, kind: &'static str, call: F) -> Option<CdiAnswer>
    where
        F: Fn(CdiClient) -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<CdiAnswer>>,
    {
        let mut core = if self.failed_over.load(Ordering::SeqCst) {
            1
        } else {
            self.next_core.fetch_add(1, Ordering::SeqCst) % 2
        };
        let mut answer = call(self.cores[core].clone()).await;
        if answer.is_err() && core == 0 && self.killed.load(Ordering::SeqCst) {
            self.failed_over.store(true, Ordering::SeqCst);
            self.stats.lock().unwrap().cut.push(kind);
            core = 1;
            answer = call(self.cores[core].clone()).await;
            if answer.as_ref().is_ok_and(CdiAnswer::is_ok) {
                self.stats.lock().unwrap().resent_ok += 1;
            }
        }
        let mut stats = self.stats.lock().unwrap();
        match answer {
            Ok(answer) if answer.is_ok() => {
                stats.ok += 1;
                match kind {
                    "sign-in" => stats.sign_ins += 1,
                    "verify" => stats.verifications += 1,
                    "refresh" => stats.refreshes += 1,
                    _ => {}
                }
                self.ok_total.fetch_add(1, Ordering::SeqCst);
                Some(answer)
            }
            Ok(answer) => {
                stats.violations.push(format!(
                    "{kind} on core {core}: {} {}",
                    answer.status, answer.body
                ));
                None
            }
            Err(error) => {
                stats
                    .violations
                    .push(format!("{kind} on core {core}: no answer: {error:#}"));
                None
            }
        }
    }
}

/// One honest client: signs in now and then (a new session each time), verifies and
/// refreshes its sessions, always with its latest tokens. Returns its sessions.
async fn client_loop(load: Arc<Load>, email: String) -> Vec<ClientSession> {
    let mut sessions: Vec<ClientSession> = Vec::new();
    let mut round = 0usize;
    while !load.stop.load(Ordering::SeqCst) {
        if round.is_multiple_of(12) {
            let email = email.clone();
            let Some(signed_in) = load
                .send("sign-in", move |core| {
                    let email = email.clone();
                    async move { sign_in(&core, &email).await }
                })
                .await
            else {
                return sessions;
            };
            let user_id = signed_in.body["user"]["id"].as_str().unwrap().to_owned();
            let id = user_id.clone();
            let Some(created) = load
                .send("create session", move |core| {
                    let id = id.clone();
                    async move { create_session(&core, &id).await }
                })
                .await
            else {
                return sessions;
            };
            sessions.push(ClientSession::from_answer(&user_id, &created));
        }
        let index = if round.is_multiple_of(3) {
            round % sessions.len()
        } else {
            sessions.len() - 1
        };
        let session = &mut sessions[index];
        let access = session.access_token.clone();
        let check_database = round.is_multiple_of(2);
        let Some(verified) = load
            .send("verify", move |core| {
                let access = access.clone();
                async move { verify(&core, &access, check_database).await }
            })
            .await
        else {
            return sessions;
        };
        session.verified(&verified);
        let token = session.refresh_token.clone();
        let Some(refreshed) = load
            .send("refresh", move |core| {
                let token = token.clone();
                async move { refresh(&core, &token).await }
            })
            .await
        else {
            return sessions;
        };
        session.refreshed(&refreshed);
        round += 1;
    }
    sessions
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_cores_one_killed_no_lost_session_no_false_theft() {
    let scale = scale();
    let clients = 12 * scale;
    let database = DatabaseGuard::create().await;
    let mut doomed = CoreProcess::start(core_options(database.url()))
        .await
        .unwrap();
    let survivor = CoreProcess::start(core_options(database.url()))
        .await
        .unwrap();
    let load = Arc::new(Load {
        cores: [
            CdiClient::new(&doomed.base_url()).unwrap(),
            CdiClient::new(&survivor.base_url()).unwrap(),
        ],
        killed: AtomicBool::new(false),
        failed_over: AtomicBool::new(false),
        stop: AtomicBool::new(false),
        next_core: AtomicUsize::new(0),
        ok_total: AtomicUsize::new(0),
        stats: Mutex::new(Stats::default()),
    });
    let emails: Vec<String> = (0..clients)
        .map(|id| format!("two-cores-{id}@faults.example"))
        .collect();
    for email in &emails {
        let answer = sign_up(&load.cores[0], email).await.unwrap();
        assert!(answer.is_ok(), "{answer:?}");
    }
    let tasks: Vec<_> = emails
        .iter()
        .map(|email| tokio::spawn(client_loop(load.clone(), email.clone())))
        .collect();

    let enough = 300 * scale;
    let loaded = wait_until(Duration::from_secs(120), || {
        let load = load.clone();
        async move { load.ok_total.load(Ordering::SeqCst) >= enough }
    })
    .await;
    assert!(loaded.is_some(), "the load did not get going");
    load.killed.store(true, Ordering::SeqCst);
    doomed.kill();
    let ok_at_kill = load.ok_total.load(Ordering::SeqCst);
    let went_on = wait_until(Duration::from_secs(120), || {
        let load = load.clone();
        async move { load.ok_total.load(Ordering::SeqCst) >= ok_at_kill + enough }
    })
    .await;
    load.stop.store(true, Ordering::SeqCst);
    let mut sessions = Vec::new();
    for task in tasks {
        sessions.extend(task.await.unwrap());
    }
    let stats = std::mem::take(&mut *load.stats.lock().unwrap());
    assert!(
        stats.violations.is_empty(),
        "violations: {:#?}",
        stats.violations
    );
    assert!(went_on.is_some(), "the load did not go on on the survivor");
    assert!(
        load.failed_over.load(Ordering::SeqCst),
        "no client noticed the kill"
    );

    // Every session is alive on the survivor, in its latest state.
    let survivor_client = &load.cores[1];
    for session in &mut sessions {
        let answer = refresh(survivor_client, &session.refresh_token)
            .await
            .unwrap();
        assert!(answer.is_ok(), "session {}: {answer:?}", session.handle);
        session.refreshed(&answer);
        let answer = verify(survivor_client, &session.access_token, true)
            .await
            .unwrap();
        assert!(answer.is_ok(), "session {}: {answer:?}", session.handle);
        assert!(
            session_handles(survivor_client, &session.user_id)
                .await
                .contains(&session.handle)
        );
    }
    drop(survivor);

    let cut_refreshes = stats.cut.iter().filter(|kind| **kind == "refresh").count();
    println!(
        "faults/two-cores: {clients} clients, {} OK answers ({} sign-ins, {} verifications, {} \
         refreshes; {ok_at_kill} before the kill); {} requests cut by the SIGKILL ({cut_refreshes} \
         refreshes), {} resent to the survivor and OK; 0 TOKEN_THEFT_DETECTED, 0 lost sessions: \
         all {} sessions refreshed and verified on the survivor",
        stats.ok,
        stats.sign_ins,
        stats.verifications,
        stats.refreshes,
        stats.cut.len(),
        stats.resent_ok,
        sessions.len(),
    );
}
