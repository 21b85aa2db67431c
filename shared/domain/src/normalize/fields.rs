//! Field access that turns absence or a wrong type into an error naming the event and the path.

use crate::json::Json;

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
    pub fn string<'d>(&self, value: Json<'d, '_>, path: &str) -> Result<&'d str, NormalizeError> {
        self.string_named(value, path, path)
    }

    /// Like [`Self::string`], but errors report `name` (the full path from the event root).
    pub fn string_named<'d>(
        &self,
        value: Json<'d, '_>,
        path: &str,
        name: &str,
    ) -> Result<&'d str, NormalizeError> {
        self.string_at(value, path, || name.to_string())
    }

    /// Like [`Self::string_named`], with the name built only for an error.
    pub fn string_at<'d>(
        &self,
        value: Json<'d, '_>,
        path: &str,
        name: impl Fn() -> String,
    ) -> Result<&'d str, NormalizeError> {
        match lookup(value, path) {
            None => Err(self.missing(&name())),
            Some(v) if v.is_null() => Err(self.missing(&name())),
            Some(v) => match v.as_str() {
                Some("") => Err(self.invalid(&name(), "is empty")),
                Some(s) => Ok(s),
                None => Err(self.invalid(
                    &name(),
                    format!("expected a string, found {}", v.kind().described()),
                )),
            },
        }
    }

    pub fn timestamp(
        &self,
        value: Json,
        path: &str,
        name: &str,
    ) -> Result<Timestamp, NormalizeError> {
        self.timestamp_at(value, path, || name.to_string())
    }

    /// Like [`Self::timestamp`], with the name built only for an error.
    pub fn timestamp_at(
        &self,
        value: Json,
        path: &str,
        name: impl Fn() -> String,
    ) -> Result<Timestamp, NormalizeError> {
        let text = self.string_at(value, path, &name)?;
        Timestamp::parse(text).map_err(|reason| self.invalid(&name(), reason))
    }
}

/// An optional non-empty string at `path`.
pub(super) fn opt_str<'d>(value: Json<'d, '_>, path: &str) -> Option<&'d str> {
    lookup(value, path)
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
}

/// The value at `path` (dot-separated member names) below `value`.
pub(super) fn lookup<'d, 'a>(value: Json<'d, 'a>, path: &str) -> Option<Json<'d, 'a>> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}
