//! The `keyloss` binary: parse arguments and hand them to one command.
//! Exit codes: 0 passed, 1 an expectation failed, 2 bad input.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;

use cli::{Cli, Command};

#[global_allocator]
static ALLOCATOR: keyloss::engine::pages::LargeBlocksOnHugePages =
    keyloss::engine::pages::LargeBlocksOnHugePages;

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Run {
            file,
            seed,
            format,
            runbook,
            all_servers,
        } => commands::run::execute(&file, seed, format, runbook, all_servers),
        Command::Check { paths, seed } => commands::check::execute(&paths, seed),
        Command::Lint { paths, format } => commands::lint::execute(&paths, format),
        Command::Rehearse {
            file,
            runs,
            seed,
            jobs,
            format,
            out,
        } => commands::rehearse::execute(&file, runs, seed, jobs, format, out.as_deref()),
        Command::Report {
            paths,
            seed,
            out,
            runbook,
        } => commands::report::execute(&paths, seed, &out, runbook),
        Command::Explain {
            file,
            seed,
            runbook,
        } => commands::explain::execute(&file, seed, runbook),
        Command::Advise {
            file,
            seed,
            at,
            format,
        } => commands::advise::execute(&file, seed, at, format),
        Command::Sweep(args) => commands::sweep::execute(args),
        Command::Merge { parts, out, format } => commands::merge::execute(&parts, out, format),
    }
}
