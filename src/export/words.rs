//! Times and durations as people read them, shared by the narrative, the
//! Markdown and HTML reports and the chart: offsets from the start, with
//! calendar time (UTC) beside them when the scenario gives a start.

use super::Clock;
use crate::engine::time::{
    format_calendar, format_offset, parse_calendar, DAY_S, HOUR_S, MINUTE_S,
};
use crate::result::RunResult;

/// How one run's times are shown. Built from the result alone: its `start`
/// is the scenario's calendar start, as written.
#[derive(Clone, Copy, Debug, Default)]
pub struct Times {
    pub start_unix_s: Option<i64>,
}

impl Times {
    pub fn of(r: &RunResult) -> Times {
        Times {
            start_unix_s: r.start.as_deref().and_then(|s| parse_calendar(s).ok()),
        }
    }

    /// The same view as the terminal report's.
    pub fn clock(self) -> Clock {
        Clock {
            start_unix_s: self.start_unix_s,
        }
    }

    /// `+0d 03:20:00`, or `+0d 03:20:00 (2026-03-01 03:20:00 UTC)`.
    pub fn at(self, t_s: u64) -> String {
        match self.calendar(t_s) {
            Some(c) => format!("{} ({c})", format_offset(t_s)),
            None => format_offset(t_s),
        }
    }

    /// `2026-03-01 03:20:00 UTC`, when the scenario gives a start.
    pub fn calendar(self, t_s: u64) -> Option<String> {
        let start = self.start_unix_s?;
        let iso = format_calendar(start.saturating_add(t_s as i64));
        Some(format!(
            "{} UTC",
            iso.trim_end_matches('Z').replacen('T', " ", 1)
        ))
    }

    /// The calendar time of `t_s` in a short form for axis ticks:
    /// `03-01 06:00` (month-day hour:minute, UTC).
    pub fn calendar_short(self, t_s: u64) -> Option<String> {
        let start = self.start_unix_s?;
        let iso = format_calendar(start.saturating_add(t_s as i64));
        // iso: YYYY-MM-DDTHH:MM:SSZ; years outside 0000-9999 are longer.
        let (date, time) = iso.split_once('T')?;
        let month_day = date.get(date.len().saturating_sub(5)..)?;
        Some(format!("{month_day} {}", time.get(..5)?))
    }
}

/// A duration in words: `4 minutes`, `1 hour 6 minutes`,
/// `8 days 23 hours 54 minutes`, `0 seconds`.
pub fn duration(s: u64) -> String {
    if s == 0 {
        return "0 seconds".into();
    }
    let parts = [
        (s / DAY_S, "day"),
        (s % DAY_S / HOUR_S, "hour"),
        (s % HOUR_S / MINUTE_S, "minute"),
        (s % MINUTE_S, "second"),
    ];
    parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| plural(*n, unit))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `1 window`, `3 windows`.
pub fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `a, b and c`.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_words_largest_unit_first() {
        assert_eq!(duration(0), "0 seconds");
        assert_eq!(duration(240), "4 minutes");
        assert_eq!(duration(3960), "1 hour 6 minutes");
        assert_eq!(duration(86400 + 61), "1 day 1 minute 1 second");
    }

    #[test]
    fn calendar_time_is_shown_beside_the_offset_when_a_start_is_given() {
        let with = Times {
            start_unix_s: Some(parse_calendar("2026-03-01T00:00:00Z").unwrap()),
        };
        assert_eq!(with.at(12000), "+0d 03:20:00 (2026-03-01 03:20:00 UTC)");
        assert_eq!(with.calendar_short(86400 + 3600).unwrap(), "03-02 01:00");
        assert_eq!(Times::default().at(12000), "+0d 03:20:00");
    }

    #[test]
    fn lists_join_with_commas_and_a_final_and() {
        let l = |v: &[&str]| and_list(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(l(&["a"]), "a");
        assert_eq!(l(&["a", "b", "c"]), "a, b and c");
    }
}
