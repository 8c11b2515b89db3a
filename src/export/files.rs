//! Writing output files safely: never outside the chosen folder, whatever
//! names a scenario contains, and atomically (a temporary file in the same
//! folder, then a rename), so an interrupted run leaves no half-written file.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A file-name-safe form of a name from a scenario: letters, digits, `-`,
/// `_` and `.` are kept, anything else becomes `_`; `.`/`..` and empty names
/// become `_`; at most 100 characters.
pub fn safe_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if out.is_empty() || out.chars().all(|c| c == '.') {
        out = "_".repeat(out.len().max(1));
    }
    out
}

/// `dir/name` where `name` is made safe first, so the result is always
/// directly inside `dir`.
pub fn inside(dir: &Path, name: &str) -> PathBuf {
    dir.join(safe_name(name))
}

/// Writes `bytes` to `path` atomically: a temporary sibling, flushed and
/// synced, then renamed over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_scenarios_cannot_leave_the_folder() {
        assert_eq!(safe_name("../../etc/passwd"), ".._.._etc_passwd");
        assert_eq!(safe_name(".."), "__");
        assert_eq!(safe_name("/abs/path"), "_abs_path");
        assert_eq!(safe_name(""), "_");
        let p = inside(Path::new("out"), "../x");
        assert_eq!(p.parent(), Some(Path::new("out")));
    }

    #[test]
    fn atomic_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("keyloss-files-{}", std::process::id()));
        let path = dir.join("a.txt");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "only the target remains: {names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
