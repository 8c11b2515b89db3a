//! `keyloss explain`: one run told in plain English.

use std::path::Path;
use std::process::ExitCode;

use keyloss::export::explain;

use super::report::load_and_run;

pub fn execute(file: &Path, seed: Option<u64>, runbook: Option<String>) -> ExitCode {
    let (_, result) = match load_and_run(file, seed, runbook) {
        Ok(r) => r,
        Err(code) => return code,
    };
    print!("{}", explain::render_text(&explain::narrate(&result)));
    if result.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
