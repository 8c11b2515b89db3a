//! `report.md`: the report for a repository or a wiki: the chart (the PNG
//! beside it), a table of windows, the narrative of [`super::explain`],
//! the expectations and the scenario source.

use std::fmt::Write;

use super::explain::{self, Block};
use super::words::{duration, Times};
use crate::result::{RunResult, Window};

/// Window rows in the table; a fleet's others are in summary.json.
pub const MAX_TABLE_ROWS: usize = 200;

/// `source` is the scenario text, shown at the end (the run result does
/// not carry it).
pub fn render(r: &RunResult, source: Option<&str>) -> String {
    let t = Times::of(r);
    let mut out = String::new();
    let _ = writeln!(out, "# {} — seed {}\n", r.scenario, r.seed);
    if let Some(s) = &r.summary {
        let _ = writeln!(out, "> {s}\n");
    }
    let _ = writeln!(out, "{}\n", facts_line(r, t));
    let _ = writeln!(
        out,
        "![Timeline of {}: servers, vaults, key versions, identities and grants over time](timeline.png)\n",
        r.scenario
    );
    out.push_str("The chart is also in [timeline.svg](timeline.svg); every timeline entry is in [events.jsonl](events.jsonl) and the outcome in [summary.json](summary.json).\n\n");
    windows_table(r, t, &mut out);
    narrative(r, &mut out);
    expectations(r, &mut out);
    if let Some(src) = source {
        let fence = "`".repeat(longest_backtick_run(src).max(2) + 1);
        let _ = writeln!(
            out,
            "## Scenario source\n\n{fence}ron\n{}\n{fence}",
            src.trim_end()
        );
    }
    out
}

fn facts_line(r: &RunResult, t: Times) -> String {
    let mut parts = vec![format!("Horizon {}", duration(r.horizon_s))];
    if let Some(c) = t.calendar(0) {
        parts.push(format!("start {c}"));
    }
    if let Some(rb) = &r.runbook {
        parts.push(format!("runbook \"{rb}\""));
    }
    parts.push(verdict(r));
    parts.join(" · ")
}

/// `**7 of 7 expectations passed**` or `**FAILED: 1 of 7 expectations**`.
pub fn verdict(r: &RunResult) -> String {
    let decided = r.expectations.iter().filter(|e| e.passed.is_some()).count();
    let failed = r
        .expectations
        .iter()
        .filter(|e| e.passed == Some(false))
        .count();
    match (decided, failed) {
        (0, _) => "no expectations decided".into(),
        (d, 0) => format!("**{d} of {d} expectations passed**"),
        (d, f) => format!("**FAILED: {f} of {d} expectations**"),
    }
}

fn windows_table(r: &RunResult, t: Times, out: &mut String) {
    out.push_str("## Windows\n\n");
    let rows: Vec<(&str, usize, &Window)> = r
        .servers
        .iter()
        .flat_map(|s| {
            s.windows
                .iter()
                .enumerate()
                .map(move |(i, w)| (&*s.name, i + 1, w))
        })
        .collect();
    if rows.is_empty() {
        out.push_str("No server denied connections.\n\n");
    } else {
        out.push_str("| server | # | key access lost | denied from | denied until | denied for | control plane Inaccessible | resource health Inaccessible | causes | recovery path |\n");
        out.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
        for (name, n, w) in rows.iter().take(MAX_TABLE_ROWS) {
            let c = window_cells(t, w);
            let _ = writeln!(
                out,
                "| {} | {n} | {} |",
                cell(name),
                c.iter().map(|x| cell(x)).collect::<Vec<_>>().join(" | ")
            );
        }
        if rows.len() > MAX_TABLE_ROWS {
            let _ = writeln!(
                out,
                "\n… and {} more windows, in summary.json.",
                rows.len() - MAX_TABLE_ROWS
            );
        }
        out.push('\n');
    }
    let quiet: Vec<&str> = r
        .servers
        .iter()
        .filter(|s| s.windows.is_empty())
        .map(|s| &*s.name)
        .collect();
    if !quiet.is_empty() && !rows.is_empty() {
        let shown: Vec<&str> = quiet.iter().take(20).copied().collect();
        let more = quiet.len() - shown.len();
        let _ = write!(out, "Never denied connections: {}", shown.join(", "));
        if more > 0 {
            let _ = write!(out, " and {more} more");
        }
        out.push_str(".\n\n");
    }
}

/// The cells of a window's row after the server and its number; shared
/// with the HTML report.
pub fn window_cells(t: Times, w: &Window) -> [String; 8] {
    let span = |a: Option<u64>, b: Option<u64>| match (a, b) {
        (Some(a), Some(b)) => format!("{} → {}", t.at(a), t.at(b)),
        (Some(a), None) => format!("{} → end of run", t.at(a)),
        _ => "never".into(),
    };
    let causes = w
        .causes
        .iter()
        .map(|c| format!("{} ({})", c.cause, c.subject))
        .collect::<Vec<_>>()
        .join(", ");
    let recovery = w
        .recovery
        .iter()
        .map(|s| match s.wait_s {
            Some(d) if s.kind == "wait" => format!("wait {} ({})", duration(d), s.what),
            _ => format!("{} by {}", s.what, s.by),
        })
        .collect::<Vec<_>>()
        .join("; ");
    [
        t.at(w.lost_at_s),
        t.at(w.denied_from_s),
        w.denied_until_s.map_or("end of run".into(), |u| t.at(u)),
        duration(w.duration_s),
        span(w.inaccessible_from_s, w.inaccessible_until_s),
        span(w.health_from_s, w.health_until_s),
        causes,
        if recovery.is_empty() {
            "—".into()
        } else {
            recovery
        },
    ]
}

fn narrative(r: &RunResult, out: &mut String) {
    let n = explain::narrate(r);
    let _ = writeln!(out, "## {}\n", n.title);
    for s in &n.sections {
        let _ = writeln!(out, "### {}\n", s.heading);
        for b in &s.blocks {
            match b {
                Block::Para(p) => {
                    let _ = writeln!(out, "{p}\n");
                }
                Block::Bullets(items) => {
                    for i in items {
                        let _ = writeln!(out, "- {i}");
                    }
                    out.push('\n');
                }
            }
        }
    }
}

fn expectations(r: &RunResult, out: &mut String) {
    if r.expectations.is_empty() {
        return;
    }
    out.push_str("## Expectations\n\n| result | expectation | detail |\n|---|---|---|\n");
    for e in &r.expectations {
        let verdict = match e.passed {
            Some(true) => "pass",
            Some(false) => "**FAIL**",
            None => "skipped",
        };
        let _ = writeln!(
            out,
            "| {verdict} | `{}` | {} |",
            e.text.replace('`', "'"),
            cell(&e.detail)
        );
    }
    out.push('\n');
}

/// A table cell: pipes escaped, lines joined.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}
