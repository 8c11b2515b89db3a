//! The command line: exit codes (0 all expectations pass, 1 one fails, 2 bad
//! input, located as `file:line:column`), `keyloss check`'s report, and
//! `--help` for every subcommand.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// A temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("keyloss-cli-{}-{n}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).expect("temp file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn keyloss(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keyloss"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("keyloss runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A valid scenario whose one server loses its key at 1h5m for good, with
/// `expect` as its expectations.
fn scenario(expect: &str) -> String {
    format!(
        r#"Scenario(
    name: "cli",
    horizon: "1d",
    timing: Timing(key_check_phase: Fixed("0s"), inaccessible_after: Fixed("30m")),
    world: World(
        identities: [Identity(name: "id", region: "westeurope")],
        vaults: [Vault(name: "kv", region: "westeurope", keys: [Key(name: "k")])],
        grants: [Role(identity: "id", vault: "kv", role: CryptoServiceEncryptionUser)],
        servers: [Server(name: "pg", region: "westeurope", workload: Workload(every: None),
            encryption: CustomerManaged(key: "kv/k/1", identity: "id"))],
    ),
    events: [(at: "1h5m", do: DisableKey(vault: "kv", key: "k"))],
    expect: [{expect}],
)
"#
    )
}

const PASSING: &str =
    r#"InaccessibleAt(server: "pg", at: "2h"), AvailableAt(server: "pg", at: "1h")"#;
const FAILING: &str = r#"NeverInaccessible(server: "pg")"#;

/// Runs `keyloss run` on a file holding `text`; returns the output and the
/// file's name as the diagnostics show it.
fn run_file(text: &str) -> (Output, String) {
    let dir = TempDir::new("run");
    dir.write("scenario.ron", text);
    let out = keyloss(&["run", "scenario.ron"], &dir.0);
    (out, "scenario.ron".to_string())
}

/// Asserts exit status 2 and a `file:line:column` location in stderr,
/// returning (line, column).
fn located_error(text: &str) -> (usize, usize) {
    let (out, file) = run_file(text);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    let at = err
        .find(&format!("{file}:"))
        .unwrap_or_else(|| panic!("no {file}: in stderr: {err}"));
    let rest = &err[at + file.len() + 1..];
    let mut parts = rest.splitn(3, ':');
    let line = parts.next().and_then(|s| s.parse().ok());
    let column = parts.next().and_then(|s| s.parse().ok());
    match (line, column) {
        (Some(l), Some(c)) => (l, c),
        _ => panic!("no file:line:column in stderr: {err}"),
    }
}

// ---- exit codes of run --------------------------------------------------------------

#[test]
fn run_exits_0_when_every_expectation_passes() {
    let (out, _) = run_file(&scenario(PASSING));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stdout(&out).is_empty());
}

#[test]
fn run_exits_1_when_an_expectation_fails() {
    let (out, _) = run_file(&scenario(&format!("{PASSING}, {FAILING}")));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let dir = TempDir::new("json");
    dir.write("s.ron", &scenario(FAILING));
    let out = keyloss(&["run", "s.ron", "--format", "json"], &dir.0);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    assert_eq!(
        v["expectations"][0]["passed"],
        serde_json::Value::Bool(false)
    );
}

#[test]
fn malformed_file_exits_2_with_its_location() {
    // The comma missing after the horizon is reported where `world` starts.
    let text = "Scenario(\n    name: \"x\",\n    horizon: \"1d\"\n    world: World(),\n)\n";
    assert_eq!(located_error(text).0, 4);
}

#[test]
fn unknown_reference_exits_2_with_its_location() {
    let text = scenario(PASSING).replace("kv/k/1", "nokv/k/1");
    let line = text.lines().position(|l| l.contains("nokv")).expect("line") + 1;
    assert_eq!(located_error(&text).0, line);
}

#[test]
fn fractional_duration_exits_2_with_its_location() {
    let text = scenario(PASSING).replace(r#"horizon: "1d""#, r#"horizon: "1.5h""#);
    let line = text.lines().position(|l| l.contains("1.5h")).expect("line") + 1;
    let quote = text
        .lines()
        .nth(line - 1)
        .expect("line")
        .find("\"1.5h")
        .expect("col")
        + 1;
    let (l, c) = located_error(&text);
    assert_eq!(l, line);
    // The column points into the quoted value `"1.5h"`.
    assert!(
        (quote..quote + 6).contains(&c),
        "column {c}, value at {quote}"
    );
}

#[test]
fn negative_duration_exits_2_with_its_location() {
    let text = scenario(PASSING).replace(r#"at: "1h5m""#, r#"at: "-5m""#);
    let line = text.lines().position(|l| l.contains("-5m")).expect("line") + 1;
    assert_eq!(located_error(&text).0, line);
}

#[test]
fn missing_required_field_exits_2_with_a_location() {
    let text = scenario(PASSING).replace("    horizon: \"1d\",\n", "");
    let (out, _) = run_file(&text);
    assert!(stderr(&out).contains("horizon"), "{}", stderr(&out));
    located_error(&text);
}

#[test]
fn unknown_runbook_or_flag_exits_2() {
    let dir = TempDir::new("flags");
    dir.write("s.ron", &scenario(PASSING));
    let out = keyloss(&["run", "s.ron", "--runbook", "nope"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope"), "{}", stderr(&out));
    let out = keyloss(&["run", "s.ron", "--no-such-flag"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
    let out = keyloss(&["run", "missing.ron"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
}

// ---- check ----------------------------------------------------------------------------

#[test]
fn check_prints_a_line_per_scenario_and_a_closing_count() {
    let dir = TempDir::new("check");
    dir.write("a-pass.ron", &scenario(PASSING));
    dir.write("b-fail.ron", &scenario(FAILING));
    dir.write("c-pass.ron", &scenario(PASSING));
    let out = keyloss(&["check", "."], &dir.0);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    for name in ["a-pass.ron", "b-fail.ron", "c-pass.ron"] {
        let n = lines.iter().filter(|l| l.contains(name)).count();
        assert_eq!(n, 1, "{name} should have one line:\n{text}");
    }
    assert_eq!(lines.last(), Some(&"2 passed, 1 failed"), "{text}");
}

#[test]
fn check_exits_0_when_all_pass() {
    let dir = TempDir::new("check-ok");
    let a = dir.write("a.ron", &scenario(PASSING));
    let out = keyloss(&["check", a.to_str().expect("utf-8 path")], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out).lines().last(), Some("1 passed, 0 failed"));
}

#[test]
fn check_reports_sweep_expectations_as_skipped() {
    // SCENARIOS.md: `run` and `check` report sweep expectations as skipped.
    let dir = TempDir::new("check-skip");
    let with_sweep = format!(
        "{PASSING}, OutageProbability(server: \"pg\", at_most: 1.0), OutageQuantile(server: \"pg\", q: 0.9, at_most: \"1d\")"
    );
    let a = dir.write("a.ron", &scenario(&with_sweep));
    let out = keyloss(&["check", a.to_str().expect("utf-8 path")], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let first = stdout(&out).lines().next().unwrap_or("").to_string();
    assert!(
        first.ends_with("(2 expectation(s), 2 skipped: decided by keyloss sweep)"),
        "{first}"
    );
}

#[test]
fn check_of_the_catalog_passes() {
    let count = std::fs::read_dir(manifest_dir().join("scenarios"))
        .expect("scenarios/")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "ron"))
        })
        .count();
    let out = keyloss(&["check", "scenarios"], manifest_dir());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert_eq!(
        text.lines().last(),
        Some(format!("{count} passed, 0 failed").as_str()),
        "{text}"
    );
    assert_eq!(text.lines().count(), count + 1, "{text}");
}

// ---- help -----------------------------------------------------------------------------

#[test]
fn help_works_for_the_program_and_each_subcommand() {
    for args in [
        &["--help"][..],
        &["run", "--help"],
        &["check", "--help"],
        &["help", "run"],
    ] {
        let out = keyloss(args, manifest_dir());
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).contains("Usage"), "{args:?}: {}", stdout(&out));
    }
    let run_help = stdout(&keyloss(&["run", "--help"], manifest_dir()));
    for flag in ["--seed", "--format", "--runbook"] {
        assert!(run_help.contains(flag), "run --help lacks {flag}");
    }
}
