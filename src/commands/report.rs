//! `keyloss report`: a folder per scenario with the timeline chart (SVG,
//! PNG), a Markdown and an HTML report, the timeline as JSON lines and a
//! JSON summary, each file written atomically and only inside `--out`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use keyloss::export::{bundle, files};
use keyloss::model::{run, RunOptions};
use keyloss::result::RunResult;
use keyloss::scenario::Plan;

use super::check::scenario_files;
use super::{load_or_report, BAD_INPUT};

/// Loads and runs one scenario in full detail, or prints why not and gives
/// exit code 2.
pub fn load_and_run(
    file: &Path,
    seed: Option<u64>,
    runbook: Option<String>,
) -> Result<(Plan, RunResult), ExitCode> {
    let plan = load_or_report(file)?;
    let opts = RunOptions {
        seed,
        runbook,
        detailed: true,
        ..RunOptions::default()
    };
    match run(&plan, &opts) {
        Ok(r) => Ok((plan, r)),
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            Err(ExitCode::from(BAD_INPUT))
        }
    }
}

pub fn execute(
    paths: &[PathBuf],
    seed: Option<u64>,
    out: &Path,
    runbook: Option<String>,
) -> ExitCode {
    let list = match scenario_files(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let (mut written, mut failing, mut bad) = (0, 0, 0);
    // Folder name → the scenario file that took it.
    let mut taken: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    for file in &list {
        let Ok((plan, result)) = load_and_run(file, seed, runbook.clone()) else {
            bad += 1;
            continue;
        };
        let folder = files::inside(out, &result.scenario);
        if let Some(first) = taken.get(&folder) {
            eprintln!(
                "error: {} and {} both name their scenario {:?}, and would share the folder {}; rename one",
                first.display(),
                file.display(),
                result.scenario,
                folder.display()
            );
            bad += 1;
            continue;
        }
        taken.insert(folder.clone(), file.clone());
        for f in bundle::render(&result, Some(&plan.source)) {
            let path = files::inside(&folder, f.name);
            if let Err(e) = files::write_atomic(&path, &f.bytes) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(BAD_INPUT);
            }
        }
        written += 1;
        if result.all_passed() {
            println!("ok    {}  ({})", folder.display(), file.display());
        } else {
            failing += 1;
            println!(
                "FAIL  {}  ({}: an expectation failed)",
                folder.display(),
                file.display()
            );
        }
    }
    if list.len() > 1 {
        println!(
            "{written} report(s) written, {failing} with a failed expectation, {bad} not written"
        );
    }
    if bad > 0 {
        ExitCode::from(BAD_INPUT)
    } else if failing > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
