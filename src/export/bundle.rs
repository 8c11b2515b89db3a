//! The files of a report folder (`keyloss report`), rendered from one run:
//! the chart is laid out once and becomes the SVG, the PNG and the HTML
//! page's figure.

use super::{chart, events, html, markdown, summary};
use crate::result::RunResult;

/// One file of a report folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportFile {
    pub name: &'static str,
    pub bytes: Vec<u8>,
}

/// The names of a report folder's files, in the order they are written.
pub const FILE_NAMES: [&str; 6] = [
    "timeline.svg",
    "timeline.png",
    "report.md",
    "report.html",
    "events.jsonl",
    "summary.json",
];

/// Every file of the report; `source` is the scenario text.
pub fn render(r: &RunResult, source: Option<&str>) -> Vec<ReportFile> {
    let scene = chart::layout(r);
    let svg = chart::scene::to_svg(&scene);
    let contents: [Vec<u8>; 6] = [
        svg.clone().into_bytes(),
        chart::scene::to_png(&scene),
        markdown::render(r, source).into_bytes(),
        html::render_with_chart(r, &svg, source).into_bytes(),
        events::render(r).into_bytes(),
        summary::render(r).into_bytes(),
    ];
    FILE_NAMES
        .iter()
        .zip(contents)
        .map(|(name, bytes)| ReportFile { name, bytes })
        .collect()
}
