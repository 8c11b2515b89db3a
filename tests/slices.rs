//! A run split by servers among threads gives exactly the whole run's
//! result (R32: no thread-count dependence), whether the split is taken
//! or refused.

use keyloss::export::json;
use keyloss::model::{run, run_in_slices, slice_count, RunOptions};
use keyloss::scenario::{load_file, parse_str, Plan};

fn options(seed: u64, threads: usize) -> RunOptions {
    RunOptions {
        seed: Some(seed),
        detailed: false,
        threads,
        // Even a handful of servers is split, so that small scenarios
        // exercise the join.
        min_servers_per_thread: 1,
        ..RunOptions::default()
    }
}

/// The run whole and split in 2, 3 and 7, as JSON.
fn assert_split_is_whole(plan: &Plan, seed: u64) {
    let whole = json::render(&run(plan, &options(seed, 1)).expect("runs"));
    for threads in [2, 3, 7] {
        let split = json::render(&run(plan, &options(seed, threads)).expect("runs"));
        assert_eq!(
            whole, split,
            "{} seed {seed}, {threads} threads",
            plan.origin
        );
    }
}

/// Twelve servers on a shared vault and key, some versionless, each with
/// drawn phases and waits; `events` spliced in.
fn world(events: &str) -> String {
    let mut servers = String::new();
    for i in 0..12 {
        let key = if i % 3 == 0 { "kv/k" } else { "kv/k/1" };
        let identity = if i % 4 == 0 { "id2" } else { "id" };
        servers.push_str(&format!(
            r#"Server(name: "pg-{i:02}", region: "westeurope",
                encryption: CustomerManaged(key: "{key}", identity: "{identity}")),
            "#
        ));
    }
    format!(
        r#"Scenario(
    name: "slices", seed: 5, horizon: "20d",
    world: World(
        identities: [Identity(name: "id", region: "westeurope"), Identity(name: "id2", region: "westeurope")],
        vaults: [Vault(name: "kv", region: "westeurope", retention_days: 7, keys: [Key(name: "k")])],
        grants: [Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser),
                 Role(identity: "id2", vault: "kv", role: CryptoServiceEncryptionUser)],
        servers: [{servers}],
    ),
    events: [{events}],
    expect: [NeverInaccessible(server: "pg-07"), NoDataLoss],
)"#
    )
}

const INCIDENTS: [&str; 6] = [
    // A vault deleted and recovered.
    r#"(at: "3h20m", do: DeleteVault(vault: "kv")), (at: "4h", do: RecoverVault(vault: "kv"))"#,
    // A rotation (versionless servers move), then the old version disabled.
    r#"(at: "1h", do: RotateKey(vault: "kv", key: "k")),
       (at: "1h30m", do: DisableKey(vault: "kv", key: "k", version: 1)),
       (at: "2d", do: EnableKey(vault: "kv", key: "k", version: 1))"#,
    // One identity's role removed and given back; a short unseen blip.
    r#"(at: "2h", do: RemoveRole(identity: "id2", vault: "kv", role: CryptoServiceEncryptionUser)),
       (at: "3h", do: AssignRole(identity: "id2", vault: "kv", role: CryptoServiceEncryptionUser)),
       (at: "5h", do: RemoveRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)),
       (at: "5h1m", do: AssignRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser))"#,
    // The firewall closed, then an identity deleted and recovered.
    r#"(at: "1h", do: SetFirewall(vault: "kv", public_access: false)),
       (at: "2h", do: SetFirewall(vault: "kv", public_access: true)),
       (at: "6h", do: DeleteIdentity(identity: "id")),
       (at: "7h", do: RecoverIdentity(identity: "id"))"#,
    // The vault deleted and purged after retention: data lost (R31).
    r#"(at: "1h", do: DeleteVault(vault: "kv"))"#,
    // A refused world action, alike in every slice.
    r#"(at: "1h", do: PurgeVault(vault: "kv")), (at: "2h", do: DeleteKey(vault: "kv", key: "k")),
       (at: "2h30m", do: RecoverKey(vault: "kv", key: "k"))"#,
];

#[test]
fn world_incidents_split_by_servers_give_the_whole_result() {
    for (i, events) in INCIDENTS.iter().enumerate() {
        let plan = parse_str(&world(events), &format!("incident-{i}.ron")).expect("valid");
        assert_eq!(
            slice_count(&plan, &options(1, 3)),
            3,
            "incident {i} is split"
        );
        for seed in [1, 2, 3] {
            // The slices agree, so the join is what `run` returns.
            let joined = run_in_slices(&plan, &options(seed, 3)).expect("joined");
            let whole = run(&plan, &options(seed, 1)).expect("runs");
            assert_eq!(json::render(&joined), json::render(&whole), "incident {i}");
            assert_split_is_whole(&plan, seed);
        }
    }
}

#[test]
fn slices_that_disagree_on_the_world_give_the_whole_result() {
    // A world server refused at creation (its vault is in another region)
    // is a refusal of its slice only: the slices disagree, and the run is
    // done whole.
    let text = world(INCIDENTS[0]).replace(
        r#"Server(name: "pg-10", region: "westeurope""#,
        r#"Server(name: "pg-10", region: "northeurope""#,
    );
    let plan = parse_str(&text, "refused.ron").expect("valid");
    assert_eq!(slice_count(&plan, &options(1, 3)), 3);
    assert!(run_in_slices(&plan, &options(1, 3)).is_none());
    let r = run(&plan, &options(1, 3)).expect("runs");
    assert_eq!(r.refused.len(), 1);
    assert_split_is_whole(&plan, 1);
}

#[test]
fn runs_whose_servers_can_affect_one_another_are_not_split() {
    let base = world(INCIDENTS[0]);
    // A server action, an alert, a runbook, a Single server, a timeline.
    let linked = [
        base.replace(
            "events: [",
            r#"events: [(at: "5h", do: RestoreServer(from: "pg-01", into: "copy")),"#,
        ),
        base.replace(
            "events: [",
            r#"alerts: [Alert(name: "a", on: KeyAccessFailure(server: "pg-01"))], events: ["#,
        ),
        base.replace(
            "events: [",
            r#"runbook: [(name: "s", on: At("5h"), do: RecoverVault(vault: "kv"))], events: ["#,
        ),
        base.replace(
            r#"Server(name: "pg-05", region: "westeurope","#,
            r#"Server(name: "pg-05", kind: Single, region: "westeurope","#,
        ),
    ];
    for (i, text) in linked.iter().enumerate() {
        let plan = parse_str(text, &format!("linked-{i}.ron")).expect("valid");
        assert_eq!(slice_count(&plan, &options(1, 3)), 1, "case {i}");
        assert_split_is_whole(&plan, 1);
    }
    let plan = parse_str(&base, "detailed.ron").expect("valid");
    let detailed = RunOptions {
        detailed: true,
        ..options(1, 3)
    };
    assert_eq!(slice_count(&plan, &detailed), 1);
    // One thread, or fewer servers than a thread is worth, is not split.
    assert_eq!(slice_count(&plan, &options(1, 1)), 1);
    let few = RunOptions {
        min_servers_per_thread: 7,
        ..options(1, 3)
    };
    assert_eq!(slice_count(&plan, &few), 1);
}

#[test]
fn every_catalog_scenario_gives_the_same_result_split_or_whole() {
    let mut files: Vec<_> = std::fs::read_dir("scenarios")
        .expect("scenarios/")
        .chain(std::fs::read_dir("tests/examples").expect("tests/examples/"))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    assert!(files.len() > 30);
    for file in files {
        let plan = load_file(&file).expect("catalog scenarios are valid");
        for seed in [1, 2] {
            assert_split_is_whole(&plan, seed);
        }
    }
}

/// The incidents above are only a test of the join if they reach windows,
/// unseen losses and data loss in more than one slice.
#[test]
fn the_split_incidents_reach_the_interesting_outcomes() {
    let outcomes: Vec<(usize, usize, usize)> = INCIDENTS
        .iter()
        .map(|events| {
            let plan = parse_str(&world(events), "incident.ron").expect("valid");
            let r = run_in_slices(&plan, &options(1, 3)).expect("joined");
            let denied = r.servers.iter().filter(|s| !s.windows.is_empty()).count();
            let unseen = r
                .servers
                .iter()
                .filter(|s| !s.unseen_losses.is_empty())
                .count();
            let lost = r
                .servers
                .iter()
                .filter(|s| s.data_lost_at_s.is_some())
                .count();
            (denied, unseen, lost)
        })
        .collect();
    // Every incident denies servers in every slice (at least pg-00, pg-04
    // and pg-08, one a slice).
    assert!(
        outcomes.iter().all(|&(denied, _, _)| denied >= 3),
        "{outcomes:?}"
    );
    assert!(
        outcomes.iter().any(|&(_, unseen, _)| unseen > 0),
        "{outcomes:?}"
    );
    assert!(
        outcomes.iter().any(|&(_, _, lost)| lost == 12),
        "{outcomes:?}"
    );
    // A refused world action is a step alike in every slice.
    let plan = parse_str(&world(INCIDENTS[5]), "refused-step.ron").expect("valid");
    let r = run_in_slices(&plan, &options(1, 3)).expect("joined");
    assert!(r
        .steps
        .iter()
        .any(|s| s.result == keyloss::result::Outcome::Refused));
}

/// A run without a timeline (a sweep's, a summarised fleet's) skips work
/// nobody reads, such as unwatched activity-log entries (R24), but reports
/// the same servers, steps, alerts and event count as a run with one.
#[test]
fn a_run_without_a_timeline_reports_what_a_detailed_run_does() {
    // Servers deleted while denying, before and after their control
    // plane turns Inaccessible, and one deleted in the very second it
    // would (R33: the deletion comes first).
    let deletions = [
        r#"(at: "3h20m", do: DeleteVault(vault: "kv")), (at: "3h30m", do: DeleteServer(server: "pg-01")),
           (at: "5h", do: DeleteServer(server: "pg-02")), (at: "5h", do: RecoverVault(vault: "kv"))"#,
        r#"(at: "1h", do: DeleteVault(vault: "kv")), (at: "1h15m", do: DeleteServer(server: "pg-03")),
           (at: "1h16m", do: DeleteServer(server: "pg-04")), (at: "1h17m", do: DeleteServer(server: "pg-05"))"#,
    ];
    let mut plans: Vec<Plan> = INCIDENTS
        .iter()
        .chain(&deletions)
        .enumerate()
        .map(|(i, e)| parse_str(&world(e), &format!("incident-{i}.ron")).expect("valid"))
        .collect();
    for dir in ["scenarios", "tests/examples"] {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("catalog folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "ron"))
            .collect();
        files.sort();
        plans.extend(files.iter().map(|f| load_file(f).expect("valid")));
    }
    for plan in &plans {
        for seed in [1, 2] {
            let quiet = run(plan, &options(seed, 1)).expect("runs");
            let detailed = RunOptions {
                detailed: true,
                ..options(seed, 1)
            };
            let mut full = run(plan, &detailed).expect("runs");
            assert!(quiet.timeline.is_empty());
            assert!(plan.file.events.is_empty() || !full.timeline.is_empty());
            full.timeline.clear();
            full.entities.clear();
            assert_eq!(
                json::render(&quiet),
                json::render(&full),
                "{} seed {seed}",
                plan.origin
            );
        }
    }
}
