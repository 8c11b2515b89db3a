//! R35–R39: control-plane actions on servers: create with CMK, the fixed
//! encryption mode, key and identity updates, restores and replicas, and
//! Single servers.
//!
//! Timings are `common::PINNED`: checks on multiples of 600 s (a server
//! created at t checks at t + 600k), control plane 30 min after the loss,
//! `recover_after` 20 min, `identity_revalidate_after` 1 h.

mod common;

use common::{causes_with_subjects, refusals, server, srv, step_runs, windows, Scenario};
use keyloss::result::RunResult;

/// The only refusal of a run, as (at, reason, service code).
fn only_refusal(r: &RunResult) -> (u64, String, Option<String>) {
    assert_eq!(r.refused.len(), 1, "{:?}", refusals(r));
    let x = &r.refused[0];
    (x.at_s, x.reason.clone(), x.service_code.clone())
}

fn with_vault(vault: &str) -> RunResult {
    Scenario::standard().vaults(vault).run()
}

// ---- R35 create with CMK ------------------------------------------------------------

#[test]
fn create_is_refused_when_soft_delete_is_off() {
    let r = with_vault(
        r#"Vault(name: "kv", region: "westeurope", soft_delete: false, keys: [Key(name: "k")])"#,
    );
    assert_eq!(only_refusal(&r).1, "SoftDeleteDisabled");
    assert!(r.server("pg").is_none());
}

#[test]
fn create_is_refused_when_purge_protection_is_off() {
    let r = with_vault(
        r#"Vault(name: "kv", region: "westeurope", purge_protection: false, keys: [Key(name: "k")])"#,
    );
    assert_eq!(only_refusal(&r).1, "PurgeProtectionDisabled");
}

#[test]
fn create_is_refused_for_a_missing_grant_with_the_service_code_users_meet() {
    let r = Scenario::standard().grants("").run();
    assert_eq!(
        only_refusal(&r),
        (0, "GrantMissing".into(), Some("InternalServerError".into()))
    );
}

#[test]
fn create_is_refused_for_a_missing_key_version_with_the_service_code_users_meet() {
    let r = Scenario::standard().servers(&server("pg", "kv/k/3")).run();
    assert_eq!(
        only_refusal(&r),
        (
            0,
            "KeyVersionMissing".into(),
            Some("AzureKeyVaultKeyNotFound".into())
        )
    );
}

#[test]
fn create_is_refused_behind_a_closed_firewall() {
    let r = with_vault(
        r#"Vault(name: "kv", region: "westeurope", firewall: Firewall(public_access: false, trusted_services: false), keys: [Key(name: "k")])"#,
    );
    assert_eq!(only_refusal(&r).1, "FirewallBlocked");
}

#[test]
fn geo_redundant_backup_without_a_geo_key_is_refused() {
    let r = Scenario::standard()
        .servers(r#"Server(name: "pg", region: "westeurope", backup_region: "northeurope", workload: Workload(every: None), encryption: CustomerManaged(key: "kv/k/1", identity: "id"))"#)
        .run();
    assert_eq!(
        only_refusal(&r),
        (
            0,
            "GeoBackupKeyMissing".into(),
            Some("CMKNotSupportedForGeoRedundantBackupEnabledServer".into())
        )
    );
}

#[test]
fn geo_key_must_use_another_identity() {
    let r = Scenario::geo()
        .servers(r#"Server(name: "pg", region: "westeurope", backup_region: "northeurope", workload: Workload(every: None),
            encryption: CustomerManaged(key: "kv/k/1", identity: "id", geo_backup: GeoBackup(key: "kvg/kg/1", identity: "id")))"#)
        .run();
    assert_eq!(only_refusal(&r).1, "GeoIdentityNotDistinct");
}

#[test]
fn geo_key_must_sit_in_the_backup_region() {
    // The geo key named is in westeurope, the backup region northeurope.
    let r = Scenario::geo()
        .vaults(
            r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k")]),
               Vault(name: "kvg", region: "westeurope", keys: [Key(name: "kg")])"#,
        )
        .run();
    assert_eq!(only_refusal(&r).1, "RegionMismatch");
}

#[test]
fn a_refused_create_server_leaves_no_server() {
    // The server never exists: a later action on it is refused.
    let r = Scenario::standard()
        .vaults(
            r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k")]),
               Vault(name: "kvn", region: "northeurope", keys: [Key(name: "kn")])"#,
        )
        .grants(
            r#"Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser),
               Role(identity: "id", vault: "kvn", role: CryptoServiceEncryptionUser)"#,
        )
        .events(&format!(
            r#"
            (at: "1h", name: "create", do: CreateServer({})),
            (at: "2h", name: "revalidate", do: Revalidate(server: "pg2")),
            "#,
            server("pg2", "kvn/kn/1")
        ))
        .run();
    assert_eq!(step_runs(&r, "create"), ["3600 Refused(RegionMismatch)"]);
    assert_eq!(
        step_runs(&r, "revalidate"),
        ["7200 Refused(ServerNotFound)"]
    );
    assert!(r.server("pg2").is_none());
}

// ---- R36 encryption mode ------------------------------------------------------------

#[test]
fn flexible_encryption_mode_is_fixed_at_creation() {
    let r = Scenario::standard()
        .servers(&format!(
            r#"{}, Server(name: "pg-sm", region: "westeurope", workload: Workload(every: None))"#,
            server("pg", "kv/k/1")
        ))
        .events(
            r#"
            (at: "1h", name: "to service-managed", do: SetEncryption(server: "pg", encryption: ServiceManaged)),
            (at: "1h", name: "to cmk", do: SetEncryption(server: "pg-sm", encryption: CustomerManaged(key: "kv/k/1", identity: "id"))),
            (at: "1h", name: "key on sm", do: UpdateServerKey(server: "pg-sm", key: "kv/k/1")),
            "#,
        )
        .run();
    assert_eq!(
        step_runs(&r, "to service-managed"),
        ["3600 Refused(EncryptionModeFixed)"]
    );
    assert_eq!(
        step_runs(&r, "to cmk"),
        ["3600 Refused(EncryptionModeFixed)"]
    );
    assert_eq!(
        step_runs(&r, "key on sm"),
        ["3600 Refused(EncryptionModeFixed)"]
    );
}

#[test]
fn restore_into_a_new_server_is_the_way_to_change_encryption() {
    // pg-cmk, restored from a service-managed server at 1000 with CMK,
    // checks at 1000 + 600k: the loss at 3900 is seen at 4000.
    let r = Scenario::standard()
        .servers(r#"Server(name: "pg-sm", region: "westeurope", workload: Workload(every: None))"#)
        .events(
            r#"
            (at: "1000s", name: "restore", do: RestoreServer(from: "pg-sm", into: "pg-cmk", encryption: CustomerManaged(key: "kv/k/1", identity: "id"))),
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "restore"), ["1000 Ok"]);
    assert_eq!(
        windows(&r, "pg-cmk"),
        ["3900 4000 open 5700 open KeyDisabled"]
    );
    assert!(windows(&r, "pg-sm").is_empty());
}

const SINGLE_VAULT: &str = r#"Vault(name: "kv", region: "westeurope", permission_model: AccessPolicy, keys: [Key(name: "k", size: 2048)])"#;
const SINGLE_GRANT: &str =
    r#"AccessPolicy(identity: "pgs", vault: "kv", permissions: [Get, WrapKey, UnwrapKey])"#;

fn single(encryption: &str) -> String {
    format!(
        r#"Server(name: "pgs", kind: Single, region: "westeurope", workload: Workload(every: None), encryption: {encryption})"#
    )
}

#[test]
fn single_server_can_add_cmk_after_creation_but_not_remove_it() {
    let r = Scenario::standard()
        .vaults(SINGLE_VAULT)
        .grants(SINGLE_GRANT)
        .servers(&single("ServiceManaged"))
        .events(
            r#"
            (at: "1000s", name: "add", do: SetEncryption(server: "pgs", encryption: CustomerManaged(key: "kv/k/1"))),
            (at: "2000s", name: "remove", do: SetEncryption(server: "pgs", encryption: ServiceManaged)),
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "add"), ["1000 Ok"]);
    assert_eq!(
        step_runs(&r, "remove"),
        ["2000 Refused(EncryptionModeFixed)"]
    );
    assert_eq!(windows(&r, "pgs"), ["3900 4200 open 5700 open KeyDisabled"]);
}

// ---- R37 updating key or identity ----------------------------------------------------

#[test]
fn key_update_takes_effect_at_once() {
    // Version 1 expires at 2 h; the server moves to version 2 at 1h30m.
    let r = Scenario::standard()
        .vaults(r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k", expires_after: "2h")])"#)
        .events(
            r#"
            (at: "1h", do: RotateKey(vault: "kv", key: "k")),
            (at: "1h30m", name: "update", do: UpdateServerKey(server: "pg", key: "kv/k/2")),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "update"), ["5400 Ok"]);
    assert!(windows(&r, "pg").is_empty(), "{:?}", windows(&r, "pg"));
}

#[test]
fn key_update_is_checked_like_a_create() {
    let r = Scenario::standard()
        .vaults(
            r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k")]),
               Vault(name: "kvn", region: "northeurope", keys: [Key(name: "kn")]),
               Vault(name: "kv2", region: "westeurope", keys: [Key(name: "k2")]),
               Vault(name: "kv3", region: "westeurope", keys: [Key(name: "k3")])"#,
        )
        .grants(
            r#"Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser),
               Role(identity: "id", vault: "kvn", role: CryptoServiceEncryptionUser),
               Role(identity: "id", vault: "kv3", role: CryptoServiceEncryptionUser)"#,
        )
        .events(
            r#"
            (at: "1000s", name: "other region", do: UpdateServerKey(server: "pg", key: "kvn/kn/1")),
            (at: "1000s", name: "no grant", do: UpdateServerKey(server: "pg", key: "kv2/k2/1")),
            (at: "1000s", name: "fine", do: UpdateServerKey(server: "pg", key: "kv3/k3/1")),
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(
        step_runs(&r, "other region"),
        ["1000 Refused(RegionMismatch)"]
    );
    assert_eq!(step_runs(&r, "no grant"), ["1000 Refused(GrantMissing)"]);
    assert_eq!(step_runs(&r, "fine"), ["1000 Ok"]);
    // pg now uses kv3/k3: disabling kv/k changes nothing.
    assert!(windows(&r, "pg").is_empty(), "{:?}", windows(&r, "pg"));
}

#[test]
fn identity_update_needs_a_grant_for_the_new_identity() {
    let r = Scenario::standard()
        .identities(
            r#"Identity(name: "id", region: "westeurope"), Identity(name: "id2", region: "westeurope")"#,
        )
        .events(
            r#"
            (at: "1000s", name: "no grant yet", do: UpdateServerIdentity(server: "pg", identity: "id2")),
            (at: "1500s", do: AssignRole(identity: "id2", vault: "kv", role: CryptoServiceEncryptionUser)),
            (at: "2000s", name: "granted", do: UpdateServerIdentity(server: "pg", identity: "id2")),
            (at: "1h5m", do: DeleteIdentity(identity: "id")),
            "#,
        )
        .run();
    assert_eq!(
        step_runs(&r, "no grant yet"),
        ["1000 Refused(GrantMissing)"]
    );
    assert_eq!(step_runs(&r, "granted"), ["2000 Ok"]);
    assert!(windows(&r, "pg").is_empty(), "{:?}", windows(&r, "pg"));
}

#[test]
fn same_key_or_identity_during_the_wait_is_accepted() {
    // R37: a revalidation, not a refusal; with fixed waits it cannot bring
    // Available (6200) forward.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            (at: "5000s", do: EnableKey(vault: "kv", key: "k")),
            (at: "5500s", name: "same key", do: UpdateServerKey(server: "pg", key: "kv/k/1")),
            (at: "5500s", name: "same identity", do: UpdateServerIdentity(server: "pg", identity: "id")),
            "#,
        )
        .run();
    assert!(refusals(&r).is_empty(), "{:?}", refusals(&r));
    assert_eq!(step_runs(&r, "same key").len(), 1);
    assert_eq!(step_runs(&r, "same identity").len(), 1);
    assert_eq!(windows(&r, "pg"), ["3900 4200 6200 5700 6200 KeyDisabled"]);
}

// ---- R38 restore and replicas ----------------------------------------------------------

#[test]
fn restore_is_refused_while_the_source_has_no_key_access() {
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            (at: "4000s", name: "restore", do: RestoreServer(from: "pg", into: "pg2")),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "restore"), ["4000 Refused(KeyDisabled)"]);
    assert!(r.server("pg2").is_none());
}

#[test]
fn restore_is_accepted_once_key_access_is_back_even_during_the_wait() {
    // Access is back at 5000; the source still denies until 6200, but R38
    // asks only for key access.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k")),
            (at: "5000s", do: EnableKey(vault: "kv", key: "k")),
            (at: "5500s", name: "restore", do: RestoreServer(from: "pg", into: "pg2")),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "restore"), ["5500 Ok"]);
    assert!(windows(&r, "pg2").is_empty());
}

#[test]
fn restored_server_keeps_needing_the_source_version_after_a_key_change() {
    // pg2 is restored from pg at 1000 (same key, version 1), then pointed at
    // version 2 at 2000. Disabling version 1 at 3900 still cuts it off
    // (R10.6), seen at its check 4000.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1000s", name: "restore", do: RestoreServer(from: "pg", into: "pg2")),
            (at: "1500s", do: RotateKey(vault: "kv", key: "k")),
            (at: "2000s", name: "update", do: UpdateServerKey(server: "pg2", key: "kv/k/2")),
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k", version: 1)),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "restore"), ["1000 Ok"]);
    assert_eq!(step_runs(&r, "update"), ["2000 Ok"]);
    assert_eq!(windows(&r, "pg"), ["3900 4200 open 5700 open KeyDisabled"]);
    assert_eq!(windows(&r, "pg2"), ["3900 4000 open 5700 open KeyDisabled"]);
    let w = &srv(&r, "pg2").windows[0];
    assert_eq!(causes_with_subjects(&w.causes), ["KeyDisabled kv/k/1"]);
}

#[test]
fn replica_needs_a_key_and_an_identity_of_its_own_region() {
    let r = Scenario::standard()
        .identities(
            r#"Identity(name: "id", region: "westeurope"), Identity(name: "idn", region: "northeurope")"#,
        )
        .vaults(
            r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k")]),
               Vault(name: "kvn", region: "northeurope", keys: [Key(name: "kn")])"#,
        )
        .grants(
            r#"Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser),
               Role(identity: "id", vault: "kvn", role: CryptoServiceEncryptionUser),
               Role(identity: "idn", vault: "kv", role: CryptoServiceEncryptionUser),
               Role(identity: "idn", vault: "kvn", role: CryptoServiceEncryptionUser)"#,
        )
        .events(
            r#"
            (at: "1000s", name: "vault elsewhere", do: CreateReplica(from: "pg", into: "r1", region: "northeurope", key: "kv/k/1", identity: "idn")),
            (at: "1000s", name: "identity elsewhere", do: CreateReplica(from: "pg", into: "r2", region: "northeurope", key: "kvn/kn/1", identity: "id")),
            (at: "1000s", name: "both local", do: CreateReplica(from: "pg", into: "r3", region: "northeurope", key: "kvn/kn/1", identity: "idn")),
            "#,
        )
        .run();
    assert_eq!(
        step_runs(&r, "vault elsewhere"),
        ["1000 Refused(RegionMismatch)"]
    );
    assert_eq!(
        step_runs(&r, "identity elsewhere"),
        ["1000 Refused(RegionMismatch)"]
    );
    assert_eq!(step_runs(&r, "both local"), ["1000 Ok"]);
    assert_eq!(srv(&r, "r3").created_at_s, Some(1000));
    assert!(r.server("r1").is_none() && r.server("r2").is_none());
}

// ---- R39 Single server ------------------------------------------------------------------

/// A Single server `pgs` on `kv/k/1` (RSA 2048) whose copy `pgs2` is
/// restored at 3900, then given the listed way back.
fn single_copy(way_back: &str) -> RunResult {
    Scenario::standard()
        .vaults(SINGLE_VAULT)
        .grants(SINGLE_GRANT)
        .servers(&single(r#"CustomerManaged(key: "kv/k/1")"#))
        .events(&format!(
            r#"(at: "1h5m", do: RestoreServer(from: "pgs", into: "pgs2")), {way_back}"#
        ))
        .run()
}

#[test]
fn single_copy_denies_from_creation_until_identity_grant_and_revalidation() {
    // R39: the copy denies at once (3900); it gets its own identity at 4500
    // (a new principal: GrantMissing replaces IdentityNotAssigned), a
    // revalidation at 4800 cannot clear RevalidationRequired while the grant
    // is missing, the grant comes at 5000, the revalidation at 5500 restores
    // access; an identity cause was seen, so the wait is 1 h: 9100.
    let r = single_copy(
        r#"
        (at: "4500s", do: UpdateServerIdentity(server: "pgs2", identity: "pgs2")),
        (at: "4800s", name: "too early", do: Revalidate(server: "pgs2")),
        (at: "5000s", do: SetAccessPolicy(identity: "pgs2", vault: "kv", permissions: [Get, WrapKey, UnwrapKey])),
        (at: "5500s", name: "revalidate", do: Revalidate(server: "pgs2")),
        "#,
    );
    assert_eq!(
        windows(&r, "pgs2"),
        ["3900 3900 9100 5700 9100 IdentityNotAssigned,RevalidationRequired"]
    );
    let w = &srv(&r, "pgs2").windows[0];
    assert_eq!(
        causes_with_subjects(&w.causes),
        ["IdentityNotAssigned pgs2", "RevalidationRequired pgs2"]
    );
    assert_eq!(step_runs(&r, "too early"), ["4800 NoChange"]);
    // R24: checks at 3900, 4500, 5100 fail; 5700 comes after access is back.
    let fc = &w.failed_checks;
    assert_eq!((fc.first_s, fc.last_s, fc.count), (3900, 5100, 3));
    assert_eq!(step_runs(&r, "revalidate"), ["5500 Ok"]);
    assert!(windows(&r, "pgs").is_empty());
}

#[test]
fn single_copy_is_revalidated_by_sending_the_same_server_key_again() {
    let r = single_copy(
        r#"
        (at: "4500s", do: UpdateServerIdentity(server: "pgs2", identity: "pgs2")),
        (at: "5000s", do: SetAccessPolicy(identity: "pgs2", vault: "kv", permissions: [Get, WrapKey, UnwrapKey])),
        (at: "5500s", do: UpdateServerKey(server: "pgs2", key: "kv/k/1")),
        "#,
    );
    assert_eq!(
        windows(&r, "pgs2"),
        ["3900 3900 9100 5700 9100 IdentityNotAssigned,RevalidationRequired"]
    );
}

#[test]
fn single_copy_without_a_grant_stays_down() {
    let r = single_copy(
        r#"
        (at: "4500s", do: UpdateServerIdentity(server: "pgs2", identity: "pgs2")),
        (at: "5500s", do: Revalidate(server: "pgs2")),
        "#,
    );
    assert_eq!(
        windows(&r, "pgs2"),
        ["3900 3900 open 5700 open IdentityNotAssigned,RevalidationRequired"]
    );
}

#[test]
fn single_server_needs_an_rsa_2048_key_without_expiry() {
    let with = |key: &str| {
        Scenario::standard()
            .vaults(&format!(
                r#"Vault(name: "kv", region: "westeurope", permission_model: AccessPolicy, keys: [{key}])"#
            ))
            .grants(SINGLE_GRANT)
            .servers(&single(r#"CustomerManaged(key: "kv/k/1")"#))
            .run()
    };
    assert!(refusals(&with(r#"Key(name: "k", size: 2048)"#)).is_empty());
    assert_eq!(with(r#"Key(name: "k", size: 4096)"#).refused.len(), 1);
    assert_eq!(
        with(r#"Key(name: "k", size: 2048, expires_after: "300d")"#)
            .refused
            .len(),
        1
    );
}

#[test]
fn double_encryption_only_on_single_general_purpose_or_memory_optimized() {
    let with = |kind: &str, tier: &str| {
        Scenario::standard()
            .servers(&format!(
                r#"Server(name: "s", kind: {kind}, tier: {tier}, double_encryption: true, region: "westeurope", workload: Workload(every: None))"#
            ))
            .run()
    };
    assert!(with("Single", "GeneralPurpose").server("s").is_some());
    assert!(with("Single", "MemoryOptimized").server("s").is_some());
    assert!(with("Single", "Burstable").server("s").is_none());
    assert!(with("Flexible", "GeneralPurpose").server("s").is_none());
}

#[test]
fn geo_restored_server_uses_the_geo_backup_key_and_identity() {
    // R38: pg-geo is created at 7000 in northeurope on kvg/kg/1 with idg;
    // its checks fall at 7000 + 600k, so a loss of kvg at 9000 is seen at
    // 9400.
    let r = Scenario::geo()
        .events(
            r#"
            (at: "7000s", name: "geo restore", do: GeoRestore(from: "pg", into: "pg-geo")),
            (at: "9000s", do: DisableKey(vault: "kvg", key: "kg")),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "geo restore"), ["7000 Ok"]);
    assert_eq!(
        windows(&r, "pg-geo"),
        ["9000 9400 open 10800 open KeyDisabled"]
    );
    let w = &srv(&r, "pg-geo").windows[0];
    assert_eq!(causes_with_subjects(&w.causes), ["KeyDisabled kvg/kg/1"]);
    assert!(windows(&r, "pg").is_empty());
}

#[test]
fn single_replica_also_starts_without_an_identity() {
    // R39: a replica of a Single server, like a restore, denies from its
    // creation at 3900.
    let r = Scenario::standard()
        .vaults(SINGLE_VAULT)
        .grants(SINGLE_GRANT)
        .servers(&single(r#"CustomerManaged(key: "kv/k/1")"#))
        .events(r#"(at: "1h5m", do: CreateReplica(from: "pgs", into: "pgr", region: "westeurope", key: "kv/k/1"))"#)
        .run();
    assert_eq!(
        windows(&r, "pgr"),
        ["3900 3900 open 5700 open IdentityNotAssigned,RevalidationRequired"]
    );
}
