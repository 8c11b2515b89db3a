//! `keyloss advise`: the fastest documented way back from a key loss.

use std::path::Path;
use std::process::ExitCode;

use keyloss::rehearsal::advise::{advise, render_text};

use super::{load_or_report, BAD_INPUT};
use crate::cli::Format;

pub fn execute(file: &Path, seed: Option<u64>, at_s: Option<u64>, format: Format) -> ExitCode {
    let plan = match load_or_report(file) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let advice = match advise(&plan, seed, at_s) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return ExitCode::from(BAD_INPUT);
        }
    };
    match format {
        Format::Text => print!("{}", render_text(&advice)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&advice).expect("advice serialises")
        ),
    }
    ExitCode::SUCCESS
}
