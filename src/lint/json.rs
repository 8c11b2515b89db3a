//! Lint findings as one JSON document: `files`, `errors`, `warnings`,
//! `findings[]` (rule, name, severity, file, line, column, end_line,
//! end_column, entity, message, fix, refuses), and the `rules` table.

use serde::Serialize;

use super::{rules, Finding, LintRun, Rule, Severity};

#[derive(Serialize)]
struct Document<'a> {
    files: &'a [String],
    errors: usize,
    warnings: usize,
    findings: &'a [Finding],
    rules: &'a [Rule],
}

pub fn render(run: &LintRun) -> String {
    let doc = Document {
        files: &run.files,
        errors: run.count(Severity::Error),
        warnings: run.count(Severity::Warning),
        findings: &run.findings,
        rules: &rules::ALL,
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("plain data serializes");
    out.push('\n');
    out
}
