//! `idle-rss`: resident memory of an idle core after a handful of requests.

use std::time::Duration;

use anyhow::{Result, ensure};

use crate::PASSWORD;
use crate::cdi::{Cdi, http_client};
use crate::daemon::{CoreArgs, DbKind, Deployment};
use crate::stats::{Row, status_mib};

/// Target for VmRSS when idle, in MiB.
const TARGET_MIB: f64 = 15.0;

/// Options of `idle-rss`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct IdleRssArgs {
    /// Storage backend.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub(crate) db: DbKind,
    /// Seconds to wait after the last request before reading VmRSS.
    #[arg(long, default_value_t = 2.0)]
    pub(crate) settle_secs: f64,
    /// Independent runs (fresh core and data dir each); the median is reported.
    #[arg(long, default_value_t = 3)]
    pub(crate) runs: usize,
}

/// Memory of one run, in MiB.
#[derive(Debug, Clone, Copy)]
struct Sample {
    ready: f64,
    busy: f64,
    idle: f64,
    peak: f64,
}

/// Runs the benchmark and returns its table row.
pub(crate) async fn run(core: &CoreArgs, args: &IdleRssArgs) -> Result<Row> {
    let runs = args.runs.max(1);
    let mut samples = Vec::with_capacity(runs);
    for i in 0..runs {
        let s = one_run(core, args).await?;
        eprintln!(
            "run {}: VmRSS ready {:.1} MiB, after requests {:.1} MiB, idle {:.1} MiB, VmHWM {:.1} MiB",
            i + 1,
            s.ready,
            s.busy,
            s.idle,
            s.peak
        );
        samples.push(s);
    }
    samples.sort_by(|a, b| a.idle.total_cmp(&b.idle));
    let idle: Vec<String> = samples.iter().map(|s| format!("{:.1}", s.idle)).collect();
    let Some(median) = samples.get(samples.len() / 2).copied() else {
        anyhow::bail!("no idle-rss sample");
    };
    Ok(Row {
        benchmark: format!("idle-rss ({})", args.db.name()),
        setup: format!(
            "sign-up, sign-in, session create, refresh, verify; then {} s idle; {}; median of \
             {runs} runs",
            args.settle_secs,
            core.argon2_label()
        ),
        result: format!(
            "**VmRSS {:.1} MiB idle** (runs: {} MiB; right after ready {:.1} MiB, right after \
             the requests {:.1} MiB, peak VmHWM {:.1} MiB)",
            median.idle,
            idle.join(", "),
            median.ready,
            median.busy,
            median.peak
        ),
        target: "≤ 15 MiB".into(),
        ok: median.idle <= TARGET_MIB,
    })
}

async fn one_run(core: &CoreArgs, args: &IdleRssArgs) -> Result<Sample> {
    crate::load::wait_for_quiet(core.quiet_wait()).await?;
    let mut dep = Deployment::new(core, args.db)?;
    let (proc, _) = dep.start(core).await?;
    let pid = proc.pid();
    let ready = status_mib(pid, "VmRSS")?;

    let cdi = Cdi::new(http_client(4)?, proc.port(), &core.api_key);
    let user_id = cdi.sign_up("idle-rss@bench.example.com", PASSWORD).await?;
    let tokens = cdi.create_session(&user_id).await?;
    let tokens = cdi.refresh(&tokens.refresh).await?;
    let status = cdi.verify(&tokens.access).await?;
    ensure!(
        status == "OK",
        "verify of a fresh access token answered {status}"
    );
    ensure!(
        cdi.sign_in("idle-rss@bench.example.com", PASSWORD).await?,
        "sign-in failed"
    );
    let busy = status_mib(pid, "VmRSS")?;

    tokio::time::sleep(Duration::from_secs_f64(args.settle_secs.max(0.0))).await;
    let idle = status_mib(pid, "VmRSS")?;
    let peak = status_mib(pid, "VmHWM")?;
    proc.stop().await?;
    Ok(Sample {
        ready,
        busy,
        idle,
        peak,
    })
}
