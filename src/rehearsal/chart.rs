//! The overlaid CDF of a rehearsal: for each runbook (and doing nothing),
//! the share of nights whose outage was at most x. Laid out as a scene of
//! the report's chart module, so it shares its font and its SVG and PNG
//! painters.

use crate::engine::time::format_duration;
use crate::export::chart::scene::{Anchor, Rgb, Scene};

use super::rehearse::Rehearsal;

const WIDTH: i32 = 900;
const HEIGHT: i32 = 520;
const LEFT: i32 = 90;
const RIGHT: i32 = 220;
const TOP: i32 = 60;
const BOTTOM: i32 = 60;
const INK: Rgb = (33, 33, 33);
const GRID: Rgb = (230, 230, 230);
/// One colour per runbook, in order; more runbooks reuse them.
const SERIES: [Rgb; 6] = [
    (105, 105, 105),
    (46, 109, 180),
    (230, 97, 1),
    (26, 150, 65),
    (118, 42, 131),
    (202, 0, 32),
];

/// The chart as a scene (see [`crate::export::chart::scene`] to paint it).
pub fn outage_cdf(r: &Rehearsal) -> Scene {
    let mut s = Scene {
        width: WIDTH as u32,
        height: HEIGHT as u32,
        ops: Vec::new(),
    };
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let largest = r
        .nights
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .max()
        .unwrap_or(0)
        .max(60);
    // A round step, and one step of room so that no line sits on the frame.
    let step = STEPS_S
        .iter()
        .copied()
        .find(|&st| largest / st < 6)
        .unwrap_or(largest / 5);
    let ticks = largest / step + 1;
    let max = ticks * step;
    let x = |v: u64| LEFT + ((u128::from(v) * plot_w as u128) / u128::from(max)) as i32;
    let y = |share_ppm: u64| {
        TOP + plot_h - ((u128::from(share_ppm) * plot_h as u128) / 1_000_000) as i32
    };
    s.bold(
        (LEFT, 24),
        &format!("{}: outage per night, {} nights", r.scenario, r.runs),
        15.0,
        INK,
        Anchor::Left,
    );
    s.text((LEFT, 42), "share of nights whose connection-denied time was at most x (same nights for every runbook)", 11.0, INK, Anchor::Left);
    for i in 0..=4u64 {
        let yy = y(i * 250_000);
        s.line((LEFT, yy), (LEFT + plot_w, yy), GRID);
        s.text(
            (LEFT - 8, yy),
            &format!("{}%", i * 25),
            11.0,
            INK,
            Anchor::Right,
        );
    }
    for i in 0..=ticks {
        let v = step * i;
        let xx = x(v);
        s.line((xx, TOP), (xx, TOP + plot_h), GRID);
        s.text(
            (xx, TOP + plot_h + 14),
            &format_duration(v),
            11.0,
            INK,
            Anchor::Centre,
        );
    }
    s.line((LEFT, TOP + plot_h), (LEFT + plot_w, TOP + plot_h), INK);
    s.line((LEFT, TOP), (LEFT, TOP + plot_h), INK);
    s.text(
        (LEFT + plot_w / 2, HEIGHT - 16),
        "connection-denied time per night",
        12.0,
        INK,
        Anchor::Centre,
    );
    for (i, (name, nights)) in r.nights.iter().enumerate() {
        let color = SERIES[i % SERIES.len()];
        let mut sorted = nights.clone();
        sorted.sort_unstable();
        let n = sorted.len().max(1) as u64;
        let mut last = (x(0), y(0));
        for (k, &v) in sorted.iter().enumerate() {
            // Only the last of equal values makes a step.
            if sorted.get(k + 1) == Some(&v) {
                continue;
            }
            let share = (k as u64 + 1) * 1_000_000 / n;
            let (xx, yy) = (x(v), y(share));
            thick(&mut s, last, (xx, last.1), color);
            thick(&mut s, (xx, last.1), (xx, yy), color);
            last = (xx, yy);
        }
        thick(&mut s, last, (LEFT + plot_w, last.1), color);
        let ly = TOP + 10 + i as i32 * 20;
        s.rect(
            LEFT + plot_w + 20,
            ly - 2,
            LEFT + plot_w + 40,
            ly + 2,
            color,
        );
        s.text((LEFT + plot_w + 46, ly), name, 12.0, INK, Anchor::Left);
    }
    s
}

/// Round tick steps for durations.
const STEPS_S: [u64; 14] = [
    60, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800,
    2_592_000,
];

/// A line two pixels wide, so that overlaid series stay visible.
fn thick(s: &mut Scene, from: (i32, i32), to: (i32, i32), color: Rgb) {
    s.line(from, to, color);
    let (dx, dy) = if from.1 == to.1 { (0, 1) } else { (1, 0) };
    s.line((from.0 + dx, from.1 + dy), (to.0 + dx, to.1 + dy), color);
}
