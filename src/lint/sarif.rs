//! Lint findings as SARIF 2.1.0, for code-scanning tools: one run whose
//! driver lists every rule, one result per finding with its physical
//! location (columns count Unicode code points, as the run declares).

use serde_json::{json, Value};

use super::{rules, LintRun, Severity};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn render(run: &LintRun) -> String {
    let all: Vec<&rules::Rule> = rules::ALL
        .iter()
        .chain(std::iter::once(&rules::FILE_ERROR))
        .collect();
    let driver_rules: Vec<Value> = all
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": { "text": r.summary },
                "defaultConfiguration": { "level": level(r.severity) },
            })
        })
        .collect();
    let results: Vec<Value> = run
        .findings
        .iter()
        .map(|f| {
            json!({
                "ruleId": f.rule,
                "ruleIndex": all.iter().position(|r| r.id == f.rule).unwrap_or(0),
                "level": level(f.severity),
                "message": { "text": format!("{}. Fix: {}.", f.message, f.fix) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&f.file) },
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.column,
                            "endLine": f.end_line,
                            "endColumn": f.end_column.max(f.column),
                        }
                    }
                }],
            })
        })
        .collect();
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "keyloss",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": driver_rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut out = serde_json::to_string_pretty(&doc).expect("plain data serializes");
    out.push('\n');
    out
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A path as a URI reference: forward slashes, every byte outside the
/// unreserved set percent-encoded, and `file://` before an absolute path.
pub fn uri(path: &str) -> String {
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
