//! Facts that several renderers derive from a [`RunResult`] alone: who ran
//! a step and on what, when a server was waiting after access came back,
//! how often it checks its key. One place, so the chart and the narrative
//! never disagree.

use crate::result::{Outcome, RunResult, StepRun, TimelineEntry, Window};

/// Each step run beside the timeline entry it wrote (same second, same
/// action, same result), matched in order; `None` when there is none.
pub fn step_entries(r: &RunResult) -> Vec<Option<&TimelineEntry>> {
    let mut used = vec![false; r.timeline.len()];
    r.steps
        .iter()
        .map(|s| {
            let found = r.timeline.iter().enumerate().position(|(i, e)| {
                !used[i] && e.at_s == s.at_s && e.kind == s.action && e.result == Some(s.result)
            });
            found.map(|i| {
                used[i] = true;
                &r.timeline[i]
            })
        })
        .collect()
}

/// A step's name as the scenario gave it: `None` for the generated
/// `event N` names of unnamed scripted events.
pub fn given_name(s: &StepRun) -> Option<&str> {
    let generated = s.runbook.is_none()
        && s.step
            .strip_prefix("event ")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    (!generated).then_some(s.step.as_str())
}

/// Who ran a step: the timeline's actor, else its runbook.
pub fn actor<'a>(s: &'a StepRun, entry: Option<&'a TimelineEntry>) -> &'a str {
    entry
        .map(|e| e.actor.as_str())
        .or(s.runbook.as_deref())
        .unwrap_or("script")
}

/// The end of a window for drawing and sums: its end, or the horizon.
pub fn window_end(w: &Window, horizon_s: u64) -> u64 {
    w.denied_until_s.unwrap_or(horizon_s)
}

/// The intervals of a window in which key access was back and the server
/// was waiting to be Available (R22), from the server's `KeyAccessRestored`
/// and `KeyAccessLost` timeline entries; a relapse during the wait ends one.
pub fn recovering(r: &RunResult, server: &str, w: &Window) -> Vec<(u64, u64)> {
    let end = window_end(w, r.horizon_s);
    let mut out = Vec::new();
    let mut since: Option<u64> = None;
    for e in r
        .entries_of(server)
        .filter(|e| e.at_s >= w.lost_at_s && e.at_s <= end)
    {
        match e.kind.as_str() {
            "KeyAccessRestored" => since = since.or(Some(e.at_s)),
            "KeyAccessLost" => {
                if let Some(a) = since.take() {
                    out.push((a, e.at_s));
                }
            }
            _ => {}
        }
    }
    match since.or(if out.is_empty() {
        w.access_restored_at_s
    } else {
        None
    }) {
        Some(a) if a < end => out.push((a, end)),
        _ => {}
    }
    out.retain(|(a, b)| a < b);
    out
}

/// The intervals in which a server had no key access (R10 false) during a
/// window: from the loss until access came back, minus the waits.
pub fn without_access(r: &RunResult, server: &str, w: &Window) -> Vec<(u64, u64)> {
    let end = window_end(w, r.horizon_s);
    let mut out = Vec::new();
    let mut from = w.lost_at_s;
    for (a, b) in recovering(r, server, w) {
        if a > from {
            out.push((from, a));
        }
        from = from.max(b);
    }
    if from < end {
        out.push((from, end));
    }
    out
}

/// The server's key-check cadence, when one window shows it: failed
/// checks are consecutive checks while access stays lost, so with two or
/// more of them and no return of access in between, the gap between the
/// first and the last divided by their count less one is the cadence.
pub fn check_cadence_s(r: &RunResult, server: &str) -> Option<u64> {
    let s = r.server(server)?;
    s.windows.iter().find_map(|w| {
        let fc = &w.failed_checks;
        let interrupted = recovering(r, server, w)
            .iter()
            .any(|(a, _)| *a > fc.first_s && *a < fc.last_s);
        (fc.count >= 2 && !interrupted && (fc.last_s - fc.first_s) % (fc.count - 1) == 0)
            .then(|| (fc.last_s - fc.first_s) / (fc.count - 1))
            .filter(|c| *c > 0)
    })
}

/// A window's trigger split into what was done and who did it:
/// `"DeleteVault kv-prod by cleanup-script"` → (`"DeleteVault kv-prod"`,
/// `"cleanup-script"`).
pub fn split_trigger(trigger: &str) -> (&str, Option<&str>) {
    match trigger.rsplit_once(" by ") {
        Some((what, who)) => (what, Some(who)),
        None => (trigger, None),
    }
}

/// Whether a step's outcome changed something.
pub fn outcome_words(o: Outcome) -> &'static str {
    match o {
        Outcome::Ok => "done",
        Outcome::NoChange => "accepted, but it changed nothing",
        Outcome::Refused => "refused",
    }
}
