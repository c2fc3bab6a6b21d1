//! `signin`: sign-ins per second through the core against raw in-process argon2id verifies
//! per second with the same parameters and the same number of threads as the core's hashing
//! pool.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail, ensure};
use supertokens_crypto::password::{PasswordHashingPolicy, hash_password, verify_password};
use supertokens_crypto::random::OsRandom;

use crate::PASSWORD;
use crate::cdi::{Cdi, http_client};
use crate::daemon::{CoreArgs, CoreProcess, DbKind, Deployment};
use crate::load::{Window, WorkerResult, email, errors_note, join_all, sample_cpu, sign_up_users};
use crate::stats::{Row, Summary, ms, rate};

/// Sign-ins/s must reach this fraction of raw verifies/s.
const TARGET_RATIO: f64 = 0.95;

/// Options of `signin`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SigninArgs {
    /// Storage backend.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub(crate) db: DbKind,
    /// Users signed up before the run.
    #[arg(long, default_value_t = 8)]
    pub(crate) users: usize,
    /// Concurrent sign-in workers.
    #[arg(long, default_value_t = 8)]
    pub(crate) workers: usize,
    /// Measured seconds of sign-ins through the core.
    #[arg(long, default_value_t = 10.0)]
    pub(crate) duration_secs: f64,
    /// Warm-up seconds before the measurement.
    #[arg(long, default_value_t = 2.0)]
    pub(crate) warmup_secs: f64,
    /// Measured seconds of each raw argon2 run (one before and one after the core run).
    #[arg(long, default_value_t = 5.0)]
    pub(crate) raw_secs: f64,
    /// Upper bound on the number of sign-ins (whole run, all workers).
    #[arg(long, default_value_t = 100_000)]
    pub(crate) max_requests: u64,
}

/// Runs the benchmark and returns its table row.
pub(crate) async fn run(core: &CoreArgs, args: &SigninArgs) -> Result<Row> {
    let threads = core.effective_pool_size();
    let (raw_before, other_before) = raw_verifies_per_sec(core, threads, args.raw_secs).await?;
    eprintln!(
        "raw argon2id verify, {threads} thread(s): {} /s (other processes {other_before:.0} % CPU)",
        rate(raw_before)
    );

    let mut dep = Deployment::new(core, args.db)?;
    let (proc, _) = dep.start(core).await?;
    let measured = measure(core, args, &proc).await;
    if measured.is_err() {
        eprintln!("core log:\n{}", proc.log_tail());
    }
    proc.stop().await?;
    let (per_sec, summary, errors, cpu) = measured?;
    eprintln!("sign-ins through the core: {} /s", rate(per_sec));

    let (raw_after, other_after) = raw_verifies_per_sec(core, threads, args.raw_secs).await?;
    eprintln!(
        "raw argon2id verify, {threads} thread(s): {} /s (other processes {other_after:.0} % CPU)",
        rate(raw_after)
    );
    let raw = (raw_before + raw_after) / 2.0;
    let ratio = per_sec / raw;

    Ok(Row {
        benchmark: format!("signin ({})", dep.db().name()),
        setup: format!(
            "{}, hashing pool {threads}; {} users, {} workers, {} s after {} s warm-up",
            core.argon2_label(),
            args.users,
            args.workers,
            args.duration_secs,
            args.warmup_secs
        ),
        result: format!(
            "**{} sign-ins/s** vs raw argon2id {} verifies/s on {threads} thread(s) \
             (before {}, after {}) = **{:.1} %**; sign-in p50 {}, p99 {}{errors}; {cpu}",
            rate(per_sec),
            rate(raw),
            rate(raw_before),
            rate(raw_after),
            ratio * 100.0,
            ms(summary.p50),
            ms(summary.p99),
        ),
        target: "≥ 95 % of raw verifies/s".into(),
        ok: ratio >= TARGET_RATIO,
    })
}

/// Signs up the users and runs the closed-loop sign-in workers.
async fn measure(
    core: &CoreArgs,
    args: &SigninArgs,
    proc: &CoreProcess,
) -> Result<(f64, Summary, String, String)> {
    let users = args.users.max(1);
    let workers = args.workers.max(1);
    let cdi = Cdi::new(http_client(workers * 2)?, proc.port(), &core.api_key);
    sign_up_users(&cdi, "signin", users, PASSWORD).await?;

    let window = Window::after(
        Instant::now(),
        Duration::from_secs_f64(args.warmup_secs.max(0.0)),
        Duration::from_secs_f64(args.duration_secs.max(0.1)),
    );
    let cpu = sample_cpu(proc.pid(), window);
    let per_worker = args.max_requests / workers as u64 + 1;
    let handles = (0..workers)
        .map(|w| {
            tokio::spawn(sign_in_loop(
                cdi.clone(),
                email("signin", w % users),
                window,
                per_worker,
            ))
        })
        .collect();
    let all = join_all(handles).await?;
    let (a, b) = cpu.await??;
    ensure!(
        !all.latencies.is_empty(),
        "no sign-in succeeded: {:?}",
        all.first_error
    );
    let errors = errors_note(&all);
    let s = Summary::of(all.latencies);
    Ok((
        s.count as f64 / window.secs(),
        s,
        errors,
        a.usage_until(&b).describe(),
    ))
}

/// One closed-loop worker signing in as one user until `until.end`.
pub(crate) async fn sign_in_loop(
    cdi: Cdi,
    email: String,
    window: Window,
    max_requests: u64,
) -> WorkerResult {
    let mut out = WorkerResult::default();
    for _ in 0..max_requests {
        if Instant::now() >= window.end {
            break;
        }
        let t0 = Instant::now();
        let result = cdi.sign_in(&email, PASSWORD).await;
        let t1 = Instant::now();
        match result {
            Ok(true) => {
                if window.contains(t1) {
                    out.latencies.push(t1 - t0);
                }
            }
            Ok(false) => out.error(&anyhow!("sign-in of {email}: WRONG_CREDENTIALS_ERROR")),
            Err(e) => out.error(&e),
        }
    }
    out
}

/// argon2id verifies per second on `threads` OS threads, in this process, with the core's
/// parameters: 0.5 s warm-up, then `secs` measured.
async fn raw_verifies_per_sec(core: &CoreArgs, threads: usize, secs: f64) -> Result<f64> {
    let policy = PasswordHashingPolicy::Argon2id {
        memory_kib: core.argon2_memory_kb,
        iterations: core.argon2_iterations,
        parallelism: core.argon2_parallelism,
    };
    let hash =
        hash_password(&policy, PASSWORD, &OsRandom).context("hashing the raw baseline password")?;
    let secs = secs.max(0.1);
    tokio::task::spawn_blocking(move || -> Result<f64> {
        let window = Window::after(
            Instant::now(),
            Duration::from_millis(500),
            Duration::from_secs_f64(secs),
        );
        let handles: Vec<_> = (0..threads.max(1))
            .map(|_| {
                let hash = hash.clone();
                std::thread::spawn(move || -> Result<u64> {
                    let mut counted = 0u64;
                    // Bounded by count as well as by time: argon2 never runs faster than ~1/µs.
                    for _ in 0..10_000_000u64 {
                        if Instant::now() >= window.end {
                            break;
                        }
                        if !verify_password(PASSWORD, &hash)? {
                            bail!("raw verify rejected the right password");
                        }
                        if window.contains(Instant::now()) {
                            counted += 1;
                        }
                    }
                    Ok(counted)
                })
            })
            .collect();
        let mut total = 0u64;
        for h in handles {
            total += h
                .join()
                .map_err(|_| anyhow!("a raw verify thread panicked"))??;
        }
        Ok(total as f64 / window.secs())
    })
    .await?
}
