//! `sdk-http`: requests/s and p99 of the benchmark axum app's protected route against its
//! unprotected route, driven by `wrk` on loopback.
//!
//! A real core mints the access token. The app runs as a separate process
//! (`supertokens-bench axum-app`, same binary) so that its CPU time can be told apart from the
//! load generator's. `wrk` runs for a fixed duration with fixed connections, in turn on each
//! route for several rounds; every request carries the token in `Authorization: Bearer`.
//! Besides the protected and the unprotected route, the app has a route that verifies the
//! token by hand with `jsonwebtoken::decode`: the baseline under the same HTTP load (on a
//! 2-vCPU VM an RSA verify runs about a fifth slower while the other vCPU is busy, so an
//! idle-machine baseline would not do).

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use crate::cdi::{Cdi, http_client};
use crate::daemon::{CoreArgs, DbKind, Deployment};
use crate::sdk::{self, MintedToken, PROTECTED, PUBLIC, RAW};
use crate::stats::{
    Row, clock_ticks_per_sec, machine_busy_ticks, process_ticks, waited_children_ticks,
};

/// `verify_session` may add at most this many times the app CPU per request that verifying
/// by hand with `jsonwebtoken` adds.
const TARGET_RATIO: f64 = 1.25;

/// Options of `sdk-http`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SdkHttpArgs {
    /// The load generator (Debian package `wrk`).
    #[arg(long, default_value = "wrk")]
    pub(crate) wrk: String,
    /// Open connections (`wrk -c`).
    #[arg(long, default_value_t = 32)]
    pub(crate) connections: u32,
    /// Load generator threads (`wrk -t`).
    #[arg(long, default_value_t = 1)]
    pub(crate) wrk_threads: u32,
    /// Seconds of each measured run (`wrk -d`).
    #[arg(long, default_value_t = 10)]
    pub(crate) duration_secs: u32,
    /// Seconds of the unmeasured warm-up run on each route.
    #[arg(long, default_value_t = 2)]
    pub(crate) warmup_secs: u32,
    /// Rounds; each measures the protected route, then the unprotected one.
    #[arg(long, default_value_t = 2)]
    pub(crate) rounds: usize,
    /// Tokio worker threads of the app; default: one per CPU.
    #[arg(long)]
    pub(crate) app_threads: Option<usize>,
}

/// Runs the benchmark and returns its table row.
pub(crate) async fn run(core: &CoreArgs, args: &SdkHttpArgs) -> Result<Row> {
    check_wrk(&args.wrk)?;
    crate::load::wait_for_quiet(core.quiet_wait()).await?;
    let mut dep = Deployment::new(core, DbKind::Sqlite)?;
    let (proc, _) = dep.start(core).await?;
    let http = http_client(4)?;
    let cdi = Cdi::new(http.clone(), proc.port(), &core.api_key);
    let measured = async {
        let token = sdk::mint_token(&cdi, &http, proc.port()).await?;
        // The app's stderr goes to ours.
        let app = AppProcess::spawn(core, args, proc.port())?;
        measure(core, args, &token, &app, proc.pid(), &http).await
    }
    .await;
    if measured.is_err() {
        eprintln!("core log:\n{}", proc.log_tail());
    }
    proc.stop().await?;
    measured
}

fn check_wrk(wrk: &str) -> Result<()> {
    // `wrk -v` prints its version and exits with status 1; only spawning matters here.
    Command::new(wrk)
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| {
            format!("running `{wrk} -v`: install the load generator (`apt-get install -y wrk`) or pass --wrk")
        })?;
    Ok(())
}

/// The benchmark app in its own process; killed on drop.
struct AppProcess {
    child: Child,
    port: u16,
}

impl AppProcess {
    fn spawn(core: &CoreArgs, args: &SdkHttpArgs, core_port: u16) -> Result<Self> {
        let exe = std::env::current_exe().context("locating supertokens-bench")?;
        let mut cmd = Command::new(exe);
        cmd.args(["axum-app", "--core-url"])
            .arg(format!("http://127.0.0.1:{core_port}"))
            .args(["--api-key", &core.api_key])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(n) = args.app_threads {
            cmd.args(["--threads", &n.to_string()]);
        }
        let mut child = cmd.spawn().context("spawning the axum app")?;
        let stdout = child.stdout.take().context("the app's stdout")?;
        // The app prints exactly one line once it listens (or exits, closing the pipe).
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let port = line
            .trim()
            .strip_prefix("listening on 127.0.0.1:")
            .and_then(|p| p.parse().ok());
        let mut app = Self { child, port: 0 };
        let Some(port) = port else {
            bail!("the axum app did not start (said {:?})", line.trim());
        };
        app.port = port;
        eprintln!("axum app pid {} on 127.0.0.1:{port}", app.child.id());
        Ok(app)
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one `wrk` run reported, plus the CPU used meanwhile.
#[derive(Debug, Clone, Copy)]
struct WrkRun {
    requests: u64,
    secs: f64,
    p99_ms: f64,
    bad: u64,
    /// CPU in % of one core.
    app_cpu: f64,
    wrk_cpu: f64,
    other_cpu: f64,
}

impl WrkRun {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.secs.max(1e-9)
    }

    /// App CPU time per request, µs.
    fn app_micros_per_request(&self) -> f64 {
        self.app_cpu / 100.0 * self.secs * 1e6 / self.requests.max(1) as f64
    }
}

fn run_wrk(
    args: &SdkHttpArgs,
    url: &str,
    bearer: &str,
    secs: u32,
    app_pid: u32,
    core_pid: u32,
) -> Result<WrkRun> {
    let ticks = || -> Result<[u64; 4]> {
        Ok([
            machine_busy_ticks()?,
            process_ticks(app_pid)?,
            process_ticks(core_pid)? + process_ticks(std::process::id())?,
            waited_children_ticks()?,
        ])
    };
    let before = ticks()?;
    let t0 = Instant::now();
    let out = Command::new(&args.wrk)
        .args([
            "-t",
            &args.wrk_threads.to_string(),
            "-c",
            &args.connections.to_string(),
            "-d",
            &format!("{secs}s"),
            "--timeout",
            "5s",
            "--latency",
            "-H",
            &format!("Authorization: Bearer {bearer}"),
            url,
        ])
        .stdin(Stdio::null())
        .output()
        .context("running wrk")?;
    let wall = t0.elapsed().as_secs_f64();
    let after = ticks()?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "wrk failed ({}): {text}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let pct = |i: usize| {
        after[i].saturating_sub(before[i]) as f64 / clock_ticks_per_sec() / wall.max(1e-9) * 100.0
    };
    let (machine, app, core_and_bench, wrk) = (pct(0), pct(1), pct(2), pct(3));
    let mut run = parse_wrk(&text).with_context(|| format!("reading wrk's output:\n{text}"))?;
    run.app_cpu = app;
    run.wrk_cpu = wrk;
    run.other_cpu = (machine - app - core_and_bench - wrk).max(0.0);
    Ok(run)
}

/// Reads `N requests in 10.00s`, the `99%` latency line, and the non-2xx and socket error
/// counts from `wrk --latency` output.
fn parse_wrk(text: &str) -> Result<WrkRun> {
    let mut requests = None;
    let mut secs = None;
    let mut p99_ms = None;
    let mut bad = 0;
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [n, "requests", "in", dur, ..] => {
                requests = n.parse().ok();
                secs = duration_ms(dur.trim_end_matches(',')).map(|ms| ms / 1000.0);
            }
            ["99%", value] => p99_ms = duration_ms(value),
            ["Non-2xx", "or", "3xx", "responses:", n] => bad += n.parse::<u64>()?,
            ["Socket", "errors:", rest @ ..] => {
                for n in rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                {
                    bad += n;
                }
            }
            _ => {}
        }
    }
    let (Some(requests), Some(secs), Some(p99_ms)) = (requests, secs, p99_ms) else {
        bail!("no request count, duration or 99% latency");
    };
    Ok(WrkRun {
        requests,
        secs,
        p99_ms,
        bad,
        app_cpu: 0.0,
        wrk_cpu: 0.0,
        other_cpu: 0.0,
    })
}

/// `812.00us`, `1.23ms`, `10.00s`, `1.50m` in milliseconds.
fn duration_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let factor = match unit {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        _ => return None,
    };
    Some(value * factor)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Median requests/s, worst p99, median app CPU % and µs per request of a route's runs.
struct RouteSummary {
    rate: f64,
    p99_ms: f64,
    app_cpu: f64,
    app_us: f64,
}

impl RouteSummary {
    fn of(runs: &[WrkRun]) -> Self {
        Self {
            rate: median(runs.iter().map(WrkRun::rate).collect()),
            p99_ms: runs.iter().map(|r| r.p99_ms).fold(0.0, f64::max),
            app_cpu: median(runs.iter().map(|r| r.app_cpu).collect()),
            app_us: median(runs.iter().map(WrkRun::app_micros_per_request).collect()),
        }
    }

    fn describe(&self) -> String {
        format!(
            "**{} requests/s**, p99 {:.2} ms (app CPU {:.0} %, {:.1} µs/request)",
            crate::stats::rate(self.rate),
            self.p99_ms,
            self.app_cpu,
            self.app_us
        )
    }
}

async fn measure(
    core: &CoreArgs,
    args: &SdkHttpArgs,
    token: &MintedToken,
    app: &AppProcess,
    core_pid: u32,
    http: &reqwest::Client,
) -> Result<Row> {
    let bearer = format!("Bearer {}", token.access);
    let ready = Duration::from_secs(core.ready_timeout_secs);
    sdk::wait_for_200(http, &app.url(PUBLIC), &[], ready).await?;
    for path in [PROTECTED, RAW] {
        // The first protected request also fetches the JWKS into the SDK's cache.
        sdk::wait_for_200(http, &app.url(path), &[("authorization", &bearer)], ready).await?;
    }

    let app_pid = app.child.id();
    let wrk = |path: &'static str, secs: u32| {
        let (args, url, access) = (args.clone(), app.url(path), token.access.clone());
        tokio::task::spawn_blocking(move || run_wrk(&args, &url, &access, secs, app_pid, core_pid))
    };
    const ROUTES: [&str; 3] = [PROTECTED, RAW, PUBLIC];
    for path in ROUTES {
        wrk(path, args.warmup_secs.max(1)).await??;
    }
    let mut runs: [Vec<WrkRun>; 3] = Default::default();
    for round in 1..=args.rounds.max(1) {
        crate::load::wait_for_quiet(core.quiet_wait()).await?;
        for (path, route_runs) in ROUTES.iter().zip(runs.iter_mut()) {
            let run = wrk(path, args.duration_secs).await??;
            if run.bad > 0 {
                bail!("GET {path}: {} non-2xx responses or socket errors", run.bad);
            }
            eprintln!(
                "round {round}: {path} {:.0} requests/s, p99 {:.2} ms, app CPU {:.0} % ({:.1} µs/request), wrk {:.0} %, other {:.0} %{}",
                run.rate(),
                run.p99_ms,
                run.app_cpu,
                run.app_micros_per_request(),
                run.wrk_cpu,
                run.other_cpu,
                if run.other_cpu > 25.0 {
                    " — disturbed"
                } else {
                    ""
                }
            );
            route_runs.push(run);
        }
    }
    let [protected, raw, public] = runs.each_ref().map(|r| RouteSummary::of(r));
    let added = protected.app_us - public.app_us;
    let added_raw = raw.app_us - public.app_us;
    let ratio = added / added_raw;
    let all = runs.iter().flatten();
    let wrk_cpu = median(all.clone().map(|r| r.wrk_cpu).collect());
    let other = all.map(|r| r.other_cpu).fold(0.0, f64::max);
    let disturbed = if other > 25.0 {
        " — **disturbed by other processes**"
    } else {
        ""
    };
    Ok(Row {
        benchmark: "sdk-http (axum over loopback)".into(),
        setup: format!(
            "`wrk -t{} -c{} -d{}s --latency` per route, {} rounds after a {} s warm-up each; app: \
             axum 0.8 + `SuperTokensLayer`, tokio workers: {}; `GET {PROTECTED}` behind \
             `verify_session`, `GET {RAW}` verifying by hand with `jsonwebtoken::decode`, \
             `GET {PUBLIC}` without verification; Bearer token on every request",
            args.wrk_threads,
            args.connections,
            args.duration_secs,
            args.rounds.max(1),
            args.warmup_secs.max(1),
            args.app_threads
                .map_or_else(|| "one per CPU".to_owned(), |n| n.to_string()),
        ),
        result: format!(
            "protected {}; raw {}; unprotected {}; app CPU added per request over the \
             unprotected route: `verify_session` **{added:.1} µs** vs raw **{added_raw:.1} µs** \
             = **{ratio:.2}×**; wrk {wrk_cpu:.0} %, other ≤ {other:.0} %{disturbed}",
            protected.describe(),
            raw.describe(),
            public.describe(),
        ),
        target: format!("added app CPU per request ≤ {TARGET_RATIO:.2}× the raw route's"),
        ok: ratio <= TARGET_RATIO,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "Running 10s test @ http://127.0.0.1:4000/protected
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.10ms  301.05us   9.87ms   80.00%
    Req/Sec    29.32k     1.01k   31.00k    70.00%
  Latency Distribution
     50%    1.05ms
     75%    1.20ms
     90%    1.40ms
     99%  812.00us
  291814 requests in 10.00s, 36.18MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:  29179.98
Transfer/sec:      3.62MB
";

    #[test]
    fn wrk_output_is_read() {
        let run = parse_wrk(OUTPUT).unwrap();
        assert_eq!(run.requests, 291_814);
        assert!((run.secs - 10.0).abs() < 1e-9);
        assert!((run.p99_ms - 0.812).abs() < 1e-9);
        assert_eq!(run.bad, 3);
        assert!(parse_wrk("nonsense").is_err());
        assert_eq!(duration_ms("1.50m"), Some(90_000.0));
    }
}
