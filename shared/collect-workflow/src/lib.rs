//! The collect use case: a (control, period) is collected exactly once, and its run record is the
//! chain of custody of the evidence.
//!
//! Its steps, one file each:
//! 1. [`claim`]: claim the run record; a duplicate or concurrent trigger finds the run collected or
//!    in progress and does nothing;
//! 2. [`collect`]: call the control's collector through its source's rate limiter, retrying
//!    retryable failures (throttling, 5xx, network) with exponential backoff and jitter, a bounded
//!    number of times;
//! 3. [`store`]: write the canonical evidence document to the evidence store;
//! 4. [`record`]: mark the run COLLECTED with the evidence's key, version and hash, or FAILED with
//!    the error, which the next trigger retries on the same record.
//!
//! What it needs from outside is small [`ports`]: run records, an evidence store, a clock, and the
//! [`Collector`] plugins (`attest-collectors`) in a [`Registry`]. [`adapters`] implements the first
//! three with `attest-aws`. The clock is read only for the claim's lease and for `collected_at`
//! (when collection really happened); the period always comes from the request
//! (`attest_domain::collection::requested_period`).

pub mod adapters;
pub mod claim;
pub mod collect;
pub mod ports;
pub mod rate_limit;
pub mod record;
pub mod registry;
pub mod store;

#[cfg(test)]
mod tests;

use std::time::Duration;

use attest_aws::{AdapterError, Claim};
use attest_domain::canonical::CanonicalError;
use attest_domain::catalogue::CatalogueError;
use attest_domain::collection::{ControlCatalogue, Period, RunRecord};
use futures::stream::{self, StreamExt};

pub use ports::{Clock, CollectFuture, CollectRequest, Collector, EvidenceWriter, RunRecords};
pub use rate_limit::{RateLimiter, Source};
pub use registry::Registry;

/// Who collects: the caller identity, recorded on every run and in every evidence document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub arn: String,
    pub account: String,
}

/// Retry and concurrency settings (the collect function's configuration sets them).
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

/// Why a run could not even be attempted or recorded. (A collection that fails is not an error:
/// it is recorded as [`RunOutcome::Failed`].)
#[derive(Debug, thiserror::Error)]
pub enum CollectionError {
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
    Catalogue(#[from] CatalogueError),
}

impl CollectionError {
    /// Whether running the same request again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, CollectionError::Store(e) if e.is_retryable())
    }
}

/// Everything collection needs, built once per cold start.
pub struct Collection<R, E, C> {
    pub catalogue: ControlCatalogue,
    pub registry: Registry,
    pub runs: R,
    pub evidence: E,
    pub clock: C,
    pub identity: Identity,
    pub policy: Policy,
}

impl<R: RunRecords, E: EvidenceWriter, C: Clock> Collection<R, E, C> {
    /// Run one control for one period.
    pub async fn run(
        &self,
        control: &str,
        period: &Period,
        invocation: &str,
    ) -> Result<RunOutcome, CollectionError> {
        let entry = self
            .catalogue
            .get(control)
            .ok_or_else(|| CollectionError::UnknownControl(control.to_string()))?;
        let (collector, limiter) =
            self.registry.get(&entry.control.collector).ok_or_else(|| {
                CollectionError::NoCollector {
                    control: control.to_string(),
                    collector: entry.control.collector.clone(),
                }
            })?;
        let claimed_at = self.clock.now();
        let fresh = claim::fresh_record(claim::Claimant {
            control: &entry.control,
            collector: collector.as_ref(),
            period,
            invocation,
            catalogue_version: self.catalogue.version(),
            claimed_at: &claimed_at,
            lease: self.policy.lease,
        });
        let record = match self.runs.claim(&fresh, claimed_at.as_str()).await? {
            Claim::Won(record) => record,
            Claim::AlreadyCollected(record) => return Ok(RunOutcome::AlreadyCollected(record)),
            Claim::InProgress(record) => return Ok(RunOutcome::InProgress(record)),
        };

        let request = CollectRequest {
            period,
            parameters: &entry.control.parameters,
            limiter,
        };
        Ok(
            match collect::collect(collector.as_ref(), request, &self.policy).await {
                Ok(payload) => {
                    let collected_at = self.clock.now();
                    let evidence = store::Document {
                        control: &entry.control,
                        period,
                        collector: collector.as_ref(),
                        identity: &self.identity,
                        collected_at: &collected_at,
                        payload: &payload,
                    }
                    .evidence()?;
                    match store::store(&self.evidence, evidence, collected_at).await {
                        Ok(stored) => {
                            record::collected(&self.runs, record, stored, &self.identity).await?
                        }
                        Err(e) => {
                            let error = format!("storing evidence: {e}");
                            record::failed(&self.runs, record, error).await?
                        }
                    }
                }
                Err(e) => record::failed(&self.runs, record, e.to_string()).await?,
            },
        )
    }

    /// Run several (control, period) pairs, at most `policy.concurrency` at once; results in input order.
    pub async fn run_batch(
        &self,
        requests: &[(String, Period)],
        invocation: &str,
    ) -> Vec<(String, Result<RunOutcome, CollectionError>)> {
        let mut results: Vec<(usize, String, Result<RunOutcome, CollectionError>)> =
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
