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
    source: Option<NamedSource<String>>,
    span: Option<SourceSpan>,
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
            source: None,
            span: None,
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
        let offset = offset.min(text.len());
        let (line, column) = line_col(text, offset);
        Diagnostic {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            help: None,
            source: Some(NamedSource::new(file, text.to_string())),
            span: Some(SourceSpan::new(offset.into(), len.min(text.len() - offset))),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// `file:line:column: message`, then the underlined text (no colour when
    /// `color` is false).
    pub fn render(&self, color: bool) -> String {
        let mut out = format!("error: {self}\n");
        if self.source.is_some() {
            let theme = if color {
                miette::GraphicalTheme::unicode()
            } else {
                miette::GraphicalTheme::unicode_nocolor()
            };
            let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(100);
            let mut snippet = String::new();
            if handler.render_report(&mut snippet, self).is_ok() {
                out.push_str(&snippet);
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
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some("here".into()),
            span,
        ))))
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
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
