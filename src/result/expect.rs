//! Expectations (SCENARIOS.md): each is decided from a run's result alone.

use super::{ExpectationReport, RunResult};
use crate::engine::time::format_duration;
use crate::scenario::format::ExpectSpec;

/// Decides every expectation of a scenario against one run.
pub fn evaluate(specs: &[ExpectSpec], r: &RunResult) -> Vec<ExpectationReport> {
    specs.iter().map(|e| evaluate_one(e, r)).collect()
}

fn report(text: String, passed: bool, detail: String) -> ExpectationReport {
    ExpectationReport {
        text,
        passed: Some(passed),
        detail,
    }
}

/// Text of an expectation, as written in the scenario.
pub fn describe(e: &ExpectSpec) -> String {
    match e {
        ExpectSpec::Inaccessible {
            server,
            at_most: Some(d),
        } => {
            format!(
                "Inaccessible(server: {server:?}, at_most: {:?})",
                format_duration(d.0)
            )
        }
        ExpectSpec::Inaccessible {
            server,
            at_most: None,
        } => format!("Inaccessible(server: {server:?})"),
        ExpectSpec::NeverInaccessible { server } => {
            format!("NeverInaccessible(server: {server:?})")
        }
        ExpectSpec::AvailableAt { server, at } => format!(
            "AvailableAt(server: {server:?}, at: {:?})",
            format_duration(at.0)
        ),
        ExpectSpec::InaccessibleAt { server, at } => {
            format!(
                "InaccessibleAt(server: {server:?}, at: {:?})",
                format_duration(at.0)
            )
        }
        ExpectSpec::UnseenLoss { server } => format!("UnseenLoss(server: {server:?})"),
        ExpectSpec::DataLost { server } => format!("DataLost(server: {server:?})"),
        ExpectSpec::NoDataLoss => "NoDataLoss".to_string(),
        ExpectSpec::StepRefused { step } => format!("StepRefused(step: {step:?})"),
        ExpectSpec::StepSucceeded { step } => format!("StepSucceeded(step: {step:?})"),
        ExpectSpec::AlertFired {
            alert,
            by: Some(by),
        } => {
            format!(
                "AlertFired(alert: {alert:?}, by: {:?})",
                format_duration(by.0)
            )
        }
        ExpectSpec::AlertFired { alert, by: None } => format!("AlertFired(alert: {alert:?})"),
        ExpectSpec::TlsRefused { server } => format!("TlsRefused(server: {server:?})"),
        ExpectSpec::OutageQuantile { server, q, at_most } => {
            format!(
                "OutageQuantile(server: {server:?}, q: {q}, at_most: {:?})",
                format_duration(at_most.0)
            )
        }
        ExpectSpec::OutageProbability { server, at_most } => {
            format!("OutageProbability(server: {server:?}, at_most: {at_most})")
        }
    }
}

fn evaluate_one(e: &ExpectSpec, r: &RunResult) -> ExpectationReport {
    let text = describe(e);
    let horizon = r.horizon_s;
    let server_windows = |name: &str| r.server(name).map(|s| s.windows.as_slice()).unwrap_or(&[]);
    match e {
        ExpectSpec::Inaccessible { server, at_most } => {
            let windows = server_windows(server);
            let Some(longest) = windows.iter().map(|w| w.duration_s).max() else {
                return report(text, false, format!("{server} never denied connections"));
            };
            let ok = at_most.is_none_or(|d| longest <= d.0);
            report(
                text,
                ok,
                format!(
                    "{} window(s), the longest {}",
                    windows.len(),
                    format_duration(longest)
                ),
            )
        }
        ExpectSpec::NeverInaccessible { server } => {
            let windows = server_windows(server);
            match windows.first() {
                None => report(text, true, format!("{server} never denied connections")),
                Some(w) => report(
                    text,
                    false,
                    format!(
                        "{server} denied connections from {} s ({} window(s))",
                        w.denied_from_s,
                        windows.len()
                    ),
                ),
            }
        }
        ExpectSpec::AvailableAt { server, at } | ExpectSpec::InaccessibleAt { server, at } => {
            let want_denied = matches!(e, ExpectSpec::InaccessibleAt { .. });
            let Some(s) = r.server(server) else {
                return report(text, false, format!("{server} never existed"));
            };
            let t = at.0;
            let live =
                s.created_at_s.is_some_and(|c| c <= t) && s.deleted_at_s.is_none_or(|d| t < d);
            if !live || t >= horizon {
                return report(
                    text,
                    false,
                    format!("{server} does not exist at {t} s (or it is past the horizon)"),
                );
            }
            let denying = s
                .windows
                .iter()
                .find(|w| w.denied_from_s <= t && w.denied_until_s.is_none_or(|u| t < u));
            let detail = match denying {
                Some(w) => format!(
                    "at {t} s {server} denies connections (window from {} s)",
                    w.denied_from_s
                ),
                None => format!("at {t} s {server} accepts connections"),
            };
            report(text, denying.is_some() == want_denied, detail)
        }
        ExpectSpec::UnseenLoss { server } => {
            let n = r.server(server).map_or(0, |s| s.unseen_losses.len());
            report(text, n > 0, format!("{n} unseen loss(es)"))
        }
        ExpectSpec::DataLost { server } => match r.server(server).and_then(|s| s.data_lost_at_s) {
            Some(t) => report(text, true, format!("data lost at {t} s")),
            None => report(text, false, format!("{server} kept its data")),
        },
        ExpectSpec::NoDataLoss => {
            let lost: Vec<String> = r
                .servers
                .iter()
                .filter_map(|s| s.data_lost_at_s.map(|t| format!("{} at {t} s", s.name)))
                .collect();
            if lost.is_empty() {
                report(text, true, "no server lost its data".into())
            } else {
                report(text, false, format!("data lost: {}", lost.join(", ")))
            }
        }
        ExpectSpec::StepRefused { step } | ExpectSpec::StepSucceeded { step } => {
            let runs: Vec<_> = r.steps.iter().filter(|s| s.step == *step).collect();
            if runs.is_empty() {
                return report(text, false, format!("{step:?} never ran"));
            }
            let refused = runs
                .iter()
                .filter(|s| s.result == super::Outcome::Refused)
                .count();
            let summary = runs
                .iter()
                .map(|s| match &s.reason {
                    Some(reason) => format!("{} s Refused ({reason})", s.at_s),
                    None => format!("{} s {:?}", s.at_s, s.result),
                })
                .collect::<Vec<_>>()
                .join("; ");
            let ok = if matches!(e, ExpectSpec::StepRefused { .. }) {
                refused > 0
            } else {
                refused < runs.len()
            };
            report(text, ok, summary)
        }
        ExpectSpec::AlertFired { alert, by } => {
            let first = r
                .alerts
                .iter()
                .filter(|a| a.name == *alert)
                .map(|a| a.notified_at_s)
                .min();
            match first {
                None => report(text, false, format!("{alert:?} never notified")),
                Some(t) => report(
                    text,
                    by.is_none_or(|b| t <= b.0),
                    format!("first notified at {t} s"),
                ),
            }
        }
        ExpectSpec::TlsRefused { server } => {
            let attempts: u64 = r
                .server(server)
                .map_or(0, |s| s.tls_incidents.iter().map(|i| i.attempts).sum());
            report(
                text,
                attempts > 0,
                format!("{attempts} connection attempt(s) refused for TLS"),
            )
        }
        ExpectSpec::OutageQuantile { .. } | ExpectSpec::OutageProbability { .. } => {
            ExpectationReport {
                text,
                passed: None,
                detail: "skipped: decided over a sweep of many seeds".into(),
            }
        }
    }
}
