//! `refresh-under-signin-flood`: latency of a paced refresh load while many concurrent
//! sign-ins saturate the password hashing pool.
//!
//! Timeline: paced refreshes start at t = 0; the baseline window (no flood) runs from 0.5 s
//! for `--baseline-secs`; then the sign-in flood starts, and after `--warmup-secs` the flood
//! window runs for `--duration-secs`.

use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use tokio::time::MissedTickBehavior;

use crate::PASSWORD;
use crate::cdi::{Cdi, http_client};
use crate::daemon::{CoreArgs, CoreProcess, DbKind, Deployment};
use crate::load::{
    Window, WorkerResult, email, errors_note, join_all, sample_cpu, sign_up_users, sleep_until,
};
use crate::signin::sign_in_loop;
use crate::stats::{Row, Summary, ms, rate};

/// Target for refresh p99 during the flood.
const TARGET_P99: Duration = Duration::from_millis(20);

/// Options of `refresh-under-signin-flood`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct FloodArgs {
    /// Storage backend.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub(crate) db: DbKind,
    /// Users signed up for the flood.
    #[arg(long, default_value_t = 8)]
    pub(crate) users: usize,
    /// Concurrent sign-in workers (closed loop).
    #[arg(long, default_value_t = 64)]
    pub(crate) flood_workers: usize,
    /// Total refreshes per second (open loop, paced).
    #[arg(long, default_value_t = 100.0)]
    pub(crate) refresh_rate: f64,
    /// Workers sharing the paced refresh load (one session each).
    #[arg(long, default_value_t = 8)]
    pub(crate) refresh_workers: usize,
    /// Seconds of refresh-only load before the flood (baseline latency).
    #[arg(long, default_value_t = 3.0)]
    pub(crate) baseline_secs: f64,
    /// Seconds between the start of the flood and the measurement.
    #[arg(long, default_value_t = 2.0)]
    pub(crate) warmup_secs: f64,
    /// Measured seconds under the flood.
    #[arg(long, default_value_t = 10.0)]
    pub(crate) duration_secs: f64,
}

/// Runs the benchmark and returns its table row.
pub(crate) async fn run(core: &CoreArgs, args: &FloodArgs) -> Result<Row> {
    crate::load::wait_for_quiet(core.quiet_wait()).await?;
    // Several flood workers sign in one user at once; the core's per-account sign-in limit
    // would refuse the ones past its free failures (counted before the password is checked)
    // with 429, and the flood would stop costing hashes.
    let mut core = core.clone();
    core.core_env
        .push(("SUPERTOKENS_RATE_LIMITS_ENABLED".into(), "false".into()));
    let core = &core;
    let mut dep = Deployment::new(core, args.db)?;
    let (proc, _) = dep.start(core).await?;
    let result = measure(core, args, &proc).await;
    if result.is_err() {
        eprintln!("core log:\n{}", proc.log_tail());
    }
    proc.stop().await?;
    result
}

async fn measure(core: &CoreArgs, args: &FloodArgs, proc: &CoreProcess) -> Result<Row> {
    let users = args.users.max(1);
    let flood_workers = args.flood_workers.max(1);
    let refresh_workers = args.refresh_workers.max(1);
    let cdi = Cdi::new(
        http_client(flood_workers + refresh_workers * 2)?,
        proc.port(),
        &core.api_key,
    );
    let ids = sign_up_users(&cdi, "flood", users, PASSWORD).await?;
    let user_id = ids.first().cloned().unwrap_or_default();
    let mut sessions = Vec::with_capacity(refresh_workers);
    for _ in 0..refresh_workers {
        sessions.push(cdi.create_session(&user_id).await?.refresh);
    }

    let t0 = Instant::now();
    let baseline = Window::after(
        t0,
        Duration::from_millis(500),
        Duration::from_secs_f64(args.baseline_secs.max(0.1)),
    );
    let flood_start = baseline.end;
    let flood = Window::after(
        flood_start,
        Duration::from_secs_f64(args.warmup_secs.max(0.0)),
        Duration::from_secs_f64(args.duration_secs.max(0.1)),
    );
    let period = Duration::from_secs_f64(refresh_workers as f64 / args.refresh_rate.max(0.1));

    let refreshers: Vec<_> = sessions
        .into_iter()
        .enumerate()
        .map(|(i, token)| {
            let first = t0 + period.mul_f64(i as f64 / refresh_workers as f64);
            tokio::spawn(paced_refresh_loop(
                cdi.clone(),
                user_id.clone(),
                token,
                first,
                period,
                flood.end,
            ))
        })
        .collect();
    let cpu = sample_cpu(proc.pid(), flood);

    sleep_until(flood_start).await;
    let flooders = (0..flood_workers)
        .map(|w| {
            tokio::spawn(sign_in_loop(
                cdi.clone(),
                email("flood", w % users),
                flood,
                100_000,
            ))
        })
        .collect();

    let mut refreshes: Vec<(Instant, Duration)> = Vec::new();
    let mut refresh_errors = WorkerResult::default();
    for h in refreshers {
        let (samples, errs) = h.await?;
        refreshes.extend(samples);
        refresh_errors.errors += errs.errors;
        if refresh_errors.first_error.is_none() {
            refresh_errors.first_error = errs.first_error;
        }
    }
    let signins = join_all(flooders).await?;
    let (a, b) = cpu.await??;
    let usage = a.usage_until(&b);

    let in_window = |w: Window| -> Vec<Duration> {
        refreshes
            .iter()
            .filter(|(t, _)| w.contains(*t))
            .map(|(_, d)| *d)
            .collect()
    };
    let base = Summary::of(in_window(baseline));
    let during = Summary::of(in_window(flood));
    ensure!(
        during.count > 0,
        "no refresh completed during the flood: {:?}",
        refresh_errors.first_error
    );
    let refresh_err = errors_note(&refresh_errors);
    let signin_err = errors_note(&signins);
    let signin_rate = signins.latencies.len() as f64 / flood.secs();
    let signin_lat = Summary::of(signins.latencies);

    Ok(Row {
        benchmark: format!("refresh-under-signin-flood ({})", args.db.name()),
        setup: format!(
            "{flood_workers} concurrent sign-in workers ({}, hashing pool {}); paced refreshes \
             {}/s from {refresh_workers} workers; {} s measured after {} s flood warm-up",
            core.argon2_label(),
            core.effective_pool_size(),
            args.refresh_rate,
            args.duration_secs,
            args.warmup_secs
        ),
        result: format!(
            "refresh during flood **p50 {}, p99 {}**, max {} ({} refreshes/s achieved{refresh_err}); \
             without flood p50 {}, p99 {}; flood {} sign-ins/s, sign-in p50 {}{signin_err}; {}",
            ms(during.p50),
            ms(during.p99),
            ms(during.max),
            rate(during.count as f64 / flood.secs()),
            ms(base.p50),
            ms(base.p99),
            rate(signin_rate),
            ms(signin_lat.p50),
            usage.describe()
        ),
        target: "refresh p99 < 20 ms".into(),
        ok: during.p99 < TARGET_P99,
    })
}

/// An open-loop worker: one refresh per `period` (missed ticks are skipped, so a stalled
/// core shows up as fewer achieved refreshes as well as higher latency) until `end`.
/// Returns (completion time, latency) of each successful refresh.
async fn paced_refresh_loop(
    cdi: Cdi,
    user_id: String,
    mut token: String,
    first: Instant,
    period: Duration,
    end: Instant,
) -> (Vec<(Instant, Duration)>, WorkerResult) {
    let mut samples = Vec::new();
    let mut errors = WorkerResult::default();
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::from_std(first), period);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    // Bounded by count as well as by time.
    let max =
        (end.saturating_duration_since(first).as_secs_f64() / period.as_secs_f64()) as u64 + 2;
    for _ in 0..max {
        ticker.tick().await;
        if Instant::now() >= end {
            break;
        }
        let t0 = Instant::now();
        let result = cdi.refresh(&token).await;
        let t1 = Instant::now();
        match result {
            Ok(new) => {
                token = new.refresh;
                samples.push((t1, t1 - t0));
            }
            Err(e) => {
                errors.error(&e);
                if let Ok(fresh) = cdi.create_session(&user_id).await {
                    token = fresh.refresh;
                }
            }
        }
    }
    (samples, errors)
}
