//! `keyloss report`: the files of a report folder, where they go, and that
//! they are the same for the same scenario and seed.

use std::path::{Path, PathBuf};
use std::process::Command;

const FILES: [&str; 6] = [
    "timeline.svg",
    "timeline.png",
    "report.md",
    "report.html",
    "events.jsonl",
    "summary.json",
];

fn keyloss() -> Command {
    Command::new(env!("CARGO_BIN_EXE_keyloss"))
}

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

/// A fresh folder under the system's temporary folder.
fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keyloss-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn report(file: &Path, out: &Path) -> std::process::Output {
    keyloss()
        .arg("report")
        .arg(file)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn report_writes_six_files_into_a_folder_named_after_the_scenario() {
    let out = temp("six-files");
    let o = report(&scenario("07-vault-deleted-recovered.ron"), &out);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let folder = out.join("vault-deleted-recovered");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = FILES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(names, want, "no temporary file is left behind either");
    for f in FILES {
        assert!(
            std::fs::metadata(folder.join(f)).unwrap().len() > 100,
            "{f}"
        );
    }
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn same_scenario_and_seed_give_byte_identical_reports() {
    let (a, b) = (temp("same-a"), temp("same-b"));
    for out in [&a, &b] {
        let o = report(&scenario("25-alert-runbook.ron"), out);
        assert_eq!(o.status.code(), Some(0), "{o:?}");
    }
    for f in FILES {
        let x = std::fs::read(a.join("alert-runbook").join(f)).unwrap();
        let y = std::fs::read(b.join("alert-runbook").join(f)).unwrap();
        assert!(x == y, "{f} differs between two runs");
    }
    std::fs::remove_dir_all(&a).unwrap();
    std::fs::remove_dir_all(&b).unwrap();
}

#[test]
fn a_scenario_name_cannot_lead_the_report_outside_the_out_folder() {
    let dir = temp("escape");
    let file = write(
        &dir,
        "evil.ron",
        r#"Scenario(name: "../../escaped", horizon: "1d", world: World())"#,
    );
    let out = dir.join("out");
    let o = report(&file, &out);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let entries: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, vec![std::ffi::OsString::from(".._.._escaped")]);
    assert!(!dir.join("escaped").exists() && !dir.parent().unwrap().join("escaped").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn report_exits_like_run_one_for_a_failed_expectation_two_for_bad_input() {
    let dir = temp("exit");
    let failing = write(
        &dir,
        "failing.ron",
        r#"Scenario(name: "failing", horizon: "1d",
            world: World(servers: [Server(name: "pg", region: "westeurope")]),
            expect: [DataLost(server: "pg")])"#,
    );
    let o = report(&failing, &dir.join("out"));
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(
        dir.join("out/failing/report.html").exists(),
        "the report is written anyway"
    );
    let broken = write(&dir, "broken.ron", "Scenario(name: ");
    assert_eq!(report(&broken, &dir.join("out")).status.code(), Some(2));
    let missing = dir.join("missing.ron");
    assert_eq!(report(&missing, &dir.join("out")).status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn two_scenarios_with_one_name_are_refused_rather_than_overwritten() {
    let dir = temp("twins");
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    for f in ["a.ron", "b.ron"] {
        write(
            &src,
            f,
            r#"Scenario(name: "twin", horizon: "1d", world: World())"#,
        );
    }
    let o = report(&src, &dir.join("out"));
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("rename one"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn events_jsonl_holds_the_timeline_one_object_a_line_as_run_json_does() {
    let out = temp("events");
    let file = scenario("09-purge-refused.ron");
    report(&file, &out);
    let lines = std::fs::read_to_string(out.join("purge-refused/events.jsonl")).unwrap();
    let run = keyloss()
        .args(["run", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let timeline = doc["timeline"].as_array().unwrap();
    let parsed: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(&parsed, timeline);
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn summary_json_holds_windows_refusals_alerts_and_expectations() {
    let out = temp("summary");
    report(&scenario("09-purge-refused.ron"), &out);
    let text = std::fs::read_to_string(out.join("purge-refused/summary.json")).unwrap();
    let s: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(s["scenario"], "purge-refused");
    assert_eq!(
        s["servers"][0]["windows"][0]["causes"][0]["cause"],
        "VaultSoftDeleted"
    );
    assert_eq!(s["refused"][0]["reason"], "PurgeProtectionEnabled");
    assert!(s["alerts"].is_array());
    assert_eq!(s["expectations"][0]["passed"], true);
    assert!(
        s.get("timeline").is_none(),
        "the timeline is in events.jsonl"
    );
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn the_chart_is_a_png_and_an_svg_with_the_scenario_and_seed_in_the_title() {
    let out = temp("chart");
    report(&scenario("01-rotation-without-update.ron"), &out);
    let folder = out.join("rotation-without-update");
    let png = std::fs::read(folder.join("timeline.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    assert_eq!(width, 1400);
    let svg = std::fs::read_to_string(folder.join("timeline.svg")).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(
        svg.contains("rotation-without-update  ·  seed 1"),
        "title names scenario and seed"
    );
    assert!(
        svg.contains("Zoom on the first incident"),
        "a 1-hour window in 25 days gets a zoom"
    );
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn the_html_report_is_one_self_contained_page() {
    let out = temp("html");
    report(&scenario("25-alert-runbook.ron"), &out);
    let html = std::fs::read_to_string(out.join("alert-runbook/report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"), "no script");
    for attr in ["src=", "href=", "@import", "url("] {
        assert!(!html.contains(attr), "nothing is fetched: {attr}");
    }
    let outside: Vec<&str> = html
        .match_indices("http")
        .map(|(i, _)| &html[i..(i + 30).min(html.len())])
        .filter(|s| !s.starts_with("http://www.w3.org/2000/svg"))
        .collect();
    assert!(
        outside.is_empty(),
        "no address but the SVG namespace: {outside:?}"
    );
    assert!(html.contains("<svg"), "the chart is inline");
    assert!(html.contains("Windows") && html.contains("Expectations"));
    assert!(html.contains("Scenario source"));
    assert!(
        html.contains("Alert(name: &quot;key-failure&quot;"),
        "source is escaped"
    );
    std::fs::remove_dir_all(&out).unwrap();
}

/// A fleet: 700 servers on a key that is disabled for two hours, 300 on
/// another key.
const FLEET: &str = r#"Scenario(
    name: "fleet",
    seed: 3,
    start: "2026-03-01T00:00:00Z",
    horizon: "1d",
    world: World(
        identities: [Identity(name: "pg-uami", region: "westeurope")],
        vaults: [Vault(name: "kv-prod", region: "westeurope", keys: [Key(name: "pg-cmk"), Key(name: "other")])],
        grants: [Role(identity: "pg-uami", vault: "kv-prod", role: CryptoServiceEncryptionUser)],
        servers: [
            Fleet(prefix: "pg-", count: 700, server: Server(name: "t", region: "westeurope",
                encryption: CustomerManaged(key: "kv-prod/pg-cmk/1", identity: "pg-uami"))),
            Fleet(prefix: "pgo-", count: 300, server: Server(name: "t", region: "westeurope",
                workload: Workload(every: None),
                encryption: CustomerManaged(key: "kv-prod/other/1", identity: "pg-uami"))),
        ],
    ),
    events: [
        (at: "6h", do: DisableKey(vault: "kv-prod", key: "pg-cmk"), by: "key-admin"),
        (at: "8h", do: EnableKey(vault: "kv-prod", key: "pg-cmk"), by: "key-admin"),
    ],
)"#;

#[test]
fn a_fleet_of_a_thousand_servers_draws_its_worst_lanes_and_says_so() {
    let dir = temp("fleet");
    let file = write(&dir, "fleet.ron", FLEET);
    let o = report(&file, &dir.join("out"));
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let folder = dir.join("out/fleet");
    let svg = std::fs::read_to_string(folder.join("timeline.svg")).unwrap();
    assert!(svg.contains("the other 991 servers"), "one summary lane");
    assert!(
        svg.contains("the 9 worst lanes are shown"),
        "and it says so"
    );
    let png = std::fs::read(folder.join("timeline.png")).unwrap();
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert!(
        height < 2000,
        "still one readable picture: {height} px tall"
    );
    let md = std::fs::read_to_string(folder.join("report.md")).unwrap();
    assert!(
        md.contains("more windows, in summary.json"),
        "the table is capped"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
