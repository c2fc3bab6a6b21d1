//! PostgreSQL stopped (`pg_ctl stop -m immediate`) and started again under load: while it is
//! down the core answers 503 with `Retry-After` (quickly: no request hangs past the pool's
//! acquire timeout) and stays up; once it is back the core recovers by itself, and every
//! user and session acknowledged before (and after) the outage is still usable.
//!
//! The database is a private cluster made for this test (see
//! `supertokens_tests::postgres_cluster`), never the shared server. The core is a child
//! process. Six clients (`6 × FAULT_TEST_SCALE`) loop over sign-up, sign-in, session
//! creation, verification (with the database check) and refresh of new and older sessions.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use supertokens_tests::postgres_cluster::PostgresCluster;
use supertokens_tests::process::{CdiAnswer, CdiClient, CoreProcess};

use super::faults_support::{
    ClientSession, core_options, create_session, refresh, scale, session_handles, sign_in, sign_up,
    verify, wait_until,
};

/// Longest a request may take before it counts as hung: the core's pool acquire timeout
/// (5 s) plus slack for a loaded machine.
const HANG_LIMIT: Duration = Duration::from_secs(15);

const BEFORE: u8 = 0;
const OUTAGE: u8 = 1;
const RECOVERING: u8 = 2;
const AFTER: u8 = 3;
const STOP: u8 = 4;

#[derive(Default)]
struct Stats {
    /// OK answers by phase.
    ok: [usize; 4],
    /// 5xx answers by phase.
    unavailable: [usize; 4],
    /// 5xx answers that were not 503 with Retry-After.
    unavailable_without_retry_after: Vec<String>,
    /// Slowest answer while the database was down or coming back.
    slowest_outage_answer: Duration,
    /// Everything that must not happen: non-OK CDI statuses, other 4xx, no answer.
    violations: Vec<String>,
}

struct Load {
    phase: AtomicU8,
    ok_total: AtomicUsize,
    stats: Mutex<Stats>,
}

/// What a client does with an answer.
enum Step {
    Ok(CdiAnswer),
    /// 5xx: back off and start the next round, keeping the state it has.
    Unavailable,
}

impl Load {
    fn phase(&self) -> u8 {
        self.phase.load(Ordering::SeqCst)
    }

    /// Records an answer to a request sent at `started` in phase `sent_in`. It counts in the
    /// outage when its lifetime overlaps the outage or the recovery.
    fn record(
        &self,
        what: &str,
        sent_in: u8,
        started: Instant,
        answer: anyhow::Result<CdiAnswer>,
    ) -> Option<Step> {
        let phase = match (sent_in, self.phase()) {
            (sent, _) if sent >= AFTER => AFTER,
            (_, BEFORE) => BEFORE,
            (RECOVERING, _) => RECOVERING,
            _ => OUTAGE,
        };
        let phase = usize::from(phase);
        let elapsed = started.elapsed();
        let mut stats = self.stats.lock().unwrap();
        if phase == usize::from(OUTAGE) || phase == usize::from(RECOVERING) {
            stats.slowest_outage_answer = stats.slowest_outage_answer.max(elapsed);
        }
        match answer {
            Ok(answer) if answer.is_ok() => {
                stats.ok[phase] += 1;
                self.ok_total.fetch_add(1, Ordering::SeqCst);
                Some(Step::Ok(answer))
            }
            Ok(answer) if answer.status >= 500 => {
                stats.unavailable[phase] += 1;
                if answer.status != 503 || answer.retry_after.is_none() {
                    stats.unavailable_without_retry_after.push(format!(
                        "{what}: {} {:?} {}",
                        answer.status, answer.retry_after, answer.body
                    ));
                }
                Some(Step::Unavailable)
            }
            Ok(answer) => {
                stats.violations.push(format!(
                    "{what} (phase {phase}): {} {}",
                    answer.status, answer.body
                ));
                None
            }
            Err(error) => {
                stats.violations.push(format!(
                    "{what} (phase {phase}): no answer after {elapsed:?}: {error:#}"
                ));
                None
            }
        }
    }
}

/// What a client acknowledged: users (email, id) and sessions with their latest tokens.
#[derive(Default)]
struct Acknowledged {
    users: Vec<(String, String)>,
    sessions: Vec<ClientSession>,
}

/// Sends one request; on a 5xx backs off and goes on with the next round (`$round`), on a
/// violation stops the client.
macro_rules! step {
    ($round:lifetime, $load:expr, $what:expr, $call:expr) => {{
        let sent_in = $load.phase();
        let started = Instant::now();
        match $load.record($what, sent_in, started, $call.await) {
            Some(Step::Ok(answer)) => answer,
            Some(Step::Unavailable) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue $round;
            }
            None => return None,
        }
    }};
}

/// One client's loop; `None` when it saw a violation (recorded in the stats).
async fn client_loop(load: Arc<Load>, client: CdiClient, id: usize) -> Option<Acknowledged> {
    let mut mine = Acknowledged::default();
    let mut round = 0usize;
    'rounds: while load.phase() != STOP {
        round += 1;
        let email = format!("pg-restart-{id}-{round}@faults.example");
        let created = step!('rounds, load, "sign-up", sign_up(&client, &email));
        let user_id = created.body["user"]["id"].as_str().unwrap().to_owned();
        mine.users.push((email, user_id.clone()));
        let (email, known_id) = mine.users[round % mine.users.len()].clone();
        let signed_in = step!('rounds, load, "sign-in", sign_in(&client, &email));
        if signed_in.body["user"]["id"] != known_id.as_str() {
            load.stats.lock().unwrap().violations.push(format!(
                "{email} signed in as another user: {}",
                signed_in.body
            ));
            return None;
        }
        let session = step!('rounds, load, "create session", create_session(&client, &user_id));
        mine.sessions
            .push(ClientSession::from_answer(&user_id, &session));
        // The newest session, then an older one: verify with the database check, refresh,
        // verify the new access token.
        for index in [mine.sessions.len() - 1, round % mine.sessions.len()] {
            let access = mine.sessions[index].access_token.clone();
            let verified = step!('rounds, load, "verify", verify(&client, &access, true));
            mine.sessions[index].verified(&verified);
            let token = mine.sessions[index].refresh_token.clone();
            let refreshed = step!('rounds, load, "refresh", refresh(&client, &token));
            mine.sessions[index].refreshed(&refreshed);
            let access = mine.sessions[index].access_token.clone();
            let verified = step!('rounds, load, "verify new", verify(&client, &access, true));
            mine.sessions[index].verified(&verified);
        }
    }
    Some(mine)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restart_under_load_gives_503_then_recovers() {
    let scale = scale();
    let mut cluster = PostgresCluster::start().unwrap();
    let mut core = CoreProcess::start(core_options(&cluster.url()))
        .await
        .unwrap();
    let client = CdiClient::with_timeout(&core.base_url(), HANG_LIMIT).unwrap();

    let load = Arc::new(Load {
        phase: AtomicU8::new(BEFORE),
        ok_total: AtomicUsize::new(0),
        stats: Mutex::new(Stats::default()),
    });
    let clients: Vec<_> = (0..6 * scale)
        .map(|id| tokio::spawn(client_loop(load.clone(), client.clone(), id)))
        .collect();
    let enough_before = 150 * scale;
    let loaded = wait_until(Duration::from_secs(120), || {
        let load = load.clone();
        async move { load.ok_total.load(Ordering::SeqCst) >= enough_before }
    })
    .await;
    assert!(
        loaded.is_some(),
        "the load did not get going: {}",
        core.log_tail()
    );
    let probe_user = "pg-restart-probe@faults.example";
    let created = sign_up(&client, probe_user).await.unwrap();
    assert!(created.is_ok(), "{created:?}");

    // Outage.
    load.phase.store(OUTAGE, Ordering::SeqCst);
    cluster.stop_immediately().unwrap();
    let outage_started = Instant::now();
    let started = Instant::now();
    let probe = sign_in(&client, probe_user).await;
    let probe_latency = started.elapsed();
    let probe =
        probe.unwrap_or_else(|error| panic!("no answer while the database is down: {error:#}"));
    assert_eq!(probe.status, 503, "{probe:?}");
    assert_eq!(probe.retry_after.as_deref(), Some("1"), "{probe:?}");
    let hello = client.get("/hello").await.unwrap();
    assert_eq!(
        hello.status, 503,
        "/hello while the database is down: {hello:?}"
    );
    let observed = wait_until(Duration::from_secs(60), || {
        let load = load.clone();
        async move { load.stats.lock().unwrap().unavailable[usize::from(OUTAGE)] >= 8 * scale }
    })
    .await;
    assert!(
        observed.is_some(),
        "the clients saw too few 5xx answers during the outage"
    );
    assert!(
        core.is_running(),
        "the core died with its database: {}",
        core.log_tail()
    );
    let outage_length = outage_started.elapsed();

    // Recovery, without touching the core.
    load.phase.store(RECOVERING, Ordering::SeqCst);
    cluster.start_again().unwrap();
    let recovery = wait_until(Duration::from_secs(60), || {
        let client = client.clone();
        async move {
            sign_in(&client, probe_user)
                .await
                .is_ok_and(|answer| answer.is_ok())
        }
    })
    .await;
    let recovery = recovery.unwrap_or_else(|| {
        panic!(
            "the core did not recover within 60 s of the database coming back: {}",
            core.log_tail()
        )
    });
    load.phase.store(AFTER, Ordering::SeqCst);
    let ok_at_recovery = load.ok_total.load(Ordering::SeqCst);
    let resumed = wait_until(Duration::from_secs(120), || {
        let load = load.clone();
        async move { load.ok_total.load(Ordering::SeqCst) >= ok_at_recovery + enough_before }
    })
    .await;
    assert!(
        resumed.is_some(),
        "the load did not resume after the recovery"
    );
    load.phase.store(STOP, Ordering::SeqCst);
    let mut acknowledged = Acknowledged::default();
    for task in clients {
        if let Some(mine) = task.await.unwrap() {
            acknowledged.users.extend(mine.users);
            acknowledged.sessions.extend(mine.sessions);
        }
    }
    let stats = std::mem::take(&mut *load.stats.lock().unwrap());
    assert!(
        stats.violations.is_empty(),
        "violations: {:#?}",
        stats.violations
    );
    assert!(
        stats.unavailable_without_retry_after.is_empty(),
        "5xx answers other than 503 with Retry-After: {:#?}",
        stats.unavailable_without_retry_after
    );
    assert_eq!(
        stats.unavailable[usize::from(BEFORE)],
        0,
        "5xx before the outage"
    );
    assert_eq!(
        stats.unavailable[usize::from(AFTER)],
        0,
        "5xx after the recovery"
    );

    // Everything acknowledged is still usable.
    for (email, user_id) in &acknowledged.users {
        let answer = sign_in(&client, email).await.unwrap();
        assert!(answer.is_ok(), "{email}: {answer:?}");
        assert_eq!(answer.body["user"]["id"], user_id.as_str());
    }
    for session in &mut acknowledged.sessions {
        let answer = refresh(&client, &session.refresh_token).await.unwrap();
        assert!(answer.is_ok(), "session {}: {answer:?}", session.handle);
        session.refreshed(&answer);
        let answer = verify(&client, &session.access_token, true).await.unwrap();
        assert!(answer.is_ok(), "session {}: {answer:?}", session.handle);
        assert!(
            session_handles(&client, &session.user_id)
                .await
                .contains(&session.handle)
        );
    }
    assert!(core.is_running());
    core.kill();

    println!(
        "faults/postgres-restart: {} clients; OK answers before/outage/recovering/after = \
         {:?}; 5xx = {:?} (all 503 + Retry-After); first 503 in {probe_latency:?}, slowest \
         answer during the outage {:?} (pool acquire timeout 5 s); outage {outage_length:?}; \
         the core recovered {recovery:?} after PostgreSQL was back (no restart); afterwards \
         all {} acknowledged users signed in and all {} acknowledged sessions refreshed and \
         verified; 0 violations",
        6 * scale,
        stats.ok,
        stats.unavailable,
        stats.slowest_outage_answer,
        acknowledged.users.len(),
        acknowledged.sessions.len(),
    );
}
