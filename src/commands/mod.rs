//! One file per subcommand; each turns parsed arguments into an exit code.

pub mod advise;
pub mod check;
pub mod explain;
pub mod lint;
pub mod merge;
pub mod rehearse;
pub mod report;
pub mod run;
pub mod sweep;

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use keyloss::scenario::{load_file, Plan};

/// Exit status for bad input: a malformed file, an unknown name, a bad flag.
pub const BAD_INPUT: u8 = 2;

/// Colour only on a terminal, and never with `NO_COLOR` set.
pub fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Loads a scenario, or prints its located diagnostic and gives exit code 2.
pub fn load_or_report(path: &Path) -> Result<Plan, ExitCode> {
    load_file(path).map_err(|d| {
        eprint!("{}", d.render(color()));
        ExitCode::from(BAD_INPUT)
    })
}
