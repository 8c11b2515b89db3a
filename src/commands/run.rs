//! `keyloss run`: one scenario, one seed, the full report.

use std::path::Path;
use std::process::ExitCode;

use keyloss::export::{json, text, Clock};
use keyloss::model::{run, RunOptions};
use keyloss::sweep::fleet;

use super::{load_or_report, BAD_INPUT};
use crate::cli::Format;

pub fn execute(
    file: &Path,
    seed: Option<u64>,
    format: Format,
    runbook: Option<String>,
    all_servers: bool,
) -> ExitCode {
    let plan = match load_or_report(file) {
        Ok(p) => p,
        Err(code) => return code,
    };
    // Many servers: a summary per fleet, without the timeline, in memory
    // proportional to the fleet.
    let summarise = format == Format::Text && !all_servers && fleet::should_summarise(&plan);
    let opts = RunOptions {
        seed,
        runbook,
        detailed: !summarise,
        // A large fleet whose servers cannot affect one another is split
        // among the cores; the output is the same on any number.
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        ..RunOptions::default()
    };
    let result = match run(&plan, &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return ExitCode::from(BAD_INPUT);
        }
    };
    let out = match format {
        Format::Text if summarise => fleet::render(
            &result,
            &plan,
            Clock {
                start_unix_s: plan.start_unix_s,
            },
        ),
        Format::Text => text::render(
            &result,
            Clock {
                start_unix_s: plan.start_unix_s,
            },
        ),
        Format::Json => json::render(&result),
    };
    print!("{out}");
    let code = if result.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    // The process ends here: freeing a million servers' reports one by one
    // would only cost time.
    std::mem::forget(result);
    std::mem::forget(plan);
    code
}
