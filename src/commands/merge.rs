//! `keyloss merge`: the parts of a sharded sweep, made whole.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use keyloss::sweep::partial::{merge, Part};

use super::sweep::report;
use super::BAD_INPUT;
use crate::cli::Format;

pub fn execute(paths: &[PathBuf], out: Option<PathBuf>, format: Format) -> ExitCode {
    let parts = match read_parts(paths) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    match merge(parts) {
        Ok((origin, header, tally)) => report(&origin, &header, &tally, out.as_deref(), format),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(BAD_INPUT)
        }
    }
}

/// Every part named: files as given, and each folder's `part-*.json`.
fn read_parts(paths: &[PathBuf]) -> Result<Vec<(String, Part)>, String> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| format!("{}: {e}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| is_part_name(f))
                .collect();
            inside.sort();
            if inside.is_empty() {
                return Err(format!("{}: no part-*.json inside", p.display()));
            }
            files.extend(inside);
        } else {
            files.push(p.clone());
        }
    }
    files
        .iter()
        .map(|f| {
            let name = f.display().to_string();
            let text = std::fs::read_to_string(f).map_err(|e| format!("{name}: {e}"))?;
            Ok((name.clone(), Part::from_json(&text, &name)?))
        })
        .collect()
}

fn is_part_name(f: &Path) -> bool {
    f.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("part-") && n.ends_with(".json"))
}
