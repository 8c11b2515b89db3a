//! Finding where a value stands in the source.
//!
//! RON values carry no positions once parsed, so the text is read a second
//! time into a small tree of spans ([`Tree`]): structs, tuples, lists, maps
//! and atoms, each with its byte range. A value is then found by its field
//! path (`world.vaults[1].keys[0].size`), which is exact where a text search
//! for `field: "value"` could land on a namesake. The reader accepts every
//! file `ron` accepts; on text that is not RON it gives up (`None`) rather
//! than guess, and it never panics (the fuzz target holds it to that).

use std::ops::Range;

/// Nesting deeper than this is refused (a guard for the stack).
const MAX_DEPTH: usize = 256;

/// Whitespace as RON reads it (`ron::parse::is_whitespace_char`).
pub fn is_blank(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\n'
            | '\r'
            | '\x0B'
            | '\x0C'
            | '\u{85}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// One value and where it is written.
#[derive(Clone, Debug)]
pub struct Node {
    /// Bytes of the whole value, `Vault(...)` or `"kv"` with its quotes.
    pub span: Range<usize>,
    /// The name before a struct, tuple or unit (`Vault`, `Some`, `Rbac`).
    pub name: Option<String>,
    pub body: Body,
}

#[derive(Clone, Debug)]
pub enum Body {
    /// A number, boolean, char, string or bare name.
    Atom,
    /// `(field: value, …)`, named or not.
    Fields(Vec<Field>),
    /// `(a, b)` or `[a, b]`.
    Items(Vec<Node>),
    /// `{ key: value, … }`.
    Map(Vec<(Node, Node)>),
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub value: Node,
}

/// A scenario file read for positions.
#[derive(Clone, Debug)]
pub struct Tree {
    pub root: Node,
}

/// One step of a path: a field name or an index into a list or tuple.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    Field(&'a str),
    Index(usize),
}

/// Splits `world.vaults[1].keys[0].size` into steps.
pub fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (head, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if !head.is_empty() {
            out.push(Step::Field(head));
        }
        while let Some(open) = rest.strip_prefix('[') {
            let close = open.find(']').unwrap_or(open.len());
            if let Ok(i) = open[..close].parse() {
                out.push(Step::Index(i));
            }
            rest = open.get(close + 1..).unwrap_or("");
        }
    }
    out
}

impl Node {
    fn is_some_wrapper(&self) -> bool {
        self.name.as_deref() == Some("Some")
            && matches!(&self.body, Body::Items(items) if items.len() == 1)
    }

    /// `Some(x)` read as `x` (RON's implicit_some lets both stand).
    pub fn unwrap_some(&self) -> &Node {
        let mut node = self;
        while node.is_some_wrapper() {
            let Body::Items(items) = &node.body else {
                break;
            };
            node = &items[0];
        }
        node
    }

    /// One step down, or `None` when the step does not exist here.
    pub fn child(&self, step: &Step) -> Option<&Node> {
        let node = self.unwrap_some();
        match (step, &node.body) {
            (Step::Field(name), Body::Fields(fields)) => {
                fields.iter().find(|f| f.name == *name).map(|f| &f.value)
            }
            // A newtype variant (`CreateVault(Vault(...))`) stands for its content.
            (Step::Field(_), Body::Items(items)) if items.len() == 1 => items[0].child(step),
            (Step::Index(i), Body::Items(items)) => items.get(*i),
            _ => None,
        }
    }

    /// The field `name` of this struct, with the span of its name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        let node = self.unwrap_some();
        match &node.body {
            Body::Fields(fields) => fields.iter().find(|f| f.name == name),
            Body::Items(items) if items.len() == 1 => items[0].field(name),
            _ => None,
        }
    }
}

impl Tree {
    /// Reads `text`; `None` when it is not RON this reader understands.
    pub fn parse(text: &str) -> Option<Tree> {
        let mut r = Reader {
            text,
            bytes: text.as_bytes(),
            at: 0,
            depth: 0,
        };
        r.skip_attributes()?;
        let root = r.value()?;
        r.skip_blank()?;
        (r.at == text.len()).then_some(Tree { root })
    }

    /// The node at `path`, or the deepest one on the way there, and whether
    /// the whole path was found.
    pub fn lookup(&self, path: &str) -> (&Node, bool) {
        let mut node = &self.root;
        for step in steps(path) {
            match node.child(&step) {
                Some(next) => node = next,
                None => return (node, false),
            }
        }
        (node, true)
    }

    /// The node at `path` if it is written in the file.
    pub fn get(&self, path: &str) -> Option<&Node> {
        match self.lookup(path) {
            (node, true) => Some(node),
            _ => None,
        }
    }

    /// The innermost value whose span covers `offset`.
    pub fn innermost_at(&self, offset: usize) -> &Node {
        let mut node = &self.root;
        loop {
            let next = match &node.body {
                Body::Fields(fields) => fields
                    .iter()
                    .map(|f| &f.value)
                    .find(|v| v.span.contains(&offset)),
                Body::Items(items) => items.iter().find(|v| v.span.contains(&offset)),
                Body::Map(pairs) => pairs
                    .iter()
                    .flat_map(|(k, v)| [k, v])
                    .find(|v| v.span.contains(&offset)),
                Body::Atom => None,
            };
            match next {
                Some(n) => node = n,
                None => return node,
            }
        }
    }

    /// The innermost struct whose field list holds `offset` (for a missing
    /// field, reported where its struct closes).
    pub fn innermost_ending_at(&self, offset: usize) -> Option<&Node> {
        fn walk(node: &Node, offset: usize) -> Option<&Node> {
            if !(node.span.start < offset && offset <= node.span.end) {
                return None;
            }
            let children: Vec<&Node> = match &node.body {
                Body::Fields(fields) => fields.iter().map(|f| &f.value).collect(),
                Body::Items(items) => items.iter().collect(),
                Body::Map(pairs) => pairs.iter().flat_map(|(k, v)| [k, v]).collect(),
                Body::Atom => Vec::new(),
            };
            children
                .into_iter()
                .find_map(|c| walk(c, offset))
                .or_else(|| matches!(node.body, Body::Fields(_)).then_some(node))
        }
        walk(&self.root, offset)
    }
}

/// The span worth underlining for a node: all of it when it fits on one
/// line, else its head (`Vault` in `Vault(\n…)`, or the opening bracket).
pub fn underline(text: &str, node: &Node) -> Range<usize> {
    let whole = node.span.clone();
    let written = text.get(whole.clone()).unwrap_or("");
    if !written.contains('\n') {
        return whole;
    }
    let head = written
        .find(['(', '[', '{'])
        .map_or(written.len(), |i| if i == 0 { 1 } else { i });
    whole.start..whole.start + head
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
    depth: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.at + ahead).copied()
    }

    /// Skips whitespace and comments (block comments nest, as in RON).
    fn skip_blank(&mut self) -> Option<()> {
        loop {
            match (self.peek(), self.peek_at(1)) {
                (Some(_), _) if self.blank_len() > 0 => self.at += self.blank_len(),
                (Some(b'/'), Some(b'/')) => {
                    self.at = self.text[self.at..]
                        .find('\n')
                        .map_or(self.text.len(), |i| self.at + i);
                }
                (Some(b'/'), Some(b'*')) => {
                    let mut level = 0usize;
                    loop {
                        match (self.peek(), self.peek_at(1)) {
                            (Some(b'/'), Some(b'*')) => {
                                level += 1;
                                self.at += 2;
                            }
                            (Some(b'*'), Some(b'/')) => {
                                level -= 1;
                                self.at += 2;
                                if level == 0 {
                                    break;
                                }
                            }
                            (Some(_), _) => self.at += 1,
                            (None, _) => return None,
                        }
                    }
                }
                _ => return Some(()),
            }
        }
    }

    /// Bytes of the whitespace character here (0 if none).
    fn blank_len(&self) -> usize {
        self.text
            .get(self.at..)
            .and_then(|rest| rest.chars().next())
            .filter(|&c| is_blank(c))
            .map_or(0, char::len_utf8)
    }

    fn skip_attributes(&mut self) -> Option<()> {
        loop {
            self.skip_blank()?;
            if self.peek() != Some(b'#') {
                return Some(());
            }
            self.at += 1;
            if self.peek() == Some(b'!') {
                self.at += 1;
            }
            self.skip_blank()?;
            if self.peek() != Some(b'[') {
                return None;
            }
            self.value()?;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Option<Node> {
        self.skip_blank()?;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let start = self.at;
        let node = match self.peek()? {
            b'"' => {
                self.string()?;
                self.atom(start, None)
            }
            b'\'' => {
                self.char_literal()?;
                self.atom(start, None)
            }
            b'(' => {
                let body = self.parenthesized()?;
                Node {
                    span: start..self.at,
                    name: None,
                    body,
                }
            }
            b'[' => {
                self.at += 1;
                let items = self.items(b']')?;
                Node {
                    span: start..self.at,
                    name: None,
                    body: Body::Items(items),
                }
            }
            b'{' => {
                self.at += 1;
                let pairs = self.map()?;
                Node {
                    span: start..self.at,
                    name: None,
                    body: Body::Map(pairs),
                }
            }
            b'r' | b'b' if self.raw_or_byte_string()? => self.atom(start, None),
            c if c.is_ascii_digit() || c == b'-' || c == b'+' || c == b'.' => {
                self.number();
                self.atom(start, None)
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let name = self.identifier()?;
                let after_name = self.at;
                self.skip_blank()?;
                if self.peek() == Some(b'(') {
                    let body = self.parenthesized()?;
                    Node {
                        span: start..self.at,
                        name: Some(name),
                        body,
                    }
                } else {
                    self.at = after_name;
                    self.atom(start, Some(name))
                }
            }
            _ => return None,
        };
        self.depth -= 1;
        Some(node)
    }

    fn atom(&self, start: usize, name: Option<String>) -> Node {
        Node {
            span: start..self.at,
            name,
            body: Body::Atom,
        }
    }

    /// A name; wider than RON's (XID) rule, since it only has to find the
    /// end of a name `ron` has already accepted. `r#` names may hold `.+-`.
    fn identifier(&mut self) -> Option<String> {
        let raw = self.text.get(self.at..)?.starts_with("r#");
        if raw {
            self.at += 2;
        }
        let start = self.at;
        let rest = self.text.get(self.at..)?;
        let name_char = |c: char| {
            c.is_alphanumeric()
                || c == '_'
                || (!c.is_ascii() && !is_blank(c))
                || (raw && matches!(c, '.' | '+' | '-'))
        };
        let len = rest
            .char_indices()
            .find(|&(_, c)| !name_char(c))
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 {
            return None;
        }
        self.at += len;
        Some(self.text[start..self.at].to_string())
    }

    fn number(&mut self) {
        let mut prev = 0u8;
        while let Some(c) = self.peek() {
            let exponent_sign = (c == b'-' || c == b'+') && matches!(prev, b'e' | b'E');
            let first_sign = (c == b'-' || c == b'+') && prev == 0;
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || exponent_sign || first_sign {
                prev = c;
                self.at += 1;
            } else {
                break;
            }
        }
    }

    fn string(&mut self) -> Option<()> {
        self.at += 1; // the opening quote
        loop {
            match self.peek()? {
                b'\\' => self.at += 2,
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                _ => self.at += 1,
            }
        }
    }

    fn char_literal(&mut self) -> Option<()> {
        self.at += 1;
        loop {
            match self.peek()? {
                b'\\' => self.at += 2,
                b'\'' => {
                    self.at += 1;
                    return Some(());
                }
                _ => self.at += 1,
            }
        }
    }

    /// `r"…"`, `r#"…"#`, `b"…"`, `br#"…"#`; false when the text here is an
    /// identifier that merely starts with r or b.
    fn raw_or_byte_string(&mut self) -> Option<bool> {
        let rest = &self.bytes[self.at..];
        let mut i = 0;
        if rest.first() == Some(&b'b') {
            i += 1;
        }
        let raw = rest.get(i) == Some(&b'r');
        if raw {
            i += 1;
        }
        let hashes = rest[i..].iter().take_while(|&&c| c == b'#').count();
        if rest.get(i + hashes) != Some(&b'"') || (!raw && i == 0) {
            return Some(false);
        }
        if !raw {
            if hashes > 0 {
                return Some(false);
            }
            self.at += i;
            self.string()?;
            return Some(true);
        }
        self.at += i + hashes + 1;
        let close: String = std::iter::once('"')
            .chain(std::iter::repeat_n('#', hashes))
            .collect();
        let end = self.text.get(self.at..)?.find(&close)?;
        self.at += end + close.len();
        Some(true)
    }

    /// `( … )`: fields when the first entry is `name:`, else items.
    fn parenthesized(&mut self) -> Option<Body> {
        self.at += 1; // (
        self.skip_blank()?;
        let save = self.at;
        let is_fields = {
            let starts_name = self
                .peek()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_' || c >= 0x80);
            starts_name
                && self.identifier().is_some()
                && self.skip_blank().is_some()
                && self.peek() == Some(b':')
        };
        self.at = save;
        if !is_fields {
            return Some(Body::Items(self.items(b')')?));
        }
        let mut fields = Vec::new();
        loop {
            self.skip_blank()?;
            if self.eat(b')') {
                return Some(Body::Fields(fields));
            }
            let name = self.identifier()?;
            self.skip_blank()?;
            if !self.eat(b':') {
                return None;
            }
            let value = self.value()?;
            fields.push(Field { name, value });
            self.skip_blank()?;
            if !self.eat(b',') {
                self.skip_blank()?;
                return self.eat(b')').then_some(Body::Fields(fields));
            }
        }
    }

    fn items(&mut self, close: u8) -> Option<Vec<Node>> {
        let mut items = Vec::new();
        loop {
            self.skip_blank()?;
            if self.eat(close) {
                return Some(items);
            }
            items.push(self.value()?);
            self.skip_blank()?;
            if !self.eat(b',') {
                self.skip_blank()?;
                return self.eat(close).then_some(items);
            }
        }
    }

    fn map(&mut self) -> Option<Vec<(Node, Node)>> {
        let mut pairs = Vec::new();
        loop {
            self.skip_blank()?;
            if self.eat(b'}') {
                return Some(pairs);
            }
            let key = self.value()?;
            self.skip_blank()?;
            if !self.eat(b':') {
                return None;
            }
            let value = self.value()?;
            pairs.push((key, value));
            self.skip_blank()?;
            if !self.eat(b',') {
                self.skip_blank()?;
                return self.eat(b'}').then_some(pairs);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r##"#![enable(implicit_some)]
// a comment with "name: x"
Scenario(
    name: "t", /* block /* nested */ */
    horizon: Some("1d"),
    world: World(vaults: [Vault(name: "a"), Vault(name: "b", keys: [Key(name: "k", size: 1000)])]),
    events: [(at: "1h", do: CreateVault(Vault(name: "c", retention_days: 5)))],
    runbooks: [("main", [(name: "s", on: At("1h"), do: Revalidate(server: "x"))])],
    extra: { "k": 1.5e-3, 'c': r#"raw"# },
)"##;

    fn text_of<'a>(text: &'a str, node: &Node) -> &'a str {
        &text[node.span.clone()]
    }

    #[test]
    fn finds_values_by_path() {
        let t = Tree::parse(TEXT).unwrap();
        let get = |p: &str| text_of(TEXT, t.get(p).unwrap());
        assert_eq!(get("world.vaults[1].keys[0].size"), "1000");
        assert_eq!(get("world.vaults[1].name"), "\"b\"");
        assert_eq!(get("horizon"), "Some(\"1d\")");
        assert_eq!(
            text_of(TEXT, t.get("horizon").unwrap().unwrap_some()),
            "\"1d\""
        );
        assert_eq!(get("events[0].do.retention_days"), "5");
        assert_eq!(get("runbooks[0][1][0].do.server"), "\"x\"");
        assert_eq!(get("runbooks[0][0]"), "\"main\"");
    }

    #[test]
    fn a_missing_path_gives_the_deepest_node_found() {
        let t = Tree::parse(TEXT).unwrap();
        let (node, exact) = t.lookup("world.vaults[0].retention_days");
        assert!(!exact);
        assert_eq!(text_of(TEXT, node), "Vault(name: \"a\")");
    }

    #[test]
    fn text_that_is_not_ron_gives_none() {
        for bad in [
            "Scenario(",
            "(a: )",
            "[1 2]",
            "\"open",
            "/* open",
            "(a: 1))",
        ] {
            assert!(Tree::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(Tree::parse(&deep).is_none());
    }

    #[test]
    fn paths_split_into_fields_and_indexes() {
        assert_eq!(
            steps("a.b[2][3].c"),
            vec![
                Step::Field("a"),
                Step::Field("b"),
                Step::Index(2),
                Step::Index(3),
                Step::Field("c")
            ]
        );
    }

    #[test]
    fn a_multi_line_value_is_underlined_at_its_head() {
        let text = "Vault(\n  name: \"a\",\n)";
        let t = Tree::parse(text).unwrap();
        assert_eq!(&text[underline(text, &t.root)], "Vault");
    }
}
