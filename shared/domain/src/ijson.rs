//! The strict JSON reader that every event and every document to canonicalise goes through:
//! serde_json's parser, building a `serde_json::Value`, with the rules of I-JSON (RFC 7493) that
//! RFC 8785 relies on and that serde_json leaves to its caller.
//!
//! - A member name that repeats in one object is refused, naming the member and where it is
//!   (`detail.findings[1].Id`). serde_json keeps the last copy, other readers the first: evidence
//!   made from either could differ from what an auditor's tools read from the same event.
//! - Nesting deeper than [`Limits::max_depth`] is refused (AWS events nest a dozen levels or so).
//! - A text larger than [`Limits::max_bytes`] is refused before it is parsed.
//!
//! Numbers are serde_json's own (u64, i64, else f64, correctly rounded with `float_roundtrip`), so the
//! canonical form written from the value is what `serde_json_canonicalizer` writes from the text.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// How much a reader accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: usize,
    /// Arrays and objects inside one another; the outermost is level 1.
    pub max_depth: usize,
    /// Where `max_bytes` comes from, completing "more than the N bytes ...".
    pub size_limit: &'static str,
}

/// Deepest nesting accepted: AWS events nest a dozen levels or so, and serde_json itself stops at 128.
pub const MAX_DEPTH: usize = 64;

/// One EventBridge event: EventBridge carries events of up to 1 MiB (raised from 256 KB in
/// January 2026), and an SQS message body holds at most the same.
pub const EVENT: Limits = Limits {
    max_bytes: 1 << 20,
    max_depth: MAX_DEPTH,
    size_limit: "an EventBridge event may hold",
};

/// Any other document (`attest canonicalize`, reports): large, but not unbounded.
pub const DOCUMENT: Limits = Limits {
    max_bytes: 256 << 20,
    max_depth: MAX_DEPTH,
    size_limit: "accepted for one document",
};

/// Why a text was not read. Only [`ReadError::Syntax`] means the text is not JSON at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the text is {size} bytes, more than the {limit} bytes {what}")]
    TooLarge {
        size: usize,
        limit: usize,
        what: &'static str,
    },
    #[error(
        "member `{path}` appears twice in one object (line {line}, column {column}); I-JSON \
         (RFC 7493) requires unique member names, and JSON readers differ on which copy they keep"
    )]
    RepeatedMember {
        path: String,
        line: usize,
        column: usize,
    },
    #[error("`{path}` is nested deeper than {limit} levels (line {line}, column {column})")]
    TooDeep {
        path: String,
        limit: usize,
        line: usize,
        column: usize,
    },
    /// serde_json's own message, with the line and column where it stopped.
    #[error("not valid JSON: {0}")]
    Syntax(String),
}

/// Read one JSON text (nothing may follow it but whitespace) under `limits`.
pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Value, ReadError> {
    if bytes.len() > limits.max_bytes {
        return Err(ReadError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
            what: limits.size_limit,
        });
    }
    let fault = Cell::new(None);
    let seed = Strict {
        at: &Step::Root,
        depth: 0,
        max_depth: limits.max_depth,
        fault: &fault,
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    seed.deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(|error| match fault.take() {
            // The visitor stopped the parse for a rule of ours; serde_json knows where.
            Some(Fault::Repeated(path)) => ReadError::RepeatedMember {
                path,
                line: error.line(),
                column: error.column(),
            },
            Some(Fault::TooDeep(path)) => ReadError::TooDeep {
                path,
                limit: limits.max_depth,
                line: error.line(),
                column: error.column(),
            },
            None => ReadError::Syntax(error.to_string()),
        })
}

/// What the visitor refused, kept aside: serde's error type carries only a message.
enum Fault {
    Repeated(String),
    TooDeep(String),
}

/// Where a value sits, built on the stack as the parse descends and written out only for an error.
enum Step<'p> {
    Root,
    Member(&'p Step<'p>, &'p str),
    Element(&'p Step<'p>, usize),
}

impl fmt::Display for Step<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Root => f.write_str("$"),
            Step::Member(Step::Root, name) => write_name(f, name, ""),
            Step::Member(parent, name) => {
                parent.fmt(f)?;
                write_name(f, name, ".")
            }
            Step::Element(parent, index) => {
                parent.fmt(f)?;
                write!(f, "[{index}]")
            }
        }
    }
}

/// `name` after `dot`, or as a quoted JSON string in brackets when it is not a plain word.
fn write_name(f: &mut fmt::Formatter<'_>, name: &str, dot: &str) -> fmt::Result {
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if plain {
        write!(f, "{dot}{name}")
    } else {
        write!(f, "[{}]", Value::from(name))
    }
}

/// A `serde_json::Value` read under the rules above.
#[derive(Clone, Copy)]
struct Strict<'p> {
    at: &'p Step<'p>,
    depth: usize,
    max_depth: usize,
    fault: &'p Cell<Option<Fault>>,
}

impl<'p> Strict<'p> {
    fn inside<'q>(&self, at: &'q Step<'q>) -> Strict<'q>
    where
        'p: 'q,
    {
        Strict {
            at,
            depth: self.depth + 1,
            max_depth: self.max_depth,
            fault: self.fault,
        }
    }

    fn refuse<E: de::Error>(&self, fault: Fault) -> E {
        self.fault.set(Some(fault));
        E::custom("refused")
    }

    fn enter<E: de::Error>(&self) -> Result<(), E> {
        if self.depth >= self.max_depth {
            return Err(self.refuse(Fault::TooDeep(self.at.to_string())));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        // serde_json's own Value does the same; its parser yields only finite numbers.
        Ok(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.enter()?;
        let mut elements = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(element) =
            seq.next_element_seed(self.inside(&Step::Element(self.at, elements.len())))?
        {
            elements.push(element);
        }
        Ok(Value::Array(elements))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.enter()?;
        let mut members = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            if members.contains_key(&name) {
                return Err(self.refuse(Fault::Repeated(Step::Member(self.at, &name).to_string())));
            }
            let value = map.next_value_seed(self.inside(&Step::Member(self.at, &name)))?;
            members.insert(name, value);
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests;
