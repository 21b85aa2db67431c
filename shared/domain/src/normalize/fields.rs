//! Field access that turns absence or a wrong type into an error naming the event and the field.

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

    /// `value` (a member already looked up) as a required, non-empty string; errors report `name`.
    pub fn required<'d>(
        &self,
        value: Option<Json<'d, '_>>,
        name: impl Fn() -> String,
    ) -> Result<&'d str, NormalizeError> {
        match value {
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

    /// `value` (a member already looked up) as a required RFC 3339 time; errors report `name`.
    pub fn required_timestamp(
        &self,
        value: Option<Json>,
        name: impl Fn() -> String,
    ) -> Result<Timestamp, NormalizeError> {
        let text = self.required(value, &name)?;
        Timestamp::parse(text).map_err(|reason| self.invalid(&name(), reason))
    }
}

/// The members called `names` of `object`, found in one pass over it (the first, should a name
/// repeat); `None` for each one it lacks, or for all when `object` is not an object.
pub(super) fn members_named<'d, 'a, const N: usize>(
    object: Json<'d, 'a>,
    names: [&str; N],
) -> [Option<Json<'d, 'a>>; N] {
    let mut found = [None; N];
    if let Some(members) = object.members() {
        for (name, value) in members {
            if let Some(i) = names.iter().position(|n| *n == name) {
                found[i].get_or_insert(value);
            }
        }
    }
    found
}

/// `value` (a member already looked up) as an optional non-empty string.
pub(super) fn non_empty<'d>(value: Option<Json<'d, '_>>) -> Option<&'d str> {
    value.and_then(|v| v.as_str()).filter(|s| !s.is_empty())
}

/// Member `name` of `value`, as an optional non-empty string.
pub(super) fn opt_str<'d>(value: Json<'d, '_>, name: &str) -> Option<&'d str> {
    non_empty(value.get(name))
}
