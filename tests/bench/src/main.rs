//! `supertokens-bench`: start-up, memory and load benchmarks of the release `supertokens-core`
//! binary, driven over the CDI on loopback.
//!
//! Every subcommand spawns the core itself on a throw-away data directory (and, for
//! `--db postgres`, a throw-away database), measures, stops the core and cleans up. Results
//! are printed as markdown table rows for BENCHMARKS.md; progress goes to stderr. All loops
//! are bounded by a request count and by time.

mod cdi;
mod daemon;
mod enumeration;
mod flood;
mod idle_rss;
mod load;
mod passwordless;
mod refresh;
mod sdk;
mod sdk_http;
mod sdk_verify;
mod signin;
mod startup;
mod stats;

use anyhow::Result;
use clap::{Args, FromArgMatches, Parser, Subcommand};

use crate::daemon::CoreArgs;
use crate::stats::{Row, print_header};

/// Password of every benchmark user.
pub(crate) const PASSWORD: &str = "Bench-password-123";

/// Benchmarks of the SuperTokens-compatible core (spawns `supertokens-core` itself).
#[derive(Debug, Parser)]
#[command(name = "supertokens-bench", version)]
struct Cli {
    #[command(flatten)]
    core: CoreArgs,
    /// Tokio worker threads of the load generator (it shares the machine with the core).
    #[arg(long, global = true, default_value_t = 1)]
    client_threads: usize,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Spawn → first 200 from /hello on SQLite, fresh and existing data dir (median of N).
    Startup(startup::StartupArgs),
    /// VmRSS of an idle core after a handful of requests.
    IdleRss(idle_rss::IdleRssArgs),
    /// Refreshes/s and p50/p99 with C concurrent workers rotating S sessions.
    Refresh(refresh::RefreshArgs),
    /// Sign-ins/s through the core against raw in-process argon2id verifies/s.
    Signin(signin::SigninArgs),
    /// Refresh p50/p99 at a paced rate while a sign-in flood saturates the hashing pool.
    #[command(alias = "flood")]
    RefreshUnderSigninFlood(flood::FloodArgs),
    /// Passwordless codes created/s, then consumed/s (each consume signs up a new user).
    Passwordless(passwordless::PasswordlessArgs),
    /// Everything above with default options (refresh and passwordless on SQLite and
    /// PostgreSQL), one table.
    All,
    /// SDK: `verify_session` on an in-process axum request against a raw RS256 verify.
    SdkVerify(sdk_verify::SdkVerifyArgs),
    /// SDK: requests/s and p99 of a protected vs an unprotected axum route under `wrk`.
    SdkHttp(sdk_http::SdkHttpArgs),
    /// Both SDK benchmarks with default options, one table.
    Sdk,
    /// User enumeration: known vs unknown emails on sign-in, password reset and passwordless
    /// code creation, timed interleaved and compared with KS and Mann–Whitney tests.
    Enumeration(enumeration::EnumerationArgs),
    /// Serves the SDK benchmark app (`/protected`, `/public`) on loopback until killed; used by
    /// `sdk-http`, also handy for driving it by hand.
    AxumApp(sdk::AxumAppArgs),
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let threads = match &cli.command {
        Command::AxumApp(a) => a.worker_threads(),
        _ => cli.client_threads,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()?;
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> Result<()> {
    let core = &cli.core;
    let rows: Vec<Row> = match &cli.command {
        Command::Startup(a) => vec![startup::run(core, a).await?],
        Command::IdleRss(a) => vec![idle_rss::run(core, a).await?],
        Command::Refresh(a) => vec![refresh::run(core, a).await?],
        Command::Signin(a) => vec![signin::run(core, a).await?],
        Command::RefreshUnderSigninFlood(a) => vec![flood::run(core, a).await?],
        Command::Passwordless(a) => passwordless::run(core, a).await?,
        Command::All => {
            let mut rows = Vec::new();
            eprintln!("== startup");
            rows.push(startup::run(core, &defaults(&[])?).await?);
            eprintln!("== idle-rss");
            rows.push(idle_rss::run(core, &defaults(&[])?).await?);
            eprintln!("== refresh (sqlite)");
            rows.push(refresh::run(core, &defaults(&[])?).await?);
            eprintln!("== refresh (postgres)");
            rows.push(refresh::run(core, &defaults(&["--db", "postgres"])?).await?);
            eprintln!("== signin");
            rows.push(signin::run(core, &defaults(&[])?).await?);
            eprintln!("== refresh-under-signin-flood");
            rows.push(flood::run(core, &defaults(&[])?).await?);
            eprintln!("== passwordless (sqlite)");
            rows.extend(passwordless::run(core, &defaults(&[])?).await?);
            eprintln!("== passwordless (postgres)");
            rows.extend(passwordless::run(core, &defaults(&["--db", "postgres"])?).await?);
            rows
        }
        Command::SdkVerify(a) => vec![sdk_verify::run(core, a).await?],
        Command::SdkHttp(a) => vec![sdk_http::run(core, a).await?],
        Command::Sdk => {
            eprintln!("== sdk-verify");
            let verify = sdk_verify::run(core, &defaults(&[])?).await?;
            eprintln!("== sdk-http");
            vec![verify, sdk_http::run(core, &defaults(&[])?).await?]
        }
        Command::Enumeration(a) => enumeration::run(core, a).await?,
        Command::AxumApp(a) => {
            sdk::serve(a, &core.api_key).await?;
            return Ok(());
        }
    };
    let mut notes: Vec<String> = core
        .core_env
        .iter()
        .map(|(k, v)| format!("core env {k}={v}"))
        .collect();
    if let Some(n) = core.hashing_pool_size {
        notes.push(format!("hashing pool size {n}"));
    }
    print_header();
    for mut row in rows {
        if !notes.is_empty() {
            row.setup = format!("{}; {}", row.setup, notes.join(", "));
        }
        row.print();
    }
    Ok(())
}

/// A subcommand's options with their defaults, overridden by `extra` flags.
fn defaults<T: Args + FromArgMatches>(extra: &[&str]) -> Result<T> {
    let cmd = T::augment_args(clap::Command::new("defaults"));
    let matches =
        cmd.try_get_matches_from(std::iter::once("defaults").chain(extra.iter().copied()))?;
    Ok(T::from_arg_matches(&matches)?)
}
