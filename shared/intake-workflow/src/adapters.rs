//! The ports over the `attest-aws` adapters: S3 for evidence, DynamoDB for history and state.

use attest_aws::{AdapterError, EvidenceStore, HistoryOutcome, StateOutcome, StateStore};
use attest_domain::records::FindingItems;
use attest_domain::Evidence;

use crate::ports::{EvidenceSink, StateSink};

impl EvidenceSink for EvidenceStore {
    async fn put(&self, evidence: &Evidence) -> Result<bool, AdapterError> {
        Ok(EvidenceStore::put(self, evidence).await?.newly_written)
    }
}

impl StateSink for StateStore {
    async fn record_history(
        &self,
        items: &FindingItems<'_>,
    ) -> Result<HistoryOutcome, AdapterError> {
        StateStore::record_history(self, items).await
    }

    async fn apply_current(&self, items: &FindingItems<'_>) -> Result<StateOutcome, AdapterError> {
        StateStore::apply_current(self, items).await
    }
}
