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
