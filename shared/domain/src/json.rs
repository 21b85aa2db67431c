//! A parsed JSON document: a flat tape of nodes that borrow their strings from the input, and the
//! document's RFC 8785 canonical form, both made in one pass over the text.
//!
//! Intake reads a few fields of each event and stores each record (a Security Hub finding, a Config
//! or CloudTrail `detail`) in canonical form. Parsing into a tree and then walking it again to write
//! the canonical form did much of the work twice, so this parser writes the canonical text as it
//! reads:
//! - Most of an AWS event is canonical once whitespace is gone: strings without escapes, integers,
//!   literals and punctuation go to the output in runs copied from the input, not token by token.
//! - A string with escapes is unescaped for the tape and escaped again the RFC 8785 way; a number
//!   that is not a plain integer up to 2^53 is written as ECMAScript prints it.
//! - An object whose member names are not in RFC 8785 order (by UTF-16 code units) is reordered in
//!   place when it closes, its members being canonical by then. The root object is the exception:
//!   its members are put in order only when the whole document's canonical form is written, which
//!   intake never asks for (it stores the records below the root).
//!
//! Each container node records where its canonical text sits relative to its parent's, so a
//! reorder only updates the moved members' own entries. [`Json`] is a cheap handle to one node for
//! lookups, and [`Json::write_canonical`] appends that node's canonical bytes.
//!
//! Why not a crate: sonic-rs (the fastest well-kept parser; the benchmark floor uses it) and
//! serde_json build values but no canonical form, and serde_json_canonicalizer re-serialises a
//! `serde_json::Value`. Parsing with sonic-rs and then walking the result took 1.25-1.6 times as long
//! as this one pass (BENCHMARKS.md). The grammar is RFC 8259's. The tests hold the parser to
//! serde_json on what it accepts and to serde_json_canonicalizer on what it writes, over the RFC's
//! examples, every sample event and many thousands of random and mutated documents.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use crate::canonical::{utf16_cmp, write_number, write_str, MAX_EXACT_INTEGER};

/// Deepest nesting accepted. AWS events nest a dozen levels or so; the limit keeps the recursive
/// parse well inside a 2 MB thread stack.
pub const MAX_DEPTH: usize = 64;

/// Largest text accepted (SQS messages are at most 1 MiB; reports are a few MiB).
pub const MAX_DOCUMENT: usize = 256 << 20;

/// Why a text is not a JSON document we accept, with the line and column (1-based, in bytes) where
/// the parser stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// One JSON value on the tape. A container is followed by its contents (for an object: key, value,
/// key, value, ...); `end` is the index just past them, so a container is skipped in one step.
/// `start` is where its canonical text begins, relative to its parent container's (the root's is
/// 0), and `size` is that text's length.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node<'a> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    /// Borrowed: the input had no escape in it, so it holds no `"`, `\\` or control character (the
    /// parser refuses raw ones) and is already in RFC 8785 form. Owned: unescaped by the parser.
    Str(Cow<'a, str>),
    Array {
        len: u32,
        end: u32,
        start: u32,
        size: u32,
    },
    Object {
        len: u32,
        end: u32,
        start: u32,
        size: u32,
    },
}

/// A whole document. Node 0 is the root.
#[derive(Debug, Clone, PartialEq)]
pub struct Document<'a> {
    nodes: Vec<Node<'a>>,
    /// The canonical form of every value in the document, each container's in one piece, but for
    /// the root object's members, which stay in document order (see `root_order`).
    canonical: Vec<u8>,
    /// Objects that repeat a member name (tape index, the name). The document still parses, so a
    /// caller can name what was wrong, but such an object has no canonical form (RFC 8785 takes
    /// I-JSON, whose names are unique), nor has anything around it.
    duplicates: Vec<(u32, String)>,
    /// Where each member of an unordered root object sits in `canonical` (from its name to the
    /// end of its value), in RFC 8785 order; empty when the root needs no reordering.
    root_order: Vec<(u32, u32)>,
}

impl<'a> Document<'a> {
    /// Parse one JSON text (it must be the whole input, with nothing after it but whitespace).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ParseError> {
        if bytes.len() > MAX_DOCUMENT {
            return Err(ParseError(format!(
                "the text is {} bytes, more than the {MAX_DOCUMENT} accepted",
                bytes.len()
            )));
        }
        let text = simdutf8::basic::from_utf8(bytes).map_err(|_| {
            // The fast check says only that the text is not UTF-8; std's says where.
            let at = std::str::from_utf8(bytes)
                .err()
                .map_or(0, |e| e.valid_up_to());
            ParseError(format!(
                "not UTF-8 text (invalid byte at {})",
                position(bytes, at)
            ))
        })?;
        let mut parser = Parser {
            bytes,
            text,
            pos: 0,
            run: 0,
            // About one node per 16 bytes of AWS event JSON or more: sized once, so the tape rarely grows.
            nodes: Vec::with_capacity(bytes.len() / 16 + 8),
            out: Vec::with_capacity(bytes.len()),
            // Room for the members of a few nested objects of AWS's size (Security Hub findings have
            // about thirty); the scratch buffer is sized when first needed.
            members: Vec::with_capacity(64),
            scratch: Vec::new(),
            duplicates: Vec::new(),
            root_order: Vec::new(),
        };
        parser.skip_whitespace();
        parser.value(0, 0)?;
        parser.skip_whitespace();
        if parser.pos != bytes.len() {
            return Err(parser.error("unexpected text after the JSON value"));
        }
        parser.flush();
        Ok(Document {
            nodes: parser.nodes,
            canonical: parser.out,
            duplicates: parser.duplicates,
            root_order: parser.root_order,
        })
    }

    pub fn root(&self) -> Json<'_, 'a> {
        Json {
            doc: self,
            at: 0,
            base: 0,
        }
    }
}

/// A member name that an object repeats: such an object has no RFC 8785 form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("member name `{0}` appears twice in one object; RFC 8785 requires unique names")]
pub struct DuplicateMember(pub String);

/// The kind of a JSON value, for error messages and dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    /// "a string", "an object", ... for error messages.
    pub fn described(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

/// A number as it was parsed: exact integers stay integers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    U64(u64),
    I64(i64),
    F64(f64),
}

/// One value of a [`Document`].
#[derive(Clone, Copy)]
pub struct Json<'d, 'a> {
    doc: &'d Document<'a>,
    at: usize,
    /// Where this value's canonical text starts in the document's (containers only).
    base: usize,
}

impl fmt::Debug for Json<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Json({:?})", self.kind())
    }
}

impl<'d, 'a> Json<'d, 'a> {
    pub(crate) fn node(&self) -> &'d Node<'a> {
        &self.doc.nodes[self.at]
    }

    /// The handle of the node at `at`, a child of this container.
    fn child(&self, at: usize) -> Json<'d, 'a> {
        let base = match &self.doc.nodes[at] {
            Node::Array { start, .. } | Node::Object { start, .. } => self.base + *start as usize,
            _ => 0,
        };
        Json {
            doc: self.doc,
            at,
            base,
        }
    }

    /// Index just past this value and its contents.
    fn end(&self) -> usize {
        match self.node() {
            Node::Array { end, .. } | Node::Object { end, .. } => *end as usize,
            _ => self.at + 1,
        }
    }

    pub fn kind(&self) -> Kind {
        match self.node() {
            Node::Null => Kind::Null,
            Node::Bool(_) => Kind::Bool,
            Node::U64(_) | Node::I64(_) | Node::F64(_) => Kind::Number,
            Node::Str(_) => Kind::String,
            Node::Array { .. } => Kind::Array,
            Node::Object { .. } => Kind::Object,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.node(), Node::Null)
    }

    pub fn is_object(&self) -> bool {
        matches!(self.node(), Node::Object { .. })
    }

    pub fn as_str(&self) -> Option<&'d str> {
        match self.node() {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.node() {
            Node::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<Number> {
        match self.node() {
            Node::U64(n) => Some(Number::U64(*n)),
            Node::I64(n) => Some(Number::I64(*n)),
            Node::F64(n) => Some(Number::F64(*n)),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self.node() {
            Node::U64(n) => Some(*n),
            _ => None,
        }
    }

    /// Number of elements (array) or members (object); 0 for anything else.
    pub fn len(&self) -> usize {
        match self.node() {
            Node::Array { len, .. } | Node::Object { len, .. } => *len as usize,
            _ => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements of an array, or `None` for anything else.
    pub fn elements(&self) -> Option<Elements<'d, 'a>> {
        match self.node() {
            Node::Array { len, .. } => Some(Elements {
                parent: *self,
                at: self.at + 1,
                left: *len as usize,
            }),
            _ => None,
        }
    }

    /// The members of an object in document order, or `None` for anything else.
    pub fn members(&self) -> Option<Members<'d, 'a>> {
        match self.node() {
            Node::Object { len, .. } => Some(Members {
                parent: *self,
                at: self.at + 1,
                left: *len as usize,
            }),
            _ => None,
        }
    }

    /// The value of member `key` of an object (the first, should a name repeat).
    pub fn get(&self, key: &str) -> Option<Json<'d, 'a>> {
        self.members()?
            .find(|(name, _)| *name == key)
            .map(|(_, value)| value)
    }

    /// Element `index` of an array.
    pub fn index(&self, index: usize) -> Option<Json<'d, 'a>> {
        self.elements()?.nth(index)
    }

    /// Append this value's RFC 8785 form to `out`.
    pub fn write_canonical(&self, out: &mut Vec<u8>) -> Result<(), DuplicateMember> {
        match self.node() {
            Node::Null => out.extend_from_slice(b"null"),
            Node::Bool(true) => out.extend_from_slice(b"true"),
            Node::Bool(false) => out.extend_from_slice(b"false"),
            Node::U64(n) => write_number(Number::U64(*n), out),
            Node::I64(n) => write_number(Number::I64(*n), out),
            Node::F64(n) => write_number(Number::F64(*n), out),
            Node::Str(s) => write_str(s, out),
            Node::Array { size, .. } | Node::Object { size, .. } => {
                let (from, to) = (self.at as u32, self.end() as u32);
                if let Some((_, name)) = self
                    .doc
                    .duplicates
                    .iter()
                    .find(|(at, _)| (from..to).contains(at))
                {
                    return Err(DuplicateMember(name.clone()));
                }
                let canonical = &self.doc.canonical;
                if self.at == 0 && !self.doc.root_order.is_empty() {
                    out.push(b'{');
                    for (i, (from, to)) in self.doc.root_order.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        out.extend_from_slice(&canonical[*from as usize..*to as usize]);
                    }
                    out.push(b'}');
                } else {
                    out.extend_from_slice(&canonical[self.base..self.base + *size as usize]);
                }
            }
        }
        Ok(())
    }
}

#[derive(Clone)]
pub struct Elements<'d, 'a> {
    parent: Json<'d, 'a>,
    at: usize,
    left: usize,
}

impl<'d, 'a> Iterator for Elements<'d, 'a> {
    type Item = Json<'d, 'a>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let value = self.parent.child(self.at);
        self.at = value.end();
        self.left -= 1;
        Some(value)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Elements<'_, '_> {}

#[derive(Clone)]
pub struct Members<'d, 'a> {
    parent: Json<'d, 'a>,
    at: usize,
    left: usize,
}

impl<'d, 'a> Iterator for Members<'d, 'a> {
    type Item = (&'d str, Json<'d, 'a>);
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        // The tape holds a string before every member value.
        let Node::Str(name) = &self.parent.doc.nodes[self.at] else {
            return None;
        };
        let value = self.parent.child(self.at + 1);
        self.at = value.end();
        self.left -= 1;
        Some((name.as_ref(), value))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Members<'_, '_> {}

/// An object member while its object is open: where its name is on the tape, where its
/// canonical text (name, colon, value) starts and ends in the output, and its value's tape index.
#[derive(Clone, Copy)]
struct Member {
    name: u32,
    /// The name's first eight bytes, big-endian, zero-padded: comparing these settles most orders.
    prefix: u64,
    start: u32,
    end: u32,
    value: u32,
}

/// The member name at tape index `index` (the parser puts a string there).
fn name_of<'n>(nodes: &'n [Node], index: u32) -> &'n str {
    match &nodes[index as usize] {
        Node::Str(s) => s,
        _ => "",
    }
}

/// The first eight bytes of `name` as a big-endian number, zero-padded.
fn name_prefix(name: &str) -> u64 {
    match name.as_bytes().first_chunk::<8>() {
        Some(word) => u64::from_be_bytes(*word),
        None => name
            .bytes()
            .enumerate()
            .fold(0, |word, (i, b)| word | u64::from(b) << (56 - 8 * i)),
    }
}

/// RFC 8785 order of two member names from their [`name_prefix`]es alone, when those settle it:
/// the first differing byte decides, unless both are lead bytes of characters at or above U+E000,
/// where UTF-8 and UTF-16 order can disagree. `None`: the full names must be compared.
#[inline]
fn prefix_order(a: u64, b: u64) -> Option<Ordering> {
    let differ = a ^ b;
    if differ == 0 {
        return None;
    }
    let shift = 56 - (differ.leading_zeros() & !7);
    if (a >> shift) & 0xff >= 0xee && (b >> shift) & 0xff >= 0xee {
        return None;
    }
    Some(a.cmp(&b))
}

struct Parser<'a> {
    bytes: &'a [u8],
    /// The same bytes, known to be UTF-8.
    text: &'a str,
    pos: usize,
    /// Start of the input that is still to be copied to `out` as it is: the bytes from here to
    /// `pos` are already canonical.
    run: usize,
    nodes: Vec<Node<'a>>,
    out: Vec<u8>,
    /// Members of the objects being read, innermost last.
    members: Vec<Member>,
    /// Where an object's canonical text goes while it is reordered.
    scratch: Vec<u8>,
    duplicates: Vec<(u32, String)>,
    root_order: Vec<(u32, u32)>,
}

/// A tape index or output offset. [`MAX_DOCUMENT`] keeps every one inside u32: the canonical text
/// is at most 5.25 times its input (`1e20` becomes 21 digits), and a node takes at least a byte.
fn as_u32(n: usize) -> u32 {
    n as u32
}

const fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// Eight bytes at once: a high bit set in the result for each byte that is `"`, `\` or a control
/// character. Only the lowest set bit is exact (a borrow can mark a byte above a true hit), which
/// is all the string scan uses.
#[inline(always)]
fn special_bytes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let quote = word ^ (ONES * b'"' as u64);
    let backslash = word ^ (ONES * b'\\' as u64);
    let is_quote = quote.wrapping_sub(ONES) & !quote;
    let is_backslash = backslash.wrapping_sub(ONES) & !backslash;
    let is_control = word.wrapping_sub(ONES * 0x20) & !word;
    (is_quote | is_backslash | is_control) & HIGH
}

/// Line and column (1-based, counted in bytes) of byte `at`.
fn position(bytes: &[u8], at: usize) -> String {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.len()
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    format!("line {line} column {column}")
}

impl<'a> Parser<'a> {
    fn error(&self, what: &str) -> ParseError {
        let end = if self.pos >= self.bytes.len() {
            ", but the text ends"
        } else {
            ""
        };
        ParseError(format!("{what}{end} at {}", position(self.bytes, self.pos)))
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Where the byte at `pos` lands in the canonical output.
    #[inline(always)]
    fn out_pos(&self) -> usize {
        self.out.len() + (self.pos - self.run)
    }

    /// Copy the pending canonical input to the output.
    #[inline(always)]
    fn flush(&mut self) {
        self.out.extend_from_slice(&self.bytes[self.run..self.pos]);
        self.run = self.pos;
    }

    #[inline(always)]
    fn skip_whitespace(&mut self) {
        if !self.peek().is_some_and(is_whitespace) {
            return;
        }
        self.flush();
        let bytes = self.bytes;
        let mut pos = self.pos + 1;
        // Pretty-printed JSON indents with runs of spaces: eight at a time, then one by one.
        while let Some(word) = bytes.get(pos..).and_then(|rest| rest.first_chunk::<8>()) {
            let spaces = (u64::from_le_bytes(*word) ^ 0x2020_2020_2020_2020).trailing_zeros() / 8;
            pos += spaces as usize;
            if spaces < 8 {
                break;
            }
        }
        while bytes.get(pos).copied().is_some_and(is_whitespace) {
            pos += 1;
        }
        self.pos = pos;
        self.run = pos;
    }

    /// One value at `pos` (whitespace already skipped); `parent` is where the enclosing container's
    /// canonical text starts.
    fn value(&mut self, depth: usize, parent: usize) -> Result<(), ParseError> {
        match self.peek() {
            Some(b'{') => self.object(depth, parent),
            Some(b'[') => self.array(depth, parent),
            Some(b'"') => self.string(),
            Some(b't') => self.literal(b"true", Node::Bool(true)),
            Some(b'f') => self.literal(b"false", Node::Bool(false)),
            Some(b'n') => self.literal(b"null", Node::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a JSON value")),
            None => Err(self.error("expected a JSON value")),
        }
    }

    fn literal(&mut self, word: &[u8], node: Node<'a>) -> Result<(), ParseError> {
        if !self.bytes[self.pos..].starts_with(word) {
            return Err(self.error("expected a JSON value"));
        }
        self.pos += word.len();
        self.nodes.push(node);
        Ok(())
    }

    fn open(&mut self, depth: usize, parent: usize) -> Result<(usize, usize), ParseError> {
        if depth >= MAX_DEPTH {
            return Err(self.error(&format!("nested deeper than {MAX_DEPTH} levels")));
        }
        let at = self.nodes.len();
        let start = self.out_pos();
        // A placeholder until the container closes and its extent is known.
        self.nodes.push(Node::Null);
        self.pos += 1;
        self.skip_whitespace();
        Ok((at, start - parent))
    }

    /// After an element or member: `true` past a comma (another follows), `false` at `close`.
    fn another(&mut self, close: u8, expected: &str) -> Result<bool, ParseError> {
        self.skip_whitespace();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                self.skip_whitespace();
                Ok(true)
            }
            Some(c) if c == close => Ok(false),
            _ => Err(self.error(expected)),
        }
    }

    fn array(&mut self, depth: usize, parent: usize) -> Result<(), ParseError> {
        let (at, start) = self.open(depth, parent)?;
        let base = parent + start;
        let mut len = 0usize;
        if self.peek() != Some(b']') {
            loop {
                self.value(depth + 1, base)?;
                len += 1;
                if !self.another(b']', "expected `,` or `]` in an array")? {
                    break;
                }
            }
        }
        self.pos += 1;
        self.nodes[at] = Node::Array {
            len: as_u32(len),
            end: as_u32(self.nodes.len()),
            start: as_u32(start),
            size: as_u32(self.out_pos() - base),
        };
        Ok(())
    }

    fn name_at(&self, index: u32) -> &str {
        name_of(&self.nodes, index)
    }

    fn object(&mut self, depth: usize, parent: usize) -> Result<(), ParseError> {
        let (at, start) = self.open(depth, parent)?;
        let base = parent + start;
        let first = self.members.len();
        let mut in_order = true;
        if self.peek() != Some(b'}') {
            loop {
                if self.peek() != Some(b'"') {
                    return Err(self.error("expected a member name (a string) in an object"));
                }
                let name = as_u32(self.nodes.len());
                let member_start = self.out_pos();
                self.string()?;
                let prefix = name_prefix(self.name_at(name));
                if in_order {
                    if let Some(previous) = self.members[first..].last() {
                        // Strictly ascending: a repeated name also takes the reordering path,
                        // which reports it.
                        in_order = prefix_order(previous.prefix, prefix)
                            .unwrap_or_else(|| {
                                utf16_cmp(self.name_at(previous.name), self.name_at(name))
                            })
                            .is_lt();
                    }
                }
                self.skip_whitespace();
                if self.peek() != Some(b':') {
                    return Err(self.error("expected `:` after a member name"));
                }
                self.pos += 1;
                self.skip_whitespace();
                let value = as_u32(self.nodes.len());
                self.value(depth + 1, base)?;
                self.members.push(Member {
                    name,
                    prefix,
                    start: as_u32(member_start),
                    end: as_u32(self.out_pos()),
                    value,
                });
                if !self.another(b'}', "expected `,` or `}` in an object")? {
                    break;
                }
            }
        }
        let len = self.members.len() - first;
        if !in_order && self.sort_members(at, first) {
            if depth == 0 {
                // The root is not moved: its members' text is put in order only when the whole
                // document's canonical form is asked for, which intake never does (it stores
                // the records below the root).
                self.root_order = self.members[first..]
                    .iter()
                    .map(|m| (m.start, m.end))
                    .collect();
            } else {
                self.flush();
                self.reorder(base, first);
            }
        }
        self.members.truncate(first);
        self.pos += 1;
        self.nodes[at] = Node::Object {
            len: as_u32(len),
            end: as_u32(self.nodes.len()),
            start: as_u32(start),
            size: as_u32(self.out_pos() - base),
        };
        Ok(())
    }

    /// Sort the members of the object at tape index `at` (those from `first` on) into RFC 8785
    /// order. `false`: a name repeats (recorded in `duplicates`), so the object has no canonical
    /// form and is left as it is.
    fn sort_members(&mut self, at: usize, first: usize) -> bool {
        let Parser {
            members,
            nodes,
            duplicates,
            ..
        } = self;
        let name = |m: &Member| name_of(nodes, m.name);
        let members = &mut members[first..];
        members.sort_unstable_by(|a, b| {
            prefix_order(a.prefix, b.prefix).unwrap_or_else(|| utf16_cmp(name(a), name(b)))
        });
        match members.windows(2).find(|w| name(&w[0]) == name(&w[1])) {
            Some(pair) => {
                duplicates.push((as_u32(at), name(&pair[0]).to_string()));
                false
            }
            None => true,
        }
    }

    /// Rewrite the canonical text of the object starting at `base` (everything after its `{` is
    /// in `out`) with its members (from `first` on, sorted) in that order, moving each member's
    /// value entry with it.
    fn reorder(&mut self, base: usize, first: usize) {
        let Parser {
            members,
            nodes,
            out,
            scratch,
            ..
        } = self;
        let inside = base + 1;
        scratch.clear();
        if scratch.capacity() == 0 {
            // Objects close innermost first, so each reordered one tends to be larger than the
            // last: sized once for the largest possible (no object's text exceeds the output's).
            scratch.reserve(out.capacity());
        }
        scratch.extend_from_slice(&out[inside..]);
        out.truncate(inside);
        for (i, m) in members[first..].iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let moved = out.len() as i64 - i64::from(m.start);
            out.extend_from_slice(&scratch[m.start as usize - inside..m.end as usize - inside]);
            if let Node::Array { start, .. } | Node::Object { start, .. } =
                &mut nodes[m.value as usize]
            {
                *start = (i64::from(*start) + moved) as u32;
            }
        }
    }

    fn string(&mut self) -> Result<(), ParseError> {
        let bytes = self.bytes;
        let open = self.pos;
        let mut i = open + 1;
        loop {
            match bytes.get(i..i + 8) {
                Some(word) => {
                    let mask = special_bytes(u64::from_le_bytes(word.try_into().unwrap_or([0; 8])));
                    if mask == 0 {
                        i += 8;
                        continue;
                    }
                    i += (mask.trailing_zeros() / 8) as usize;
                }
                None => {
                    while i < bytes.len()
                        && bytes[i] != b'"'
                        && bytes[i] != b'\\'
                        && bytes[i] >= 0x20
                    {
                        i += 1;
                    }
                }
            }
            break;
        }
        match bytes.get(i) {
            Some(b'"') => {
                self.nodes
                    .push(Node::Str(Cow::Borrowed(&self.text[open + 1..i])));
                self.pos = i + 1;
                Ok(())
            }
            Some(b'\\') => self.escaped_string(open, i),
            Some(_) => {
                self.pos = i;
                Err(self.error("control character in a string (it must be escaped)"))
            }
            None => {
                self.pos = i;
                Err(self.error("unterminated string"))
            }
        }
    }

    /// A string from `open` (its quote) with its first escape at `escape`.
    fn escaped_string(&mut self, open: usize, escape: usize) -> Result<(), ParseError> {
        let bytes = self.bytes;
        let mut value = String::with_capacity(escape - open + 16);
        value.push_str(&self.text[open + 1..escape]);
        let mut i = escape;
        loop {
            match bytes.get(i) {
                Some(b'"') => break,
                Some(b'\\') => {
                    self.pos = i;
                    let (c, next) = self.escape(i)?;
                    value.push(c);
                    i = next;
                }
                Some(b) if *b < 0x20 => {
                    self.pos = i;
                    return Err(self.error("control character in a string (it must be escaped)"));
                }
                Some(_) => {
                    let from = i;
                    while i < bytes.len()
                        && bytes[i] != b'"'
                        && bytes[i] != b'\\'
                        && bytes[i] >= 0x20
                    {
                        i += 1;
                    }
                    value.push_str(&self.text[from..i]);
                }
                None => {
                    self.pos = i;
                    return Err(self.error("unterminated string"));
                }
            }
        }
        // Not canonical as written: the pending input goes out first, then the string escaped the
        // RFC 8785 way.
        self.pos = open;
        self.flush();
        write_str(&value, &mut self.out);
        self.nodes.push(Node::Str(Cow::Owned(value)));
        self.pos = i + 1;
        self.run = self.pos;
        Ok(())
    }

    /// The character of the escape at `i` (its backslash) and the index just past it.
    fn escape(&self, i: usize) -> Result<(char, usize), ParseError> {
        let c = match self.bytes.get(i + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let unit = self.hex4(i + 2)?;
                return match unit {
                    0xD800..=0xDBFF => {
                        // A high surrogate: the low one must follow as another `\u` escape.
                        let low = if self.bytes.get(i + 6..i + 8) == Some(b"\\u") {
                            self.hex4(i + 8)?
                        } else {
                            0
                        };
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(self.error("unpaired surrogate in a `\\u` escape"));
                        }
                        let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                        char::from_u32(code)
                            .map(|c| (c, i + 12))
                            .ok_or_else(|| self.error("invalid `\\u` escape"))
                    }
                    0xDC00..=0xDFFF => Err(self.error("unpaired surrogate in a `\\u` escape")),
                    _ => char::from_u32(unit)
                        .map(|c| (c, i + 6))
                        .ok_or_else(|| self.error("invalid `\\u` escape")),
                };
            }
            Some(_) => return Err(self.error("invalid escape in a string")),
            None => return Err(self.error("unterminated string")),
        };
        Ok((c, i + 2))
    }

    fn hex4(&self, i: usize) -> Result<u32, ParseError> {
        let digits = self
            .bytes
            .get(i..i + 4)
            .ok_or_else(|| self.error("expected four hex digits after `\\u`"))?;
        digits.iter().try_fold(0u32, |acc, d| {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(self.error("expected four hex digits after `\\u`")),
            };
            Ok(acc * 16 + u32::from(v))
        })
    }

    fn digits(&self, mut i: usize) -> usize {
        while self.bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    }

    fn number(&mut self) -> Result<(), ParseError> {
        let bytes = self.bytes;
        let from = self.pos;
        let negative = bytes[from] == b'-';
        let int_start = from + usize::from(negative);
        let int_end = self.digits(int_start);
        if int_end == int_start {
            self.pos = int_start;
            return Err(self.error("expected a digit in a number"));
        }
        if bytes[int_start] == b'0' && int_end - int_start > 1 {
            self.pos = int_start;
            return Err(self.error("a number may not start with 0"));
        }
        let mut end = int_end;
        let mut integer = true;
        if bytes.get(end) == Some(&b'.') {
            let frac_end = self.digits(end + 1);
            if frac_end == end + 1 {
                self.pos = end + 1;
                return Err(self.error("expected a digit after the decimal point"));
            }
            end = frac_end;
            integer = false;
        }
        if matches!(bytes.get(end), Some(b'e' | b'E')) {
            let mut exp = end + 1;
            if matches!(bytes.get(exp), Some(b'+' | b'-')) {
                exp += 1;
            }
            let exp_end = self.digits(exp);
            if exp_end == exp {
                self.pos = exp;
                return Err(self.error("expected a digit in the exponent"));
            }
            end = exp_end;
            integer = false;
        }
        self.pos = end;
        if integer && int_end - int_start <= 16 {
            // Up to 16 digits cannot overflow, and most fit in 2^53, where the digits as written
            // are already the canonical form.
            let magnitude = bytes[int_start..int_end]
                .iter()
                .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
            if magnitude <= MAX_EXACT_INTEGER && !(negative && magnitude == 0) {
                self.nodes.push(if negative {
                    Node::I64(-(magnitude as i64))
                } else {
                    Node::U64(magnitude)
                });
                return Ok(());
            }
        }
        let text = &self.text[from..end];
        let node = if integer {
            match (negative, text.parse::<u64>(), text.parse::<i64>()) {
                (false, Ok(u), _) => Node::U64(u),
                (true, _, Ok(i)) if i != 0 => Node::I64(i),
                _ => Node::F64(self.double(text)?),
            }
        } else {
            Node::F64(self.double(text)?)
        };
        // Not canonical as written: rewritten as ECMAScript prints the number.
        self.pos = from;
        self.flush();
        match &node {
            Node::U64(u) => write_number(Number::U64(*u), &mut self.out),
            Node::I64(i) => write_number(Number::I64(*i), &mut self.out),
            Node::F64(f) => write_number(Number::F64(*f), &mut self.out),
            _ => {}
        }
        self.nodes.push(node);
        self.pos = end;
        self.run = end;
        Ok(())
    }

    /// The double nearest to `text` (a JSON number), as JSON.parse reads it.
    fn double(&self, text: &str) -> Result<f64, ParseError> {
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(f),
            _ => Err(self.error("number out of the range of a double")),
        }
    }
}

#[cfg(test)]
mod tests;
