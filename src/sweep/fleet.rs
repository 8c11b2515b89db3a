//! One run of a scenario with many servers, summarised: instead of every
//! server's windows, how many servers denied connections and how long,
//! per fleet and for all servers, then the few longest outages in full.
//!
//! `keyloss run` prints this when a scenario has more than
//! [`SERVER_DETAIL_LIMIT`] servers, unless `--all-servers` asks for the
//! full report.

use std::fmt::Write;

use rayon::prelude::*;

use super::counts::{Counts, Stats};
use super::tally::{server_id, Layout, SERVER_DETAIL_LIMIT};
use crate::engine::time::format_duration;
use crate::export::Clock;
use crate::result::{RunResult, ServerReport};
use crate::scenario::Plan;

/// Servers shown in full: those with the most connection-denied time.
pub const LONGEST_SHOWN: usize = 5;
/// Scripted events, runbook steps, refusals and alerts listed before "… and
/// N more".
pub const LIST_LIMIT: usize = 30;

/// One population's numbers in one run. Durations are gathered as plain
/// values and counted once at the end: a million map insertions would cost
/// more than the sort.
#[derive(Debug, Default)]
struct Group {
    servers: u64,
    denying: u64,
    unseen: u64,
    data_lost: u64,
    denied_s: Vec<u64>,
    inaccessible_s: Vec<u64>,
}

impl Group {
    fn add(&mut self, s: &ServerReport, horizon_s: u64) {
        self.servers += 1;
        self.denying += u64::from(!s.windows.is_empty());
        self.unseen += u64::from(!s.unseen_losses.is_empty());
        self.data_lost += u64::from(s.data_lost_at_s.is_some());
        self.denied_s
            .push(s.windows.iter().map(|w| w.duration_s).sum());
        self.inaccessible_s.push(
            s.windows
                .iter()
                .filter_map(|w| {
                    w.inaccessible_from_s
                        .map(|f| w.inaccessible_until_s.unwrap_or(horizon_s) - f)
                })
                .sum(),
        );
    }

    /// Another stretch of the same population.
    fn append(&mut self, mut other: Group) {
        self.servers += other.servers;
        self.denying += other.denying;
        self.unseen += other.unseen;
        self.data_lost += other.data_lost;
        self.denied_s.append(&mut other.denied_s);
        self.inaccessible_s.append(&mut other.inaccessible_s);
    }

    /// The distributions of denied and Inaccessible time.
    fn stats(&self) -> [Option<Stats>; 2] {
        [
            counted(&self.denied_s).stats(),
            counted(&self.inaccessible_s).stats(),
        ]
    }

    fn render(&self, out: &mut String, name: &str, stats: &[Option<Stats>; 2]) {
        let share = |n: u64| format!("{:.1}%", n as f64 * 100.0 / self.servers.max(1) as f64);
        let plural = if self.servers == 1 { "" } else { "s" };
        let _ = writeln!(out, "  {name} — {} server{plural}", self.servers);
        let _ = writeln!(
            out,
            "    denied connections: {} ({}); with unseen losses: {}; data lost: {}",
            self.denying,
            share(self.denying),
            self.unseen,
            self.data_lost
        );
        show_stats(out, "denied time per server", stats[0].as_ref());
        show_stats(out, "Inaccessible time per server", stats[1].as_ref());
    }
}

/// The values as exact counts.
fn counted(values: &[u64]) -> Counts {
    let mut sorted = values.to_vec();
    sorted.par_sort_unstable();
    let mut counts = Counts::new();
    for run in sorted.chunk_by(|a, b| a == b) {
        counts.add_many(run[0], run.len() as u64);
    }
    counts
}

fn show_stats(out: &mut String, label: &str, s: Option<&Stats>) {
    if let Some(s) = s {
        let _ = writeln!(
            out,
            "    {label:<30} min {}  p50 {}  p90 {}  p99 {}  max {}  mean {}",
            format_duration(s.min_s),
            format_duration(s.p50_s),
            format_duration(s.p90_s),
            format_duration(s.p99_s),
            format_duration(s.max_s),
            format_duration(s.mean_s.round() as u64)
        );
    }
}

/// The summarised report of one run.
pub fn render(r: &RunResult, plan: &Plan, clock: Clock) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "scenario {}  (seed {}, horizon {})",
        r.scenario,
        r.seed,
        format_duration(r.horizon_s)
    );
    if let Some(s) = &r.summary {
        let _ = writeln!(out, "  {s}");
    }
    if let Some(rb) = &r.runbook {
        let _ = writeln!(out, "  runbook: {rb}");
    }
    let _ = writeln!(
        out,
        "  {} servers: summarised (--all-servers prints every server and the timeline)",
        r.servers.len()
    );
    if !r.steps.is_empty() {
        out.push_str("\nscripted events and runbook steps\n");
        for s in r.steps.iter().take(LIST_LIMIT) {
            let reason = s
                .reason
                .as_ref()
                .map_or(String::new(), |x| format!(" ({x})"));
            let _ = writeln!(
                out,
                "  {}  {:<24} {:<22} {:?}{reason}",
                clock.show(s.at_s),
                s.step,
                s.action,
                s.result
            );
        }
        more(&mut out, r.steps.len());
    }
    servers(&mut out, r, plan, clock);
    if !r.refused.is_empty() {
        out.push_str("\nrefused actions\n");
        for x in r.refused.iter().take(LIST_LIMIT) {
            let _ = writeln!(
                out,
                "  {}  {} by {}: {} — {}",
                clock.show(x.at_s),
                x.action,
                x.by,
                x.reason,
                x.detail
            );
        }
        more(&mut out, r.refused.len());
    }
    if !r.alerts.is_empty() {
        out.push_str("\nalerts\n");
        for a in r.alerts.iter().take(LIST_LIMIT) {
            let _ = writeln!(
                out,
                "  {:<20} fired {}  notified {}",
                a.name,
                clock.show(a.fired_at_s),
                clock.show(a.notified_at_s)
            );
        }
        more(&mut out, r.alerts.len());
    }
    crate::export::text::expectations(&mut out, &r.expectations);
    out
}

fn more(out: &mut String, total: usize) {
    if total > LIST_LIMIT {
        let _ = writeln!(out, "  … and {} more", total - LIST_LIMIT);
    }
}

/// What one stretch of the servers adds to the summary.
#[derive(Debug, Default)]
struct Part {
    all: Group,
    fleets: Vec<Group>,
    others: Group,
    /// (denied seconds, position): the longest outages, earliest server
    /// first among equals.
    longest: Vec<(u64, usize)>,
}

impl Part {
    fn append(&mut self, other: Part) {
        self.all.append(other.all);
        for (mine, theirs) in self.fleets.iter_mut().zip(other.fleets) {
            mine.append(theirs);
        }
        self.others.append(other.others);
        self.longest.extend(other.longest);
        keep_longest(&mut self.longest);
    }
}

/// Servers tallied by one task: the stretches are tallied side by side
/// and joined in order, so the summary does not depend on the cores.
const TALLY_CHUNK: usize = 1 << 16;

fn tally(r: &RunResult, plan: &Plan, layout: &Layout, first: usize) -> Part {
    let servers = &r.servers[first..(first + TALLY_CHUNK).min(r.servers.len())];
    let mut part = Part {
        fleets: layout.fleets.iter().map(|_| Group::default()).collect(),
        ..Part::default()
    };
    let mut next_id = first;
    for (i, s) in servers.iter().enumerate() {
        part.all.add(s, r.horizon_s);
        let id = server_id(plan, &s.name, next_id);
        next_id = id.map_or(next_id, |id| id as usize + 1);
        match id.and_then(|id| layout.fleet_of(id)) {
            Some(f) => part.fleets[f].add(s, r.horizon_s),
            None => part.others.add(s, r.horizon_s),
        }
        let denied: u64 = s.windows.iter().map(|w| w.duration_s).sum();
        if denied > 0 {
            part.longest.push((denied, first + i));
            if part.longest.len() > 4 * LONGEST_SHOWN {
                keep_longest(&mut part.longest);
            }
        }
    }
    keep_longest(&mut part.longest);
    part
}

fn servers(out: &mut String, r: &RunResult, plan: &Plan, clock: Clock) {
    let layout = Layout::new(plan);
    let parts: Vec<Part> = (0..r.servers.len())
        .step_by(TALLY_CHUNK)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|first| tally(r, plan, &layout, first))
        .collect();
    let mut whole = Part {
        fleets: layout.fleets.iter().map(|_| Group::default()).collect(),
        ..Part::default()
    };
    for part in parts {
        whole.append(part);
    }
    let Part {
        all,
        fleets,
        others,
        longest,
    } = whole;
    let all_stats = all.stats();
    out.push_str("\nservers\n");
    all.render(out, "all servers", &all_stats);
    for (g, (prefix, _)) in fleets.iter().zip(&layout.fleets) {
        // A fleet of every server has their numbers: not counted twice.
        let own;
        let stats = if g.servers == all.servers {
            &all_stats
        } else {
            own = g.stats();
            &own
        };
        g.render(out, &format!("{prefix}* (fleet)"), stats);
    }
    if !layout.fleets.is_empty() && others.servers > 0 {
        others.render(out, "servers outside fleets", &others.stats());
    }
    if !longest.is_empty() {
        out.push_str("\nlongest outages\n");
        for (denied, i) in longest {
            let s = &r.servers[i];
            let _ = writeln!(
                out,
                "  {}: {} window(s), denied {} in all",
                s.name,
                s.windows.len(),
                format_duration(denied)
            );
            for w in &s.windows {
                let causes: Vec<String> = w
                    .causes
                    .iter()
                    .map(|c| format!("{} ({})", c.cause, c.subject))
                    .collect();
                let _ = writeln!(
                    out,
                    "    denied {} → {}  ({}): {}",
                    clock.show(w.denied_from_s),
                    w.denied_until_s
                        .map_or("the horizon".to_string(), |t| clock.show(t)),
                    format_duration(w.duration_s),
                    causes.join(", ")
                );
            }
        }
    }
}

fn keep_longest(list: &mut Vec<(u64, usize)>) {
    list.sort_by_key(|&(denied, i)| (std::cmp::Reverse(denied), i));
    list.truncate(LONGEST_SHOWN);
}

/// Whether `run` should summarise rather than list every server.
pub fn should_summarise(plan: &Plan) -> bool {
    plan.servers.len() > SERVER_DETAIL_LIMIT
}
