use thiserror::Error;

use crate::ijson::ReadError;

/// Why an event could not be turned into findings. Every variant names the event (when its id could be
/// read at all) and the field that was wrong, so an operator reading a DLQ message knows what to fix.
/// None of these is retryable: the same bytes will fail the same way.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum NormalizeError {
    #[error("event is not valid JSON: {reason}")]
    NotJson { reason: String },

    /// JSON that no evidence is made from: larger than an EventBridge event, nested too deeply, or
    /// repeating a member name (the error names the member and where it is).
    #[error("event refused: {0}")]
    Refused(ReadError),

    #[error("event {event_id}: missing required field `{field}`")]
    MissingField { event_id: String, field: String },

    #[error("event {event_id}: field `{field}` is invalid: {reason}")]
    InvalidField {
        event_id: String,
        field: String,
        reason: String,
    },

    #[error(
        "event {event_id}: unsupported source `{source_name}` with detail-type `{detail_type}`"
    )]
    UnsupportedSource {
        event_id: String,
        source_name: String,
        detail_type: String,
    },
}

impl NormalizeError {
    /// The EventBridge event id the error is about, or `None` when the bytes were not read.
    pub fn event_id(&self) -> Option<&str> {
        match self {
            NormalizeError::NotJson { .. } | NormalizeError::Refused(_) => None,
            NormalizeError::MissingField { event_id, .. }
            | NormalizeError::InvalidField { event_id, .. }
            | NormalizeError::UnsupportedSource { event_id, .. } => Some(event_id),
        }
    }
}

impl From<ReadError> for NormalizeError {
    fn from(error: ReadError) -> Self {
        match error {
            ReadError::Syntax(reason) => NormalizeError::NotJson { reason },
            refused => NormalizeError::Refused(refused),
        }
    }
}
