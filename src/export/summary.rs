//! `summary.json`: the outcome of a run without its timeline and entity
//! intervals: each server's windows, unseen losses and data loss, the
//! refusals, alerts, step results and expectations. Same field names as
//! `run --format json`.

use serde::Serialize;

use crate::result::{AlertReport, ExpectationReport, Refusal, RunResult, ServerReport, StepRun};

#[derive(Serialize)]
struct Summary<'a> {
    scenario: &'a str,
    summary: Option<&'a str>,
    seed: u64,
    horizon_s: u64,
    start: Option<&'a str>,
    runbook: Option<&'a str>,
    servers: &'a [ServerReport],
    refused: &'a [Refusal],
    alerts: &'a [AlertReport],
    steps: &'a [StepRun],
    expectations: &'a [ExpectationReport],
}

pub fn render(r: &RunResult) -> String {
    let s = Summary {
        scenario: &r.scenario,
        summary: r.summary.as_deref(),
        seed: r.seed,
        horizon_s: r.horizon_s,
        start: r.start.as_deref(),
        runbook: r.runbook.as_deref(),
        servers: &r.servers,
        refused: &r.refused,
        alerts: &r.alerts,
        steps: &r.steps,
        expectations: &r.expectations,
    };
    let mut out = serde_json::to_string_pretty(&s).expect("a summary always serialises");
    out.push('\n');
    out
}
