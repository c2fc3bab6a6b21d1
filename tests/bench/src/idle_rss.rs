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
}

/// Runs the benchmark and returns its table row.
pub(crate) async fn run(core: &CoreArgs, args: &IdleRssArgs) -> Result<Row> {
    let mut dep = Deployment::new(core, args.db)?;
    let (proc, _) = dep.start(core).await?;
    let pid = proc.pid();
    let rss_ready = status_mib(pid, "VmRSS")?;

    let cdi = Cdi::new(http_client(4)?, proc.port(), &core.api_key);
    let user_id = cdi.sign_up("idle-rss@example.com", PASSWORD).await?;
    let tokens = cdi.create_session(&user_id).await?;
    let tokens = cdi.refresh(&tokens.refresh).await?;
    let status = cdi.verify(&tokens.access).await?;
    ensure!(
        status == "OK",
        "verify of a fresh access token answered {status}"
    );
    ensure!(
        cdi.sign_in("idle-rss@example.com", PASSWORD).await?,
        "sign-in failed"
    );
    let rss_busy = status_mib(pid, "VmRSS")?;

    tokio::time::sleep(Duration::from_secs_f64(args.settle_secs.max(0.0))).await;
    let rss = status_mib(pid, "VmRSS")?;
    let hwm = status_mib(pid, "VmHWM")?;
    let threads = std::fs::read_to_string(format!("/proc/{pid}/status"))?
        .lines()
        .find_map(|l| l.strip_prefix("Threads:").map(|v| v.trim().to_owned()))
        .unwrap_or_default();
    proc.stop().await?;

    Ok(Row {
        benchmark: format!("idle-rss ({})", args.db.name()),
        setup: format!(
            "sign-up, sign-in, session create, refresh, verify; then {} s idle; {}",
            args.settle_secs,
            core.argon2_label()
        ),
        result: format!(
            "VmRSS {rss:.1} MiB idle (right after ready {rss_ready:.1} MiB, right after the \
             requests {rss_busy:.1} MiB, peak VmHWM {hwm:.1} MiB, {threads} threads)"
        ),
        target: "≤ 15 MiB".into(),
        ok: rss <= TARGET_MIB,
    })
}
