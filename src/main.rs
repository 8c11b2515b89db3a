//! The `keyloss` binary: parse arguments and hand them to one command.
//! Exit codes: 0 passed, 1 an expectation failed, 2 bad input.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;

use cli::{Cli, Command};

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
        Command::Sweep(args) => commands::sweep::execute(args),
        Command::Merge { parts, out, format } => commands::merge::execute(&parts, out, format),
    }
}
