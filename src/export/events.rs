//! `events.jsonl`: the timeline, one JSON object a line, with the field
//! names of `run --format json` (`at_s`, `kind`, `entity`, `actor`,
//! `detail`, `result`), for `jq`, spreadsheets and log tools.

use crate::result::RunResult;

pub fn render(r: &RunResult) -> String {
    let mut out = String::new();
    for e in &r.timeline {
        out.push_str(&serde_json::to_string(e).expect("a timeline entry always serialises"));
        out.push('\n');
    }
    out
}
