//! Properties that hold for every run of every valid scenario, checked on
//! random worlds and random event sequences (written as RON text, parsed and
//! resolved like a user's file):
//!
//! - a run never panics and stays within its event budget;
//! - a server's windows never overlap and lie within the horizon;
//! - a server denies connections only after key access was lost (R20: by
//!   its next check), and stops at most one recovery wait after access came
//!   back (R22: the largest wait the timing allows);
//! - every window, unseen loss and geo-backup interval has causes, all of
//!   them R10 causes;
//! - a service-managed Flexible server never has a window (R12, R36);
//! - data is lost only after a purge (R31);
//! - one scenario and one seed give identical output (R32).
//!
//! The case count is modest so that `cargo test --release` stays fast; set
//! `PROPTEST_CASES` to search longer.

use std::collections::BTreeSet;

use keyloss::export::json;
use keyloss::model::access::ALL_CAUSES;
use keyloss::model::{run, RunOptions};
use keyloss::result::{CauseReport, Outcome, RunResult};
use keyloss::scenario::parse_str;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// Reads choices from a list of numbers; past its end every choice is the
/// first option, so shrinking the list shrinks the scenario.
struct Choices<'a> {
    data: &'a [u32],
    at: usize,
}

impl Choices<'_> {
    fn next(&mut self) -> u32 {
        let v = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        v
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n.max(1)
    }
    fn pick<'t, T>(&mut self, options: &'t [T]) -> &'t T {
        &options[self.below(options.len() as u32) as usize]
    }
    /// True unless a one-in-`n` choice says otherwise (shrinks to true).
    fn mostly(&mut self, n: u32) -> bool {
        self.below(n) != n - 1
    }
    /// True for a one-in-`n` choice (shrinks to false).
    fn rarely(&mut self, n: u32) -> bool {
        !self.mostly(n)
    }
}

const REGIONS: [&str; 2] = ["we", "ne"];
const ROLES: [&str; 5] = [
    "CryptoServiceEncryptionUser",
    "CryptoUser",
    "CryptoOfficer",
    "Administrator",
    "Reader",
];

/// The largest R22 wait of each timing choice, in seconds.
const RECOVER: [(&str, u64); 3] = [
    ("", 3600),
    ("recover_after: Fixed(\"0s\"), ", 0),
    ("recover_after: Uniform(\"1m\", \"2h\"), ", 7200),
];
const REVALIDATE: [(&str, u64); 3] = [
    ("", 4200),
    ("identity_revalidate_after: Fixed(\"1h\"), ", 3600),
    (
        "identity_revalidate_after: Triangular(\"0s\", \"10m\", \"3h\"), ",
        10800,
    ),
];
const CADENCE: [(&str, u64); 3] = [
    ("", 600),
    ("key_check_every: \"1m\", ", 60),
    ("key_check_every: \"1h\", ", 3600),
];

/// A random valid scenario, and what the properties need to know about it.
struct Generated {
    text: String,
    horizon_s: u64,
    cadence_s: u64,
    max_wait_s: u64,
    /// Flexible servers created service-managed: never a window.
    service_managed: Vec<String>,
}

struct Key {
    vault: String,
    name: String,
    versions: u32,
}

struct VaultGen {
    name: String,
    region: &'static str,
    access_policy: bool,
}

/// A grant that counts under the vault's model (R7), or now and then one
/// that does not.
fn grant(c: &mut Choices, who: &str, v: &VaultGen, single: bool) -> Option<String> {
    let vault = &v.name;
    let policy = format!(
        "AccessPolicy(identity: \"{who}\", vault: \"{vault}\", permissions: [{}])",
        if single {
            "Get, WrapKey, UnwrapKey"
        } else {
            "Get, List, WrapKey, UnwrapKey"
        }
    );
    let role = |r: &str| format!("Role(identity: \"{who}\", vault: \"{vault}\", role: {r})");
    match c.below(8) {
        7 => None,
        6 => {
            let r = ROLES[c.below(ROLES.len() as u32) as usize];
            Some(role(r))
        }
        5 => Some(if v.access_policy {
            role("CryptoServiceEncryptionUser")
        } else {
            policy
        }),
        _ if v.access_policy => Some(policy),
        _ => Some(role("CryptoServiceEncryptionUser")),
    }
}

/// One incident: something breaks key access, and usually something later
/// mends it (the pairs of MODEL.md §5).
fn incident(
    c: &mut Choices,
    keys: &[Key],
    vaults: &[VaultGen],
    identities: &[String],
    servers: &[String],
    restored: &mut u32,
) -> (String, Option<String>) {
    let k = c.pick(keys);
    let (v, key) = (&k.vault, &k.name);
    let vault = &c.pick(vaults).name;
    let ident = c.pick(identities);
    let server = c.pick(servers);
    let pair = |a: String, b: String| (a, Some(b));
    match c.below(22) {
        0 => pair(
            format!("DisableKey(vault: \"{v}\", key: \"{key}\")"),
            format!("EnableKey(vault: \"{v}\", key: \"{key}\")"),
        ),
        1 => pair(
            format!("DeleteKey(vault: \"{v}\", key: \"{key}\")"),
            format!("RecoverKey(vault: \"{v}\", key: \"{key}\")"),
        ),
        2 => pair(
            format!("DeleteVault(vault: \"{vault}\")"),
            format!("RecoverVault(vault: \"{vault}\")"),
        ),
        3 => pair(
            format!("RemoveRole(identity: \"{ident}\", vault: \"{vault}\", role: CryptoServiceEncryptionUser)"),
            format!("AssignRole(identity: \"{ident}\", vault: \"{vault}\", role: CryptoServiceEncryptionUser)"),
        ),
        4 => pair(
            format!("SetFirewall(vault: \"{vault}\", public_access: false, trusted_services: false, private_endpoint: false)"),
            format!("SetFirewall(vault: \"{vault}\", trusted_services: true)"),
        ),
        5 => pair(
            format!("DeleteIdentity(identity: \"{ident}\")"),
            format!("RecoverIdentity(identity: \"{ident}\")"),
        ),
        6 => pair(
            format!("DetachIdentity(server: \"{server}\")"),
            format!("UpdateServerIdentity(server: \"{server}\", identity: \"{ident}\")"),
        ),
        7 => pair(
            format!("SetServerNetwork(server: \"{server}\", vault_reachable: false)"),
            format!("SetServerNetwork(server: \"{server}\", vault_reachable: true)"),
        ),
        8 => pair(
            format!("MoveVault(vault: \"{vault}\", tenant: \"other\")"),
            format!("MoveVault(vault: \"{vault}\", tenant: \"default\")"),
        ),
        9 => pair(
            format!("SetPermissionModel(vault: \"{vault}\", model: AccessPolicy)"),
            format!("SetPermissionModel(vault: \"{vault}\", model: Rbac)"),
        ),
        10 => pair(
            format!("RemoveAccessPolicy(identity: \"{ident}\", vault: \"{vault}\")"),
            format!("SetAccessPolicy(identity: \"{ident}\", vault: \"{vault}\", permissions: [Get, List, WrapKey, UnwrapKey])"),
        ),
        11 => pair(
            format!("DeleteIdentity(identity: \"{ident}\")"),
            format!("CreateIdentity(identity: \"{ident}\", region: \"{}\")", c.pick(&REGIONS)),
        ),
        12 => pair(
            format!("BackupKey(vault: \"{v}\", key: \"{key}\")"),
            format!("PurgeKey(vault: \"{v}\", key: \"{key}\")"),
        ),
        13 => pair(
            format!("DeleteKey(vault: \"{v}\", key: \"{key}\")"),
            format!("PurgeKey(vault: \"{v}\", key: \"{key}\")"),
        ),
        14 => pair(
            format!("PurgeKey(vault: \"{v}\", key: \"{key}\")"),
            format!("RestoreKeyBackup(vault: \"{v}\", key: \"{key}\")"),
        ),
        15 => pair(
            format!("DeleteVault(vault: \"{vault}\")"),
            format!("PurgeVault(vault: \"{vault}\")"),
        ),
        16 => (format!("RotateKey(vault: \"{v}\", key: \"{key}\")"), None),
        17 => pair(
            format!("SetKeyExpiry(vault: \"{v}\", key: \"{key}\", expires_at: \"{}m\")", c.below(600)),
            format!("SetKeyExpiry(vault: \"{v}\", key: \"{key}\", expires_at: None)"),
        ),
        18 => {
            let k2 = c.pick(keys);
            let to = if c.rarely(2) {
                format!("{}/{}/{}", k2.vault, k2.name, 1 + c.below(k2.versions + 1))
            } else {
                format!("{}/{}", k2.vault, k2.name)
            };
            (format!("UpdateServerKey(server: \"{server}\", key: \"{to}\")"), None)
        }
        19 => (format!("Revalidate(server: \"{server}\")"), None),
        20 => {
            *restored += 1;
            (format!("RestoreServer(from: \"{server}\", into: \"r{restored}\")"), None)
        }
        _ => pair(
            format!("DeleteServer(server: \"{server}\")"),
            format!("CreateKey(vault: \"{v}\", key: \"{key}\")"),
        ),
    }
}

fn generate(data: &[u32]) -> Generated {
    let mut c = Choices { data, at: 0 };
    let horizon_s = *c.pick(&[1, 3, 10, 40, 100]) * 86_400;
    let (cadence_text, cadence_s) = *c.pick(&CADENCE);
    let (recover_text, recover_s) = *c.pick(&RECOVER);
    let (revalidate_text, revalidate_s) = *c.pick(&REVALIDATE);

    let mut vault_texts = Vec::new();
    let mut vaults = Vec::new();
    let mut keys: Vec<Key> = Vec::new();
    for v in 0..1 + c.below(2) {
        let name = format!("kv{v}");
        let mut key_texts = Vec::new();
        for k in 0..1 + c.below(2) {
            let versions = 1 + c.below(3);
            let kind = if c.rarely(20) {
                "Ec"
            } else {
                *c.pick(&["Rsa", "RsaHsm"])
            };
            let size = if c.rarely(20) {
                1024
            } else {
                *c.pick(&[4096, 2048, 3072])
            };
            let mut t = format!(
                "Key(name: \"k{k}\", kind: {kind}, size: {size}, versions: {versions}, enabled: {}",
                c.mostly(20)
            );
            if c.rarely(4) {
                t.push_str(&format!(", expires_after: \"{}h\"", 1 + c.below(72)));
            }
            if c.rarely(10) {
                t.push_str(&format!(", activates_after: \"{}h\"", c.below(10)));
            }
            if c.rarely(5) {
                t.push_str(&format!(
                    ", rotation: Rotation(every: \"{}h\"",
                    1 + c.below(48)
                ));
                if c.rarely(2) {
                    t.push_str(&format!(", expire_after: \"{}h\"", 1 + c.below(72)));
                }
                t.push(')');
            }
            if c.rarely(3) {
                t.push_str(", backed_up: true");
            }
            t.push(')');
            key_texts.push(t);
            keys.push(Key {
                vault: name.clone(),
                name: format!("k{k}"),
                versions,
            });
        }
        let gen = VaultGen {
            name: name.clone(),
            region: REGIONS[c.below(4).min(1) as usize],
            access_policy: c.rarely(4),
        };
        vault_texts.push(format!(
            "Vault(name: \"{name}\", region: \"{}\", soft_delete: {}, retention_days: {}, purge_protection: {}, permission_model: {}, firewall: Firewall(public_access: {}, trusted_services: {}, private_endpoint: {}), delete_lock: {}, keys: [{}])",
            gen.region,
            c.mostly(20),
            c.pick(&[90, 7, 30]),
            c.mostly(20),
            if gen.access_policy { "AccessPolicy" } else { "Rbac" },
            c.mostly(4),
            c.mostly(10),
            c.rarely(5),
            c.rarely(3),
            key_texts.join(", ")
        ));
        vaults.push(gen);
    }

    let identity_names: Vec<String> = (0..1 + c.below(3)).map(|i| format!("id{i}")).collect();
    let identities: Vec<String> = identity_names
        .iter()
        .map(|n| format!("Identity(name: \"{n}\", region: \"{}\")", c.pick(&REGIONS)))
        .collect();
    let mut grants = Vec::new();
    for i in &identity_names {
        for v in &vaults {
            grants.extend(grant(&mut c, i, v, false));
        }
    }

    let mut servers = Vec::new();
    let mut server_names = Vec::new();
    let mut service_managed = Vec::new();
    let mut alerts = Vec::new();
    for s in 0..1 + c.below(3) {
        let name = format!("pg{s}");
        let single = c.rarely(8);
        let k = c.pick(&keys);
        let vault = vaults
            .iter()
            .find(|v| v.name == k.vault)
            .expect("its vault");
        // Mostly in the key's region, as the service requires (R35).
        let region = if c.rarely(15) {
            "elsewhere"
        } else {
            vault.region
        };
        let reference = if c.rarely(3) {
            format!("{}/{}/{}", k.vault, k.name, 1 + c.below(k.versions))
        } else {
            format!("{}/{}", k.vault, k.name)
        };
        let encryption = if c.rarely(4) {
            if !single {
                service_managed.push(name.clone());
            }
            "ServiceManaged".to_string()
        } else if single {
            grants.extend(grant(&mut c, &name, vault, true));
            format!("CustomerManaged(key: \"{reference}\")")
        } else {
            format!(
                "CustomerManaged(key: \"{reference}\", identity: \"{}\")",
                c.pick(&identity_names)
            )
        };
        let workload = c.pick(&[
            "",
            "workload: Workload(every: None), ",
            "workload: Workload(every: \"10m\"), ",
        ]);
        servers.push(format!(
            "Server(name: \"{name}\", region: \"{region}\", kind: {}, {workload}encryption: {encryption})",
            if single { "Single" } else { "Flexible" }
        ));
        if c.rarely(2) {
            alerts.push(format!(
                "Alert(name: \"a{s}\", on: KeyAccessFailure(server: \"{name}\"))"
            ));
        }
        server_names.push(name);
    }

    let mut events = Vec::new();
    let mut restored = 0;
    let minutes = horizon_s as u32 / 60;
    for _ in 0..c.below(10) {
        let at = c.below(minutes);
        let (breaks, mends) = incident(
            &mut c,
            &keys,
            &vaults,
            &identity_names,
            &server_names,
            &mut restored,
        );
        events.push((at, breaks));
        if let Some(m) = mends {
            if c.mostly(5) {
                // Short gaps make unseen losses (R21), long ones windows.
                let gap = *c.pick(&[1, 5, 30, 120, 600, 3000]);
                events.push((at + c.below(gap) + 1, m));
            }
        }
    }
    events.sort_by_key(|(at, _)| *at);
    let has_a0 = alerts.iter().any(|a| a.contains("\"a0\""));
    let mut steps = Vec::new();
    for i in 0..c.below(3) {
        let on = if i > 0 && c.rarely(2) {
            format!("After(\"s{}\")", i - 1)
        } else if has_a0 && c.rarely(2) {
            "Alert(\"a0\")".to_string()
        } else {
            format!("At(\"{}m\")", c.below(minutes))
        };
        let k = c.pick(&keys);
        let action = match c.below(3) {
            0 => format!("EnableKey(vault: \"{}\", key: \"{}\")", k.vault, k.name),
            1 => format!("RecoverKey(vault: \"{}\", key: \"{}\")", k.vault, k.name),
            _ => format!("Revalidate(server: \"{}\")", c.pick(&server_names)),
        };
        steps.push(format!(
            "(name: \"s{i}\", on: {on}, after: \"{}m\", do: {action})",
            c.below(120)
        ));
    }
    let events_text: Vec<String> = events
        .iter()
        .map(|(at, a)| format!("(at: \"{at}m\", do: {a})"))
        .collect();
    let text = format!(
        "Scenario(
    name: \"generated\",
    seed: {},
    horizon: \"{}s\",
    timing: Timing({cadence_text}{recover_text}{revalidate_text}),
    world: World(
        identities: [{}],
        vaults: [{}],
        grants: [{}],
        servers: [{}],
    ),
    alerts: [{}],
    events: [{}],
    runbook: [{}],
)",
        c.next(),
        horizon_s,
        identities.join(", "),
        vault_texts.join(", "),
        grants.join(", "),
        servers.join(", "),
        alerts.join(", "),
        events_text.join(",\n        "),
        steps.join(", "),
    );
    Generated {
        text,
        horizon_s,
        cadence_s,
        max_wait_s: recover_s.max(revalidate_s),
        service_managed,
    }
}

fn check_causes(causes: &[CauseReport], what: &str) -> Result<(), TestCaseError> {
    let known: BTreeSet<&str> = ALL_CAUSES.iter().map(|c| c.name()).collect();
    prop_assert!(!causes.is_empty(), "{what} has no cause");
    for c in causes {
        prop_assert!(
            known.contains(c.cause),
            "{what}: {} is no R10 cause",
            c.cause
        );
        prop_assert!(!c.subject.is_empty(), "{what}: {} has no subject", c.cause);
    }
    Ok(())
}

fn check_run(g: &Generated, r: &RunResult) -> Result<(), TestCaseError> {
    let horizon = g.horizon_s;
    for s in &r.servers {
        let mut previous_end: Option<u64> = Some(0);
        for w in &s.windows {
            let what = format!("{} window at {}", s.name, w.denied_from_s);
            // Never overlapping, in order, an open window last.
            let Some(end_before) = previous_end else {
                return Err(TestCaseError::fail(format!(
                    "{what} follows an open window"
                )));
            };
            prop_assert!(
                end_before <= w.denied_from_s,
                "{what} overlaps the one before"
            );
            prop_assert!(
                w.denied_from_s < horizon,
                "{what} starts at or after the horizon"
            );
            if let Some(end) = w.denied_until_s {
                prop_assert!(
                    w.denied_from_s < end && end <= horizon,
                    "{what} ends at {end}"
                );
            }
            previous_end = w.denied_until_s;
            // R20: denial only once key access was lost, by the next check.
            prop_assert!(
                w.lost_at_s <= w.denied_from_s,
                "{what}: denied before the loss"
            );
            prop_assert!(
                w.denied_from_s - w.lost_at_s < g.cadence_s,
                "{what}: denied {} s after the loss at {}",
                w.denied_from_s - w.lost_at_s,
                w.lost_at_s
            );
            // R22: at most one recovery wait after access came back.
            if let (Some(end), Some(back)) = (w.denied_until_s, w.access_restored_at_s) {
                prop_assert!(back <= end, "{what}: ends before access came back");
                prop_assert!(
                    end - back <= g.max_wait_s,
                    "{what}: ends {} s after access came back at {back}; the longest wait is {} s",
                    end - back,
                    g.max_wait_s
                );
            }
            if let (Some(end), None) = (w.denied_until_s, w.access_restored_at_s) {
                prop_assert_eq!(
                    Some(end),
                    s.deleted_at_s,
                    "{} ends without access coming back",
                    what
                );
            }
            check_causes(&w.causes, &what)?;
        }
        for u in s.unseen_losses.iter().chain(&s.geo_backup_unusable) {
            let what = format!("{} interval from {}", s.name, u.from_s);
            prop_assert!(
                u.from_s < horizon && u.until_s.is_none_or(|t| u.from_s <= t && t <= horizon)
            );
            check_causes(&u.causes, &what)?;
        }
        if g.service_managed.iter().any(|n| **n == *s.name) {
            prop_assert!(
                s.windows.is_empty(),
                "service-managed {} has a window",
                s.name
            );
            prop_assert!(
                s.unseen_losses.is_empty(),
                "service-managed {} lost access",
                s.name
            );
        }
        // R31: data is lost only after a purge.
        if let Some(t) = s.data_lost_at_s {
            let purged = r.timeline.iter().any(|e| {
                e.at_s <= t
                    && (e.kind == "Purge"
                        || (matches!(
                            e.kind.as_str(),
                            "PurgeKey" | "PurgeVault" | "DeleteKey" | "DeleteVault"
                        ) && e.result == Some(Outcome::Ok)))
            });
            prop_assert!(
                purged,
                "{} lost its data at {t} with no purge before",
                s.name
            );
        }
    }
    Ok(())
}

/// 64 cases from a fixed seed, so that the suite gives the same verdict on
/// every machine; `PROPTEST_CASES` and `PROPTEST_RNG_SEED` search further.
/// Minimal failing cases are kept as plain tests below, not in a
/// regressions file.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 64;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(32);
    }
    config.failure_persistence = None;
    config
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_run_keeps_the_model_invariants(data in prop::collection::vec(any::<u32>(), 0..400)) {
        let g = generate(&data);
        let plan = parse_str(&g.text, "generated.ron")
            .map_err(|d| TestCaseError::fail(format!("{}\n{}", d.render(false), g.text)))?;
        let r = run(&plan, &RunOptions::default())
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}", g.text)))?;
        check_run(&g, &r).map_err(|e| TestCaseError::fail(format!("{e}\n{}", g.text)))?;
    }

    #[test]
    fn one_scenario_and_one_seed_give_identical_output(data in prop::collection::vec(any::<u32>(), 0..400)) {
        let g = generate(&data);
        let plan = parse_str(&g.text, "generated.ron").expect("generated scenarios are valid");
        let first = run(&plan, &RunOptions::default()).expect("runs");
        let again = run(&parse_str(&g.text, "generated.ron").expect("valid"), &RunOptions::default())
            .expect("runs");
        prop_assert_eq!(json::render(&first), json::render(&again));
        let other_seed = RunOptions { seed: Some(plan.file.seed ^ 1), ..RunOptions::default() };
        let a = run(&plan, &other_seed).expect("runs");
        let b = run(&plan, &other_seed).expect("runs");
        prop_assert_eq!(json::render(&a), json::render(&b));
    }

    #[test]
    fn a_run_split_by_servers_is_the_whole_run(data in prop::collection::vec(any::<u32>(), 0..400)) {
        let g = generate(&data);
        let plan = parse_str(&g.text, "generated.ron").expect("generated scenarios are valid");
        let on = |threads| RunOptions {
            detailed: false,
            threads,
            min_servers_per_thread: 1,
            ..RunOptions::default()
        };
        let whole = run(&plan, &on(1)).expect("runs");
        let split = run(&plan, &on(3)).expect("runs");
        prop_assert_eq!(json::render(&whole), json::render(&split), "{}", g.text);
    }

    #[test]
    fn a_run_without_a_timeline_reports_what_a_detailed_run_does(data in prop::collection::vec(any::<u32>(), 0..400)) {
        // A run without a timeline skips what only the timeline shows
        // (unwatched activity-log entries, the control plane's turn kept
        // out of the queue): the rest, event count included, is the same.
        let g = generate(&data);
        let plan = parse_str(&g.text, "generated.ron").expect("generated scenarios are valid");
        let quiet = run(&plan, &RunOptions { detailed: false, ..RunOptions::default() }).expect("runs");
        let mut full = run(&plan, &RunOptions::default()).expect("runs");
        full.timeline.clear();
        full.entities.clear();
        prop_assert_eq!(json::render(&quiet), json::render(&full), "{}", g.text);
    }

    #[test]
    fn the_lint_reads_every_valid_scenario(data in prop::collection::vec(any::<u32>(), 0..400)) {
        let g = generate(&data);
        prop_assert!(keyloss::scenario::locate::Tree::parse(&g.text).is_some());
        let findings = keyloss::lint::lint_text(&g.text, "generated.ron")
            .map_err(|d| TestCaseError::fail(d.render(false)))?;
        for f in findings {
            prop_assert!(f.line >= 1 && f.column >= 1 && !f.fix.is_empty(), "{:?}", f);
        }
    }
}

/// The properties above are only as good as the runs they see: the
/// generator must reach windows, unseen losses, data loss and refusals.
#[test]
fn the_generator_reaches_the_interesting_outcomes() {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) as u32
    };
    let (mut windows, mut closed, mut unseen, mut lost, mut refused) = (0, 0, 0, 0, 0);
    for _ in 0..300 {
        let data: Vec<u32> = (0..400).map(|_| next()).collect();
        let g = generate(&data);
        let plan = parse_str(&g.text, "generated.ron").expect("valid");
        let r = run(&plan, &RunOptions::default()).expect("runs");
        for s in &r.servers {
            windows += s.windows.len();
            closed += s
                .windows
                .iter()
                .filter(|w| w.access_restored_at_s.is_some())
                .count();
            unseen += s.unseen_losses.len();
            lost += usize::from(s.data_lost_at_s.is_some());
        }
        refused += r.refused.len();
    }
    println!(
        "windows {windows}, closed {closed}, unseen {unseen}, data lost {lost}, refused {refused}"
    );
    assert!(windows > 50 && closed > 10 && unseen > 0 && lost > 0 && refused > 50);
}

// ---- minimal cases the properties found ------------------------------------------

/// Found by `every_run_keeps_the_model_invariants`: key access is lost again
/// in the very second the recovery wait ends (a scripted event comes first
/// in that second, R33). R22 says the wait is cancelled and the window goes
/// on; the run ends the window anyway, and the server accepts connections
/// from 2h10m to 3h with its key disabled, with no window, loss or unseen
/// loss recorded.
#[test]
fn a_relapse_in_the_second_the_wait_ends_keeps_the_window_open() {
    let text = r#"Scenario(
    name: "relapse-at-the-second-the-wait-ends",
    horizon: "1d",
    timing: Timing(key_check_phase: Fixed("0s"), recover_after: Fixed("10m")),
    world: World(
        identities: [Identity(name: "id", region: "we")],
        vaults: [Vault(name: "kv", region: "we", keys: [Key(name: "k")])],
        grants: [Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)],
        servers: [Server(name: "pg", region: "we", workload: Workload(every: None),
            encryption: CustomerManaged(key: "kv/k", identity: "id"))],
    ),
    events: [
        (at: "1h", do: DisableKey(vault: "kv", key: "k")),
        (at: "2h", do: EnableKey(vault: "kv", key: "k")),
        (at: "2h10m", do: DisableKey(vault: "kv", key: "k")),
        (at: "3h", do: EnableKey(vault: "kv", key: "k")),
    ],
)"#;
    let plan = parse_str(text, "relapse.ron").expect("valid");
    let r = run(&plan, &RunOptions::default()).expect("runs");
    let pg = r.server("pg").expect("pg");
    assert_eq!(pg.windows.len(), 1);
    let w = &pg.windows[0];
    // Access comes back at 3h; the window ends 10 minutes later.
    assert_eq!(w.access_restored_at_s, Some(3 * 3600));
    assert_eq!(w.denied_until_s, Some(3 * 3600 + 600));
}
