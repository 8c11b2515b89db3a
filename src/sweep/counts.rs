//! Exact distributions of whole-second values: how many times each value
//! occurred.
//!
//! A sweep keeps every value it needs a quantile of as a count per distinct
//! value, never as a sample or a sketch. Durations are whole seconds bounded
//! by the horizon, so the number of distinct values stays small (at most
//! one per second of the horizon) however many runs there are, and two
//! counts merge by adding: a sweep split into shards and merged gives
//! exactly the quantiles of the whole sweep.
//!
//! # Quantiles: nearest rank
//!
//! The q-quantile of n values sorted `x(1) <= … <= x(n)` is `x(k)` with
//! `k = ceil(q · n)`, and at least 1: always one of the values, never an
//! interpolation. `q` is read to nine decimal places (`round(q · 10^9)`),
//! then `k` is computed in integers, so that `q = 0.95` over 100 values is
//! the 95th value on every machine, whatever the binary rounding of 0.95.
//! The median of 1, 2, 3, 4 is 2; its 0.9-quantile is 4.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Parts per billion: the precision at which `q` is read.
const Q_SCALE: u128 = 1_000_000_000;

/// A multiset of `u64` values, as value → count.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<(u64, u64)>", into = "Vec<(u64, u64)>")]
pub struct Counts {
    by_value: BTreeMap<u64, u64>,
    n: u64,
    /// The exact sum of the values (a `u128` cannot overflow: at most 2^64
    /// values below 2^64).
    sum: u128,
}

impl Counts {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one occurrence of `value`.
    pub fn add(&mut self, value: u64) {
        self.add_many(value, 1);
    }

    /// Adds `count` occurrences of `value`.
    pub fn add_many(&mut self, value: u64, count: u64) {
        if count == 0 {
            return;
        }
        *self.by_value.entry(value).or_insert(0) += count;
        self.n += count;
        self.sum += u128::from(value) * u128::from(count);
    }

    /// Adds every value of `other`: the counts of a sweep's parts add up to
    /// the counts of the whole.
    pub fn merge(&mut self, other: &Counts) {
        for (&value, &count) in &other.by_value {
            self.add_many(value, count);
        }
    }

    /// The number of values.
    pub fn len(&self) -> u64 {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Distinct values with their counts, smallest first.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.by_value.iter().map(|(&v, &c)| (v, c))
    }

    pub fn min(&self) -> Option<u64> {
        self.by_value.keys().next().copied()
    }

    pub fn max(&self) -> Option<u64> {
        self.by_value.keys().next_back().copied()
    }

    /// The arithmetic mean: the exact sum divided by n, rounded once.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum as f64 / self.n as f64)
    }

    /// How many values are at most `value`.
    pub fn count_at_most(&self, value: u64) -> u64 {
        self.by_value.range(..=value).map(|(_, &c)| c).sum()
    }

    /// The nearest-rank q-quantile (see the [module documentation](self)),
    /// or `None` when there are no values.
    ///
    /// # Panics
    ///
    /// If `q` is not in (0, 1]; the scenario resolver refuses such a `q`.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        assert!(q > 0.0 && q <= 1.0, "a quantile q is in (0, 1], not {q}");
        if self.n == 0 {
            return None;
        }
        let rank = nearest_rank(q, self.n);
        let mut seen = 0;
        for (&value, &count) in &self.by_value {
            seen += count;
            if seen >= rank {
                return Some(value);
            }
        }
        unreachable!("the rank is at most n")
    }

    /// min, p50, p90, p95, p99, max and mean, for reports.
    pub fn stats(&self) -> Option<Stats> {
        Some(Stats {
            n: self.n,
            min_s: self.min()?,
            p50_s: self.quantile(0.5)?,
            p90_s: self.quantile(0.9)?,
            p95_s: self.quantile(0.95)?,
            p99_s: self.quantile(0.99)?,
            max_s: self.max()?,
            mean_s: self.mean()?,
        })
    }
}

/// `max(1, ceil(q · n))` with q read to nine decimal places, in integers.
pub fn nearest_rank(q: f64, n: u64) -> u64 {
    let q_ppb = (q * Q_SCALE as f64).round() as u128;
    let rank = (q_ppb * u128::from(n)).div_ceil(Q_SCALE);
    (rank as u64).clamp(1, n.max(1))
}

impl From<Vec<(u64, u64)>> for Counts {
    fn from(pairs: Vec<(u64, u64)>) -> Self {
        let mut counts = Counts::new();
        for (value, count) in pairs {
            counts.add_many(value, count);
        }
        counts
    }
}

impl From<Counts> for Vec<(u64, u64)> {
    fn from(counts: Counts) -> Self {
        counts.by_value.into_iter().collect()
    }
}

/// A distribution summarised for reports; values in seconds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    pub n: u64,
    pub min_s: u64,
    pub p50_s: u64,
    pub p90_s: u64,
    pub p95_s: u64,
    pub p99_s: u64,
    pub max_s: u64,
    pub mean_s: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(values: &[u64]) -> Counts {
        let mut c = Counts::new();
        for &v in values {
            c.add(v);
        }
        c
    }

    /// Worked by hand: ten values sorted are 0 0 0 60 60 120 300 600 600
    /// 3600. Ranks ceil(q·10): p50 → 5th (60), p90 → 9th (600), p95 and
    /// p99 → 10th (3600); q = 0.1 → 1st (0), q = 0.31 → 4th (60).
    #[test]
    fn nearest_rank_quantiles_of_a_hand_computed_case() {
        let c = of(&[600, 0, 60, 3600, 0, 120, 600, 0, 300, 60]);
        assert_eq!(c.len(), 10);
        assert_eq!(c.quantile(0.1), Some(0));
        assert_eq!(c.quantile(0.3), Some(0));
        assert_eq!(c.quantile(0.31), Some(60));
        assert_eq!(c.quantile(0.5), Some(60));
        assert_eq!(c.quantile(0.6), Some(120));
        assert_eq!(c.quantile(0.9), Some(600));
        assert_eq!(c.quantile(0.95), Some(3600));
        assert_eq!(c.quantile(1.0), Some(3600));
        let s = c.stats().unwrap();
        assert_eq!(
            (s.min_s, s.p50_s, s.p90_s, s.p95_s, s.p99_s, s.max_s),
            (0, 60, 600, 3600, 3600, 3600)
        );
        // (600 + 60 + 3600 + 120 + 600 + 300 + 60) / 10
        assert_eq!(s.mean_s, 534.0);
        assert_eq!(c.count_at_most(60), 5);
    }

    #[test]
    fn median_of_four_is_the_second_value() {
        let c = of(&[4, 3, 2, 1]);
        assert_eq!(c.quantile(0.5), Some(2));
        assert_eq!(c.quantile(0.9), Some(4));
        assert_eq!(c.quantile(0.25), Some(1));
        assert_eq!(c.quantile(0.26), Some(2));
    }

    #[test]
    fn ranks_do_not_suffer_from_binary_rounding() {
        // In binary floating point 0.07 · 100 is 7.000000000000001, whose
        // ceiling would be 8; read to nine decimals it is exactly rank 7.
        assert_eq!(nearest_rank(0.07, 100), 7);
        assert_eq!(nearest_rank(0.14, 100), 14);
        assert_eq!(nearest_rank(0.95, 100), 95);
        assert_eq!(nearest_rank(0.99, 100), 99);
        assert_eq!(nearest_rank(0.1, 10), 1);
        assert_eq!(nearest_rank(0.7, 10), 7);
        assert_eq!(nearest_rank(1e-12, 5), 1);
        assert_eq!(nearest_rank(1.0, u64::MAX), u64::MAX);
        let hundred: Counts = (1..=100).map(|v| (v, 1)).collect::<Vec<_>>().into();
        assert_eq!(hundred.quantile(0.95), Some(95));
    }

    #[test]
    fn merged_parts_equal_the_whole() {
        let values: Vec<u64> = (0..1000).map(|i| (i * 7919) % 613).collect();
        let whole = of(&values);
        let mut merged = of(&values[..333]);
        merged.merge(&of(&values[333..700]));
        merged.merge(&of(&values[700..]));
        assert_eq!(merged, whole);
        for q in [0.01, 0.5, 0.9, 0.95, 0.99, 1.0] {
            assert_eq!(merged.quantile(q), whole.quantile(q));
        }
    }

    #[test]
    fn an_empty_distribution_has_no_quantiles() {
        let c = Counts::new();
        assert_eq!(c.quantile(0.5), None);
        assert_eq!(c.stats(), None);
        assert_eq!(c.mean(), None);
    }

    #[test]
    fn serialises_as_value_count_pairs() {
        let c = of(&[5, 5, 9]);
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, "[[5,2],[9,1]]");
        let back: Counts = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
    }
}
