//! `sdk-verify`: the cost of `verify_session` on an axum request against a raw RS256 verify
//! of the same token, in process and without sockets.
//!
//! A real core mints the access token; then, alternately in several rounds, one thread runs
//! (i) `jsonwebtoken::decode` of the token, (ii) `oneshot` requests through the app's
//! protected route (`SuperTokensLayer` + `verify_session` + `Session` extractor, token in
//! `Authorization: Bearer`), (iii) the same app's unprotected route, and, for reference,
//! (iv) the bare minimum: the signature checked with a key aws-lc parsed once, plus the
//! payload decoded. Each is timed per operation; the result is the median over rounds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use axum::Router;
use axum::body::Body;
use http::{HeaderValue, Request, StatusCode, header};
use http_body_util::BodyExt;
use jsonwebtoken::Validation;
use tower::ServiceExt;

use crate::cdi::{Cdi, http_client};
use crate::daemon::{CoreArgs, DbKind, Deployment};
use crate::sdk::{self, MintedToken, PROTECTED, PUBLIC};
use crate::stats::{CpuSnapshot, Row};

/// The protected route may cost at most this many raw verifies.
const TARGET_RATIO: f64 = 1.25;

/// Options of `sdk-verify`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SdkVerifyArgs {
    /// Rounds of (raw, protected, unprotected, minimal); short and many, so that drift in the
    /// speed of a shared virtual machine hits the loops of a round alike.
    #[arg(long, default_value_t = 20)]
    pub(crate) rounds: usize,
    /// Measured seconds of each loop per round.
    #[arg(long, default_value_t = 0.25)]
    pub(crate) secs: f64,
    /// Warm-up seconds of each loop before the first round.
    #[arg(long, default_value_t = 0.5)]
    pub(crate) warmup_secs: f64,
    /// Upper bound on the iterations of one loop.
    #[arg(long, default_value_t = 5_000_000)]
    pub(crate) max_iterations: u64,
}

/// Runs the benchmark and returns its table row.
pub(crate) async fn run(core: &CoreArgs, args: &SdkVerifyArgs) -> Result<Row> {
    crate::load::wait_for_quiet(core.quiet_wait()).await?;
    let mut dep = Deployment::new(core, DbKind::Sqlite)?;
    let (proc, _) = dep.start(core).await?;
    let http = http_client(4)?;
    let cdi = Cdi::new(http.clone(), proc.port(), &core.api_key);
    let measured = async {
        let token = sdk::mint_token(&cdi, &http, proc.port()).await?;
        let core_url = format!("http://127.0.0.1:{}", proc.port());
        let st = sdk::init_sdk(&core_url, &core.api_key)?;
        let raw_keys = sdk::RawKeys::fetch(&http, &core_url).await?;
        measure(args, &token, &sdk::app(st, Arc::new(raw_keys))).await
    }
    .await;
    if measured.is_err() {
        eprintln!("core log:\n{}", proc.log_tail());
    }
    proc.stop().await?;
    measured
}

/// Iterations and seconds of one timed loop, plus the CPU share other processes used.
#[derive(Debug, Clone, Copy)]
struct Timed {
    iterations: u64,
    secs: f64,
    other_cpu: f64,
}

impl Timed {
    fn micros_per_op(&self) -> f64 {
        self.secs * 1e6 / self.iterations.max(1) as f64
    }
}

/// Runs `op` in batches until `secs` have passed or `max` iterations are done.
async fn timed<F, Fut>(secs: f64, max: u64, mut op: F) -> Result<Timed>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<()>>,
{
    const BATCH: u64 = 32;
    let budget = Duration::from_secs_f64(secs);
    let cpu0 = CpuSnapshot::take_without_core()?;
    let t0 = Instant::now();
    let mut iterations = 0;
    // At least one batch, then until the time or the iteration budget runs out.
    loop {
        for _ in 0..BATCH {
            op().await?;
        }
        iterations += BATCH;
        if iterations >= max || t0.elapsed() >= budget {
            break;
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let usage = cpu0.usage_until(&CpuSnapshot::take_without_core()?);
    Ok(Timed {
        iterations,
        secs: elapsed,
        other_cpu: usage.other + usage.postgres,
    })
}

async fn raw_loop(
    token: &MintedToken,
    validation: &Validation,
    secs: f64,
    max: u64,
) -> Result<Timed> {
    timed(secs, max, || async { sdk::raw_verify(token, validation) }).await
}

async fn parsed_key_loop(token: &MintedToken, secs: f64, max: u64) -> Result<Timed> {
    timed(secs, max, || async { sdk::parsed_key_verify(token) }).await
}

async fn route_loop(
    app: &Router,
    path: &'static str,
    bearer: &HeaderValue,
    secs: f64,
    max: u64,
) -> Result<Timed> {
    timed(secs, max, || async {
        let request = Request::get(path)
            .header(header::AUTHORIZATION, bearer.clone())
            .body(Body::empty())?;
        let response = app.clone().oneshot(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        if status != StatusCode::OK {
            bail!(
                "GET {path}: {status} {}",
                String::from_utf8_lossy(&body).trim()
            );
        }
        Ok(())
    })
    .await
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

async fn measure(args: &SdkVerifyArgs, token: &MintedToken, app: &Router) -> Result<Row> {
    let validation = sdk::raw_validation();
    let bearer = HeaderValue::from_str(&format!("Bearer {}", token.access))?;
    let (secs, max) = (args.secs, args.max_iterations);
    // The first protected request fetches the JWKS from the core.
    route_loop(app, PROTECTED, &bearer, 0.0, 1).await?;
    raw_loop(token, &validation, args.warmup_secs, max).await?;
    route_loop(app, PROTECTED, &bearer, args.warmup_secs, max).await?;
    route_loop(app, PUBLIC, &bearer, args.warmup_secs, max).await?;
    parsed_key_loop(token, args.warmup_secs, max).await?;

    let rounds = args.rounds.max(1);
    let (mut raw, mut protected, mut public, mut minimal) = (vec![], vec![], vec![], vec![]);
    let mut ratios = vec![];
    let mut worst_other: f64 = 0.0;
    for round in 1..=rounds {
        let r = raw_loop(token, &validation, secs, max).await?;
        let p = route_loop(app, PROTECTED, &bearer, secs, max).await?;
        let u = route_loop(app, PUBLIC, &bearer, secs, max).await?;
        let m = parsed_key_loop(token, secs, max).await?;
        let other = r
            .other_cpu
            .max(p.other_cpu)
            .max(u.other_cpu)
            .max(m.other_cpu);
        worst_other = worst_other.max(other);
        let ratio = p.micros_per_op() / r.micros_per_op();
        eprintln!(
            "round {round}: raw {:.2} µs/verify, protected {:.2} µs/request, unprotected {:.2} µs/request, parsed-key minimum {:.2} µs; ratio {ratio:.3} (other processes {other:.0} % CPU{})",
            r.micros_per_op(),
            p.micros_per_op(),
            u.micros_per_op(),
            m.micros_per_op(),
            if other > 25.0 { ", disturbed" } else { "" }
        );
        raw.push(r.micros_per_op());
        protected.push(p.micros_per_op());
        public.push(u.micros_per_op());
        minimal.push(m.micros_per_op());
        ratios.push(ratio);
    }
    let (raw, protected, public) = (median(raw), median(protected), median(public));
    let minimal = median(minimal);
    let ratio = median(ratios.clone());
    let lowest = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let highest = ratios.iter().copied().fold(0.0, f64::max);
    let disturbed = if worst_other > 25.0 {
        " — **disturbed by other processes**"
    } else {
        ""
    };
    Ok(Row {
        benchmark: "sdk-verify (axum, in-process)".into(),
        setup: format!(
            "RS256 access token minted by the core, `Authorization: Bearer`; one thread; \
             `Router::oneshot` with `SuperTokensLayer`; {rounds} interleaved rounds of {secs} s each: raw \
             `jsonwebtoken::decode`, protected route (`verify_session` + `Session`), unprotected \
             route, minimal verify (aws-lc key parsed once + payload decode)"
        ),
        result: format!(
            "raw verify **{raw:.1} µs**; protected route **{protected:.1} µs/request** = \
             **{ratio:.2}× raw** (median of per-round ratios; range {lowest:.2}–{highest:.2}) ≈ {:.0}k verified requests/s per core; \
             unprotected route {public:.1} µs/request; minimal verify {minimal:.1} µs \
             (protected route = {:.2}× that); other processes ≤ {worst_other:.0} % CPU{disturbed}",
            1e3 / protected,
            protected / minimal,
        ),
        target: format!("≤ {TARGET_RATIO:.2}× raw"),
        ok: ratio <= TARGET_RATIO,
    })
}
