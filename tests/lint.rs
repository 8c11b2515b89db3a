//! `keyloss lint`: each rule fires on the setup it describes and on nothing
//! else; every error is a setup the simulator itself refuses; the catalog's
//! deliberate misconfigurations are found; the three formats and the exit
//! codes hold.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use keyloss::lint::{json, lint_text, sarif, text, Finding, LintRun, Severity};
use keyloss::model::{run, RunOptions};
use keyloss::scenario::parse_str;

/// A setup that follows every recommendation: no finding at all.
const IDEAL: &str = r#"Scenario(
    name: "ideal",
    horizon: "1d",
    world: World(
        identities: [
            Identity(name: "id", region: "we"),
            Identity(name: "id-ne", region: "ne"),
        ],
        vaults: [
            Vault(name: "kv", region: "we", retention_days: 90, purge_protection: true,
                permission_model: Rbac, delete_lock: true,
                firewall: Firewall(public_access: false, trusted_services: true),
                keys: [Key(name: "k", size: 4096, backed_up: true)]),
        ],
        grants: [Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)],
        servers: [
            Server(name: "pg", region: "we",
                encryption: CustomerManaged(key: "kv/k", identity: "id")),
        ],
    ),
    alerts: [Alert(name: "pg key access", on: KeyAccessFailure(server: "pg"))],
)"#;

/// Text replacements: `(from, to)`.
type Changes<'a> = Vec<(&'a str, &'a str)>;

/// IDEAL with each `(from, to)` replaced once (each `from` must occur).
fn variant(changes: &[(&str, &str)]) -> String {
    let mut text = IDEAL.to_string();
    for (from, to) in changes {
        assert!(text.contains(from), "IDEAL has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    text
}

fn lint(text: &str) -> Vec<Finding> {
    lint_text(text, "t.ron").unwrap_or_else(|d| panic!("{}", d.render(false)))
}

fn rules_of(findings: &[Finding]) -> BTreeSet<&'static str> {
    findings.iter().map(|f| f.rule).collect()
}

/// (action, reason) of every refusal in a run.
fn refusals(text: &str) -> Vec<(String, String)> {
    let plan = parse_str(text, "t.ron").expect("valid");
    let r = run(&plan, &RunOptions::default()).expect("runs");
    r.refused
        .iter()
        .map(|x| (x.action.clone(), x.reason.clone()))
        .collect()
}

#[test]
fn a_setup_that_follows_every_recommendation_has_no_finding() {
    let findings = lint(IDEAL);
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(refusals(IDEAL).is_empty());
}

/// Each error rule on its own, and the simulator's refusal for the same
/// setup: the lint says beforehand what a run would refuse.
#[test]
fn each_error_is_a_setup_the_simulator_refuses() {
    // The geo-backup key used through the primary's own identity.
    let same_identity_for_geo = [
            (
                "Identity(name: \"id-ne\", region: \"ne\"),",
                "Identity(name: \"id-ne\", region: \"ne\"),",
            ),
            (
                "keys: [Key(name: \"k\", size: 4096, backed_up: true)]),",
                "keys: [Key(name: \"k\", size: 4096, backed_up: true)]),
            Vault(name: \"kv-ne\", region: \"ne\", delete_lock: true,
                firewall: Firewall(public_access: false, trusted_services: true),
                keys: [Key(name: \"g\", backed_up: true)]),",
            ),
            (
                "grants: [",
                "grants: [Role(identity: \"id\", vault: \"kv-ne\", role: CryptoServiceEncryptionUser), ",
            ),
            (
                "Server(name: \"pg\", region: \"we\",",
                "Server(name: \"pg\", region: \"we\", backup_region: \"ne\",",
            ),
            (
                "identity: \"id\")),",
                "identity: \"id\", geo_backup: GeoBackup(key: \"kv-ne/g\", identity: \"id\"))),",
            ),
        ];
    let single = [
        (
            "Server(name: \"pg\", region: \"we\",",
            "Server(name: \"pg\", kind: Single, region: \"we\",",
        ),
        (
            "CustomerManaged(key: \"kv/k\", identity: \"id\")",
            "CustomerManaged(key: \"kv/k\")",
        ),
        ("Role(identity: \"id\",", "Role(identity: \"pg\","),
    ];
    let cases: Vec<(&str, Changes, &str, &str)> = vec![
        ("KL001", vec![("Vault(name: \"kv\", region: \"we\",", "Vault(name: \"kv\", region: \"we\", tenant: \"other\",")], "CreateServer", "VaultWrongTenant"),
        ("KL002", vec![("Vault(name: \"kv\", region: \"we\"", "Vault(name: \"kv\", region: \"ne\"")], "CreateServer", "RegionMismatch"),
        ("KL003", vec![("retention_days: 90,", "retention_days: 90, soft_delete: false,")], "CreateServer", "SoftDeleteDisabled"),
        ("KL004", vec![("purge_protection: true", "purge_protection: false")], "CreateServer", "PurgeProtectionDisabled"),
        ("KL005", vec![("trusted_services: true", "trusted_services: false")], "CreateServer", "FirewallBlocked"),
        ("KL006", vec![("role: CryptoServiceEncryptionUser", "role: Reader")], "CreateServer", "GrantMissing"),
        ("KL006", vec![("permission_model: Rbac", "permission_model: AccessPolicy")], "CreateServer", "GrantMissing"),
        ("KL007", vec![("size: 4096", "size: 1024")], "CreateServer", "KeyTypeUnsupported"),
        ("KL007", vec![("size: 4096", "kind: Ec, size: 4096")], "CreateServer", "KeyTypeUnsupported"),
        ("KL008", vec![("backed_up: true", "backed_up: true, ops: [Encrypt, Decrypt]")], "CreateServer", "KeyOpsMissing"),
        ("KL009", vec![("backed_up: true", "backed_up: true, enabled: false")], "CreateServer", "KeyDisabled"),
        ("KL010", vec![("backed_up: true", "backed_up: true, activates_after: \"1h\"")], "CreateServer", "KeyNotYetActive"),
        ("KL011", vec![("backed_up: true", "backed_up: true, expires_after: \"0s\"")], "CreateServer", "KeyExpired"),
        ("KL012", vec![("key: \"kv/k\"", "key: \"kv/k/2\"")], "CreateServer", "KeyVersionMissing"),
        ("KL013", single.to_vec(), "CreateServer", "KeyTypeUnsupported"),
        ("KL014", vec![("Server(name: \"pg\", region: \"we\",", "Server(name: \"pg\", region: \"we\", double_encryption: true,")], "CreateServer", "DoubleEncryptionNotSupported"),
        ("KL015", vec![("Server(name: \"pg\", region: \"we\",", "Server(name: \"pg\", region: \"we\", backup_region: \"ne\",")], "CreateServer", "GeoBackupKeyMissing"),
        ("KL016", vec![("identity: \"id\")),", "identity: \"id\", geo_backup: GeoBackup(key: \"kv/k\", identity: \"id-ne\"))),")], "CreateServer", "GeoBackupWithoutBackupRegion"),
        ("KL017", same_identity_for_geo.to_vec(), "CreateServer", "GeoIdentityNotDistinct"),
        ("KL018", vec![("alerts: [", "events: [(at: \"1h\", do: SetEncryption(server: \"pg\", encryption: ServiceManaged))],\n    alerts: [")], "SetEncryption", "EncryptionModeFixed"),
        ("KL019", vec![("alerts: [", "events: [(at: \"1h\", do: CreateReplica(from: \"pg\", into: \"pg-ne\", region: \"ne\"))],\n    alerts: [")], "CreateReplica", "ReplicaKeyRequired"),
        ("KL020", vec![("Server(name: \"pg\", region: \"we\",", "Server(name: \"pg\", region: \"we\", ssl_enforcement: false,")], "CreateServer", "InvalidParameterValue"),
        ("KL020", vec![("Server(name: \"pg\", region: \"we\",", "Server(name: \"pg\", region: \"we\", ssl_min_protocol_version: \"TLSv1.1\",")], "CreateServer", "InvalidParameterValue"),
    ];
    for (rule, changes, action, reason) in cases {
        let text = variant(&changes);
        let findings = lint(&text);
        let errors: BTreeSet<&str> = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.rule)
            .collect();
        assert_eq!(errors, BTreeSet::from([rule]), "{rule}: {findings:#?}");
        let refused = refusals(&text);
        assert!(
            refused.contains(&(action.to_string(), reason.to_string())),
            "{rule}: the simulator refused {refused:?}, not {action} for {reason}"
        );
        let f = findings
            .iter()
            .find(|f| f.rule == rule)
            .expect("the finding");
        let r = f.refuses.as_ref().expect("an error names what is refused");
        assert_eq!(r.action, action, "{rule}");
        assert!(!f.fix.is_empty() && f.line > 0 && f.column > 0, "{f:#?}");
    }
}

#[test]
fn each_warning_stands_alone() {
    let geo_other_region = vec![
        ("Identity(name: \"id-ne\", region: \"ne\")", "Identity(name: \"id-ne\", region: \"we\")"),
        (
            "keys: [Key(name: \"k\", size: 4096, backed_up: true)]),",
            "keys: [Key(name: \"k\", size: 4096, backed_up: true)]),
            Vault(name: \"kv-ne\", region: \"ne\", delete_lock: true,
                firewall: Firewall(public_access: false, trusted_services: true),
                keys: [Key(name: \"g\", backed_up: true)]),",
        ),
        (
            "grants: [",
            "grants: [Role(identity: \"id-ne\", vault: \"kv-ne\", role: CryptoServiceEncryptionUser), ",
        ),
        ("Server(name: \"pg\", region: \"we\",", "Server(name: \"pg\", region: \"we\", backup_region: \"ne\","),
        ("identity: \"id\")),", "identity: \"id\", geo_backup: GeoBackup(key: \"kv-ne/g\", identity: \"id-ne\"))),"),
    ];
    let unused_vault = |settings: &str| {
        format!(
            "keys: [Key(name: \"k\", size: 4096, backed_up: true)]),
            Vault(name: \"kv2\", region: \"we\", delete_lock: true, {settings}
                firewall: Firewall(public_access: false, trusted_services: true)),"
        )
    };
    let soft = unused_vault("soft_delete: false,");
    let purge = unused_vault("purge_protection: false,");
    let ideal_keys = "keys: [Key(name: \"k\", size: 4096, backed_up: true)]),";
    let cases: Vec<(&str, Changes)> = vec![
        ("KL101", vec![(ideal_keys, &soft)]),
        ("KL102", vec![(ideal_keys, &purge)]),
        ("KL103", vec![("retention_days: 90", "retention_days: 30")]),
        ("KL104", vec![("delete_lock: true", "delete_lock: false")]),
        (
            "KL105",
            vec![
                ("permission_model: Rbac", "permission_model: AccessPolicy"),
                (
                    "Role(identity: \"id\", vault: \"kv\", role: CryptoServiceEncryptionUser)",
                    "AccessPolicy(identity: \"id\", vault: \"kv\", permissions: [Get, List, WrapKey, UnwrapKey])",
                ),
            ],
        ),
        ("KL106", vec![("public_access: false", "public_access: true")]),
        (
            "KL107",
            vec![("trusted_services: true", "trusted_services: false, private_endpoint: true")],
        ),
        ("KL108", vec![("size: 4096, backed_up: true", "size: 4096")]),
        ("KL109", geo_other_region),
        ("KL110", vec![("alerts: [Alert(name: \"pg key access\", on: KeyAccessFailure(server: \"pg\"))],", "")]),
        ("KL111", vec![("backed_up: true", "backed_up: true, expires_after: \"90d\"")]),
        (
            "KL112",
            vec![
                ("backed_up: true", "backed_up: true, rotation: Rotation(every: \"30d\")"),
                ("key: \"kv/k\"", "key: \"kv/k/1\""),
            ],
        ),
        ("KL113", vec![("size: 4096", "size: 2048")]),
    ];
    for (rule, changes) in cases {
        let text = variant(&changes);
        let findings = lint(&text);
        assert_eq!(
            rules_of(&findings),
            BTreeSet::from([rule]),
            "{rule}: {findings:#?}"
        );
        assert!(
            refusals(&text).is_empty(),
            "{rule}: a warning is no refusal"
        );
        assert!(findings.iter().all(|f| f.refuses.is_none()));
    }
}

#[test]
fn a_finding_stands_on_the_value_to_change() {
    let text = variant(&[("purge_protection: true", "purge_protection: false")]);
    let f = lint(&text)
        .into_iter()
        .find(|f| f.rule == "KL004")
        .expect("KL004");
    let line = text.lines().nth(f.line - 1).expect("line");
    let at: String = line.chars().skip(f.column - 1).collect();
    assert!(at.starts_with("false"), "{at}");
    assert_eq!((f.end_line, f.end_column), (f.line, f.column + 5));
    assert!(
        f.message.contains("server \"pg\" (line 17)"),
        "{}",
        f.message
    );
}

/// IDEAL's world without its server, whose servers come from `events`.
fn created_by_events(key: &str, grants: &str, events: &str) -> String {
    format!(
        r#"Scenario(name: "later", horizon: "1d",
    world: World(
        identities: [Identity(name: "id", region: "we")],
        vaults: [Vault(name: "kv", region: "we", delete_lock: true,
            firewall: Firewall(public_access: false, trusted_services: true),
            keys: [{key}])],
        grants: [{grants}],
    ),
    events: [{events}],
    alerts: [Alert(name: "a", on: KeyAccessFailure(server: "pg")),
             Alert(name: "b", on: KeyAccessFailure(server: "pg-later"))],
)"#
    )
}

const CREATE_PG_AT_1H_AND_LATER_AT_3H: &str = r#"
        (at: "1h", do: CreateServer(Server(name: "pg", region: "we",
            encryption: CustomerManaged(key: "kv/k", identity: "id")))),
        (at: "3h", do: CreateServer(Server(name: "pg-later", region: "we",
            encryption: CustomerManaged(key: "kv/k", identity: "id"))))"#;

fn refused_servers(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .filter_map(|f| f.refuses.as_ref().map(|r| r.server.clone()))
        .collect()
}

#[test]
fn a_server_created_later_is_checked_at_that_moment() {
    // The key activates at 2h: the server created at 1h is refused, the one
    // at 3h is not.
    let text = created_by_events(
        r#"Key(name: "k", backed_up: true, activates_after: "2h")"#,
        r#"Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)"#,
        CREATE_PG_AT_1H_AND_LATER_AT_3H,
    );
    let findings = lint(&text);
    assert_eq!(refused_servers(&findings), ["pg"], "{findings:#?}");
    assert_eq!(rules_of(&findings), BTreeSet::from(["KL010"]));
    assert_eq!(
        refusals(&text),
        [("CreateServer".into(), "KeyNotYetActive".into())]
    );
}

#[test]
fn a_grant_counts_only_once_it_is_given() {
    let events = format!(
        r#"{CREATE_PG_AT_1H_AND_LATER_AT_3H},
        (at: "2h", do: AssignRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser))"#
    );
    let text = created_by_events(r#"Key(name: "k", backed_up: true)"#, "", &events);
    let findings = lint(&text);
    assert_eq!(refused_servers(&findings), ["pg"], "{findings:#?}");
    assert_eq!(rules_of(&findings), BTreeSet::from(["KL006"]));
    assert_eq!(
        refusals(&text),
        [("CreateServer".into(), "GrantMissing".into())]
    );
}

// ---- the catalog ----------------------------------------------------------------

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn catalog() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(manifest().join("scenarios"))
        .expect("scenarios/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files
}

fn stem(p: &str) -> String {
    Path::new(p)
        .file_name()
        .map(|n| n.to_string_lossy().chars().take(2).collect())
        .unwrap_or_default()
}

#[test]
fn the_catalogs_deliberate_misconfigurations_are_errors_and_nothing_else_is() {
    let (run, problems) = LintRun::of_paths(&catalog());
    assert!(problems.is_empty());
    let errors: BTreeSet<(String, &str, String)> = run
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| {
            let server = f.refuses.as_ref().map_or("", |r| r.server.as_str());
            (stem(&f.file), f.rule, server.to_string())
        })
        .collect();
    let expected: BTreeSet<(String, &str, String)> = [
        ("06", "KL010", "pg-early"),
        ("20", "KL003", "pg-prod"),
        ("20", "KL004", "pg-prod"),
        ("21", "KL002", "pg-prod"),
        ("22", "KL007", "pg-prod"),
        ("23", "KL018", "pg-smk"),
        ("23", "KL018", "pg-cmk"),
    ]
    .into_iter()
    .map(|(s, r, n)| (s.to_string(), r, n.to_string()))
    .collect();
    assert_eq!(errors, expected);
    assert_eq!(run.exit_code(), 1);
}

/// Over the whole catalog, the setups the lint says the service refuses are
/// exactly the creations and encryption changes a run refuses.
#[test]
fn over_the_catalog_lint_errors_match_the_simulators_refusals() {
    for path in catalog() {
        let text = std::fs::read_to_string(&path).expect("read");
        let plan = parse_str(&text, "c.ron").expect("valid");
        let result = run(&plan, &RunOptions::default()).expect("runs");
        let mut from_run: Vec<String> = result
            .refused
            .iter()
            .filter(|r| r.action == "CreateServer" || r.action == "SetEncryption")
            .map(|r| r.action.clone())
            .collect();
        let mut from_lint: Vec<String> = lint(&text)
            .into_iter()
            .filter_map(|f| f.refuses)
            .map(|r| (r.action, r.server))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|(action, _)| action)
            .collect();
        from_run.sort();
        from_lint.sort();
        assert_eq!(from_lint, from_run, "{}", path.display());
    }
}

// ---- formats and exit codes ----------------------------------------------------

fn keyloss(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keyloss"))
        .args(args)
        .current_dir(manifest())
        .env("NO_COLOR", "1")
        .output()
        .expect("keyloss runs")
}

#[test]
fn exit_codes_are_0_for_warnings_1_for_errors_2_for_bad_input() {
    let out = keyloss(&["lint", "scenarios/02-versionless-rotation.ron"]);
    assert_eq!(out.status.code(), Some(0));
    let out = keyloss(&["lint", "scenarios/21-create-refused-wrong-region.ron"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "scenarios/21-create-refused-wrong-region.ron:19:46: error[KL002] vault-other-region: "
        ),
        "{text}"
    );
    assert!(
        text.contains("    fix: use a key from a vault in westeurope\n"),
        "{text}"
    );
    let out = keyloss(&[
        "lint",
        "tests/bad_input/unknown-vault.ron",
        "scenarios/21-create-refused-wrong-region.ron",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = keyloss(&["lint", "no-such-file.ron"]);
    assert_eq!(out.status.code(), Some(2));
    let out = keyloss(&[
        "lint",
        "scenarios/02-versionless-rotation.ron",
        "--format",
        "xml",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn json_lists_every_finding_with_its_place_and_fix() {
    let (run, _) =
        LintRun::of_paths(&[manifest().join("scenarios/20-create-refused-soft-delete-off.ron")]);
    let v: serde_json::Value = serde_json::from_str(&json::render(&run)).expect("json");
    assert_eq!(v["errors"], 2);
    let f = &v["findings"].as_array().expect("findings")[0];
    for field in [
        "rule",
        "name",
        "severity",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "entity",
        "message",
        "fix",
        "refuses",
    ] {
        assert!(f.get(field).is_some(), "{field} in {f}");
    }
    assert_eq!(
        v["rules"].as_array().expect("rules").len(),
        keyloss::lint::rules::ALL.len()
    );
}

/// The fields SARIF 2.1.0 requires, and the ones code scanning reads.
#[test]
fn sarif_has_the_fields_the_schema_requires() {
    let files = [
        manifest().join("scenarios/20-create-refused-soft-delete-off.ron"),
        manifest().join("tests/bad_input/unknown-vault.ron"),
    ];
    let (run, _) = LintRun::of_paths(&files);
    let v: serde_json::Value = serde_json::from_str(&sarif::render(&run)).expect("json");
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(v["$schema"], sarif::SCHEMA);
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "keyloss");
    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    let results = runs[0]["results"].as_array().expect("results");
    assert_eq!(results.len(), run.findings.len());
    for r in results {
        let id = r["ruleId"].as_str().expect("ruleId");
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(ids[index], id);
        assert!(["error", "warning"].contains(&r["level"].as_str().expect("level")));
        assert!(!r["message"]["text"].as_str().expect("text").is_empty());
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(uri.ends_with(".ron") && !uri.contains('\\'), "{uri}");
        assert!(loc["region"]["startLine"].as_u64().expect("startLine") >= 1);
        assert!(loc["region"]["startColumn"].as_u64().expect("startColumn") >= 1);
    }
    assert!(results.iter().any(|r| r["ruleId"] == "KL000"));
    assert_eq!(sarif::uri("my scenarios/a.ron"), "my%20scenarios/a.ron");
}

#[test]
fn text_ends_with_a_count() {
    let (run, _) =
        LintRun::of_paths(&[manifest().join("scenarios/22-create-refused-1024-bit-key.ron")]);
    let out = text::render(&run);
    assert!(
        out.ends_with("1 error(s), 3 warning(s) in 1 file(s)\n"),
        "{out}"
    );
}
