//! Finding where a value stands in the source after a successful parse.
//!
//! RON values carry no positions once parsed, so a resolved name is found
//! again in the text: the n-th place where `field: "value"` is written,
//! outside comments.

/// Byte ranges of comments (`//…` and `/* … */`), outside strings.
fn comment_mask(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut in_str = false;
    while i < b.len() {
        if in_str {
            match b[i] {
                b'\\' => i += 1,
                b'"' => in_str = false,
                _ => {}
            }
        } else if b[i] == b'"' {
            in_str = true;
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            let end = text[i..].find('\n').map_or(b.len(), |e| i + e);
            out.push((i, end));
            i = end;
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            let end = text[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
            out.push((i, end));
            i = end;
        }
        i += 1;
    }
    out
}

pub struct Locator<'t> {
    text: &'t str,
    comments: Vec<(usize, usize)>,
}

impl<'t> Locator<'t> {
    pub fn new(text: &'t str) -> Self {
        Locator {
            text,
            comments: comment_mask(text),
        }
    }

    fn in_comment(&self, at: usize) -> bool {
        self.comments.iter().any(|&(a, b)| a <= at && at < b)
    }

    /// Offsets of every `"value"` written as the value of `field` (any field
    /// when `field` is empty), in file order.
    pub fn all(&self, field: &str, value: &str) -> Vec<usize> {
        let quoted = format!("{value:?}");
        let mut out = Vec::new();
        let mut from = 0;
        while let Some(rel) = self.text[from..].find(&quoted) {
            let at = from + rel;
            from = at + 1;
            if self.in_comment(at) {
                continue;
            }
            if field.is_empty() || self.preceded_by_field(at, field) {
                out.push(at);
            }
        }
        out
    }

    fn preceded_by_field(&self, at: usize, field: &str) -> bool {
        let before = self.text[..at].trim_end();
        let Some(before) = before.strip_suffix(':') else {
            return false;
        };
        let before = before.trim_end();
        before.ends_with(field)
            && !before[..before.len() - field.len()]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
    }

    /// The n-th (0-based) place of `field: "value"`, or failing that the
    /// first place of `"value"` anywhere, as (offset, length).
    pub fn find(&self, field: &str, value: &str, nth: usize) -> Option<(usize, usize)> {
        let len = format!("{value:?}").len();
        let hits = self.all(field, value);
        hits.get(nth)
            .or_else(|| hits.last())
            .copied()
            .or_else(|| self.all("", value).first().copied())
            .map(|at| (at, len))
    }

    /// The place where a bare word (a field name or variant) is first written.
    pub fn word(&self, word: &str) -> Option<(usize, usize)> {
        let mut from = 0;
        while let Some(rel) = self.text[from..].find(word) {
            let at = from + rel;
            from = at + 1;
            let prev_ok = !self.text[..at]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
            let next_ok = !self.text[at + word.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
            if prev_ok && next_ok && !self.in_comment(at) {
                return Some((at, word.len()));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nth_field_value_outside_comments() {
        let text = "// vault: \"kv\"\n(vault: \"kv\", key: \"kv\")\n(vault : \"kv\")";
        let l = Locator::new(text);
        assert_eq!(l.all("vault", "kv").len(), 2);
        let (at, len) = l.find("vault", "kv", 1).unwrap();
        assert_eq!(&text[at..at + len], "\"kv\"");
        assert!(at > text.find("(vault :").unwrap());
        assert_eq!(l.all("key", "kv").len(), 1);
    }

    #[test]
    fn a_field_name_must_match_whole() {
        let l = Locator::new("(from_vault: \"a\", vault: \"a\")");
        assert_eq!(l.all("vault", "a").len(), 1);
    }
}
