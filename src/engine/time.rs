//! Simulated time: whole-second durations and calendar instants.
//!
//! The simulation clock is a count of whole seconds from the start of a run
//! ([`Seconds`]); calendar instants are Unix seconds (`i64`), UTC. Nothing
//! here reads the wall clock: a run depends only on its scenario and seed
//! (R32). The civil-date arithmetic is Howard Hinnant's `days_from_civil` and
//! `civil_from_days` (<https://howardhinnant.github.io/date_algorithms.html>),
//! done in integers so it is exact for every year.

use std::fmt;

/// A duration or an offset from the start of a run, in whole seconds.
pub type Seconds = u64;

/// Seconds in a minute.
pub const MINUTE_S: Seconds = 60;
/// Seconds in an hour.
pub const HOUR_S: Seconds = 60 * MINUTE_S;
/// Seconds in a day (UTC days; leap seconds do not exist in Unix time).
pub const DAY_S: Seconds = 24 * HOUR_S;
/// Seconds in a week.
pub const WEEK_S: Seconds = 7 * DAY_S;

/// A duration or calendar time that could not be parsed, with a message for
/// the scenario author that says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError(pub String);

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DurationError {}

/// The units a duration may use, largest first: the order they must appear in.
const UNITS: [(&str, Seconds); 5] = [
    ("w", WEEK_S),
    ("d", DAY_S),
    ("h", HOUR_S),
    ("m", MINUTE_S),
    ("s", 1),
];

/// Parses a duration such as `"90s"`, `"10m"`, `"2h"`, `"7d"`, `"1w"`,
/// `"1h30m"`, `"30d1h"` or `"0s"`.
///
/// A duration is one or more parts, each a whole number followed by a unit
/// (`w`, `d`, `h`, `m`, `s`); units go from largest to smallest and each
/// appears at most once, so every duration has few spellings and a typo like
/// `"1m30h"` is caught. Surrounding whitespace is ignored; whitespace inside
/// is not. Errors say what to write instead: a missing unit, an unknown or
/// sub-second unit, a fraction, a negative sign, units out of order, or a
/// value beyond `u64` seconds.
pub fn parse_duration(text: &str) -> Result<Seconds, DurationError> {
    let fail = |message: String| Err(DurationError(message));
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return fail(
            "a duration cannot be empty; write a whole number and a unit, \
             like \"90s\", \"10m\" or \"1h30m\""
                .to_string(),
        );
    }
    if trimmed.starts_with('-') {
        return fail(format!("a duration cannot be negative: {text:?}"));
    }
    let mut rest = trimmed;
    let mut total_s: Seconds = 0;
    // Index into UNITS of the last unit seen; a later unit must be smaller.
    let mut last_unit: Option<usize> = None;
    let mut out_of_order = false;
    while !rest.is_empty() {
        let digits_len = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let (digits, after_digits) = rest.split_at(digits_len);
        if digits.is_empty() {
            return fail(unexpected_start(text, rest));
        }
        if let Some(fraction) = after_digits.strip_prefix(['.', ',']) {
            return fail(fraction_message(text, digits, fraction));
        }
        let unit_len = after_digits.len()
            - after_digits
                .trim_start_matches(|c: char| c.is_alphabetic())
                .len();
        let (unit, after_unit) = after_digits.split_at(unit_len);
        if unit.is_empty() {
            return fail(match after_digits.chars().next() {
                None => format!("a duration needs a unit (s, m, h, d, w): {text:?}"),
                Some(c) => unexpected_character(text, c),
            });
        }
        let Some(unit_index) = UNITS.iter().position(|&(name, _)| name == unit) else {
            return fail(unknown_unit(text, unit));
        };
        out_of_order |= last_unit.is_some_and(|last| last >= unit_index);
        last_unit = Some(unit_index);
        let part_s = digits
            .parse::<u64>()
            .ok()
            .and_then(|count| count.checked_mul(UNITS[unit_index].1));
        total_s = match part_s.and_then(|part_s| total_s.checked_add(part_s)) {
            Some(sum_s) => sum_s,
            None => return fail(too_large(text)),
        };
        rest = after_unit;
    }
    if out_of_order {
        return fail(format!(
            "units in a duration go from largest to smallest, each at most once: \
             {text:?}; write {:?}",
            format_duration(total_s)
        ));
    }
    Ok(total_s)
}

/// The message for a part that does not start with a digit.
fn unexpected_start(text: &str, rest: &str) -> String {
    match rest.chars().next() {
        Some(c) if c.is_alphabetic() => {
            format!("each unit in a duration needs a whole number before it: {text:?}")
        }
        Some(c) => unexpected_character(text, c),
        None => unreachable!("parse_duration stops at the end of the text"),
    }
}

fn unexpected_character(text: &str, c: char) -> String {
    let hint = if c.is_whitespace() {
        "write a duration without spaces, like \"1h30m\""
    } else {
        "a duration is whole numbers, each followed by a unit, like \"1h30m\""
    };
    format!("unexpected {c:?} in the duration {text:?}; {hint}")
}

/// The message for `"1.5h"`: suggests the exact equivalent when there is one.
fn fraction_message(text: &str, whole: &str, after_point: &str) -> String {
    let fraction_len = after_point.len()
        - after_point
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    let (fraction, unit) = after_point.split_at(fraction_len);
    let unit_s = UNITS
        .iter()
        .find(|&&(name, _)| name == unit)
        .map(|&(_, unit_s)| unit_s);
    let exact_s = exact_fraction_s(whole, fraction, unit_s);
    match exact_s {
        Some(total_s) => format!(
            "durations take whole numbers only: {text:?}; write {:?}",
            format_duration(total_s)
        ),
        None => format!(
            "durations take whole numbers only: {text:?}; \
             combine units instead, like \"1h30m\" for an hour and a half"
        ),
    }
}

/// `whole.fraction` units in seconds, if that is a whole number of seconds.
fn exact_fraction_s(whole: &str, fraction: &str, unit_s: Option<Seconds>) -> Option<Seconds> {
    // Nine fraction digits keep 10^k and the products well inside u64.
    if fraction.is_empty() || fraction.len() > 9 {
        return None;
    }
    let unit_s = unit_s?;
    let scale = 10u64.pow(fraction.len() as u32);
    let fraction_s = fraction.parse::<u64>().ok()?.checked_mul(unit_s)?;
    if fraction_s % scale != 0 {
        return None;
    }
    whole
        .parse::<u64>()
        .ok()?
        .checked_mul(unit_s)?
        .checked_add(fraction_s / scale)
}

fn unknown_unit(text: &str, unit: &str) -> String {
    let sub_second = ["ms", "us", "µs", "μs", "ns"];
    if sub_second.contains(&unit) {
        return format!(
            "sub-second durations are not supported: {text:?}; \
             the simulator counts whole seconds"
        );
    }
    let lower = unit.to_ascii_lowercase();
    let meant = match lower.as_str() {
        "s" | "m" | "h" | "d" | "w" => {
            return format!(
                "unknown unit {unit:?} in the duration {text:?}; units are lower case: {lower:?}"
            )
        }
        "sec" | "secs" | "second" | "seconds" => Some("s"),
        "min" | "mins" | "minute" | "minutes" => Some("m"),
        "hr" | "hrs" | "hour" | "hours" => Some("h"),
        "day" | "days" => Some("d"),
        "wk" | "wks" | "week" | "weeks" => Some("w"),
        _ => None,
    };
    let hint = meant.map_or(String::new(), |short| format!(" (did you mean {short:?}?)"));
    format!("unknown unit {unit:?} in the duration {text:?}; use s, m, h, d or w{hint}")
}

fn too_large(text: &str) -> String {
    format!(
        "the duration {text:?} is too large; durations are limited to {} seconds",
        u64::MAX
    )
}

/// The canonical short form of a duration: days, hours, minutes and seconds,
/// largest first, zero parts left out: 0 → `"0s"`, 90 → `"1m30s"`,
/// 5400 → `"1h30m"`, 2595600 → `"30d1h"`. Days are the largest unit, because
/// "30d" reads better in a timeline than "4w2d". [`parse_duration`] reads
/// every output back to the same value.
pub fn format_duration(s: Seconds) -> String {
    if s == 0 {
        return "0s".to_string();
    }
    let parts = [
        (s / DAY_S, "d"),
        (s % DAY_S / HOUR_S, "h"),
        (s % HOUR_S / MINUTE_S, "m"),
        (s % MINUTE_S, "s"),
    ];
    parts
        .iter()
        .filter(|&&(count, _)| count > 0)
        .map(|(count, unit)| format!("{count}{unit}"))
        .collect()
}

/// An offset from the start of a run, for timelines: `"+30d 01:00:00"`.
/// Days are always shown (`"+0d 00:05:00"`) so that a column of offsets
/// lines up.
pub fn format_offset(s: Seconds) -> String {
    format!(
        "+{}d {:02}:{:02}:{:02}",
        s / DAY_S,
        s % DAY_S / HOUR_S,
        s % HOUR_S / MINUTE_S,
        s % MINUTE_S
    )
}

/// The expected form, quoted in every calendar error.
const CALENDAR_FORM: &str = "an RFC 3339 time like \"2026-03-01T00:00:00Z\" \
                             (UTC), or with an offset like \"2026-03-01T01:00:00+01:00\"";

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Parses an RFC 3339 instant, such as `"2026-03-01T00:00:00Z"`, into Unix
/// seconds (UTC).
///
/// The offset may be `Z` or `±HH:MM` (`"+00:00"` is UTC; other offsets are
/// converted to UTC). `T` and `Z` may be lower case, as RFC 3339 allows.
/// Fractional seconds and leap seconds (`:60`) are refused, because
/// simulated time counts whole Unix seconds. Months, days (leap years
/// included), hours, minutes and seconds are range-checked.
pub fn parse_calendar(text: &str) -> Result<i64, DurationError> {
    let trimmed = text.trim();
    let bytes = trimmed.as_bytes();
    let fail = |detail: &str| -> Result<i64, DurationError> {
        Err(DurationError(format!(
            "{detail}{text:?} is not {CALENDAR_FORM}"
        )))
    };
    let shape_ok = bytes.len() >= 19
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && matches!(bytes[10], b'T' | b't')
        && bytes[13] == b':'
        && bytes[16] == b':';
    if !shape_ok {
        return fail("");
    }
    let field = |start: usize, end: usize| digits(&bytes[start..end]);
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        field(0, 4),
        field(5, 7),
        field(8, 10),
        field(11, 13),
        field(14, 16),
        field(17, 19),
    ) else {
        return fail("");
    };
    // Bytes 0..19 are ASCII, so byte 19 starts a character.
    let suffix = &trimmed[19..];
    let offset_s = match parse_utc_offset(suffix) {
        Ok(offset_s) => offset_s,
        Err(OffsetProblem::Fraction) => {
            return Err(DurationError(format!(
                "fractional seconds are not supported: {text:?}; \
                 the simulator counts whole seconds, so drop the fraction"
            )))
        }
        Err(OffsetProblem::Missing) => {
            return fail("a time zone is missing (end with \"Z\" for UTC): ")
        }
        Err(OffsetProblem::OutOfRange) => {
            return fail("the UTC offset is out of range (at most 23:59): ")
        }
        Err(OffsetProblem::Malformed) => return fail(""),
    };
    if !(1..=12).contains(&month) {
        return fail(&format!("month {month:02} does not exist (01 to 12): "));
    }
    let month_days = days_in_month(i64::from(year), month);
    if !(1..=month_days).contains(&day) {
        return fail(&format!(
            "day {day:02} does not exist in {} {year:04} (it has {month_days} days): ",
            MONTH_NAMES[month as usize - 1]
        ));
    }
    if hour > 23 {
        return fail(&format!("hour {hour:02} does not exist (00 to 23): "));
    }
    if minute > 59 {
        return fail(&format!("minute {minute:02} does not exist (00 to 59): "));
    }
    if second == 60 {
        return Err(DurationError(format!(
            "leap seconds are not supported: {text:?}; \
             Unix time has no second 60, so use :59 or the next minute"
        )));
    }
    if second > 59 {
        return fail(&format!("second {second:02} does not exist (00 to 59): "));
    }
    let days = days_from_civil(i64::from(year), month, day);
    let local_s = days * DAY_S as i64
        + i64::from(hour) * HOUR_S as i64
        + i64::from(minute) * MINUTE_S as i64
        + i64::from(second);
    Ok(local_s - offset_s)
}

/// Why the part after the seconds is not a valid offset.
enum OffsetProblem {
    Fraction,
    Missing,
    OutOfRange,
    Malformed,
}

/// Parses `Z`, `z` or `±HH:MM` into seconds east of UTC.
fn parse_utc_offset(suffix: &str) -> Result<i64, OffsetProblem> {
    let bytes = suffix.as_bytes();
    match bytes {
        [] => Err(OffsetProblem::Missing),
        [b'Z' | b'z'] => Ok(0),
        [b'.', ..] => Err(OffsetProblem::Fraction),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2]).ok_or(OffsetProblem::Malformed)?;
            let minutes = digits(&[*m1, *m2]).ok_or(OffsetProblem::Malformed)?;
            if hours > 23 || minutes > 59 {
                return Err(OffsetProblem::OutOfRange);
            }
            let magnitude_s = i64::from(hours * 3600 + minutes * 60);
            Ok(if *sign == b'-' {
                -magnitude_s
            } else {
                magnitude_s
            })
        }
        _ => Err(OffsetProblem::Malformed),
    }
}

/// The value of a run of ASCII digits, or `None` if any byte is not one.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |value, &byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + u32::from(byte - b'0'))
    })
}

/// Unix seconds as an RFC 3339 UTC instant: `"2026-03-01T00:00:00Z"`.
///
/// Years outside 0000–9999, which RFC 3339 cannot express, are written with
/// a sign and as many digits as needed (ISO 8601's expanded form, e.g.
/// `"+10000-01-01T00:00:00Z"`); no `i64` makes this panic.
pub fn format_calendar(unix_s: i64) -> String {
    let day_s = DAY_S as i64;
    let (year, month, day) = civil_from_days(unix_s.div_euclid(day_s));
    let second_of_day = unix_s.rem_euclid(day_s);
    let year_text = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else {
        format!("{year:+05}")
    };
    format!(
        "{year_text}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    )
}

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's
/// `days_from_civil`). The year is shifted to start in March so that the
/// leap day falls at the end of it.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    debug_assert!((1..=12).contains(&month) && (1..=31).contains(&day));
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Hinnant's
/// `civil_from_days`); the inverse of [`days_from_civil`] for every `i64`
/// that [`format_calendar`] can pass.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    debug_assert!((1..=12).contains(&month) && (1..=31).contains(&day));
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        parse_duration(text).unwrap_err().0
    }

    fn calendar_error(text: &str) -> String {
        parse_calendar(text).unwrap_err().0
    }

    #[test]
    fn parses_each_unit() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("10m"), Ok(600));
        assert_eq!(parse_duration("2h"), Ok(7_200));
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert_eq!(parse_duration("1w"), Ok(604_800));
        assert_eq!(parse_duration("0s"), Ok(0));
    }

    #[test]
    fn parses_compound_durations() {
        assert_eq!(parse_duration("1h30m"), Ok(5_400));
        assert_eq!(parse_duration("30d1h"), Ok(2_595_600));
        assert_eq!(parse_duration("1w2d3h4m5s"), Ok(788_645));
        assert_eq!(parse_duration("1d0h"), Ok(86_400));
        assert_eq!(parse_duration("007m"), Ok(420));
    }

    #[test]
    fn ignores_surrounding_whitespace() {
        assert_eq!(parse_duration("  5m\n"), Ok(300));
    }

    #[test]
    fn parses_up_to_the_largest_u64() {
        assert_eq!(parse_duration("18446744073709551615s"), Ok(u64::MAX));
        assert_eq!(parse_duration(&format_duration(u64::MAX)), Ok(u64::MAX));
    }

    #[test]
    fn rejects_an_empty_duration() {
        let expected = "a duration cannot be empty; write a whole number and a unit, \
                        like \"90s\", \"10m\" or \"1h30m\"";
        assert_eq!(error(""), expected);
        assert_eq!(error("   "), expected);
    }

    #[test]
    fn rejects_a_number_without_a_unit() {
        assert_eq!(
            error("90"),
            "a duration needs a unit (s, m, h, d, w): \"90\""
        );
        assert_eq!(
            error("1h30"),
            "a duration needs a unit (s, m, h, d, w): \"1h30\""
        );
    }

    #[test]
    fn rejects_sub_second_units() {
        for text in ["500ms", "5us", "5µs", "10ns"] {
            assert_eq!(
                error(text),
                format!(
                    "sub-second durations are not supported: {text:?}; \
                     the simulator counts whole seconds"
                )
            );
        }
    }

    #[test]
    fn rejects_unknown_units_with_a_hint() {
        assert_eq!(
            error("5y"),
            "unknown unit \"y\" in the duration \"5y\"; use s, m, h, d or w"
        );
        assert_eq!(
            error("10min"),
            "unknown unit \"min\" in the duration \"10min\"; use s, m, h, d or w \
             (did you mean \"m\"?)"
        );
        assert_eq!(
            error("2hours"),
            "unknown unit \"hours\" in the duration \"2hours\"; use s, m, h, d or w \
             (did you mean \"h\"?)"
        );
        assert_eq!(
            error("5M"),
            "unknown unit \"M\" in the duration \"5M\"; units are lower case: \"m\""
        );
    }

    #[test]
    fn rejects_fractions_suggesting_the_exact_equivalent() {
        assert_eq!(
            error("1.5h"),
            "durations take whole numbers only: \"1.5h\"; write \"1h30m\""
        );
        assert_eq!(
            error("0,25d"),
            "durations take whole numbers only: \"0,25d\"; write \"6h\""
        );
    }

    #[test]
    fn rejects_fractions_without_an_exact_equivalent() {
        let hint = "combine units instead, like \"1h30m\" for an hour and a half";
        assert_eq!(
            error("1.5s"),
            format!("durations take whole numbers only: \"1.5s\"; {hint}")
        );
        assert_eq!(
            error("1.5"),
            format!("durations take whole numbers only: \"1.5\"; {hint}")
        );
        assert_eq!(
            error("1.5ms"),
            format!("durations take whole numbers only: \"1.5ms\"; {hint}")
        );
    }

    #[test]
    fn rejects_negative_durations() {
        assert_eq!(error("-5m"), "a duration cannot be negative: \"-5m\"");
        assert_eq!(error(" -0s"), "a duration cannot be negative: \" -0s\"");
    }

    #[test]
    fn rejects_units_out_of_order_or_repeated() {
        assert_eq!(
            error("30m1h"),
            "units in a duration go from largest to smallest, each at most once: \
             \"30m1h\"; write \"1h30m\""
        );
        assert_eq!(
            error("1h1h"),
            "units in a duration go from largest to smallest, each at most once: \
             \"1h1h\"; write \"2h\""
        );
    }

    #[test]
    fn rejects_overflow() {
        let limit = "durations are limited to 18446744073709551615 seconds";
        assert_eq!(
            error("18446744073709551616s"),
            format!("the duration \"18446744073709551616s\" is too large; {limit}")
        );
        assert_eq!(
            error("30500568904944w"),
            format!("the duration \"30500568904944w\" is too large; {limit}")
        );
        assert_eq!(
            error("18446744073709551615s1s"),
            format!("the duration \"18446744073709551615s1s\" is too large; {limit}")
        );
    }

    #[test]
    fn rejects_stray_characters() {
        assert_eq!(
            error("1h 30m"),
            "unexpected ' ' in the duration \"1h 30m\"; \
             write a duration without spaces, like \"1h30m\""
        );
        assert_eq!(
            error("+5m"),
            "unexpected '+' in the duration \"+5m\"; \
             a duration is whole numbers, each followed by a unit, like \"1h30m\""
        );
        assert_eq!(
            error("5m!"),
            "unexpected '!' in the duration \"5m!\"; \
             a duration is whole numbers, each followed by a unit, like \"1h30m\""
        );
        assert_eq!(
            error("h"),
            "each unit in a duration needs a whole number before it: \"h\""
        );
        assert_eq!(
            error("1hm"),
            "unknown unit \"hm\" in the duration \"1hm\"; use s, m, h, d or w"
        );
    }

    #[test]
    fn duration_error_displays_its_message() {
        let err = parse_duration("90").unwrap_err();
        assert_eq!(err.to_string(), err.0);
        let _: &dyn std::error::Error = &err;
    }

    #[test]
    fn formats_durations_canonically() {
        assert_eq!(format_duration(0), "0s");
        assert_eq!(format_duration(1), "1s");
        assert_eq!(format_duration(90), "1m30s");
        assert_eq!(format_duration(3_600), "1h");
        assert_eq!(format_duration(5_400), "1h30m");
        assert_eq!(format_duration(86_401), "1d1s");
        assert_eq!(format_duration(2_595_600), "30d1h");
        assert_eq!(format_duration(WEEK_S), "7d");
        assert_eq!(format_duration(u64::MAX), "213503982334601d7h15s");
    }

    #[test]
    fn formatted_durations_parse_back() {
        let mut s: u64 = 0;
        while s < 40 * DAY_S {
            assert_eq!(parse_duration(&format_duration(s)), Ok(s));
            s += 997;
        }
    }

    #[test]
    fn formats_offsets_with_days_always_shown() {
        assert_eq!(format_offset(0), "+0d 00:00:00");
        assert_eq!(format_offset(300), "+0d 00:05:00");
        assert_eq!(format_offset(2_595_600), "+30d 01:00:00");
        assert_eq!(format_offset(DAY_S - 1), "+0d 23:59:59");
        assert_eq!(format_offset(400 * DAY_S + 61), "+400d 00:01:01");
    }

    #[test]
    fn parses_utc_instants() {
        assert_eq!(parse_calendar("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_calendar("2026-03-01T00:00:00Z"), Ok(1_772_323_200));
        assert_eq!(parse_calendar("2000-02-29T12:34:56Z"), Ok(951_827_696));
        assert_eq!(parse_calendar("1969-12-31T23:59:59Z"), Ok(-1));
        assert_eq!(parse_calendar("0000-01-01T00:00:00Z"), Ok(-62_167_219_200));
        assert_eq!(parse_calendar("9999-12-31T23:59:59Z"), Ok(253_402_300_799));
    }

    #[test]
    fn accepts_lower_case_and_numeric_utc_offsets() {
        let utc = Ok(1_772_323_200);
        assert_eq!(parse_calendar("2026-03-01t00:00:00z"), utc);
        assert_eq!(parse_calendar("2026-03-01T00:00:00+00:00"), utc);
        assert_eq!(parse_calendar("2026-03-01T00:00:00-00:00"), utc);
        assert_eq!(parse_calendar(" 2026-03-01T00:00:00Z "), utc);
    }

    #[test]
    fn converts_other_offsets_to_utc() {
        let utc = parse_calendar("2026-03-01T00:00:00Z").unwrap();
        assert_eq!(parse_calendar("2026-03-01T01:00:00+01:00"), Ok(utc));
        assert_eq!(parse_calendar("2026-02-28T19:00:00-05:00"), Ok(utc));
        assert_eq!(parse_calendar("2026-03-01T05:30:00+05:30"), Ok(utc));
    }

    #[test]
    fn checks_leap_years() {
        assert!(parse_calendar("2024-02-29T00:00:00Z").is_ok());
        assert!(parse_calendar("2000-02-29T00:00:00Z").is_ok());
        assert_eq!(
            calendar_error("2026-02-29T00:00:00Z"),
            format!(
                "day 29 does not exist in February 2026 (it has 28 days): \
                 \"2026-02-29T00:00:00Z\" is not {CALENDAR_FORM}"
            )
        );
        assert_eq!(
            calendar_error("1900-02-29T00:00:00Z"),
            format!(
                "day 29 does not exist in February 1900 (it has 28 days): \
                 \"1900-02-29T00:00:00Z\" is not {CALENDAR_FORM}"
            )
        );
    }

    #[test]
    fn checks_field_ranges() {
        let cases = [
            (
                "2026-13-01T00:00:00Z",
                "month 13 does not exist (01 to 12): ",
            ),
            (
                "2026-00-01T00:00:00Z",
                "month 00 does not exist (01 to 12): ",
            ),
            (
                "2026-04-31T00:00:00Z",
                "day 31 does not exist in April 2026 (it has 30 days): ",
            ),
            (
                "2026-01-00T00:00:00Z",
                "day 00 does not exist in January 2026 (it has 31 days): ",
            ),
            (
                "2026-03-01T24:00:00Z",
                "hour 24 does not exist (00 to 23): ",
            ),
            (
                "2026-03-01T00:60:00Z",
                "minute 60 does not exist (00 to 59): ",
            ),
            (
                "2026-03-01T00:00:61Z",
                "second 61 does not exist (00 to 59): ",
            ),
            (
                "2026-03-01T00:00:00+24:00",
                "the UTC offset is out of range (at most 23:59): ",
            ),
            (
                "2026-03-01T00:00:00+01:60",
                "the UTC offset is out of range (at most 23:59): ",
            ),
        ];
        for (text, detail) in cases {
            assert_eq!(
                calendar_error(text),
                format!("{detail}{text:?} is not {CALENDAR_FORM}")
            );
        }
    }

    #[test]
    fn refuses_fractions_and_leap_seconds() {
        assert_eq!(
            calendar_error("2026-03-01T00:00:00.5Z"),
            "fractional seconds are not supported: \"2026-03-01T00:00:00.5Z\"; \
             the simulator counts whole seconds, so drop the fraction"
        );
        assert_eq!(
            calendar_error("2016-12-31T23:59:60Z"),
            "leap seconds are not supported: \"2016-12-31T23:59:60Z\"; \
             Unix time has no second 60, so use :59 or the next minute"
        );
    }

    #[test]
    fn explains_the_expected_form() {
        assert_eq!(
            calendar_error("2026-03-01T00:00:00"),
            format!(
                "a time zone is missing (end with \"Z\" for UTC): \
                 \"2026-03-01T00:00:00\" is not {CALENDAR_FORM}"
            )
        );
        for text in [
            "",
            "yesterday",
            "2026-03-01",
            "2026-3-1T00:00:00Z",
            "2026/03/01T00:00:00Z",
            "2026-03-01 00:00:00Z",
            "2026-03-01T00:00:00UTC",
            "2026-03-01T00:00:00+0100",
            "2026-03-01T00:00:00+1:00",
            "2026-03-01T00:00:0xZ",
            "-001-03-01T00:00:00Z",
            "2026-03-01T00:00:00Zé",
            "2026-03-01T00:00:00é",
        ] {
            assert_eq!(
                calendar_error(text),
                format!("{text:?} is not {CALENDAR_FORM}"),
                "for {text:?}"
            );
        }
    }

    #[test]
    fn formats_utc_instants() {
        assert_eq!(format_calendar(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_calendar(1_772_323_200), "2026-03-01T00:00:00Z");
        assert_eq!(format_calendar(951_827_696), "2000-02-29T12:34:56Z");
        assert_eq!(format_calendar(-1), "1969-12-31T23:59:59Z");
        assert_eq!(format_calendar(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(format_calendar(253_402_300_800), "+10000-01-01T00:00:00Z");
        assert_eq!(format_calendar(-62_167_219_201), "-0001-12-31T23:59:59Z");
    }

    #[test]
    fn format_calendar_never_panics() {
        for unix_s in [i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1] {
            assert!(format_calendar(unix_s).ends_with('Z'));
        }
    }

    #[test]
    fn calendar_round_trips_over_four_centuries() {
        // Steps through 1900-2300 a little over a day at a time, so every
        // day of the year, every leap rule and every time of day come up.
        let start = parse_calendar("1900-01-01T00:00:00Z").unwrap();
        let end = parse_calendar("2300-01-01T00:00:00Z").unwrap();
        let mut unix_s = start;
        while unix_s < end {
            let text = format_calendar(unix_s);
            assert_eq!(parse_calendar(&text), Ok(unix_s), "{text}");
            unix_s += 86_400 + 3_607;
        }
    }

    #[test]
    fn civil_conversions_invert_each_other() {
        for days in -1_000_000..1_000_000 {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), days);
        }
    }

    #[test]
    fn days_in_month_follows_the_gregorian_rules() {
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2023, 2), 28);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2026, 4), 30);
        assert_eq!(days_in_month(2026, 12), 31);
    }
}
