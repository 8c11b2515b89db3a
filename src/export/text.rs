//! The terminal report of `keyloss run`: the timeline minute by minute,
//! then each server's windows, data loss, and the expectations.

use std::fmt::Write;

use super::Clock;
use crate::engine::time::format_duration;
use crate::result::{Outcome, RunResult, Window};

pub fn render(r: &RunResult, clock: Clock) -> String {
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
    out.push_str("\ntimeline\n");
    for e in &r.timeline {
        let result = match e.result {
            Some(Outcome::Ok) => " [ok]",
            Some(Outcome::NoChange) => " [no change]",
            Some(Outcome::Refused) => " [REFUSED]",
            None => "",
        };
        // The service's own steps need no "by"; people's actions do.
        let by = if e.actor == "service" {
            String::new()
        } else {
            format!(" (by {})", e.actor)
        };
        let _ = writeln!(
            out,
            "  {}  {:<26} {:<16} {}{}{}",
            clock.show(e.at_s),
            e.kind,
            e.entity,
            e.detail,
            result,
            by
        );
    }
    out.push_str("\nservers\n");
    for s in &r.servers {
        let _ = writeln!(out, "  {}", s.name);
        if s.windows.is_empty() {
            out.push_str("    never denied connections\n");
        }
        for (i, w) in s.windows.iter().enumerate() {
            window(&mut out, i + 1, w, clock);
        }
        for u in &s.unseen_losses {
            let until = u
                .until_s
                .map_or("the horizon".to_string(), |t| clock.show(t));
            let _ = writeln!(
                out,
                "    unseen loss {} → {}: {} (R21: no key check fell inside)",
                clock.show(u.from_s),
                until,
                causes(&u.causes)
            );
        }
        for g in &s.geo_backup_unusable {
            let until = g
                .until_s
                .map_or("the horizon".to_string(), |t| clock.show(t));
            let _ = writeln!(
                out,
                "    geo-backup key unusable {} → {}: {} (geo-restore impossible, R11)",
                clock.show(g.from_s),
                until,
                causes(&g.causes)
            );
        }
        for t in &s.tls_incidents {
            let until = t
                .until_s
                .map_or("the horizon".to_string(), |x| clock.show(x));
            let _ = writeln!(
                out,
                "    TLS incident {} → {}: {} attempt(s) with TLS {} refused (R40)",
                clock.show(t.from_s),
                until,
                t.attempts,
                t.client_tls
            );
        }
        if let (Some(t), Some(reason)) = (s.data_lost_at_s, &s.data_lost_reason) {
            let _ = writeln!(out, "    DATA LOST at {}: {reason}", clock.show(t));
        }
    }
    if !r.refused.is_empty() {
        out.push_str("\nrefused actions\n");
        for x in &r.refused {
            let code = x
                .service_code
                .as_ref()
                .map_or(String::new(), |c| format!(" (the service says {c})"));
            let step = x.step.as_ref().map_or(String::new(), |s| format!(" {s:?}"));
            let _ = writeln!(
                out,
                "  {}  {}{} by {}: {}{} — {}",
                clock.show(x.at_s),
                x.action,
                step,
                x.by,
                x.reason,
                code,
                x.detail
            );
        }
    }
    if !r.alerts.is_empty() {
        out.push_str("\nalerts\n");
        for a in &r.alerts {
            let _ = writeln!(
                out,
                "  {:<20} fired {}  notified {}",
                a.name,
                clock.show(a.fired_at_s),
                clock.show(a.notified_at_s)
            );
        }
    }
    expectations(&mut out, &r.expectations);
    out
}

fn window(out: &mut String, n: usize, w: &Window, clock: Clock) {
    let until = w
        .denied_until_s
        .map_or("still denying at the horizon".to_string(), |t| {
            clock.show(t)
        });
    let _ = writeln!(
        out,
        "    window {n}: denied {} → {}  ({})",
        clock.show(w.denied_from_s),
        until,
        format_duration(w.duration_s)
    );
    let _ = writeln!(
        out,
        "      key access lost   {}  ({})",
        clock.show(w.lost_at_s),
        w.trigger
    );
    let _ = writeln!(out, "      causes            {}", causes(&w.causes));
    match (w.inaccessible_from_s, w.inaccessible_until_s) {
        (Some(a), b) => {
            let _ = writeln!(
                out,
                "      control plane     Inaccessible {} → {}",
                clock.show(a),
                b.map_or("the horizon".into(), |t| clock.show(t))
            );
        }
        (None, _) => out
            .push_str("      control plane     never showed Inaccessible (Available came first)\n"),
    }
    match w.health_from_s {
        Some(a) => {
            let b = w
                .health_until_s
                .map_or("the horizon".into(), |t| clock.show(t));
            let _ = writeln!(
                out,
                "      resource health   Inaccessible {} → {b}",
                clock.show(a)
            );
        }
        None => out.push_str(
            "      resource health   stayed Available (no connection attempt was refused)\n",
        ),
    }
    let fc = &w.failed_checks;
    let _ = writeln!(
        out,
        "      failed checks     {} (first {}, last {})",
        fc.count,
        clock.show(fc.first_s),
        clock.show(fc.last_s)
    );
    if let Some(t1) = w.access_restored_at_s {
        let _ = writeln!(out, "      access restored   {}", clock.show(t1));
    }
    if !w.recovery.is_empty() {
        out.push_str("      recovery path\n");
        for step in &w.recovery {
            match step.wait_s {
                Some(s) if step.kind == "wait" => {
                    let _ = writeln!(
                        out,
                        "        {}  wait {} ({})",
                        clock.show(step.at_s),
                        format_duration(s),
                        step.what
                    );
                }
                _ => {
                    let _ = writeln!(
                        out,
                        "        {}  {} by {}",
                        clock.show(step.at_s),
                        step.what,
                        step.by
                    );
                }
            }
        }
    }
    if let Some(x) = &w.metrics {
        let [d, e, m, r] = x.texts(format_duration, "—");
        let _ = writeln!(
            out,
            "      detect {d}, engage {e}, mitigate {m}, recover {r}"
        );
    }
    for s in w.metrics.iter().flat_map(|x| &x.steps_not_helping) {
        let why = s
            .reason
            .as_ref()
            .map_or("changed nothing".to_string(), |r| format!("refused: {r}"));
        let _ = writeln!(
            out,
            "      step {:?} at {} {why}",
            s.step,
            clock.show(s.at_s)
        );
    }
}

fn causes(c: &[crate::result::CauseReport]) -> String {
    if c.is_empty() {
        return "—".into();
    }
    c.iter()
        .map(|c| format!("{} ({})", c.cause, c.subject))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The expectations with their verdicts, one line each; nothing when there
/// are none.
pub fn expectations(out: &mut String, list: &[crate::result::ExpectationReport]) {
    if list.is_empty() {
        return;
    }
    out.push_str("\nexpectations\n");
    for e in list {
        let verdict = match e.passed {
            Some(true) => "pass",
            Some(false) => "FAIL",
            None => "skip",
        };
        let _ = writeln!(out, "  {verdict}  {} — {}", e.text, e.detail);
    }
}
