//! `--format json`: one document with the field names of SCENARIOS.md.

use crate::result::RunResult;

pub fn render(result: &RunResult) -> String {
    let mut out = serde_json::to_string_pretty(result).expect("a run result always serialises");
    out.push('\n');
    out
}
