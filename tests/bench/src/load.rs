//! Pieces shared by the load benchmarks: measurement windows, user set-up, CPU sampling.

use std::time::{Duration, Instant};

use anyhow::Result;
use tokio::task::JoinHandle;

use crate::cdi::Cdi;
use crate::stats::CpuSnapshot;

/// A measurement window: only operations completing inside it are counted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    /// Start (end of the warm-up).
    pub(crate) start: Instant,
    /// End.
    pub(crate) end: Instant,
}

impl Window {
    /// The window `[from + warmup, from + warmup + duration]`.
    pub(crate) fn after(from: Instant, warmup: Duration, duration: Duration) -> Self {
        let start = from + warmup;
        Self {
            start,
            end: start + duration,
        }
    }

    /// Whether `t` falls inside the window.
    pub(crate) fn contains(&self, t: Instant) -> bool {
        t >= self.start && t <= self.end
    }

    /// Length in seconds.
    pub(crate) fn secs(&self) -> f64 {
        self.end.duration_since(self.start).as_secs_f64()
    }
}

/// Sleeps until `t`.
pub(crate) async fn sleep_until(t: Instant) {
    tokio::time::sleep_until(tokio::time::Instant::from_std(t)).await;
}

/// Samples CPU counters at the start and end of `window` in the background.
pub(crate) fn sample_cpu(
    core_pid: u32,
    window: Window,
) -> JoinHandle<Result<(CpuSnapshot, CpuSnapshot)>> {
    tokio::spawn(async move {
        sleep_until(window.start).await;
        let a = CpuSnapshot::take(core_pid)?;
        sleep_until(window.end).await;
        let b = CpuSnapshot::take(core_pid)?;
        Ok((a, b))
    })
}

/// The email of benchmark user `i`.
pub(crate) fn email(prefix: &str, i: usize) -> String {
    format!("{prefix}-{i}@bench.example.com")
}

/// Signs up `n` users `email(prefix, 0..n)` with `password`; returns their ids.
pub(crate) async fn sign_up_users(
    cdi: &Cdi,
    prefix: &str,
    n: usize,
    password: &str,
) -> Result<Vec<String>> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        ids.push(cdi.sign_up(&email(prefix, i), password).await?);
    }
    Ok(ids)
}

/// Latencies and errors gathered by one worker.
#[derive(Debug, Default)]
pub(crate) struct WorkerResult {
    /// Latencies of successful operations that completed inside the window.
    pub(crate) latencies: Vec<Duration>,
    /// Failed operations (whole run).
    pub(crate) errors: u64,
    /// The first failure, for the report.
    pub(crate) first_error: Option<String>,
}

impl WorkerResult {
    /// Records a failure.
    pub(crate) fn error(&mut self, e: &anyhow::Error) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(format!("{e:#}"));
        }
    }
}

/// Joins the workers and merges their results.
pub(crate) async fn join_all(handles: Vec<JoinHandle<WorkerResult>>) -> Result<WorkerResult> {
    let mut all = WorkerResult::default();
    for h in handles {
        let r = h.await?;
        all.latencies.extend(r.latencies);
        all.errors += r.errors;
        if all.first_error.is_none() {
            all.first_error = r.first_error;
        }
    }
    Ok(all)
}

/// "; 3 errors (first: …)" or "" when there were none.
pub(crate) fn errors_note(r: &WorkerResult) -> String {
    match (&r.first_error, r.errors) {
        (Some(first), n) if n > 0 => {
            eprintln!("{n} errors; first: {first}");
            format!("; **{n} errors**")
        }
        _ => String::new(),
    }
}

/// Waits (at most `max_wait`) until processes other than this one use less than a quarter
/// of a core, so that a measurement does not start in the middle of someone's build on a
/// shared machine. Returns the last "other" CPU share seen (percent of one core).
pub(crate) async fn wait_for_quiet(max_wait: Duration) -> Result<f64> {
    let deadline = Instant::now() + max_wait;
    let mut warned = false;
    loop {
        let a = CpuSnapshot::take_without_core()?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let other = a.usage_until(&CpuSnapshot::take_without_core()?).other;
        if other < 25.0 {
            return Ok(other);
        }
        if Instant::now() >= deadline {
            eprintln!("warning: other processes still use {other:.0} % CPU; measuring anyway");
            return Ok(other);
        }
        if !warned {
            eprintln!("other processes use {other:.0} % CPU; waiting for a quiet machine");
            warned = true;
        }
    }
}
