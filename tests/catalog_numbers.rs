//! The hand-derived numbers of every catalog scenario and worked example.
//!
//! Each file in `scenarios/` and `tests/examples/` carries `//!` lines:
//!
//! ```text
//! //! window <server> <lost> <denied_from> <denied_until|open> <inaccessible_from|-> <inaccessible_until|open|-> <Cause,...>
//! //! unseen <server> <from> <until|open> <Cause,...>
//! //! refused <at> <reason>
//! //! data_lost <server> <at>
//! //! no_windows <server>
//! ```
//!
//! The run must give exactly the listed windows, unseen losses and data
//! losses (every one of every server, no more), each listed refusal, no
//! window for a `no_windows` server, and pass every expectation of the file.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use keyloss::model::{run, RunOptions};
use keyloss::result::RunResult;

use common::{cause_names, window_line};

/// What a file's `//!` lines promise.
#[derive(Default)]
struct Promised {
    /// `window …`, `unseen …` and `data_lost …` lines: the exact set.
    exact: Vec<String>,
    refused: Vec<String>,
    no_windows: Vec<String>,
}

fn promised(text: &str, file: &Path) -> Promised {
    let mut p = Promised::default();
    for line in text.lines().filter_map(|l| l.strip_prefix("//! ")) {
        let line = line.trim();
        let kind = line.split_whitespace().next().unwrap_or("");
        match kind {
            "window" | "unseen" => p.exact.push(normalise_causes(line)),
            "data_lost" => p.exact.push(line.to_string()),
            "refused" => p.refused.push(line.to_string()),
            "no_windows" => p
                .no_windows
                .push(line["no_windows".len()..].trim().to_string()),
            _ => panic!("{}: unknown //! line: {line}", file.display()),
        }
    }
    p
}

/// Sorts the comma-separated causes at the end of a line (MODEL.md gives
/// causes no order).
fn normalise_causes(line: &str) -> String {
    let mut parts: Vec<&str> = line.split_whitespace().collect();
    let last = parts.pop().unwrap_or("");
    let mut causes: Vec<&str> = last.split(',').collect();
    causes.sort();
    let joined = causes.join(",");
    parts.push(&joined);
    parts.join(" ")
}

/// The same lines, from a run.
fn observed(r: &RunResult) -> (Vec<String>, Vec<String>) {
    let mut exact = Vec::new();
    for s in &r.servers {
        for w in &s.windows {
            exact.push(format!("window {} {}", s.name, window_line(w)));
        }
        for u in &s.unseen_losses {
            let until = u.until_s.map_or("open".to_string(), |t| t.to_string());
            exact.push(format!(
                "unseen {} {} {} {}",
                s.name,
                u.from_s,
                until,
                cause_names(&u.causes).join(",")
            ));
        }
        if let Some(t) = s.data_lost_at_s {
            exact.push(format!("data_lost {} {t}", s.name));
        }
    }
    let refused = r
        .refused
        .iter()
        .map(|x| format!("refused {} {}", x.at_s, x.reason))
        .collect();
    (exact, refused)
}

/// Every difference between a file's promises and its run.
fn differences(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).expect("readable scenario");
    let promised = promised(&text, file);
    let plan = match keyloss::scenario::parse_str(&text, &file.display().to_string()) {
        Ok(p) => p,
        Err(d) => return vec![format!("does not parse: {d}")],
    };
    let r = match run(&plan, &RunOptions::default()) {
        Ok(r) => r,
        Err(e) => return vec![format!("run failed: {e}")],
    };
    let (exact, refused) = observed(&r);
    let want: BTreeSet<&String> = promised.exact.iter().collect();
    let got: BTreeSet<&String> = exact.iter().collect();
    let mut out = Vec::new();
    for m in want.difference(&got) {
        out.push(format!("expected, not produced: {m}"));
    }
    for m in got.difference(&want) {
        out.push(format!("produced, not listed:   {m}"));
    }
    for m in &promised.refused {
        if !refused.contains(m) {
            out.push(format!(
                "expected refusal missing: {m} (refusals: {refused:?})"
            ));
        }
    }
    for name in &promised.no_windows {
        match r.server(name) {
            None => out.push(format!("no_windows {name}: the server does not exist")),
            Some(s) if !s.windows.is_empty() => out.push(format!(
                "no_windows {name}: it has {} window(s)",
                s.windows.len()
            )),
            Some(_) => {}
        }
    }
    for e in r.expectations.iter().filter(|e| e.passed == Some(false)) {
        out.push(format!("expectation failed: {} — {}", e.text, e.detail));
    }
    if promised.exact.is_empty() && promised.refused.is_empty() && promised.no_windows.is_empty() {
        out.push("carries no //! lines".to_string());
    }
    out
}

fn ron_files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files
}

fn check_all(dir: &str) {
    let files = ron_files(dir);
    assert!(!files.is_empty(), "no scenarios in {dir}");
    let mut report = Vec::new();
    for f in &files {
        let diffs = differences(f);
        if !diffs.is_empty() {
            report.push(format!("{}:\n  {}", f.display(), diffs.join("\n  ")));
        }
    }
    assert!(
        report.is_empty(),
        "{} of {} file(s) in {dir} differ from their //! numbers:\n{}",
        report.len(),
        files.len(),
        report.join("\n")
    );
}

#[test]
fn catalog_scenarios_reproduce_their_hand_derived_numbers() {
    check_all("scenarios");
}

#[test]
fn worked_examples_reproduce_their_hand_derived_numbers() {
    check_all("tests/examples");
}

#[test]
fn causes_in_comment_lines_are_compared_in_any_order() {
    assert_eq!(
        normalise_causes("window pg 1 2 3 4 5 VaultSoftDeleted,GrantMissing"),
        "window pg 1 2 3 4 5 GrantMissing,VaultSoftDeleted"
    );
}
