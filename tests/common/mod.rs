//! Helpers shared by the integration tests: a small scenario builder with
//! pinned timings, and compact renderings of what a run reports, so that a
//! test reads as the numbers derived by hand from MODEL.md.
//!
//! Every test binary uses only some of these.
#![allow(dead_code)]

use keyloss::model::{run, RunOptions};
use keyloss::result::{RunResult, ServerReport, Window};

/// The timings every rule test starts from: checks on multiples of 600 s
/// (phase 0, cadence 10 min), control plane 30 min after the loss, waits of
/// 20 min (`recover_after`) or 1 h (`identity_revalidate_after`), activity
/// log 15 min, alert notice 5 min, versionless move 10 min.
pub const PINNED: &str = r#"key_check_phase: Fixed("0s"), inaccessible_after: Fixed("30m"), recover_after: Fixed("20m"), identity_revalidate_after: Fixed("1h"), activity_log_delay: Fixed("15m"), alert_delay: Fixed("5m"), rewrap_after: Fixed("10m")"#;

/// A scenario as text parts; `standard()` gives one identity `id`, one vault
/// `kv` (westeurope, RBAC) with key `k`, a `CryptoServiceEncryptionUser`
/// grant, and one Flexible server `pg` on `kv/k/1` with no client traffic.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub horizon: String,
    pub timing: String,
    pub identities: String,
    pub vaults: String,
    pub grants: String,
    pub servers: String,
    pub alerts: String,
    pub events: String,
    pub runbooks: String,
    pub expect: String,
}

impl Scenario {
    pub fn standard() -> Scenario {
        Scenario {
            horizon: "1d".into(),
            timing: PINNED.into(),
            identities: r#"Identity(name: "id", region: "westeurope")"#.into(),
            vaults: r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k")])"#.into(),
            grants: r#"Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)"#
                .into(),
            servers: server("pg", "kv/k/1"),
            alerts: String::new(),
            events: String::new(),
            runbooks: String::new(),
            expect: String::new(),
        }
    }

    /// `standard()` with geo-redundant backup: `pg` (westeurope, key
    /// `kv/k/1`, identity `id`) backs up to northeurope with key `kvg/kg/1`
    /// and identity `idg`; both vaults keep deleted things for 7 days.
    pub fn geo() -> Scenario {
        Scenario::standard()
            .identities(
                r#"Identity(name: "id", region: "westeurope"), Identity(name: "idg", region: "northeurope")"#,
            )
            .vaults(
                r#"Vault(name: "kv", region: "westeurope", retention_days: 7, keys: [Key(name: "k")]),
                   Vault(name: "kvg", region: "northeurope", retention_days: 7, keys: [Key(name: "kg")])"#,
            )
            .grants(
                r#"Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser),
                   Role(identity: "idg", vault: "kvg", role: CryptoServiceEncryptionUser)"#,
            )
            .servers(
                r#"Server(name: "pg", region: "westeurope", backup_region: "northeurope", workload: Workload(every: None),
                   encryption: CustomerManaged(key: "kv/k/1", identity: "id", geo_backup: GeoBackup(key: "kvg/kg/1", identity: "idg")))"#,
            )
    }

    pub fn horizon(mut self, h: &str) -> Self {
        self.horizon = h.into();
        self
    }
    /// Replaces one pinned timing, e.g. `.pin("recover_after", r#"Fixed("1m")"#)`.
    pub fn pin(mut self, field: &str, value: &str) -> Self {
        let prefix = format!("{field}: ");
        let fields: Vec<String> = split_top_level(&self.timing)
            .into_iter()
            .map(|f| {
                if f.starts_with(&prefix) {
                    format!("{prefix}{value}")
                } else {
                    f
                }
            })
            .collect();
        assert!(
            fields.iter().any(|f| f.starts_with(&prefix)),
            "{field} is not among the timings: {}",
            self.timing
        );
        self.timing = fields.join(", ");
        self
    }
    /// Extra timing fields after the pinned ones (a field given twice is a
    /// file error: use `timing_only` to change a pinned one).
    pub fn timing_extra(mut self, t: &str) -> Self {
        self.timing = format!("{}, {t}", self.timing);
        self
    }
    pub fn timing_only(mut self, t: &str) -> Self {
        self.timing = t.into();
        self
    }
    pub fn identities(mut self, s: &str) -> Self {
        self.identities = s.into();
        self
    }
    pub fn vaults(mut self, s: &str) -> Self {
        self.vaults = s.into();
        self
    }
    pub fn grants(mut self, s: &str) -> Self {
        self.grants = s.into();
        self
    }
    pub fn servers(mut self, s: &str) -> Self {
        self.servers = s.into();
        self
    }
    pub fn alerts(mut self, s: &str) -> Self {
        self.alerts = s.into();
        self
    }
    pub fn events(mut self, s: &str) -> Self {
        self.events = s.into();
        self
    }
    /// `runbook: [...]` steps.
    pub fn runbook(mut self, steps: &str) -> Self {
        self.runbooks = format!("runbook: [{steps}],");
        self
    }
    /// `runbooks: [...]` as written.
    pub fn runbooks(mut self, list: &str) -> Self {
        self.runbooks = format!("runbooks: [{list}],");
        self
    }
    pub fn expect(mut self, s: &str) -> Self {
        self.expect = s.into();
        self
    }

    pub fn text(&self) -> String {
        format!(
            r#"Scenario(
    name: "inline",
    seed: 1,
    horizon: "{}",
    timing: Timing({}),
    world: World(
        identities: [{}],
        vaults: [{}],
        grants: [{}],
        servers: [{}],
    ),
    alerts: [{}],
    events: [{}],
    {}
    expect: [{}],
)
"#,
            self.horizon,
            self.timing,
            self.identities,
            self.vaults,
            self.grants,
            self.servers,
            self.alerts,
            self.events,
            self.runbooks,
            self.expect
        )
    }

    pub fn run(&self) -> RunResult {
        run_text(&self.text(), RunOptions::default())
    }

    pub fn run_with(&self, opts: RunOptions) -> RunResult {
        run_text(&self.text(), opts)
    }
}

/// Splits `a: X(..), b: Y(.., ..)` at its top-level commas.
fn split_top_level(text: &str) -> Vec<String> {
    let (mut out, mut depth, mut current) = (Vec::new(), 0i32, String::new());
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

/// A Flexible CMK server on `key` with identity `id` and no client traffic.
pub fn server(name: &str, key: &str) -> String {
    format!(
        r#"Server(name: "{name}", region: "westeurope", workload: Workload(every: None), encryption: CustomerManaged(key: "{key}", identity: "id"))"#
    )
}

pub fn run_text(text: &str, opts: RunOptions) -> RunResult {
    let plan = keyloss::scenario::parse_str(text, "inline.ron")
        .unwrap_or_else(|d| panic!("scenario does not parse: {d}\n{text}"));
    run(&plan, &opts).unwrap_or_else(|e| panic!("run failed: {e}"))
}

pub fn srv<'r>(r: &'r RunResult, name: &str) -> &'r ServerReport {
    r.server(name).unwrap_or_else(|| {
        panic!(
            "no server {name} in the result (servers: {:?}; refused: {:?})",
            r.servers.iter().map(|s| &s.name).collect::<Vec<_>>(),
            refusals(r)
        )
    })
}

fn open(t: Option<u64>) -> String {
    t.map_or("open".into(), |t| t.to_string())
}

/// A window as the catalog's `//! window` lines write it, without the
/// server: `lost denied_from denied_until|open inaccessible_from|-
/// inaccessible_until|open|- Cause,...` (causes sorted by name).
pub fn window_line(w: &Window) -> String {
    let (from, until) = match w.inaccessible_from_s {
        None => ("-".to_string(), "-".to_string()),
        Some(f) => (f.to_string(), open(w.inaccessible_until_s)),
    };
    format!(
        "{} {} {} {} {} {}",
        w.lost_at_s,
        w.denied_from_s,
        open(w.denied_until_s),
        from,
        until,
        cause_names(&w.causes).join(",")
    )
}

/// Cause names, sorted (MODEL.md gives no order for them).
pub fn cause_names(causes: &[keyloss::result::CauseReport]) -> Vec<String> {
    let mut v: Vec<String> = causes.iter().map(|c| c.cause.to_string()).collect();
    v.sort();
    v
}

/// `Cause subject` pairs, sorted.
pub fn causes_with_subjects(causes: &[keyloss::result::CauseReport]) -> Vec<String> {
    let mut v: Vec<String> = causes
        .iter()
        .map(|c| format!("{} {}", c.cause, c.subject))
        .collect();
    v.sort();
    v
}

pub fn windows(r: &RunResult, server: &str) -> Vec<String> {
    srv(r, server).windows.iter().map(window_line).collect()
}

/// Unseen losses as `from until|open Cause,...`.
pub fn unseen(r: &RunResult, server: &str) -> Vec<String> {
    srv(r, server)
        .unseen_losses
        .iter()
        .map(|u| {
            format!(
                "{} {} {}",
                u.from_s,
                open(u.until_s),
                cause_names(&u.causes).join(",")
            )
        })
        .collect()
}

/// Refusals as `at reason`.
pub fn refusals(r: &RunResult) -> Vec<String> {
    r.refused
        .iter()
        .map(|x| format!("{} {}", x.at_s, x.reason))
        .collect()
}

/// Runs of a named step as `at result` (`Ok`, `NoChange`, `Refused(reason)`).
pub fn step_runs(r: &RunResult, step: &str) -> Vec<String> {
    r.steps
        .iter()
        .filter(|s| s.step == step)
        .map(|s| match &s.reason {
            Some(reason) => format!("{} Refused({reason})", s.at_s),
            None => format!("{} {:?}", s.at_s, s.result),
        })
        .collect()
}

/// Alerts as `name fired notified`.
pub fn alerts(r: &RunResult) -> Vec<String> {
    r.alerts
        .iter()
        .map(|a| format!("{} {} {}", a.name, a.fired_at_s, a.notified_at_s))
        .collect()
}

/// Every expectation that did not pass, as `text — detail`.
pub fn failed_expectations(r: &RunResult) -> Vec<String> {
    r.expectations
        .iter()
        .filter(|e| e.passed == Some(false))
        .map(|e| format!("{} — {}", e.text, e.detail))
        .collect()
}
