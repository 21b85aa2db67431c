//! The alert use case: a record of the state table's stream (old and new image of one
//! current-state row) becomes at most one transition, which is recorded once and published once to
//! the alerts topic.
//!
//! Its steps, one file each:
//! 1. [`read_change`]: decode both images and ask `attest_alerts::Transition::between` whether the
//!    state entered or left `NON_COMPLIANT` (anything else sends nothing);
//! 2. [`publish_transition`]: claim the transition's id in the transitions table (a conditional
//!    put: an id already recorded as sent publishes nothing), publish the SNS message
//!    (`attest_alerts::sns_message`), then record it as sent.
//!
//! What it needs from outside is two small [`ports`]; [`adapters`] implements them with
//! `attest_aws::{TransitionStore, Topic}`. The Lambda handler (`functions/alert`) feeds it a
//! stream batch in order and reports the first failed record in `batchItemFailures`.

pub mod adapters;
pub mod ports;
pub mod publish_transition;
pub mod read_change;

#[cfg(test)]
mod tests;

use attest_alerts::TransitionError;
use attest_aws::AdapterError;

pub use ports::{Publisher, TransitionLedger};
pub use read_change::StateImages;

/// Everything the alert function needs, built once per cold start.
pub struct Alert<L, P> {
    pub ledger: L,
    pub publisher: P,
}

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// An image is not a current-state row Attest wrote.
    #[error("stream record {record}: image is not a current-state row: {message}")]
    Image { record: String, message: String },
    #[error("stream record {record}: {source}")]
    Transition {
        record: String,
        source: TransitionError,
    },
    #[error("transition {transition_id}: {source}")]
    Store {
        transition_id: String,
        source: AdapterError,
    },
}

impl AlertError {
    /// Malformed records fail the same way every time; after the event source mapping's retries
    /// they go to its on-failure destination, and the shard moves on.
    pub fn is_retryable(&self) -> bool {
        match self {
            AlertError::Store { source, .. } => source.is_retryable(),
            AlertError::Image { .. } => false,
            AlertError::Transition { source, .. } => source.is_retryable(),
        }
    }
}

/// What one record did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RecordOutcome {
    /// No change of standing that alerts (unchanged, redelivered, first seen passing, removed).
    NoTransition,
    /// Published now.
    Published {
        transition_id: String,
        change: String,
        message_id: String,
    },
    /// Its id was already recorded as sent: nothing published.
    AlreadySent { transition_id: String },
}
