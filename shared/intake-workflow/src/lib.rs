//! The intake use case: an EventBridge event (AWS Config, Security Hub, CloudTrail) becomes
//! findings, each stored as canonical evidence, a history entry and (if newest) the current state.
//!
//! Its steps, one file each:
//! 1. [`ingest`]: normalise the event (`attest_domain::normalize_event` decides what it means),
//!    check what may be stored as evidence (`attest_domain::Admission`: the Security Hub product,
//!    no observation after its event's time by more than the allowed skew) and store its findings,
//!    a bounded number at once;
//! 2. [`store_finding`]: evidence first, then history, then current state, so a row never points at
//!    evidence that is not stored, and a retry after a failure at any step redoes only what is
//!    missing.
//!
//! What it needs from outside is two small [`ports`]; [`adapters`] implements them with the S3 and
//! DynamoDB adapters of `attest-aws`. The Lambda handler (`functions/intake`) turns an SQS batch into
//! calls of [`Intake::ingest`] and reports each failed message in `batchItemFailures`.

pub mod adapters;
pub mod ingest;
pub mod ports;
pub mod store_finding;

#[cfg(test)]
mod tests;

use attest_aws::AdapterError;
use attest_domain::{Admission, AdmissionError, Catalogue, NormalizeError};

pub use attest_aws::{HistoryOutcome, StateOutcome};
pub use ports::{EvidenceSink, StateSink};

/// Everything intake needs, built once per cold start.
pub struct Intake<E, S> {
    pub catalogue: Catalogue,
    /// What is accepted as evidence: Security Hub products, future skew.
    pub admission: Admission,
    pub evidence: E,
    pub state: S,
    /// How many findings of one event are stored at once.
    pub concurrency: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Invalid(#[from] NormalizeError),
    /// Read, but not accepted as evidence (an unlisted Security Hub product, an observation dated
    /// after its event); nothing of the event is stored.
    #[error(transparent)]
    Refused(#[from] AdmissionError),
    #[error("event {event_id}: {source}")]
    Store {
        event_id: String,
        source: AdapterError,
    },
    #[error("SQS message {message_id} has no body")]
    EmptyMessage { message_id: String },
    /// Some records of a batch did not normalise: their neighbours were stored, and the event
    /// still fails so that it reaches the dead-letter queue (and its alarm) with these errors
    /// logged; its redelivery finds the stored ones stored and adds nothing.
    #[error("event {event_id}: {stored} finding(s) stored, {} record(s) refused: {}", refused.len(), attest_domain::normalize::describe_refused(refused))]
    RecordsRefused {
        event_id: String,
        stored: usize,
        refused: Vec<NormalizeError>,
    },
}

impl IntakeError {
    /// Bad input fails the same way every time; it still goes back to SQS (and so to the DLQ), but
    /// the log says a retry will not help.
    pub fn is_retryable(&self) -> bool {
        match self {
            IntakeError::Store { source, .. } => source.is_retryable(),
            IntakeError::Refused(e) => e.is_retryable(),
            IntakeError::Invalid(_)
            | IntakeError::EmptyMessage { .. }
            | IntakeError::RecordsRefused { .. } => false,
        }
    }
}

/// What one event did, for logs, the demo and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EventOutcome {
    pub event_id: String,
    pub findings: usize,
    pub unmapped: usize,
    pub evidence_written: usize,
    pub history_recorded: usize,
    pub state_updated: usize,
    pub state_stale: usize,
}
