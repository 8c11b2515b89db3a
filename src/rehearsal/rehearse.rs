//! `keyloss rehearse`: every runbook of a scenario, and "do nothing", over
//! the same N nights (paired: run i of every runbook uses the same seed, so
//! the incident's own draws are the same, R32), with a score card each and
//! the difference from doing nothing, night by night.

use rayon::prelude::*;
use serde::Serialize;

use crate::engine::random::derive_seed;
use crate::model::{run, RunError, RunOptions};
use crate::result::{ExpectationReport, Outcome, RunResult};
use crate::scenario::format::ExpectSpec;
use crate::scenario::Plan;
use crate::sweep::counts::nearest_rank;

/// The name under which the baseline (no runbook at all) is reported.
pub const DO_NOTHING: &str = "do nothing";
/// Runs a rehearsal may ask for (each is one run per runbook).
pub const MAX_RUNS: u64 = 1_000_000;

/// Summary of a set of values in seconds (nearest-rank quantiles).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Distribution {
    pub count: usize,
    pub min_s: Option<u64>,
    pub p50_s: Option<u64>,
    pub p95_s: Option<u64>,
    pub max_s: Option<u64>,
    pub mean_s: Option<f64>,
}

impl Distribution {
    pub fn of(values: &[u64]) -> Distribution {
        let mut v = values.to_vec();
        v.sort_unstable();
        let q = |p: f64| quantile(&v, p);
        Distribution {
            count: v.len(),
            min_s: v.first().copied(),
            p50_s: q(0.5),
            p95_s: q(0.95),
            max_s: v.last().copied(),
            mean_s: (!v.is_empty())
                .then(|| v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64),
        }
    }
}

/// Nearest-rank quantile of sorted values, by the sweep's definition: the
/// smallest value with at least a fraction `q` of the values at or below it.
pub fn quantile(sorted: &[u64], q: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    Some(sorted[nearest_rank(q, sorted.len() as u64) as usize - 1])
}

#[derive(Clone, Debug, Serialize)]
pub struct StepScore {
    pub step: String,
    pub runs: u64,
    pub accepted: u64,
    pub refused: u64,
    pub success_rate: f64,
    /// The most frequent refusal reason.
    pub main_reason: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScoreCard {
    pub runbook: String,
    /// Connection-denied time per night, summed over servers, to the horizon.
    pub outage: Distribution,
    /// Loss → first alert notification, per window that had one.
    pub detect: Distribution,
    /// Loss → Available, per window that ended.
    pub recover: Distribution,
    pub outage_probability: f64,
    pub data_loss_probability: f64,
    pub steps: Vec<StepScore>,
    /// The step refused most often, if any was.
    pub most_failed_step: Option<String>,
    /// Night by night, this runbook's outage minus doing nothing's (seconds).
    pub versus_baseline: Option<Versus>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Versus {
    /// Differences (this − baseline) in seconds; negative is better.
    pub p50_s: Option<i64>,
    pub p95_s: Option<i64>,
    pub min_s: Option<i64>,
    pub max_s: Option<i64>,
    pub nights_better: u64,
    pub nights_worse: u64,
    pub nights_same: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Rehearsal {
    pub scenario: String,
    pub seed: u64,
    pub runs: u64,
    pub cards: Vec<ScoreCard>,
    pub expectations: Vec<ExpectationReport>,
    /// Per runbook, the outage of every night (seconds), for charts.
    pub nights: Vec<(String, Vec<u64>)>,
}

impl Rehearsal {
    pub fn all_passed(&self) -> bool {
        self.expectations.iter().all(|e| e.passed != Some(false))
    }
}

/// What one night of one runbook leaves for the score card.
#[derive(Clone, Debug)]
struct Night {
    outage_s: u64,
    per_server_outage_s: Vec<(String, u64)>,
    detect_s: Vec<u64>,
    recover_s: Vec<u64>,
    data_lost: bool,
    steps: Vec<(String, Outcome, Option<String>)>,
}

fn night(r: &RunResult) -> Night {
    let horizon = r.horizon_s;
    let per_server: Vec<(String, u64)> = r
        .servers
        .iter()
        .map(|s| {
            let total = s
                .windows
                .iter()
                .map(|w| w.denied_until_s.unwrap_or(horizon) - w.denied_from_s)
                .sum();
            (s.name.to_string(), total)
        })
        .collect();
    let windows = || r.servers.iter().flat_map(|s| s.windows.iter());
    Night {
        outage_s: per_server.iter().map(|(_, t)| t).sum(),
        per_server_outage_s: per_server,
        detect_s: windows()
            .filter_map(|w| w.metrics.as_ref()?.detect_s)
            .collect(),
        recover_s: windows()
            .filter_map(|w| w.metrics.as_ref()?.recover_s)
            .collect(),
        data_lost: r.servers.iter().any(|s| s.data_lost_at_s.is_some()),
        steps: r
            .steps
            .iter()
            .filter(|s| s.runbook.is_some())
            .map(|s| (s.step.clone(), s.result, s.reason.clone()))
            .collect(),
    }
}

/// Rehearses every runbook and "do nothing" over `runs` paired nights.
pub fn rehearse(plan: &Plan, runs: u64, seed: Option<u64>) -> Result<Rehearsal, RunError> {
    let seed = seed.unwrap_or(plan.file.seed);
    let mut names: Vec<Option<String>> = vec![None];
    names.extend(plan.runbooks.iter().map(|r| Some(r.name.clone())));
    let baseline = {
        let mut p = plan.clone();
        p.runbooks.clear();
        p
    };
    let mut all_nights: Vec<(String, Vec<Night>)> = Vec::new();
    for name in &names {
        let target = if name.is_none() { &baseline } else { plan };
        let nights: Result<Vec<Night>, RunError> = (0..runs)
            .into_par_iter()
            .map(|i| {
                let opts = RunOptions {
                    seed: Some(derive_seed(seed, i)),
                    runbook: name.clone(),
                    detailed: false,
                    ..RunOptions::default()
                };
                run(target, &opts).map(|r| night(&r))
            })
            .collect();
        all_nights.push((
            name.clone().unwrap_or_else(|| DO_NOTHING.to_string()),
            nights?,
        ));
    }
    let baseline_outage: Vec<u64> = all_nights[0].1.iter().map(|n| n.outage_s).collect();
    let cards = all_nights
        .iter()
        .enumerate()
        .map(|(i, (name, nights))| score(name, nights, (i > 0).then_some(&baseline_outage[..])))
        .collect();
    let first = all_nights.get(1).unwrap_or(&all_nights[0]);
    let expectations = expectations(plan, seed, &first.1)?;
    let nights = all_nights
        .iter()
        .map(|(n, v)| (n.clone(), v.iter().map(|x| x.outage_s).collect()))
        .collect();
    Ok(Rehearsal {
        scenario: plan.file.name.clone(),
        seed,
        runs,
        cards,
        expectations,
        nights,
    })
}

fn score(name: &str, nights: &[Night], baseline: Option<&[u64]>) -> ScoreCard {
    let n = nights.len().max(1) as f64;
    let outages: Vec<u64> = nights.iter().map(|x| x.outage_s).collect();
    let detect: Vec<u64> = nights
        .iter()
        .flat_map(|x| x.detect_s.iter().copied())
        .collect();
    let recover: Vec<u64> = nights
        .iter()
        .flat_map(|x| x.recover_s.iter().copied())
        .collect();
    let mut steps: Vec<StepScore> = Vec::new();
    let mut reasons: std::collections::BTreeMap<(String, String), u64> = Default::default();
    for (step, outcome, reason) in nights.iter().flat_map(|x| x.steps.iter()) {
        let idx = match steps.iter().position(|s| s.step == *step) {
            Some(i) => i,
            None => {
                steps.push(StepScore {
                    step: step.clone(),
                    runs: 0,
                    accepted: 0,
                    refused: 0,
                    success_rate: 0.0,
                    main_reason: None,
                });
                steps.len() - 1
            }
        };
        let s = &mut steps[idx];
        s.runs += 1;
        if *outcome == Outcome::Refused {
            s.refused += 1;
            *reasons
                .entry((step.clone(), reason.clone().unwrap_or_default()))
                .or_default() += 1;
        } else {
            s.accepted += 1;
        }
    }
    for s in &mut steps {
        s.success_rate = s.accepted as f64 / s.runs.max(1) as f64;
        s.main_reason = reasons
            .iter()
            .filter(|((st, _), _)| *st == s.step)
            .max_by_key(|(_, &c)| c)
            .map(|((_, r), _)| r.clone());
    }
    let most_failed_step = steps
        .iter()
        .filter(|s| s.refused > 0)
        .max_by_key(|s| s.refused)
        .map(|s| s.step.clone());
    let versus_baseline = baseline.map(|b| {
        let mut diffs: Vec<i64> = outages
            .iter()
            .zip(b)
            .map(|(&x, &y)| x as i64 - y as i64)
            .collect();
        diffs.sort_unstable();
        let q = |p: f64| {
            if diffs.is_empty() {
                return None;
            }
            Some(diffs[nearest_rank(p, diffs.len() as u64) as usize - 1])
        };
        Versus {
            p50_s: q(0.5),
            p95_s: q(0.95),
            min_s: diffs.first().copied(),
            max_s: diffs.last().copied(),
            nights_better: diffs.iter().filter(|&&d| d < 0).count() as u64,
            nights_worse: diffs.iter().filter(|&&d| d > 0).count() as u64,
            nights_same: diffs.iter().filter(|&&d| d == 0).count() as u64,
        }
    });
    ScoreCard {
        runbook: name.to_string(),
        outage: Distribution::of(&outages),
        detect: Distribution::of(&detect),
        recover: Distribution::of(&recover),
        outage_probability: nights.iter().filter(|x| x.outage_s > 0).count() as f64 / n,
        data_loss_probability: nights.iter().filter(|x| x.data_lost).count() as f64 / n,
        steps,
        most_failed_step,
        versus_baseline,
    }
}

/// Sweep expectations over the nights of the first runbook; the others at
/// the scenario's own seed, as `run` decides them.
fn expectations(
    plan: &Plan,
    seed: u64,
    nights: &[Night],
) -> Result<Vec<ExpectationReport>, RunError> {
    let single = run(
        plan,
        &RunOptions {
            seed: Some(seed),
            runbook: None,
            detailed: false,
            ..RunOptions::default()
        },
    )?;
    let mut out = Vec::new();
    for (spec, report) in plan.file.expect.iter().zip(single.expectations) {
        let scored = match spec {
            ExpectSpec::OutageQuantile { server, q, at_most } => {
                let mut v: Vec<u64> = nights.iter().map(|n| server_outage(n, server)).collect();
                v.sort_unstable();
                let got = quantile(&v, *q).unwrap_or(0);
                ExpectationReport {
                    text: report.text,
                    passed: Some(got <= at_most.0),
                    detail: format!(
                        "the {q} quantile of {server}'s outage over {} nights is {} s",
                        v.len(),
                        got
                    ),
                }
            }
            ExpectSpec::OutageProbability { server, at_most } => {
                let p = nights
                    .iter()
                    .filter(|n| server_outage(n, server) > 0)
                    .count() as f64
                    / nights.len().max(1) as f64;
                ExpectationReport {
                    text: report.text,
                    passed: Some(p <= *at_most),
                    detail: format!(
                        "{server} denied connections in {:.1}% of {} nights",
                        p * 100.0,
                        nights.len()
                    ),
                }
            }
            _ => ExpectationReport {
                text: report.text,
                passed: report.passed,
                detail: format!("at seed {seed}: {}", report.detail),
            },
        };
        out.push(scored);
    }
    Ok(out)
}

fn server_outage(n: &Night, server: &str) -> u64 {
    n.per_server_outage_s
        .iter()
        .find(|(s, _)| s == server)
        .map_or(0, |(_, t)| *t)
}

/// The score cards as text.
pub fn render_text(r: &Rehearsal) -> String {
    use crate::engine::time::format_duration as d;
    use std::fmt::Write;
    let opt = |x: Option<u64>| x.map_or("—".to_string(), d);
    let signed = |x: Option<i64>| match x {
        None => "—".to_string(),
        Some(v) if v < 0 => format!("−{}", d(v.unsigned_abs())),
        Some(v) if v > 0 => format!("+{}", d(v as u64)),
        Some(_) => "0s".to_string(),
    };
    let mut out = String::new();
    let _ = writeln!(out, "rehearsal of {} over {} nights (seed {}, paired: night i has the same draws for every runbook)", r.scenario, r.runs, r.seed);
    for c in &r.cards {
        let _ = writeln!(out, "\n{}", c.runbook);
        let _ = writeln!(
            out,
            "  outage per night   p50 {}  p95 {}  max {}   (any outage in {:.1}% of nights)",
            opt(c.outage.p50_s),
            opt(c.outage.p95_s),
            opt(c.outage.max_s),
            c.outage_probability * 100.0
        );
        let _ = writeln!(
            out,
            "  time to detect     p50 {}  p95 {}   ({} windows alerted)",
            opt(c.detect.p50_s),
            opt(c.detect.p95_s),
            c.detect.count
        );
        let _ = writeln!(
            out,
            "  time to recover    p50 {}  p95 {}   ({} windows ended)",
            opt(c.recover.p50_s),
            opt(c.recover.p95_s),
            c.recover.count
        );
        let _ = writeln!(
            out,
            "  data loss          {:.1}% of nights",
            c.data_loss_probability * 100.0
        );
        for s in &c.steps {
            let reason = s
                .main_reason
                .as_ref()
                .map_or(String::new(), |r| format!(", mostly {r}"));
            let _ = writeln!(
                out,
                "  step {:<28} {:>5.1}% accepted of {} runs ({} refused{reason})",
                format!("{:?}", s.step),
                s.success_rate * 100.0,
                s.runs,
                s.refused
            );
        }
        if let Some(step) = &c.most_failed_step {
            let _ = writeln!(out, "  most often refused: {step:?}");
        }
        if let Some(v) = &c.versus_baseline {
            let _ = writeln!(
                out,
                "  versus doing nothing: p50 {}  p95 {}  (better on {} nights, worse on {}, same on {})",
                signed(v.p50_s),
                signed(v.p95_s),
                v.nights_better,
                v.nights_worse,
                v.nights_same
            );
        }
    }
    crate::export::text::expectations(&mut out, &r.expectations);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles_of_a_small_case() {
        let v = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
        assert_eq!(quantile(&v, 0.5), Some(50));
        assert_eq!(quantile(&v, 0.95), Some(100));
        assert_eq!(quantile(&v, 0.9), Some(90));
        assert_eq!(quantile(&v, 0.01), Some(10));
        assert_eq!(quantile(&[], 0.5), None);
        let d = Distribution::of(&[3, 1, 2]);
        assert_eq!(
            (d.min_s, d.p50_s, d.max_s, d.mean_s),
            (Some(1), Some(2), Some(3), Some(2.0))
        );
    }
}
