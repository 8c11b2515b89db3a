//! `keyloss sweep`: one scenario on many seeds, or one shard of them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use keyloss::export::chart::scene;
use keyloss::export::files::{inside, write_atomic};
use keyloss::sweep::chart;
use keyloss::sweep::partial::{Part, Shard};
use keyloss::sweep::summary::{render_text, Summary};
use keyloss::sweep::{Header, Sweep, Tally, MAX_RUNS};

use super::{load_or_report, BAD_INPUT};
use crate::cli::{Format, SweepArgs};

pub fn execute(args: SweepArgs) -> ExitCode {
    if args.runs == 0 || args.runs > MAX_RUNS {
        return bad(&format!("--runs is 1 to {MAX_RUNS}, not {}", args.runs));
    }
    if args.jobs == Some(0) {
        return bad("--jobs is at least 1");
    }
    let shard = match args.shard.as_deref().map(Shard::parse).transpose() {
        Ok(s) => s,
        Err(e) => return bad(&format!("--shard: {e}")),
    };
    let plan = match load_or_report(&args.file) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let sweep = match Sweep::new(&plan, args.runs, args.seed, args.runbook.as_deref()) {
        Ok(s) => s,
        Err(e) => return bad(&format!("{}: {e}", args.file.display())),
    };
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
    {
        Ok(p) => p,
        Err(e) => return bad(&format!("cannot start threads: {e}")),
    };
    let range = shard.map_or(0..args.runs, |s| s.range(args.runs));
    let bar = progress_bar(range.end - range.start);
    let result = pool.install(|| sweep.run_range(range, &|n| bar.inc(n)));
    bar.finish_and_clear();
    let tally = match result {
        Ok(t) => t,
        Err(e) => return bad(&format!("{}: {e}", args.file.display())),
    };
    let origin = args.file.display().to_string();
    match shard {
        Some(shard) => write_part(Part::new(&origin, sweep.header, shard, tally), args.out),
        None => report(
            &origin,
            &sweep.header,
            &tally,
            args.out.as_deref(),
            args.format,
        ),
    }
}

/// Runs done, rate and time left on standard error; indicatif hides it when
/// standard error is not a terminal.
fn progress_bar(runs: u64) -> ProgressBar {
    let bar = ProgressBar::new(runs);
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:40} {pos}/{len} runs  {rate} runs/s  {elapsed} elapsed, {eta} left",
    ) {
        bar.set_style(style.with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}", state.per_sec());
            },
        ));
    }
    bar
}

fn bad(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(BAD_INPUT)
}

fn write_part(part: Part, out: Option<PathBuf>) -> ExitCode {
    let json = part.to_json();
    match out {
        None => {
            print!("{json}");
            ExitCode::SUCCESS
        }
        Some(dir) => {
            let path = inside(&dir, &part.shard.file_name());
            match write_atomic(&path, json.as_bytes()) {
                Ok(()) => {
                    eprintln!(
                        "wrote {} (runs {}..{} of {}); merge the parts with keyloss merge",
                        path.display(),
                        part.first_run,
                        part.end_run,
                        part.header.runs
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => bad(&format!("{}: {e}", path.display())),
            }
        }
    }
}

/// Prints a sweep's summary, writes its files, and gives its exit status:
/// shared by `sweep` and `merge`, so that both give the same output.
pub fn report(
    origin: &str,
    header: &Header,
    tally: &Tally,
    out: Option<&Path>,
    format: Format,
) -> ExitCode {
    let summary = Summary::new(header, tally);
    if let Some(dir) = out {
        if let Err(e) = write_files(dir, origin, header, tally, &summary) {
            return bad(&e);
        }
    }
    match format {
        Format::Text => print!("{}", render_text(&summary)),
        Format::Json => print!("{}", summary.to_json()),
    }
    if summary.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn write_files(
    dir: &Path,
    origin: &str,
    header: &Header,
    tally: &Tally,
    summary: &Summary,
) -> Result<(), String> {
    let outage = &tally.all.member_outage;
    let what = format!(
        "{}: connection-denied time per server and run, {} runs",
        header.scenario, tally.runs
    );
    let histogram = chart::histogram(outage, &what);
    let cdf = chart::cdf(outage, &what);
    let files: [(&str, Vec<u8>); 6] = [
        ("summary.json", summary.to_json().into_bytes()),
        (
            "outage-histogram.svg",
            scene::to_svg(&histogram).into_bytes(),
        ),
        ("outage-histogram.png", scene::to_png(&histogram)),
        ("outage-cdf.svg", scene::to_svg(&cdf).into_bytes()),
        ("outage-cdf.png", scene::to_png(&cdf)),
        (
            "worst-runs.txt",
            worst_runs(origin, header, tally).into_bytes(),
        ),
    ];
    for (name, bytes) in files {
        let path = inside(dir, name);
        write_atomic(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// The worst runs, each with the command that replays it.
fn worst_runs(origin: &str, header: &Header, tally: &Tally) -> String {
    let mut out = format!(
        "# {}: the runs with the most connection-denied time over all servers, worst first.\n\
         # Each line replays one run.\n",
        header.scenario
    );
    let runbook = header
        .runbook
        .as_deref()
        .map_or(String::new(), |r| format!(" --runbook {}", shell_quote(r)));
    for w in &tally.worst {
        out.push_str(&format!(
            "keyloss run {} --seed {}{runbook}   # run {}, denied {} s\n",
            shell_quote(origin),
            w.seed,
            w.index,
            w.outage_s
        ));
    }
    out
}

/// Quotes a word for a POSIX shell when it needs it.
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=+,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
