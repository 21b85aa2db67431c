//! Step 3: the canonical evidence document (`attest_domain::collection::evidence`) written to the
//! evidence store under its content-addressed key.

use attest_aws::AdapterError;
use attest_domain::canonical::CanonicalError;
use attest_domain::collection::evidence::CollectedEvidence;
use attest_domain::collection::{CollectionControl, Period};
use attest_domain::timestamp::Timestamp;
use attest_domain::Evidence;

use crate::ports::{Collector, EvidenceWriter};
use crate::Identity;

/// What goes into one collected evidence document.
pub struct Document<'a> {
    pub control: &'a CollectionControl,
    pub period: &'a Period,
    pub collector: &'a dyn Collector,
    pub identity: &'a Identity,
    pub collected_at: &'a Timestamp,
    pub payload: &'a serde_json::Value,
}

impl Document<'_> {
    pub fn evidence(&self) -> Result<Evidence, CanonicalError> {
        CollectedEvidence {
            control: self.control,
            period: self.period,
            collector_version: self.collector.version(),
            collected_at: self.collected_at.as_str(),
            collected_by: &self.identity.arn,
            account: &self.identity.account,
            payload: self.payload,
        }
        .build()
    }
}

/// Evidence as stored: what the run record points at.
pub struct Stored {
    pub evidence: Evidence,
    pub version_id: Option<String>,
    pub collected_at: Timestamp,
}

pub async fn store<E: EvidenceWriter>(
    store: &E,
    evidence: Evidence,
    collected_at: Timestamp,
) -> Result<Stored, AdapterError> {
    let written = store.put(&evidence).await?;
    Ok(Stored {
        evidence,
        version_id: written.version_id,
        collected_at,
    })
}
