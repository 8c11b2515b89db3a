//! `keyloss lint`: the findings of every file named, in one format; file
//! errors also go to stderr with their underlined text.

use std::path::PathBuf;
use std::process::ExitCode;

use keyloss::lint::{json, sarif, text, LintRun};

use super::check::scenario_files;
use super::{color, BAD_INPUT};
use crate::cli::LintFormat;

pub fn execute(paths: &[PathBuf], format: LintFormat) -> ExitCode {
    let files = match scenario_files(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let (run, problems) = LintRun::of_paths(&files);
    for d in &problems {
        eprint!("{}", d.render(color()));
    }
    let out = match format {
        LintFormat::Text => text::render(&run),
        LintFormat::Json => json::render(&run),
        LintFormat::Sarif => sarif::render(&run),
    };
    print!("{out}");
    ExitCode::from(run.exit_code())
}
