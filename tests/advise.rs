//! `keyloss advise` finds the documented way back, proves it, and says why
//! when there is none (issue: runbook rehearsal, advise).

use keyloss::rehearsal::advise::{advise, Advice};
use keyloss::scenario::{load_file, parse_str};

fn advice_for(path: &str, at_s: Option<u64>) -> Advice {
    let plan = load_file(std::path::Path::new(path)).expect("scenario loads");
    advise(&plan, None, at_s).expect("advice")
}

fn best_actions(a: &Advice, server: &str) -> Vec<String> {
    let s = a
        .servers
        .iter()
        .find(|s| s.server == server)
        .expect("server advised");
    s.best.as_ref().expect("a way back").actions.clone()
}

#[test]
fn recovered_vault_under_rbac_needs_the_role_again() {
    let a = advice_for("tests/examples/e3-vault-recovered-role-lost.ron", None);
    assert_eq!(a.at_s, 4140, "advice starts when the window opens");
    assert_eq!(
        best_actions(&a, "pg"),
        vec![
            "RecoverVault(vault: \"kv\")".to_string(),
            "AssignRole(identity: \"id\", vault: \"kv\", role: CryptoServiceEncryptionUser)"
                .to_string(),
        ]
    );
    let best = a.servers[0].best.as_ref().unwrap();
    // recover_after is Fixed(40m) in e3: Available 40 minutes after the actions.
    assert_eq!(best.expected_s, Some(2400));
    assert_eq!(best.simulated_available_at_s, Some(4141 + 2400));
}

#[test]
fn a_deleted_identity_is_recovered_and_the_wait_is_about_an_hour() {
    let a = advice_for("tests/examples/e2-identity-recreated.ron", None);
    assert_eq!(
        best_actions(&a, "pg"),
        vec!["RecoverIdentity(identity: \"id\")".to_string()]
    );
    let best = a.servers[0].best.as_ref().unwrap();
    assert_eq!(best.wait.as_deref(), Some("identity_revalidate_after"));
    assert_eq!(best.expected_s, Some(55 * 60));
}

#[test]
fn an_identity_deleted_for_good_is_replaced_granted_and_repointed() {
    let text = r#"Scenario(name: "gone", seed: 1, horizon: "1d",
        timing: Timing(key_check_phase: Fixed("0s"), identity_recoverable: false,
                       identity_revalidate_after: Fixed("1h")),
        world: World(
            identities: [Identity(name: "id", region: "r")],
            vaults: [Vault(name: "kv", region: "r", keys: [Key(name: "k")])],
            grants: [Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)],
            servers: [Server(name: "pg", region: "r", workload: Workload(every: None),
                encryption: CustomerManaged(key: "kv/k", identity: "id"))]),
        events: [(at: "1h", do: DeleteIdentity(identity: "id"))])"#;
    let plan = parse_str(text, "gone.ron").unwrap();
    let a = advise(&plan, None, None).unwrap();
    assert_eq!(
        best_actions(&a, "pg"),
        vec![
            "CreateIdentity(identity: \"id\", region: \"r\")".to_string(),
            "AssignRole(identity: \"id\", vault: \"kv\", role: CryptoServiceEncryptionUser)"
                .to_string(),
            "UpdateServerIdentity(server: \"pg\", identity: \"id\")".to_string(),
        ]
    );
}

#[test]
fn an_expired_version_is_extended_rather_than_rotated_and_repointed() {
    let a = advice_for("tests/examples/e1-rotation-without-update.ron", None);
    let actions = best_actions(&a, "pg");
    assert_eq!(
        actions,
        vec!["SetKeyExpiry(vault: \"kv\", key: \"k\", version: 1, expires_at: None)".to_string()]
    );
    let others = &a.servers[0].alternatives;
    assert!(
        others
            .iter()
            .any(|p| p.actions.iter().any(|x| x.starts_with("RotateKey"))),
        "rotating and re-pointing is the other way back: {others:?}"
    );
}

#[test]
fn a_single_copy_gets_its_identity_a_grant_and_a_revalidation() {
    let a = advice_for("scenarios/26-single-server-restore.ron", None);
    let actions = best_actions(&a, "pg-copy");
    assert_eq!(actions.len(), 3, "{actions:?}");
    assert!(actions[0].starts_with("UpdateServerIdentity(server: \"pg-copy\""));
    assert!(actions[1].starts_with("SetAccessPolicy(identity: \"pg-copy\""));
    assert_eq!(actions[2], "Revalidate(server: \"pg-copy\")");
}

#[test]
fn a_purged_key_with_a_backup_is_restored_from_it() {
    let a = advice_for(
        "scenarios/27-key-purged-backup-restored.ron",
        Some(8 * 86_400),
    );
    assert_eq!(
        best_actions(&a, "pg-prod"),
        vec!["RestoreKeyBackup(vault: \"kv-prod\", key: \"pg-cmk\")".to_string()]
    );
}

#[test]
fn after_the_purge_without_backup_there_is_no_way_back_and_it_says_why() {
    let a = advice_for(
        "tests/examples/e5-key-purged-data-lost.ron",
        Some(9 * 86_400),
    );
    let s = &a.servers[0];
    assert!(s.best.is_none());
    let why = s.no_path.as_deref().unwrap();
    assert!(
        why.contains("lost for good") && why.contains("purged"),
        "{why}"
    );
}

#[test]
fn every_recoverable_catalog_window_gets_a_proven_way_back() {
    let mut files: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    for f in files {
        let plan = load_file(&f).unwrap();
        let a = advise(&plan, None, None).unwrap();
        for s in &a.servers {
            let best = s.best.as_ref().unwrap_or_else(|| {
                panic!(
                    "{}: {} has no way back: {:?}",
                    f.display(),
                    s.server,
                    s.no_path
                )
            });
            let proven = best.simulated_available_at_s.expect("proven by simulation");
            assert!(
                proven > a.at_s,
                "{}: Available after the advice",
                f.display()
            );
        }
    }
}

/// A fleet's members share their causes, so one simulation of each path
/// answers for all of them; each still gets its own numbers from it. T is
/// the first denial (3h20m, 12,000 s, for a member whose check falls
/// then); the advice acts at T + 1. A member already denying is Available
/// its own `recover_after` later (mean 30 min); one whose check has not
/// come yet never denies (R21): back at once.
#[test]
fn every_member_of_a_fleet_gets_the_path_and_its_own_simulated_end() {
    let a = advice_for("scenarios/fleets/vault-deleted-10k.ron", None);
    assert_eq!(a.at_s, 12_000);
    assert_eq!(a.servers.len(), 10_000);
    let t = a.at_s + 1;
    let mut denying_ends = std::collections::BTreeSet::new();
    let mut unseen = 0;
    for s in &a.servers {
        assert_eq!(s.causes, vec!["VaultSoftDeleted (kv-prod)".to_string()]);
        let best = s.best.as_ref().expect("a way back");
        assert_eq!(
            best.actions,
            vec!["RecoverVault(vault: \"kv-prod\")".to_string()]
        );
        let end = best.simulated_available_at_s.expect("simulated");
        match best.expected_s {
            Some(0) => {
                assert_eq!(end, t, "{}", s.server);
                unseen += 1;
            }
            Some(1800) => {
                assert!((t..=t + 3600).contains(&end), "{}: {end}", s.server);
                denying_ends.insert(end);
            }
            other => panic!("{}: {other:?}", s.server),
        }
    }
    // About one member in 600 checks its key in the very second of T.
    assert!(unseen > 9_900, "{unseen} not yet denying");
    assert!(
        denying_ends.len() > 1,
        "each member's own wait: {denying_ends:?}"
    );
}

/// The text tells servers with the same advice together, with the range
/// of their simulated ends, writing `<each server>` where an action names
/// the server itself; JSON keeps every server apart.
#[test]
fn the_text_tells_a_fleet_with_the_same_advice_together() {
    let a = advice_for("scenarios/fleets/vault-deleted-10k.ron", None);
    let text = keyloss::rehearsal::advise::render_text(&a);
    let sizes: Vec<usize> = text
        .lines()
        .filter_map(|l| {
            l.split(" servers, the same advice)")
                .next()?
                .rsplit('(')
                .next()
        })
        .filter_map(|n| n.parse().ok())
        .collect();
    // Members already denying at T, and those whose check had not come yet.
    assert_eq!(sizes.len(), 2, "{text}");
    assert_eq!(sizes.iter().sum::<usize>(), 10_000);
    assert!(text.contains("each is Available between"), "{text}");
    assert!(text.lines().count() < 20, "{text}");

    // Two servers whose identity is gone for good: the same three steps,
    // the last naming each server; a third on another identity is alone.
    let text = r#"Scenario(name: "three", seed: 1, horizon: "1d",
        timing: Timing(key_check_phase: Fixed("0s"), identity_recoverable: false),
        world: World(
            identities: [Identity(name: "id", region: "r"), Identity(name: "id2", region: "r")],
            vaults: [Vault(name: "kv", region: "r", keys: [Key(name: "k")])],
            grants: [Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser),
                     Role(identity: "id2", vault: "kv", role: CryptoServiceEncryptionUser)],
            servers: [
                Server(name: "pg-a", region: "r", encryption: CustomerManaged(key: "kv/k", identity: "id")),
                Server(name: "pg-b", region: "r", encryption: CustomerManaged(key: "kv/k", identity: "id")),
                Server(name: "pg-c", region: "r", encryption: CustomerManaged(key: "kv/k", identity: "id2")),
            ]),
        events: [(at: "1h", do: DeleteIdentity(identity: "id")), (at: "1h", do: DeleteIdentity(identity: "id2"))])"#;
    let plan = parse_str(text, "three.ron").unwrap();
    let a = advise(&plan, None, None).unwrap();
    assert_eq!(a.servers.len(), 3);
    let out = keyloss::rehearsal::advise::render_text(&a);
    assert!(
        out.contains(
            "\n  pg-a, pg-b (2 servers, the same advice): no key access (IdentityDeleted (id))"
        ),
        "{out}"
    );
    assert!(
        out.contains("UpdateServerIdentity(server: <each server>, identity: \"id\")"),
        "{out}"
    );
    assert!(
        out.contains("\n  pg-c: no key access (IdentityDeleted (id2))"),
        "{out}"
    );
    assert!(
        out.contains("UpdateServerIdentity(server: \"pg-c\", identity: \"id2\")"),
        "{out}"
    );
}
