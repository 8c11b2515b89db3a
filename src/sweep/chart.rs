//! Charts of a sweep's outage durations: a histogram and an empirical CDF,
//! each as SVG and PNG.
//!
//! A chart is first laid out as a scene of axis-aligned rectangles and
//! labels in whole pixels (integer arithmetic only, so every machine draws
//! the same bytes), then written by one of two small backends: SVG (labels
//! as text) and PNG (labels drawn with a built-in 5×7 pixel font for digits
//! and units; the titles are left to the SVG).

use std::fmt::Write;

use super::counts::Counts;
use super::png;
use crate::engine::time::format_duration;

const WIDTH: i32 = 720;
const HEIGHT: i32 = 420;
const LEFT: i32 = 80;
const RIGHT: i32 = 24;
const TOP: i32 = 56;
const BOTTOM: i32 = 56;
/// The most histogram bars.
const MAX_BINS: u64 = 48;

/// Palette indices.
const WHITE: u8 = 0;
const INK: u8 = 1;
const BLUE: u8 = 2;
const GRID: u8 = 3;
const PALETTE: [[u8; 3]; 4] = [
    [255, 255, 255],
    [40, 40, 40],
    [46, 109, 180],
    [222, 222, 222],
];
const SVG_COLORS: [&str; 4] = ["#ffffff", "#282828", "#2e6db4", "#dedede"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Anchor {
    Start,
    Middle,
    End,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Shape {
    /// `[x0, x1) × [y0, y1)` in pixels.
    Rect {
        x0: i32,
        y0: i32,
        x1: i32,
        y1: i32,
        color: u8,
    },
    /// A label whose baseline starts, centres or ends at (x, y).
    Text {
        x: i32,
        y: i32,
        anchor: Anchor,
        size: i32,
        text: String,
    },
}

/// A laid-out chart.
#[derive(Clone, Debug, Default)]
pub struct Scene {
    shapes: Vec<Shape>,
}

impl Scene {
    fn rect(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, color: u8) {
        let (x0, x1) = (x0.min(x1), x0.max(x1));
        let (y0, y1) = (y0.min(y1), y0.max(y1));
        self.shapes.push(Shape::Rect {
            x0,
            y0,
            x1,
            y1,
            color,
        });
    }

    fn text(&mut self, x: i32, y: i32, anchor: Anchor, size: i32, text: impl Into<String>) {
        self.shapes.push(Shape::Text {
            x,
            y,
            anchor,
            size,
            text: text.into(),
        });
    }

    /// The scene as an SVG document.
    pub fn to_svg(&self) -> String {
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
             viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"DejaVu Sans, Verdana, sans-serif\">\n\
             <rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"#ffffff\"/>\n"
        );
        for s in &self.shapes {
            match s {
                Shape::Rect {
                    x0,
                    y0,
                    x1,
                    y1,
                    color,
                } => {
                    let _ = writeln!(
                        out,
                        "<rect x=\"{x0}\" y=\"{y0}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
                        x1 - x0,
                        y1 - y0,
                        SVG_COLORS[*color as usize]
                    );
                }
                Shape::Text {
                    x,
                    y,
                    anchor,
                    size,
                    text,
                } => {
                    let anchor = match anchor {
                        Anchor::Start => "start",
                        Anchor::Middle => "middle",
                        Anchor::End => "end",
                    };
                    let _ = writeln!(
                        out,
                        "<text x=\"{x}\" y=\"{y}\" font-size=\"{size}\" text-anchor=\"{anchor}\" fill=\"{}\">{}</text>",
                        SVG_COLORS[INK as usize],
                        escape(text)
                    );
                }
            }
        }
        out.push_str("</svg>\n");
        out
    }

    /// The scene as a PNG image.
    pub fn to_png(&self) -> Vec<u8> {
        let mut pixels = vec![WHITE; (WIDTH * HEIGHT) as usize];
        let mut fill = |x0: i32, y0: i32, x1: i32, y1: i32, color: u8| {
            for y in y0.max(0)..y1.min(HEIGHT) {
                for x in x0.max(0)..x1.min(WIDTH) {
                    pixels[(y * WIDTH + x) as usize] = color;
                }
            }
        };
        for s in &self.shapes {
            match s {
                Shape::Rect {
                    x0,
                    y0,
                    x1,
                    y1,
                    color,
                } => fill(*x0, *y0, *x1, *y1, *color),
                Shape::Text {
                    x, y, anchor, text, ..
                } => {
                    if !text.chars().all(|c| glyph(c).is_some()) {
                        continue; // titles: SVG only
                    }
                    let width = text.chars().count() as i32 * 6 - 1;
                    let left = match anchor {
                        Anchor::Start => *x,
                        Anchor::Middle => x - width / 2,
                        Anchor::End => x - width,
                    };
                    for (i, c) in text.chars().enumerate() {
                        let rows = glyph(c).expect("checked above");
                        for (row, bits) in rows.iter().enumerate() {
                            for col in 0..5 {
                                if bits & (0x10 >> col) != 0 {
                                    let px = left + i as i32 * 6 + col;
                                    let py = y - 7 + row as i32;
                                    fill(px, py, px + 1, py + 1, INK);
                                }
                            }
                        }
                    }
                }
            }
        }
        png::encode(WIDTH as u32, HEIGHT as u32, PALETTE, &pixels)
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// 5×7 glyphs for the characters of tick labels, one byte per row.
fn glyph(c: char) -> Option<[u8; 7]> {
    Some(match c {
        '0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        '1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        '2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        '3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        '4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        '5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        '6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        '7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        '9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        'd' => [0x01, 0x01, 0x0D, 0x13, 0x11, 0x11, 0x0F],
        'h' => [0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11],
        'm' => [0x00, 0x00, 0x1A, 0x15, 0x15, 0x11, 0x11],
        's' => [0x00, 0x00, 0x0E, 0x10, 0x0E, 0x01, 0x1E],
        '%' => [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03],
        '.' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C],
        _ => return None,
    })
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
            scene.text(LEFT - 8, y + 4, Anchor::End, 12, y_label(v));
            v += y_step;
        }
        let mut v = 0;
        while v <= self.x_max {
            let x = self.x(v);
            scene.rect(x, HEIGHT - BOTTOM, x + 1, HEIGHT - BOTTOM + 5, INK);
            scene.text(
                x,
                HEIGHT - BOTTOM + 18,
                Anchor::Middle,
                12,
                format_duration(v),
            );
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
}

/// A histogram of the non-zero values of `counts` (the zeros are stated in
/// the title: a run without an outage has nothing to draw).
pub fn histogram(counts: &Counts, title: &str) -> Scene {
    let mut scene = Scene::default();
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
            scene.rect(
                frame.x(from) + 1,
                frame.y(h),
                frame.x(from + bin),
                frame.y(0),
                BLUE,
            );
        }
    }
    scene.text(LEFT, 22, Anchor::Start, 15, title);
    scene.text(
        LEFT,
        40,
        Anchor::Start,
        12,
        format!(
            "{} values, {zeros} of them 0 (not drawn); bars of {}",
            counts.len(),
            format_duration(bin)
        ),
    );
    scene.text(
        LEFT + PLOT_W / 2,
        HEIGHT - 12,
        Anchor::Middle,
        12,
        "connection-denied time",
    );
    scene
}

/// The empirical CDF of `counts`: the share of values at most x, as a step
/// line from 0 to the largest value.
pub fn cdf(counts: &Counts, title: &str) -> Scene {
    let mut scene = Scene::default();
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
        scene.rect(last.0, last.1 - 1, x + 1, last.1 + 1, BLUE);
        scene.rect(x - 1, y, x + 1, last.1 + 1, BLUE);
        last = (x, y);
    }
    scene.rect(last.0, last.1 - 1, frame.x(frame.x_max), last.1 + 1, BLUE);
    scene.text(LEFT, 22, Anchor::Start, 15, title);
    scene.text(
        LEFT,
        40,
        Anchor::Start,
        12,
        format!("{} values", counts.len()),
    );
    scene.text(
        LEFT + PLOT_W / 2,
        HEIGHT - 12,
        Anchor::Middle,
        12,
        "connection-denied time (share of values at most x)",
    );
    scene
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Counts {
        vec![(0, 5), (600, 3), (1_200, 1), (3_600, 1)].into()
    }

    #[test]
    fn steps_are_readable() {
        assert_eq!(duration_step(3_600, 8), 600);
        assert_eq!(duration_step(86_400, 8), 10_800);
        assert_eq!(count_step(7, 5), 2);
        assert_eq!(count_step(1_000, 5), 200);
    }

    #[test]
    fn a_histogram_draws_one_bar_per_non_empty_bin() {
        let scene = histogram(&sample(), "t");
        let bars = scene
            .shapes
            .iter()
            .filter(|s| matches!(s, Shape::Rect { color: BLUE, .. }))
            .count();
        assert_eq!(bars, 3);
    }

    #[test]
    fn charts_are_the_same_bytes_every_time() {
        let a = cdf(&sample(), "t");
        let b = cdf(&sample(), "t");
        assert_eq!(a.to_svg(), b.to_svg());
        assert_eq!(a.to_png(), b.to_png());
        assert!(a.to_svg().starts_with("<svg"));
    }

    #[test]
    fn an_empty_distribution_still_draws_axes() {
        let empty = Counts::new();
        assert!(histogram(&empty, "t").to_svg().contains("<rect"));
        assert!(!cdf(&empty, "t").to_png().is_empty());
    }
}
