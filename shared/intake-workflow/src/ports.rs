//! What intake needs from outside: somewhere to keep evidence and somewhere to keep state. The
//! AWS implementations are in [`crate::adapters`]; the unit tests use in-process ones.

use std::future::Future;

use attest_aws::{AdapterError, HistoryOutcome, StateOutcome};
use attest_domain::records::FindingItems;
use attest_domain::Evidence;

/// The evidence bucket.
pub trait EvidenceSink: Send + Sync {
    /// Store `evidence` under its content-addressed key unless it is already there; `true` when
    /// this call wrote it.
    fn put(&self, evidence: &Evidence) -> impl Future<Output = Result<bool, AdapterError>> + Send;
}

/// The history and current-state tables.
pub trait StateSink: Send + Sync {
    /// Append the finding's history entry; idempotent.
    fn record_history(
        &self,
        items: &FindingItems<'_>,
    ) -> impl Future<Output = Result<HistoryOutcome, AdapterError>> + Send;

    /// Make the finding the current state unless an equal or newer evaluation already is.
    fn apply_current(
        &self,
        items: &FindingItems<'_>,
    ) -> impl Future<Output = Result<StateOutcome, AdapterError>> + Send;
}

/// One implementation can serve as both ports (the unit tests' in-process store does).
impl<T: EvidenceSink> EvidenceSink for &T {
    fn put(&self, evidence: &Evidence) -> impl Future<Output = Result<bool, AdapterError>> + Send {
        (**self).put(evidence)
    }
}

impl<T: StateSink> StateSink for &T {
    fn record_history(
        &self,
        items: &FindingItems<'_>,
    ) -> impl Future<Output = Result<HistoryOutcome, AdapterError>> + Send {
        (**self).record_history(items)
    }

    fn apply_current(
        &self,
        items: &FindingItems<'_>,
    ) -> impl Future<Output = Result<StateOutcome, AdapterError>> + Send {
        (**self).apply_current(items)
    }
}
