//! The collection engine: runs a (control, period) exactly once and records its chain of custody.
//!
//! 1. Claim the run record (see `attest_aws::RunStore`): a duplicate or concurrent trigger finds the
//!    run collected or in progress and does nothing.
//! 2. Collect, retrying retryable failures (throttling, 5xx, network) with exponential backoff and
//!    jitter, a bounded number of times.
//! 3. Store the canonical evidence in S3 and mark the run COLLECTED with its key, version and hash;
//!    or mark it FAILED with the error, which the next trigger retries on the same record.
//!
//! The wall clock is read only for the claim's lease and for `collected_at` (when collection really
//! happened); the period always comes from the schedule and the scheduled time.

use std::time::Duration;

use attest_aws::{AdapterError, Claim, EvidenceStore, RunStore};
use attest_domain::canonical::CanonicalError;
use attest_domain::collection::evidence::CollectedEvidence;
use attest_domain::collection::run::{run_pk, run_sk};
use attest_domain::collection::{ControlCatalogue, Period, RunRecord, RunStatus};
use attest_domain::timestamp::Timestamp;
use backon::{ExponentialBuilder, Retryable};
use futures::stream::{self, StreamExt};
use tracing::{info, warn};

use crate::registry::Registry;
use crate::{CollectError, CollectRequest};

/// Who collects: the STS caller identity, recorded on every run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub arn: String,
    pub account: String,
}

impl Identity {
    pub async fn from_sts(sdk: &aws_config::SdkConfig) -> Result<Self, EngineError> {
        let out = aws_sdk_sts::Client::new(sdk)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| {
                EngineError::Store(AdapterError::from_sdk("sts:GetCallerIdentity", "caller", e))
            })?;
        match (out.arn, out.account) {
            (Some(arn), Some(account)) => Ok(Identity { arn, account }),
            _ => Err(EngineError::Identity(
                "sts:GetCallerIdentity returned no ARN or account".into(),
            )),
        }
    }
}

/// Retry and concurrency settings (see `CollectConfig` for their environment variables).
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Tries per run, the first included.
    pub attempts: usize,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// How long a claim holds before another trigger may take the run over.
    pub lease: Duration,
    /// Runs in flight at once in a batch.
    pub concurrency: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            lease: Duration::from_secs(900),
            concurrency: 4,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    Collected(RunRecord),
    /// A duplicate trigger: the run was already collected; nothing was done.
    AlreadyCollected(RunRecord),
    /// Another invocation holds the run now; nothing was done.
    InProgress(RunRecord),
    /// Every try failed; the record says why, and the next trigger retries it.
    Failed(RunRecord),
}

impl RunOutcome {
    pub fn record(&self) -> &RunRecord {
        match self {
            RunOutcome::Collected(r)
            | RunOutcome::AlreadyCollected(r)
            | RunOutcome::InProgress(r)
            | RunOutcome::Failed(r) => r,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            RunOutcome::Collected(_) => "collected",
            RunOutcome::AlreadyCollected(_) => "already_collected",
            RunOutcome::InProgress(_) => "in_progress",
            RunOutcome::Failed(_) => "failed",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("unknown control `{0}` (not in catalogue/controls.json)")]
    UnknownControl(String),
    #[error("control `{control}` names collector `{collector}`, which is not registered")]
    NoCollector { control: String, collector: String },
    #[error(transparent)]
    Store(#[from] AdapterError),
    #[error("evidence could not be canonicalised: {0}")]
    Evidence(#[from] CanonicalError),
    #[error("{0}")]
    Identity(String),
    #[error(transparent)]
    Catalogue(#[from] attest_domain::catalogue::CatalogueError),
}

impl EngineError {
    /// Whether running the same request again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, EngineError::Store(e) if e.is_retryable())
    }
}

pub struct Collection {
    pub catalogue: ControlCatalogue,
    pub registry: Registry,
    pub runs: RunStore,
    pub evidence: EvidenceStore,
    pub identity: Identity,
    pub policy: Policy,
}

fn now() -> Timestamp {
    let text = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    Timestamp::parse(&text).unwrap_or_else(|_| unreachable!("chrono writes valid RFC 3339"))
}

fn later(t: &Timestamp, by: Duration) -> String {
    chrono::DateTime::parse_from_rfc3339(t.as_str())
        .map(|d| {
            (d + by)
                .to_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        })
        .unwrap_or_else(|_| t.to_string())
}

impl Collection {
    /// Run one control for one period.
    pub async fn run(
        &self,
        control: &str,
        period: &Period,
        invocation: &str,
    ) -> Result<RunOutcome, EngineError> {
        let entry = self
            .catalogue
            .get(control)
            .ok_or_else(|| EngineError::UnknownControl(control.to_string()))?;
        let (collector, limiter) =
            self.registry.get(&entry.control.collector).ok_or_else(|| {
                EngineError::NoCollector {
                    control: control.to_string(),
                    collector: entry.control.collector.clone(),
                }
            })?;
        let claimed_at = now();
        let fresh = RunRecord {
            pk: run_pk(control),
            sk: run_sk(period),
            control: control.to_string(),
            framework: entry.control.framework.clone(),
            control_id: entry.control.control_id.clone(),
            period_start: period.start.to_string(),
            period_end: period.end.to_string(),
            collector: collector.id().to_string(),
            collector_version: collector.version().to_string(),
            status: RunStatus::Pending,
            status_sort: format!("{}#{control}", period.end),
            attempts: 1,
            claimed_by: invocation.to_string(),
            lease_until: later(&claimed_at, self.policy.lease),
            catalogue_version: self.catalogue.version().to_string(),
            collected_at: None,
            collected_by: None,
            evidence_key: None,
            evidence_version_id: None,
            evidence_sha256: None,
            error: None,
        };
        let mut record = match self.runs.claim(&fresh, claimed_at.as_str()).await? {
            Claim::Won(record) => record,
            Claim::AlreadyCollected(record) => return Ok(RunOutcome::AlreadyCollected(record)),
            Claim::InProgress(record) => return Ok(RunOutcome::InProgress(record)),
        };

        let request = CollectRequest {
            period,
            parameters: &entry.control.parameters,
            limiter,
        };
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.policy.base_delay)
            .with_max_delay(self.policy.max_delay)
            .with_max_times(self.policy.attempts.saturating_sub(1))
            .with_jitter();
        let collected = (|| collector.collect(request))
            .retry(backoff)
            .sleep(tokio::time::sleep)
            .when(|e: &CollectError| e.retryable)
            .notify(|e: &CollectError, wait: Duration| warn!(control, error = %e, ?wait, "collection failed; retrying"))
            .await;

        let stored = match collected {
            Ok(payload) => {
                let collected_at = now();
                let evidence = CollectedEvidence {
                    control: &entry.control,
                    period,
                    collector_version: collector.version(),
                    collected_at: collected_at.as_str(),
                    collected_by: &self.identity.arn,
                    account: &self.identity.account,
                    payload: &payload,
                }
                .build()?;
                match self.evidence.put(&evidence).await {
                    Ok(s) => Ok((evidence, s, collected_at)),
                    Err(e) => Err(format!("storing evidence: {e}")),
                }
            }
            Err(e) => Err(e.to_string()),
        };
        match stored {
            Ok((evidence, s3, collected_at)) => {
                record.status = RunStatus::Collected;
                record.collected_at = Some(collected_at.to_string());
                record.collected_by = Some(self.identity.arn.clone());
                record.evidence_key = Some(evidence.key);
                record.evidence_version_id = s3.version_id;
                record.evidence_sha256 = Some(evidence.sha256);
                record.error = None;
                self.runs.finish(&record).await?;
                info!(control, period = %period, sha256 = record.evidence_sha256.as_deref(), "evidence collected");
                Ok(RunOutcome::Collected(record))
            }
            Err(error) => {
                record.status = RunStatus::Failed;
                record.error = Some(error);
                self.runs.finish(&record).await?;
                warn!(control, period = %period, error = record.error.as_deref(), "collection failed");
                Ok(RunOutcome::Failed(record))
            }
        }
    }

    /// Run several (control, period) pairs, at most `policy.concurrency` at once; results in input order.
    pub async fn run_batch(
        &self,
        requests: &[(String, Period)],
        invocation: &str,
    ) -> Vec<(String, Result<RunOutcome, EngineError>)> {
        let mut results: Vec<(usize, String, Result<RunOutcome, EngineError>)> =
            stream::iter(requests.iter().enumerate())
                .map(|(i, (control, period))| async move {
                    (
                        i,
                        control.clone(),
                        self.run(control, period, invocation).await,
                    )
                })
                .buffer_unordered(self.policy.concurrency.max(1))
                .collect()
                .await;
        results.sort_by_key(|(i, _, _)| *i);
        results.into_iter().map(|(_, c, r)| (c, r)).collect()
    }
}
