//! The HTML report renders in a real browser with the network blocked:
//! headless Chromium takes a screenshot of it. Where Chromium is not
//! installed, the test says so and passes.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `/usr/bin/chromium`, or `chromium` on PATH.
fn chromium() -> Option<PathBuf> {
    let fixed = PathBuf::from("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed);
    }
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join("chromium"))
        .find(|p| p.is_file())
}

#[test]
fn html_report_renders_in_headless_chromium_without_network() {
    let Some(browser) = chromium() else {
        eprintln!(
            "SKIPPED html_report_renders_in_headless_chromium_without_network: no chromium at /usr/bin/chromium or on PATH (apt-get install -y chromium to run it)"
        );
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("keyloss-chromium-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_keyloss"))
        .arg("report")
        .arg(root.join("scenarios/25-alert-runbook.ron"))
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let page = dir.join("alert-runbook/report.html");
    let shot = dir.join("shot.png");
    let o = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1400,1000",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--disable-background-networking",
            "--no-first-run",
        ])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "chromium made no screenshot ({e}): {}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let (w, h) = (
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
    );
    assert_eq!((w, h), (1400, 1000));
    // A blank page compresses to a few kilobytes; the report does not.
    assert!(
        png.len() > 30_000,
        "the screenshot looks empty: {} bytes",
        png.len()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
