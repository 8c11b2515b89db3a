//! The command line: the clap definition and nothing else.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Deterministic simulator of customer-managed-key loss incidents for Azure
/// Database for PostgreSQL: describe a setup and an incident in a scenario
/// file, and see every window in which a server denies connections, why,
/// and the way back.
#[derive(Debug, Parser)]
#[command(name = "keyloss", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one scenario and print its timeline, windows and expectations.
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
    /// Run one scenario on many seeds and report the distribution of its
    /// outages: per server, per fleet and for all servers.
    ///
    /// Run i uses seed derive_seed(seed, i), so `keyloss run --seed S`
    /// replays any run. Results do not depend on --jobs. Exit status: 0 when
    /// every OutageQuantile and OutageProbability expectation holds, 1 when
    /// one fails, 2 on bad input.
    #[command(
        after_help = "Examples:\n  keyloss sweep scenarios/25-alert-runbook.ron --runs 10000\n  keyloss sweep fleet.ron --runs 1000 --out sweep-out --format json\n  keyloss sweep fleet.ron --runs 100000 --shard 3/8 --out parts/   # then: keyloss merge parts/ --out sweep-out"
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
