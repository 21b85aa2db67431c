use thiserror::Error;

/// Why an event could not be turned into findings. Every variant names the event (when its id could be
/// read at all) and the field that was wrong, so an operator reading a DLQ message knows what to fix.
/// None of these is retryable: the same bytes will fail the same way.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum NormalizeError {
    #[error("event is not valid JSON: {reason}")]
    NotJson { reason: String },

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
    /// The EventBridge event id the error is about, or `None` when the bytes were not JSON.
    pub fn event_id(&self) -> Option<&str> {
        match self {
            NormalizeError::NotJson { .. } => None,
            NormalizeError::MissingField { event_id, .. }
            | NormalizeError::InvalidField { event_id, .. }
            | NormalizeError::UnsupportedSource { event_id, .. } => Some(event_id),
        }
    }
}
