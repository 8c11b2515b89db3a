//! The `keyloss` binary: parse arguments, dispatch, map errors to exit codes
//! (0 passed, 1 an expectation failed, 2 bad input).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use keyloss::export::{json, text, Clock};
use keyloss::model::{run, RunOptions};
use keyloss::scenario::{load_file, Diagnostic, Plan};

mod cli;
use cli::{Cli, Command, Format};

const BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            file,
            seed,
            format,
            runbook,
        } => run_one(&file, seed, format, runbook),
        Command::Check { paths, seed } => check(&paths, seed),
    }
}

fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn report_bad_input(d: &Diagnostic) -> ExitCode {
    eprint!("{}", d.render(color()));
    ExitCode::from(BAD_INPUT)
}

fn load(path: &Path) -> Result<Plan, Diagnostic> {
    load_file(path)
}

fn run_one(file: &Path, seed: Option<u64>, format: Format, runbook: Option<String>) -> ExitCode {
    let plan = match load(file) {
        Ok(p) => p,
        Err(d) => return report_bad_input(&d),
    };
    let opts = RunOptions {
        seed,
        runbook,
        detailed: true,
    };
    let result = match run(&plan, &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return ExitCode::from(BAD_INPUT);
        }
    };
    let out = match format {
        Format::Text => text::render(
            &result,
            Clock {
                start_unix_s: plan.start_unix_s,
            },
        ),
        Format::Json => json::render(&result),
    };
    print!("{out}");
    if result.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Scenario files named by the arguments: files as given, folders' `*.ron`
/// sorted by name.
fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
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

fn check(paths: &[PathBuf], seed: Option<u64>) -> ExitCode {
    let files = match scenario_files(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let (mut passed, mut failed, mut bad) = (0, 0, 0);
    for f in &files {
        let plan = match load(f) {
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
                if failures.is_empty() {
                    println!("ok    {}  ({} expectation(s))", f.display(), decided);
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
