//! `report.html`: one self-contained page (inline SVG and CSS, no script,
//! nothing fetched) with the chart, the windows, the narrative, the
//! expectations, the timeline and the scenario source.

use std::fmt::Write;

use super::explain::{self, Block};
use super::markdown::window_cells;
use super::words::{duration, Times};
use super::{chart, facts};
use crate::result::{Outcome, RunResult};

/// Timeline rows in the page; every entry is in events.jsonl.
pub const MAX_TIMELINE_ROWS: usize = 1000;
/// Window rows in the table; a fleet's others are in summary.json.
pub const MAX_TABLE_ROWS: usize = 200;

const STYLE: &str = "
body { font-family: 'DejaVu Sans', 'Segoe UI', Helvetica, Arial, sans-serif; color: #212121; margin: 0; background: #fafafa; }
main { max-width: 1440px; margin: 0 auto; padding: 24px; background: #fff; }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { margin-top: 36px; border-bottom: 2px solid #e0e0e0; padding-bottom: 4px; font-size: 20px; }
h3 { margin-top: 24px; font-size: 16px; }
p, li { line-height: 1.5; max-width: 72em; }
.summary { font-size: 16px; color: #424242; margin: 4px 0 8px; }
.facts { color: #616161; font-size: 14px; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: bold; font-size: 14px; }
.pass { background: #e3f1e0; color: #1b5e20; }
.fail { background: #fde0e0; color: #b71c1c; }
.skip { background: #eeeeee; color: #616161; }
figure { margin: 16px 0; }
figure svg { box-sizing: border-box; max-width: 100%; height: auto; border: 1px solid #e0e0e0; }
figcaption { color: #616161; font-size: 13px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border: 1px solid #e0e0e0; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
td.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
pre { background: #f5f5f5; padding: 12px; overflow-x: auto; font-size: 13px; line-height: 1.4; }
code { font-family: 'DejaVu Sans Mono', Consolas, monospace; }
details summary { cursor: pointer; color: #1565c0; }
.note { color: #616161; font-size: 13px; }
";

/// `source` is the scenario text, shown at the end (the run result does
/// not carry it).
pub fn render(r: &RunResult, source: Option<&str>) -> String {
    render_with_chart(r, &chart::svg(r), source)
}

/// As [`render`], with the chart's SVG already drawn.
pub fn render_with_chart(r: &RunResult, svg: &str, source: Option<&str>) -> String {
    let t = Times::of(r);
    let mut out = String::new();
    let title = format!("{} — seed {}", r.scenario, r.seed);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} — keyloss report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        esc(&title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", esc(&title));
    if let Some(s) = &r.summary {
        let _ = writeln!(out, "<p class=\"summary\">{}</p>", esc(s));
    }
    header_facts(r, t, &mut out);
    let _ = writeln!(
        out,
        "<figure>\n{}<figcaption>The timeline: each server lane shows what clients met (upper band), what the control plane showed (lower band) and when key access was lost (thin line); below, when each vault, key version, identity and grant was usable. The same chart is in timeline.svg and timeline.png; every entry is in events.jsonl.</figcaption>\n</figure>",
        inline_svg(svg)
    );
    windows(r, t, &mut out);
    narrative(r, &mut out);
    expectations(r, &mut out);
    timeline(r, t, &mut out);
    if let Some(src) = source {
        let _ = writeln!(
            out,
            "<h2>Scenario source</h2>\n<pre><code>{}</code></pre>",
            esc(src.trim_end())
        );
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn header_facts(r: &RunResult, t: Times, out: &mut String) {
    let mut parts = vec![format!("horizon {}", duration(r.horizon_s))];
    if let Some(c) = t.calendar(0) {
        parts.push(format!("start {c}"));
    }
    if let Some(rb) = &r.runbook {
        parts.push(format!("runbook “{rb}”"));
    }
    parts.push(format!(
        "{} server{}",
        r.servers.len(),
        if r.servers.len() == 1 { "" } else { "s" }
    ));
    let decided = r.expectations.iter().filter(|e| e.passed.is_some()).count();
    let failed = r
        .expectations
        .iter()
        .filter(|e| e.passed == Some(false))
        .count();
    let verdict = match (decided, failed) {
        (0, _) => "<span class=\"verdict skip\">no expectations decided</span>".to_string(),
        (d, 0) => format!("<span class=\"verdict pass\">{d} of {d} expectations passed</span>"),
        (d, f) => format!("<span class=\"verdict fail\">{f} of {d} expectations failed</span>"),
    };
    let _ = writeln!(
        out,
        "<p class=\"facts\">{} · {verdict}</p>",
        esc(&parts.join(" · "))
    );
}

/// The chart's SVG document as an element of the page.
fn inline_svg(svg: &str) -> String {
    let body = svg.trim_start();
    let body = match body.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(rest, |(_, b)| b).trim_start(),
        None => body,
    };
    body.replacen(
        "<svg ",
        "<svg role=\"img\" aria-label=\"Timeline chart of the run\" ",
        1,
    )
}

fn windows(r: &RunResult, t: Times, out: &mut String) {
    out.push_str("<h2>Windows</h2>\n");
    let rows: Vec<_> = r
        .servers
        .iter()
        .flat_map(|s| {
            s.windows
                .iter()
                .enumerate()
                .map(move |(i, w)| (&*s.name, i + 1, w))
        })
        .collect();
    if rows.is_empty() {
        out.push_str("<p>No server denied connections.</p>\n");
        return;
    }
    out.push_str("<table>\n<tr><th>server</th><th>#</th><th>key access lost</th><th>denied from</th><th>denied until</th><th>denied for</th><th>control plane Inaccessible</th><th>resource health Inaccessible</th><th>causes</th><th>recovery path</th></tr>\n");
    for (name, n, w) in rows.iter().take(MAX_TABLE_ROWS) {
        let cells = window_cells(t, w);
        let _ = write!(out, "<tr><td>{}</td><td class=\"num\">{n}</td>", esc(name));
        for (i, c) in cells.iter().enumerate() {
            let class = if i < 6 { " class=\"num\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", esc(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    if rows.len() > MAX_TABLE_ROWS {
        let _ = writeln!(
            out,
            "<p class=\"note\">… and {} more windows, in summary.json.</p>",
            rows.len() - MAX_TABLE_ROWS
        );
    }
}

fn narrative(r: &RunResult, out: &mut String) {
    let n = explain::narrate(r);
    let _ = writeln!(out, "<h2>{}</h2>", esc(&n.title));
    for s in &n.sections {
        let _ = writeln!(out, "<h3>{}</h3>", esc(&s.heading));
        for b in &s.blocks {
            match b {
                Block::Para(p) => {
                    let _ = writeln!(out, "<p>{}</p>", esc(p));
                }
                Block::Bullets(items) => {
                    out.push_str("<ul>\n");
                    for i in items {
                        let _ = writeln!(out, "<li>{}</li>", esc(i));
                    }
                    out.push_str("</ul>\n");
                }
            }
        }
    }
}

fn expectations(r: &RunResult, out: &mut String) {
    if r.expectations.is_empty() {
        return;
    }
    out.push_str("<h2>Expectations</h2>\n<table>\n<tr><th>result</th><th>expectation</th><th>detail</th></tr>\n");
    for e in &r.expectations {
        let (class, word) = match e.passed {
            Some(true) => ("pass", "pass"),
            Some(false) => ("fail", "FAIL"),
            None => ("skip", "skipped"),
        };
        let _ = writeln!(
            out,
            "<tr><td><span class=\"verdict {class}\">{word}</span></td><td><code>{}</code></td><td>{}</td></tr>",
            esc(&e.text),
            esc(&e.detail)
        );
    }
    out.push_str("</table>\n");
}

fn timeline(r: &RunResult, t: Times, out: &mut String) {
    if r.timeline.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<h2>Timeline</h2>\n<details>\n<summary>All {} entries, in the order things happened</summary>\n<table>\n<tr><th>time</th><th>what</th><th>entity</th><th>by</th><th>detail</th><th>result</th></tr>",
        r.timeline.len()
    );
    for e in r.timeline.iter().take(MAX_TIMELINE_ROWS) {
        let result = match e.result {
            Some(Outcome::Refused) => "<span class=\"verdict fail\">refused</span>".to_string(),
            Some(o) => esc(facts::outcome_words(o)),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{result}</td></tr>",
            esc(&t.at(e.at_s)),
            esc(&e.kind),
            esc(&e.entity),
            esc(&e.actor),
            esc(&e.detail)
        );
    }
    out.push_str("</table>\n");
    if r.timeline.len() > MAX_TIMELINE_ROWS {
        let _ = writeln!(
            out,
            "<p class=\"note\">… and {} more, in events.jsonl.</p>",
            r.timeline.len() - MAX_TIMELINE_ROWS
        );
    }
    out.push_str("</details>\n");
}

/// Text made safe inside HTML elements and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_a_scenario_cannot_open_a_tag() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }
}
