//! The ports over `attest-aws` and the system clock: DynamoDB for run records, S3 for evidence,
//! STS for the caller identity.

use attest_aws::{AdapterError, Claim, EvidenceStore, RunStore, StoredEvidence};
use attest_domain::collection::RunRecord;
use attest_domain::timestamp::Timestamp;
use attest_domain::Evidence;

use crate::ports::{Clock, EvidenceWriter, RunRecords};
use crate::{CollectionError, Identity};

impl RunRecords for RunStore {
    async fn claim(&self, fresh: &RunRecord, now: &str) -> Result<Claim, AdapterError> {
        RunStore::claim(self, fresh, now).await
    }

    async fn finish(&self, record: &RunRecord) -> Result<(), AdapterError> {
        RunStore::finish(self, record).await
    }
}

impl EvidenceWriter for EvidenceStore {
    async fn put(&self, evidence: &Evidence) -> Result<StoredEvidence, AdapterError> {
        EvidenceStore::put(self, evidence).await
    }
}

/// The wall clock, in the millisecond RFC 3339 form run records use.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let text = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        Timestamp::parse(&text).unwrap_or_else(|_| unreachable!("chrono writes valid RFC 3339"))
    }
}

/// The STS caller identity: who the evidence says collected it.
pub async fn caller_identity(sdk: &aws_config::SdkConfig) -> Result<Identity, CollectionError> {
    let out = aws_sdk_sts::Client::new(sdk)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| AdapterError::from_sdk("sts:GetCallerIdentity", "caller", e))?;
    match (out.arn, out.account) {
        (Some(arn), Some(account)) => Ok(Identity { arn, account }),
        _ => Err(CollectionError::Identity(
            "sts:GetCallerIdentity returned no ARN or account".into(),
        )),
    }
}
