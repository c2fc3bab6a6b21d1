//! Latency percentiles and CPU accounting read from `/proc`.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

/// Percentiles of a set of latency samples.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Summary {
    /// Number of samples.
    pub(crate) count: usize,
    /// Median.
    pub(crate) p50: Duration,
    /// 99th percentile.
    pub(crate) p99: Duration,
    /// Largest sample.
    pub(crate) max: Duration,
}

impl Summary {
    /// Summarises `samples` (nearest-rank percentiles); an empty set gives zeros.
    pub(crate) fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        Self {
            count: samples.len(),
            p50: percentile(&samples, 50.0),
            p99: percentile(&samples, 99.0),
            max: samples.last().copied().unwrap_or_default(),
        }
    }
}

/// Nearest-rank percentile of already sorted samples; zero for an empty slice.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let idx = rank.clamp(1, sorted.len()) - 1;
    sorted.get(idx).copied().unwrap_or_default()
}

/// A duration as milliseconds with two decimals.
pub(crate) fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// A rate with a thousands separator and no decimals (one decimal below 100).
pub(crate) fn rate(per_sec: f64) -> String {
    if per_sec < 100.0 {
        return format!("{per_sec:.1}");
    }
    let n = per_sec.round() as u64;
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "yes" or "**NO**", for the "met" column.
pub(crate) fn met(ok: bool) -> &'static str {
    if ok { "yes" } else { "**NO**" }
}

/// One row of the results table that BENCHMARKS.md collects.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// Subcommand (and backend).
    pub(crate) benchmark: String,
    /// Parameters that matter for reading the result.
    pub(crate) setup: String,
    /// The measured figures.
    pub(crate) result: String,
    /// The target, as text.
    pub(crate) target: String,
    /// Whether the target is met.
    pub(crate) ok: bool,
}

/// Prints the markdown table header to stdout.
pub(crate) fn print_header() {
    println!("| Benchmark | Setup | Result | Target | Met |");
    println!("|---|---|---|---|---|");
}

impl Row {
    /// Prints the row as one markdown table line to stdout.
    pub(crate) fn print(&self) {
        println!(
            "| {} | {} | {} | {} | {} |",
            self.benchmark,
            self.setup,
            self.result,
            self.target,
            met(self.ok)
        );
    }
}

/// CPU time counters at one instant: the core process, this process, and the whole machine.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CpuSnapshot {
    at: Instant,
    core: ProcStat,
    bench: ProcStat,
    postgres_ticks: u64,
    machine_busy_ticks: u64,
}

/// CPU time and minor page faults of one process.
#[derive(Debug, Clone, Copy, Default)]
struct ProcStat {
    ticks: u64,
    minor_faults: u64,
}

/// CPU used between two snapshots, in percent of one core (200 % = both cores of a 2-core box).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CpuUsage {
    /// The core daemon.
    pub(crate) core: f64,
    /// This load generator (all its threads).
    pub(crate) bench: f64,
    /// All PostgreSQL server processes (0 when SQLite is used).
    pub(crate) postgres: f64,
    /// Everything else on the machine (other users' work, kernel threads, …).
    pub(crate) other: f64,
    /// Minor page faults of the core.
    pub(crate) core_faults: u64,
    /// Minor page faults of this process.
    pub(crate) bench_faults: u64,
}

impl CpuUsage {
    /// "CPU: core 120 %, bench 60 %, other 5 %" (plus PostgreSQL when it worked), and a
    /// warning when other processes used more than a quarter of a core.
    pub(crate) fn describe(&self) -> String {
        let pg = if self.postgres >= 0.5 {
            format!(", postgres {:.0} %", self.postgres)
        } else {
            String::new()
        };
        let warning = if self.disturbed() {
            " — **disturbed by other processes**"
        } else {
            ""
        };
        format!(
            "CPU: core {:.0} %, bench {:.0} %{pg}, other {:.0} %{warning}",
            self.core, self.bench, self.other
        )
    }

    /// Whether unrelated processes used more than a quarter of a core meanwhile.
    pub(crate) fn disturbed(&self) -> bool {
        self.other > 25.0
    }
}

impl CpuSnapshot {
    /// Reads `/proc/<core_pid>/stat`, `/proc/self/stat` and `/proc/stat`.
    pub(crate) fn take(core_pid: u32) -> Result<Self> {
        Ok(Self {
            at: Instant::now(),
            core: proc_stat(&format!("/proc/{core_pid}/stat"))?,
            bench: proc_stat("/proc/self/stat")?,
            postgres_ticks: postgres_ticks(),
            machine_busy_ticks: machine_busy_ticks()?,
        })
    }

    /// Like [`Self::take`] when no core is running (its share reads as zero).
    pub(crate) fn take_without_core() -> Result<Self> {
        Ok(Self {
            at: Instant::now(),
            core: ProcStat::default(),
            bench: proc_stat("/proc/self/stat")?,
            postgres_ticks: postgres_ticks(),
            machine_busy_ticks: machine_busy_ticks()?,
        })
    }

    /// CPU used from `self` to `later`.
    pub(crate) fn usage_until(&self, later: &Self) -> CpuUsage {
        let hz = clock_ticks_per_sec();
        let secs = later.at.duration_since(self.at).as_secs_f64().max(1e-9);
        let pct = |a: u64, b: u64| (b.saturating_sub(a)) as f64 / hz / secs * 100.0;
        let core = pct(self.core.ticks, later.core.ticks);
        let bench = pct(self.bench.ticks, later.bench.ticks);
        let postgres = pct(self.postgres_ticks, later.postgres_ticks);
        let machine = pct(self.machine_busy_ticks, later.machine_busy_ticks);
        CpuUsage {
            core,
            bench,
            postgres,
            other: (machine - core - bench - postgres).max(0.0),
            core_faults: later
                .core
                .minor_faults
                .saturating_sub(self.core.minor_faults),
            bench_faults: later
                .bench
                .minor_faults
                .saturating_sub(self.bench.minor_faults),
        }
    }
}

/// USER_HZ; 100 on every mainstream Linux build (the `/proc` counters are in these ticks).
pub(crate) fn clock_ticks_per_sec() -> f64 {
    100.0
}

/// utime + stime (clock ticks) and minor faults of one process, from `/proc/<pid>/stat`.
fn proc_stat(path: &str) -> Result<ProcStat> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    // The command name (field 2) may contain spaces; the fields after it are fixed.
    let rest = text
        .rsplit_once(')')
        .map(|(_, r)| r)
        .with_context(|| format!("unexpected format of {path}"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ')' comes field 3 (state) at index 0: minflt (10) is at 7, utime (14) at 11,
    // stime (15) at 12.
    let (Some(minflt), Some(utime), Some(stime)) = (fields.get(7), fields.get(11), fields.get(12))
    else {
        bail!("unexpected format of {path}");
    };
    Ok(ProcStat {
        ticks: utime.parse::<u64>()? + stime.parse::<u64>()?,
        minor_faults: minflt.parse()?,
    })
}

/// CPU ticks of every process named `postgres` (server and backends); exited processes
/// are simply missed, so this slightly undercounts short-lived backends.
fn postgres_ticks() -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut total = 0;
    for entry in dir.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let path = entry.path().join("stat");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let comm = text
            .split_once('(')
            .and_then(|(_, r)| r.rsplit_once(')'))
            .map(|(c, _)| c);
        if comm == Some("postgres")
            && let Ok(stat) = proc_stat(&path.to_string_lossy())
        {
            total += stat.ticks;
        }
    }
    total
}

/// utime + stime (clock ticks) of a process.
pub(crate) fn process_ticks(pid: u32) -> Result<u64> {
    Ok(proc_stat(&format!("/proc/{pid}/stat"))?.ticks)
}

/// cutime + cstime (clock ticks) of this process: the CPU time of its children that have been
/// waited for (e.g. a `wrk` run).
pub(crate) fn waited_children_ticks() -> Result<u64> {
    let text = std::fs::read_to_string("/proc/self/stat").context("reading /proc/self/stat")?;
    let rest = text
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("unexpected format of /proc/self/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // cutime (16) and cstime (17) are at 13 and 14 after ')'.
    let (Some(cutime), Some(cstime)) = (fields.get(13), fields.get(14)) else {
        bail!("unexpected format of /proc/self/stat");
    };
    Ok(cutime.parse::<u64>()? + cstime.parse::<u64>()?)
}

/// Busy (non-idle, non-iowait) ticks summed over all CPUs, from the first line of `/proc/stat`.
pub(crate) fn machine_busy_ticks() -> Result<u64> {
    let text = std::fs::read_to_string("/proc/stat").context("reading /proc/stat")?;
    let line = text.lines().next().context("empty /proc/stat")?;
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8) // user nice system idle iowait irq softirq steal (guest is inside user)
        .map(str::parse)
        .collect::<std::result::Result<_, _>>()?;
    let total: u64 = values.iter().sum();
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    Ok(total.saturating_sub(idle))
}

/// A field of `/proc/<pid>/status` given in kB (`VmRSS`, `VmHWM`), converted to MiB.
pub(crate) fn status_mib(pid: u32, field: &str) -> Result<f64> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let prefix = format!("{field}:");
    let line = text
        .lines()
        .find(|l| l.starts_with(&prefix))
        .with_context(|| format!("{field} not in {path}"))?;
    let kb: f64 = line
        .trim_start_matches(&prefix)
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .with_context(|| format!("parsing {field} in {path}"))?;
    Ok(kb / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let s = Summary::of(v);
        assert_eq!(s.count, 100);
        assert_eq!(s.p50, Duration::from_millis(50));
        assert_eq!(s.p99, Duration::from_millis(99));
        assert_eq!(s.max, Duration::from_millis(100));
        assert_eq!(Summary::of(Vec::new()).p99, Duration::ZERO);
    }

    #[test]
    fn rates_are_grouped() {
        assert_eq!(rate(2_534.4), "2,534");
        assert_eq!(rate(1_234_567.0), "1,234,567");
        assert_eq!(rate(61.26), "61.3");
        assert_eq!(rate(100.0), "100");
    }

    #[test]
    fn own_process_ticks_are_readable() {
        assert!(proc_stat("/proc/self/stat").unwrap().ticks < u64::MAX);
        assert!(machine_busy_ticks().is_ok());
        assert!(status_mib(std::process::id(), "VmRSS").unwrap() > 0.0);
    }
}
