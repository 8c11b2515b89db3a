//! The narrative of a run in plain English (`keyloss explain`, and the
//! story in `report.md` and `report.html`): each window in order, what
//! changed and who did it, which condition of R10 broke and why that breaks
//! key access, when the server noticed and why that late, what the control
//! plane, resource health, the activity log and the alerts showed, what
//! people and runbooks did, what brought key access back and how long the
//! revalidation took; then unseen losses, data loss, refusals, TLS
//! incidents and the expectations.
//!
//! Every sentence is generated from the [`RunResult`]; the knowledge it
//! adds (what a cause means, the documented way back) is in
//! [`super::causes`]. The narrative is data ([`Narrative`]), so the text,
//! Markdown and HTML renderers lay out the same words.

use std::fmt::Write;

use super::causes;
use super::facts;
use super::words::{and_list, duration, plural, Times};
use crate::result::{CauseReport, Outcome, RunResult, ServerReport, Window};

/// Windows told in full; past this (a fleet), the rest are summed up.
pub const MAX_WINDOWS_TOLD: usize = 12;
/// Refusals, unseen losses and similar items listed one by one.
pub const MAX_ITEMS_LISTED: usize = 40;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Narrative {
    pub title: String,
    pub sections: Vec<Section>,
    /// The verdict on the expectations: the text ends with it; reports
    /// that show the expectations in a table leave it out.
    pub expectations: Section,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Para(String),
    Bullets(Vec<String>),
}

/// The whole story of one run.
pub fn narrate(r: &RunResult) -> Narrative {
    let t = Times::of(r);
    let mut sections = vec![intro(r, t)];
    let mut windows: Vec<(&ServerReport, usize, &Window)> = r
        .servers
        .iter()
        .flat_map(|s| s.windows.iter().enumerate().map(move |(i, w)| (s, i, w)))
        .collect();
    // Stable: servers in declaration order within the same second.
    windows.sort_by_key(|(_, _, w)| w.denied_from_s);
    for (s, i, w) in windows.iter().take(MAX_WINDOWS_TOLD) {
        sections.push(window_section(r, t, s, *i, w));
    }
    if windows.len() > MAX_WINDOWS_TOLD {
        sections.push(rest_of_windows(r, &windows[MAX_WINDOWS_TOLD..]));
    }
    sections.extend(unseen_section(r, t));
    sections.extend(geo_section(r, t));
    sections.extend(data_loss_section(r, t));
    sections.extend(refusals_section(r, t));
    sections.extend(tls_section(r, t));
    Narrative {
        title: format!("What happened in {} (seed {})", r.scenario, r.seed),
        sections,
        expectations: expectations_section(r),
    }
}

fn intro(r: &RunResult, t: Times) -> Section {
    let mut blocks = Vec::new();
    if let Some(s) = &r.summary {
        blocks.push(Block::Para(s.clone()));
    }
    let mut p = format!(
        "The run covers {} from the start. Times are offsets from the start (+days hh:mm:ss)",
        duration(r.horizon_s)
    );
    match t.calendar(0) {
        Some(c) => {
            let _ = write!(p, ", with UTC calendar time beside them; the start is {c}.");
        }
        None => p.push('.'),
    }
    if let Some(rb) = &r.runbook {
        let _ = write!(p, " The runbook rehearsed is {rb:?}.");
    }
    blocks.push(Block::Para(p));
    let windows: usize = r.servers.iter().map(|s| s.windows.len()).sum();
    let quiet: Vec<String> = r
        .servers
        .iter()
        .filter(|s| s.windows.is_empty())
        .map(|s| s.name.to_string())
        .collect();
    let mut p = if r.servers.is_empty() {
        "No server existed during the run.".to_string()
    } else if windows == 0 {
        "No server denied connections during the run.".to_string()
    } else if r.servers.len() == 1 {
        format!(
            "{} denied connections in {}.",
            r.servers[0].name,
            plural(windows as u64, "window")
        )
    } else {
        let hit = r.servers.len() - quiet.len();
        format!(
            "{} of {} denied connections: {} in all.",
            hit,
            plural(r.servers.len() as u64, "server"),
            plural(windows as u64, "window")
        )
    };
    if windows > 0 && !quiet.is_empty() {
        if quiet.len() <= 10 {
            let _ = write!(p, " Never denied: {}.", and_list(&quiet));
        } else {
            let _ = write!(p, " {} never denied.", plural(quiet.len() as u64, "server"));
        }
    }
    blocks.push(Block::Para(p));
    Section {
        heading: "Overview".into(),
        blocks,
    }
}

fn window_section(r: &RunResult, t: Times, s: &ServerReport, i: usize, w: &Window) -> Section {
    let name = &s.name;
    let end = match w.denied_until_s {
        Some(u) => t.at(u),
        None => "the end of the run".into(),
    };
    let heading = format!(
        "{name}, window {}: denied connections for {}{} ({} → {end})",
        i + 1,
        duration(w.duration_s),
        if w.denied_until_s.is_none() {
            " and counting"
        } else {
            ""
        },
        t.at(w.denied_from_s)
    );
    let mut blocks = vec![Block::Para(what_changed(t, name, w))];
    blocks.push(Block::Para(format!(
        "Key access failed for {}:",
        if w.causes.len() == 1 {
            "one reason".to_string()
        } else {
            format!("{} reasons", w.causes.len())
        }
    )));
    blocks.push(Block::Bullets(w.causes.iter().map(cause_line).collect()));
    blocks.push(Block::Para(denial(r, t, name, w)));
    blocks.push(Block::Para(control_plane(t, w)));
    blocks.push(Block::Para(health(t, w)));
    blocks.push(Block::Para(log_and_alerts(r, t, name, w)));
    let acts = actions_during(r, t, w);
    if !acts.is_empty() {
        blocks.push(Block::Para(
            "What people, scripts and runbooks did meanwhile:".into(),
        ));
        blocks.push(Block::Bullets(acts));
    }
    blocks.push(Block::Para(recovery(r, t, name, w)));
    blocks.push(Block::Para(total(name, w)));
    blocks.push(Block::Para("The documented way back:".into()));
    blocks.push(Block::Bullets(per_cause(&w.causes, |i| i.way_back)));
    blocks.push(Block::Para("What would have prevented it:".into()));
    blocks.push(Block::Bullets(per_cause(&w.causes, |i| i.prevention)));
    Section { heading, blocks }
}

fn what_changed(t: Times, server: &str, w: &Window) -> String {
    let at = t.at(w.lost_at_s);
    let (what, who) = facts::split_trigger(&w.trigger);
    let action = what.split(' ').next().unwrap_or("");
    let is_action = action.starts_with(|c: char| c.is_ascii_uppercase())
        && action.chars().all(|c| c.is_ascii_alphanumeric());
    match who {
        _ if what == "created" => {
            format!("At {at}, {server} was created already without key access.")
        }
        Some(who) if is_action => {
            let target = what[action.len()..].trim();
            if target.is_empty() {
                format!("At {at}, {who} ran {action}, and {server} lost key access.")
            } else {
                format!("At {at}, {who} ran {action} on {target}, and {server} lost key access.")
            }
        }
        Some("service") | None => {
            format!("At {at}, {what}, and {server} lost key access; nobody acted: the service applies this by itself.")
        }
        Some(who) => format!("At {at}, {what} ({who}), and {server} lost key access."),
    }
}

fn cause_line(c: &CauseReport) -> String {
    match causes::info(c.cause) {
        Some(i) => format!(
            "{} ({}): {}. It breaks condition {} of key access (R10: {}): {}.",
            c.cause,
            c.subject,
            i.what.replace("{s}", &c.subject),
            i.condition,
            causes::condition_text(i.condition),
            i.why
        ),
        None => format!("{} ({}).", c.cause, c.subject),
    }
}

fn per_cause(list: &[CauseReport], pick: fn(&causes::CauseInfo) -> &'static str) -> Vec<String> {
    list.iter()
        .map(|c| match causes::info(c.cause) {
            Some(i) => format!("{}: {}.", c.cause, pick(&i).replace("{s}", &c.subject)),
            None => format!("{}: no documented advice is known for this cause.", c.cause),
        })
        .collect()
}

fn denial(r: &RunResult, t: Times, server: &str, w: &Window) -> String {
    let late = w.denied_from_s - w.lost_at_s;
    if late == 0 {
        return format!(
            "{server} denied connections at once, at {}: a key check fell in that same second (R20).",
            t.at(w.denied_from_s)
        );
    }
    let cadence = match facts::check_cadence_s(r, server) {
        Some(c) => format!("every {}", duration(c)),
        None => "at a fixed cadence".into(),
    };
    format!(
        "{server} did not notice at once: a server checks its key {cadence} and notices a loss only at its next check, which came at {}, {} after the loss. From then on it denied every connection (R20).",
        t.at(w.denied_from_s),
        duration(late)
    )
}

fn control_plane(t: Times, w: &Window) -> String {
    let Some(from) = w.inaccessible_from_s else {
        return "The control plane (portal and API) never showed it Inaccessible: the server was Available again before the control plane's delay ran out, so the portal showed Available while clients were refused (R20).".into();
    };
    let until = match w.inaccessible_until_s {
        Some(u) => format!("until {}", t.at(u)),
        None => "until the end of the run".into(),
    };
    let mut p = format!(
        "The control plane (portal and API) showed it Inaccessible from {}, {} after the loss, {until} (R20: generally within 60 minutes).",
        t.at(from),
        duration(from - w.lost_at_s)
    );
    if let Some(t1) = w.access_restored_at_s.filter(|t1| *t1 <= from) {
        let _ = write!(
            p,
            " Key access had already come back at {}: the control plane lags behind.",
            t.at(t1)
        );
    }
    p
}

fn health(t: Times, w: &Window) -> String {
    match w.health_from_s {
        Some(h) => format!(
            "Resource health showed Inaccessible from {}, when the first client connection was refused ({} after denial began), until {} (R23).",
            t.at(h),
            duration(h - w.denied_from_s),
            w.health_until_s
                .map_or("the end of the run".to_string(), |u| t.at(u))
        ),
        None => "Resource health kept showing Available: no client tried to connect while the server denied connections, and resource health changes only at the first refused connection (R23).".into(),
    }
}

fn log_and_alerts(r: &RunResult, t: Times, server: &str, w: &Window) -> String {
    let fc = &w.failed_checks;
    let mut p = if fc.count == 1 {
        format!(
            "One key check failed, at {}, and wrote an activity-log entry",
            t.at(fc.first_s)
        )
    } else {
        format!(
            "{} failed key checks, from {} to {}, were kept as one activity-log record",
            fc.count,
            t.at(fc.first_s),
            t.at(fc.last_s)
        )
    };
    let end = facts::window_end(w, r.horizon_s);
    let entry = r
        .entries_of(server)
        .find(|e| e.kind == "ActivityLog" && e.at_s >= fc.first_s);
    match entry {
        Some(e) => {
            let _ = write!(
                p,
                "; it appeared in the activity log at {}, {} after the check (R24).",
                t.at(e.at_s),
                duration(e.at_s - fc.first_s)
            );
        }
        None => {
            p.push_str("; it had not yet appeared in the activity log when the run ended (R24).")
        }
    }
    let fired: Vec<String> = r
        .alerts
        .iter()
        .filter(|a| a.fired_at_s >= w.lost_at_s && a.fired_at_s <= end)
        .map(|a| {
            format!(
                "{:?} fired at {} and was notified at {}, {} after the loss",
                a.name,
                t.at(a.fired_at_s),
                t.at(a.notified_at_s),
                duration(a.notified_at_s - w.lost_at_s)
            )
        })
        .collect();
    if !fired.is_empty() {
        let _ = write!(p, " Alerts (R25): {}.", fired.join("; "));
    } else if r.alerts.is_empty() && entry.is_some() {
        let _ = write!(
            p,
            " No alert fired, so nobody was told; a KeyAccessFailure alert on the activity log would have fired at {} (R25).",
            t.at(entry.map_or(0, |e| e.at_s))
        );
    } else {
        p.push_str(" No alert fired during this window.");
    }
    p
}

fn actions_during(r: &RunResult, t: Times, w: &Window) -> Vec<String> {
    let end = facts::window_end(w, r.horizon_s);
    let trigger_action = facts::split_trigger(&w.trigger).0.split(' ').next();
    let entries = facts::step_entries(r);
    let mut skipped_trigger = false;
    let mut out = Vec::new();
    for (s, e) in r.steps.iter().zip(entries) {
        if s.at_s < w.lost_at_s || s.at_s > end {
            continue;
        }
        if !skipped_trigger && s.at_s == w.lost_at_s && Some(s.action.as_str()) == trigger_action {
            skipped_trigger = true;
            continue;
        }
        let who = match &s.runbook {
            Some(rb) => format!("runbook {rb:?}"),
            None => facts::actor(s, e).to_string(),
        };
        let mut line = format!("{}: {who} ran {}", t.at(s.at_s), s.action);
        if let Some(e) = e.filter(|e| !e.entity.is_empty()) {
            let _ = write!(line, " on {}", e.entity);
        }
        match (&s.runbook, facts::given_name(s)) {
            (Some(_), Some(n)) => {
                let _ = write!(line, " (step {n:?})");
            }
            (None, Some(n)) => {
                let _ = write!(line, " ({n:?})");
            }
            _ => {}
        }
        let _ = write!(line, ": {}", facts::outcome_words(s.result));
        if s.result == Outcome::Refused {
            if let Some(reason) = &s.reason {
                let _ = write!(line, " ({reason})");
            }
        }
        match e {
            Some(e) if s.result != Outcome::Refused && !e.detail.is_empty() => {
                let _ = write!(line, " — {}.", e.detail);
            }
            _ => line.push('.'),
        }
        out.push(line);
    }
    out
}

fn recovery(r: &RunResult, t: Times, server: &str, w: &Window) -> String {
    let Some(t1) = w.access_restored_at_s else {
        let changes: Vec<String> = w
            .recovery
            .iter()
            .filter(|s| s.kind == "action")
            .map(|s| format!("{} ({}) at {}", s.what, s.by, t.at(s.at_s)))
            .collect();
        let mut p = String::new();
        if !changes.is_empty() {
            let _ = write!(p, "The causes changed meanwhile: {}. ", and_list(&changes));
        }
        let _ = write!(
            p,
            "Key access never came back before the end of the run: {server} was still denying connections."
        );
        let lost = r
            .server(server)
            .and_then(|s| s.data_lost_at_s)
            .filter(|d| *d >= w.lost_at_s);
        if let Some(d) = lost {
            let _ = write!(
                p,
                " Its data was lost for good at {} (see Data loss).",
                t.at(d)
            );
        }
        return p;
    };
    let acts: Vec<String> = w
        .recovery
        .iter()
        .filter(|s| s.kind == "action")
        .map(|s| format!("{} by {} at {}", s.what, who(r, &s.by), t.at(s.at_s)))
        .collect();
    let mut p = format!(
        "Key access came back at {}, {} after the loss",
        t.at(t1),
        duration(t1 - w.lost_at_s)
    );
    if acts.is_empty() {
        p.push('.');
    } else {
        let _ = write!(p, "; the recovery path: {}.", and_list(&acts));
    }
    let relapses = facts::recovering(r, server, w).len().saturating_sub(1);
    if relapses > 0 {
        let _ = write!(
            p,
            " Access was lost again {} during the wait, and the wait started over each time it came back (R22).",
            if relapses == 1 {
                "once".to_string()
            } else {
                format!("{relapses} times")
            }
        );
    }
    for s in w.recovery.iter().filter(|s| s.kind == "revalidate") {
        let _ = write!(
            p,
            " At {}, {} asked for a revalidation: {}.",
            t.at(s.at_s),
            s.by,
            s.what
        );
    }
    match (
        w.recovery.iter().find(|s| s.kind == "wait"),
        w.denied_until_s,
    ) {
        (Some(wait), Some(u)) => {
            let _ = write!(
                p,
                " {server} then waited {} before it was Available again at {} ({}: {}; R22).",
                duration(wait.wait_s.unwrap_or(u - t1)),
                t.at(u),
                wait.what,
                causes::wait_meaning(&wait.what)
            );
        }
        (_, None) => {
            let _ = write!(
                p,
                " {server} was still waiting to revalidate when the run ended (R22)."
            );
        }
        (None, Some(u)) => {
            let _ = write!(p, " {server} was Available again at {}.", t.at(u));
        }
    }
    p
}

/// An actor, with the rehearsed runbook named as one.
fn who(r: &RunResult, by: &str) -> String {
    if r.runbook.as_deref() == Some(by) {
        format!("runbook {by:?}")
    } else {
        by.to_string()
    }
}

fn total(server: &str, w: &Window) -> String {
    let mut p = match w.denied_until_s {
        Some(u) => format!(
            "In all, {server} denied connections for {}, and {} passed from the loss to Available again.",
            duration(w.duration_s),
            duration(u - w.lost_at_s)
        ),
        None => format!(
            "In all, {server} denied connections for {} up to the end of the run, and the window was still open.",
            duration(w.duration_s)
        ),
    };
    if let Some(x) = &w.metrics {
        let [d, e, m, rc] = x.texts(duration, "never");
        let _ = write!(
            p,
            " Measured from the loss: detected after {d}, engaged after {e}, mitigated after {m}, recovered after {rc}."
        );
    }
    p
}

fn rest_of_windows(r: &RunResult, rest: &[(&ServerReport, usize, &Window)]) -> Section {
    let servers: std::collections::BTreeSet<&str> = rest.iter().map(|(s, _, _)| &*s.name).collect();
    let longest = rest.iter().map(|(_, _, w)| w.duration_s).max().unwrap_or(0);
    let shortest = rest.iter().map(|(_, _, w)| w.duration_s).min().unwrap_or(0);
    let mut names: Vec<&str> = rest
        .iter()
        .flat_map(|(_, _, w)| w.causes.iter().map(|c| c.cause))
        .collect();
    names.sort_unstable();
    names.dedup();
    let open = rest
        .iter()
        .filter(|(_, _, w)| w.denied_until_s.is_none())
        .count();
    let mut p = format!(
        "{} more on {} are not told one by one: they lasted from {} to {}, with causes {}.",
        plural(rest.len() as u64, "window"),
        plural(servers.len() as u64, "server"),
        duration(shortest),
        duration(longest),
        and_list(&names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    );
    if open > 0 {
        let verb = if open == 1 { "was" } else { "were" };
        let _ = write!(p, " {open} {verb} still open at the end of the run.");
    }
    let _ = write!(
        p,
        " Every window is in summary.json and `keyloss run {} --format json`.",
        r.scenario
    );
    Section {
        heading: "The other windows".into(),
        blocks: vec![Block::Para(p)],
    }
}

fn unseen_section(r: &RunResult, t: Times) -> Option<Section> {
    let items: Vec<String> = r
        .servers
        .iter()
        .flat_map(|s| s.unseen_losses.iter().map(move |u| (s, u)))
        .map(|(s, u)| {
            let why = and_list(
                &u.causes
                    .iter()
                    .map(|c| format!("{}: {}", c.cause, causes::what(c.cause, &c.subject)))
                    .collect::<Vec<_>>(),
            );
            match u.until_s {
                Some(b) => format!(
                    "{} lost key access at {} ({why}) and got it back at {}, {} later, before its next key check: it never denied a connection, and neither the control plane nor resource health showed anything (R21). The same change with a check inside would have been a window.",
                    s.name,
                    t.at(u.from_s),
                    t.at(b),
                    duration(b - u.from_s)
                ),
                None => format!(
                    "{} lost key access at {} ({why}) just before the end of the run, before its next key check (R21).",
                    s.name,
                    t.at(u.from_s)
                ),
            }
        })
        .collect();
    list_section("Unseen losses", items)
}

fn geo_section(r: &RunResult, t: Times) -> Option<Section> {
    let items: Vec<String> = r
        .servers
        .iter()
        .flat_map(|s| s.geo_backup_unusable.iter().map(move |g| (s, g)))
        .map(|(s, g)| {
            let until = g
                .until_s
                .map_or("the end of the run".to_string(), |u| t.at(u));
            let why = and_list(
                &g.causes
                    .iter()
                    .map(|c| format!("{}: {}", c.cause, causes::what(c.cause, &c.subject)))
                    .collect::<Vec<_>>(),
            );
            format!(
                "{}'s geo-backup key was unusable from {} to {until} ({why}). The server kept running, but a geo-restore was impossible meanwhile, and no activity-log entry is written for it, so only a drill finds it (R11).",
                s.name,
                t.at(g.from_s)
            )
        })
        .collect();
    list_section("Geo-backup key unusable", items)
}

fn data_loss_section(r: &RunResult, t: Times) -> Option<Section> {
    let items: Vec<String> = r
        .servers
        .iter()
        .filter_map(|s| {
            let at = s.data_lost_at_s?;
            Some(format!(
                "{}'s data was lost for good at {}: {}. It is final: a purge destroys the key material, and without it nobody, the service included, can unwrap the data encryption key; only a key backup or a geo-backup with a usable key would have kept a copy (R31). Purge protection would have refused an early purge, and a key backup taken before first use would have survived this one.",
                s.name,
                t.at(at),
                s.data_lost_reason.as_deref().unwrap_or("every key version its data depends on is purged")
            ))
        })
        .collect();
    list_section("Data loss", items)
}

fn refusals_section(r: &RunResult, t: Times) -> Option<Section> {
    let items: Vec<String> = r
        .refused
        .iter()
        .map(|x| {
            let step = x
                .step
                .as_deref()
                .filter(|n| !n.starts_with("event "))
                .map_or(String::new(), |n| format!(" ({n:?})"));
            let mut line = format!(
                "{}: {} tried {}{step} and was refused with {}: ",
                t.at(x.at_s),
                x.by,
                x.action,
                x.reason
            );
            match (causes::info(&x.reason), causes::refusal_meaning(&x.reason)) {
                (Some(i), _) => {
                    let _ = write!(
                        line,
                        "what the action needs fails condition {} of key access (R10) — {} — and the service checks key access before it accepts such a change (R35, R37, R38).",
                        i.condition,
                        x.detail
                    );
                }
                (None, Some(m)) => {
                    let _ = write!(line, "{m}.");
                }
                (None, None) => {
                    let _ = write!(line, "{}.", x.detail);
                }
            }
            if let Some(code) = &x.service_code {
                let _ = write!(line, " The service itself reports {code}");
                match causes::service_code_meaning(code) {
                    Some(m) => {
                        let _ = write!(line, ": {m}; here the true cause is {}.", x.reason);
                    }
                    None => line.push('.'),
                }
            }
            line
        })
        .collect();
    list_section("Refused actions", items)
}

fn tls_section(r: &RunResult, t: Times) -> Option<Section> {
    let items: Vec<String> = r
        .servers
        .iter()
        .flat_map(|s| s.tls_incidents.iter().map(move |x| (s, x)))
        .map(|(s, x)| {
            let until = x
                .until_s
                .map_or("the end of the run".to_string(), |u| t.at(u));
            let client = if x.client_tls == "none" {
                "without TLS".to_string()
            } else {
                format!("using TLS {}", x.client_tls)
            };
            format!(
                "{} refused {} from clients {client} between {} and {until}: the server's TLS settings no longer admitted them (R40). This is not a key-loss window and does not show in resource health; the way back is to admit that TLS version again (ssl_min_protocol_version) or to upgrade the clients.",
                s.name,
                plural(x.attempts, "connection attempt"),
                t.at(x.from_s)
            )
        })
        .collect();
    list_section("TLS incidents", items)
}

fn expectations_section(r: &RunResult) -> Section {
    let decided: Vec<_> = r
        .expectations
        .iter()
        .filter(|e| e.passed.is_some())
        .collect();
    let failed: Vec<_> = decided.iter().filter(|e| e.passed == Some(false)).collect();
    let skipped = r.expectations.len() - decided.len();
    let mut p = if r.expectations.is_empty() {
        "The scenario states no expectations.".to_string()
    } else if failed.is_empty() && decided.len() == 1 {
        "The one decided expectation passed.".to_string()
    } else if failed.is_empty() {
        format!("All {} decided expectations passed.", decided.len())
    } else {
        format!(
            "{} of {} failed.",
            failed.len(),
            plural(decided.len() as u64, "decided expectation")
        )
    };
    if skipped == 1 {
        p.push_str(" 1 expectation needs a sweep of many seeds and was skipped.");
    } else if skipped > 1 {
        let _ = write!(
            p,
            " {skipped} expectations need a sweep of many seeds and were skipped."
        );
    }
    let mut blocks = vec![Block::Para(p)];
    if !failed.is_empty() {
        blocks.push(Block::Bullets(
            failed
                .iter()
                .map(|e| format!("{}: {}.", e.text, e.detail))
                .collect(),
        ));
    }
    Section {
        heading: "Expectations".into(),
        blocks,
    }
}

fn list_section(heading: &str, mut items: Vec<String>) -> Option<Section> {
    if items.is_empty() {
        return None;
    }
    let more = items.len().saturating_sub(MAX_ITEMS_LISTED);
    items.truncate(MAX_ITEMS_LISTED);
    if more > 0 {
        items.push(format!("… and {more} more (see summary.json)."));
    }
    Some(Section {
        heading: heading.into(),
        blocks: vec![Block::Bullets(items)],
    })
}

/// The narrative as plain text, wrapped at 78 columns.
pub fn render_text(n: &Narrative) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}\n{}\n",
        n.title,
        "=".repeat(n.title.chars().count())
    );
    for s in n.sections.iter().chain(std::iter::once(&n.expectations)) {
        let mut heading = String::new();
        wrap(&mut heading, &s.heading, "", "");
        let rule = heading
            .lines()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0);
        let _ = writeln!(out, "{heading}{}", "-".repeat(rule));
        for b in &s.blocks {
            match b {
                Block::Para(p) => wrap(&mut out, p, "", ""),
                Block::Bullets(items) => {
                    for i in items {
                        wrap(&mut out, i, "  - ", "    ");
                    }
                }
            }
            out.push('\n');
        }
    }
    out.pop();
    out
}

const WIDTH: usize = 78;

/// Appends `text` wrapped at [`WIDTH`]: the first line after `first`, the
/// others after `rest`; a word longer than a line stands alone.
fn wrap(out: &mut String, text: &str, first: &str, rest: &str) {
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if !empty && len + 1 + word.chars().count() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_lines_within_the_width_and_indents_continuations() {
        let mut out = String::new();
        let text = "word ".repeat(40);
        wrap(&mut out, &text, "  - ", "    ");
        for (i, line) in out.lines().enumerate() {
            assert!(line.chars().count() <= WIDTH, "{line}");
            assert!(line.starts_with(if i == 0 { "  - " } else { "    " }));
        }
    }
}
