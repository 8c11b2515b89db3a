//! Sweeps: seeds per run, independence from threads and shards, exact
//! quantiles, sweep-level expectations and exit codes.

use std::path::{Path, PathBuf};
use std::process::Command;

use keyloss::engine::random::derive_seed;
use keyloss::model::{run, RunOptions};
use keyloss::scenario::parse_str;
use keyloss::sweep::partial::{merge, Part, Shard};
use keyloss::sweep::summary::Summary;
use keyloss::sweep::{Sweep, Tally};

/// Two servers on one vault, deleted and recovered seven minutes later:
/// with random phases and delays, some runs see an outage and some do not.
const RANDOM: &str = r#"Scenario(
    name: "vault-deleted-random",
    seed: 3,
    horizon: "1d",
    world: World(
        identities: [Identity(name: "pg-uami", region: "westeurope")],
        vaults: [Vault(name: "kv-prod", region: "westeurope", permission_model: AccessPolicy, keys: [Key(name: "pg-cmk")])],
        grants: [AccessPolicy(identity: "pg-uami", vault: "kv-prod", permissions: [Get, List, WrapKey, UnwrapKey])],
        servers: [
            Server(name: "pg-a", region: "westeurope", encryption: CustomerManaged(key: "kv-prod/pg-cmk/1", identity: "pg-uami")),
            Server(name: "pg-b", region: "westeurope", encryption: CustomerManaged(key: "kv-prod/pg-cmk/1", identity: "pg-uami")),
        ],
    ),
    alerts: [Alert(name: "a-down", on: ResourceHealth(server: "pg-a"))],
    events: [
        (at: "3h20m", do: DeleteVault(vault: "kv-prod"), by: "cleanup-script"),
        (at: "3h27m", name: "recover vault", do: RecoverVault(vault: "kv-prod")),
    ],
    expect: [
        OutageQuantile(server: "pg-a", q: 0.95, at_most: "1h30m"),
        OutageProbability(server: "pg-b", at_most: 0.9),
        NoDataLoss,
    ],
)"#;

/// Every delay fixed: each run denies for exactly 1h6m (the check at
/// 3h24m, recovery at 4h, then 30 minutes).
fn fixed(expect: &str) -> String {
    format!(
        r#"Scenario(
    name: "vault-deleted-fixed",
    seed: 7,
    horizon: "1d",
    timing: Timing(key_check_phase: Fixed("4m"), inaccessible_after: Fixed("1h"), recover_after: Fixed("30m")),
    world: World(
        identities: [Identity(name: "pg-uami", region: "westeurope")],
        vaults: [Vault(name: "kv-prod", region: "westeurope", permission_model: AccessPolicy, keys: [Key(name: "pg-cmk")])],
        grants: [AccessPolicy(identity: "pg-uami", vault: "kv-prod", permissions: [Get, List, WrapKey, UnwrapKey])],
        servers: [Server(name: "pg-prod", region: "westeurope", workload: Workload(every: None),
            encryption: CustomerManaged(key: "kv-prod/pg-cmk/1", identity: "pg-uami"))],
    ),
    events: [
        (at: "3h20m", do: DeleteVault(vault: "kv-prod"), by: "cleanup-script"),
        (at: "4h", do: RecoverVault(vault: "kv-prod")),
    ],
    expect: [{expect}],
)"#
    )
}

fn tally_on(threads: usize, sweep: &Sweep, range: std::ops::Range<u64>) -> Tally {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| sweep.run_range(range, &|_| {}).unwrap())
}

#[test]
fn run_i_uses_the_derived_seed_and_replays_alone() {
    let plan = parse_str(RANDOM, "random.ron").unwrap();
    let sweep = Sweep::new(&plan, 50, None, None).unwrap();
    let tally = tally_on(2, &sweep, 0..50);
    let worst = &tally.worst[0];
    assert_eq!(worst.seed, derive_seed(3, worst.index));
    let replay = run(
        &plan,
        &RunOptions {
            seed: Some(worst.seed),
            runbook: None,
            detailed: true,
            ..RunOptions::default()
        },
    )
    .unwrap();
    let denied: u64 = replay
        .servers
        .iter()
        .flat_map(|s| &s.windows)
        .map(|w| w.duration_s)
        .sum();
    assert_eq!(denied, worst.outage_s);
    assert!(tally
        .worst
        .windows(2)
        .all(|w| w[0].outage_s >= w[1].outage_s));
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let plan = parse_str(RANDOM, "random.ron").unwrap();
    let sweep = Sweep::new(&plan, 700, None, None).unwrap();
    let one = tally_on(1, &sweep, 0..700);
    let two = tally_on(2, &sweep, 0..700);
    let three = tally_on(3, &sweep, 0..700);
    assert_eq!(one, two);
    assert_eq!(one, three);
    assert_eq!(one.runs, 700);
}

#[test]
fn sharded_then_merged_equals_unsharded() {
    let plan = parse_str(RANDOM, "random.ron").unwrap();
    let runs = 601;
    let sweep = Sweep::new(&plan, runs, None, None).unwrap();
    let whole = tally_on(2, &sweep, 0..runs);
    let parts: Vec<(String, Part)> = (1..=4)
        .rev()
        .map(|index| {
            let shard = Shard { index, count: 4 };
            let tally = tally_on(1, &sweep, shard.range(runs));
            let part = Part::new("random.ron", sweep.header.clone(), shard, tally);
            // Through JSON, as parts travel between machines.
            let back = Part::from_json(&part.to_json(), "part").unwrap();
            (format!("part {index}"), back)
        })
        .collect();
    let (_, header, merged) = merge(parts).unwrap();
    assert_eq!(merged, whole);
    assert_eq!(
        Summary::new(&header, &merged).to_json(),
        Summary::new(&sweep.header, &whole).to_json()
    );
}

#[test]
fn parts_carry_expectation_numbers_exactly() {
    // 17 significant digits: a decimal a JSON parser may read back one
    // unit in the last place off.
    let text = RANDOM.replace("q: 0.95", "q: 0.12345678901234567");
    let plan = parse_str(&text, "random.ron").unwrap();
    let sweep = Sweep::new(&plan, 4, None, None).unwrap();
    let shard = Shard { index: 1, count: 1 };
    let part = Part::new("x", sweep.header.clone(), shard, tally_on(1, &sweep, 0..4));
    let back = Part::from_json(&part.to_json(), "part").unwrap();
    assert_eq!(back.header, sweep.header);
}

#[test]
fn merge_refuses_missing_repeated_and_foreign_parts() {
    let plan = parse_str(RANDOM, "random.ron").unwrap();
    let sweep = Sweep::new(&plan, 20, None, None).unwrap();
    let part = |index, count, sweep: &Sweep| {
        let shard = Shard { index, count };
        let tally = tally_on(1, sweep, shard.range(20));
        (
            format!("p{index}"),
            Part::new("x", sweep.header.clone(), shard, tally),
        )
    };
    let err = merge(vec![part(1, 3, &sweep), part(3, 3, &sweep)]).unwrap_err();
    assert!(err.contains("missing shard(s): 2/3"), "{err}");
    let err = merge(vec![part(1, 2, &sweep), part(1, 2, &sweep)]).unwrap_err();
    assert!(err.contains("both shard 1/2"), "{err}");
    let other = Sweep::new(&plan, 20, Some(99), None).unwrap();
    let err = merge(vec![part(1, 2, &sweep), part(2, 2, &other)]).unwrap_err();
    assert!(err.contains("different sweeps"), "{err}");
}

#[test]
fn fixed_delays_give_one_value_and_decide_quantiles_exactly() {
    let text = fixed(r#"OutageQuantile(server: "pg-prod", q: 0.5, at_most: "1h6m")"#);
    let plan = parse_str(&text, "fixed.ron").unwrap();
    let sweep = Sweep::new(&plan, 30, None, None).unwrap();
    let tally = tally_on(2, &sweep, 0..30);
    let pg = &tally.servers[0];
    assert_eq!(pg.outage.iter().collect::<Vec<_>>(), vec![(3_960, 30)]);
    // Inaccessible from 4h20m (the loss at 3h20m + 1h) to Available at
    // 4h30m; recovered 1h10m after the loss.
    assert_eq!(pg.inaccessible.iter().collect::<Vec<_>>(), vec![(600, 30)]);
    assert_eq!(pg.recover.iter().collect::<Vec<_>>(), vec![(4_200, 30)]);
    assert_eq!(pg.undetected, 30, "no alert rule: no window is detected");
    let summary = Summary::new(&sweep.header, &tally);
    assert_eq!(summary.expectations[0].passed, Some(true));
    let stricter = fixed(r#"OutageQuantile(server: "pg-prod", q: 0.5, at_most: "1h5m59s")"#);
    let plan = parse_str(&stricter, "fixed.ron").unwrap();
    let sweep = Sweep::new(&plan, 30, None, None).unwrap();
    let summary = Summary::new(&sweep.header, &tally_on(1, &sweep, 0..30));
    assert_eq!(summary.expectations[0].passed, Some(false));
}

#[test]
fn outage_probability_counts_runs_with_a_window() {
    let plan = parse_str(RANDOM, "random.ron").unwrap();
    let sweep = Sweep::new(&plan, 300, None, None).unwrap();
    let tally = tally_on(2, &sweep, 0..300);
    let mut with_outage = 0;
    for i in 0..300 {
        let r = run(
            &plan,
            &RunOptions {
                seed: Some(derive_seed(3, i)),
                runbook: None,
                detailed: false,
                ..RunOptions::default()
            },
        )
        .unwrap();
        with_outage += u64::from(!r.server("pg-b").unwrap().windows.is_empty());
    }
    assert_eq!(tally.servers[1].runs_with_outage, with_outage);
    assert!(0 < with_outage && with_outage < 300, "{with_outage}");
}

// ---- the command line ---------------------------------------------------

fn keyloss(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_keyloss"))
        .args(args)
        .output()
        .expect("keyloss runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keyloss-sweep-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_scenario(dir: &Path, text: &str) -> String {
    let path = dir.join("scenario.ron");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn cli_jobs_and_shards_give_byte_identical_outputs() {
    let dir = scratch("cli");
    let file = write_scenario(&dir, RANDOM);
    let out = |name: &str| dir.join(name).display().to_string();
    let one = keyloss(&[
        "sweep",
        &file,
        "--runs",
        "400",
        "--jobs",
        "1",
        "--out",
        &out("one"),
    ]);
    let two = keyloss(&[
        "sweep",
        &file,
        "--runs",
        "400",
        "--jobs",
        "2",
        "--out",
        &out("two"),
    ]);
    assert_eq!(
        one.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert_eq!(one.stdout, two.stdout);
    assert_eq!(files(&dir.join("one")), files(&dir.join("two")));
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let part = keyloss(&[
            "sweep",
            &file,
            "--runs",
            "400",
            "--shard",
            &shard,
            "--out",
            &out("parts"),
        ]);
        assert_eq!(part.status.code(), Some(0));
    }
    let merged = keyloss(&["merge", &out("parts"), "--out", &out("merged")]);
    assert_eq!(
        merged.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    assert_eq!(merged.stdout, one.stdout);
    let names: Vec<String> = files(&dir.join("one"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        names,
        [
            "outage-cdf.png",
            "outage-cdf.svg",
            "outage-histogram.png",
            "outage-histogram.svg",
            "summary.json",
            "worst-runs.txt"
        ]
    );
    assert_eq!(files(&dir.join("one")), files(&dir.join("merged")));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("one/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["runs"], 400);
    assert_eq!(summary["servers"][0]["name"], "pg-a");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cli_exit_codes_follow_the_sweep_expectations() {
    let dir = scratch("exit");
    let pass = write_scenario(
        &dir,
        &fixed(r#"OutageProbability(server: "pg-prod", at_most: 1.0)"#),
    );
    assert_eq!(
        keyloss(&["sweep", &pass, "--runs", "5"]).status.code(),
        Some(0)
    );
    let fail = write_scenario(
        &dir,
        &fixed(r#"OutageProbability(server: "pg-prod", at_most: 0.99)"#),
    );
    let out = keyloss(&["sweep", &fail, "--runs", "5"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL  OutageProbability"));
    // A failing single-run expectation is a pass rate, not a failure.
    let single = write_scenario(&dir, &fixed(r#"NeverInaccessible(server: "pg-prod")"#));
    let out = keyloss(&["sweep", &single, "--runs", "5"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("0.0%  NeverInaccessible"));
    for bad in [
        vec!["sweep", &pass, "--runs", "0"],
        vec!["sweep", &pass, "--runs", "5", "--shard", "4/3"],
        vec!["sweep", &pass, "--runs", "5", "--jobs", "0"],
        vec!["sweep", &pass, "--runs", "5", "--runbook", "nope"],
        vec!["merge", dir.to_str().unwrap()],
    ] {
        assert_eq!(keyloss(&bad).status.code(), Some(2), "{bad:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_shard_without_out_prints_its_part() {
    let dir = scratch("stdout");
    let file = write_scenario(&dir, RANDOM);
    let out = keyloss(&["sweep", &file, "--runs", "10", "--shard", "2/2"]);
    assert_eq!(out.status.code(), Some(0));
    let part = Part::from_json(&String::from_utf8(out.stdout).unwrap(), "stdout").unwrap();
    assert_eq!((part.first_run, part.end_run), (5, 10));
    std::fs::remove_dir_all(&dir).unwrap();
}
