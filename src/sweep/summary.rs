//! A sweep's report: the numbers of a [`Tally`] under its [`Header`],
//! rendered as text or as `summary.json`, with the sweep-level
//! expectations decided.
//!
//! The summary depends on the header and the tally only, so a sweep run in
//! shards and merged prints, and writes, exactly what the sweep run in one
//! piece does.

use std::fmt::Write;

use serde::Serialize;

use super::counts::{Counts, Stats};
use super::tally::{PopTally, Tally, WorstRun};
use super::{Header, SweepCheck};
use crate::engine::time::format_duration;

/// How quantiles are defined, stated in every summary.
pub const QUANTILE_METHOD: &str = "nearest rank: the q-quantile of n values is the \
    ceil(q*n)-th smallest (at least the 1st), with q read to nine decimal places";

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub seed: u64,
    pub runs: u64,
    pub runbook: Option<String>,
    pub quantiles: &'static str,
    /// Servers reported one by one.
    pub servers: Vec<Population>,
    /// Each fleet, its members together.
    pub fleets: Vec<Population>,
    /// Every server of the scenario together.
    pub all_servers: Population,
    pub expectations: Vec<ExpectationSummary>,
    /// The runs with the most connection-denied time (over all servers),
    /// worst first: `keyloss run FILE --seed SEED` replays one.
    pub worst_runs: Vec<WorstRun>,
}

/// The metrics of one server, one fleet, or all servers, over the runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Population {
    pub name: String,
    /// Servers in the population (1 for a server).
    pub members: u64,
    /// Share of runs in which a member denied connections (a window).
    pub outage_probability: f64,
    pub runs_with_outage: u64,
    /// Share of runs in which a member lost its data (R31).
    pub data_loss_probability: f64,
    pub runs_with_data_loss: u64,
    /// Per run: connection-denied seconds, summed over members.
    pub denied_per_run: Option<Stats>,
    /// Per run: control-plane Inaccessible seconds, summed over members.
    pub inaccessible_per_run: Option<Stats>,
    /// Per run: members that denied connections (fleets and all servers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denied_members_per_run: Option<Stats>,
    /// Per member and run: connection-denied seconds (fleets and all
    /// servers; for one server this is `denied_per_run`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denied_per_member_run: Option<Stats>,
    /// Per window: loss to the first alert notification within the window.
    pub time_to_detect: Option<Stats>,
    pub windows_undetected: u64,
    /// Per window: loss to Available.
    pub time_to_recover: Option<Stats>,
    pub windows_unrecovered: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExpectationSummary {
    pub text: String,
    /// `sweep`: decided over the sweep; `run`: decided in each run.
    pub scope: &'static str,
    /// For a sweep expectation: whether it holds.
    pub passed: Option<bool>,
    /// For a run expectation: the share of runs in which it passed.
    pub pass_rate: Option<f64>,
    pub detail: String,
}

fn share(count: u64, runs: u64) -> f64 {
    if runs == 0 {
        0.0
    } else {
        count as f64 / runs as f64
    }
}

fn population(name: &str, members: u64, runs: u64, p: &PopTally, many: bool) -> Population {
    Population {
        name: name.to_string(),
        members,
        outage_probability: share(p.runs_with_outage, runs),
        runs_with_outage: p.runs_with_outage,
        data_loss_probability: share(p.runs_with_data_loss, runs),
        runs_with_data_loss: p.runs_with_data_loss,
        denied_per_run: p.outage.stats(),
        inaccessible_per_run: p.inaccessible.stats(),
        denied_members_per_run: if many { p.denied_members.stats() } else { None },
        denied_per_member_run: if many { p.member_outage.stats() } else { None },
        time_to_detect: p.detect.stats(),
        windows_undetected: p.undetected,
        time_to_recover: p.recover.stats(),
        windows_unrecovered: p.unrecovered,
    }
}

impl Summary {
    pub fn new(header: &Header, tally: &Tally) -> Summary {
        let runs = tally.runs;
        let servers = header
            .servers
            .iter()
            .zip(&tally.servers)
            .map(|(name, p)| population(name, 1, runs, p, false))
            .collect();
        let fleets = header
            .fleets
            .iter()
            .zip(&tally.fleets)
            .map(|((prefix, count), p)| {
                population(&format!("{prefix}* (fleet)"), *count, runs, p, true)
            })
            .collect();
        let all_servers = population("all servers", header.server_count, runs, &tally.all, true);
        let expectations = header
            .expectations
            .iter()
            .zip(&tally.expectations)
            .map(|(e, v)| match &e.check {
                Some(check) => {
                    let (passed, detail) = decide(check, header, tally);
                    ExpectationSummary {
                        text: e.text.clone(),
                        scope: "sweep",
                        passed: Some(passed),
                        pass_rate: None,
                        detail,
                    }
                }
                None => {
                    let decided = v.passed + v.failed;
                    ExpectationSummary {
                        text: e.text.clone(),
                        scope: "run",
                        passed: None,
                        pass_rate: (decided > 0).then(|| share(v.passed, decided)),
                        detail: format!("passed in {} of {} runs", v.passed, decided),
                    }
                }
            })
            .collect();
        Summary {
            scenario: header.scenario.clone(),
            seed: header.seed,
            runs,
            runbook: header.runbook.clone(),
            quantiles: QUANTILE_METHOD,
            servers,
            fleets,
            all_servers,
            expectations,
            worst_runs: tally.worst.clone(),
        }
    }

    /// Every sweep-level expectation holds.
    pub fn all_passed(&self) -> bool {
        self.expectations.iter().all(|e| e.passed != Some(false))
    }

    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).expect("a summary always serialises");
        out.push('\n');
        out
    }
}

/// Decides a sweep-level expectation from the counts.
fn decide(check: &SweepCheck, header: &Header, tally: &Tally) -> (bool, String) {
    let server_tally = |name: &str| {
        header
            .servers
            .iter()
            .position(|s| s == name)
            .map(|i| &tally.servers[i])
    };
    match check {
        SweepCheck::Quantile {
            server,
            q,
            at_most_s,
        } => {
            let empty = Counts::new();
            let counts = server_tally(server).map_or(&empty, |p| &p.outage);
            match counts.quantile(*q) {
                None => (false, "no runs".into()),
                Some(v) => (
                    v <= *at_most_s,
                    format!(
                        "the {q}-quantile of {server}'s connection-denied time per run is {} over {} runs",
                        format_duration(v),
                        counts.len()
                    ),
                ),
            }
        }
        SweepCheck::Probability { server, at_most } => {
            let with = server_tally(server).map_or(0, |p| p.runs_with_outage);
            let p = share(with, tally.runs);
            (
                tally.runs > 0 && p <= *at_most,
                format!(
                    "{server} denied connections in {with} of {} runs ({})",
                    tally.runs,
                    percent(p)
                ),
            )
        }
    }
}

fn percent(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

fn stats_line(out: &mut String, label: &str, stats: &Option<Stats>, unit_s: bool) {
    let show = |v: u64| {
        if unit_s {
            format_duration(v)
        } else {
            v.to_string()
        }
    };
    match stats {
        None => {
            let _ = writeln!(out, "    {label:<34} none");
        }
        Some(s) => {
            let mean = if unit_s {
                format_duration(s.mean_s.round() as u64)
            } else {
                format!("{:.1}", s.mean_s)
            };
            let _ = writeln!(
                out,
                "    {label:<34} min {}  p50 {}  p90 {}  p95 {}  p99 {}  max {}  mean {}",
                show(s.min_s),
                show(s.p50_s),
                show(s.p90_s),
                show(s.p95_s),
                show(s.p99_s),
                show(s.max_s),
                mean
            );
        }
    }
}

fn population_text(out: &mut String, p: &Population, runs: u64) {
    if p.members == 1 {
        let _ = writeln!(out, "  {}", p.name);
    } else {
        let _ = writeln!(out, "  {} — {} servers", p.name, p.members);
    }
    let _ = writeln!(
        out,
        "    outage in {} of {runs} runs ({}); data lost in {} ({})",
        p.runs_with_outage,
        percent(p.outage_probability),
        p.runs_with_data_loss,
        percent(p.data_loss_probability)
    );
    stats_line(
        out,
        "connection-denied time per run",
        &p.denied_per_run,
        true,
    );
    stats_line(
        out,
        "Inaccessible time per run",
        &p.inaccessible_per_run,
        true,
    );
    if p.denied_members_per_run.is_some() {
        stats_line(
            out,
            "servers denying, per run",
            &p.denied_members_per_run,
            false,
        );
        stats_line(
            out,
            "denied time per server and run",
            &p.denied_per_member_run,
            true,
        );
    }
    let windows = p.time_to_recover.as_ref().map_or(0, |s| s.n) + p.windows_unrecovered;
    if windows > 0 {
        stats_line(
            out,
            "time to detect (loss → alert)",
            &p.time_to_detect,
            true,
        );
        if p.windows_undetected > 0 {
            let _ = writeln!(
                out,
                "    {:<34} {} of {windows} windows had no alert notification",
                "", p.windows_undetected
            );
        }
        stats_line(
            out,
            "time to recover (loss → Available)",
            &p.time_to_recover,
            true,
        );
        if p.windows_unrecovered > 0 {
            let _ = writeln!(
                out,
                "    {:<34} {} of {windows} windows still open at the horizon",
                "", p.windows_unrecovered
            );
        }
    }
}

/// The terminal report of a sweep.
pub fn render_text(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "sweep {}: {} runs from seed {}{}",
        s.scenario,
        s.runs,
        s.seed,
        s.runbook
            .as_ref()
            .map_or(String::new(), |r| format!(", runbook {r}"))
    );
    let _ = writeln!(out, "  quantiles: {}", s.quantiles);
    out.push_str("\nservers\n");
    for p in &s.servers {
        population_text(&mut out, p, s.runs);
    }
    for p in &s.fleets {
        population_text(&mut out, p, s.runs);
    }
    if s.servers.len() + s.fleets.len() != 1 {
        population_text(&mut out, &s.all_servers, s.runs);
    }
    if !s.worst_runs.is_empty() {
        out.push_str("\nworst runs (replay with keyloss run FILE --seed SEED)\n");
        for w in &s.worst_runs {
            let _ = writeln!(
                out,
                "  run {:<8} seed {:<20} denied {}",
                w.index,
                w.seed,
                format_duration(w.outage_s)
            );
        }
    }
    if !s.expectations.is_empty() {
        out.push_str("\nexpectations\n");
        for e in &s.expectations {
            let verdict = match (e.passed, e.pass_rate) {
                (Some(true), _) => "PASS".to_string(),
                (Some(false), _) => "FAIL".to_string(),
                (None, Some(rate)) => percent(rate),
                (None, None) => "skip".to_string(),
            };
            let _ = writeln!(out, "  {verdict:>6}  {} — {}", e.text, e.detail);
        }
    }
    out
}
