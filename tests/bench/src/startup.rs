//! `startup`: time from spawn to the first 200 from `GET /hello`, on SQLite.

use std::time::Duration;

use anyhow::Result;

use crate::daemon::{CoreArgs, DbKind, Deployment};
use crate::stats::{Row, ms};

/// Target for the median start-to-ready time.
const TARGET: Duration = Duration::from_millis(200);

/// Options of `startup`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct StartupArgs {
    /// Number of runs; each run starts the core on a fresh data dir, stops it, and starts it
    /// again on the same (now existing) data dir.
    #[arg(long, default_value_t = 10)]
    pub(crate) runs: usize,
}

/// Runs the benchmark and returns its table row.
pub(crate) async fn run(core: &CoreArgs, args: &StartupArgs) -> Result<Row> {
    let runs = args.runs.max(1);
    let mut fresh = Vec::with_capacity(runs);
    let mut existing = Vec::with_capacity(runs);
    for i in 0..runs {
        crate::load::wait_for_quiet(core.quiet_wait()).await?;
        let mut dep = Deployment::new(core, DbKind::Sqlite)?;
        let (proc, t_fresh) = dep.start(core).await?;
        proc.stop().await?;
        let (proc, t_existing) = dep.start(core).await?;
        proc.stop().await?;
        eprintln!(
            "run {}: fresh {}, existing {}",
            i + 1,
            ms(t_fresh),
            ms(t_existing)
        );
        fresh.push(t_fresh);
        existing.push(t_existing);
    }
    let (f_med, f_min, f_max) = median_min_max(fresh);
    let (e_med, e_min, e_max) = median_min_max(existing);
    Ok(Row {
        benchmark: "startup (sqlite)".into(),
        setup: format!("spawn → first 200 from /hello, median of {runs} runs"),
        result: format!(
            "fresh data dir {} (min {}, max {}); existing data dir {} (min {}, max {})",
            ms(f_med),
            ms(f_min),
            ms(f_max),
            ms(e_med),
            ms(e_min),
            ms(e_max)
        ),
        target: "≤ 200 ms".into(),
        ok: f_med <= TARGET && e_med <= TARGET,
    })
}

/// Median (upper median for an even count), minimum and maximum.
fn median_min_max(mut v: Vec<Duration>) -> (Duration, Duration, Duration) {
    v.sort_unstable();
    let med = v.get(v.len() / 2).copied().unwrap_or_default();
    let min = v.first().copied().unwrap_or_default();
    let max = v.last().copied().unwrap_or_default();
    (med, min, max)
}
