//! Monte-Carlo sweeps: one scenario run on many seeds, its outcomes kept as
//! exact distributions.
//!
//! Run `i` of a sweep from seed `s` uses seed
//! [`derive_seed(s, i)`](crate::engine::random::derive_seed), so any run
//! can be replayed alone with `keyloss run --seed`. Runs are spread over
//! threads in fixed chunks of [`CHUNK_RUNS`] indices; each chunk's
//! [`Tally`] is collected by index and the chunks are merged in index
//! order. Tallies hold integer counts only (see [`counts`]), so the result
//! does not depend on the number of threads, nor on whether the sweep ran
//! in one piece or in shards merged afterwards ([`partial`]).
//!
//! - [`counts`]: exact distributions and nearest-rank quantiles.
//! - [`tally`]: what is kept per server, per fleet and for all servers.
//! - [`summary`]: the report (text and `summary.json`) and the sweep-level
//!   expectations `OutageQuantile` and `OutageProbability`.
//! - [`partial`]: shards (`--shard K/N`) and merging them.
//! - [`chart`]: histogram and empirical CDF of outage durations, laid out
//!   as scenes of the report charts (SVG and PNG through plotters).
//! - [`fleet`]: a one-run summary for scenarios with many servers.

pub mod chart;
pub mod counts;
pub mod fleet;
pub mod partial;
pub mod summary;
pub mod tally;

use std::ops::Range;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::engine::random::derive_seed;
use crate::model::{run, RunError, RunOptions};
use crate::result::expect::describe;
use crate::scenario::format::ExpectSpec;
use crate::scenario::Plan;
pub use tally::{Layout, Tally};

/// Runs per unit of parallel work: small enough to balance two cores on a
/// short sweep, large enough that merging chunks costs nothing.
pub const CHUNK_RUNS: u64 = 64;

/// The most runs one sweep may ask for.
pub const MAX_RUNS: u64 = 1_000_000_000;

/// What identifies a sweep: every part of a sharded sweep carries the same
/// header, and parts with different headers do not merge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub scenario: String,
    /// FNV-1a 64 of the scenario's text, in hex: parts of one sweep must
    /// come from the same file.
    pub fingerprint: String,
    /// The base seed; run `i` uses `derive_seed(seed, i)`.
    pub seed: u64,
    /// Runs of the whole sweep (all shards).
    pub runs: u64,
    pub runbook: Option<String>,
    /// Every server the scenario names, those its actions create included.
    pub server_count: u64,
    /// Servers reported one by one.
    pub servers: Vec<String>,
    /// Fleets: prefix and member count.
    pub fleets: Vec<(String, u64)>,
    pub expectations: Vec<ExpectHeader>,
}

/// An expectation of the scenario, as a sweep decides it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpectHeader {
    pub text: String,
    /// `Some` for the sweep-level expectations; the others are single-run
    /// expectations, reported as their pass rate.
    pub check: Option<SweepCheck>,
}

/// The numbers travel in parts as their IEEE 754 bits: a JSON parser need
/// not read a decimal back to the same `f64`, and a merged sweep must decide
/// exactly as the whole one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SweepCheck {
    /// The nearest-rank q-quantile of the server's connection-denied time
    /// per run is at most `at_most_s`.
    Quantile {
        server: String,
        #[serde(with = "f64_bits")]
        q: f64,
        at_most_s: u64,
    },
    /// The share of runs in which the server denied connections at all is
    /// at most `at_most`.
    Probability {
        server: String,
        #[serde(with = "f64_bits")]
        at_most: f64,
    },
}

mod f64_bits {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(value.to_bits())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        u64::deserialize(d).map(f64::from_bits)
    }
}

/// Why a sweep could not complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SweepError {
    /// A run failed; the lowest failing index is reported.
    Run {
        index: u64,
        seed: u64,
        error: RunError,
    },
}

impl std::fmt::Display for SweepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SweepError::Run { index, seed, error } => write!(
                f,
                "run {index} (seed {seed}) failed: {error}; replay it with `keyloss run --seed {seed}`"
            ),
        }
    }
}

impl std::error::Error for SweepError {}

/// A sweep ready to run: the plan, its layout and its header.
pub struct Sweep<'p> {
    pub plan: &'p Plan,
    pub layout: Layout,
    pub header: Header,
}

impl<'p> Sweep<'p> {
    /// Prepares a sweep of `runs` runs from `seed` (default: the
    /// scenario's), rehearsing `runbook` (default: the first). An unknown
    /// runbook is an error here, before any run.
    pub fn new(
        plan: &'p Plan,
        runs: u64,
        seed: Option<u64>,
        runbook: Option<&str>,
    ) -> Result<Sweep<'p>, RunError> {
        let used = match runbook {
            Some(name) => Some(
                plan.runbook(Some(name))
                    .ok_or_else(|| RunError::UnknownRunbook {
                        name: name.to_string(),
                        known: plan.runbooks.iter().map(|r| r.name.clone()).collect(),
                    })?
                    .name
                    .clone(),
            ),
            None => plan.runbook(None).map(|r| r.name.clone()),
        };
        let layout = Layout::new(plan);
        let header = Header {
            scenario: plan.file.name.clone(),
            fingerprint: format!("{:016x}", fingerprint(&plan.source)),
            seed: seed.unwrap_or(plan.file.seed),
            runs,
            runbook: used,
            server_count: plan.servers.len() as u64,
            servers: layout.tracked.clone(),
            fleets: layout.fleets.clone(),
            expectations: plan.file.expect.iter().map(expect_header).collect(),
        };
        Ok(Sweep {
            plan,
            layout,
            header,
        })
    }

    /// The seed of run `index`.
    pub fn seed_of(&self, index: u64) -> u64 {
        derive_seed(self.header.seed, index)
    }

    /// Runs the indices in `range` on the current rayon pool, calling
    /// `progress(1)` after each run, and returns their tally. The result
    /// is the same for any number of threads.
    pub fn run_range(
        &self,
        range: Range<u64>,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Tally, SweepError> {
        assert!(range.end <= self.header.runs, "runs beyond the sweep");
        let chunks: Vec<Range<u64>> = (range.start..range.end)
            .step_by(CHUNK_RUNS as usize)
            .map(|start| start..(start + CHUNK_RUNS).min(range.end))
            .collect();
        let parts: Vec<Result<Tally, SweepError>> = chunks
            .into_par_iter()
            .map(|chunk| self.run_chunk(chunk, progress))
            .collect();
        let mut total = self.empty_tally();
        for part in parts {
            total.merge(&part?);
        }
        Ok(total)
    }

    /// A tally of no runs.
    pub fn empty_tally(&self) -> Tally {
        Tally::new(&self.layout, self.plan.file.expect.len())
    }

    fn run_chunk(
        &self,
        chunk: Range<u64>,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Tally, SweepError> {
        let mut tally = self.empty_tally();
        let mut scratch = tally::Scratch::default();
        for index in chunk {
            let seed = self.seed_of(index);
            let opts = RunOptions {
                seed: Some(seed),
                runbook: self.header.runbook.clone(),
                detailed: false,
                ..RunOptions::default()
            };
            let result =
                run(self.plan, &opts).map_err(|error| SweepError::Run { index, seed, error })?;
            tally.add_run(self.plan, &self.layout, index, seed, &result, &mut scratch);
            progress(1);
        }
        Ok(tally)
    }
}

fn expect_header(e: &ExpectSpec) -> ExpectHeader {
    let check = match e {
        ExpectSpec::OutageQuantile { server, q, at_most } => Some(SweepCheck::Quantile {
            server: server.clone(),
            q: *q,
            at_most_s: at_most.0,
        }),
        ExpectSpec::OutageProbability { server, at_most } => Some(SweepCheck::Probability {
            server: server.clone(),
            at_most: *at_most,
        }),
        _ => None,
    };
    ExpectHeader {
        text: describe(e),
        check,
    }
}

/// FNV-1a 64 of a text: the scenario's fingerprint.
fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
