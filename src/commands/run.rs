//! `keyloss run`: one scenario, one seed, the full report.

use std::path::Path;
use std::process::ExitCode;

use keyloss::export::{json, text, Clock};
use keyloss::model::{run, RunOptions};

use super::{load_or_report, BAD_INPUT};
use crate::cli::Format;

pub fn execute(
    file: &Path,
    seed: Option<u64>,
    format: Format,
    runbook: Option<String>,
) -> ExitCode {
    let plan = match load_or_report(file) {
        Ok(p) => p,
        Err(code) => return code,
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
