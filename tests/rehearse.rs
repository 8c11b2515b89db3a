//! `keyloss rehearse`: paired nights, score cards, and sweep expectations.

use keyloss::rehearsal::rehearse::{rehearse, DO_NOTHING};
use keyloss::scenario::parse_str;

/// A role removed at 1h with random detection and recovery delays; the
/// runbooks react to the activity-log alert.
fn scenario(runbooks: &str, expect: &str) -> String {
    format!(
        r#"Scenario(name: "paired", seed: 5, horizon: "2d",
        world: World(
            identities: [Identity(name: "id", region: "r")],
            vaults: [Vault(name: "kv", region: "r", keys: [Key(name: "k")])],
            grants: [Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)],
            servers: [Server(name: "pg", region: "r",
                encryption: CustomerManaged(key: "kv/k", identity: "id"))]),
        alerts: [Alert(name: "kaf", on: KeyAccessFailure(server: "pg"))],
        events: [(at: "1h", do: RemoveRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)),
                 (at: "1d", do: AssignRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser))],
        runbooks: [{runbooks}],
        expect: [{expect}])"#
    )
}

const FAST: &str = r#"("fast", [(name: "grant", on: Alert("kaf"), after: "1m",
    do: AssignRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser))])"#;
const SLOW: &str = r#"("slow", [(name: "grant", on: Alert("kaf"), after: "3h",
    do: AssignRole(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser))])"#;
const USELESS: &str =
    r#"("useless", [(name: "purge", on: Alert("kaf"), after: "1m", do: PurgeVault(vault: "kv"))])"#;

#[test]
fn every_runbook_meets_the_same_nights() {
    let plan = parse_str(
        &scenario(&format!("{FAST}, {SLOW}, {USELESS}"), ""),
        "p.ron",
    )
    .unwrap();
    let r = rehearse(&plan, 200, None).unwrap();
    let names: Vec<&str> = r.cards.iter().map(|c| c.runbook.as_str()).collect();
    assert_eq!(names, [DO_NOTHING, "fast", "slow", "useless"]);
    let night = |name: &str| &r.nights.iter().find(|(n, _)| n == name).unwrap().1;
    // A runbook whose only step is refused changes nothing: the same draws
    // give the same outage, night by night.
    assert_eq!(night("useless"), night(DO_NOTHING));
    let useless = r.cards.iter().find(|c| c.runbook == "useless").unwrap();
    let v = useless.versus_baseline.as_ref().unwrap();
    assert_eq!(
        (v.nights_same, v.nights_better, v.nights_worse),
        (200, 0, 0)
    );
    assert_eq!(useless.most_failed_step.as_deref(), Some("purge"));
    assert_eq!(useless.steps[0].success_rate, 0.0);
    assert_eq!(
        useless.steps[0].main_reason.as_deref(),
        Some("VaultNotDeleted")
    );
    // Acting on the first alert beats acting three hours later on every night.
    for (f, s) in night("fast").iter().zip(night("slow")) {
        assert!(f < s, "fast {f} s vs slow {s} s");
    }
    let fast = r.cards.iter().find(|c| c.runbook == "fast").unwrap();
    assert_eq!(fast.versus_baseline.as_ref().unwrap().nights_better, 200);
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let plan = parse_str(&scenario(&format!("{FAST}, {SLOW}"), ""), "p.ron").unwrap();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| rehearse(&plan, 100, None).unwrap());
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
        .install(|| rehearse(&plan, 100, None).unwrap());
    assert_eq!(
        serde_json::to_string(&one).unwrap(),
        serde_json::to_string(&two).unwrap()
    );
}

#[test]
fn sweep_expectations_are_decided_over_the_first_runbooks_nights() {
    // The fast runbook: denial within 10 min of the loss, the alert 15–30
    // min after it plus 5 min, the grant a minute later, then up to an hour.
    let plan = parse_str(
        &scenario(
            &format!("{FAST}, {SLOW}"),
            r#"OutageQuantile(server: "pg", q: 0.95, at_most: "2h"), OutageProbability(server: "pg", at_most: 0.5)"#,
        ),
        "p.ron",
    )
    .unwrap();
    let r = rehearse(&plan, 100, None).unwrap();
    assert_eq!(
        r.expectations[0].passed,
        Some(true),
        "{}",
        r.expectations[0].detail
    );
    assert_eq!(
        r.expectations[1].passed,
        Some(false),
        "{}",
        r.expectations[1].detail
    );
    assert!(!r.all_passed());
}

#[test]
fn rehearse_out_writes_the_summary_and_an_overlaid_cdf_of_every_runbook() {
    let dir = std::env::temp_dir().join(format!("keyloss-rehearse-{}", std::process::id()));
    let file = dir.join("paired.ron");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&file, scenario(&format!("{FAST}, {SLOW}"), "")).unwrap();
    let out = dir.join("out");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_keyloss"))
        .args(["rehearse", "--runs", "50", "--out"])
        .arg(&out)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let svg = std::fs::read_to_string(out.join("outage-cdf.svg")).unwrap();
    for name in [DO_NOTHING, "fast", "slow"] {
        assert!(svg.contains(name), "the legend names {name}");
    }
    assert!(std::fs::read(out.join("outage-cdf.png"))
        .unwrap()
        .starts_with(b"\x89PNG"));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["cards"].as_array().unwrap().len(), 3);
    std::fs::remove_dir_all(&dir).unwrap();
}
