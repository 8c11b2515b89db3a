//! R20–R27: detection, unseen losses, regaining access, resource health,
//! the activity log, alerts, retention and runbooks.
//!
//! Timings are `common::PINNED` unless a test says otherwise: key checks on
//! multiples of 600 s, `inaccessible_after` 30 min, `recover_after` 20 min,
//! `identity_revalidate_after` 1 h, activity log 15 min, alert notice 5 min.

mod common;

use common::{alerts, server, srv, step_runs, unseen, windows, Scenario};
use keyloss::model::RunOptions;
use keyloss::result::FailedChecks;

/// Disabled at 3900 and enabled at `enable_at` (seconds), or never.
fn disabled(enable_at: Option<u64>) -> Scenario {
    let mut events = r#"(at: "1h5m", do: DisableKey(vault: "kv", key: "k")),"#.to_string();
    if let Some(t) = enable_at {
        events.push_str(&format!(
            r#"(at: "{t}s", do: EnableKey(vault: "kv", key: "k")),"#
        ));
    }
    Scenario::standard().events(&events)
}

const RETENTION_7: &str =
    r#"Vault(name: "kv", region: "westeurope", retention_days: 7, keys: [Key(name: "k")])"#;

/// A server like `common::server` with client traffic every minute.
fn busy_server(name: &str) -> String {
    format!(
        r#"Server(name: "{name}", region: "westeurope", workload: Workload(every: "1m"), encryption: CustomerManaged(key: "kv/k/1", identity: "id"))"#
    )
}

// ---- R20 losing access ---------------------------------------------------------------

#[test]
fn denial_begins_at_the_first_check_at_or_after_the_loss() {
    // Phase 4 min: checks at 240 + 600k, so 3840, 4440; loss at 3900.
    let r = disabled(None)
        .pin("key_check_phase", r#"Fixed("4m")"#)
        .run();
    assert_eq!(windows(&r, "pg"), ["3900 4440 open 5700 open KeyDisabled"]);
}

#[test]
fn a_check_in_the_loss_second_denies_at_once() {
    // R20 "at or after", R33: scripted events come before that second's check.
    let r = Scenario::standard()
        .events(r#"(at: "1h", do: DisableKey(vault: "kv", key: "k"))"#)
        .run();
    assert_eq!(windows(&r, "pg"), ["3600 3600 open 5400 open KeyDisabled"]);
}

#[test]
fn checks_fall_at_creation_plus_phase_plus_multiples_of_the_cadence() {
    // pg2 is created at 1000: its checks are at 1000 + 600k, so 4000.
    let r = Scenario::standard()
        .events(&format!(
            r#"
            (at: "1000s", do: CreateServer({})),
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            "#,
            server("pg2", "kv/k/1")
        ))
        .run();
    assert_eq!(windows(&r, "pg"), ["3900 4200 open 5700 open KeyDisabled"]);
    assert_eq!(windows(&r, "pg2"), ["3900 4000 open 5700 open KeyDisabled"]);
}

#[test]
fn key_check_every_sets_the_cadence() {
    // Every 5 min: a loss at 4250 is seen at 4500 (it would be 4800).
    let r = Scenario::standard()
        .timing_extra(r#"key_check_every: "5m""#)
        .events(r#"(at: "4250s", do: DisableKey(vault: "kv", key: "k"))"#)
        .run();
    assert_eq!(windows(&r, "pg"), ["4250 4500 open 6050 open KeyDisabled"]);
}

#[test]
fn control_plane_turns_inaccessible_at_the_later_of_draw_and_denial() {
    // inaccessible_after 1 min: max(3900 + 60, 4200) = 4200.
    let r = disabled(None)
        .pin("inaccessible_after", r#"Fixed("1m")"#)
        .run();
    assert_eq!(windows(&r, "pg"), ["3900 4200 open 4200 open KeyDisabled"]);
}

#[test]
fn no_control_plane_interval_when_available_comes_first() {
    // inaccessible_after 1 h (due 7500); access back at 4300, Available at
    // 5500: the control plane never shows Inaccessible.
    let r = disabled(Some(4300))
        .pin("inaccessible_after", r#"Fixed("1h")"#)
        .run();
    assert_eq!(windows(&r, "pg"), ["3900 4200 5500 - - KeyDisabled"]);
}

// ---- R21 unseen losses ---------------------------------------------------------------

#[test]
fn loss_between_two_checks_goes_unseen() {
    // Checks at 3600 and 4200; the grant is missing 3700–4100.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "3700s", do: RemoveRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)),
            (at: "4100s", do: AssignRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)),
            "#,
        )
        .run();
    assert_eq!(unseen(&r, "pg"), ["3700 4100 GrantMissing"]);
    assert!(windows(&r, "pg").is_empty(), "{:?}", windows(&r, "pg"));
}

#[test]
fn access_back_in_the_check_second_is_still_unseen() {
    // R33: the scripted EnableKey at 4200 comes before the check at 4200.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "3700s", do: DisableKey(vault: "kv", key: "k")),
            (at: "4200s", do: EnableKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(unseen(&r, "pg"), ["3700 4200 KeyDisabled"]);
    assert!(windows(&r, "pg").is_empty(), "{:?}", windows(&r, "pg"));
}

// ---- R22 regaining access ------------------------------------------------------------

#[test]
fn recover_after_follows_access_coming_back() {
    // Access back at 7200; recover_after 20 min: Available at 8400.
    let r = disabled(Some(7200)).run();
    assert_eq!(windows(&r, "pg"), ["3900 4200 8400 5700 8400 KeyDisabled"]);
    let w = &srv(&r, "pg").windows[0];
    assert_eq!(w.access_restored_at_s, Some(7200));
}

#[test]
fn identity_cause_at_any_time_in_the_window_makes_the_wait_an_hour() {
    // The window starts with KeyDisabled only; the identity is detached at
    // 4500 and re-attached at 5500 (the last fix): 5500 + 1 h = 9100.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            (at: "4500s", do: DetachIdentity(server: "pg")),
            (at: "5000s", do: EnableKey(vault: "kv", key: "k")),
            (at: "5500s", do: UpdateServerIdentity(server: "pg", identity: "id")),
            "#,
        )
        .run();
    assert_eq!(windows(&r, "pg"), ["3900 4200 9100 5700 9100 KeyDisabled"]);
}

#[test]
fn access_lost_again_during_the_wait_continues_the_same_window() {
    // Back at 5000 (Available due 6200), lost again at 5500, back at 6000:
    // one window, Available at 6000 + 20 min = 7200.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            (at: "5000s", do: EnableKey(vault: "kv", key: "k")),
            (at: "5500s", do: DisableKey(vault: "kv", key: "k")),
            (at: "6000s", do: EnableKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(windows(&r, "pg"), ["3900 4200 7200 5700 7200 KeyDisabled"]);
    assert_eq!(srv(&r, "pg").windows[0].access_restored_at_s, Some(6000));
}

#[test]
fn revalidate_without_key_access_or_on_an_available_server_changes_nothing() {
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1000s", name: "while available", do: Revalidate(server: "pg")),
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            (at: "4500s", name: "while lost", do: Revalidate(server: "pg")),
            (at: "5000s", do: EnableKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "while available"), ["1000 NoChange"]);
    assert_eq!(step_runs(&r, "while lost"), ["4500 NoChange"]);
    assert_eq!(windows(&r, "pg"), ["3900 4200 6200 5700 6200 KeyDisabled"]);
}

#[test]
fn sending_the_same_key_or_identity_again_is_accepted_as_a_revalidation() {
    // R22, R37: accepted, never refused; nothing changes on an Available
    // server, nor while key access is false.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1000s", name: "same key", do: UpdateServerKey(server: "pg", key: "kv/k/1")),
            (at: "1000s", name: "same identity", do: UpdateServerIdentity(server: "pg", identity: "id")),
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            (at: "4500s", name: "same key while lost", do: UpdateServerKey(server: "pg", key: "kv/k/1")),
            (at: "5000s", do: EnableKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "same key"), ["1000 NoChange"]);
    assert_eq!(step_runs(&r, "same identity"), ["1000 NoChange"]);
    assert_eq!(step_runs(&r, "same key while lost"), ["4500 NoChange"]);
    assert_eq!(windows(&r, "pg"), ["3900 4200 6200 5700 6200 KeyDisabled"]);
}

#[test]
fn revalidate_during_the_wait_can_only_bring_available_forward() {
    // R22: end = min(end, t2 + fresh draw). recover_after is drawn here, so
    // compare, seed by seed, a runbook that does nothing with one that
    // revalidates at 5400, 400 s into the wait (R32: same incident).
    let scenario = Scenario::standard()
        .pin("recover_after", r#"Uniform("0s", "2h")"#)
        .events(
            r#"
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            (at: "5000s", do: EnableKey(vault: "kv", key: "k")),
            "#,
        )
        .runbooks(
            r#"("idle", []),
               ("revalidate", [(name: "reval", on: At("1h30m"), do: Revalidate(server: "pg"))])"#,
        );
    let mut shortened = 0;
    for seed in 0..40 {
        let end = |runbook: &str| {
            let r = scenario.run_with(RunOptions {
                seed: Some(seed),
                runbook: Some(runbook.into()),
                detailed: true,
                ..RunOptions::default()
            });
            let w = srv(&r, "pg").windows[0].clone();
            (w.denied_until_s.expect("closed"), w)
        };
        let (idle, _) = end("idle");
        let (reval, w) = end("revalidate");
        assert!((5000..=5000 + 7200).contains(&idle), "seed {seed}: {idle}");
        if idle <= 5400 {
            assert_eq!(
                reval, idle,
                "seed {seed}: Available before the revalidation"
            );
            continue;
        }
        assert!(reval <= idle, "seed {seed}: {reval} > {idle}");
        assert!(reval >= 5400, "seed {seed}: {reval}");
        if reval < idle {
            shortened += 1;
            let step = w
                .recovery
                .iter()
                .find(|s| s.kind == "revalidate")
                .expect("a revalidate step in the recovery path");
            assert_eq!((step.at_s, step.wait_s), (5400, Some(reval - 5400)));
        }
    }
    assert!(shortened > 0, "no seed out of 40 shortened the wait");
}

// ---- R23 resource health ------------------------------------------------------------

#[test]
fn resource_health_shows_inaccessible_only_with_client_traffic() {
    // Both servers deny 4200–8400; only the busy one has a refused attempt.
    let r = disabled(Some(7200))
        .servers(&format!(
            "{}, {}",
            busy_server("busy"),
            server("quiet", "kv/k/1")
        ))
        .run();
    assert_eq!(
        windows(&r, "busy"),
        ["3900 4200 8400 5700 8400 KeyDisabled"]
    );
    assert_eq!(
        windows(&r, "quiet"),
        ["3900 4200 8400 5700 8400 KeyDisabled"]
    );
    let busy = &srv(&r, "busy").windows[0];
    let from = busy.health_from_s.expect("a refused connection attempt");
    assert!((4200..8400).contains(&from), "health from {from}");
    assert_eq!(busy.health_until_s, Some(8400));
    let quiet = &srv(&r, "quiet").windows[0];
    assert_eq!((quiet.health_from_s, quiet.health_until_s), (None, None));
}

// ---- R24 activity log: failed checks -------------------------------------------------

fn failed_checks(s: &Scenario) -> FailedChecks {
    let r = s.run();
    let w = &srv(&r, "pg").windows;
    assert_eq!(w.len(), 1, "{:?}", windows(&r, "pg"));
    w[0].failed_checks.clone()
}

#[test]
fn failed_checks_are_one_record_with_first_last_and_count() {
    // Key access false 3900–7200: checks 4200, 4800, 5400, 6000, 6600.
    let fc = failed_checks(&disabled(Some(7200)));
    assert_eq!((fc.first_s, fc.last_s, fc.count), (4200, 6600, 5));
}

#[test]
fn failed_checks_count_only_while_key_access_is_false() {
    // False 3900–5000 (4200, 4800) and 5500–6500 (6000); the check at 5400
    // falls in the wait and passes.
    let s = Scenario::standard().events(
        r#"
        (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
        (at: "5000s", do: EnableKey(vault: "kv", key: "k")),
        (at: "5500s", do: DisableKey(vault: "kv", key: "k")),
        (at: "6500s", do: EnableKey(vault: "kv", key: "k")),
        "#,
    );
    let fc = failed_checks(&s);
    assert_eq!((fc.first_s, fc.last_s, fc.count), (4200, 6000, 3));
}

#[test]
fn failed_checks_of_an_open_window_stop_at_the_horizon() {
    // Horizon 2 h: 4200, 4800, 5400, 6000, 6600 (7200 is not in the run).
    let fc = failed_checks(&disabled(None).horizon("2h"));
    assert_eq!((fc.first_s, fc.last_s, fc.count), (4200, 6600, 5));
}

// ---- R25 alerts ---------------------------------------------------------------------

#[test]
fn key_access_failure_fires_when_the_first_failed_check_appears_in_the_log() {
    // Two windows: first checks 4200 and 10200; entries 15 min later; the
    // notices 5 min after that.
    let r = Scenario::standard()
        .alerts(r#"Alert(name: "kaf", on: KeyAccessFailure(server: "pg"))"#)
        .events(
            r#"
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            (at: "5000s", do: EnableKey(vault: "kv", key: "k")),
            (at: "10000s", do: DisableKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(windows(&r, "pg").len(), 2);
    assert_eq!(alerts(&r), ["kaf 5100 5400", "kaf 11100 11400"]);
}

#[test]
fn resource_health_alert_fires_once_per_window() {
    let r = Scenario::standard()
        .servers(&busy_server("pg"))
        .alerts(r#"Alert(name: "rh", on: ResourceHealth(server: "pg"))"#)
        .events(
            r#"
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            (at: "7200s", do: EnableKey(vault: "kv", key: "k")),
            (at: "10000s", do: DisableKey(vault: "kv", key: "k")),
            (at: "14000s", do: EnableKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    let health: Vec<u64> = srv(&r, "pg")
        .windows
        .iter()
        .map(|w| w.health_from_s.expect("traffic every minute"))
        .collect();
    assert_eq!(health.len(), 2);
    let fired: Vec<(u64, u64)> = r
        .alerts
        .iter()
        .map(|a| (a.fired_at_s, a.notified_at_s))
        .collect();
    assert_eq!(
        fired,
        health.iter().map(|&h| (h, h + 300)).collect::<Vec<_>>()
    );
}

#[test]
fn near_expiry_fires_before_the_expiry() {
    // k expires at 40 d: default notice 30 d before, 864000. k2 expires at
    // 3 d with a 1-day notice: 172800.
    let r = Scenario::standard()
        .horizon("11d")
        .vaults(
            r#"Vault(name: "kv", region: "westeurope", keys: [
                Key(name: "k", expires_after: "40d"),
                Key(name: "k2", expires_after: "3d"),
            ])"#,
        )
        .alerts(
            r#"Alert(name: "ne", on: NearExpiry(vault: "kv", key: "k")),
               Alert(name: "ne2", on: NearExpiry(vault: "kv", key: "k2", before: "1d"))"#,
        )
        .run();
    assert_eq!(alerts(&r), ["ne2 172800 173100", "ne 864000 864300"]);
}

#[test]
fn near_expiry_fires_when_the_expiry_is_set_inside_the_notice() {
    // Expiry set at 1 d to 10 d: max(10 d - 30 d, 1 d) = 86400.
    let r = Scenario::standard()
        .horizon("2d")
        .alerts(r#"Alert(name: "ne", on: NearExpiry(vault: "kv", key: "k"))"#)
        .events(
            r#"(at: "1d", do: SetKeyExpiry(vault: "kv", key: "k", version: 1, expires_at: "10d"))"#,
        )
        .run();
    assert_eq!(alerts(&r), ["ne 86400 86700"]);
}

#[test]
fn near_expiry_fires_at_the_start_when_the_world_key_expires_inside_the_notice() {
    // Expiry at 10 d, set at 0: max(10 d - 30 d, 0) = 0.
    let r = Scenario::standard()
        .horizon("1d")
        .vaults(r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k", expires_after: "10d")])"#)
        .alerts(r#"Alert(name: "ne", on: NearExpiry(vault: "kv", key: "k"))"#)
        .run();
    assert_eq!(alerts(&r), ["ne 0 300"]);
}

#[test]
fn near_expiry_fires_once_per_version() {
    // Two versions expiring at 31 d: each fires at 1 d, once.
    let r = Scenario::standard()
        .horizon("3d")
        .vaults(r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k", versions: 2, expires_after: "31d")])"#)
        .alerts(r#"Alert(name: "ne", on: NearExpiry(vault: "kv", key: "k"))"#)
        .run();
    assert_eq!(alerts(&r), ["ne 86400 86700", "ne 86400 86700"]);
}

// ---- R26 retention ------------------------------------------------------------------

#[test]
fn soft_deleted_vault_is_purged_when_retention_ends() {
    // Deleted at 3900 with 7-day retention: purged at 608700, when the data
    // is lost (R31). A purge before that is refused under purge protection;
    // a recovery after finds nothing.
    let r = Scenario::standard()
        .horizon("8d")
        .vaults(RETENTION_7)
        .events(
            r#"
            (at: "1h5m", do: DeleteVault(vault: "kv")),
            (at: "5000s", name: "purge", do: PurgeVault(vault: "kv")),
            (at: "610000s", name: "too late", do: RecoverVault(vault: "kv")),
            "#,
        )
        .run();
    assert_eq!(
        step_runs(&r, "purge"),
        ["5000 Refused(PurgeProtectionEnabled)"]
    );
    assert_eq!(step_runs(&r, "too late"), ["610000 Refused(VaultPurged)"]);
    assert_eq!(srv(&r, "pg").data_lost_at_s, Some(608700));
    assert_eq!(
        windows(&r, "pg"),
        ["3900 4200 open 5700 open GrantMissing,VaultSoftDeleted"]
    );
}

#[test]
fn soft_deleted_key_can_be_recovered_until_retention_ends() {
    // The key deleted at 3900 would be purged at 608700; recovered one
    // second before, access is back and the window ends 20 min later.
    let r = Scenario::standard()
        .horizon("8d")
        .vaults(RETENTION_7)
        .events(
            r#"
            (at: "1h5m", do: DeleteKey(vault: "kv", key: "k")),
            (at: "5000s", name: "purge", do: PurgeKey(vault: "kv", key: "k")),
            (at: "608699s", name: "recover", do: RecoverKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(
        step_runs(&r, "purge"),
        ["5000 Refused(PurgeProtectionEnabled)"]
    );
    assert_eq!(step_runs(&r, "recover"), ["608699 Ok"]);
    assert_eq!(
        windows(&r, "pg"),
        ["3900 4200 609899 5700 609899 KeySoftDeleted"]
    );
    assert_eq!(srv(&r, "pg").data_lost_at_s, None);
}

#[test]
fn purge_is_accepted_without_purge_protection() {
    // A vault no CMK server uses may go without purge protection.
    let r = Scenario::standard()
        .vaults(
            r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k")]),
               Vault(name: "scratch", region: "westeurope", purge_protection: false, keys: [Key(name: "x")])"#,
        )
        .events(
            r#"
            (at: "1000s", do: DeleteKey(vault: "scratch", key: "x")),
            (at: "2000s", name: "purge", do: PurgeKey(vault: "scratch", key: "x")),
            (at: "2500s", name: "recover", do: RecoverKey(vault: "scratch", key: "x")),
            (at: "3000s", name: "name free", do: CreateKey(vault: "scratch", key: "x")),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "purge"), ["2000 Ok"]);
    assert_eq!(step_runs(&r, "recover"), ["2500 Refused(KeyPurged)"]);
    assert_eq!(step_runs(&r, "name free"), ["3000 Ok"]);
}

// ---- R27 runbooks --------------------------------------------------------------------

#[test]
fn at_step_runs_once_after_its_delay() {
    let r = Scenario::standard()
        .runbook(r#"(name: "disable", on: At("1h"), after: "5m", do: DisableKey(vault: "kv", key: "k"))"#)
        .run();
    assert_eq!(step_runs(&r, "disable"), ["3900 Ok"]);
    assert_eq!(windows(&r, "pg"), ["3900 4200 open 5700 open KeyDisabled"]);
}

#[test]
fn alert_step_runs_at_each_notification() {
    // Window 1: first check 4200, notice 5400, enable 6000, Available 7200.
    // Window 2: loss 10000, check 10200, notice 11400, enable 12000, 13200.
    let r = Scenario::standard()
        .alerts(r#"Alert(name: "kaf", on: KeyAccessFailure(server: "pg"))"#)
        .events(
            r#"
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            (at: "10000s", do: DisableKey(vault: "kv", key: "k")),
            "#,
        )
        .runbook(r#"(name: "enable", on: Alert("kaf"), after: "10m", do: EnableKey(vault: "kv", key: "k"))"#)
        .run();
    assert_eq!(step_runs(&r, "enable"), ["6000 Ok", "12000 Ok"]);
    assert_eq!(
        windows(&r, "pg"),
        [
            "3900 4200 7200 5700 7200 KeyDisabled",
            "10000 10200 13200 11800 13200 KeyDisabled"
        ]
    );
}

#[test]
fn after_step_runs_after_each_run_even_a_refused_one() {
    let r = Scenario::standard()
        .runbook(
            r#"
            (name: "purge", on: At("1h"), do: PurgeKey(vault: "kv", key: "k")),
            (name: "then", on: After("purge"), after: "10m", do: RotateKey(vault: "kv", key: "k")),
            "#,
        )
        .expect(r#"StepRefused(step: "purge"), StepSucceeded(step: "then")"#)
        .run();
    assert_eq!(step_runs(&r, "purge"), ["3600 Refused(KeyNotDeleted)"]);
    assert_eq!(step_runs(&r, "then"), ["4200 Ok"]);
    assert!(r.all_passed(), "{:?}", common::failed_expectations(&r));
}

#[test]
fn a_run_rehearses_the_runbook_it_is_given() {
    let s = Scenario::standard().runbooks(
        r#"("first", [(name: "a", on: At("1h"), do: RotateKey(vault: "kv", key: "k"))]),
           ("second", [(name: "b", on: At("2h"), do: RotateKey(vault: "kv", key: "k"))])"#,
    );
    let default = s.run();
    assert_eq!(default.runbook.as_deref(), Some("first"));
    assert_eq!(step_runs(&default, "a"), ["3600 Ok"]);
    assert!(step_runs(&default, "b").is_empty());
    let second = s.run_with(RunOptions {
        runbook: Some("second".into()),
        ..RunOptions::default()
    });
    assert!(step_runs(&second, "a").is_empty());
    assert_eq!(step_runs(&second, "b"), ["7200 Ok"]);
}

#[test]
fn identity_cause_fixed_before_the_denial_still_makes_the_wait_an_hour() {
    // R22, R30: the window's causes are those at the end of second t0
    // (IdentityDeleted and KeyDisabled at 3900). The identity is recovered
    // at 4000, before the denial at 4200, and the key enabled at 5000: an
    // identity cause was among the window's causes, so the wait is 1 h.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: DeleteIdentity(identity: "id")),
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            (at: "4000s", do: RecoverIdentity(identity: "id")),
            (at: "5000s", do: EnableKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(
        windows(&r, "pg"),
        ["3900 4200 8600 5700 8600 IdentityDeleted,KeyDisabled"]
    );
}

#[test]
fn alerts_and_their_runbook_steps_outlive_a_short_window() {
    // R21, R27: only a loss's pending denial and control-plane change are
    // ever cancelled. The window ends at 4300 + 1 min = 4360, before the
    // activity-log entry (5100): the alert still fires and its step runs.
    let r = Scenario::standard()
        .pin("recover_after", r#"Fixed("1m")"#)
        .alerts(r#"Alert(name: "kaf", on: KeyAccessFailure(server: "pg"))"#)
        .events(
            r#"
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            (at: "4300s", do: EnableKey(vault: "kv", key: "k")),
            "#,
        )
        .runbook(r#"(name: "look", on: Alert("kaf"), do: Revalidate(server: "pg"))"#)
        .run();
    assert_eq!(windows(&r, "pg"), ["3900 4200 4360 - - KeyDisabled"]);
    assert_eq!(alerts(&r), ["kaf 5100 5400"]);
    assert_eq!(step_runs(&r, "look"), ["5400 NoChange"]);
}

#[test]
fn step_expectations_count_any_accepted_and_any_refused_run() {
    // The step runs at each notice: 5400 recovers the deleted key (Ok);
    // 11400 finds the key only disabled (refused). Both expectations pass;
    // AlertFired's deadline is inclusive.
    let r = Scenario::standard()
        .alerts(r#"Alert(name: "kaf", on: KeyAccessFailure(server: "pg"))"#)
        .events(
            r#"
            (at: "1h5m", do: DeleteKey(vault: "kv", key: "k")),
            (at: "10000s", do: DisableKey(vault: "kv", key: "k")),
            "#,
        )
        .runbook(r#"(name: "recover", on: Alert("kaf"), do: RecoverKey(vault: "kv", key: "k"))"#)
        .expect(
            r#"StepSucceeded(step: "recover"), StepRefused(step: "recover"),
               AlertFired(alert: "kaf", by: "5400s")"#,
        )
        .run();
    assert_eq!(
        step_runs(&r, "recover"),
        ["5400 Ok", "11400 Refused(KeyNotDeleted)"]
    );
    assert!(r.all_passed(), "{:?}", common::failed_expectations(&r));
    let late = Scenario::standard()
        .alerts(r#"Alert(name: "kaf", on: KeyAccessFailure(server: "pg"))"#)
        .events(r#"(at: "1h5m", do: DisableKey(vault: "kv", key: "k"))"#)
        .expect(r#"AlertFired(alert: "kaf", by: "5399s")"#)
        .run();
    assert_eq!(common::failed_expectations(&late).len(), 1);
}

// ---- MODEL.md §7 defaults ------------------------------------------------------------

#[test]
fn default_timings_stay_within_their_documented_ranges() {
    // No timing given: the phase is drawn once per server in [0, 600), the
    // control plane 10–60 min after the loss, recover_after 0–60 min, the
    // activity log 15–30 min after the first failed check, the notice
    // 5 min after that; traffic every minute.
    let text = Scenario::standard()
        .timing_only("")
        .servers(
            r#"Server(name: "pg", region: "westeurope", encryption: CustomerManaged(key: "kv/k/1", identity: "id"))"#,
        )
        .alerts(r#"Alert(name: "kaf", on: KeyAccessFailure(server: "pg"))"#)
        .events(
            r#"
            (at: "1h", do: DisableKey(vault: "kv", key: "k")),
            (at: "3h", do: EnableKey(vault: "kv", key: "k")),
            (at: "6h", do: DisableKey(vault: "kv", key: "k")),
            (at: "8h", do: EnableKey(vault: "kv", key: "k")),
            "#,
        )
        .text();
    let mut phases = std::collections::BTreeSet::new();
    for seed in 0..30 {
        let r = common::run_text(
            &text,
            RunOptions {
                seed: Some(seed),
                ..RunOptions::default()
            },
        );
        let w = &srv(&r, "pg").windows;
        assert_eq!(w.len(), 2, "seed {seed}");
        assert_eq!(
            w[0].denied_from_s % 600,
            w[1].denied_from_s % 600,
            "seed {seed}"
        );
        phases.insert(w[0].denied_from_s % 600);
        for (w, t1) in w.iter().zip([10_800, 28_800]) {
            assert!(w.denied_from_s - w.lost_at_s < 600, "seed {seed}");
            let cp = w
                .inaccessible_from_s
                .expect("control plane before Available");
            assert!(
                (600..=3600).contains(&(cp - w.lost_at_s)),
                "seed {seed}: {cp}"
            );
            let end = w.denied_until_s.expect("closed");
            assert!((0..=3600).contains(&(end - t1)), "seed {seed}: {end}");
        }
        let notices: Vec<(u64, u64)> = r
            .alerts
            .iter()
            .map(|a| (a.fired_at_s, a.notified_at_s))
            .collect();
        assert_eq!(notices.len(), 2, "seed {seed}");
        for ((fired, notified), w) in notices.iter().zip(w) {
            assert!(
                (900..=1800).contains(&(fired - w.failed_checks.first_s)),
                "seed {seed}"
            );
            assert_eq!(notified - fired, 300, "seed {seed}");
        }
    }
    assert!(phases.len() > 10, "phases drawn: {phases:?}");
}

#[test]
fn default_identity_wait_is_fifty_to_seventy_minutes() {
    let text = Scenario::standard()
        .timing_only(r#"key_check_phase: Fixed("0s")"#)
        .events(
            r#"
            (at: "1h5m", do: DeleteIdentity(identity: "id")),
            (at: "2h", do: RecoverIdentity(identity: "id")),
            "#,
        )
        .text();
    for seed in 0..30 {
        let r = common::run_text(
            &text,
            RunOptions {
                seed: Some(seed),
                ..RunOptions::default()
            },
        );
        let end = srv(&r, "pg").windows[0].denied_until_s.expect("closed");
        assert!((3000..=4200).contains(&(end - 7200)), "seed {seed}: {end}");
    }
}

#[test]
fn near_expiry_fires_when_a_rotation_sets_an_expiry_inside_the_notice() {
    // Versions made by the policy at 1 d and 2 d expire 36 h later, inside
    // the 30-day notice: each fires when it is created.
    let r = Scenario::standard()
        .horizon("2d1h")
        .vaults(r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k", rotation: Rotation(every: "1d", expire_after: "36h"))])"#)
        .alerts(r#"Alert(name: "ne", on: NearExpiry(vault: "kv", key: "k"))"#)
        .run();
    assert_eq!(alerts(&r), ["ne 86400 86700", "ne 172800 173100"]);
}
