//! The command line: the clap definition and nothing else.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Deterministic simulator of customer-managed-key loss incidents for Azure
/// Database for PostgreSQL: describe a setup and an incident in a scenario
/// file, and see every window in which a server denies connections, why,
/// and the way back.
#[derive(Debug, Parser)]
#[command(
    name = "keyloss",
    version,
    propagate_version = true,
    after_help = "Get started:\n  keyloss run scenarios/07-vault-deleted-recovered.ron   one incident, minute by minute\n  keyloss check                                         the whole catalog as regression tests\n\nScenario format, output fields and the model's rules: README.md"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one scenario and print its timeline, windows and expectations.
    ///
    /// A summarised run of a large fleet whose servers cannot affect one
    /// another (no alerts, runbook or actions on servers) is split among
    /// the cores; the output is the same on any number of them.
    ///
    /// Exit status: 0 when every expectation passes, 1 when one fails, 2 on
    /// bad input.
    #[command(
        after_help = "Examples:\n  keyloss run scenarios/07-vault-deleted-recovered.ron\n  keyloss run scenarios/01-rotation-without-update.ron --seed 42 --format json"
    )]
    Run {
        /// The scenario file (RON).
        file: PathBuf,
        /// Seed for every random draw (default: the scenario's own seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Runbook to rehearse (default: the scenario's first runbook).
        #[arg(long)]
        runbook: Option<String>,
        /// With more than 20 servers the text report is summarised per
        /// fleet; this prints every server and the timeline instead.
        #[arg(long)]
        all_servers: bool,
    },
    /// Run every scenario with its expectations, one line each, like tests.
    ///
    /// Exit status: 0 when all pass, 1 when any fails, 2 when a file cannot
    /// be read or is malformed.
    #[command(
        after_help = "Examples:\n  keyloss check\n  keyloss check scenarios/ my-scenarios/outage.ron"
    )]
    Check {
        /// Scenario files or folders (folders: every *.ron inside, sorted).
        #[arg(default_value = "scenarios")]
        paths: Vec<PathBuf>,
        /// Overrides every scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Score every runbook, and doing nothing, over the same nights.
    ///
    /// Night i of every runbook uses the same seed, so the incident's own
    /// random draws are the same and the difference is the runbook's. Prints
    /// a score card per runbook: outage per night (p50, p95, max), time to
    /// detect and to recover, probability of data loss, each step's success
    /// rate and the step most often refused, and the difference from doing
    /// nothing night by night. Exit status from the scenario's expectations
    /// (sweep expectations over the first runbook's nights).
    #[command(
        after_help = "Examples:\n  keyloss rehearse scenarios/25-alert-runbook.ron --runs 1000\n  keyloss rehearse my-incident.ron --format json"
    )]
    Rehearse {
        /// The scenario file (RON).
        file: PathBuf,
        /// Nights to simulate per runbook.
        #[arg(long, default_value_t = 200)]
        runs: u64,
        /// Base seed (default: the scenario's own); night i uses a seed derived from it.
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: all cores); results do not depend on it.
        #[arg(long)]
        jobs: Option<usize>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Folder for summary.json and the overlaid CDF chart (SVG, PNG).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write a report folder per scenario: timeline chart (SVG, PNG),
    /// report.md, report.html, events.jsonl and summary.json.
    ///
    /// Each goes to OUT/<scenario name>/. Exit status: 0 when every
    /// expectation passes, 1 when one fails, 2 on bad input.
    #[command(
        after_help = "Examples:\n  keyloss report scenarios/07-vault-deleted-recovered.ron\n  keyloss report scenarios --out reports"
    )]
    Report {
        /// Scenario files or folders (folders: every *.ron inside, sorted).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Seed for every random draw (default: each scenario's own seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Folder that receives one report folder per scenario.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Runbook to rehearse (default: the scenario's first runbook).
        #[arg(long)]
        runbook: Option<String>,
    },
    /// Tell one run in plain English: each window, why, and the way back.
    ///
    /// Exit status: 0 when every expectation passes, 1 when one fails, 2 on
    /// bad input.
    #[command(
        after_help = "Examples:\n  keyloss explain scenarios/11-identity-recreated.ron\n  keyloss explain scenarios/25-alert-runbook.ron --seed 3"
    )]
    Explain {
        /// The scenario file (RON).
        file: PathBuf,
        /// Seed for every random draw (default: the scenario's own seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Runbook to rehearse (default: the scenario's first runbook).
        #[arg(long)]
        runbook: Option<String>,
    },
    /// Find the fastest documented way back to Available, and prove it.
    ///
    /// From the world at time T (default: when the first window opens, with
    /// no runbook acting), tries the documented recovery actions for every
    /// cause (recover the vault or key, re-enable the key, renew the grant,
    /// point the server at the new identity, restore a key backup,
    /// geo-restore, …), simulates each path with the scenario's seed, and
    /// shows the one with the least expected downtime — or says plainly why
    /// there is no way back.
    #[command(
        after_help = "Examples:\n  keyloss advise scenarios/11-identity-recreated.ron\n  keyloss advise scenarios/08-vault-purged.ron --at 2h"
    )]
    Advise {
        /// The scenario file (RON).
        file: PathBuf,
        /// Seed for every random draw (default: the scenario's own seed).
        #[arg(long)]
        seed: Option<u64>,
        /// The moment to advise from, as an offset (e.g. "2h30m").
        #[arg(long, value_parser = parse_offset)]
        at: Option<u64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Check each scenario's setups against what the service accepts
    /// (errors) and the documented recommendations (warnings), without
    /// running it.
    ///
    /// Exit status: 0 when no error is found (warnings allowed), 1 when the
    /// service would refuse a setup, 2 when a file cannot be read or is
    /// malformed.
    #[command(
        after_help = "Examples:\n  keyloss lint scenarios/20-create-refused-soft-delete-off.ron\n  keyloss lint scenarios/ --format sarif > keyloss.sarif"
    )]
    Lint {
        /// Scenario files or folders (folders: every *.ron inside, sorted).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = LintFormat::Text)]
        format: LintFormat,
    },
    /// Run one scenario on many seeds and report the distribution of its
    /// outages: per server, per fleet and for all servers.
    ///
    /// Run i uses seed derive_seed(seed, i), so `keyloss run --seed S`
    /// replays any run. Results do not depend on --jobs. Exit status: 0 when
    /// every OutageQuantile and OutageProbability expectation holds, 1 when
    /// one fails, 2 on bad input.
    #[command(
        after_help = "Examples:\n  keyloss sweep scenarios/25-alert-runbook.ron --runs 10000\n  keyloss sweep scenarios/fleets/vault-deleted-10k.ron --runs 100 --out sweep-out --format json\n  keyloss sweep scenarios/25-alert-runbook.ron --runs 100000 --shard 3/8 --out parts/   # then: keyloss merge parts/ --out sweep-out"
    )]
    Sweep(SweepArgs),
    /// Merge the parts of a sharded sweep into exactly what the sweep run
    /// in one piece gives.
    ///
    /// Exit status as for sweep; 2 also when parts are missing, repeated,
    /// or from different sweeps.
    #[command(
        after_help = "Examples:\n  keyloss merge parts/ --out sweep-out\n  keyloss merge part-1-of-2.json part-2-of-2.json --format json"
    )]
    Merge {
        /// Part files, or folders holding them (every part-*.json inside).
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// Folder for summary.json, charts and the worst runs' seeds.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Output format on standard output.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    Text,
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

/// A time offset from the scenario's start, like `"2h30m"`.
fn parse_offset(text: &str) -> Result<u64, String> {
    keyloss::engine::time::parse_duration(text).map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// The arguments of `keyloss sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The scenario file (RON).
    pub file: PathBuf,
    /// Number of runs (seeds).
    #[arg(long)]
    pub runs: u64,
    /// Threads (default: every core).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Folder for summary.json, charts and the worst runs' seeds (with
    /// --shard: for the part file).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Runbook to rehearse (default: the scenario's first runbook).
    #[arg(long)]
    pub runbook: Option<String>,
    /// Base seed (default: the scenario's own seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Run only the K-th of N equal slices of the runs and write a part
    /// for `keyloss merge` (to --out, else to standard output).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
}
