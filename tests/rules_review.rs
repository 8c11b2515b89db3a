//! Cases found by reading the model against MODEL.md rule by rule: each
//! test names the rule it holds keyloss to, with the number derived by hand.

mod common;

use common::{run_text, srv, step_runs};
use keyloss::model::RunOptions;
use keyloss::result::RunResult;

fn run(text: &str) -> RunResult {
    run_text(text, RunOptions::default())
}

/// One versionless CMK server `pg` on `kv/k`, checks at 5 min past each
/// 10-minute mark, default (random) waits; `events` is spliced in.
fn versionless(seed: u64, events: &str) -> String {
    format!(
        r#"Scenario(
    name: "review", seed: {seed}, horizon: "3d",
    timing: Timing(key_check_phase: Fixed("5m")),
    world: World(
        identities: [Identity(name: "id", region: "westeurope")],
        vaults: [Vault(name: "kv", region: "westeurope", keys: [Key(name: "k")])],
        grants: [Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)],
        servers: [Server(name: "pg", region: "westeurope", workload: Workload(every: None),
            encryption: CustomerManaged(key: "kv/k", identity: "id"))],
    ),
    events: [{events}],
)"#
    )
}

/// When the server moved to the newest version (R6), from the timeline.
fn move_times(r: &RunResult) -> Vec<u64> {
    r.timeline
        .iter()
        .filter(|e| e.kind == "KeyVersionMove")
        .map(|e| e.at_s)
        .collect()
}

#[test]
fn r32_an_unrelated_earlier_loss_does_not_change_the_rewrap_draw() {
    let rotate = r#"(at: "1d", do: RotateKey(vault: "kv", key: "k"))"#;
    let blip = r#"(at: "1h", do: RemoveRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)),
        (at: "1h1m", do: AssignRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)),"#;
    for seed in [1, 11, 42] {
        let alone = run(&versionless(seed, rotate));
        let after_blip = run(&versionless(seed, &format!("{blip} {rotate}")));
        // The blip is an unseen loss (R21) of its own…
        assert_eq!(srv(&after_blip, "pg").unseen_losses.len(), 1);
        // …and the rewrap_after draw (index 0 for the server) is the same.
        assert_eq!(move_times(&alone), move_times(&after_blip), "seed {seed}");
        assert_eq!(move_times(&alone).len(), 1);
    }
}

#[test]
fn r32_wait_draws_count_per_purpose() {
    // An identity window (detach at 10h, identity back at 11h) waits
    // identity_revalidate_after, draw index 0, whether or not an ordinary
    // window (recover_after) came before it.
    let identity_window = r#"(at: "10h", do: DetachIdentity(server: "pg")),
        (at: "11h", do: UpdateServerIdentity(server: "pg", identity: "id"))"#;
    let ordinary = r#"(at: "1h", do: DisableKey(vault: "kv", key: "k")),
        (at: "2h", do: EnableKey(vault: "kv", key: "k")),"#;
    for seed in [5, 6, 7] {
        let alone = run(&versionless(seed, identity_window));
        let both = run(&versionless(seed, &format!("{ordinary} {identity_window}")));
        let last = |r: &RunResult| {
            let w = srv(r, "pg").windows.last().expect("a window").clone();
            let wait = w.recovery.last().expect("a wait").clone();
            assert_eq!(&*wait.what, "identity_revalidate_after");
            (wait.wait_s, w.denied_until_s)
        };
        assert_eq!(srv(&both, "pg").windows.len(), 2);
        assert_eq!(last(&alone), last(&both), "seed {seed}");
    }
}

#[test]
fn r21_a_loss_no_check_saw_before_the_horizon_is_not_an_unseen_loss() {
    // Disabled at 23h59m; the next check (23h55m + 10m) is past the 1d
    // horizon. Access never came back, so R21 does not apply: no window,
    // no unseen loss, and the UnseenLoss expectation fails.
    let text = versionless(
        5,
        r#"(at: "23h59m", do: DisableKey(vault: "kv", key: "k"))"#,
    )
    .replace(r#"horizon: "3d""#, r#"horizon: "1d""#)
    .replace(
        "    events:",
        "    expect: [UnseenLoss(server: \"pg\")],\n    events:",
    );
    let r = run(&text);
    let pg = srv(&r, "pg");
    assert!(pg.windows.is_empty());
    assert!(pg.unseen_losses.is_empty(), "{:?}", pg.unseen_losses);
    assert_eq!(r.expectations[0].passed, Some(false));
}

#[test]
fn r30_another_identitys_grant_is_neither_trigger_nor_recovery() {
    // In the same second alice gives another identity a role on the vault
    // and bob disables the key; later carol gives it another role and dave
    // enables the key. Only bob's and dave's actions concern pg.
    let text = versionless(
        3,
        r#"(at: "1h", do: AssignRole(identity: "other", vault: "kv", role: Reader), by: "alice"),
        (at: "1h", do: DisableKey(vault: "kv", key: "k"), by: "bob"),
        (at: "2h", do: AssignRole(identity: "other", vault: "kv", role: CryptoUser), by: "carol"),
        (at: "2h", do: EnableKey(vault: "kv", key: "k"), by: "dave")"#,
    )
    .replace(
        r#"identities: [Identity(name: "id", region: "westeurope")]"#,
        r#"identities: [Identity(name: "id", region: "westeurope"), Identity(name: "other", region: "westeurope")]"#,
    );
    let r = run(&text);
    let w = &srv(&r, "pg").windows[0];
    assert!(
        w.trigger.starts_with("DisableKey") && w.trigger.ends_with("by bob"),
        "{}",
        w.trigger
    );
    let path: Vec<&str> = w.recovery.iter().map(|s| &*s.by).collect();
    assert_eq!(path, ["dave", "service"]);
}

#[test]
fn r30_giving_a_single_copy_its_identity_is_a_step_of_the_way_back() {
    // The catalog's Single-server restore: UpdateServerIdentity at 2h
    // removes IdentityNotAssigned and only then can the missing grant show
    // (R39). It belongs to the recovery path with the grant and the
    // Revalidate that clears RevalidationRequired (an action, as it
    // removes a cause; not a wait-shortening `revalidate`).
    let text = include_str!("../scenarios/26-single-server-restore.ron");
    let r = run(text);
    let w = &srv(&r, "pg-copy").windows[0];
    let path: Vec<(u64, &str)> = w.recovery.iter().map(|s| (s.at_s, s.kind.name())).collect();
    assert_eq!(
        path,
        [
            (7200, "action"),
            (7800, "action"),
            (8400, "action"),
            (8400, "wait")
        ]
    );
    assert!(w.recovery[0].what.starts_with("UpdateServerIdentity"));
    assert!(w.recovery[2].what.starts_with("Revalidate"));
}

/// `pg` with geo-redundant backup: primary `kv-we/pg-cmk/1` (7-day
/// retention), geo key `kv-ne/pg-geo/1`.
const GEO: &str = r#"Scenario(
    name: "review-geo", seed: 3, horizon: "10d",
    timing: Timing(key_check_phase: Fixed("5m")),
    world: World(
        identities: [Identity(name: "id-we", region: "westeurope"), Identity(name: "id-ne", region: "northeurope")],
        vaults: [
            Vault(name: "kv-we", region: "westeurope", retention_days: 7, keys: [Key(name: "pg-cmk")]),
            Vault(name: "kv-ne", region: "northeurope", keys: [Key(name: "pg-geo")]),
        ],
        grants: [
            Role(identity: "id-we", vault: "kv-we", role: CryptoServiceEncryptionUser),
            Role(identity: "id-ne", vault: "kv-ne", role: CryptoServiceEncryptionUser),
        ],
        servers: [Server(name: "pg", region: "westeurope", backup_region: "northeurope", workload: Workload(every: None),
            encryption: CustomerManaged(key: "kv-we/pg-cmk/1", identity: "id-we",
                geo_backup: GeoBackup(key: "kv-ne/pg-geo/1", identity: "id-ne")))],
    ),
    events: [EVENTS],
)"#;

#[test]
fn r38_a_restored_server_has_no_geo_backup_so_its_data_is_lost_with_the_key() {
    // The restore has no backup region (R8), so neither the geo key's state
    // (R11) nor its survival (R31) concerns it. The primary key is deleted
    // at 2h and purged 7 days later: 7200 + 604800 = 612000. The source
    // keeps its geo-backup and so its data.
    let text = GEO.replace(
        "EVENTS",
        r#"(at: "1h", do: RestoreServer(from: "pg", into: "pg2")),
        (at: "2h", do: DeleteKey(vault: "kv-we", key: "pg-cmk")),
        (at: "3h", do: DisableKey(vault: "kv-ne", key: "pg-geo"))"#,
    );
    let r = run(&text);
    let copy = srv(&r, "pg2");
    assert_eq!(copy.data_lost_at_s, Some(612_000));
    assert!(
        copy.geo_backup_unusable.is_empty(),
        "{:?}",
        copy.geo_backup_unusable
    );
    let source = srv(&r, "pg");
    assert_eq!(source.data_lost_at_s, None);
    assert_eq!(source.geo_backup_unusable.len(), 1);
}

#[test]
fn r5_a_vault_created_again_rotates_on_its_own_schedule_only() {
    // Rotation every day; the vault (soft delete off) is deleted at 12h and
    // created again at 13h: rotations at 13h + 1d = 133200 and 219600, and
    // none from the first vault's schedule (86400, 172800).
    let text = r#"Scenario(
    name: "review-rotation", seed: 4, horizon: "3d",
    world: World(
        vaults: [Vault(name: "kv", region: "westeurope", soft_delete: false, purge_protection: false,
            keys: [Key(name: "k", rotation: Rotation(every: "1d"))])],
    ),
    events: [
        (at: "12h", do: DeleteVault(vault: "kv")),
        (at: "13h", do: CreateVault(Vault(name: "kv", region: "westeurope", keys: [Key(name: "k", rotation: Rotation(every: "1d"))]))),
    ],
)"#;
    let r = run(text);
    let rotations: Vec<u64> = r
        .timeline
        .iter()
        .filter(|e| e.kind == "Rotation")
        .map(|e| e.at_s)
        .collect();
    assert_eq!(rotations, [133_200, 219_600]);
}

#[test]
fn r37_update_server_identity_is_checked_against_the_version_in_use() {
    // Rotated at 1h (move 2h later, R6); the new version is disabled at
    // 1h1m. At 1h2m the server still uses version 1, which is fine, so the
    // identity change is accepted; the move at 3h then loses access.
    let text = r#"Scenario(
    name: "review-identity", seed: 1, horizon: "1d",
    timing: Timing(key_check_phase: Fixed("0s"), rewrap_after: Fixed("2h")),
    world: World(
        identities: [Identity(name: "id", region: "westeurope"), Identity(name: "id2", region: "westeurope")],
        vaults: [Vault(name: "kv", region: "westeurope", keys: [Key(name: "k")])],
        grants: [Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser), Role(identity: "id2", vault: "kv", role: CryptoServiceEncryptionUser)],
        servers: [Server(name: "pg", region: "westeurope", workload: Workload(every: None),
            encryption: CustomerManaged(key: "kv/k", identity: "id"))],
    ),
    events: [
        (at: "1h", do: RotateKey(vault: "kv", key: "k")),
        (at: "1h1m", do: DisableKey(vault: "kv", key: "k", version: 2)),
        (at: "1h2m", name: "switch identity", do: UpdateServerIdentity(server: "pg", identity: "id2")),
    ],
)"#;
    let r = run(text);
    assert_eq!(step_runs(&r, "switch identity"), ["3720 Ok"]);
    assert_eq!(srv(&r, "pg").windows[0].lost_at_s, 10_800);
}

#[test]
fn r27_setting_the_same_workload_changes_nothing() {
    let text = versionless(
        1,
        r#"(at: "1h", name: "same", do: SetWorkload(server: "pg", workload: Workload(every: None))),
        (at: "2h", name: "busier", do: SetWorkload(server: "pg", workload: Workload(every: "1m")))"#,
    );
    let r = run(&text);
    assert_eq!(step_runs(&r, "same"), ["3600 NoChange"]);
    assert_eq!(step_runs(&r, "busier"), ["7200 Ok"]);
}

/// One CMK server `pg` denying from 2h05m (role removed at 2h, checks at
/// 5 min past each 10-minute mark) to the role's return at 3h plus a fixed
/// 30-minute wait, with client traffic `workload`; `events` spliced in.
fn traffic(workload: &str, events: &str) -> String {
    format!(
        r#"Scenario(
    name: "traffic", seed: 104, horizon: "1d",
    timing: Timing(key_check_phase: Fixed("5m"), inaccessible_after: Fixed("10m"), recover_after: Fixed("30m")),
    world: World(
        identities: [Identity(name: "id", region: "westeurope")],
        vaults: [Vault(name: "kv", region: "westeurope", keys: [Key(name: "k")])],
        grants: [Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)],
        servers: [Server(name: "pg", region: "westeurope", workload: {workload},
            encryption: CustomerManaged(key: "kv/k/1", identity: "id"))],
    ),
    alerts: [Alert(name: "health", on: ResourceHealth(server: "pg"))],
    events: [
        (at: "2h", do: RemoveRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)),
        (at: "3h", do: AssignRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)),
        {events}
    ],
)"#
    )
}

#[test]
fn r23_traffic_stopped_during_a_window_refuses_no_later_attempt() {
    // Denial at 7500 s draws the first attempt under a 1-minute workload;
    // the traffic stops 10 s later. With no client traffic resource health
    // keeps showing Available (R23) and its alert never fires (R25).
    let stop = r#"(at: "7510s", do: SetWorkload(server: "pg", workload: Workload(every: None)))"#;
    for seed_shift in 0..5 {
        let text = traffic(r#"Workload(every: "1m")"#, stop)
            .replace("seed: 104", &format!("seed: {}", 104 + seed_shift));
        let r = run(&text);
        let w = &srv(&r, "pg").windows[0];
        assert_eq!(w.denied_from_s, 7_500);
        assert_eq!(w.health_from_s, None, "seed {}", 104 + seed_shift);
        assert!(r.alerts.is_empty());
    }
}

#[test]
fn r23_a_faster_workload_is_felt_at_once() {
    // Traffic every 6 h; the denial at 7500 s draws an attempt far away.
    // From 7501 s clients connect every minute on average: the first
    // refused attempt follows within the hour with certainty in practice
    // (P(gap > 1h) = e^-60), not at the attempt drawn under the old rate.
    let faster = r#"(at: "7501s", do: SetWorkload(server: "pg", workload: Workload(every: "1m")))"#;
    for seed in [104, 105, 106, 107] {
        let with_seed = |t: String| t.replace("seed: 104", &format!("seed: {seed}"));
        let r = run(&with_seed(traffic(r#"Workload(every: "6h")"#, faster)));
        let h = srv(&r, "pg").windows[0]
            .health_from_s
            .expect("health turns");
        assert!((7_501..7_501 + 3_600).contains(&h), "seed {seed}: {h}");
        assert_eq!(r.alerts.len(), 1);
    }
}

/// Server `s` on `kv/k/1` through identity `i`; `j` holds roles on `kv`
/// and on `nopp` (purge protection off); `events` spliced in.
fn two_identities(events: &str) -> String {
    format!(
        r#"Scenario(
    name: "set-encryption", seed: 9, horizon: "1d",
    timing: Timing(key_check_phase: Fixed("5m"), inaccessible_after: Fixed("10m"), recover_after: Fixed("30m")),
    world: World(
        identities: [Identity(name: "i", region: "westeurope"), Identity(name: "j", region: "westeurope")],
        vaults: [Vault(name: "kv", region: "westeurope", keys: [Key(name: "k")]),
                 Vault(name: "nopp", region: "westeurope", purge_protection: false, keys: [Key(name: "k")])],
        grants: [Role(identity: "i", vault: "kv", role: CryptoServiceEncryptionUser),
                 Role(identity: "j", vault: "kv", role: CryptoServiceEncryptionUser),
                 Role(identity: "j", vault: "nopp", role: CryptoServiceEncryptionUser)],
        servers: [Server(name: "s", region: "westeurope", workload: Workload(every: None),
            encryption: CustomerManaged(key: "kv/k/1", identity: "i"))],
    ),
    events: [{events}],
)"#
    )
}

#[test]
fn r35_a_refused_set_encryption_keeps_the_old_identity() {
    // The new key's vault has purge protection off: refused (R35), and the
    // identity named with it is not taken either. Deleting `j` at 2h then
    // touches nothing `s` uses.
    let r = run(&two_identities(
        r#"(at: "1h", name: "switch", do: SetEncryption(server: "s", encryption: CustomerManaged(key: "nopp/k/1", identity: "j"))),
        (at: "2h", do: DeleteIdentity(identity: "j"))"#,
    ));
    assert_eq!(
        step_runs(&r, "switch"),
        ["3600 Refused(PurgeProtectionDisabled)"]
    );
    assert!(srv(&r, "s").windows.is_empty());
    assert!(srv(&r, "s").unseen_losses.is_empty());
}

#[test]
fn r37_set_encryption_with_the_same_key_and_a_new_identity_is_a_change() {
    // Only the identity changes: the action is accepted as a change, and
    // from then on `s` depends on `j`, not `i` (deleting `i` harms nothing,
    // deleting `j` opens a window at the next check, 5 min past the mark).
    let r = run(&two_identities(
        r#"(at: "1h", name: "switch", do: SetEncryption(server: "s", encryption: CustomerManaged(key: "kv/k/1", identity: "j"))),
        (at: "2h", do: DeleteIdentity(identity: "i")),
        (at: "3h", do: DeleteIdentity(identity: "j"))"#,
    ));
    assert_eq!(step_runs(&r, "switch"), ["3600 Ok"]);
    let windows = &srv(&r, "s").windows;
    assert_eq!(windows.len(), 1);
    assert_eq!(windows[0].lost_at_s, 10_800);
    assert_eq!(windows[0].denied_from_s, 10_800 + 300);
}

/// A vault `ok` (access policies) with an RSA 2048 key, a world Single
/// server `wsingle` whose system identity holds a policy; `events`
/// spliced in.
fn single_servers(events: &str) -> String {
    format!(
        r#"Scenario(
    name: "single", seed: 9, horizon: "1d",
    timing: Timing(key_check_phase: Fixed("5m"), inaccessible_after: Fixed("10m"), recover_after: Fixed("30m")),
    world: World(
        vaults: [Vault(name: "ok", region: "westeurope", permission_model: AccessPolicy, keys: [Key(name: "k", size: 2048)])],
        grants: [AccessPolicy(identity: "wsingle", vault: "ok", permissions: [Get, WrapKey, UnwrapKey])],
        servers: [Server(name: "wsingle", kind: Single, region: "westeurope", workload: Workload(every: None))],
    ),
    events: [{events}],
)"#
    )
}

#[test]
fn r8_a_refused_single_server_leaves_no_system_identity_behind() {
    // A new system identity holds no grant, so creating a Single server
    // with CMK by an action is refused (R35, R39); the server does not
    // exist (R8), nor its identity: a grant to it is refused, and so is a
    // second attempt, for the same reason as the first.
    let r = run(&single_servers(
        r#"(at: "10m", name: "first", do: CreateServer(Server(name: "ss", kind: Single, region: "westeurope", encryption: CustomerManaged(key: "ok/k/1")))),
        (at: "11m", name: "grant", do: SetAccessPolicy(identity: "ss", vault: "ok", permissions: [Get, WrapKey, UnwrapKey])),
        (at: "12m", name: "second", do: CreateServer(Server(name: "ss", kind: Single, region: "westeurope", encryption: CustomerManaged(key: "ok/k/1"))))"#,
    ));
    assert_eq!(step_runs(&r, "first"), ["600 Refused(GrantMissing)"]);
    assert_eq!(step_runs(&r, "grant"), ["660 Refused(IdentityNotFound)"]);
    assert_eq!(step_runs(&r, "second"), ["720 Refused(GrantMissing)"]);
    assert!(r.server("ss").is_none());
}

#[test]
fn r36_a_single_server_created_by_an_action_can_add_cmk_later() {
    // R36: a Single server adds CMK after creation, through its own system
    // identity (R39), whether the world or an action created it.
    let r = run(&single_servers(
        r#"(at: "1m", name: "create", do: CreateServer(Server(name: "asingle", kind: Single, region: "westeurope", workload: Workload(every: None)))),
        (at: "2m", name: "grant", do: SetAccessPolicy(identity: "asingle", vault: "ok", permissions: [Get, WrapKey, UnwrapKey])),
        (at: "3m", name: "add key", do: UpdateServerKey(server: "asingle", key: "ok/k/1")),
        (at: "4m", name: "add key to world server", do: UpdateServerKey(server: "wsingle", key: "ok/k/1")),
        (at: "1h", do: DeleteKey(vault: "ok", key: "k"))"#,
    ));
    assert_eq!(step_runs(&r, "grant"), ["120 Ok"]);
    assert_eq!(step_runs(&r, "add key"), ["180 Ok"]);
    assert_eq!(step_runs(&r, "add key to world server"), ["240 Ok"]);
    // Both now depend on the key: its deletion at 1h denies both.
    for name in ["asingle", "wsingle"] {
        assert_eq!(srv(&r, name).windows.len(), 1, "{name}");
        assert_eq!(srv(&r, name).windows[0].lost_at_s, 3_600);
    }
}

#[test]
fn a_refused_step_is_in_the_timeline_under_the_entity_it_acted_on() {
    // SCENARIOS.md: timeline[].entity is what the action concerned; the
    // step's name is in refused[].step.
    let r = run(&two_identities(
        r#"(at: "1h", name: "switch", do: SetEncryption(server: "s", encryption: CustomerManaged(key: "nopp/k/1", identity: "j"))),
        (at: "2h", name: "purge", do: PurgeVault(vault: "kv"))"#,
    ));
    let refused: Vec<(&str, &str)> = r
        .timeline
        .iter()
        .filter(|e| e.result == Some(keyloss::result::Outcome::Refused))
        .map(|e| (e.kind.as_str(), e.entity.as_str()))
        .collect();
    assert_eq!(refused, [("SetEncryption", "s"), ("PurgeVault", "kv")]);
    let steps: Vec<Option<&str>> = r.refused.iter().map(|x| x.step.as_deref()).collect();
    assert_eq!(steps, [Some("switch"), Some("purge")]);
}

/// A grant's intervals as (from, until, usable, state).
fn grant_intervals(r: &RunResult, name: &str) -> Vec<(u64, Option<u64>, bool, String)> {
    r.entities
        .iter()
        .find(|e| e.kind == "grant" && e.name == name)
        .unwrap_or_else(|| panic!("no grant {name}"))
        .intervals
        .iter()
        .map(|i| (i.from_s, i.until_s, i.usable, i.state.clone()))
        .collect()
}

#[test]
fn entities_a_grant_is_unusable_while_its_vault_is_deleted_or_its_identity_gone() {
    // R4: a soft-deleted vault keeps its access policies but serves
    // nothing. R3: a deleted identity's grants dangle, and the identity
    // made again under its name is a new principal holding none of them.
    let text = r#"Scenario(
    name: "entities", seed: 1, horizon: "1d",
    world: World(
        identities: [Identity(name: "i", region: "westeurope"), Identity(name: "j", region: "westeurope")],
        vaults: [Vault(name: "ap", region: "westeurope", permission_model: AccessPolicy, keys: [Key(name: "k")]),
                 Vault(name: "rb", region: "westeurope", keys: [Key(name: "k")])],
        grants: [AccessPolicy(identity: "i", vault: "ap", permissions: [Get, WrapKey, UnwrapKey]),
                 Role(identity: "j", vault: "rb", role: CryptoServiceEncryptionUser)],
    ),
    events: [
        (at: "1h", do: DeleteVault(vault: "ap")),
        (at: "2h", do: RecoverVault(vault: "ap")),
        (at: "3h", do: DeleteIdentity(identity: "j")),
        (at: "4h", do: CreateIdentity(identity: "j", region: "westeurope")),
        (at: "5h", do: AssignRole(identity: "j", vault: "rb", role: CryptoServiceEncryptionUser)),
    ],
)"#;
    let r = run(text);
    let s = |x: &str| x.to_string();
    assert_eq!(
        grant_intervals(&r, "AccessPolicy i on ap"),
        [
            (0, Some(3_600), true, s("Assigned")),
            (3_600, Some(7_200), false, s("VaultSoftDeleted")),
            (7_200, None, true, s("Assigned")),
        ]
    );
    assert_eq!(
        grant_intervals(&r, "CryptoServiceEncryptionUser j on rb"),
        [
            (0, Some(10_800), true, s("Assigned")),
            (10_800, None, false, s("IdentityDeleted")),
        ]
    );
    // The new principal's own grant is told apart from the old one.
    assert_eq!(
        grant_intervals(&r, "CryptoServiceEncryptionUser j#2 on rb"),
        [(18_000, None, true, s("Assigned"))]
    );
    assert!(r.entities.iter().all(|e| !e.name.contains("principal-")));
}

#[test]
fn r35_a_refusal_names_the_first_failing_check_and_lists_them_all() {
    // README choice 12: tenant, region, soft delete, purge protection,
    // then the R10 causes; the first is the reason, all are in the detail.
    let text = r#"Scenario(
    name: "refusal-detail", seed: 1, horizon: "1d",
    world: World(
        identities: [Identity(name: "id", region: "westeurope")],
        vaults: [Vault(name: "bad", region: "northeurope", soft_delete: false, purge_protection: false, keys: [Key(name: "k")])],
    ),
    events: [(at: "1h", name: "create", do: CreateServer(Server(name: "pg", region: "westeurope",
        encryption: CustomerManaged(key: "bad/k/1", identity: "id"))))],
)"#;
    let r = run(text);
    assert_eq!(step_runs(&r, "create"), ["3600 Refused(RegionMismatch)"]);
    let detail = &r.refused[0].detail;
    for part in [
        "vault bad is in northeurope, the server in westeurope",
        "vault bad has soft delete off",
        "vault bad has purge protection off",
        "key access would fail for bad/k/1: GrantMissing",
    ] {
        assert!(detail.contains(part), "{part:?} missing from {detail:?}");
    }
}
