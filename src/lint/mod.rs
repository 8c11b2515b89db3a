//! `keyloss lint`: would the service accept each customer-managed-key
//! setup in a scenario at all (R35–R40), and does the setup follow the
//! documented recommendations? A static reading of the file: nothing is
//! simulated, so it is fast on any file and finds what a run would only
//! show as a refusal.
//!
//! Every finding has a stable rule id ([`rules`]), a severity (error: the
//! service refuses; warning: a recommendation), the file, line and column of
//! the value to change, and a one-line fix. `text`, `json` and `sarif`
//! render a [`LintRun`].

mod checks;
pub mod json;
pub mod rules;
pub mod sarif;
pub mod text;
mod world;

use std::path::Path;

use serde::Serialize;

use crate::scenario::diagnostic::Diagnostic;
use crate::scenario::resolve::{parse_str, read_text};
pub use rules::{Rule, Severity};

/// The action the service would refuse, and the server it concerns.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Refuses {
    pub action: String,
    pub server: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `KL003`
    pub rule: &'static str,
    /// `soft-delete-off`
    pub name: &'static str,
    pub severity: Severity,
    pub file: String,
    /// 1-based, in characters; the end is exclusive.
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// What the finding is about: `server "pg-prod"`, `vault "kv"`.
    pub entity: String,
    pub message: String,
    pub fix: String,
    /// For errors about a setup: what the service would refuse.
    pub refuses: Option<Refuses>,
}

/// The findings for a set of files.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LintRun {
    pub files: Vec<String>,
    pub findings: Vec<Finding>,
}

impl LintRun {
    /// Lints each file; a file that cannot be read or checked gives one
    /// `KL000` finding.
    pub fn of_paths(paths: &[impl AsRef<Path>]) -> (LintRun, Vec<Diagnostic>) {
        let mut run = LintRun::default();
        let mut problems = Vec::new();
        for p in paths {
            let shown = p.as_ref().display().to_string();
            run.files.push(shown.clone());
            let findings = read_text(p.as_ref()).and_then(|text| lint_text(&text, &shown));
            match findings {
                Ok(f) => run.findings.extend(f),
                Err(d) => {
                    run.findings.push(file_error(&d));
                    problems.push(d);
                }
            }
        }
        (run, problems)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    pub fn has_file_errors(&self) -> bool {
        self.findings.iter().any(|f| f.rule == rules::FILE_ERROR.id)
    }

    /// 2 when a file could not be checked, 1 when the service would refuse
    /// something, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.has_file_errors() {
            2
        } else if self.count(Severity::Error) > 0 {
            1
        } else {
            0
        }
    }
}

/// Checks scenario text, then lints it.
pub fn lint_text(text: &str, origin: &str) -> Result<Vec<Finding>, Diagnostic> {
    let plan = parse_str(text, origin)?;
    let declared = world::Declared::read(&plan.file);
    Ok(checks::Linter::new(text, origin, declared).run())
}

/// A file error as a finding, so that JSON and SARIF carry it too.
pub fn file_error(d: &Diagnostic) -> Finding {
    let (line, column) = if d.line == 0 {
        (1, 1)
    } else {
        (d.line, d.column)
    };
    Finding {
        rule: rules::FILE_ERROR.id,
        name: rules::FILE_ERROR.name,
        severity: Severity::Error,
        file: d.file.clone(),
        line,
        column,
        end_line: line,
        end_column: column,
        entity: "file".into(),
        message: d.message.clone(),
        fix: d.help.clone().unwrap_or_else(|| "correct the file".into()),
        refuses: None,
    }
}
