//! Fleets: each member is drawn on its own (R32), so a member of a large
//! fleet sees exactly the windows it would see alone; `run` summarises
//! scenarios with many servers.

use std::process::Command;

use keyloss::model::{run, RunOptions};
use keyloss::result::RunResult;
use keyloss::scenario::parse_str;

/// A vault shared by the servers is deleted and recovered; every delay is
/// drawn (phase, inaccessible_after, recover_after, activity log, traffic).
fn scenario(servers: &str) -> String {
    format!(
        r#"Scenario(
    name: "fleet-vault-deleted",
    seed: 11,
    horizon: "1d",
    world: World(
        identities: [Identity(name: "pg-uami", region: "westeurope")],
        vaults: [Vault(name: "kv-prod", region: "westeurope", permission_model: AccessPolicy, keys: [Key(name: "pg-cmk")])],
        grants: [AccessPolicy(identity: "pg-uami", vault: "kv-prod", permissions: [Get, List, WrapKey, UnwrapKey])],
        servers: [{servers}],
    ),
    events: [
        (at: "3h20m", do: DeleteVault(vault: "kv-prod"), by: "cleanup-script"),
        (at: "3h25m", do: RecoverVault(vault: "kv-prod"), by: "oncall"),
    ],
)"#
    )
}

const TEMPLATE: &str = r#"region: "westeurope", encryption: CustomerManaged(key: "kv-prod/pg-cmk/1", identity: "pg-uami")"#;

fn run_text(text: &str, seed: u64) -> RunResult {
    let plan = parse_str(text, "fleet.ron").unwrap();
    run(
        &plan,
        &RunOptions {
            seed: Some(seed),
            runbook: None,
            detailed: false,
            ..RunOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn a_fleet_member_sees_the_windows_it_would_see_alone() {
    let fleet = run_text(
        &scenario(&format!(
            "Fleet(prefix: \"pg-\", count: 10000, server: Server({TEMPLATE}))"
        )),
        5,
    );
    assert_eq!(fleet.servers.len(), 10_000);
    let denied = fleet
        .servers
        .iter()
        .filter(|s| !s.windows.is_empty())
        .count();
    let unseen = fleet
        .servers
        .iter()
        .filter(|s| !s.unseen_losses.is_empty())
        .count();
    assert!(
        denied > 1000 && unseen > 1000,
        "{denied} denied, {unseen} unseen"
    );
    for name in ["pg-00001", "pg-00002", "pg-04242", "pg-09999", "pg-10000"] {
        let alone = run_text(
            &scenario(&format!("Server(name: \"{name}\", {TEMPLATE})")),
            5,
        );
        let member = fleet.server(name).unwrap();
        let single = alone.server(name).unwrap();
        assert_eq!(member.windows, single.windows, "{name}");
        assert_eq!(member.unseen_losses, single.unseen_losses, "{name}");
        assert_eq!(member.data_lost_at_s, single.data_lost_at_s, "{name}");
    }
}

fn keyloss(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_keyloss"))
        .args(args)
        .output()
        .expect("keyloss runs")
}

#[test]
fn run_summarises_many_servers_unless_asked_for_all() {
    let dir = std::env::temp_dir().join(format!("keyloss-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("fleet.ron");
    std::fs::write(
        &path,
        scenario(&format!(
            "Server(name: \"pg-main\", {TEMPLATE}), Fleet(prefix: \"pg-\", count: 30, server: Server({TEMPLATE}))"
        )),
    )
    .unwrap();
    let file = path.to_str().unwrap();
    let summary = keyloss(&["run", file, "--seed", "5"]);
    assert_eq!(summary.status.code(), Some(0));
    let text = String::from_utf8(summary.stdout).unwrap();
    assert!(text.contains("31 servers: summarised"), "{text}");
    assert!(text.contains("all servers — 31 servers"), "{text}");
    assert!(text.contains("pg-* (fleet) — 30 servers"), "{text}");
    assert!(text.contains("servers outside fleets — 1 server"), "{text}");
    assert!(!text.contains("\ntimeline\n"));
    let full = keyloss(&["run", file, "--seed", "5", "--all-servers"]);
    let text = String::from_utf8(full.stdout).unwrap();
    assert!(text.contains("\ntimeline\n"));
    assert!(text.contains("pg-30"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The shipped fleet example, hand-derived: the vault is deleted at 3h20m
/// (12,000 s) and recovered at 4h (14,400 s). Each member denies at its
/// first check at or after 12,000 s, within its 600 s cadence (R20), and
/// is Available again 0 to 3,600 s after 14,400 s (R22, `recover_after`).
#[test]
fn the_shipped_fleet_example_gives_every_member_one_window_within_the_bounds() {
    let path = "scenarios/fleets/vault-deleted-10k.ron";
    let plan = keyloss::scenario::load_file(std::path::Path::new(path)).expect("valid");
    let r = run(
        &plan,
        &RunOptions {
            detailed: false,
            threads: 2,
            min_servers_per_thread: 1,
            ..RunOptions::default()
        },
    )
    .expect("runs");
    assert_eq!(r.servers.len(), 10_000);
    assert_eq!(&*r.servers[0].name, "pg-00001");
    assert_eq!(&*r.servers[9_999].name, "pg-10000");
    for s in &r.servers {
        assert_eq!(s.windows.len(), 1, "{}", s.name);
        let w = &s.windows[0];
        assert_eq!(w.lost_at_s, 12_000);
        assert!((12_000..12_600).contains(&w.denied_from_s), "{}", s.name);
        let until = w.denied_until_s.expect("Available again");
        assert!((14_400..=18_000).contains(&until), "{}", s.name);
        assert!((1_801..=6_000).contains(&w.duration_s));
        assert_eq!(w.causes.len(), 1);
        assert_eq!(w.causes[0].cause, "VaultSoftDeleted");
        assert!(s.data_lost_at_s.is_none() && s.unseen_losses.is_empty());
    }
    assert!(r.all_passed());
    // `keyloss run` summarises it and passes.
    let out = Command::new(env!("CARGO_BIN_EXE_keyloss"))
        .args(["run", path])
        .output()
        .expect("keyloss runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(text.contains("10000 servers: summarised"), "{text}");
    assert!(
        text.contains("denied connections: 10000 (100.0%)"),
        "{text}"
    );
}
