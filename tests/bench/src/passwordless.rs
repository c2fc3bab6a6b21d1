//! `passwordless`: passwordless codes created per second, then consumed per second.
//!
//! Phase 1 (create): closed-loop workers create codes, each for a new device of its own
//! email (`POST /recipe/signinup/code`: one device and one code written per call). Phase 2
//! (consume): the workers consume the codes phase 1 made, with the typed code
//! (`POST /recipe/signinup/code/consume`: the attempt runs in a transaction with the device
//! locked, deletes the email's devices, then creates the passwordless user). Every consume
//! is thus a sign-up; that is the heavier path (an existing user is only looked up).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};

use crate::cdi::{Cdi, CreatedCode, http_client};
use crate::daemon::{CoreArgs, CoreProcess, DbKind, Deployment};
use crate::load::{Window, WorkerResult, errors_note, join_all, sample_cpu};
use crate::stats::{Row, Summary, ms, rate};

/// Options of `passwordless`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct PasswordlessArgs {
    /// Storage backend.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub(crate) db: DbKind,
    /// Concurrent workers.
    #[arg(long, default_value_t = 32)]
    pub(crate) workers: usize,
    /// Measured seconds of each phase.
    #[arg(long, default_value_t = 10.0)]
    pub(crate) duration_secs: f64,
    /// Warm-up seconds before each measurement.
    #[arg(long, default_value_t = 2.0)]
    pub(crate) warmup_secs: f64,
    /// Upper bound on the codes created (and so on the consumes).
    #[arg(long, default_value_t = 400_000)]
    pub(crate) max_codes: usize,
}

/// Runs both phases on one core and returns their two table rows.
pub(crate) async fn run(core: &CoreArgs, args: &PasswordlessArgs) -> Result<Vec<Row>> {
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

async fn measure(core: &CoreArgs, args: &PasswordlessArgs, proc: &CoreProcess) -> Result<Vec<Row>> {
    let workers = args.workers.max(1);
    let cdi = Cdi::new(http_client(workers * 2)?, proc.port(), &core.api_key);
    let warmup = Duration::from_secs_f64(args.warmup_secs.max(0.0));
    let duration = Duration::from_secs_f64(args.duration_secs.max(0.1));
    let setup = format!(
        "{workers} workers, {} s after {} s warm-up",
        args.duration_secs, args.warmup_secs
    );

    // Phase 1: create.
    let window = Window::after(Instant::now(), warmup, duration);
    let cpu = sample_cpu(proc.pid(), window);
    let next_email = Arc::new(AtomicUsize::new(0));
    let per_worker = args.max_codes / workers + 1;
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            tokio::spawn(create_loop(
                cdi.clone(),
                Arc::clone(&next_email),
                window,
                per_worker,
            ))
        })
        .collect();
    let mut codes: Vec<CreatedCode> = Vec::new();
    let mut created = WorkerResult::default();
    for handle in handles {
        let (result, made) = handle.await?;
        codes.extend(made);
        created.latencies.extend(result.latencies);
        created.errors += result.errors;
        if created.first_error.is_none() {
            created.first_error = result.first_error;
        }
    }
    let usage = {
        let (a, b) = cpu.await??;
        a.usage_until(&b)
    };
    ensure!(
        !created.latencies.is_empty(),
        "no code was created: {:?}",
        created.first_error
    );
    let create_errors = errors_note(&created);
    let s = Summary::of(created.latencies);
    let create_rate = s.count as f64 / window.secs();
    let create_row = Row {
        benchmark: format!("passwordless create code ({})", args.db.name()),
        setup: setup.clone(),
        result: format!(
            "**{} codes/s**; p50 {}, p99 {}, max {}{create_errors}; {}",
            rate(create_rate),
            ms(s.p50),
            ms(s.p99),
            ms(s.max),
            usage.describe()
        ),
        target: format!("≥ {}/s", rate(10_000.0)),
        ok: create_rate >= 10_000.0,
    };

    // Phase 2: consume the codes of phase 1, each once.
    let codes = Arc::new(codes);
    let next_code = Arc::new(AtomicUsize::new(0));
    let window = Window::after(Instant::now(), warmup, duration);
    let cpu = sample_cpu(proc.pid(), window);
    let handles = (0..workers)
        .map(|_| {
            tokio::spawn(consume_loop(
                cdi.clone(),
                Arc::clone(&codes),
                Arc::clone(&next_code),
                window,
            ))
        })
        .collect();
    let consumed = join_all(handles).await?;
    let usage = {
        let (a, b) = cpu.await??;
        a.usage_until(&b)
    };
    ensure!(
        !consumed.latencies.is_empty(),
        "no code was consumed: {:?}",
        consumed.first_error
    );
    let used = next_code.load(Ordering::Relaxed).min(codes.len());
    let ran_out = if used >= codes.len() && Instant::now() < window.end {
        "; ran out of codes before the end"
    } else {
        ""
    };
    let consume_errors = errors_note(&consumed);
    let s = Summary::of(consumed.latencies);
    let consume_rate = s.count as f64 / window.secs();
    let consume_row = Row {
        benchmark: format!("passwordless consume code ({})", args.db.name()),
        setup: format!("{setup}; each consume signs up a new user"),
        result: format!(
            "**{} consumes/s**; p50 {}, p99 {}, max {}{consume_errors}{ran_out}; {}",
            rate(consume_rate),
            ms(s.p50),
            ms(s.p99),
            ms(s.max),
            usage.describe()
        ),
        target: format!("≥ {}/s", rate(2_000.0)),
        ok: consume_rate >= 2_000.0,
    };
    Ok(vec![create_row, consume_row])
}

/// One closed-loop worker of phase 1: creates codes for fresh emails until the window ends.
async fn create_loop(
    cdi: Cdi,
    next_email: Arc<AtomicUsize>,
    window: Window,
    max_codes: usize,
) -> (WorkerResult, Vec<CreatedCode>) {
    let mut out = WorkerResult::default();
    let mut made = Vec::new();
    for _ in 0..max_codes {
        if Instant::now() >= window.end {
            break;
        }
        let i = next_email.fetch_add(1, Ordering::Relaxed);
        let email = crate::load::email("passwordless-bench", i);
        let t0 = Instant::now();
        let result = cdi.create_code(&email).await;
        let t1 = Instant::now();
        match result {
            Ok(code) => {
                if window.contains(t1) {
                    out.latencies.push(t1 - t0);
                }
                made.push(code);
            }
            Err(e) => out.error(&e),
        }
    }
    (out, made)
}

/// One closed-loop worker of phase 2: takes the next unused code and consumes it.
async fn consume_loop(
    cdi: Cdi,
    codes: Arc<Vec<CreatedCode>>,
    next_code: Arc<AtomicUsize>,
    window: Window,
) -> WorkerResult {
    let mut out = WorkerResult::default();
    loop {
        if Instant::now() >= window.end {
            break;
        }
        let Some(code) = codes.get(next_code.fetch_add(1, Ordering::Relaxed)) else {
            break;
        };
        let t0 = Instant::now();
        let result = cdi.consume_code(code).await;
        let t1 = Instant::now();
        match result {
            Ok(status) if status == "OK" => {
                if window.contains(t1) {
                    out.latencies.push(t1 - t0);
                }
            }
            Ok(status) => out.error(&anyhow::anyhow!("consume: status {status}")),
            Err(e) => out.error(&e),
        }
    }
    out
}
