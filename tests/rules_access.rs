//! R10–R12: when a server can use its key, every cause with its subject,
//! the geo-backup key, and service-managed servers.
//!
//! Timings are `common::PINNED`: a loss at 3900 is seen at 4200 and the
//! control plane turns Inaccessible at 5700.

mod common;

use common::{causes_with_subjects, refusals, server, srv, step_runs, windows, Scenario};
use keyloss::result::RunResult;

/// The causes (with subjects) of the only window of `pg`.
fn only_window_causes(r: &RunResult) -> Vec<String> {
    let w = &srv(r, "pg").windows;
    assert_eq!(
        w.len(),
        1,
        "expected one window, got {:?}",
        windows(r, "pg")
    );
    causes_with_subjects(&w[0].causes)
}

/// The standard scenario with one scripted action at 1h5m (3900 s).
fn loss_by(action: &str) -> Scenario {
    Scenario::standard().events(&format!(r#"(at: "1h5m", do: {action})"#))
}

// ---- each cause, with its subject ------------------------------------------------

#[test]
fn identity_deleted_names_the_identity() {
    let r = loss_by(r#"DeleteIdentity(identity: "id")"#).run();
    assert_eq!(only_window_causes(&r), ["IdentityDeleted id"]);
}

#[test]
fn identity_replaced_when_recreated_in_the_loss_second() {
    // R30: causes are those at the end of second t0, after both changes.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: DeleteIdentity(identity: "id")),
            (at: "1h5m", do: CreateIdentity(identity: "id", region: "westeurope")),
            "#,
        )
        .run();
    assert_eq!(only_window_causes(&r), ["IdentityReplaced id"]);
}

#[test]
fn identity_detached_from_the_server_is_not_assigned() {
    // R10.1: the identity and its grants survive; re-attaching it at 5000
    // restores access, and the identity cause makes the wait 1 h (R22).
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: DetachIdentity(server: "pg")),
            (at: "5000s", do: UpdateServerIdentity(server: "pg", identity: "id")),
            "#,
        )
        .run();
    assert_eq!(only_window_causes(&r), ["IdentityNotAssigned id"]);
    assert_eq!(
        windows(&r, "pg"),
        ["3900 4200 8600 5700 8600 IdentityNotAssigned"]
    );
}

#[test]
fn vault_soft_deleted_names_the_vault() {
    let r = Scenario::standard()
        .vaults(r#"Vault(name: "kv", region: "westeurope", permission_model: AccessPolicy, keys: [Key(name: "k")])"#)
        .grants(r#"AccessPolicy(identity: "id", vault: "kv", permissions: [Get, List, WrapKey, UnwrapKey])"#)
        .events(r#"(at: "1h5m", do: DeleteVault(vault: "kv"))"#)
        .run();
    assert_eq!(only_window_causes(&r), ["VaultSoftDeleted kv"]);
}

#[test]
fn vault_moved_to_another_tenant_is_in_the_wrong_tenant() {
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: MoveVault(vault: "kv", tenant: "contoso")),
            (at: "5000s", do: MoveVault(vault: "kv", tenant: "default")),
            "#,
        )
        .run();
    assert_eq!(only_window_causes(&r), ["VaultWrongTenant kv"]);
    assert_eq!(
        windows(&r, "pg"),
        ["3900 4200 6200 5700 6200 VaultWrongTenant"]
    );
}

#[test]
fn closed_firewall_blocks_and_names_the_vault() {
    let r =
        loss_by(r#"SetFirewall(vault: "kv", public_access: false, trusted_services: false)"#).run();
    assert_eq!(only_window_causes(&r), ["FirewallBlocked kv"]);
}

#[test]
fn firewall_lets_in_by_public_access_trusted_services_or_private_endpoint() {
    // R10.3: any one of the three is enough. The private endpoint goes at
    // 3900 (loss), trusted services come back at 5000 (access).
    let r = Scenario::standard()
        .vaults(r#"Vault(name: "kv", region: "westeurope", firewall: Firewall(public_access: false, trusted_services: false, private_endpoint: true), keys: [Key(name: "k")])"#)
        .events(
            r#"
            (at: "1h5m", do: SetFirewall(vault: "kv", private_endpoint: false)),
            (at: "5000s", do: SetFirewall(vault: "kv", trusted_services: true)),
            (at: "8000s", do: SetFirewall(vault: "kv", trusted_services: false, public_access: true)),
            "#,
        )
        .run();
    assert!(refusals(&r).is_empty(), "{:?}", refusals(&r));
    assert_eq!(
        windows(&r, "pg"),
        ["3900 4200 6200 5700 6200 FirewallBlocked"]
    );
}

#[test]
fn broken_network_path_names_the_vault() {
    let r = loss_by(r#"SetServerNetwork(server: "pg", vault_reachable: false)"#).run();
    assert_eq!(only_window_causes(&r), ["NetworkPathBroken kv"]);
}

#[test]
fn removed_role_is_a_missing_grant_on_the_vault() {
    let r =
        loss_by(r#"RemoveRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)"#)
            .run();
    assert_eq!(only_window_causes(&r), ["GrantMissing kv"]);
}

#[test]
fn disabled_version_names_the_version() {
    let r = loss_by(r#"DisableKey(vault: "kv", key: "k")"#).run();
    assert_eq!(only_window_causes(&r), ["KeyDisabled kv/k/1"]);
}

#[test]
fn versioned_key_expiry_denies_connections_within_ten_minutes() {
    // R10.5, R20: version 1 expires at 1h5m = 3900; the check at 4200.
    let r = Scenario::standard()
        .vaults(r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k", expires_after: "1h5m")])"#)
        .run();
    assert_eq!(only_window_causes(&r), ["KeyExpired kv/k/1"]);
    assert_eq!(windows(&r, "pg"), ["3900 4200 open 5700 open KeyExpired"]);
}

#[test]
fn key_not_yet_active_refuses_setup_until_its_activation() {
    // R10.5 (nbf ≤ t), R35: the key activates at 1 h = 3600.
    let r = Scenario::standard()
        .vaults(r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k", activates_after: "1h")])"#)
        .events(&format!(
            r#"
            (at: "3599s", name: "just before", do: CreateServer({})),
            (at: "3600s", name: "at activation", do: CreateServer({})),
            "#,
            server("pg2", "kv/k/1"),
            server("pg3", "kv/k/1")
        ))
        .run();
    assert_eq!(refusals(&r), ["0 KeyNotYetActive", "3599 KeyNotYetActive"]);
    assert!(r.server("pg").is_none());
    // R33: activation applies at the start of its second.
    assert_eq!(step_runs(&r, "at activation"), ["3600 Ok"]);
    assert!(windows(&r, "pg3").is_empty());
}

#[test]
fn soft_deleted_key_names_the_key() {
    // Subject `vault/key` for the key as a whole.
    let r = loss_by(r#"DeleteKey(vault: "kv", key: "k")"#).run();
    assert_eq!(only_window_causes(&r), ["KeySoftDeleted kv/k"]);
}

#[test]
fn missing_version_refuses_the_update_with_the_service_code() {
    // R10.5, R35, R37: version 2 does not exist.
    let r = loss_by(r#"UpdateServerKey(server: "pg", key: "kv/k/2")"#).run();
    assert_eq!(refusals(&r), ["3900 KeyVersionMissing"]);
    assert_eq!(
        r.refused[0].service_code.as_deref(),
        Some("AzureKeyVaultKeyNotFound")
    );
    assert!(windows(&r, "pg").is_empty());
}

#[test]
fn key_without_wrap_and_unwrap_is_refused() {
    let r = Scenario::standard()
        .vaults(r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k", ops: [Encrypt, Decrypt, Sign, Verify])])"#)
        .run();
    assert_eq!(refusals(&r), ["0 KeyOpsMissing"]);
}

#[test]
fn only_rsa_keys_of_2048_3072_or_4096_bits_are_supported() {
    let with = |key: &str| {
        Scenario::standard()
            .vaults(&format!(
                r#"Vault(name: "kv", region: "westeurope", kind: Premium, keys: [{key}])"#
            ))
            .run()
    };
    for ok in [
        r#"Key(name: "k", kind: Rsa, size: 2048)"#,
        r#"Key(name: "k", kind: Rsa, size: 3072)"#,
        r#"Key(name: "k", kind: RsaHsm, size: 4096)"#,
    ] {
        assert!(refusals(&with(ok)).is_empty(), "{ok}");
    }
    for bad in [
        r#"Key(name: "k", kind: Rsa, size: 1024)"#,
        r#"Key(name: "k", kind: Ec)"#,
        r#"Key(name: "k", kind: EcHsm)"#,
        r#"Key(name: "k", kind: Oct)"#,
    ] {
        assert_eq!(refusals(&with(bad)), ["0 KeyTypeUnsupported"], "{bad}");
    }
}

#[test]
fn every_cause_that_holds_is_named() {
    // R10: each condition on its own; five changes in the loss second.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: DetachIdentity(server: "pg")),
            (at: "1h5m", do: SetFirewall(vault: "kv", public_access: false, trusted_services: false)),
            (at: "1h5m", do: SetServerNetwork(server: "pg", vault_reachable: false)),
            (at: "1h5m", do: RemoveRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)),
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(
        only_window_causes(&r),
        [
            "FirewallBlocked kv",
            "GrantMissing kv",
            "IdentityNotAssigned id",
            "KeyDisabled kv/k/1",
            "NetworkPathBroken kv",
        ]
    );
}

#[test]
fn expired_and_disabled_version_has_both_causes() {
    let r = Scenario::standard()
        .vaults(r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k", expires_after: "1h5m")])"#)
        .events(r#"(at: "1h5m", do: DisableKey(vault: "kv", key: "k"))"#)
        .run();
    assert_eq!(
        only_window_causes(&r),
        ["KeyDisabled kv/k/1", "KeyExpired kv/k/1"]
    );
}

#[test]
fn purged_vault_reports_only_vault_purged() {
    // R10, R26: retention 7 d, purged at 3900 + 604800 = 608700. A purged
    // vault loses everything (R4), yet a setup against it names VaultPurged
    // alone, not the grant or the key.
    let r = Scenario::standard()
        .horizon("8d")
        .vaults(
            r#"Vault(name: "kv", region: "westeurope", retention_days: 7, keys: [Key(name: "k")])"#,
        )
        .events(&format!(
            r#"
            (at: "1h5m", do: DeleteVault(vault: "kv")),
            (at: "610000s", do: CreateServer({})),
            "#,
            server("pg2", "kv/k/1")
        ))
        .run();
    assert_eq!(refusals(&r), ["610000 VaultPurged"]);
    let detail = &r.refused[0].detail;
    for other in [
        "GrantMissing",
        "KeyPurged",
        "VaultSoftDeleted",
        "KeyVersionMissing",
    ] {
        assert!(!detail.contains(other), "{other} in {detail:?}");
    }
    assert_eq!(
        r.refused[0].service_code.as_deref(),
        Some("AzureKeyVaultKeyNotFound")
    );
}

#[test]
fn purged_key_reports_only_key_purged() {
    let r = Scenario::standard()
        .horizon("8d")
        .vaults(
            r#"Vault(name: "kv", region: "westeurope", retention_days: 7, keys: [Key(name: "k")])"#,
        )
        .events(&format!(
            r#"
            (at: "1h5m", do: DeleteKey(vault: "kv", key: "k")),
            (at: "610000s", do: CreateServer({})),
            "#,
            server("pg2", "kv/k/1")
        ))
        .run();
    assert_eq!(refusals(&r), ["610000 KeyPurged"]);
    let detail = &r.refused[0].detail;
    for other in ["KeySoftDeleted", "KeyVersionMissing", "KeyDisabled"] {
        assert!(!detail.contains(other), "{other} in {detail:?}");
    }
}

// ---- R11 geo-backup key ----------------------------------------------------------

#[test]
fn geo_backup_key_loss_is_no_window_but_makes_geo_restore_impossible() {
    // R11: the geo key is disabled 3900–6000: no window, no unseen loss, no
    // activity-log entry (so no KeyAccessFailure alert), an interval of its
    // own; GeoRestore is refused inside it and accepted after (R38).
    let r = Scenario::geo()
        .alerts(r#"Alert(name: "kaf", on: KeyAccessFailure(server: "pg"))"#)
        .events(
            r#"
            (at: "1h5m", do: DisableKey(vault: "kvg", key: "kg")),
            (at: "5000s", name: "too soon", do: GeoRestore(from: "pg", into: "pg-geo")),
            (at: "6000s", do: EnableKey(vault: "kvg", key: "kg")),
            (at: "7000s", name: "geo restore", do: GeoRestore(from: "pg", into: "pg-geo")),
            "#,
        )
        .run();
    let pg = srv(&r, "pg");
    assert!(pg.windows.is_empty(), "{:?}", windows(&r, "pg"));
    assert!(pg.unseen_losses.is_empty());
    assert_eq!(pg.geo_backup_unusable.len(), 1);
    let g = &pg.geo_backup_unusable[0];
    assert_eq!((g.from_s, g.until_s), (3900, Some(6000)));
    assert_eq!(causes_with_subjects(&g.causes), ["KeyDisabled kvg/kg/1"]);
    assert_eq!(step_runs(&r, "too soon"), ["5000 Refused(KeyDisabled)"]);
    assert_eq!(step_runs(&r, "geo restore"), ["7000 Ok"]);
    assert_eq!(srv(&r, "pg-geo").created_at_s, Some(7000));
    assert!(r.alerts.is_empty(), "{:?}", r.alerts);
}

#[test]
fn geo_backup_identity_loss_is_reported_with_its_own_causes() {
    let r = Scenario::geo()
        .events(r#"(at: "1h5m", do: DeleteIdentity(identity: "idg"))"#)
        .run();
    let pg = srv(&r, "pg");
    assert!(pg.windows.is_empty());
    assert_eq!(pg.geo_backup_unusable.len(), 1);
    let g = &pg.geo_backup_unusable[0];
    assert_eq!((g.from_s, g.until_s), (3900, None));
    assert_eq!(causes_with_subjects(&g.causes), ["IdentityDeleted idg"]);
}

// ---- R12 ---------------------------------------------------------------------------

#[test]
fn service_managed_server_never_loses_key_access() {
    let r = Scenario::standard()
        .servers(&format!(
            r#"{}, Server(name: "pg-sm", region: "westeurope", workload: Workload(every: None))"#,
            server("pg", "kv/k/1")
        ))
        .events(
            r#"
            (at: "1h5m", do: DeleteVault(vault: "kv")),
            (at: "1h5m", do: DeleteIdentity(identity: "id")),
            "#,
        )
        .run();
    assert_eq!(srv(&r, "pg").windows.len(), 1);
    let sm = srv(&r, "pg-sm");
    assert!(sm.windows.is_empty() && sm.unseen_losses.is_empty());
}
