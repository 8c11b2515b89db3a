//! `keyloss rehearse`: score cards for every runbook over the same nights.

use std::path::Path;
use std::process::ExitCode;

use keyloss::export::chart::scene;
use keyloss::export::files::write_atomic;
use keyloss::rehearsal::chart::outage_cdf;
use keyloss::rehearsal::rehearse::{rehearse, render_text, Rehearsal, MAX_RUNS};

use super::{load_or_report, BAD_INPUT};
use crate::cli::Format;

pub fn execute(
    file: &Path,
    runs: u64,
    seed: Option<u64>,
    jobs: Option<usize>,
    format: Format,
    out: Option<&Path>,
) -> ExitCode {
    if runs == 0 || runs > MAX_RUNS {
        eprintln!("error: --runs must be between 1 and {MAX_RUNS}");
        return ExitCode::from(BAD_INPUT);
    }
    let plan = match load_or_report(file) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot start worker threads: {e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let rehearsal = match pool.install(|| rehearse(&plan, runs, seed)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return ExitCode::from(BAD_INPUT);
        }
    };
    if let Some(dir) = out {
        if let Err(e) = write_out(dir, &rehearsal) {
            eprintln!("error: cannot write into {}: {e}", dir.display());
            return ExitCode::from(BAD_INPUT);
        }
    }
    match format {
        Format::Text => print!("{}", render_text(&rehearsal)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&rehearsal).expect("rehearsal serialises")
        ),
    }
    if rehearsal.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `summary.json` and the overlaid CDF, each written atomically inside `dir`.
fn write_out(dir: &Path, r: &Rehearsal) -> std::io::Result<()> {
    let json = serde_json::to_string_pretty(r).expect("rehearsal serialises") + "\n";
    write_atomic(&dir.join("summary.json"), json.as_bytes())?;
    let chart = outage_cdf(r);
    write_atomic(
        &dir.join("outage-cdf.svg"),
        scene::to_svg(&chart).as_bytes(),
    )?;
    write_atomic(&dir.join("outage-cdf.png"), &scene::to_png(&chart))
}
