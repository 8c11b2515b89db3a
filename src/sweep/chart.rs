//! Charts of a sweep's outage durations: a histogram and an empirical CDF.
//!
//! Each is laid out here in whole pixels with integer arithmetic, as a
//! scene of the report charts' module (`crate::export::chart::scene`), which
//! paints the same scene as SVG and as PNG with plotters and the embedded
//! DejaVu font: both files show the same bars, lines, ticks and titles,
//! and the bytes depend on the data alone (R32).

use crate::engine::time::format_duration;
use crate::export::chart::scene::{Anchor, Rgb, Scene};

use super::counts::Counts;

const WIDTH: i32 = 720;
const HEIGHT: i32 = 420;
const LEFT: i32 = 80;
const RIGHT: i32 = 24;
const TOP: i32 = 56;
const BOTTOM: i32 = 56;
/// The most histogram bars.
const MAX_BINS: u64 = 48;

const INK: Rgb = (40, 40, 40);
const BLUE: Rgb = (46, 109, 180);
const GRID: Rgb = (222, 222, 222);

/// Label sizes: tick labels and notes, titles.
const SMALL: f64 = 12.0;
const TITLE: f64 = 15.0;

/// An empty chart (painted on white).
fn canvas() -> Scene {
    Scene {
        width: WIDTH as u32,
        height: HEIGHT as u32,
        ops: Vec::new(),
    }
}

/// A filled rectangle between two corners given in any order.
fn fill(scene: &mut Scene, (x0, y0): (i32, i32), (x1, y1): (i32, i32), color: Rgb) {
    scene.rect(x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1), color);
}

/// Durations that make readable steps, in seconds.
const DURATION_STEPS: [u64; 22] = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200,
    86_400, 172_800, 604_800, 2_592_000, 31_536_000,
];

/// The smallest readable step that splits `max` into at most `parts`.
fn duration_step(max: u64, parts: u64) -> u64 {
    DURATION_STEPS
        .iter()
        .copied()
        .find(|&s| max.div_ceil(s) <= parts)
        .unwrap_or_else(|| max.div_ceil(parts).max(1))
}

/// 1, 2, 5, 10, 20, 50, … : the smallest that splits `max` into at most
/// `parts`.
fn count_step(max: u64, parts: u64) -> u64 {
    let mut base = 1u64;
    loop {
        for m in [1, 2, 5] {
            let step = base.saturating_mul(m);
            if max.div_ceil(step) <= parts {
                return step;
            }
        }
        base = base.saturating_mul(10);
    }
}

/// `value` of `[0, max]` on `[from, from + span]` in whole pixels.
fn scale(value: u64, max: u64, from: i32, span: i32) -> i32 {
    from + (u128::from(value) * span as u128 / u128::from(max.max(1))) as i32
}

struct Frame {
    x_max: u64,
    y_max: u64,
}

const PLOT_W: i32 = WIDTH - LEFT - RIGHT;
const PLOT_H: i32 = HEIGHT - TOP - BOTTOM;

impl Frame {
    fn x(&self, v: u64) -> i32 {
        scale(v, self.x_max, LEFT, PLOT_W)
    }
    fn y(&self, v: u64) -> i32 {
        HEIGHT - BOTTOM - (scale(v, self.y_max, 0, PLOT_H))
    }

    /// Grid, axes, ticks and their labels.
    fn axes(&self, scene: &mut Scene, x_step: u64, y_step: u64, y_label: impl Fn(u64) -> String) {
        let mut v = 0;
        while v <= self.y_max {
            let y = self.y(v);
            scene.rect(LEFT, y, WIDTH - RIGHT, y + 1, GRID);
            scene.text((LEFT - 8, y), &y_label(v), SMALL, INK, Anchor::Right);
            v += y_step;
        }
        let mut v = 0;
        while v <= self.x_max {
            let x = self.x(v);
            scene.rect(x, HEIGHT - BOTTOM, x + 1, HEIGHT - BOTTOM + 5, INK);
            let at = (x, HEIGHT - BOTTOM + 14);
            scene.text(at, &format_duration(v), SMALL, INK, Anchor::Centre);
            v += x_step;
        }
        scene.rect(LEFT, TOP, LEFT + 1, HEIGHT - BOTTOM + 1, INK);
        scene.rect(
            LEFT,
            HEIGHT - BOTTOM,
            WIDTH - RIGHT,
            HEIGHT - BOTTOM + 1,
            INK,
        );
    }

    /// The title, a note under it and the x axis's name.
    fn labels(&self, scene: &mut Scene, title: &str, note: &str, x_name: &str) {
        let title = crate::export::chart::scene::fit(title, TITLE, true, WIDTH - LEFT - RIGHT);
        scene.bold((LEFT, 18), &title, TITLE, INK, Anchor::Left);
        scene.text((LEFT, 38), note, SMALL, INK, Anchor::Left);
        let at = (LEFT + PLOT_W / 2, HEIGHT - 14);
        scene.text(at, x_name, SMALL, INK, Anchor::Centre);
    }
}

/// A histogram of the non-zero values of `counts` (the zeros are stated in
/// the title: a run without an outage has nothing to draw).
pub fn histogram(counts: &Counts, title: &str) -> Scene {
    let mut scene = canvas();
    let zeros = counts.count_at_most(0);
    let max = counts.max().unwrap_or(0).max(1);
    let bin = duration_step(max + 1, MAX_BINS);
    let bins = (max / bin + 1) as usize;
    let mut heights = vec![0u64; bins];
    for (value, count) in counts.iter().filter(|&(v, _)| v > 0) {
        heights[(value / bin) as usize] += count;
    }
    let top = heights.iter().copied().max().unwrap_or(0).max(1);
    let y_step = count_step(top, 5);
    let frame = Frame {
        x_max: bins as u64 * bin,
        y_max: top.div_ceil(y_step) * y_step,
    };
    frame.axes(&mut scene, duration_step(frame.x_max, 8), y_step, |v| {
        v.to_string()
    });
    for (i, &h) in heights.iter().enumerate() {
        if h > 0 {
            let from = i as u64 * bin;
            fill(
                &mut scene,
                (frame.x(from) + 1, frame.y(h)),
                (frame.x(from + bin), frame.y(0)),
                BLUE,
            );
        }
    }
    let note = format!(
        "{} values, {zeros} of them 0 (not drawn); bars of {}",
        counts.len(),
        format_duration(bin)
    );
    frame.labels(&mut scene, title, &note, "connection-denied time");
    scene
}

/// The empirical CDF of `counts`: the share of values at most x, as a step
/// line from 0 to the largest value.
pub fn cdf(counts: &Counts, title: &str) -> Scene {
    let mut scene = canvas();
    let n = counts.len().max(1);
    let max = counts.max().unwrap_or(0).max(1);
    let x_step = duration_step(max, 8);
    // Per ten thousand, so the axis works in integers.
    let frame = Frame {
        x_max: max.div_ceil(x_step) * x_step,
        y_max: 10_000,
    };
    frame.axes(&mut scene, x_step, 2_500, |v| format!("{}%", v / 100));
    let mut seen = 0u64;
    let mut last = (frame.x(0), frame.y(0));
    for (value, count) in counts.iter() {
        seen += count;
        let x = frame.x(value);
        let y = frame.y((u128::from(seen) * 10_000 / u128::from(n)) as u64);
        fill(&mut scene, (last.0, last.1 - 1), (x + 1, last.1 + 1), BLUE);
        fill(&mut scene, (x - 1, y), (x + 1, last.1 + 1), BLUE);
        last = (x, y);
    }
    let end = frame.x(frame.x_max);
    fill(&mut scene, (last.0, last.1 - 1), (end, last.1 + 1), BLUE);
    let note = format!("{} values", counts.len());
    let x_name = "connection-denied time (share of values at most x)";
    frame.labels(&mut scene, title, &note, x_name);
    scene
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::chart::scene::{to_png, to_svg, Op};

    fn sample() -> Counts {
        vec![(0, 5), (600, 3), (1_200, 1), (3_600, 1)].into()
    }

    fn filled(scene: &Scene, color: Rgb) -> Vec<(i32, i32, i32, i32)> {
        scene
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::Rect {
                    x0,
                    y0,
                    x1,
                    y1,
                    fill,
                } if *fill == color => Some((*x0, *y0, *x1, *y1)),
                _ => None,
            })
            .collect()
    }

    fn texts(scene: &Scene) -> Vec<String> {
        scene
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn steps_are_readable() {
        assert_eq!(duration_step(3_600, 8), 600);
        assert_eq!(duration_step(86_400, 8), 10_800);
        assert_eq!(count_step(7, 5), 2);
        assert_eq!(count_step(1_000, 5), 200);
    }

    #[test]
    fn a_histogram_draws_one_bar_per_non_empty_bin_as_tall_as_its_count() {
        // Bins of 2 minutes (the largest value is 1 h): 600 s three times,
        // 1,200 s once, 3,600 s once; the five zeros are not drawn.
        let scene = histogram(&sample(), "t");
        let bars = filled(&scene, BLUE);
        assert_eq!(bars.len(), 3);
        let heights: Vec<i32> = bars.iter().map(|(_, y0, _, y1)| y1 - y0).collect();
        assert_eq!(heights[1], heights[2]);
        // Three times as tall, to the pixel each end rounds to.
        assert!((heights[0] - 3 * heights[1]).abs() <= 3, "{heights:?}");
        let words = texts(&scene);
        assert!(
            words
                .iter()
                .any(|t| t == "10 values, 5 of them 0 (not drawn); bars of 2m"),
            "{words:?}"
        );
    }

    #[test]
    fn a_cdf_climbs_to_every_value() {
        let scene = cdf(&sample(), "t");
        let top = HEIGHT - BOTTOM - PLOT_H;
        // The step line reaches the top of the plot (100 %) and no higher.
        let lines = filled(&scene, BLUE);
        assert_eq!(lines.iter().map(|r| r.1).min(), Some(top - 1));
        assert!(texts(&scene).iter().any(|t| t == "100%"));
    }

    #[test]
    fn both_files_carry_the_title_and_are_the_same_bytes_every_time() {
        let title = "fleet: connection-denied time per server and run, 10 runs";
        let a = cdf(&sample(), title);
        let svg = to_svg(&a);
        assert!(svg.contains(title), "the SVG names the chart");
        assert_eq!(svg, to_svg(&cdf(&sample(), title)));
        let png = to_png(&a);
        assert_eq!(png, to_png(&cdf(&sample(), title)));
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR: width and height, big-endian, after the chunk's length and name.
        let size = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().expect("4 bytes"));
        assert_eq!((size(16), size(20)), (WIDTH as u32, HEIGHT as u32));
        assert!(texts(&a).iter().any(|t| t == title));
    }

    #[test]
    fn an_empty_distribution_still_draws_axes() {
        let empty = Counts::new();
        assert!(!filled(&histogram(&empty, "t"), INK).is_empty());
        assert!(!to_png(&cdf(&empty, "t")).is_empty());
    }
}
