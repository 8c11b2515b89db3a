//! A located problem with a scenario file: file, line, column, the text
//! underlined, and what to do about it. Rendered with `miette`.

use std::fmt;

use miette::{LabeledSpan, NamedSource, SourceSpan};

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub file: String,
    /// 1-based; 0 when the problem has no place in the text (e.g. size).
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
    /// The words under the underline (default "here").
    pub label: Option<String>,
    /// The text and the underlined bytes (boxed: a `Result` carries this).
    place: Option<Box<Place>>,
}

#[derive(Debug, Clone)]
struct Place {
    source: NamedSource<String>,
    span: SourceSpan,
    /// More underlines, each with its words (e.g. where a comma belongs).
    also: Vec<(SourceSpan, String)>,
}

impl Diagnostic {
    /// A problem with the file as a whole.
    pub fn whole_file(file: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: file.to_string(),
            line: 0,
            column: 0,
            message: message.into(),
            help: None,
            label: None,
            place: None,
        }
    }

    /// A problem at byte `offset` of `text`, `len` bytes long.
    pub fn at(
        file: &str,
        text: &str,
        offset: usize,
        len: usize,
        message: impl Into<String>,
    ) -> Diagnostic {
        let offset = floor_char_boundary(text, offset);
        let end = ceil_char_boundary(text, offset.saturating_add(len));
        let (line, column) = line_col(text, offset);
        Diagnostic {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            help: None,
            label: None,
            place: Some(Box::new(Place {
                source: NamedSource::new(file, text.to_string()),
                span: SourceSpan::new(offset.into(), end - offset),
                also: Vec::new(),
            })),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    /// A second underline, at bytes `offset..offset + len` of the same text.
    pub fn with_also(mut self, offset: usize, len: usize, label: impl Into<String>) -> Diagnostic {
        if let Some(p) = self.place.as_mut() {
            let text = p.source.inner();
            let from = floor_char_boundary(text, offset);
            let to = ceil_char_boundary(text, from.saturating_add(len));
            p.also
                .push((SourceSpan::new(from.into(), to - from), label.into()));
        }
        self
    }

    /// The underlined byte range, if the problem has a place in the text.
    pub fn span(&self) -> Option<(usize, usize)> {
        self.place.as_ref().map(|p| (p.span.offset(), p.span.len()))
    }

    /// `error: file:line:column: message`, then the underlined text and the
    /// help (no colour when `color` is false). The first line is stable, for
    /// editors and tests; the rest is miette's drawing at a fixed width.
    pub fn render(&self, color: bool) -> String {
        let mut out = format!("error: {self}\n");
        if self.place.is_some() {
            let theme = if color {
                miette::GraphicalTheme::unicode()
            } else {
                miette::GraphicalTheme::unicode_nocolor()
            };
            let handler = miette::GraphicalReportHandler::new_themed(theme)
                .with_width(100)
                .with_context_lines(1);
            let mut drawing = String::new();
            if handler.render_report(&mut drawing, self).is_ok() {
                // miette opens with the message again; the first line already
                // says it, so keep only the snippet and the help.
                let lines: Vec<&str> = drawing.lines().collect();
                let from = lines.iter().position(|l| l.contains('╭')).unwrap_or(0);
                for line in &lines[from..] {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        } else if let Some(h) = &self.help {
            out.push_str(&format!("  help: {h}\n"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.place
            .as_ref()
            .map(|p| &p.source as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let place = self.place.as_ref()?;
        let label = self.label.clone().unwrap_or_else(|| "here".into());
        let first = LabeledSpan::new_primary_with_span(Some(label), place.span);
        let more = place
            .also
            .iter()
            .map(|(span, words)| LabeledSpan::new_with_span(Some(words.clone()), *span));
        Some(Box::new(std::iter::once(first).chain(more)))
    }
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_char_boundary(text: &str, offset: usize) -> usize {
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Byte offset of a 1-based line and column.
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset
                + l.char_indices()
                    .nth(column.saturating_sub(1))
                    .map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    text.len()
}
