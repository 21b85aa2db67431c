//! Field access that turns absence or a wrong type into an error naming the event and the path.

use sonic_rs::{JsonType, JsonValueTrait, Value};

use crate::error::NormalizeError;
use crate::timestamp::Timestamp;

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

    /// A required, non-empty string at `path` (dot-separated) below `value`.
    pub fn string<'v>(&self, value: &'v Value, path: &str) -> Result<&'v str, NormalizeError> {
        self.string_named(value, path, path)
    }

    /// Like [`Self::string`], but errors report `name` (the full path from the event root).
    pub fn string_named<'v>(
        &self,
        value: &'v Value,
        path: &str,
        name: &str,
    ) -> Result<&'v str, NormalizeError> {
        self.string_at(value, path, || name.to_string())
    }

    /// Like [`Self::string_named`], with the name built only for an error.
    pub fn string_at<'v>(
        &self,
        value: &'v Value,
        path: &str,
        name: impl Fn() -> String,
    ) -> Result<&'v str, NormalizeError> {
        match lookup(value, path) {
            None => Err(self.missing(&name())),
            Some(v) if v.is_null() => Err(self.missing(&name())),
            Some(v) => match v.as_str() {
                Some("") => Err(self.invalid(&name(), "is empty")),
                Some(s) => Ok(s),
                None => Err(self.invalid(&name(), format!("expected a string, found {}", kind(v)))),
            },
        }
    }

    pub fn timestamp(
        &self,
        value: &Value,
        path: &str,
        name: &str,
    ) -> Result<Timestamp, NormalizeError> {
        self.timestamp_at(value, path, || name.to_string())
    }

    /// Like [`Self::timestamp`], with the name built only for an error.
    pub fn timestamp_at(
        &self,
        value: &Value,
        path: &str,
        name: impl Fn() -> String,
    ) -> Result<Timestamp, NormalizeError> {
        let text = self.string_at(value, path, &name)?;
        Timestamp::parse(text).map_err(|reason| self.invalid(&name(), reason))
    }
}

/// An optional non-empty string at `path`.
pub(super) fn opt_str<'v>(value: &'v Value, path: &str) -> Option<&'v str> {
    lookup(value, path)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

pub(super) fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

pub(super) fn kind(v: &Value) -> &'static str {
    match v.get_type() {
        JsonType::Null => "null",
        JsonType::Boolean => "a boolean",
        JsonType::Number => "a number",
        JsonType::String => "a string",
        JsonType::Array => "an array",
        JsonType::Object => "an object",
    }
}
