//! The time axis: which span a panel shows, where its ticks fall and how
//! they read ("+3h30m", "+30d 01:00", "+5d"), and the zoom on the first
//! incident when it would be a sliver of the whole run.

use crate::engine::time::{format_duration, DAY_S, HOUR_S, MINUTE_S};
use crate::export::facts;
use crate::result::RunResult;

/// A span of simulated time, `[from_s, to_s)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub from_s: u64,
    pub to_s: u64,
}

impl Span {
    pub fn len_s(self) -> u64 {
        self.to_s.saturating_sub(self.from_s).max(1)
    }
}

/// Tick steps that read well, smallest first.
const STEPS_S: [u64; 22] = [
    MINUTE_S,
    2 * MINUTE_S,
    5 * MINUTE_S,
    10 * MINUTE_S,
    15 * MINUTE_S,
    30 * MINUTE_S,
    HOUR_S,
    2 * HOUR_S,
    3 * HOUR_S,
    6 * HOUR_S,
    12 * HOUR_S,
    DAY_S,
    2 * DAY_S,
    5 * DAY_S,
    7 * DAY_S,
    14 * DAY_S,
    30 * DAY_S,
    60 * DAY_S,
    90 * DAY_S,
    180 * DAY_S,
    365 * DAY_S,
    730 * DAY_S,
];

/// The tick step for a span drawn `width_px` wide, with at least
/// `min_gap_px` between ticks.
pub fn step_s(span: Span, width_px: i32, min_gap_px: i32) -> u64 {
    let max_ticks = (width_px / min_gap_px.max(1)).max(1) as u64;
    STEPS_S
        .iter()
        .copied()
        .find(|s| span.len_s() / s <= max_ticks)
        .unwrap_or_else(|| span.len_s().div_ceil(max_ticks).max(1))
}

/// Tick times: the multiples of `step_s` inside the span, ends included.
pub fn ticks(span: Span, step_s: u64) -> Vec<u64> {
    let first = span.from_s.div_ceil(step_s) * step_s;
    (0..)
        .map(|k| first + k * step_s)
        .take_while(|t| *t <= span.to_s)
        .collect()
}

/// How a tick reads: whole days as `+5d`; within the first day `+3h30m`;
/// later `+30d 01:30`.
pub fn label(t_s: u64, step_s: u64, span: Span) -> String {
    if t_s == 0 {
        return "0".into();
    }
    if step_s % DAY_S == 0 || (t_s % DAY_S == 0 && span.to_s > DAY_S) {
        return format!("+{}d", t_s / DAY_S);
    }
    if span.to_s <= DAY_S {
        return format!("+{}", format_duration(t_s));
    }
    format!(
        "+{}d {:02}:{:02}",
        t_s / DAY_S,
        t_s % DAY_S / HOUR_S,
        t_s % HOUR_S / MINUTE_S
    )
}

/// Incidents shorter than the run by this factor get a zoomed panel.
const ZOOM_FACTOR: u64 = 3;

/// The span around the first incident (windows, unseen losses, TLS
/// incidents, geo-backup intervals, with the ones that follow closely),
/// when it would be a sliver of the whole run; with how many incidents lie
/// outside it.
pub fn focus(r: &RunResult) -> Option<(Span, usize)> {
    let h = r.horizon_s;
    let mut incidents: Vec<(u64, u64)> = Vec::new();
    for s in &r.servers {
        for w in &s.windows {
            incidents.push((w.lost_at_s, facts::window_end(w, h)));
        }
        for u in s.unseen_losses.iter().chain(&s.geo_backup_unusable) {
            incidents.push((u.from_s, u.until_s.unwrap_or(h)));
        }
        for x in &s.tls_incidents {
            incidents.push((x.from_s, x.until_s.unwrap_or(h)));
        }
    }
    incidents.sort_unstable();
    let (&(mut a, mut b), rest) = incidents.split_first()?;
    let mut outside = 0;
    let start = a;
    for &(x, y) in rest {
        // Join what starts before the cluster has lasted as long again
        // (at least an hour later).
        if x <= b + (b - start).max(HOUR_S) {
            b = b.max(y);
        } else {
            outside += 1;
        }
    }
    let pad = ((b - a) / 8).max(10 * MINUTE_S);
    a = a.saturating_sub(pad);
    b = (b + pad).min(h);
    let span = Span { from_s: a, to_s: b };
    (span.len_s() * ZOOM_FACTOR <= h).then_some((span, outside))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_not_crowded() {
        let day = Span {
            from_s: 0,
            to_s: DAY_S,
        };
        let s = step_s(day, 1100, 90);
        assert_eq!(s, 2 * HOUR_S);
        assert_eq!(ticks(day, s).len(), 13);
        assert_eq!(label(7200, s, day), "+2h");
        let long = Span {
            from_s: 0,
            to_s: 25 * DAY_S,
        };
        assert_eq!(label(5 * DAY_S, step_s(long, 1100, 90), long), "+5d");
        let zoom = Span {
            from_s: 20 * DAY_S,
            to_s: 20 * DAY_S + 3 * HOUR_S,
        };
        assert_eq!(label(20 * DAY_S + 5400, 1800, zoom), "+20d 01:30");
    }
}
