//! The timeline chart of a run (`timeline.svg`, `timeline.png`): one lane
//! per server (connections above, control plane below, key access as a
//! thin line), lanes for vaults, key versions, identities and grants, and
//! numbered markers for scripted events, runbook steps, refused actions
//! and alerts, listed under the chart. A run whose incident is a sliver of
//! the whole gets a second panel zoomed on it.
//!
//! [`lanes`] decides what to show, [`axis`] where time falls, this file
//! lays it out in pixels, and [`scene`] paints it with plotters.

pub mod axis;
pub mod lanes;
pub mod scene;

use axis::Span;
use lanes::{Conn, Ctl, EntityLane, Lanes, Marker, Rest, Row, ServerLane, Strip};
use scene::{fit, fit_middle, text_width, Anchor, Op, Rgb, Scene};

use super::words::{duration, Times};
use crate::engine::time::format_duration;
use crate::result::RunResult;

pub fn svg(r: &RunResult) -> String {
    scene::to_svg(&layout(r))
}

pub fn png(r: &RunResult) -> Vec<u8> {
    scene::to_png(&layout(r))
}

const WIDTH: i32 = 1400;
const MARGIN: i32 = 16;
const LABEL_W: i32 = 250;
const PLOT_X0: i32 = MARGIN + LABEL_W;
const PLOT_X1: i32 = WIDTH - 28;
/// Markers listed by number under the chart.
pub const MAX_LISTED_MARKERS: usize = 30;

const INK: Rgb = (33, 33, 33);
const GREY: Rgb = (105, 105, 105);
const GRID: Rgb = (234, 234, 234);
const GUIDE: Rgb = (205, 205, 205);
const WHITE: Rgb = (255, 255, 255);

const ABSENT: Rgb = (243, 243, 243);
const AVAILABLE: Rgb = (199, 229, 196);
const DENYING: Rgb = (230, 97, 1);
const RECOVERING: Rgb = (69, 117, 180);
const DATA_LOST: Rgb = (28, 28, 28);
const CTL_AVAILABLE: Rgb = (222, 239, 220);
const INACCESSIBLE: Rgb = (202, 0, 32);
const KEY_LOST: Rgb = (118, 42, 131);
const GEO: Rgb = (140, 81, 10);
const TLS: Rgb = (214, 64, 160);
const USABLE: Rgb = (171, 210, 230);
const UNUSABLE: Rgb = (153, 112, 171);

fn conn_color(c: Conn) -> Rgb {
    match c {
        Conn::Absent => ABSENT,
        Conn::Available => AVAILABLE,
        Conn::Denying => DENYING,
        Conn::Recovering => RECOVERING,
        Conn::DataLost => DATA_LOST,
    }
}

fn ctl_color(c: Ctl) -> Rgb {
    match c {
        Ctl::Absent => ABSENT,
        Ctl::Available => CTL_AVAILABLE,
        Ctl::Inaccessible => INACCESSIBLE,
    }
}

fn strip_color(s: Strip) -> Rgb {
    match s {
        Strip::KeyLost | Strip::UnseenLoss => KEY_LOST,
        Strip::GeoUnusable => GEO,
        Strip::TlsRefused => TLS,
    }
}

fn row_color(row: Row) -> Rgb {
    match row {
        Row::Event => (33, 102, 172),
        Row::Runbook => (27, 120, 55),
        Row::Refused => (178, 24, 43),
        Row::Alert => (224, 130, 20),
    }
}

/// Maps simulated time to x within a panel.
#[derive(Clone, Copy)]
struct Scale {
    span: Span,
}

impl Scale {
    fn x(self, t_s: u64) -> i32 {
        let t = t_s.clamp(self.span.from_s, self.span.to_s) - self.span.from_s;
        let w = (PLOT_X1 - PLOT_X0) as u128;
        PLOT_X0 + (t as u128 * w / self.span.len_s() as u128) as i32
    }

    /// `[a, b)` in pixels, at least `min_px` wide when it is inside the
    /// span at all, so a short window never vanishes.
    fn px(self, a: u64, b: u64, min_px: i32) -> Option<(i32, i32)> {
        if b <= self.span.from_s || a >= self.span.to_s || a >= b {
            return None;
        }
        let (x0, x1) = (self.x(a), self.x(b));
        Some((x0, x1.max(x0 + min_px).min(PLOT_X1.max(x0 + min_px))))
    }
}

/// The whole chart in pixels.
pub fn layout(r: &RunResult) -> Scene {
    let times = Times::of(r);
    let lanes = lanes::build(r);
    let mut s = Scene::default();
    let mut y = header(r, times, &mut s);
    y = legend(&lanes, y, &mut s);
    let whole = Span {
        from_s: 0,
        to_s: r.horizon_s.max(1),
    };
    y = panel(
        times,
        &lanes,
        whole,
        &format!("The whole run: 0 → +{}", format_duration(r.horizon_s)),
        y,
        &mut s,
    );
    if let Some((span, outside)) = axis::focus(r) {
        let mut title = format!(
            "Zoom on the first incident: {} → {}",
            times.at(span.from_s),
            times.at(span.to_s)
        );
        if outside > 0 {
            title.push_str(&format!(" ({} more later, in the panel above)", outside));
        }
        y = panel(times, &lanes, span, &title, y + 8, &mut s);
    }
    y = marker_list(&lanes.markers, y, &mut s);
    y = notes(&lanes.notes, y, &mut s);
    s.width = WIDTH as u32;
    s.height = (y + MARGIN) as u32;
    s
}

fn header(r: &RunResult, times: Times, s: &mut Scene) -> i32 {
    let title = fit(
        &format!("{}  ·  seed {}", r.scenario, r.seed),
        22.0,
        true,
        WIDTH - 2 * MARGIN,
    );
    s.bold((MARGIN, 24), &title, 22.0, INK, Anchor::Left);
    let mut y = 52;
    if let Some(summary) = &r.summary {
        for line in wrap_px(summary, 14.0, WIDTH - 2 * MARGIN).iter().take(2) {
            s.text((MARGIN, y), line, 14.0, INK, Anchor::Left);
            y += 20;
        }
    }
    let mut meta = vec![format!("horizon {}", duration(r.horizon_s))];
    if let Some(c) = times.calendar(0) {
        meta.push(format!("start {c}"));
    }
    if let Some(rb) = &r.runbook {
        meta.push(format!("runbook \"{rb}\""));
    }
    meta.push(match r.servers.len() {
        1 => "1 server".to_string(),
        n => format!("{n} servers"),
    });
    let windows: usize = r.servers.iter().map(|s| s.windows.len()).sum();
    meta.push(match windows {
        1 => "1 window".to_string(),
        n => format!("{n} windows"),
    });
    s.text((MARGIN, y), &meta.join("   ·   "), 12.0, GREY, Anchor::Left);
    y + 22
}

/// One legend item: how its swatch looks.
enum Swatch {
    Box(Rgb),
    Line(Rgb),
    Mark(Row),
}

fn legend(lanes: &Lanes, y: i32, s: &mut Scene) -> i32 {
    let has_conn = |c: Conn| {
        lanes
            .servers
            .iter()
            .any(|l| l.picture.conn.iter().any(|x| x.2 == c))
    };
    let has_strip = |k: Strip| {
        lanes
            .servers
            .iter()
            .any(|l| l.picture.strips.iter().any(|x| x.2 == k))
    };
    let mut items: Vec<(Swatch, &str)> = Vec::new();
    if !lanes.servers.is_empty() {
        items.push((Swatch::Box(AVAILABLE), "Available"));
        items.push((Swatch::Box(DENYING), "denying connections"));
        items.push((
            Swatch::Box(RECOVERING),
            "recovering: access back, waiting (still denying)",
        ));
        if has_conn(Conn::DataLost) {
            items.push((Swatch::Box(DATA_LOST), "data lost for good"));
        }
        items.push((Swatch::Box(INACCESSIBLE), "control plane: Inaccessible"));
        items.push((
            Swatch::Line(KEY_LOST),
            if has_strip(Strip::UnseenLoss) {
                "no key access (R10 false; alone: unseen loss)"
            } else {
                "no key access (R10 false)"
            },
        ));
        if has_strip(Strip::GeoUnusable) {
            items.push((Swatch::Line(GEO), "geo-backup key unusable"));
        }
        if has_strip(Strip::TlsRefused) {
            items.push((Swatch::Line(TLS), "TLS clients refused"));
        }
        if has_conn(Conn::Absent) {
            items.push((Swatch::Box(ABSENT), "server does not exist"));
        }
    }
    if !lanes.entities.is_empty() {
        items.push((Swatch::Box(USABLE), "entity usable"));
        items.push((Swatch::Box(UNUSABLE), "entity not usable"));
    }
    for row in [Row::Event, Row::Runbook, Row::Refused, Row::Alert] {
        if lanes.markers.iter().any(|m| m.row == row) {
            items.push((Swatch::Mark(row), row.title()));
        }
    }
    let mut x = MARGIN;
    let mut y = y + 8;
    for (swatch, text) in items {
        let w = 18 + text_width(text, 12.0, false) + 22;
        if x + w > WIDTH - MARGIN {
            x = MARGIN;
            y += 20;
        }
        match swatch {
            Swatch::Box(c) => s.rect(x, y - 6, x + 14, y + 6, c),
            Swatch::Line(c) => s.rect(x, y - 2, x + 14, y + 2, c),
            Swatch::Mark(row) => mark(s, row, x + 7, y),
        }
        s.text((x + 20, y), text, 12.0, INK, Anchor::Left);
        x += w;
    }
    if !lanes.servers.is_empty() {
        y += 20;
        s.text(
            (MARGIN, y),
            "Each server lane: upper band = what clients met, lower band = what the control plane (portal, API) showed, thin line = key access lost; labels in a window give its length.",
            12.0,
            GREY,
            Anchor::Left,
        );
    }
    y + 22
}

/// A marker's glyph centred at (x, y).
fn mark(s: &mut Scene, row: Row, x: i32, y: i32) {
    let fill = row_color(row);
    match row {
        Row::Event => s.ops.push(Op::Poly {
            points: vec![(x - 6, y - 5), (x + 6, y - 5), (x, y + 5)],
            fill,
        }),
        Row::Runbook => s.ops.push(Op::Poly {
            points: vec![(x - 6, y + 5), (x + 6, y + 5), (x, y - 5)],
            fill,
        }),
        Row::Refused => s.ops.push(Op::Poly {
            points: vec![(x, y - 6), (x + 6, y), (x, y + 6), (x - 6, y)],
            fill,
        }),
        Row::Alert => s.ops.push(Op::Circle {
            centre: (x, y),
            radius: 5,
            fill,
        }),
    }
}

const HEADING_H: i32 = 26;
const ROW_H: i32 = 20;
const SERVER_PITCH: i32 = 44;
const ENTITY_PITCH: i32 = 20;

fn panel(times: Times, lanes: &Lanes, span: Span, title: &str, y0: i32, out: &mut Scene) -> i32 {
    let scale = Scale { span };
    let mut body = Scene::default();
    out.bold((MARGIN, y0 + 10), title, 14.0, INK, Anchor::Left);
    let mut y = y0 + HEADING_H;
    let top = y;
    y = marker_rows(&lanes.markers, scale, y, &mut body);
    if !lanes.servers.is_empty() {
        body.bold((MARGIN, y + 8), "servers", 12.0, GREY, Anchor::Left);
        y += 18;
        for lane in &lanes.servers {
            server_lane(lane, scale, y, &mut body);
            y += SERVER_PITCH;
        }
        if let Some(rest) = &lanes.rest {
            rest_lane(rest, scale, y, &mut body);
            y += SERVER_PITCH;
        }
    }
    let mut kind = "";
    for e in &lanes.entities {
        if e.kind != kind {
            kind = &e.kind;
            body.bold((MARGIN, y + 8), &kind_title(kind), 12.0, GREY, Anchor::Left);
            y += 18;
        }
        entity_lane(e, scale, y, &mut body);
        y += ENTITY_PITCH;
    }
    let bottom = y;
    // Beneath the lanes: tick grid lines and marker guides, seen between lanes.
    let step = axis::step_s(span, PLOT_X1 - PLOT_X0, 100);
    for t in axis::ticks(span, step) {
        let x = scale.x(t);
        out.line((x, top), (x, bottom), GRID);
    }
    for m in lanes.markers.iter().filter(|m| in_span(span, m.at_s)) {
        let x = scale.x(m.at_s);
        out.line((x, top), (x, bottom), GUIDE);
    }
    out.ops.append(&mut body.ops);
    time_axis(times, span, step, scale, bottom + 4, out)
}

fn in_span(span: Span, t: u64) -> bool {
    t >= span.from_s && t <= span.to_s
}

fn kind_title(kind: &str) -> String {
    match kind {
        "vault" => "vaults".into(),
        "key_version" => "key versions".into(),
        "identity" => "identities".into(),
        "grant" => "grants".into(),
        other => format!("{other}s"),
    }
}

fn marker_rows(markers: &[Marker], scale: Scale, mut y: i32, s: &mut Scene) -> i32 {
    for row in [Row::Event, Row::Runbook, Row::Refused, Row::Alert] {
        let in_row: Vec<(usize, &Marker)> = markers
            .iter()
            .enumerate()
            .filter(|(_, m)| m.row == row)
            .collect();
        if in_row.is_empty() {
            continue;
        }
        let cy = y + ROW_H / 2;
        s.text((PLOT_X0 - 10, cy), row.title(), 12.0, GREY, Anchor::Right);
        s.line((PLOT_X0, cy), (PLOT_X1, cy), GRID);
        let visible: Vec<(usize, &Marker)> = in_row
            .into_iter()
            .filter(|(_, m)| in_span(scale.span, m.at_s))
            .collect();
        for (_, m) in &visible {
            let x = scale.x(m.at_s);
            if let Some(n) = m.until_s.filter(|n| *n > m.at_s) {
                let xn = scale.x(n);
                s.line((x, cy), (xn, cy), row_color(row));
                s.line((xn, cy - 4), (xn, cy + 4), row_color(row));
            }
            mark(s, row, x, cy);
        }
        number_labels(&visible, scale, cy, s);
        y += ROW_H;
    }
    y
}

/// Numbers beside markers, after the last marker of each cluster: markers
/// too close to be labelled apart share one label ("3,4").
fn number_labels(visible: &[(usize, &Marker)], scale: Scale, cy: i32, s: &mut Scene) {
    let label = |nums: &[usize]| {
        let mut text: Vec<String> = nums.iter().take(4).map(|n| n.to_string()).collect();
        if nums.len() > 4 {
            text.push(format!("+{}", nums.len() - 4));
        }
        text.join(",")
    };
    // (x of the cluster's last marker, numbers)
    let mut groups: Vec<(i32, Vec<usize>)> = Vec::new();
    for (i, m) in visible {
        if *i >= MAX_LISTED_MARKERS {
            continue;
        }
        let x = scale.x(m.at_s);
        match groups.last_mut() {
            Some((last, nums)) if x <= *last + 9 + text_width(&label(nums), 11.0, true) + 8 => {
                *last = x;
                nums.push(i + 1);
            }
            _ => groups.push((x, vec![i + 1])),
        }
    }
    for (x, nums) in groups {
        let text = label(&nums);
        let w = text_width(&text, 11.0, true);
        let (tx, anchor) = if x + 9 + w > WIDTH - 4 {
            (x - 9, Anchor::Right)
        } else {
            (x + 9, Anchor::Left)
        };
        s.bold((tx, cy - 1), &text, 11.0, INK, anchor);
    }
}

fn lane_label(s: &mut Scene, text: &str, cy: i32, size: f64) {
    let t = fit(text, size, false, LABEL_W - 12);
    s.text((MARGIN, cy), &t, size, INK, Anchor::Left);
}

/// Entity names end with what matters most (`… pg-uami on kv-prod`), so
/// a long one loses its middle.
fn entity_label(s: &mut Scene, text: &str, cy: i32) {
    let t = fit_middle(text, 12.0, LABEL_W - 12);
    s.text((MARGIN, cy), &t, 12.0, INK, Anchor::Left);
}

fn server_lane(lane: &ServerLane, scale: Scale, y: i32, s: &mut Scene) {
    let p = &lane.picture;
    lane_label(s, &lane.label, y + 10, 13.0);
    for &(a, b, c) in &p.conn {
        let min = if c == Conn::Available || c == Conn::Absent {
            0
        } else {
            2
        };
        if let Some((x0, x1)) = scale.px(a, b, min) {
            s.rect(x0, y, x1, y + 18, conn_color(c));
        }
    }
    for &(a, b, c) in &p.ctl {
        let min = if c == Ctl::Inaccessible { 2 } else { 0 };
        if let Some((x0, x1)) = scale.px(a, b, min) {
            s.rect(x0, y + 20, x1, y + 27, ctl_color(c));
        }
    }
    for &(a, b, k) in &p.strips {
        if let Some((x0, x1)) = scale.px(a, b, 2) {
            s.rect(x0, y + 29, x1, y + 32, strip_color(k));
            if k == Strip::UnseenLoss {
                s.text((x0, y + 38), "unseen loss", 10.0, KEY_LOST, Anchor::Left);
            }
        }
    }
    for &(a, b) in &p.windows {
        if let Some((x0, x1)) = scale.px(a, b, 2) {
            let text = format_duration(b - a);
            if text_width(&text, 11.0, true) + 10 <= x1 - x0 {
                s.bold((x0 + 5, y + 9), &text, 11.0, WHITE, Anchor::Left);
            }
        }
    }
    if let Some(t) = p.data_lost_at_s.filter(|t| in_span(scale.span, *t)) {
        let x = scale.x(t);
        s.rect(x - 1, y - 3, x + 1, y + 32, DATA_LOST);
        let end = scale.x(scale.span.to_s);
        let text = "data lost";
        if text_width(text, 11.0, true) + 10 <= end - x {
            s.bold((x + 6, y + 9), text, 11.0, WHITE, Anchor::Left);
        }
    }
}

fn rest_lane(rest: &Rest, scale: Scale, y: i32, s: &mut Scene) {
    lane_label(
        s,
        &format!("the other {} servers", rest.members),
        y + 10,
        13.0,
    );
    let share = |intervals: &[(u64, u64)]| -> Vec<u64> {
        // Members touching each pixel column: a difference array over pixels.
        let n = (PLOT_X1 - PLOT_X0 + 2) as usize;
        let mut diff = vec![0i64; n + 1];
        for &(a, b) in intervals {
            if let Some((x0, x1)) = scale.px(a, b, 1) {
                diff[(x0 - PLOT_X0) as usize] += 1;
                diff[((x1 - PLOT_X0) as usize).min(n)] -= 1;
            }
        }
        let mut run = 0i64;
        diff.iter()
            .take(n - 1)
            .map(|d| {
                run += d;
                run.max(0) as u64
            })
            .collect()
    };
    let bands = [
        (share(&rest.denying), y, y + 18, AVAILABLE, DENYING),
        (
            share(&rest.inaccessible),
            y + 20,
            y + 27,
            CTL_AVAILABLE,
            INACCESSIBLE,
        ),
    ];
    for (counts, y0, y1, low, high) in bands {
        // Runs of equal shade become one rectangle.
        let mut x = 0usize;
        while x < counts.len() {
            let mut e = x + 1;
            while e < counts.len() && counts[e] == counts[x] {
                e += 1;
            }
            let c = shade(low, high, counts[x], rest.members);
            s.rect(PLOT_X0 + x as i32, y0, PLOT_X0 + e as i32, y1, c);
            x = e;
        }
    }
}

/// From `low` (none of `total`) to `high` (all of them); any at all is
/// visibly shaded.
fn shade(low: Rgb, high: Rgb, n: u64, total: u64) -> Rgb {
    if n == 0 || total == 0 {
        return low;
    }
    let f = (0.25 + 0.75 * n.min(total) as f64 / total as f64).min(1.0);
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    (mix(low.0, high.0), mix(low.1, high.1), mix(low.2, high.2))
}

fn entity_lane(e: &EntityLane, scale: Scale, y: i32, s: &mut Scene) {
    entity_label(s, &e.label, y + 6);
    let first_state = e.spans.first().map(|x| x.3.as_str());
    for (a, b, usable, state) in &e.spans {
        let Some((x0, x1)) = scale.px(*a, *b, if *usable { 0 } else { 2 }) else {
            continue;
        };
        let fill = if *usable { USABLE } else { UNUSABLE };
        s.rect(x0, y, x1, y + 12, fill);
        let worth = !*usable || Some(state.as_str()) != first_state;
        if worth && text_width(state, 10.0, false) + 6 <= x1 - x0 {
            let color = if *usable { INK } else { WHITE };
            s.text((x0 + 3, y + 6), state, 10.0, color, Anchor::Left);
        }
    }
}

fn time_axis(times: Times, span: Span, step: u64, scale: Scale, y: i32, s: &mut Scene) -> i32 {
    s.line((PLOT_X0, y), (PLOT_X1, y), GREY);
    let with_calendar = times.start_unix_s.is_some();
    for t in axis::ticks(span, step) {
        let x = scale.x(t);
        s.line((x, y), (x, y + 5), GREY);
        s.text(
            (x, y + 14),
            &axis::label(t, step, span),
            11.0,
            INK,
            Anchor::Centre,
        );
        if let Some(c) = times.calendar_short(t) {
            s.text((x, y + 28), &c, 10.0, GREY, Anchor::Centre);
        }
    }
    let caption = if with_calendar {
        "time since the start (grey: calendar time, UTC)"
    } else {
        "time since the start (d days, h hours, m minutes)"
    };
    let cy = if with_calendar { y + 42 } else { y + 30 };
    s.text((PLOT_X1, cy), caption, 11.0, GREY, Anchor::Right);
    cy + 14
}

fn marker_list(markers: &[Marker], y: i32, s: &mut Scene) -> i32 {
    if markers.is_empty() {
        return y;
    }
    let mut y = y + 8;
    s.bold((MARGIN, y), "Markers", 14.0, INK, Anchor::Left);
    y += 20;
    let listed = markers.len().min(MAX_LISTED_MARKERS);
    let columns = if listed > 8 { 2 } else { 1 };
    let col_w = (WIDTH - 2 * MARGIN) / columns;
    let rows = listed.div_ceil(columns as usize);
    for (i, m) in markers.iter().take(listed).enumerate() {
        let col = (i / rows) as i32;
        let row = (i % rows) as i32;
        let x = MARGIN + col * col_w;
        let cy = y + row * 18;
        mark(s, m.row, x + 7, cy);
        s.bold((x + 18, cy), &(i + 1).to_string(), 12.0, INK, Anchor::Left);
        let text = fit(&m.text, 12.0, false, col_w - 52);
        s.text((x + 44, cy), &text, 12.0, INK, Anchor::Left);
    }
    y += rows as i32 * 18;
    if markers.len() > listed {
        s.text(
            (MARGIN, y),
            &format!(
                "… and {} more (every one is in events.jsonl)",
                markers.len() - listed
            ),
            12.0,
            GREY,
            Anchor::Left,
        );
        y += 18;
    }
    y
}

fn notes(notes: &[String], y: i32, s: &mut Scene) -> i32 {
    let mut y = y + 4;
    for n in notes {
        for line in wrap_px(n, 12.0, WIDTH - 2 * MARGIN) {
            s.text((MARGIN, y), &line, 12.0, GREY, Anchor::Left);
            y += 17;
        }
    }
    y
}

/// `text` broken into lines no wider than `max_px`.
fn wrap_px(text: &str, size: f64, max_px: i32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && text_width(&candidate, size, false) > max_px {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
