//! What a run produced, as plain data: windows, unseen losses, refusals,
//! alerts, the timeline, entity intervals and expectation verdicts. The
//! field names are the public JSON names of SCENARIOS.md ("What a run
//! reports"); every renderer reads this and nothing else.

pub mod expect;

use serde::Serialize;

/// A text shared between reports rather than copied: one vault deletion
/// gives a million windows the same trigger and the same cause subject.
pub type Text = std::sync::Arc<str>;

/// A failing R10 condition and what it concerns.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CauseReport {
    /// The cause's name (MODEL.md R10 table), e.g. `VaultSoftDeleted`.
    pub cause: &'static str,
    pub subject: Text,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FailedChecks {
    pub first_s: u64,
    pub last_s: u64,
    pub count: u64,
}

/// One step of a recovery path (R30): an action that removed a cause, or
/// the wait that followed key access coming back.
///
/// The run keeps these as they are reported: a fleet's million windows
/// carry two each, and a report made from them copies nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecoveryStep {
    pub at_s: u64,
    pub kind: StepKind,
    pub what: Text,
    pub by: Text,
    /// For a wait: its length and the setting it was drawn from.
    pub wait_s: Option<u64>,
}

/// What a recovery step was (R30); written `action`, `revalidate` or
/// `wait`, and equal to that name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// An action that removed a cause.
    Action,
    /// A revalidation that brought Available forward (R22).
    Revalidate,
    /// The wait after key access came back (R22).
    Wait,
}

impl StepKind {
    /// The name reports use.
    pub fn name(self) -> &'static str {
        match self {
            StepKind::Action => "action",
            StepKind::Revalidate => "revalidate",
            StepKind::Wait => "wait",
        }
    }
}

impl std::fmt::Display for StepKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq<&str> for StepKind {
    fn eq(&self, name: &&str) -> bool {
        self.name() == *name
    }
}

/// A window's causes: one inline, as most windows have one, so that a
/// fleet's million windows need no allocation for them.
pub type CauseList = smallvec::SmallVec<[CauseReport; 1]>;

/// R30: one interval in which a server denied connections.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    pub lost_at_s: u64,
    pub denied_from_s: u64,
    pub denied_until_s: Option<u64>,
    pub inaccessible_from_s: Option<u64>,
    pub inaccessible_until_s: Option<u64>,
    pub health_from_s: Option<u64>,
    pub health_until_s: Option<u64>,
    pub duration_s: u64,
    pub causes: CauseList,
    pub trigger: Text,
    pub access_restored_at_s: Option<u64>,
    pub recovery: Vec<RecoveryStep>,
    pub failed_checks: FailedChecks,
    /// Rehearsal metrics, present when the scenario has alerts or a
    /// runbook. Their fields appear in the window itself (`detect_s`, …);
    /// boxed, since a fleet without alerts keeps a million windows.
    #[serde(flatten)]
    pub metrics: Option<Box<WindowMetrics>>,
}

/// R30 rehearsal metrics of one window, each measured from the loss
/// (`engage_s` from the first alert); `None` when it never happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WindowMetrics {
    pub detect_s: Option<u64>,
    pub engage_s: Option<u64>,
    pub mitigate_s: Option<u64>,
    pub recover_s: Option<u64>,
    /// Runbook steps run during the window that were refused or changed
    /// nothing, with the reason.
    pub steps_not_helping: Vec<StepRun>,
}

impl WindowMetrics {
    /// Detect, engage, mitigate and recover as `shown` writes a duration,
    /// or `never` for what did not happen.
    pub fn texts(&self, shown: impl Fn(u64) -> String, never: &str) -> [String; 4] {
        [
            self.detect_s,
            self.engage_s,
            self.mitigate_s,
            self.recover_s,
        ]
        .map(|m| m.map_or_else(|| never.to_string(), &shown))
    }
}

/// R21 / R11: an interval with causes but no denial.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Interval {
    pub from_s: u64,
    pub until_s: Option<u64>,
    pub causes: Vec<CauseReport>,
}

/// R40: clients refused for their TLS version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TlsIncident {
    pub from_s: u64,
    pub until_s: Option<u64>,
    pub attempts: u64,
    pub client_tls: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServerReport {
    pub name: Text,
    pub created_at_s: Option<u64>,
    pub deleted_at_s: Option<u64>,
    pub windows: Vec<Window>,
    pub unseen_losses: Vec<Interval>,
    pub geo_backup_unusable: Vec<Interval>,
    pub tls_incidents: Vec<TlsIncident>,
    pub data_lost_at_s: Option<u64>,
    pub data_lost_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub at_s: u64,
    pub action: String,
    pub by: String,
    /// The scripted event's or runbook step's name, when it has one.
    pub step: Option<String>,
    pub reason: String,
    pub service_code: Option<String>,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AlertReport {
    pub name: String,
    pub fired_at_s: u64,
    pub notified_at_s: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Outcome {
    Ok,
    NoChange,
    Refused,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TimelineEntry {
    pub at_s: u64,
    pub kind: String,
    pub entity: String,
    pub actor: String,
    pub detail: String,
    pub result: Option<Outcome>,
}

/// One run of a scripted event or runbook step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepRun {
    pub step: String,
    pub runbook: Option<String>,
    pub at_s: u64,
    pub action: String,
    pub result: Outcome,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntityInterval {
    pub from_s: u64,
    pub until_s: Option<u64>,
    pub usable: bool,
    pub state: String,
}

/// A vault, key version, identity or grant, and its states over the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntityReport {
    pub kind: String,
    pub name: String,
    pub intervals: Vec<EntityInterval>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExpectationReport {
    pub text: String,
    /// `None` when the expectation needs a sweep and a single run skips it.
    pub passed: Option<bool>,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunResult {
    pub scenario: String,
    pub summary: Option<String>,
    pub seed: u64,
    pub horizon_s: u64,
    pub start: Option<String>,
    pub runbook: Option<String>,
    pub servers: Vec<ServerReport>,
    pub refused: Vec<Refusal>,
    pub alerts: Vec<AlertReport>,
    pub steps: Vec<StepRun>,
    pub timeline: Vec<TimelineEntry>,
    pub entities: Vec<EntityReport>,
    pub expectations: Vec<ExpectationReport>,
    /// Queue events processed: the run's cost, and what the event budget limits.
    pub events_processed: u64,
    /// Lookups by name, made on first use (`server`, `entries_of`).
    #[serde(skip)]
    pub lookup: Lookup,
}

/// Where each server's report and each entity's timeline entries are, by
/// name: tables made from the result when it is asked often, as the reports
/// of a fleet look up every server (a scan each would make them quadratic).
/// The first few server lookups scan instead, so that judging a million
/// servers' expectations builds no table. A cache, not data: never
/// serialised, equal to any other, cloned empty, and only valid for a
/// result that is not changed after its first lookup.
#[derive(Debug, Default)]
pub struct Lookup {
    servers: std::sync::OnceLock<std::collections::HashMap<Text, usize>>,
    entries: std::sync::OnceLock<std::collections::HashMap<String, Vec<usize>>>,
    scans: std::sync::atomic::AtomicUsize,
}

impl Lookup {
    /// Server lookups answered by a scan before the table is made.
    const SCANS: usize = 16;
}

impl Clone for Lookup {
    fn clone(&self) -> Lookup {
        Lookup::default()
    }
}

impl PartialEq for Lookup {
    fn eq(&self, _: &Lookup) -> bool {
        true
    }
}

impl RunResult {
    pub fn server(&self, name: &str) -> Option<&ServerReport> {
        let lookup = &self.lookup;
        if lookup.servers.get().is_none()
            && lookup
                .scans
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                < Lookup::SCANS
        {
            return self.servers.iter().find(|s| *s.name == *name);
        }
        let table = lookup.servers.get_or_init(|| {
            let mut t = std::collections::HashMap::with_capacity(self.servers.len());
            for (i, s) in self.servers.iter().enumerate() {
                // The first of a name, as a scan finds.
                t.entry(s.name.clone()).or_insert(i);
            }
            t
        });
        self.servers.get(*table.get(name)?)
    }

    /// The timeline entries about one entity (a server, a vault, …), in
    /// time order.
    pub fn entries_of<'a>(
        &'a self,
        entity: &str,
    ) -> impl Iterator<Item = &'a TimelineEntry> + use<'a> {
        let table = self.lookup.entries.get_or_init(|| {
            let mut t: std::collections::HashMap<String, Vec<usize>> =
                std::collections::HashMap::new();
            for (i, e) in self.timeline.iter().enumerate() {
                t.entry(e.entity.clone()).or_default().push(i);
            }
            t
        });
        let positions = table.get(entity).map_or(&[][..], Vec::as_slice);
        positions.iter().filter_map(|&i| self.timeline.get(i))
    }

    /// Exit status of `run`: every expectation that was decided passed.
    pub fn all_passed(&self) -> bool {
        self.expectations.iter().all(|e| e.passed != Some(false))
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{run, RunOptions};
    use crate::scenario::parse_str;

    #[test]
    fn lookups_by_name_find_what_a_scan_finds() {
        let text = r#"Scenario(name: "lookups", seed: 2, horizon: "1d",
            world: World(
                identities: [Identity(name: "id", region: "r")],
                vaults: [Vault(name: "kv", region: "r", keys: [Key(name: "k")])],
                grants: [Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)],
                servers: [Fleet(prefix: "pg-", count: 30, server: Server(region: "r",
                    encryption: CustomerManaged(key: "kv/k/1", identity: "id")))]),
            events: [(at: "1h", do: DisableKey(vault: "kv", key: "k")),
                     (at: "2h", do: EnableKey(vault: "kv", key: "k"))])"#;
        let plan = parse_str(text, "lookups.ron").expect("valid");
        let r = run(
            &plan,
            &RunOptions {
                detailed: true,
                ..RunOptions::default()
            },
        )
        .expect("runs");
        // More lookups than are scanned, so that the tables answer too.
        let mut names: Vec<String> = (1..=30).map(|i| format!("pg-{i:02}")).collect();
        names.extend(["kv", "kv/k", "id", "nobody", "pg-31"].map(String::from));
        for name in names.iter().chain(&names) {
            let name = name.as_str();
            let scanned: Vec<_> = r.timeline.iter().filter(|e| e.entity == name).collect();
            let looked_up: Vec<_> = r.entries_of(name).collect();
            assert_eq!(scanned, looked_up, "{name}");
            assert_eq!(
                r.server(name).map(|s| &s.name),
                r.servers.iter().find(|s| &*s.name == name).map(|s| &s.name)
            );
        }
        assert!(r.entries_of("pg-17").count() >= 3, "created, lost, denied…");
        assert!(r.server("pg-30").is_some() && r.server("pg-31").is_none());
    }
}
