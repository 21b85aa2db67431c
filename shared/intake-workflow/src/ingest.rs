//! Step 1: normalise one event, check it may be stored as evidence, and store each of its findings.

use futures::stream::{self, TryStreamExt};
use tracing::field;

use crate::ports::{EvidenceSink, StateSink};
use crate::store_finding::FindingOutcome;
use crate::{EventOutcome, HistoryOutcome, Intake, IntakeError, StateOutcome};

impl<E: EvidenceSink, S: StateSink> Intake<E, S> {
    /// Normalise one EventBridge event (its raw bytes, as an SQS message body carries them) and
    /// store every finding in it. Any failure fails the whole event, so it is redelivered; what
    /// was already stored is found stored again and not duplicated. A malformed record of a
    /// Security Hub batch does not hold back its neighbours: they are stored first, then the
    /// event fails naming the record ([`IntakeError::RecordsRefused`]).
    pub async fn ingest(&self, bytes: &[u8]) -> Result<EventOutcome, IntakeError> {
        let normalized = attest_domain::normalize_event(bytes, &self.catalogue)?;
        let event_id = normalized.envelope.id.clone();
        tracing::Span::current().record("event_id", field::display(&event_id));
        // Before anything is stored: a refused finding fails the whole event (see `Admission::check`).
        self.admission.check(&normalized)?;

        let per_finding: Vec<FindingOutcome> = stream::iter(normalized.findings.iter().map(Ok))
            .map_ok(|item| self.store_finding(item))
            .try_buffer_unordered(self.concurrency.max(1))
            .try_collect()
            .await
            .map_err(|source| IntakeError::Store {
                event_id: event_id.clone(),
                source,
            })?;

        let mut outcome = EventOutcome {
            event_id,
            findings: per_finding.len(),
            ..Default::default()
        };
        for f in per_finding {
            outcome.unmapped += usize::from(!f.mapped);
            outcome.evidence_written += usize::from(f.evidence_written);
            outcome.history_recorded += usize::from(f.history == HistoryOutcome::Recorded);
            outcome.state_updated += usize::from(f.state == StateOutcome::Updated);
            outcome.state_stale += usize::from(f.state == StateOutcome::Stale);
        }
        if !normalized.refused.is_empty() {
            return Err(IntakeError::RecordsRefused {
                event_id: outcome.event_id,
                stored: outcome.findings,
                refused: normalized.refused,
            });
        }
        Ok(outcome)
    }
}
