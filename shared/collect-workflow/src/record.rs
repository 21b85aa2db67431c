//! Step 4: the run's outcome on its record, conditional on this invocation still holding the
//! claim. COLLECTED is written only after the evidence is stored, with its key, version and hash;
//! FAILED keeps the error, and the next trigger re-claims the same record.

use attest_aws::AdapterError;
use attest_domain::collection::{RunRecord, RunStatus};
use tracing::{info, warn};

use crate::ports::RunRecords;
use crate::store::Stored;
use crate::{Identity, RunOutcome};

pub async fn collected<R: RunRecords>(
    runs: &R,
    mut record: RunRecord,
    stored: Stored,
    identity: &Identity,
) -> Result<RunOutcome, AdapterError> {
    record.status = RunStatus::Collected;
    record.collected_at = Some(stored.collected_at.to_string());
    record.collected_by = Some(identity.arn.clone());
    record.evidence_key = Some(stored.evidence.key);
    record.evidence_version_id = stored.version_id;
    record.evidence_sha256 = Some(stored.evidence.sha256);
    record.error = None;
    runs.finish(&record).await?;
    info!(control = %record.control, period = %record.sk, sha256 = record.evidence_sha256.as_deref(), "evidence collected");
    Ok(RunOutcome::Collected(record))
}

pub async fn failed<R: RunRecords>(
    runs: &R,
    mut record: RunRecord,
    error: String,
) -> Result<RunOutcome, AdapterError> {
    record.status = RunStatus::Failed;
    record.error = Some(error);
    runs.finish(&record).await?;
    warn!(control = %record.control, period = %record.sk, error = record.error.as_deref(), "collection failed");
    Ok(RunOutcome::Failed(record))
}
