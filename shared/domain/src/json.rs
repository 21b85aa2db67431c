//! A parsed JSON document as a flat tape of nodes that borrow their strings from the input.
//!
//! Intake reads a few fields of each event and writes each record once in RFC 8785 form. A tree of
//! owned values (`sonic_rs::Value`, `serde_json::Value`) costs more to build and drop than that work
//! itself, so the event is parsed once by sonic-rs (the fastest well-kept parser; it validates the
//! whole text, including UTF-8 and nesting depth) through serde into this tape: one allocation, and
//! strings without escapes are not copied. [`Json`] is a cheap handle to one node for lookups, and
//! [`crate::canonical::write`] writes any node in canonical form.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// A parse error, as sonic-rs words it (with line and column).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// One JSON value on the tape. A container is followed by its contents (for an object: key, value,
/// key, value, ...); `end` is the index just past them, so a container is skipped in one step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node<'a> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    /// Borrowed: the input had no escape in it, so it holds no `"`, `\\` or control character
    /// (the parser refuses raw ones) and is already in RFC 8785 form. Owned: unescaped by the parser.
    Str(Cow<'a, str>),
    Array {
        len: u32,
        end: u32,
    },
    Object {
        len: u32,
        end: u32,
    },
}

/// A whole document. Index 0 is the root.
#[derive(Debug, Clone, PartialEq)]
pub struct Document<'a> {
    nodes: Vec<Node<'a>>,
}

impl<'a> Document<'a> {
    /// Parse one JSON text (it must be the whole input, with nothing after it but whitespace).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ParseError> {
        // About one node per 12 bytes of AWS event JSON: sized once, so the tape rarely grows.
        let mut nodes = Vec::with_capacity(bytes.len() / 12 + 8);
        let mut de = sonic_rs::Deserializer::from_slice(bytes);
        NodeSeed {
            nodes: &mut nodes,
            depth: 0,
        }
        .deserialize(&mut de)
        .map_err(|e| ParseError(e.to_string()))?;
        de.end().map_err(|e| ParseError(e.to_string()))?;
        Ok(Document { nodes })
    }

    pub fn root(&self) -> Json<'_, 'a> {
        Json { doc: self, at: 0 }
    }
}

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
            Node::Array { len, end } => Some(Elements {
                doc: self.doc,
                at: self.at + 1,
                left: *len as usize,
                end: *end as usize,
            }),
            _ => None,
        }
    }

    /// The members of an object in document order, or `None` for anything else.
    pub fn members(&self) -> Option<Members<'d, 'a>> {
        match self.node() {
            Node::Object { len, end } => Some(Members {
                doc: self.doc,
                at: self.at + 1,
                left: *len as usize,
                end: *end as usize,
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
}

#[derive(Clone)]
pub struct Elements<'d, 'a> {
    doc: &'d Document<'a>,
    at: usize,
    left: usize,
    end: usize,
}

impl<'d, 'a> Iterator for Elements<'d, 'a> {
    type Item = Json<'d, 'a>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 || self.at >= self.end {
            return None;
        }
        let value = Json {
            doc: self.doc,
            at: self.at,
        };
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
    doc: &'d Document<'a>,
    at: usize,
    left: usize,
    end: usize,
}

impl<'d, 'a> Members<'d, 'a> {
    /// The next member with its name as parsed (borrowed from the input or unescaped).
    pub(crate) fn next_entry(&mut self) -> Option<(&'d Cow<'a, str>, Json<'d, 'a>)> {
        if self.left == 0 || self.at + 1 >= self.end {
            return None;
        }
        let name = match &self.doc.nodes[self.at] {
            Node::Str(s) => s,
            // The tape is built with a string before every member value.
            _ => return None,
        };
        let value = Json {
            doc: self.doc,
            at: self.at + 1,
        };
        self.at = value.end();
        self.left -= 1;
        Some((name, value))
    }
}

impl<'d, 'a> Iterator for Members<'d, 'a> {
    type Item = (&'d str, Json<'d, 'a>);
    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry()
            .map(|(name, value)| (name.as_ref(), value))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Members<'_, '_> {}

/// Deepest nesting accepted. AWS events nest a dozen levels or so; the limit keeps the recursive
/// parse and write well inside a 2 MB thread stack (sonic-rs alone would allow 255).
pub const MAX_DEPTH: usize = 64;

/// Parses one value onto the tape (serde's way of driving sonic-rs's parser).
struct NodeSeed<'t, 'a> {
    nodes: &'t mut Vec<Node<'a>>,
    /// Containers open around this value.
    depth: usize,
}

impl<'t, 'a> NodeSeed<'t, 'a> {
    /// The seed for a value inside the container being read.
    fn inner<E: de::Error>(&mut self) -> Result<NodeSeed<'_, 'a>, E> {
        if self.depth >= MAX_DEPTH {
            return Err(E::custom(format_args!(
                "nested deeper than {MAX_DEPTH} levels"
            )));
        }
        Ok(NodeSeed {
            nodes: &mut *self.nodes,
            depth: self.depth + 1,
        })
    }
}

/// Past u32 the tape could not index its nodes.
fn tape_index<E: de::Error>(n: usize) -> Result<u32, E> {
    u32::try_from(n).map_err(|_| E::custom("document too large"))
}

impl<'de, 't> DeserializeSeed<'de> for NodeSeed<'t, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, 't> Visitor<'de> for NodeSeed<'t, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.nodes.push(Node::Null);
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.nodes.push(Node::Bool(v));
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.nodes.push(Node::U64(v));
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.nodes.push(Node::I64(v));
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.nodes.push(Node::F64(v));
        Ok(())
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        self.nodes.push(Node::Str(Cow::Borrowed(v)));
        Ok(())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        // Only strings with escapes arrive here (unescaped into a scratch buffer).
        self.nodes.push(Node::Str(Cow::Owned(v.to_owned())));
        Ok(())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        self.nodes.push(Node::Str(Cow::Owned(v)));
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let start = self.nodes.len();
        self.nodes.push(Node::Array { len: 0, end: 0 });
        let mut len = 0usize;
        while seq.next_element_seed(self.inner()?)?.is_some() {
            len += 1;
        }
        let end = tape_index(self.nodes.len())?;
        self.nodes[start] = Node::Array {
            len: tape_index(len)?,
            end,
        };
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let start = self.nodes.len();
        self.nodes.push(Node::Object { len: 0, end: 0 });
        let mut len = 0usize;
        while map.next_key_seed(self.inner()?)?.is_some() {
            map.next_value_seed(self.inner()?)?;
            len += 1;
        }
        let end = tape_index(self.nodes.len())?;
        self.nodes[start] = Node::Object {
            len: tape_index(len)?,
            end,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_walk_the_tape() {
        let text = br#"{"a":{"b":[1,-2,2.5,"x\u0041",null,true,{"c":[]}]},"d":"e","a2":{}}"#;
        let doc = Document::parse(text).unwrap();
        let root = doc.root();
        assert_eq!(root.kind(), Kind::Object);
        assert_eq!(root.len(), 3);
        let b = root.get("a").and_then(|a| a.get("b")).unwrap();
        let items: Vec<Kind> = b.elements().unwrap().map(|v| v.kind()).collect();
        assert_eq!(
            items,
            [
                Kind::Number,
                Kind::Number,
                Kind::Number,
                Kind::String,
                Kind::Null,
                Kind::Bool,
                Kind::Object
            ]
        );
        assert_eq!(b.index(0).unwrap().as_number(), Some(Number::U64(1)));
        assert_eq!(b.index(1).unwrap().as_number(), Some(Number::I64(-2)));
        assert_eq!(b.index(2).unwrap().as_number(), Some(Number::F64(2.5)));
        assert_eq!(b.index(3).unwrap().as_str(), Some("xA"));
        assert_eq!(b.index(5).unwrap().as_bool(), Some(true));
        assert!(b.index(7).is_none());
        // Skipping a container lands on the next member.
        assert_eq!(root.get("d").unwrap().as_str(), Some("e"));
        assert!(root.get("a2").unwrap().is_empty());
        let names: Vec<&str> = root.members().unwrap().map(|(k, _)| k).collect();
        assert_eq!(names, ["a", "d", "a2"]);
        assert!(root.get("missing").is_none());
        assert!(root.get("d").unwrap().get("x").is_none());
    }

    #[test]
    fn invalid_text_is_refused_with_the_parser_s_reason() {
        for bad in [
            &b"{"[..],
            b"{\"a\":}",
            b"[1,]",
            b"{\"a\":1} x",
            b"\"\xff\"",
            b"nul",
            b"",
            // A raw control character must be escaped; the canonical writer relies on this.
            b"\"a\x01b\"",
            b"{\"a\tb\":1}",
        ] {
            assert!(
                Document::parse(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
        assert!(Document::parse(deep(MAX_DEPTH).as_bytes()).is_ok());
        let err = Document::parse(deep(MAX_DEPTH + 1).as_bytes()).unwrap_err();
        assert!(err.0.contains("nested deeper than 64 levels"), "{err}");
        assert!(Document::parse(deep(10_000).as_bytes()).is_err());
    }
}
