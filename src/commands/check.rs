//! `keyloss check`: every scenario with its expectations, one line each,
//! then `N passed, N failed`, like a test runner.

use std::path::PathBuf;
use std::process::ExitCode;

use keyloss::model::{run, RunOptions};

use super::{color, BAD_INPUT};

/// Scenario files named by the arguments: files as given, folders' `*.ron`
/// sorted by name.
pub fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| format!("{}: {e}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "ron"))
                .collect();
            files.sort();
            out.extend(files);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(format!("{}: no such file or folder", p.display()));
        }
    }
    Ok(out)
}

pub fn execute(paths: &[PathBuf], seed: Option<u64>) -> ExitCode {
    let files = match scenario_files(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let (mut passed, mut failed, mut bad) = (0, 0, 0);
    for f in &files {
        let plan = match keyloss::scenario::load_file(f) {
            Ok(p) => p,
            Err(d) => {
                eprint!("{}", d.render(color()));
                println!("BAD   {}", f.display());
                bad += 1;
                continue;
            }
        };
        let opts = RunOptions {
            seed,
            runbook: None,
            detailed: false,
            ..RunOptions::default()
        };
        match run(&plan, &opts) {
            Err(e) => {
                println!("BAD   {}: {e}", f.display());
                bad += 1;
            }
            Ok(r) => {
                let failures: Vec<_> = r
                    .expectations
                    .iter()
                    .filter(|e| e.passed == Some(false))
                    .collect();
                let decided = r.expectations.iter().filter(|e| e.passed.is_some()).count();
                // Sweep expectations (OutageQuantile, OutageProbability)
                // are decided by `keyloss sweep`, not by one run.
                let skipped = r.expectations.len() - decided;
                let skipped = match skipped {
                    0 => String::new(),
                    n => format!(", {n} skipped: decided by keyloss sweep"),
                };
                if failures.is_empty() {
                    println!("ok    {}  ({decided} expectation(s){skipped})", f.display());
                    passed += 1;
                } else {
                    println!("FAIL  {}", f.display());
                    for e in failures {
                        println!("        {} — {}", e.text, e.detail);
                    }
                    failed += 1;
                }
            }
        }
    }
    if bad > 0 {
        println!("{passed} passed, {failed} failed, {bad} unreadable");
        return ExitCode::from(BAD_INPUT);
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
