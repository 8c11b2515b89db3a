//! R1–R8, the world: tenants, regions, identities, vaults, keys, key
//! references, grants and servers.
//!
//! Unless a test says otherwise the timings are `common::PINNED`: key
//! checks on multiples of 600 s, the control plane 30 min after the loss,
//! `recover_after` 20 min, `identity_revalidate_after` 1 h, moves 10 min
//! after a new version. Windows read `lost denied_from denied_until
//! inaccessible_from inaccessible_until causes`.

mod common;

use common::{causes_with_subjects, refusals, server, srv, step_runs, unseen, windows, Scenario};

const KV_AP: &str = r#"Vault(name: "kv", region: "westeurope", permission_model: AccessPolicy, keys: [Key(name: "k")])"#;
const AP_GRANT: &str =
    r#"AccessPolicy(identity: "id", vault: "kv", permissions: [Get, List, WrapKey, UnwrapKey])"#;

// ---- R1, R2, R8 -------------------------------------------------------------

#[test]
fn tenant_defaults_to_default() {
    // R1: the server and identity name no tenant, the vault says "default".
    let r = Scenario::standard()
        .vaults(
            r#"Vault(name: "kv", region: "westeurope", tenant: "default", keys: [Key(name: "k")])"#,
        )
        .run();
    assert!(refusals(&r).is_empty(), "{:?}", refusals(&r));
    assert!(windows(&r, "pg").is_empty());
}

#[test]
fn vault_of_another_tenant_refuses_the_server_which_then_does_not_exist() {
    // R1, R8, R35: a refused world server does not exist.
    let r = Scenario::standard()
        .vaults(
            r#"Vault(name: "kv", region: "westeurope", tenant: "contoso", keys: [Key(name: "k")])"#,
        )
        .run();
    assert_eq!(refusals(&r), ["0 VaultWrongTenant"]);
    assert!(r.server("pg").is_none());
}

#[test]
fn vault_in_another_region_refuses_the_server() {
    // R2, R35.
    let r = Scenario::standard()
        .vaults(r#"Vault(name: "kv", region: "northeurope", keys: [Key(name: "k")])"#)
        .run();
    assert_eq!(refusals(&r), ["0 RegionMismatch"]);
    assert!(r.server("pg").is_none());
}

#[test]
fn world_servers_are_created_in_file_order_and_a_refused_one_does_not_stop_the_next() {
    // R8: "bad" names a version that does not exist; "pg" after it is created.
    let r = Scenario::standard()
        .servers(&format!(
            "{}, {}",
            server("bad", "kv/k/2"),
            server("pg", "kv/k/1")
        ))
        .run();
    assert_eq!(refusals(&r), ["0 KeyVersionMissing"]);
    let names: Vec<&str> = r.servers.iter().map(|s| &*s.name).collect();
    assert_eq!(names, ["pg"]);
    assert_eq!(srv(&r, "pg").created_at_s, Some(0));
}

// ---- R3 identities -----------------------------------------------------------

#[test]
fn recreated_identity_is_a_new_principal_without_the_old_grants() {
    // Deleted at 3900 (seen at 4200), re-created at 4200 under the same name:
    // a new principal with no grant, so pointing the server at it is refused
    // (R37) until it is granted; the repoint at 6000 restores access and the
    // identity wait of 1 h ends the window at 9600 (R22).
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: DeleteIdentity(identity: "id")),
            (at: "1h10m", do: CreateIdentity(identity: "id", region: "westeurope")),
            (at: "4500s", name: "probe", do: RestoreServer(from: "pg", into: "pg2")),
            (at: "1h20m", name: "too early", do: UpdateServerIdentity(server: "pg", identity: "id")),
            (at: "1h30m", do: AssignRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)),
            (at: "1h40m", name: "repoint", do: UpdateServerIdentity(server: "pg", identity: "id")),
            "#,
        )
        .run();
    assert_eq!(
        windows(&r, "pg"),
        ["3900 4200 9600 5700 9600 IdentityDeleted"]
    );
    // Once re-created, the cause is IdentityReplaced (a restore names it).
    assert_eq!(step_runs(&r, "probe"), ["4500 Refused(IdentityReplaced)"]);
    assert_eq!(step_runs(&r, "too early"), ["4800 Refused(GrantMissing)"]);
    assert_eq!(step_runs(&r, "repoint"), ["6000 Ok"]);
}

#[test]
fn recovered_identity_keeps_its_principal_and_grants() {
    // R3: recovery within the window brings the same principal back; its
    // grants work again at 5000; the identity wait (1 h) gives 8600.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: DeleteIdentity(identity: "id")),
            (at: "5000s", do: RecoverIdentity(identity: "id")),
            "#,
        )
        .run();
    assert_eq!(
        windows(&r, "pg"),
        ["3900 4200 8600 5700 8600 IdentityDeleted"]
    );
}

#[test]
fn identity_cannot_be_recovered_after_its_recovery_window() {
    // R3: identity_recovery_window 1 h: deleted at 3900, gone after 7500.
    let r = Scenario::standard()
        .timing_extra(r#"identity_recovery_window: "1h""#)
        .events(
            r#"
            (at: "1h5m", do: DeleteIdentity(identity: "id")),
            (at: "7600s", name: "late", do: RecoverIdentity(identity: "id")),
            "#,
        )
        .run();
    assert_eq!(
        step_runs(&r, "late"),
        ["7600 Refused(IdentityNotRecoverable)"]
    );
    assert_eq!(
        windows(&r, "pg"),
        ["3900 4200 open 5700 open IdentityDeleted"]
    );
}

#[test]
fn identity_deleted_for_good_when_identities_are_not_recoverable() {
    // R3: identity_recoverable: false models Entra's own documentation.
    let r = Scenario::standard()
        .timing_extra("identity_recoverable: false")
        .events(
            r#"
            (at: "1h5m", do: DeleteIdentity(identity: "id")),
            (at: "1h6m", name: "recover", do: RecoverIdentity(identity: "id")),
            "#,
        )
        .run();
    assert_eq!(
        step_runs(&r, "recover"),
        ["3960 Refused(IdentityNotRecoverable)"]
    );
    assert_eq!(
        windows(&r, "pg"),
        ["3900 4200 open 5700 open IdentityDeleted"]
    );
}

// ---- R4 vaults -----------------------------------------------------------------

#[test]
fn soft_deleted_vault_keeps_keys_and_access_policies() {
    // R4: under access policies, recovery alone restores access (at 5000).
    let r = Scenario::standard()
        .vaults(KV_AP)
        .grants(AP_GRANT)
        .events(
            r#"
            (at: "1h5m", do: DeleteVault(vault: "kv")),
            (at: "5000s", do: RecoverVault(vault: "kv")),
            "#,
        )
        .run();
    assert_eq!(
        windows(&r, "pg"),
        ["3900 4200 6200 5700 6200 VaultSoftDeleted"]
    );
}

#[test]
fn recovered_vault_does_not_bring_back_its_role_assignments() {
    // R4: deleting the vault deletes its role assignments; recovery at 5000
    // leaves GrantMissing until the role is assigned again at 6000.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: DeleteVault(vault: "kv")),
            (at: "5000s", do: RecoverVault(vault: "kv")),
            (at: "6000s", do: AssignRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)),
            "#,
        )
        .run();
    assert_eq!(
        windows(&r, "pg"),
        ["3900 4200 7200 5700 7200 GrantMissing,VaultSoftDeleted"]
    );
}

#[test]
fn soft_deleted_vault_name_cannot_be_reused_until_purged() {
    // R4, R26: retention 7 d, so the vault deleted at 3900 is purged at
    // 3900 + 604800 = 608700; only then is its name free.
    let r = Scenario::standard()
        .horizon("8d")
        .vaults(r#"Vault(name: "kv", region: "westeurope", retention_days: 7, keys: [Key(name: "k")])"#)
        .events(
            r#"
            (at: "1h5m", do: DeleteVault(vault: "kv")),
            (at: "2h", name: "too early", do: CreateVault(Vault(name: "kv", region: "westeurope"))),
            (at: "610000s", name: "after purge", do: CreateVault(Vault(name: "kv", region: "westeurope"))),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "too early"), ["7200 Refused(VaultNameInUse)"]);
    assert_eq!(step_runs(&r, "after purge"), ["610000 Ok"]);
}

#[test]
fn delete_lock_refuses_vault_deletion_but_not_key_deletion() {
    // R4: the lock guards the management plane only.
    let r = Scenario::standard()
        .vaults(
            r#"Vault(name: "kv", region: "westeurope", delete_lock: true, keys: [Key(name: "k")])"#,
        )
        .events(
            r#"
            (at: "1h", name: "delete vault", do: DeleteVault(vault: "kv")),
            (at: "4000s", name: "delete key", do: DeleteKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "delete vault"), ["3600 Refused(ScopeLocked)"]);
    assert_eq!(step_runs(&r, "delete key"), ["4000 Ok"]);
    assert_eq!(
        windows(&r, "pg"),
        ["4000 4200 open 5800 open KeySoftDeleted"]
    );
}

// ---- R5 keys -------------------------------------------------------------------

#[test]
fn rotated_version_copies_type_size_and_has_no_expiry_without_a_policy() {
    // R5: version 1 expires at 1 d; version 2 (rotated at 1 h) has none, so
    // the server pointed at it at 2 h never loses access. A 1024-bit key's
    // version 2 is 1024 bits too: refused (R10.5, R37).
    let r = Scenario::standard()
        .horizon("3d")
        .vaults(
            r#"Vault(name: "kv", region: "westeurope", keys: [
                Key(name: "k", expires_after: "1d"),
                Key(name: "weak", size: 1024),
            ])"#,
        )
        .events(
            r#"
            (at: "1h", do: RotateKey(vault: "kv", key: "k")),
            (at: "1h", do: RotateKey(vault: "kv", key: "weak")),
            (at: "2h", name: "to v2", do: UpdateServerKey(server: "pg", key: "kv/k/2")),
            (at: "2h", name: "to weak v2", do: UpdateServerKey(server: "pg", key: "kv/weak/2")),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "to v2"), ["7200 Ok"]);
    assert_eq!(
        step_runs(&r, "to weak v2"),
        ["7200 Refused(KeyTypeUnsupported)"]
    );
    assert!(windows(&r, "pg").is_empty(), "{:?}", windows(&r, "pg"));
}

#[test]
fn rotation_policy_keeps_a_versionless_server_ahead_of_expiry() {
    // R5, R6: the policy rotates at 1 d, 2 d, 3 d; each new version expires
    // 36 h after its creation. The versionless server moves 10 min after
    // each rotation and never meets an expired version. The versioned one
    // stays on version 1, which expires at 2 d = 172800, a check second.
    let r = Scenario::standard()
        .horizon("4d")
        .vaults(
            r#"Vault(name: "kv", region: "westeurope", keys: [
                Key(name: "k", expires_after: "2d", rotation: Rotation(every: "1d", expire_after: "36h")),
            ])"#,
        )
        .servers(&format!("{}, {}", server("pg", "kv/k"), server("pg1", "kv/k/1")))
        .run();
    assert!(refusals(&r).is_empty(), "{:?}", refusals(&r));
    assert!(windows(&r, "pg").is_empty(), "{:?}", windows(&r, "pg"));
    assert!(unseen(&r, "pg").is_empty(), "{:?}", unseen(&r, "pg"));
    assert_eq!(
        windows(&r, "pg1"),
        ["172800 172800 open 174600 open KeyExpired"]
    );
}

#[test]
fn key_backup_restores_the_versions_with_their_material() {
    // R5: a backup taken at 1000 is restored after the key's purge at
    // 3900 + 7 d = 608700 (before, the soft-deleted key holds the name);
    // the restored material is the server's own, so access is back at
    // 610000 and the window ends 20 min later. No data loss (R31).
    let r = Scenario::standard()
        .horizon("8d")
        .vaults(
            r#"Vault(name: "kv", region: "westeurope", retention_days: 7, keys: [Key(name: "k")])"#,
        )
        .events(
            r#"
            (at: "1000s", do: BackupKey(vault: "kv", key: "k")),
            (at: "1h5m", do: DeleteKey(vault: "kv", key: "k")),
            (at: "5000s", name: "too early", do: RestoreKeyBackup(vault: "kv", key: "k")),
            (at: "610000s", name: "restore", do: RestoreKeyBackup(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "too early"), ["5000 Refused(KeyNameInUse)"]);
    assert_eq!(step_runs(&r, "restore"), ["610000 Ok"]);
    assert_eq!(
        windows(&r, "pg"),
        ["3900 4200 611200 5700 611200 KeySoftDeleted"]
    );
    assert_eq!(srv(&r, "pg").data_lost_at_s, None);
}

#[test]
fn key_backup_restores_only_into_a_vault_of_the_same_tenant() {
    let r = Scenario::standard()
        .vaults(
            r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k")]),
               Vault(name: "kv-other", region: "westeurope", tenant: "contoso"),
               Vault(name: "kv-same", region: "westeurope")"#,
        )
        .events(
            r#"
            (at: "1000s", do: BackupKey(vault: "kv", key: "k")),
            (at: "2000s", name: "other tenant", do: RestoreKeyBackup(vault: "kv-other", key: "k", from_vault: "kv")),
            (at: "2000s", name: "same tenant", do: RestoreKeyBackup(vault: "kv-same", key: "k", from_vault: "kv")),
            "#,
        )
        .run();
    assert_eq!(
        step_runs(&r, "other tenant"),
        ["2000 Refused(TenantMismatch)"]
    );
    assert_eq!(step_runs(&r, "same tenant"), ["2000 Ok"]);
}

#[test]
fn key_recreated_after_purge_has_new_material() {
    // R5: purged at 608700 with no backup (data lost then, R31); the key
    // created again under the same name cannot serve the old server, while a
    // new server takes it.
    let r = Scenario::standard()
        .horizon("8d")
        .vaults(
            r#"Vault(name: "kv", region: "westeurope", retention_days: 7, keys: [Key(name: "k")])"#,
        )
        .events(&format!(
            r#"
            (at: "1h5m", do: DeleteKey(vault: "kv", key: "k")),
            (at: "610000s", name: "recreate", do: CreateKey(vault: "kv", key: "k")),
            (at: "620000s", name: "new server", do: CreateServer({})),
            "#,
            server("pg2", "kv/k/1")
        ))
        .run();
    assert_eq!(step_runs(&r, "recreate"), ["610000 Ok"]);
    assert_eq!(step_runs(&r, "new server"), ["620000 Ok"]);
    assert_eq!(
        windows(&r, "pg"),
        ["3900 4200 open 5700 open KeySoftDeleted"]
    );
    assert_eq!(srv(&r, "pg").data_lost_at_s, Some(608700));
    assert!(windows(&r, "pg2").is_empty());
}

// ---- R6 key references ------------------------------------------------------------

#[test]
fn versioned_server_stays_on_its_version_after_rotation() {
    // R6: "kv/k/1" is always version 1: disabling version 2 changes nothing,
    // disabling version 1 at 5000 is a loss, seen at 5400.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: RotateKey(vault: "kv", key: "k")),
            (at: "4500s", do: DisableKey(vault: "kv", key: "k", version: 2)),
            (at: "5000s", do: DisableKey(vault: "kv", key: "k", version: 1)),
            "#,
        )
        .run();
    assert_eq!(windows(&r, "pg"), ["5000 5400 open 6800 open KeyDisabled"]);
}

#[test]
fn versionless_server_needs_the_old_version_until_it_moves_rewrap_after_later() {
    // R6: rotated at 3900, the move to version 2 is at 3900 + 10 min = 4500.
    // Disabling version 1 at 4400 is a loss until the move ends it at 4500,
    // before the check at 4800: unseen (R21).
    let r = Scenario::standard()
        .servers(&server("pg", "kv/k"))
        .events(
            r#"
            (at: "1h5m", do: RotateKey(vault: "kv", key: "k")),
            (at: "4400s", do: DisableKey(vault: "kv", key: "k", version: 1)),
            "#,
        )
        .run();
    assert_eq!(unseen(&r, "pg"), ["4400 4500 KeyDisabled"]);
    assert!(windows(&r, "pg").is_empty(), "{:?}", windows(&r, "pg"));
}

#[test]
fn newer_version_replaces_a_pending_move() {
    // R6: version 2 at 3900 (move due 4500), version 3 at 4200 replaces it
    // (move due 4800). Version 2 is never used, so disabling it at 4300
    // changes nothing; disabling version 1 at 4600 is a loss until the move
    // to version 3 at 4800, which comes before that second's check (R33).
    let r = Scenario::standard()
        .servers(&server("pg", "kv/k"))
        .events(
            r#"
            (at: "1h5m", do: RotateKey(vault: "kv", key: "k")),
            (at: "1h10m", do: RotateKey(vault: "kv", key: "k")),
            (at: "4300s", do: DisableKey(vault: "kv", key: "k", version: 2)),
            (at: "4600s", do: DisableKey(vault: "kv", key: "k", version: 1)),
            "#,
        )
        .run();
    assert_eq!(unseen(&r, "pg"), ["4600 4800 KeyDisabled"]);
    assert!(windows(&r, "pg").is_empty(), "{:?}", windows(&r, "pg"));
}

#[test]
fn update_server_key_cancels_a_pending_move() {
    // R6: the move due at 4500 is cancelled by pinning version 1 at 4000,
    // so disabling version 1 at 5000 is a loss.
    let r = Scenario::standard()
        .servers(&server("pg", "kv/k"))
        .events(
            r#"
            (at: "1h5m", do: RotateKey(vault: "kv", key: "k")),
            (at: "4000s", do: UpdateServerKey(server: "pg", key: "kv/k/1")),
            (at: "5000s", do: DisableKey(vault: "kv", key: "k", version: 1)),
            "#,
        )
        .run();
    assert_eq!(windows(&r, "pg"), ["5000 5400 open 6800 open KeyDisabled"]);
}

#[test]
fn versionless_server_moves_even_while_it_has_no_key_access() {
    // R6 and the simulator's documented choice: the move happens
    // rewrap_after later regardless of access. Version 1 is disabled at
    // 3900 (seen 4200); the rotation at 4500 moves the server to version 2
    // at 5100, which restores access; the window ends at 6300.
    let r = Scenario::standard()
        .servers(&server("pg", "kv/k"))
        .events(
            r#"
            (at: "1h5m", do: DisableKey(vault: "kv", key: "k", version: 1)),
            (at: "4500s", do: RotateKey(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(windows(&r, "pg"), ["3900 4200 6300 5700 6300 KeyDisabled"]);
}

// ---- R7 grants -----------------------------------------------------------------

#[test]
fn every_crypto_role_grants_access_and_reader_does_not() {
    for role in [
        "CryptoServiceEncryptionUser",
        "CryptoUser",
        "CryptoOfficer",
        "Administrator",
    ] {
        let r = Scenario::standard()
            .grants(&format!(
                r#"Role(identity: "id", vault: "kv", role: {role})"#
            ))
            .run();
        assert!(refusals(&r).is_empty(), "{role}: {:?}", refusals(&r));
    }
    let r = Scenario::standard()
        .grants(r#"Role(identity: "id", vault: "kv", role: Reader)"#)
        .run();
    assert_eq!(refusals(&r), ["0 GrantMissing"]);
}

#[test]
fn role_on_the_key_counts_and_role_on_another_key_does_not() {
    let vaults =
        r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k"), Key(name: "other")])"#;
    let on_key = Scenario::standard()
        .vaults(vaults)
        .grants(r#"Role(identity: "id", vault: "kv", key: "k", role: CryptoServiceEncryptionUser)"#)
        .run();
    assert!(refusals(&on_key).is_empty(), "{:?}", refusals(&on_key));
    let on_other = Scenario::standard()
        .vaults(vaults)
        .grants(
            r#"Role(identity: "id", vault: "kv", key: "other", role: CryptoServiceEncryptionUser)"#,
        )
        .run();
    assert_eq!(refusals(&on_other), ["0 GrantMissing"]);
}

#[test]
fn flexible_access_policy_needs_get_list_wrap_and_unwrap() {
    let with = |perms: &str| {
        Scenario::standard()
            .vaults(KV_AP)
            .grants(&format!(
                r#"AccessPolicy(identity: "id", vault: "kv", permissions: [{perms}])"#
            ))
            .run()
    };
    assert!(refusals(&with("Get, List, WrapKey, UnwrapKey")).is_empty());
    assert_eq!(
        refusals(&with("Get, WrapKey, UnwrapKey")),
        ["0 GrantMissing"]
    );
    assert_eq!(refusals(&with("Get, List, WrapKey")), ["0 GrantMissing"]);
}

#[test]
fn single_server_access_policy_needs_get_wrap_and_unwrap() {
    // R7, R39: a Single server's system identity is named after it.
    let with = |perms: &str| {
        Scenario::standard()
            .vaults(r#"Vault(name: "kv", region: "westeurope", permission_model: AccessPolicy, keys: [Key(name: "k", size: 2048)])"#)
            .grants(&format!(
                r#"AccessPolicy(identity: "pgs", vault: "kv", permissions: [{perms}])"#
            ))
            .servers(r#"Server(name: "pgs", kind: Single, region: "westeurope", workload: Workload(every: None), encryption: CustomerManaged(key: "kv/k/1"))"#)
            .run()
    };
    assert!(refusals(&with("Get, WrapKey, UnwrapKey")).is_empty());
    assert_eq!(refusals(&with("WrapKey, UnwrapKey")), ["0 GrantMissing"]);
}

#[test]
fn grants_of_the_other_permission_model_are_kept_but_ignored() {
    // R7: switching to access policies at 3900 ignores the role (loss);
    // switching back at 5000 makes it count again.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h5m", do: SetPermissionModel(vault: "kv", model: AccessPolicy)),
            (at: "5000s", do: SetPermissionModel(vault: "kv", model: Rbac)),
            "#,
        )
        .run();
    assert_eq!(windows(&r, "pg"), ["3900 4200 6200 5700 6200 GrantMissing"]);
}

#[test]
fn access_policy_on_an_rbac_vault_does_not_count() {
    let r = Scenario::standard().grants(AP_GRANT).run();
    assert_eq!(refusals(&r), ["0 GrantMissing"]);
}

#[test]
fn managed_hsm_takes_the_same_role_names() {
    let r = Scenario::standard()
        .vaults(r#"Vault(name: "kv", region: "westeurope", kind: ManagedHsm, keys: [Key(name: "k", kind: RsaHsm)])"#)
        .events(r#"(at: "1h5m", do: RemoveRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser))"#)
        .run();
    assert!(refusals(&r).is_empty(), "{:?}", refusals(&r));
    let w = &srv(&r, "pg").windows;
    assert_eq!(w.len(), 1);
    assert_eq!(causes_with_subjects(&w[0].causes), ["GrantMissing kv"]);
}

#[test]
fn vault_deletion_also_removes_roles_scoped_to_its_keys() {
    // R4: a key-scoped role goes with the vault too.
    let r = Scenario::standard()
        .grants(r#"Role(identity: "id", vault: "kv", key: "k", role: CryptoServiceEncryptionUser)"#)
        .events(
            r#"
            (at: "1h5m", do: DeleteVault(vault: "kv")),
            (at: "5000s", do: RecoverVault(vault: "kv")),
            "#,
        )
        .run();
    assert_eq!(
        windows(&r, "pg"),
        ["3900 4200 open 5700 open GrantMissing,VaultSoftDeleted"]
    );
}

#[test]
fn vault_without_soft_delete_is_purged_at_deletion() {
    // R4: no server may use such a vault (R35), but it can hold other keys.
    let r = Scenario::standard()
        .vaults(
            r#"Vault(name: "kv", region: "westeurope", keys: [Key(name: "k")]),
               Vault(name: "scratch", region: "westeurope", soft_delete: false, purge_protection: false, keys: [Key(name: "x")])"#,
        )
        .events(
            r#"
            (at: "1000s", name: "delete", do: DeleteVault(vault: "scratch")),
            (at: "1001s", name: "recover", do: RecoverVault(vault: "scratch")),
            (at: "1002s", name: "reuse name", do: CreateVault(Vault(name: "scratch", region: "westeurope"))),
            "#,
        )
        .run();
    assert_eq!(step_runs(&r, "delete"), ["1000 Ok"]);
    assert_eq!(step_runs(&r, "recover"), ["1001 Refused(VaultPurged)"]);
    assert_eq!(step_runs(&r, "reuse name"), ["1002 Ok"]);
}

#[test]
fn versionless_update_binds_the_newest_version_at_once() {
    // R6, R37: "kv/k" resolves to version 2 at the update (2 h), so
    // disabling version 1 at 3 h changes nothing.
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1h", do: RotateKey(vault: "kv", key: "k")),
            (at: "2h", do: UpdateServerKey(server: "pg", key: "kv/k")),
            (at: "3h", do: DisableKey(vault: "kv", key: "k", version: 1)),
            "#,
        )
        .run();
    assert!(windows(&r, "pg").is_empty(), "{:?}", windows(&r, "pg"));
    assert!(unseen(&r, "pg").is_empty(), "{:?}", unseen(&r, "pg"));
}

#[test]
fn key_and_vault_actions_name_their_refusal_reasons() {
    let r = Scenario::standard()
        .events(
            r#"
            (at: "1000s", name: "duplicate key", do: CreateKey(vault: "kv", key: "k")),
            (at: "1000s", name: "recover live vault", do: RecoverVault(vault: "kv")),
            (at: "1000s", name: "purge live vault", do: PurgeVault(vault: "kv")),
            (at: "1000s", name: "recover live key", do: RecoverKey(vault: "kv", key: "k")),
            (at: "1000s", name: "no backup", do: RestoreKeyBackup(vault: "kv", key: "k")),
            "#,
        )
        .run();
    assert_eq!(
        step_runs(&r, "duplicate key"),
        ["1000 Refused(KeyNameInUse)"]
    );
    assert_eq!(
        step_runs(&r, "recover live vault"),
        ["1000 Refused(VaultNotDeleted)"]
    );
    assert_eq!(
        step_runs(&r, "purge live vault"),
        ["1000 Refused(VaultNotDeleted)"]
    );
    assert_eq!(
        step_runs(&r, "recover live key"),
        ["1000 Refused(KeyNotDeleted)"]
    );
    assert_eq!(step_runs(&r, "no backup"), ["1000 Refused(BackupNotFound)"]);
    assert!(windows(&r, "pg").is_empty());
}
