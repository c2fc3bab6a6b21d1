//! Timing side channels: interleaved measurement of two request classes and the two-sample
//! statistics that decide whether their duration distributions can be told apart.
//!
//! The method (used by the user-enumeration tests and by `supertokens-bench enumeration`):
//!
//! 1. **Interleave.** Both classes are measured in one random order (a seeded shuffle of `n`
//!    labels of each class), after a discarded warm-up of each. Under the null hypothesis the
//!    class does not affect the duration, so the labels are exchangeable with respect to
//!    whatever the machine does meanwhile (other jobs, CPU frequency, GC-like pauses): noise
//!    shows up in both classes alike and the rank tests below stay valid.
//! 2. **Test.** A two-sample Kolmogorov–Smirnov test (any difference in distribution, shape
//!    included) and a Mann–Whitney U test (one class tends to be slower), on the raw
//!    durations. Rank-based, so outliers cannot dominate them; nothing is trimmed before
//!    testing. Asymptotic p-values: Stephens' corrected Kolmogorov series for KS, the
//!    tie-corrected normal approximation with continuity correction for U.
//! 3. **Effect size.** A difference that is real but tiny (a few microseconds of row decoding
//!    on a millisecond request) becomes "significant" with enough samples, yet tells an
//!    attacker nothing useful. So the verdict also needs a practically relevant effect:
//!    the KS distance `D` (largest gap between the two empirical CDFs) of at least
//!    [`RELEVANT_KS_DISTANCE`], or a Vargha–Delaney `A` (probability that a request of the
//!    first class is slower than one of the second) outside the "negligible" band
//!    `0.5 ± `[`NEGLIGIBLE_A_BAND`] (Vargha & Delaney, 2000).
//! 4. **Size of the shift.** `D` and `A` are scale-free: when requests take very steady
//!    times, a shift of 1 % of a request moves `D` past 0.1. A caller can therefore also ask
//!    for a smallest shift in time ([`Comparison::with_min_shift`]; the shift is where the
//!    differences of medians and of 10 % trimmed means agree). The quick in-process tests
//!    use [`QUICK_TEST_MIN_SHIFT`], well below the cheapest step a code path could skip or
//!    add for one class only, so that such leaks are still found.
//!
//! **Verdict:** distinguishable iff (KS p < α or U p < α) and the effect is relevant (and at
//! least the minimum shift). With a few hundred samples per class the critical `D` at
//! α = 0.001 is above 0.1, so without a minimum shift the quick test would be decided by the
//! significance tests alone; with thousands the effect bound matters.

use std::future::Future;
use std::time::Instant;

/// Significance level of the verdict (per test; both are reported).
pub const ALPHA: f64 = 0.001;
/// KS distance from which a difference counts as practically relevant.
pub const RELEVANT_KS_DISTANCE: f64 = 0.1;
/// Half-width of the band around 0.5 in which Vargha–Delaney's `A` is "negligible".
pub const NEGLIGIBLE_A_BAND: f64 = 0.06;
/// Smallest shift, in seconds, that the quick in-process tests (debug build, cheap argon2id)
/// count as relevant: a quarter of one storage read in that build (≈ 200 µs for a core
/// lookup on in-memory SQLite) and a sixth of one password verification (≈ 290 µs), the
/// cheapest steps a code path could skip or add for one class. Shifts of 10–20 µs that come
/// and go between runs (heap and cache state) stay below it.
pub const QUICK_TEST_MIN_SHIFT: f64 = 50e-6;

/// Which class a sample belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// The first class (e.g. requests for a known account).
    First,
    /// The second class (e.g. requests for an unknown account).
    Second,
}

/// A small seeded PRNG (SplitMix64): the shuffle is reproducible from the printed seed.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator with this seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound > 0`; the tiny modulo bias does not matter here).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound.max(1) as u64) as usize
    }
}

/// `n` labels of each class in a random order (Fisher–Yates).
pub fn interleaved_order(n: usize, rng: &mut SplitMix64) -> Vec<Class> {
    let mut order: Vec<Class> = std::iter::repeat_n(Class::First, n)
        .chain(std::iter::repeat_n(Class::Second, n))
        .collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    order
}

/// Durations of both classes, in seconds, in the order they were measured per class.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    /// Durations of [`Class::First`].
    pub first: Vec<f64>,
    /// Durations of [`Class::Second`].
    pub second: Vec<f64>,
}

/// Measures `n` requests of each class in a random interleaved order, after `warm_up`
/// discarded requests of each (also interleaved). `request(class, index)` runs one request
/// and returns it unfinished work; only the awaited future is timed. Its `Err` aborts.
pub async fn measure_interleaved<F, Fut, E>(
    n: usize,
    warm_up: usize,
    seed: u64,
    mut request: F,
) -> Result<Samples, E>
where
    F: FnMut(Class, usize) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    let mut rng = SplitMix64::new(seed);
    let mut counters = [0_usize; 2];
    let mut next_index = |class: Class| {
        let slot = &mut counters[usize::from(class == Class::Second)];
        *slot += 1;
        *slot - 1
    };
    for class in interleaved_order(warm_up, &mut rng) {
        request(class, next_index(class)).await?;
    }
    let mut samples = Samples {
        first: Vec::with_capacity(n),
        second: Vec::with_capacity(n),
    };
    for class in interleaved_order(n, &mut rng) {
        let work = request(class, next_index(class));
        let started = Instant::now();
        work.await?;
        let elapsed = started.elapsed().as_secs_f64();
        match class {
            Class::First => samples.first.push(elapsed),
            Class::Second => samples.second.push(elapsed),
        }
    }
    Ok(samples)
}

/// Everything the verdict is made of, for one pair of samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// Samples of the first class.
    pub n_first: usize,
    /// Samples of the second class.
    pub n_second: usize,
    /// Median of the first class, seconds.
    pub median_first: f64,
    /// Median of the second class, seconds.
    pub median_second: f64,
    /// 10 % trimmed mean of the first class, seconds.
    pub trimmed_mean_first: f64,
    /// 10 % trimmed mean of the second class, seconds.
    pub trimmed_mean_second: f64,
    /// KS statistic `D`.
    pub ks_distance: f64,
    /// Its asymptotic p-value.
    pub ks_p: f64,
    /// Smallest shift, in seconds, that counts as relevant (0 unless set).
    pub min_shift: f64,
    /// Mann–Whitney `U` of the first class.
    pub mann_whitney_u: f64,
    /// Its normal approximation `z`.
    pub mann_whitney_z: f64,
    /// Its two-sided p-value.
    pub mann_whitney_p: f64,
    /// Vargha–Delaney `A` = `U / (n1 n2)`: P(first slower) + ½ P(tie).
    pub vargha_delaney_a: f64,
}

impl Comparison {
    /// Compares two samples (each non-empty).
    pub fn of(first: &[f64], second: &[f64]) -> Self {
        let (ks_distance, ks_p) = kolmogorov_smirnov(first, second);
        let (u, z, p) = mann_whitney(first, second);
        let pairs = first.len() as f64 * second.len() as f64;
        Self {
            n_first: first.len(),
            n_second: second.len(),
            median_first: median(first),
            median_second: median(second),
            trimmed_mean_first: trimmed_mean(first, 0.1),
            trimmed_mean_second: trimmed_mean(second, 0.1),
            ks_distance,
            ks_p,
            min_shift: 0.0,
            mann_whitney_u: u,
            mann_whitney_z: z,
            mann_whitney_p: p,
            vargha_delaney_a: if pairs > 0.0 { u / pairs } else { 0.5 },
        }
    }

    /// The same comparison, counting shifts below `seconds` as irrelevant.
    pub fn with_min_shift(self, seconds: f64) -> Self {
        Self {
            min_shift: seconds,
            ..self
        }
    }

    /// The shift in typical duration, in seconds, as far as two estimates agree: the smaller
    /// of the absolute differences of medians and of 10 % trimmed means, or 0 when they point
    /// in opposite directions. A real one-class delay moves both; the median of a few hundred
    /// samples alone wanders by tens of microseconds.
    pub fn shift(&self) -> f64 {
        let of_medians = self.median_first - self.median_second;
        let of_trimmed_means = self.trimmed_mean_first - self.trimmed_mean_second;
        if of_medians * of_trimmed_means <= 0.0 {
            return 0.0;
        }
        of_medians.abs().min(of_trimmed_means.abs())
    }

    /// Whether a test rejects "same distribution" at [`ALPHA`].
    pub fn significant(&self) -> bool {
        self.ks_p < ALPHA || self.mann_whitney_p < ALPHA
    }

    /// Whether the effect is large enough to matter (see the module docs).
    pub fn relevant(&self) -> bool {
        self.shift() >= self.min_shift
            && (self.ks_distance >= RELEVANT_KS_DISTANCE
                || (self.vargha_delaney_a - 0.5).abs() >= NEGLIGIBLE_A_BAND)
    }

    /// The verdict: both significant and relevant.
    pub fn distinguishable(&self) -> bool {
        self.significant() && self.relevant()
    }

    /// One line for logs and reports.
    pub fn summary(&self) -> String {
        let us = |seconds: f64| seconds * 1e6;
        format!(
            "n={}/{} median {:.1}/{:.1} µs (Δ {:+.1} µs), 10%-trimmed mean {:.1}/{:.1} µs \
             (Δ {:+.1} µs), KS D={:.4} p={:.3e}, Mann–Whitney z={:+.2} p={:.3e}, A={:.4}, \
             shift {:.1} µs (min {:.0} µs) → {}",
            self.n_first,
            self.n_second,
            us(self.median_first),
            us(self.median_second),
            us(self.median_first - self.median_second),
            us(self.trimmed_mean_first),
            us(self.trimmed_mean_second),
            us(self.trimmed_mean_first - self.trimmed_mean_second),
            self.ks_distance,
            self.ks_p,
            self.mann_whitney_z,
            self.mann_whitney_p,
            self.vargha_delaney_a,
            us(self.shift()),
            us(self.min_shift),
            if self.distinguishable() {
                "DISTINGUISHABLE"
            } else {
                "indistinguishable"
            }
        )
    }
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
}

/// Median (mean of the middle two for even counts); 0 for an empty slice.
pub fn median(values: &[f64]) -> f64 {
    let sorted = sorted(values);
    let n = sorted.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Mean after dropping `fraction` of the values at each end; 0 for an empty slice.
pub fn trimmed_mean(values: &[f64], fraction: f64) -> f64 {
    let sorted = sorted(values);
    let cut = ((sorted.len() as f64) * fraction).floor() as usize;
    let kept = sorted
        .get(cut..sorted.len().saturating_sub(cut))
        .unwrap_or(&[]);
    if kept.is_empty() {
        return 0.0;
    }
    kept.iter().sum::<f64>() / kept.len() as f64
}

/// Two-sample KS: `(D, p)` with `D = sup |F1 − F2|` and the asymptotic p-value with
/// Stephens' small-sample correction, `Q_KS((√nₑ + 0.12 + 0.11/√nₑ) D)`.
pub fn kolmogorov_smirnov(first: &[f64], second: &[f64]) -> (f64, f64) {
    let (a, b) = (sorted(first), sorted(second));
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    if a.is_empty() || b.is_empty() {
        return (0.0, 1.0);
    }
    let (mut i, mut j, mut d) = (0, 0, 0.0_f64);
    while i < a.len() && j < b.len() {
        // Step past every value equal to the smaller head in both samples (ties).
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / n1 - j as f64 / n2).abs());
    }
    let en = (n1 * n2 / (n1 + n2)).sqrt();
    (d, kolmogorov_q((en + 0.12 + 0.11 / en) * d))
}

/// The Kolmogorov distribution's tail `Q(λ) = 2 Σ (−1)^{k−1} e^{−2k²λ²}`.
pub fn kolmogorov_q(lambda: f64) -> f64 {
    if lambda < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    let mut sign = 1.0;
    for k in 1..=100 {
        let k = f64::from(k);
        let term = sign * (-2.0 * k * k * lambda * lambda).exp();
        sum += term;
        if term.abs() < 1e-12 {
            break;
        }
        sign = -sign;
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// Mann–Whitney: `(U₁, z, p)` with mid-ranks for ties, the tie-corrected variance and a
/// continuity correction; `p` two-sided.
pub fn mann_whitney(first: &[f64], second: &[f64]) -> (f64, f64, f64) {
    let (n1, n2) = (first.len(), second.len());
    if n1 == 0 || n2 == 0 {
        return (0.0, 0.0, 1.0);
    }
    let mut pooled: Vec<(f64, bool)> = first
        .iter()
        .map(|&x| (x, true))
        .chain(second.iter().map(|&x| (x, false)))
        .collect();
    pooled.sort_by(|x, y| x.0.total_cmp(&y.0));
    let n = pooled.len();
    let (mut rank_sum_first, mut tie_term) = (0.0, 0.0);
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && pooled[end].0 == pooled[start].0 {
            end += 1;
        }
        let ties = (end - start) as f64;
        let mid_rank = (start + 1 + end) as f64 / 2.0;
        rank_sum_first += mid_rank * pooled[start..end].iter().filter(|p| p.1).count() as f64;
        tie_term += ties * ties * ties - ties;
        start = end;
    }
    let (n1, n2, n) = (n1 as f64, n2 as f64, n as f64);
    let u = rank_sum_first - n1 * (n1 + 1.0) / 2.0;
    let mean = n1 * n2 / 2.0;
    let variance = n1 * n2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    if variance <= 0.0 {
        return (u, 0.0, 1.0);
    }
    let diff = u - mean;
    let corrected = (diff.abs() - 0.5).max(0.0) * diff.signum();
    let z = corrected / variance.sqrt();
    (
        u,
        z,
        erfc(z.abs() / std::f64::consts::SQRT_2).clamp(0.0, 1.0),
    )
}

/// The complementary error function (Numerical Recipes' `erfcc`, relative error < 1.2e-7).
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let result = t * poly.exp();
    if x >= 0.0 { result } else { 2.0 - result }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erfc_matches_known_values() {
        for (x, expected) in [
            (0.0, 1.0),
            (0.5, 0.479_500_122),
            (1.0, 0.157_299_207),
            (2.0, 0.004_677_735),
            (-1.0, 1.842_700_793),
        ] {
            assert!((erfc(x) - expected).abs() < 1e-6, "erfc({x})");
        }
    }

    #[test]
    fn kolmogorov_q_matches_tables() {
        // Critical values of the Kolmogorov distribution: Q(1.358) = 0.05, Q(1.949) = 0.001.
        assert!((kolmogorov_q(1.358) - 0.05).abs() < 5e-4);
        assert!((kolmogorov_q(1.949) - 0.001).abs() < 5e-5);
        assert_eq!(kolmogorov_q(0.0), 1.0);
    }

    #[test]
    fn identical_samples_are_not_distinguishable() {
        let a: Vec<f64> = (0..500).map(f64::from).collect();
        let c = Comparison::of(&a, &a);
        assert_eq!(c.ks_distance, 0.0);
        assert!(c.ks_p > 0.99 && c.mann_whitney_p > 0.99, "{c:?}");
        assert!((c.vargha_delaney_a - 0.5).abs() < 1e-12);
        assert!(!c.distinguishable());
    }

    #[test]
    fn shifted_samples_are_distinguishable() {
        let mut rng = SplitMix64::new(7);
        let a: Vec<f64> = (0..400)
            .map(|_| (rng.below(1000) as f64) / 1000.0)
            .collect();
        let b: Vec<f64> = a.iter().map(|x| x + 0.3).collect();
        let c = Comparison::of(&a, &b);
        assert!(c.ks_distance > 0.25 && c.ks_p < 1e-6, "{c:?}");
        assert!(c.mann_whitney_z < -5.0 && c.vargha_delaney_a < 0.4, "{c:?}");
        assert!(c.distinguishable());
    }

    #[test]
    fn shifts_below_the_minimum_are_not_relevant() {
        // Very steady durations (1000–1001 µs) shifted by 12 µs: as significant and as far
        // apart by D as it gets, yet below a 50 µs minimum shift.
        let mut rng = SplitMix64::new(3);
        let a: Vec<f64> = (0..400)
            .map(|_| 1e-3 + (rng.below(1000) as f64) * 1e-9)
            .collect();
        let b: Vec<f64> = a.iter().map(|x| x + 12e-6).collect();
        let c = Comparison::of(&a, &b);
        assert!(c.significant() && c.ks_distance == 1.0, "{c:?}");
        assert!(c.distinguishable(), "no minimum shift: {c:?}");
        assert!((c.shift() - 12e-6).abs() < 1e-9, "{c:?}");
        let floored = c.with_min_shift(QUICK_TEST_MIN_SHIFT);
        assert!(!floored.distinguishable(), "{floored:?}");
        assert!(
            floored.summary().contains("shift 12.0 µs (min 50 µs)"),
            "{}",
            floored.summary()
        );
        // The same steady durations shifted by 60 µs pass the minimum.
        let b: Vec<f64> = a.iter().map(|x| x + 60e-6).collect();
        let c = Comparison::of(&a, &b).with_min_shift(QUICK_TEST_MIN_SHIFT);
        assert!(c.distinguishable(), "{c:?}");
    }

    #[test]
    fn the_shift_is_where_median_and_trimmed_mean_agree() {
        let base = Comparison::of(&[1.0, 2.0], &[1.0, 2.0]);
        let with = |median_first, trimmed_mean_first| Comparison {
            median_first,
            trimmed_mean_first,
            median_second: 10.0,
            trimmed_mean_second: 10.0,
            ..base
        };
        assert_eq!(with(13.0, 12.0).shift(), 2.0);
        assert_eq!(with(7.0, 9.0).shift(), 1.0);
        assert_eq!(with(13.0, 9.0).shift(), 0.0);
    }

    #[test]
    fn mann_whitney_handles_ties_and_known_u() {
        // U counts pairs (x from first, y from second) with x > y, ties as ½.
        let (u, _, _) = mann_whitney(&[1.0, 2.0, 3.0], &[2.0, 4.0]);
        assert_eq!(u, 0.0 + 0.5 + 1.0);
    }

    #[test]
    fn interleaving_keeps_counts_and_mixes() {
        let order = interleaved_order(100, &mut SplitMix64::new(1));
        assert_eq!(order.iter().filter(|c| **c == Class::First).count(), 100);
        assert_ne!(
            order[..100].iter().filter(|c| **c == Class::First).count(),
            100
        );
        assert!((trimmed_mean(&[0.0, 1.0, 2.0, 3.0, 100.0], 0.2) - 2.0).abs() < 1e-12);
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), 2.5);
    }
}
