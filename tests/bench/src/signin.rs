//! `signin`: sign-ins per second through the core against raw in-process argon2id verifies
//! per second with the same parameters and the same number of threads as the core's hashing
//! pool.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail, ensure};
use supertokens_crypto::password::{
    Argon2Memory, PasswordHashingPolicy, hash_password, verify_password_with_memory,
};
use supertokens_crypto::random::OsRandom;

use crate::PASSWORD;
use crate::cdi::{Cdi, http_client};
use crate::daemon::{CoreArgs, CoreProcess, DbKind, Deployment};
use crate::load::{
    Window, WorkerResult, email, errors_note, join_all, sample_cpu, sign_up_users, sleep_until,
};
use crate::stats::{CpuSnapshot, CpuUsage, Row, Summary, ms, rate};

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
    /// Rounds; each round measures raw argon2 verifies, then sign-ins through the core, so
    /// that drift of the (virtual) machine's speed hits both sides alike.
    #[arg(long, default_value_t = 4)]
    pub(crate) rounds: usize,
    /// Measured seconds of sign-ins through the core, per round.
    #[arg(long, default_value_t = 4.0)]
    pub(crate) duration_secs: f64,
    /// Warm-up seconds before the first round's sign-in measurement (later rounds: 0.5 s).
    #[arg(long, default_value_t = 2.0)]
    pub(crate) warmup_secs: f64,
    /// Measured seconds of raw argon2 verifies, per round (after 0.5 s warm-up).
    #[arg(long, default_value_t = 4.0)]
    pub(crate) raw_secs: f64,
    /// Upper bound on the number of sign-ins per round (all workers).
    #[arg(long, default_value_t = 100_000)]
    pub(crate) max_requests: u64,
}

/// Runs the benchmark and returns its table row.
pub(crate) async fn run(core: &CoreArgs, args: &SigninArgs) -> Result<Row> {
    crate::load::wait_for_quiet(core.quiet_wait()).await?;
    let mut dep = Deployment::new(core, args.db)?;
    let (proc, _) = dep.start(core).await?;
    let measured = measure(core, args, &proc).await;
    if measured.is_err() {
        eprintln!("core log:\n{}", proc.log_tail());
    }
    proc.stop().await?;
    measured
}

async fn measure(core: &CoreArgs, args: &SigninArgs, proc: &CoreProcess) -> Result<Row> {
    let threads = core.effective_pool_size();
    let users = args.users.max(1);
    let workers = args.workers.max(1);
    let rounds = args.rounds.max(1);
    let cdi = Cdi::new(http_client(workers * 2)?, proc.port(), &core.api_key);
    sign_up_users(&cdi, "signin", users, PASSWORD).await?;
    let mut raw_pool = RawPool::new(core, threads)?;

    let (mut raw_total, mut raw_secs, mut core_total, mut core_secs) = (0.0, 0.0, 0.0, 0.0);
    let mut ratios = Vec::with_capacity(rounds);
    let mut latencies = Vec::new();
    let mut errors = WorkerResult::default();
    let mut cpu_core = 0.0;
    let mut other_max: f64 = 0.0;
    for round in 0..rounds {
        // The core is idle here; its hashing pool threads are parked.
        crate::load::wait_for_quiet(core.quiet_wait()).await?;
        let (raw, raw_cpu) = raw_pool.measure(args.raw_secs).await?;
        let other = raw_cpu.other;
        let raw_faults = raw_cpu.bench_faults as f64 / (raw * args.raw_secs).max(1.0);
        raw_total += raw * args.raw_secs;
        raw_secs += args.raw_secs;
        other_max = other_max.max(other);

        let warmup = if round == 0 {
            args.warmup_secs.max(0.0)
        } else {
            0.5
        };
        let window = Window::after(
            Instant::now(),
            Duration::from_secs_f64(warmup),
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
        let usage = a.usage_until(&b);
        cpu_core += usage.core / rounds as f64;
        other_max = other_max.max(usage.other);
        let per_sec = all.latencies.len() as f64 / window.secs();
        let core_faults = usage.core_faults as f64 / (all.latencies.len() as f64).max(1.0);
        core_total += all.latencies.len() as f64;
        core_secs += window.secs();
        ratios.push(per_sec / raw);
        eprintln!(
            "round {}: raw {} verifies/s ({raw_faults:.0} page faults each; other processes \
             {other:.0} % CPU), core {} sign-ins/s ({core_faults:.0} core page faults each; {}; \
             ratio {:.1} %)",
            round + 1,
            rate(raw),
            rate(per_sec),
            usage.describe(),
            per_sec / raw * 100.0
        );
        latencies.extend(all.latencies);
        errors.errors += all.errors;
        if errors.first_error.is_none() {
            errors.first_error = all.first_error;
        }
    }
    ensure!(
        !latencies.is_empty(),
        "no sign-in succeeded: {:?}",
        errors.first_error
    );
    let errors_text = errors_note(&errors);
    let raw = raw_total / raw_secs;
    let per_sec = core_total / core_secs;
    let ratio = per_sec / raw;
    let s = Summary::of(latencies);
    let ratio_list: Vec<String> = ratios.iter().map(|r| format!("{:.0}", r * 100.0)).collect();

    Ok(Row {
        benchmark: format!("signin ({})", args.db.name()),
        setup: format!(
            "{}, hashing pool {threads}; {users} users, {workers} workers; {rounds} rounds of \
             {} s raw verifies then {} s sign-ins",
            core.argon2_label(),
            args.raw_secs,
            args.duration_secs,
        ),
        result: format!(
            "**{} sign-ins/s** vs raw argon2id **{} verifies/s** on {threads} thread(s) = \
             **{:.1} %** (per round: {} %); sign-in p50 {}, p99 {}{errors_text}; core CPU \
             {cpu_core:.0} %, other processes ≤ {other_max:.0} %",
            rate(per_sec),
            rate(raw),
            ratio * 100.0,
            ratio_list.join(", "),
            ms(s.p50),
            ms(s.p99),
        ),
        target: "≥ 95 % of raw verifies/s".into(),
        ok: ratio >= TARGET_RATIO,
    })
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

/// `threads` long-lived OS threads verifying argon2id hashes in this process, with the core's
/// parameters, on command.
///
/// The threads live for the whole benchmark, like a dedicated hashing pool: after the first
/// verify each thread's allocator keeps the argon2 work area mapped, so later verifies cost
/// no page faults and the figure is the pure argon2 compute rate.
struct RawPool {
    commands: Vec<std::sync::mpsc::Sender<Window>>,
    results: tokio::sync::mpsc::UnboundedReceiver<Result<u64>>,
}

impl RawPool {
    fn new(core: &CoreArgs, threads: usize) -> Result<Self> {
        let policy = PasswordHashingPolicy::Argon2id {
            memory_kib: core.argon2_memory_kb,
            iterations: core.argon2_iterations,
            parallelism: core.argon2_parallelism,
        };
        let hash = hash_password(&policy, PASSWORD, &OsRandom)
            .context("hashing the raw baseline password")?;
        let (result_tx, results) = tokio::sync::mpsc::unbounded_channel();
        let mut commands = Vec::with_capacity(threads);
        for _ in 0..threads.max(1) {
            let (tx, rx) = std::sync::mpsc::channel::<Window>();
            let hash = hash.clone();
            let result_tx = result_tx.clone();
            // Detached: the thread ends when its command channel is dropped with the pool.
            std::thread::spawn(move || {
                for window in rx {
                    if result_tx.send(verify_during(&hash, window)).is_err() {
                        break;
                    }
                }
            });
            commands.push(tx);
        }
        Ok(Self { commands, results })
    }

    /// Verifies per second over `secs` (after 0.5 s warm-up), all threads together, and the
    /// CPU used meanwhile (its `other` share shows whether the baseline was disturbed).
    async fn measure(&mut self, secs: f64) -> Result<(f64, CpuUsage)> {
        let window = Window::after(
            Instant::now(),
            Duration::from_millis(500),
            Duration::from_secs_f64(secs.max(0.1)),
        );
        for tx in &self.commands {
            tx.send(window)
                .map_err(|_| anyhow!("a raw verify thread is gone"))?;
        }
        sleep_until(window.start).await;
        let a = CpuSnapshot::take_without_core()?;
        sleep_until(window.end).await;
        let b = CpuSnapshot::take_without_core()?;
        let mut total = 0u64;
        for _ in 0..self.commands.len() {
            total += self
                .results
                .recv()
                .await
                .context("a raw verify thread is gone")??;
        }
        Ok((total as f64 / window.secs(), a.usage_until(&b)))
    }
}

/// Verifies `hash` in a loop until `window` ends; returns the verifies completed inside it.
/// The thread keeps one argon2 work area for the whole loop, as the core's hashing threads
/// do, so the baseline is the best raw argon2 can do (no page faults per verify).
fn verify_during(hash: &str, window: Window) -> Result<u64> {
    let mut memory = Argon2Memory::new();
    let mut counted = 0u64;
    // Bounded by count as well as by time: argon2 never runs faster than ~1/µs.
    for _ in 0..10_000_000u64 {
        if Instant::now() >= window.end {
            break;
        }
        if !verify_password_with_memory(PASSWORD, hash, &mut memory)? {
            bail!("raw verify rejected the right password");
        }
        if window.contains(Instant::now()) {
            counted += 1;
        }
    }
    Ok(counted)
}
