//! R30, R31, R33: what a window reports, data loss, and the order of
//! things within one second.
//!
//! Timings are `common::PINNED`: checks on multiples of 600 s, control
//! plane 30 min after the loss, `recover_after` 20 min.

mod common;

use common::{cause_names, server, srv, step_runs, unseen, windows, Scenario};

const RETENTION_7: &str =
    r#"Vault(name: "kv", region: "westeurope", retention_days: 7, keys: [Key(name: "k")])"#;

// ---- R30 windows -------------------------------------------------------------------

#[test]
fn window_reports_its_times_trigger_and_recovery_path() {
    // Disabled at 3900 by "ops", enabled at 7200 by "oncall": denied
    // 4200–8400, control plane 5700–8400, access back at 7200.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k"), by: "ops"),
            (at: "2h", do: EnableKey(vault: "kv", key: "k"), by: "oncall"),
            "#,
        )
        .run();
    let w = &srv(&r, "pg").windows[0];
    assert_eq!(w.lost_at_s, 3900);
    assert_eq!((w.denied_from_s, w.denied_until_s), (4200, Some(8400)));
    assert_eq!(
        (w.inaccessible_from_s, w.inaccessible_until_s),
        (Some(5700), Some(8400))
    );
    assert_eq!(w.duration_s, 4200);
    assert_eq!(w.access_restored_at_s, Some(7200));
    assert!(
        w.trigger.contains("DisableKey") && w.trigger.contains("ops"),
        "trigger {:?}",
        w.trigger
    );
    let (fix, wait) = match w.recovery.as_slice() {
        [.., fix, wait] => (fix, wait),
        other => panic!("recovery path too short: {other:?}"),
    };
    assert_eq!(
        (fix.at_s, fix.kind.name(), &*fix.by),
        (7200, "action", "oncall")
    );
    assert!(fix.what.contains("EnableKey"), "{:?}", fix.what);
    assert_eq!(
        (wait.at_s, wait.kind.name(), wait.wait_s),
        (7200, "wait", Some(1200))
    );
}

#[test]
fn recovery_path_ends_with_the_action_that_made_key_access_true() {
    // Recovered vault at 5000 (still GrantMissing), role at 6000: the last
    // action of the path is the role assignment, then the 20-min wait.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: DeleteVault(vault: "kv")),
            (at: "5000s", do: RecoverVault(vault: "kv")),
            (at: "6000s", do: AssignRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser), by: "oncall"),
            "#,
        )
        .run();
    let w = &srv(&r, "pg").windows[0];
    let kinds: Vec<(&str, u64)> = w.recovery.iter().map(|s| (s.kind.name(), s.at_s)).collect();
    assert_eq!(kinds.last(), Some(&("wait", 6000)), "{kinds:?}");
    let fix = &w.recovery[w.recovery.len() - 2];
    assert_eq!((fix.at_s, fix.kind.name()), (6000, "action"));
    assert!(fix.what.contains("AssignRole"), "{:?}", fix.what);
}

#[test]
fn open_window_lasts_to_the_horizon() {
    let r = Scenario::standard()
        .horizon("2h")
        .events(r#"(at: "1h5m", do: DisableKey(vault: "kv", key: "k"))"#)
        .run();
    let w = &srv(&r, "pg").windows[0];
    assert_eq!((w.denied_until_s, w.inaccessible_until_s), (None, None));
    assert_eq!(w.access_restored_at_s, None);
    assert_eq!(w.duration_s, 7200 - 4200);
}

#[test]
fn causes_are_those_at_the_end_of_the_loss_second() {
    // Two changes at 3900 are both causes; a third at 3901 is not.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "3900s", do: DisableKey(vault: "kv", key: "k")),
            (at: "3900s", do: DeleteIdentity(identity: "id")),
            (at: "3901s", do: RemoveRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)),
            "#,
        )
        .run();
    let w = &srv(&r, "pg").windows[0];
    assert_eq!(cause_names(&w.causes), ["IdentityDeleted", "KeyDisabled"]);
}

#[test]
fn deny_intervals_are_half_open() {
    // [denial, Available): denying at 4200, accepting again at 8400.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            (at: "2h", do: EnableKey(vault: "kv", key: "k")),
            "#,
        )
        .expect(
            r#"AvailableAt(server: "pg", at: "4199s"), InaccessibleAt(server: "pg", at: "4200s"),
               InaccessibleAt(server: "pg", at: "8399s"), AvailableAt(server: "pg", at: "8400s"),
               Inaccessible(server: "pg", at_most: "70m")"#,
        )
        .run();
    assert!(r.all_passed(), "{:?}", common::failed_expectations(&r));
}

// ---- R31 data loss -----------------------------------------------------------------

#[test]
fn data_is_lost_when_the_only_key_version_is_purged() {
    // Soft-deleted at 3900 (not a loss of data yet); purged at 608700.
    let r = Scenario::standard()
        .horizon("8d")
        .vaults(RETENTION_7)
        .events(r#"(at: "1h5m", do: DeleteKey(vault: "kv", key: "k"))"#)
        .expect(r#"DataLost(server: "pg")"#)
        .run();
    let pg = srv(&r, "pg");
    assert_eq!(pg.data_lost_at_s, Some(608700));
    assert!(pg.data_lost_reason.is_some());
    assert!(r.all_passed(), "{:?}", common::failed_expectations(&r));
}

#[test]
fn a_key_backup_keeps_the_data() {
    // Same purge, but a backup holds version 1.
    let r = Scenario::standard()
        .horizon("8d")
        .vaults(r#"Vault(name: "kv", region: "westeurope", retention_days: 7, keys: [Key(name: "k", backed_up: true)])"#)
        .events(r#"(at: "1h5m", do: DeleteKey(vault: "kv", key: "k"))"#)
        .expect("NoDataLoss")
        .run();
    assert_eq!(srv(&r, "pg").data_lost_at_s, None);
    assert_eq!(
        windows(&r, "pg"),
        ["3900 4200 open 5700 open KeySoftDeleted"]
    );
    assert!(r.all_passed(), "{:?}", common::failed_expectations(&r));
}

#[test]
fn a_live_geo_backup_key_keeps_the_data() {
    let r = Scenario::geo()
        .horizon("8d")
        .events(r#"(at: "1h5m", do: DeleteKey(vault: "kv", key: "k"))"#)
        .run();
    assert_eq!(srv(&r, "pg").data_lost_at_s, None);
}

#[test]
fn data_is_lost_when_the_geo_backup_key_is_purged_too() {
    // Primary purged at 608700, geo key (deleted at 4000) at 608800.
    let r = Scenario::geo()
        .horizon("8d")
        .events(
            r#"
            (at: "1h5m", do: DeleteKey(vault: "kv", key: "k")),
            (at: "4000s", do: DeleteKey(vault: "kvg", key: "kg")),
            "#,
        )
        .run();
    assert_eq!(srv(&r, "pg").data_lost_at_s, Some(608800));
}

#[test]
fn restored_server_keeps_its_data_while_its_own_key_lives() {
    // pg2 is restored from pg at 1000 onto kv2/k2/1; it also needs pg's
    // version kv/k/1 (R38). kv/k is deleted at 3900: pg2 denies at its
    // check 4000 (created at 1000), and at the purge (608700) pg loses its
    // data, pg2 does not: one version it depends on still lives.
    let r = Scenario::standard()
        .horizon("8d")
        .vaults(&format!(
            r#"{RETENTION_7}, Vault(name: "kv2", region: "westeurope", keys: [Key(name: "k2")])"#
        ))
        .grants(
            r#"Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser),
               Role(identity: "id", vault: "kv2", role: CryptoServiceEncryptionUser)"#,
        )
        .events(
            r#"
            (at: "1000s", do: RestoreServer(from: "pg", into: "pg2", encryption: CustomerManaged(key: "kv2/k2/1", identity: "id"))),
            (at: "1h5m", do: DeleteKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(
        windows(&r, "pg2"),
        ["3900 4000 open 5700 open KeySoftDeleted"]
    );
    assert_eq!(srv(&r, "pg").data_lost_at_s, Some(608700));
    assert_eq!(srv(&r, "pg2").data_lost_at_s, None);
}

// ---- R33 ordering within a second ------------------------------------------------------

#[test]
fn expiry_applies_before_the_scripted_events_of_its_second() {
    // k2 expires at 3600: a server created on it at 3599 is accepted (and
    // loses access at 3600, seen at its check 3599 + 600 = 4199); one
    // created at 3600 is refused.
    let r = Scenario::standard()
        .vaults(r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k"), Key(name: "k2", expires_after: "1h")])"#)
        .events(&format!(
            r#"
            (at: "3599s", name: "before", do: CreateServer({})),
            (at: "3600s", name: "at expiry", do: CreateServer({})),
            "#,
            server("early", "kv/k2/1"),
            server("late", "kv/k2/1")
        ))
        .run();
    assert_eq!(step_runs(&r, "before"), ["3599 Ok"]);
    assert_eq!(step_runs(&r, "at expiry"), ["3600 Refused(KeyExpired)"]);
    assert_eq!(
        windows(&r, "early"),
        ["3600 4199 open 5400 open KeyExpired"]
    );
}

#[test]
fn scripted_events_run_in_file_order() {
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h", name: "delete", do: DeleteKey(vault: "kv", key: "k")),
            (at: "1h", name: "recover", do: RecoverKey(vault: "kv", key: "k")),
            (at: "2h", name: "recover first", do: RecoverKey(vault: "kv", key: "k")),
            (at: "2h", name: "delete second", do: DeleteKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "delete"), ["3600 Ok"]);
    assert_eq!(step_runs(&r, "recover"), ["3600 Ok"]);
    assert_eq!(
        step_runs(&r, "recover first"),
        ["7200 Refused(KeyNotDeleted)"]
    );
    assert_eq!(step_runs(&r, "delete second"), ["7200 Ok"]);
}

#[test]
fn scripted_events_run_before_runbook_steps_of_the_same_second() {
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h", name: "scripted delete", do: DeleteKey(vault: "kv", key: "k")),
            (at: "2h", name: "scripted recover", do: RecoverKey(vault: "kv", key: "k")),
            "#,
        )
        .runbook(
            r#"
            (name: "runbook recover", on: At("1h"), do: RecoverKey(vault: "kv", key: "k")),
            (name: "runbook delete", on: At("2h"), do: DeleteKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "scripted delete"), ["3600 Ok"]);
    assert_eq!(step_runs(&r, "runbook recover"), ["3600 Ok"]);
    assert_eq!(
        step_runs(&r, "scripted recover"),
        ["7200 Refused(KeyNotDeleted)"]
    );
    assert_eq!(step_runs(&r, "runbook delete"), ["7200 Ok"]);
}

#[test]
fn runbook_steps_of_the_same_second_run_in_file_order() {
    let r = Scenario::standard()
        .runbook(
            r#"
            (name: "recover", on: At("1h"), do: RecoverKey(vault: "kv", key: "k")),
            (name: "delete", on: At("1h"), do: DeleteKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "recover"), ["3600 Refused(KeyNotDeleted)"]);
    assert_eq!(step_runs(&r, "delete"), ["3600 Ok"]);
}

#[test]
fn a_move_comes_before_the_key_check_of_its_second() {
    // Rotated at 3000: the versionless server moves at 3600, a check
    // second. Version 1 is disabled at 3300; the move ends the loss before
    // the check looks, so it goes unseen.
    let r = Scenario::standard()
        .servers(&server("pg", "kv/k"))
        .events(
            r#"
            (at: "3000s", do: RotateKey(vault: "kv", key: "k")),
            (at: "3300s", do: DisableKey(vault: "kv", key: "k", version: 1)),
            "#,
        )
        .run();
    assert_eq!(unseen(&r, "pg"), ["3300 3600 KeyDisabled"]);
    assert!(windows(&r, "pg").is_empty(), "{:?}", windows(&r, "pg"));
}

#[test]
fn scripted_events_come_before_the_service_purge_of_their_second() {
    // The key deleted at 3600 is due for purge at 3600 + 7 d = 608400; a
    // recovery scripted in that very second comes first (R33), so nothing
    // is purged and access is back at 608400, Available 20 min later.
    let r = Scenario::standard()
        .horizon("8d")
        .vaults(RETENTION_7)
        .events(
            r#"
            (at: "1h", do: DeleteKey(vault: "kv", key: "k")),
            (at: "608400s", name: "recover", do: RecoverKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "recover"), ["608400 Ok"]);
    assert_eq!(srv(&r, "pg").data_lost_at_s, None);
    assert_eq!(
        windows(&r, "pg"),
        ["3600 3600 609600 5400 609600 KeySoftDeleted"]
    );
}
