//! Lint findings as lines for a terminal or a log:
//! `file:line:col: error[KL003] soft-delete-off: message`, then the fix.

use super::{LintRun, Severity};

pub fn render(run: &LintRun) -> String {
    let mut out = String::new();
    for f in run
        .findings
        .iter()
        .filter(|f| f.rule != super::rules::FILE_ERROR.id)
    {
        out.push_str(&format!(
            "{}:{}:{}: {}[{}] {}: {}\n    fix: {}\n",
            f.file,
            f.line,
            f.column,
            f.severity.as_str(),
            f.rule,
            f.name,
            f.message,
            f.fix
        ));
    }
    let files = run.files.len();
    let unreadable = run
        .findings
        .iter()
        .filter(|f| f.rule == super::rules::FILE_ERROR.id)
        .count();
    out.push_str(&format!(
        "{} error(s), {} warning(s) in {} file(s)",
        run.count(Severity::Error) - unreadable,
        run.count(Severity::Warning),
        files
    ));
    if unreadable > 0 {
        out.push_str(&format!(", {unreadable} unreadable"));
    }
    out.push('\n');
    out
}
