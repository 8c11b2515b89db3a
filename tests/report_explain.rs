//! `keyloss explain`: the narrative says what happened, why, when it was
//! seen, and the documented way back, from the run alone.

use std::path::{Path, PathBuf};
use std::process::Command;

fn explain(file: &Path) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_keyloss"))
        .arg("explain")
        .arg(file)
        .output()
        .unwrap();
    (o.status.code(), String::from_utf8(o.stdout).unwrap())
}

fn shipped(name: &str) -> String {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    let (code, text) = explain(&file);
    assert_eq!(code, Some(0), "{name}");
    text
}

/// The narrative of a scenario given as text.
fn inline(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("keyloss-explain-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file: PathBuf = dir.join(format!("{name}.ron"));
    std::fs::write(&file, text).unwrap();
    let (code, out) = explain(&file);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, Some(0), "{out}");
    out
}

/// Words as the text has them, whatever the line breaks.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn explain_says_who_changed_what_and_when_the_server_noticed() {
    let t = flat(&shipped("07-vault-deleted-recovered.ron"));
    assert!(t.contains(
        "At +0d 03:20:00 (2026-03-02 03:20:00 UTC), cleanup-script ran DeleteVault on kv-prod, and pg-prod lost key access."
    ));
    assert!(t.contains("VaultSoftDeleted (kv-prod)"));
    assert!(t.contains("It breaks condition 2 of key access"));
    assert!(t.contains("checks its key every 10 minutes"));
    assert!(t.contains(
        "which came at +0d 03:24:00 (2026-03-02 03:24:00 UTC), 4 minutes after the loss"
    ));
}

#[test]
fn explain_says_why_resource_health_stayed_available_without_traffic() {
    let t = flat(&shipped("07-vault-deleted-recovered.ron"));
    assert!(t.contains("Resource health kept showing Available: no client tried to connect"));
    assert!(t.contains(
        "Key access had already come back at +0d 04:00:00 (2026-03-02 04:00:00 UTC): the control plane lags behind."
    ));
}

#[test]
fn explain_gives_the_recovery_path_and_how_long_revalidation_took() {
    let t = flat(&shipped("11-identity-recreated.ron"));
    assert!(t.contains("UpdateServerIdentity to pg-uami by script at +0d 04:30:00"));
    assert!(t.contains("pg-prod then waited 50 minutes before it was Available again at +0d 05:20:00 (identity_revalidate_after"));
    assert!(t.contains("In all, pg-prod denied connections for 1 hour 17 minutes"));
}

#[test]
fn explain_tells_alerts_and_runbook_steps_with_their_outcome() {
    let t = flat(&shipped("25-alert-runbook.ron"));
    assert!(t.contains("\"key-failure\" fired at +0d 04:26:00 and was notified at +0d 04:31:00"));
    assert!(t.contains(
        "runbook \"default\" ran EnableKey on kv-prod/pg-cmk (step \"re-enable key\"): done"
    ));
    assert!(t.contains("(step \"revalidate\"): accepted, but it changed nothing"));
    assert!(t.contains("detected after 11 minutes 9 seconds"));
}

#[test]
fn explain_reports_unseen_losses() {
    let t = flat(&shipped("19-short-loss-unseen.ron"));
    assert!(t.contains("No server denied connections during the run."));
    assert!(t.contains("Unseen losses"));
    assert!(t.contains("before its next key check: it never denied a connection"));
}

#[test]
fn explain_says_data_loss_is_final_and_why() {
    let t = flat(&shipped("08-vault-purged.ron"));
    assert!(t.contains("pg-prod's data was lost for good at +8d 00:00:00"));
    assert!(t.contains("It is final: a purge destroys the key material"));
    assert!(t.contains("Key access never came back before the end of the run"));
}

#[test]
fn explain_decodes_refusals_and_tls_incidents() {
    let t = flat(&shipped("09-purge-refused.ron"));
    assert!(t.contains("refused with PurgeProtectionEnabled: purge protection is on"));
    let t = flat(&shipped("24-tls-minimum-raised.ron"));
    assert!(t.contains("refused 35 connection attempts from clients using TLS 1.2"));
}

#[test]
fn explain_decodes_an_unhelpful_service_code_into_the_true_cause() {
    let t = flat(&inline(
        "code",
        r#"Scenario(
    name: "create-on-deleted-key",
    horizon: "1d",
    world: World(
        identities: [Identity(name: "pg-uami", region: "westeurope")],
        vaults: [Vault(name: "kv-prod", region: "westeurope", keys: [Key(name: "pg-cmk")])],
        grants: [Role(identity: "pg-uami", vault: "kv-prod", role: CryptoServiceEncryptionUser)],
    ),
    events: [
        (at: "1h", do: DeleteKey(vault: "kv-prod", key: "pg-cmk"), by: "key-admin"),
        (at: "2h", name: "create pg", by: "pipeline", do: CreateServer(Server(name: "pg-prod",
            region: "westeurope", encryption: CustomerManaged(key: "kv-prod/pg-cmk/1", identity: "pg-uami")))),
    ],
)"#,
    ));
    assert!(t.contains(
        "pipeline tried CreateServer (\"create pg\") and was refused with KeySoftDeleted"
    ));
    assert!(t.contains("The service itself reports AzureKeyVaultKeyNotFound"));
    assert!(t.contains("here the true cause is KeySoftDeleted"));
}

const REPLACED: &str = r#"Scenario(
    name: "identity-replaced",
    start: "2026-03-01T00:00:00Z",
    horizon: "1d",
    timing: Timing(key_check_phase: Fixed("4m"), inaccessible_after: Fixed("30m"), identity_revalidate_after: Fixed("1h")),
    world: World(
        identities: [Identity(name: "pg-uami", region: "westeurope")],
        vaults: [Vault(name: "kv-prod", region: "westeurope", keys: [Key(name: "pg-cmk")])],
        grants: [Role(identity: "pg-uami", vault: "kv-prod", role: CryptoServiceEncryptionUser)],
        servers: [Server(name: "pg-prod", region: "westeurope",
            encryption: CustomerManaged(key: "kv-prod/pg-cmk/1", identity: "pg-uami"))],
    ),
    events: [
        (at: "1h", do: DeleteIdentity(identity: "pg-uami"), by: "cleanup-script"),
        (at: "1h", do: CreateIdentity(identity: "pg-uami", region: "westeurope"), by: "terraform"),
        (at: "2h", do: AssignRole(identity: "pg-uami", vault: "kv-prod", role: CryptoServiceEncryptionUser), by: "on-call"),
        (at: "2h10m", do: UpdateServerIdentity(server: "pg-prod", identity: "pg-uami"), by: "on-call"),
    ],
)"#;

#[test]
fn explain_gives_the_documented_way_back_for_a_replaced_identity() {
    let t = flat(&inline("replaced", REPLACED));
    assert!(t.contains("IdentityReplaced (pg-uami)"));
    assert!(t.contains("point the server at the new identity (UpdateServerIdentity), grant that identity the role on the vault, and wait about an hour"));
    assert!(
        t.contains("recover a deleted identity instead of creating a new one under the same name")
    );
}

#[test]
fn explain_shows_calendar_time_beside_offsets_when_the_scenario_gives_a_start() {
    let t = flat(&inline("calendar", REPLACED));
    assert!(
        t.contains("At +0d 01:00:00 (2026-03-01 01:00:00 UTC), cleanup-script ran DeleteIdentity")
    );
}

#[test]
fn explain_gives_the_same_text_for_the_same_scenario_and_seed() {
    let a = shipped("30-relapse-during-wait.ron");
    let b = shipped("30-relapse-during-wait.ron");
    assert_eq!(a, b);
    assert!(flat(&a).contains("Access was lost again once during the wait"));
}

#[test]
fn explain_lines_fit_a_terminal() {
    for name in ["11-identity-recreated.ron", "08-vault-purged.ron"] {
        let text = shipped(name);
        let wide: Vec<&str> = text
            .lines()
            .filter(|l| l.chars().count() > 78 && l.contains(' '))
            .collect();
        assert!(wide.is_empty(), "{name}: {wide:?}");
    }
}

#[test]
fn explain_counts_the_expectations_a_sweep_decides() {
    let one = flat(&shipped("36-slow-vs-fast-runbook.ron"));
    assert!(
        one.contains("1 expectation needs a sweep of many seeds and was skipped."),
        "{one}"
    );
    let two = flat(
        &explain(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/fleets/vault-deleted-10k.ron"
        )))
        .1,
    );
    assert!(
        two.contains("2 expectations need a sweep of many seeds and were skipped."),
        "{two}"
    );
}
