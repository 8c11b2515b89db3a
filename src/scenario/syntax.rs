//! `ron`'s parse errors as located diagnostics a person can act on: the
//! message names the construct as SCENARIOS.md does (`Vault`, "action"),
//! suggests the nearest valid name, and the underline covers the bad token
//! rather than the whitespace before it or the token after it.

use ron::error::{Error, SpannedError};

use super::diagnostic::{offset_of, Diagnostic};
use super::locate::{is_blank, underline, Tree};
use super::resolve::nearest;

/// Fields whose value is a duration string.
const DURATION_FIELDS: &[&str] = &[
    "horizon",
    "at",
    "after",
    "every",
    "expires_after",
    "activates_after",
    "expire_after",
    "expires_at",
    "before",
    "at_most",
    "key_check_every",
    "identity_recovery_window",
];

/// Fields whose value is a distribution.
const DISTRIBUTION_FIELDS: &[&str] = &[
    "key_check_phase",
    "inaccessible_after",
    "recover_after",
    "identity_revalidate_after",
    "rewrap_after",
    "activity_log_delay",
    "alert_delay",
];

const DURATION_HELP: &str =
    "a duration is a string of whole units: \"90s\", \"10m\", \"2h\", \"7d\" or \"1h30m\"";
const DISTRIBUTION_HELP: &str =
    "a distribution is Fixed(\"5m\"), Uniform(\"10m\", \"60m\") or Triangular(\"0s\", \"10m\", \"2h\")";

/// The diagnostic for a file `ron` could not read.
pub fn ron_error(text: &str, origin: &str, e: &SpannedError) -> Diagnostic {
    let start = offset_of(text, e.span.start.line, e.span.start.col);
    let end = offset_of(text, e.span.end.line, e.span.end.col).max(start);
    let at = |from: usize, to: usize, message: String| {
        Diagnostic::at(origin, text, from, to.saturating_sub(from), message)
    };
    match &e.code {
        Error::NoSuchStructField {
            expected,
            found,
            outer,
        } => {
            let owner = outer
                .as_deref()
                .map_or("here".to_string(), |o| format!("in {}", display_name(o)));
            let (from, to) = token(text, start);
            let mut message = format!("unknown field `{found}` {owner}");
            if let Some(s) = nearest_of(found, expected) {
                message.push_str(&format!("; did you mean `{s}`?"));
            }
            at(from, to, message)
                .with_label("unknown field")
                .with_help(format!("the fields here are {}", list(expected)))
        }
        Error::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => {
            let kind = outer.as_deref().map_or("variant", variant_kind);
            let (from, to) = token(text, start);
            let mut message = format!("unknown {kind} `{found}`");
            if let Some(s) = nearest_of(found, expected) {
                message.push_str(&format!("; did you mean `{s}`?"));
            }
            at(from, to, message)
                .with_label(format!("unknown {kind}"))
                .with_help(format!("the choices are {}", list(expected)))
        }
        Error::MissingStructField { field, outer } => {
            let owner = outer.as_deref().map_or("this entry", display_name);
            let d = match Tree::parse(text)
                .as_ref()
                .and_then(|t| t.innermost_ending_at(start).map(|n| underline(text, n)))
            {
                Some(r) => at(
                    r.start,
                    r.end,
                    format!("{owner} is missing its field `{field}`"),
                ),
                None => at(
                    start,
                    end,
                    format!("{owner} is missing its field `{field}`"),
                ),
            };
            let d = d.with_label(format!("needs `{field}: …`"));
            match field_help(field) {
                Some(h) => d.with_help(format!("add `{field}: …`; {h}")),
                None => d.with_help(format!("add `{field}: …`")),
            }
        }
        Error::DuplicateStructField { field, outer } => {
            let owner = outer
                .as_deref()
                .map_or("here".to_string(), |o| format!("in {}", display_name(o)));
            let (from, to) = token(text, start);
            at(from, to, format!("field `{field}` is given twice {owner}"))
                .with_label("second time")
                .with_help("keep one of them")
        }
        Error::ExpectedComma => expected_comma(text, origin, start),
        Error::ExpectedStructLike => {
            let (pf, pt) = previous_token(text, start);
            let prev = &text[pf..pt];
            if is_identifier(prev) {
                at(
                    pf,
                    pt,
                    format!("`{prev}` needs its fields in parentheses: `{prev}(…)`"),
                )
                .with_label("fields missing")
            } else {
                expected_value(text, origin, start, "`(`")
            }
        }
        Error::ExpectedString => expected_value(text, origin, start, "a string in double quotes"),
        Error::ExpectedInteger => expected_value(text, origin, start, "a whole number"),
        Error::ExpectedFloat => expected_value(text, origin, start, "a number"),
        Error::ExpectedBoolean => expected_value(text, origin, start, "true or false"),
        Error::ExpectedIdentifier => expected_value(text, origin, start, "a name"),
        Error::ExpectedArray => expected_value(text, origin, start, "a list `[…]`"),
        Error::ExpectedOption => expected_value(text, origin, start, "a value or None"),
        Error::ExpectedChar => expected_value(text, origin, start, "a character"),
        Error::ExpectedUnit => expected_value(text, origin, start, "`()`"),
        Error::ExpectedMap => expected_value(text, origin, start, "a map `{…}`"),
        Error::ExpectedDifferentStructName { expected, found } => {
            let (from, to) = token(text, start);
            at(
                from,
                to,
                format!("expected `{expected}(…)` here, not `{found}(…)`"),
            )
            .with_label(format!("should be `{expected}`"))
        }
        Error::ExpectedNamedStructLike(name) if text.trim().is_empty() => Diagnostic::whole_file(
            origin,
            format!(
                "the file is empty; a scenario is `{name}(name: …, horizon: …, world: World(…))`"
            ),
        ),
        Error::ExpectedNamedStructLike(name) => {
            let (from, to) = token(text, start);
            at(from, to, format!("expected `{name}(…)` here"))
        }
        Error::Eof => match unclosed_bracket(text) {
            Some((open, c)) => at(
                open,
                open + 1,
                format!("the file ends before this `{c}` is closed"),
            )
            .with_label("never closed")
            .with_help(format!("add the closing `{}`", closing(c))),
            None => at(text.len(), text.len(), "the file ends too early".into()),
        },
        Error::ExpectedStringEnd => {
            let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            at(start, line_end, "this string is never closed".into()).with_label("no closing `\"`")
        }
        Error::UnclosedBlockComment => {
            at(start, end, "this comment is never closed".into()).with_help("close it with `*/`")
        }
        Error::TrailingCharacters => {
            let (from, to) = token(text, start);
            at(
                from,
                to,
                "unexpected text after the end of the scenario".into(),
            )
        }
        Error::IntegerOutOfBounds | Error::InvalidIntegerDigit { .. } => {
            let (mut from, to) = token(text, start);
            from = include_sign(text, from);
            let number = &text[from..to];
            let message = match field_before(text, from) {
                Some(field) => format!("`{number}` is not a valid value for `{field}`"),
                None => format!("`{number}` is not a valid number here"),
            };
            at(from, to, message).with_help("write a whole number, 0 or more")
        }
        Error::Message(m) => {
            // ron points inside the string it rejected: underline all of it.
            let (from, to) = enclosing_value(text, start);
            let mut d = at(from, to, m.clone());
            if m.contains("duration") {
                d = d.with_label("bad duration");
            } else if m.contains("key reference") {
                d = d.with_label("bad key reference");
            }
            match custom_help(m) {
                Some(h) => d.with_help(h),
                None => d,
            }
        }
        other => {
            let (from, to) = token(text, start);
            at(from, to, lowercase_first(&other.to_string()))
        }
    }
}

/// "expected X for `field`, found `token`", with help for the field.
fn expected_value(text: &str, origin: &str, start: usize, what: &str) -> Diagnostic {
    let (from, to) = value_span(text, start);
    let found = &text[from..to];
    let field = field_before(text, from);
    let what = match field {
        Some(f) if DISTRIBUTION_FIELDS.contains(&f) => "a distribution",
        Some(f) if DURATION_FIELDS.contains(&f) && what.contains("string") => "a duration string",
        _ => what,
    };
    let message = match field {
        Some(f) => format!("expected {what} for `{f}`, found `{found}`"),
        None => format!("expected {what}, found `{found}`"),
    };
    let d =
        Diagnostic::at(origin, text, from, to - from, message).with_label(format!("not {what}"));
    let bare_number = !found.is_empty() && found.chars().all(|c| c.is_ascii_digit());
    match (field, field.and_then(field_help)) {
        (Some(f), Some(h)) if bare_number && DURATION_FIELDS.contains(&f) => {
            d.with_help(format!("write \"{found}s\" for {found} seconds; {h}"))
        }
        (_, Some(h)) => d.with_help(h),
        _ => d,
    }
}

/// A missing comma: shown after the value it should follow. A unit
/// expectation given arguments (`NoDataLoss(server: …)`) reads the same to
/// `ron`, so it gets its own message.
fn expected_comma(text: &str, origin: &str, start: usize) -> Diagnostic {
    let (from, to) = token(text, start);
    let next = &text[from..to];
    let (pf, pt) = previous_token(text, start);
    let prev = &text[pf..pt];
    if next.starts_with('(') && is_identifier(prev) {
        return Diagnostic::at(
            origin,
            text,
            pf,
            pt - pf,
            format!("`{prev}` takes no arguments"),
        )
        .with_label("no fields here")
        .with_help(format!("write `{prev}` alone"));
    }
    let last = ceil_prev_char(text, pt);
    Diagnostic::at(
        origin,
        text,
        from,
        to - from,
        format!("expected a comma (or a closing bracket) before `{next}`"),
    )
    .with_label("expected a comma before this")
    .with_also(last, pt - last, "add a comma after this")
}

fn field_help(field: &str) -> Option<&'static str> {
    if DURATION_FIELDS.contains(&field) {
        Some(DURATION_HELP)
    } else if DISTRIBUTION_FIELDS.contains(&field) {
        Some(DISTRIBUTION_HELP)
    } else {
        None
    }
}

fn custom_help(message: &str) -> Option<String> {
    if message.contains("duration") {
        return Some(DURATION_HELP.into());
    }
    if message.contains("key reference") {
        return Some(
            "write \"vault/key\" to follow the newest version, \"vault/key/2\" for version 2"
                .into(),
        );
    }
    None
}

/// The user-facing name of a struct `ron` names by its Rust name.
fn display_name(outer: &str) -> &str {
    match outer {
        "EventSpec" => "a scripted event",
        "StepSpec" => "a runbook step",
        other => other,
    }
}

/// What the variants of an enum are, in the words of SCENARIOS.md.
fn variant_kind(outer: &str) -> &str {
    match outer {
        "Action" => "action",
        "EncryptionSpec" => "encryption",
        "GrantSpec" => "grant",
        "ServerDecl" => "server entry",
        "AlertOn" => "alert condition",
        "Trigger" => "runbook trigger",
        "ExpectSpec" => "expectation",
        "DistSpec" => "distribution",
        "KeyKind" => "key kind",
        "KeyOp" => "key operation",
        "RoleName" => "role",
        "Permission" => "permission",
        "PermissionModel" => "permission model",
        "VaultKind" => "vault kind",
        "ServerKind" => "server kind",
        "Tier" => "tier",
        "NewVault" => "vault (CreateVault takes Vault(…))",
        "NewServer" => "server (CreateServer takes Server(…))",
        _ => "variant",
    }
}

fn nearest_of(found: &str, expected: &[&str]) -> Option<String> {
    let known: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    nearest(found, &known)
}

fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn is_identifier(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn closing(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// Offset after whitespace and comments from `at`.
fn skip_blank(text: &str, mut at: usize) -> usize {
    loop {
        let rest = &text[at..];
        let blank: usize = rest
            .chars()
            .take_while(|&c| is_blank(c))
            .map(char::len_utf8)
            .sum();
        at += blank;
        if text[at..].starts_with("//") {
            at = text[at..].find('\n').map_or(text.len(), |i| at + i);
        } else if text[at..].starts_with("/*") {
            at = text[at + 2..]
                .find("*/")
                .map_or(text.len(), |i| at + 2 + i + 2);
        } else {
            return at;
        }
    }
}

/// The token that starts at the first non-blank byte from `at`: a string
/// with its quotes, a word or number, or one character.
fn token(text: &str, at: usize) -> (usize, usize) {
    let from = skip_blank(text, at.min(text.len()));
    let rest = &text[from..];
    let len = if rest.starts_with('"') {
        string_len(rest)
    } else {
        let word = rest
            .char_indices()
            .find(|&(_, c)| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .map_or(rest.len(), |(i, _)| i);
        if word > 0 {
            word
        } else {
            rest.chars().next().map_or(0, char::len_utf8)
        }
    };
    (from, from + len)
}

/// A whole value from `at` when the text reads as one (`Uniform("1h", "2h")`),
/// else the token there.
fn value_span(text: &str, at: usize) -> (usize, usize) {
    let (from, to) = token(text, at);
    if let Some(tree) = Tree::parse(text) {
        let node = tree.innermost_at(from);
        if node.span.start == from {
            let r = underline(text, node);
            return (r.start, r.end);
        }
    }
    (from, to)
}

/// The innermost value written around `at` when it fits on one line (the
/// string ron rejected), else the token there.
fn enclosing_value(text: &str, at: usize) -> (usize, usize) {
    if let Some(tree) = Tree::parse(text) {
        let node = tree.innermost_at(at);
        let r = underline(text, node);
        if r.contains(&at) {
            return (r.start, r.end);
        }
    }
    token(text, at)
}

/// Bytes of a string literal at the start of `rest`, quotes included (the
/// rest of the line when it is never closed).
fn string_len(rest: &str) -> usize {
    let b = rest.as_bytes();
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' => return i,
            _ => i += 1,
        }
    }
    b.len()
}

/// The token that ends just before `at` (skipping whitespace back).
fn previous_token(text: &str, at: usize) -> (usize, usize) {
    let before = text[..at.min(text.len())].trim_end_matches(is_blank);
    let to = before.len();
    if before.ends_with('"') {
        // Back to the opening quote, on the same line.
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let from = before[line_start..to - 1]
            .rfind('"')
            .map_or(to - 1, |i| line_start + i);
        return (from, to);
    }
    let from = before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_alphanumeric() || c == '_')
        .last()
        .map_or_else(|| ceil_prev_char(text, to), |(i, _)| i);
    (from, to)
}

fn ceil_prev_char(text: &str, at: usize) -> usize {
    text[..at].char_indices().next_back().map_or(0, |(i, _)| i)
}

/// `-5`: ron points at the digits; the sign belongs to the number.
fn include_sign(text: &str, from: usize) -> usize {
    if text[..from].ends_with('-') || text[..from].ends_with('+') {
        from - 1
    } else {
        from
    }
}

/// The field a value at `at` is given for: `field:` right before it.
fn field_before(text: &str, at: usize) -> Option<&str> {
    let before = text[..at]
        .trim_end_matches(is_blank)
        .strip_suffix(':')?
        .trim_end_matches(is_blank);
    let start = before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_alphanumeric() || c == '_')
        .last()?
        .0;
    Some(&before[start..])
}

/// The last bracket left open at the end of the text, outside strings and
/// comments.
fn unclosed_bracket(text: &str) -> Option<(usize, char)> {
    let b = text.as_bytes();
    let mut stack: Vec<(usize, char)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += string_len(&text[i..]);
                continue;
            }
            b'/' if matches!(b.get(i + 1), Some(b'/') | Some(b'*')) => {
                i = skip_blank(text, i).max(i + 1);
                continue;
            }
            c @ (b'(' | b'[' | b'{') => stack.push((i, c as char)),
            b')' | b']' | b'}' => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    stack.pop()
}
