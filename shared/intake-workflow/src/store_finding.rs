//! Step 2: one finding, stored evidence first, then history, then current state.

use attest_aws::AdapterError;
use attest_domain::normalize::NormalizedFinding;
use attest_domain::records::FindingItems;

use crate::ports::{EvidenceSink, StateSink};
use crate::{HistoryOutcome, Intake, StateOutcome};

/// What storing one finding did.
pub(crate) struct FindingOutcome {
    pub mapped: bool,
    pub evidence_written: bool,
    pub history: HistoryOutcome,
    pub state: StateOutcome,
}

impl<E: EvidenceSink, S: StateSink> Intake<E, S> {
    /// In this order so that a history or state row never names evidence that is not stored, and a
    /// current state always has its history entry; a retry after a failure at any step redoes only
    /// what is missing (each step is idempotent).
    pub(crate) async fn store_finding(
        &self,
        item: &NormalizedFinding,
    ) -> Result<FindingOutcome, AdapterError> {
        let evidence_written = self.evidence.put(&item.evidence).await?;
        let items = FindingItems::new(&item.finding, &item.evidence, self.catalogue.version());
        let history = self.state.record_history(&items).await?;
        let state = self.state.apply_current(&items).await?;
        Ok(FindingOutcome {
            mapped: item.finding.is_mapped(),
            evidence_written,
            history,
            state,
        })
    }
}
