//! The example reports in `reports/` are exactly what `keyloss report`
//! makes of `scenarios/` today, so they never go stale. After a change
//! that alters them, regenerate them with
//!
//!     cargo run --release -- report scenarios --out reports
//!
//! and commit the result.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const REGENERATE: &str = "cargo run --release -- report scenarios --out reports";

/// Every file under `dir`, relative to it.
fn files(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out
}

#[test]
fn shipped_example_reports_match_what_report_makes_of_the_scenarios() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fresh = std::env::temp_dir().join(format!("keyloss-examples-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fresh);
    let o = Command::new(env!("CARGO_BIN_EXE_keyloss"))
        .arg("report")
        .arg(root.join("scenarios"))
        .arg("--out")
        .arg(&fresh)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let shipped = root.join("reports");
    let (want, have) = (files(&fresh), files(&shipped));
    let missing: Vec<_> = want.difference(&have).collect();
    let extra: Vec<_> = have.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "reports/ is out of date (missing {missing:?}, extra {extra:?}); run `{REGENERATE}`"
    );
    let stale: Vec<_> = want
        .iter()
        .filter(|f| {
            std::fs::read(fresh.join(f)).unwrap() != std::fs::read(shipped.join(f)).unwrap()
        })
        .collect();
    std::fs::remove_dir_all(&fresh).unwrap();
    assert!(
        stale.is_empty(),
        "these example reports differ from a fresh run: {stale:?}; run `{REGENERATE}`"
    );
}
