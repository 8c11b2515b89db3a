//! Bad input is a located file error (exit 2) that says what is wrong and
//! where: `error: file:line:column: message`, the bad text underlined, and
//! what to write instead. The corpus in `tests/bad_input/` holds one file
//! per class of mistake, each with its expected first line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use keyloss::scenario::{limits, parse_str};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input")
}

fn keyloss(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keyloss"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("keyloss runs")
}

fn first_line(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

/// A temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("keyloss-diag-{}-{n}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn corpus_files() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus())
        .expect("tests/bad_input")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ron"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_bad_input_exits_2_with_its_expected_first_line() {
    let names = corpus_files();
    assert!(names.len() >= 19, "the corpus has {} files", names.len());
    let mut wrong = Vec::new();
    for name in &names {
        let expected = std::fs::read_to_string(corpus().join(name.replace(".ron", ".expected")))
            .unwrap_or_else(|_| panic!("{name} has no .expected file"));
        for command in ["run", "check", "lint"] {
            let out = keyloss(&[command, name], &corpus());
            let line = first_line(&out);
            if out.status.code() != Some(2) || line != expected.trim_end() {
                wrong.push(format!(
                    "{command} {name}: exit {:?}\n  got      {line}\n  expected {}",
                    out.status.code(),
                    expected.trim_end()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_expected_file_has_its_scenario() {
    for entry in std::fs::read_dir(corpus()).expect("tests/bad_input") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if let Some(stem) = name.strip_suffix(".expected") {
            assert!(corpus().join(format!("{stem}.ron")).exists(), "{name}");
        }
    }
}

#[test]
fn the_underline_covers_the_bad_token_and_the_help_says_what_to_write() {
    let text = std::fs::read_to_string(corpus().join("malformed-ron.ron")).expect("file");
    let d = parse_str(&text, "malformed-ron.ron").expect_err("malformed");
    let rendered = d.render(false);
    let expected = "\
error: malformed-ron.ron:5:5: expected a comma (or a closing bracket) before `world`
   ╭─[malformed-ron.ron:5:5]
 3 │     name: \"bad-input\",
 4 │     horizon: \"1d\"
   ·                 ┬
   ·                 ╰── add a comma after this
 5 │     world: World(
   ·     ──┬──
   ·       ╰── expected a comma before this
 6 │         identities: [Identity(name: \"pg-uami\", region: \"westeurope\")],
   ╰────
";
    assert_eq!(rendered, expected);
}

#[test]
fn a_duplicate_shows_both_declarations() {
    let text = std::fs::read_to_string(corpus().join("duplicate-name.ron")).expect("file");
    let rendered = parse_str(&text, "d.ron")
        .expect_err("duplicate")
        .render(false);
    assert!(rendered.contains("first declared here"), "{rendered}");
    assert!(rendered.contains("declared again here"), "{rendered}");
}

#[test]
fn unknown_names_list_the_valid_ones() {
    let text = std::fs::read_to_string(corpus().join("unknown-field.ron")).expect("file");
    let d = parse_str(&text, "f.ron").expect_err("unknown field");
    let help = d.help.expect("help");
    assert!(help.contains("`retention_days`"), "{help}");
    let text = std::fs::read_to_string(corpus().join("unknown-variant.ron")).expect("file");
    let d = parse_str(&text, "v.ron").expect_err("unknown variant");
    assert!(d.help.expect("help").contains("`ServiceManaged`"));
}

/// A world of two vaults and a server all named alike, where a search for
/// `name: "x"` would land on the wrong one.
#[test]
fn a_duplicate_is_located_on_its_own_entity_not_a_namesake() {
    let text = r#"Scenario(name: "x", horizon: "1d", world: World(
    vaults: [Vault(name: "pg", region: "we")],
    servers: [
        Server(name: "pg", region: "we"),
        Server(name: "pg", region: "we"),
    ],
))"#;
    let d = parse_str(text, "n.ron").expect_err("duplicate server");
    assert_eq!((d.line, d.column), (5, 22), "{}", d.render(false));
}

#[test]
fn an_unknown_field_inside_an_action_is_refused_with_a_suggestion() {
    let text = r#"Scenario(name: "x", horizon: "1d", world: World(
    vaults: [Vault(name: "kv", region: "we", keys: [Key(name: "k")])]),
    events: [(at: "1h", do: RotateKey(vault: "kv", key: "k", vresion: 2))],
)"#;
    let d = parse_str(text, "a.ron").expect_err("unknown field in an action");
    assert_eq!(d.line, 3);
    assert!(
        d.message.contains("unknown field `vresion`"),
        "{}",
        d.message
    );
}

#[test]
fn a_bare_number_for_a_duration_suggests_its_string() {
    let text = std::fs::read_to_string(corpus().join("wrong-type.ron")).expect("file");
    let d = parse_str(&text, "w.ron").expect_err("wrong type");
    assert!(d.help.expect("help").contains("\"86400s\""));
}

// ---- limits -----------------------------------------------------------------

#[test]
fn a_file_above_16_mib_is_refused_before_parsing() {
    let dir = TempDir::new("big");
    let mut text = String::from("Scenario(name: \"big\", horizon: \"1d\", world: World())\n//");
    let size = limits::MAX_FILE_BYTES as usize + 1;
    text.push_str(&"x".repeat(size - text.len()));
    std::fs::write(dir.0.join("big.ron"), &text).expect("write");
    let started = std::time::Instant::now();
    let out = keyloss(&["run", "big.ron"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        first_line(&out),
        "error: big.ron: the file is 16777217 bytes; scenario files are limited to 16777216 bytes (16 MiB)"
    );
    assert!(started.elapsed().as_secs() < 10);
    // One byte less is read and parsed.
    text.pop();
    std::fs::write(dir.0.join("big.ron"), &text).expect("write");
    let out = keyloss(&["run", "big.ron"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", first_line(&out));
}

fn located(text: &str) -> (usize, String) {
    let d = parse_str(text, "limit.ron").expect_err("over the limit");
    assert!(d.line > 0, "{}", d.message);
    (d.line, d.message)
}

#[test]
fn every_limit_is_a_located_file_error() {
    let base = |world: &str, rest: &str| {
        format!("Scenario(name: \"l\", horizon: \"1d\",\n world: World({world}),\n{rest})")
    };
    let (line, message) = located(&base(
        "servers: [Fleet(prefix: \"pg-\", count: 1000001, server: Server(region: \"we\"))]",
        "",
    ));
    assert_eq!(line, 2);
    assert!(message.contains("1000000"), "{message}");

    let events = format!(
        "events: [{}],",
        vec!["(at: \"1h\", do: DeleteVault(vault: \"kv\"))"; limits::MAX_EVENTS + 1].join(",")
    );
    let (line, message) = located(&base(
        "vaults: [Vault(name: \"kv\", region: \"we\")]",
        &events,
    ));
    assert_eq!(line, 3);
    assert!(message.contains("100001 scripted events"), "{message}");

    let steps = (0..=limits::MAX_STEPS)
        .map(|i| format!("(name: \"s{i}\", on: At(\"1h\"), do: DeleteVault(vault: \"kv\"))"))
        .collect::<Vec<_>>()
        .join(",");
    let (line, message) = located(&base(
        "vaults: [Vault(name: \"kv\", region: \"we\")]",
        &format!("runbook: [{steps}],"),
    ));
    assert_eq!(line, 3);
    assert!(message.contains("10001 runbook steps"), "{message}");

    let identities = (0..=limits::MAX_ENTITIES)
        .map(|i| format!("Identity(name: \"i{i}\", region: \"we\")"))
        .collect::<Vec<_>>()
        .join(",");
    let (line, message) = located(&base(&format!("identities: [{identities}]"), ""));
    assert_eq!(line, 2);
    assert!(message.contains("the limit is 100000"), "{message}");

    let (line, message) = located(&base(
        "vaults: [Vault(name: \"kv\", region: \"we\", keys: [Key(name: \"k\", versions: 10001)])]",
        "",
    ));
    assert_eq!(line, 2);
    assert!(message.contains("10000 versions"), "{message}");

    let (_, message) = located(&base("", "timing: Timing(event_budget: 1000000001),"));
    assert!(
        message.contains("event_budget is 1 to 1000000000"),
        "{message}"
    );

    let (_, message) = located(&base("", "").replace("\"1d\"", "\"3651d\""));
    assert!(message.contains("10 years"), "{message}");
}

#[test]
fn a_run_past_its_event_budget_stops_with_a_clear_message() {
    let dir = TempDir::new("budget");
    let events =
        vec!["(at: \"1h\", do: SetDeleteLock(vault: \"kv\", locked: true))"; 1001].join(",");
    let text = format!(
        "Scenario(name: \"b\", horizon: \"1d\", timing: Timing(event_budget: 1000),
        world: World(vaults: [Vault(name: \"kv\", region: \"we\")]), events: [{events}])"
    );
    std::fs::write(dir.0.join("b.ron"), &text).expect("write");
    let out = keyloss(&["run", "b.ron"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
    let line = first_line(&out);
    assert!(
        line.contains("the run stopped after 1000 events at t = 3600 s")
            && line.contains("raise Timing(event_budget)"),
        "{line}"
    );
}

/// Every file `ron` accepts must also read for positions, or findings and
/// errors would lose their place.
#[test]
fn every_catalog_scenario_reads_for_positions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["scenarios", "tests/examples"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|x| x == "ron") {
                let text = std::fs::read_to_string(&path).expect("read");
                assert!(
                    keyloss::scenario::locate::Tree::parse(&text).is_some(),
                    "{}",
                    path.display()
                );
            }
        }
    }
}

/// Inputs the fuzzer found (`fuzz/`), kept with what the fuzz target checks:
/// nothing panics, every diagnostic renders, what `ron` accepts also reads
/// for positions and lints, and small plans run.
#[test]
fn the_fuzzers_findings_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).expect("tests/fuzz_regressions") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        seen += 1;
        let tree = keyloss::scenario::locate::Tree::parse(text);
        match parse_str(text, "fuzz.ron") {
            Err(d) => assert!(d.render(false).starts_with("error: fuzz.ron")),
            Ok(mut plan) => {
                assert!(
                    tree.is_some(),
                    "{}: ron reads it, positions must too",
                    path.display()
                );
                keyloss::lint::lint_text(text, "fuzz.ron").expect("lints");
                if plan.servers.len() <= 50 {
                    plan.timing.event_budget = plan.timing.event_budget.min(20_000);
                    let _ = keyloss::model::run(&plan, &Default::default());
                }
            }
        }
    }
    assert!(seen > 0);
}

/// RON's whitespace includes vertical tab, form feed, NEL and the Unicode
/// line and paragraph separators; names may hold any XID character.
#[test]
fn positions_read_every_whitespace_and_name_ron_reads() {
    for blank in [
        "\u{0B}", "\u{0C}", "\u{85}", "\u{200E}", "\u{200F}", "\u{2028}", "\u{2029}",
    ] {
        let text = format!("Scenario(name: \"x\",{blank} horizon: \"1d\",{blank}world: World())");
        parse_str(&text, "w.ron").expect("ron reads it");
        let tree = keyloss::scenario::locate::Tree::parse(&text).expect("positions too");
        assert!(tree.get("horizon").is_some());
    }
    let text = "Scenario(name: \"x\", horizon: \"1d\", world: World(), r#events: [])";
    assert!(keyloss::scenario::locate::Tree::parse(text).is_some());
}
