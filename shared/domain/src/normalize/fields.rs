//! The typed views normalisation reads from an event, and field access that turns absence or a
//! wrong type into an error naming the event and the field.
//!
//! The views are serde structs deserialised from the event's `serde_json::Value`, borrowing its
//! strings. Their members are lenient: a member of an unexpected type is kept as what it was
//! ([`Field`]) or read as absent ([`Loose`], [`Items`]), never a deserialisation error, so each
//! source module decides which fields are required and says which one was wrong, as it did before
//! the views existed.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    self, value::MapAccessDeserializer, Deserialize, IgnoredAny, MapAccess, SeqAccess,
};
use serde_json::Value;

use crate::error::NormalizeError;
use crate::timestamp::Timestamp;

/// One member as normalisation reads it: absent, null, a string, a number (with its value when it
/// is an unsigned integer), or another kind of value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum Field<'a> {
    #[default]
    Absent,
    Null,
    Str(&'a str),
    Number(Option<u64>),
    Other(&'static str),
}

impl<'a> Field<'a> {
    /// The string, when it is one and not empty.
    pub fn non_empty(self) -> Option<&'a str> {
        match self {
            Field::Str(s) if !s.is_empty() => Some(s),
            _ => None,
        }
    }

    /// The string, when it is one and not empty, else `fallback`, as an owned string.
    pub fn or(self, fallback: &str) -> String {
        self.non_empty().unwrap_or(fallback).to_string()
    }

    pub fn as_u64(self) -> Option<u64> {
        match self {
            Field::Number(n) => n,
            _ => None,
        }
    }

    /// "a string", "an object", ... for error messages.
    fn described(self) -> &'static str {
        match self {
            Field::Absent | Field::Null => "null",
            Field::Str(_) => "a string",
            Field::Number(_) => "a number",
            Field::Other(kind) => kind,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Field<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;
        impl<'de> de::Visitor<'de> for FieldVisitor {
            type Value = Field<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Field<'de>, E> {
                Ok(Field::Str(s))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Field<'de>, E> {
                // Only a string that outlives the view can be kept; from a `Value` every one does.
                Err(E::custom("a string that cannot be borrowed"))
            }
            fn visit_unit<E>(self) -> Result<Field<'de>, E> {
                Ok(Field::Null)
            }
            fn visit_none<E>(self) -> Result<Field<'de>, E> {
                Ok(Field::Null)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Field<'de>, E> {
                Ok(Field::Other("a boolean"))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Field<'de>, E> {
                Ok(Field::Number(Some(n)))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Field<'de>, E> {
                Ok(Field::Number(u64::try_from(n).ok()))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Field<'de>, E> {
                Ok(Field::Number(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Field<'de>, A::Error> {
                skip_elements(seq)?;
                Ok(Field::Other("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Field<'de>, A::Error> {
                skip_members(map)?;
                Ok(Field::Other("an object"))
            }
        }
        deserializer.deserialize_any(FieldVisitor)
    }
}

/// A member read as `T` when it is an object, and as absent when it is anything else (as a lookup
/// inside a value that is not an object finds nothing). `T`'s own members are lenient, so any
/// object reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Loose<T>(pub Option<T>);

impl<T> Default for Loose<T> {
    fn default() -> Self {
        Loose(None)
    }
}

impl<'de, T: Deserialize<'de>> Shape<'de> for Loose<T> {
    fn map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(|t| Loose(Some(t)))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Loose<T> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ShapeVisitor(PhantomData))
    }
}

/// A member read as a list of `T` when it is an array, and as no elements when it is anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Items<T>(pub Vec<T>);

impl<T> Default for Items<T> {
    fn default() -> Self {
        Items(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Shape<'de> for Items<T> {
    fn seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Items(items))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Items<T> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ShapeVisitor(PhantomData))
    }
}

/// A type read from one shape of JSON value (objects or arrays): every other value, and the other
/// shape, read as its `Default`.
trait Shape<'de>: Default {
    fn map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        skip_members(map)?;
        Ok(Self::default())
    }

    fn seq<A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        skip_elements(seq)?;
        Ok(Self::default())
    }
}

struct ShapeVisitor<T>(PhantomData<T>);

impl<'de, T: Shape<'de>> de::Visitor<'de> for ShapeVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::seq(seq)
    }
    fn visit_bool<E>(self, _: bool) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_i64<E>(self, _: i64) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_u64<E>(self, _: u64) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_f64<E>(self, _: f64) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_str<E>(self, _: &str) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_unit<E>(self) -> Result<T, E> {
        Ok(T::default())
    }
}

fn skip_elements<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn skip_members<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// The view `T` of `value` (an object), or an error naming `field`.
pub(super) fn view<'a, T: Deserialize<'a>>(
    value: &'a Value,
    field: &str,
    f: &Fields,
) -> Result<T, NormalizeError> {
    T::deserialize(value).map_err(|e| f.invalid(field, e.to_string()))
}

pub(super) struct Fields<'a> {
    event_id: &'a str,
}

impl<'a> Fields<'a> {
    pub fn new(event_id: &'a str) -> Self {
        Fields { event_id }
    }

    pub fn missing(&self, field: &str) -> NormalizeError {
        NormalizeError::MissingField {
            event_id: self.event_id.to_string(),
            field: field.to_string(),
        }
    }

    pub fn invalid(&self, field: &str, reason: impl Into<String>) -> NormalizeError {
        NormalizeError::InvalidField {
            event_id: self.event_id.to_string(),
            field: field.to_string(),
            reason: reason.into(),
        }
    }

    /// `value` as a required, non-empty string; errors report `name`.
    pub fn required<'d>(
        &self,
        value: Field<'d>,
        name: impl Fn() -> String,
    ) -> Result<&'d str, NormalizeError> {
        match value {
            Field::Absent | Field::Null => Err(self.missing(&name())),
            Field::Str("") => Err(self.invalid(&name(), "is empty")),
            Field::Str(s) => Ok(s),
            other => Err(self.invalid(
                &name(),
                format!("expected a string, found {}", other.described()),
            )),
        }
    }

    /// `value` as a required RFC 3339 time; errors report `name`.
    pub fn required_timestamp(
        &self,
        value: Field,
        name: impl Fn() -> String,
    ) -> Result<Timestamp, NormalizeError> {
        let text = self.required(value, &name)?;
        Timestamp::parse(text).map_err(|reason| self.invalid(&name(), reason))
    }
}

/// Member `name` of `value` (an object), as an optional non-empty string.
pub(super) fn opt_str<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    value
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The path of a member of `detail`, built only when an error names it.
pub(super) fn in_detail(field: &'static str) -> impl Fn() -> String {
    move || format!("detail.{field}")
}
