//! `refresh`: session refresh throughput and latency under closed-loop concurrency.
//!
//! Each worker owns a few sessions and refreshes them round-robin, always with the refresh
//! token returned by the previous refresh, so every call rotates the token (promotion writes).

use std::time::{Duration, Instant};

use anyhow::{Result, ensure};

use crate::PASSWORD;
use crate::cdi::{Cdi, http_client};
use crate::daemon::{CoreArgs, CoreProcess, DbKind, Deployment};
use crate::load::{Window, WorkerResult, errors_note, join_all, sample_cpu};
use crate::stats::{Row, Summary, ms, rate};

/// Options of `refresh`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct RefreshArgs {
    /// Storage backend.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub(crate) db: DbKind,
    /// Sessions created before the run (spread over the workers).
    #[arg(long, default_value_t = 64)]
    pub(crate) sessions: usize,
    /// Concurrent workers (at most one per session).
    #[arg(long, default_value_t = 32)]
    pub(crate) workers: usize,
    /// Measured seconds.
    #[arg(long, default_value_t = 10.0)]
    pub(crate) duration_secs: f64,
    /// Warm-up seconds before the measurement.
    #[arg(long, default_value_t = 2.0)]
    pub(crate) warmup_secs: f64,
    /// Upper bound on the number of refreshes (whole run, all workers).
    #[arg(long, default_value_t = 2_000_000)]
    pub(crate) max_requests: u64,
}

/// Runs the benchmark and returns its table row.
pub(crate) async fn run(core: &CoreArgs, args: &RefreshArgs) -> Result<Row> {
    crate::load::wait_for_quiet(core.quiet_wait()).await?;
    let mut dep = Deployment::new(core, args.db)?;
    let (proc, _) = dep.start(core).await?;
    let result = measure(core, args, &proc).await;
    if result.is_err() {
        eprintln!("core log:\n{}", proc.log_tail());
    }
    proc.stop().await?;
    result
}

async fn measure(core: &CoreArgs, args: &RefreshArgs, proc: &CoreProcess) -> Result<Row> {
    let workers = args.workers.clamp(1, args.sessions.max(1));
    let cdi = Cdi::new(http_client(workers * 2)?, proc.port(), &core.api_key);
    let user_id = cdi
        .sign_up("refresh-bench@bench.example.com", PASSWORD)
        .await?;
    let mut owned: Vec<Vec<String>> = vec![Vec::new(); workers];
    for i in 0..args.sessions.max(1) {
        let tokens = cdi.create_session(&user_id).await?;
        if let Some(slot) = owned.get_mut(i % workers) {
            slot.push(tokens.refresh);
        }
    }

    let window = Window::after(
        Instant::now(),
        Duration::from_secs_f64(args.warmup_secs.max(0.0)),
        Duration::from_secs_f64(args.duration_secs.max(0.1)),
    );
    let cpu = sample_cpu(proc.pid(), window);
    let per_worker = args.max_requests / workers as u64 + 1;
    let handles = owned
        .into_iter()
        .map(|tokens| {
            tokio::spawn(refresh_loop(
                cdi.clone(),
                user_id.clone(),
                tokens,
                window,
                per_worker,
            ))
        })
        .collect();
    let all = join_all(handles).await?;
    let (cpu_a, cpu_b) = cpu.await??;
    let usage = cpu_a.usage_until(&cpu_b);
    ensure!(
        !all.latencies.is_empty(),
        "no refresh succeeded: {:?}",
        all.first_error
    );

    let errors = errors_note(&all);
    let s = Summary::of(all.latencies);
    let per_sec = s.count as f64 / window.secs();
    let target = match args.db {
        DbKind::Sqlite => 2_500.0,
        DbKind::Postgres => 2_000.0,
    };
    Ok(Row {
        benchmark: format!("refresh ({})", args.db.name()),
        setup: format!(
            "{} sessions, {workers} workers, {} s after {} s warm-up",
            args.sessions, args.duration_secs, args.warmup_secs
        ),
        result: format!(
            "**{} refreshes/s**; p50 {}, p99 {}, max {}{errors}; {}",
            rate(per_sec),
            ms(s.p50),
            ms(s.p99),
            ms(s.max),
            usage.describe()
        ),
        target: format!("≥ {}/s", rate(target)),
        ok: per_sec >= target,
    })
}

/// One closed-loop worker: refresh its sessions round-robin until the window ends.
async fn refresh_loop(
    cdi: Cdi,
    user_id: String,
    mut tokens: Vec<String>,
    window: Window,
    max_requests: u64,
) -> WorkerResult {
    let mut out = WorkerResult::default();
    let n = tokens.len();
    if n == 0 {
        return out;
    }
    for i in 0..max_requests {
        if Instant::now() >= window.end {
            break;
        }
        let Some(slot) = tokens.get_mut((i % n as u64) as usize) else {
            break;
        };
        let t0 = Instant::now();
        let result = cdi.refresh(slot).await;
        let t1 = Instant::now();
        match result {
            Ok(new) => {
                *slot = new.refresh;
                if window.contains(t1) {
                    out.latencies.push(t1 - t0);
                }
            }
            Err(e) => {
                out.error(&e);
                // Replace the dead session so the worker keeps its share of the load.
                if let Ok(fresh) = cdi.create_session(&user_id).await {
                    *slot = fresh.refresh;
                }
            }
        }
    }
    out
}
