//! What collection needs from outside: run records, an evidence store, a clock, and the collector
//! plugins. The AWS implementations of the first three are in [`crate::adapters`]; the plugins are
//! in `attest-collectors`; the unit tests use in-process ones.

use std::future::Future;
use std::pin::Pin;

use attest_aws::{AdapterError, Claim, StoredEvidence};
use attest_domain::collection::{Period, RunRecord};
use attest_domain::timestamp::Timestamp;
use attest_domain::Evidence;

use crate::rate_limit::{RateLimiter, Source};

/// The runs table: one record per (control, period), claimed by one invocation at a time.
pub trait RunRecords: Send + Sync {
    /// Claim the run `fresh` describes (PENDING, attempts 1) at `now`: won, already collected,
    /// or held by a live claim of another invocation. A FAILED run, or one whose lease ended
    /// before `now`, is taken over on the same record with the attempt count raised; so is a
    /// PENDING run this same invocation holds (Lambda's retry of a crashed invocation).
    fn claim(
        &self,
        fresh: &RunRecord,
        now: &str,
    ) -> impl Future<Output = Result<Claim, AdapterError>> + Send;

    /// Record the outcome (COLLECTED or FAILED) of a run this invocation holds; an error if it no
    /// longer holds it.
    fn finish(&self, record: &RunRecord) -> impl Future<Output = Result<(), AdapterError>> + Send;
}

/// The evidence bucket.
pub trait EvidenceWriter: Send + Sync {
    /// Store `evidence` under its content-addressed key (once; a retry finds the same bytes).
    fn put(
        &self,
        evidence: &Evidence,
    ) -> impl Future<Output = Result<StoredEvidence, AdapterError>> + Send;
}

/// When things happen: read only for a claim's lease and for `collected_at`.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// What a collector is asked for.
#[derive(Clone, Copy)]
pub struct CollectRequest<'a> {
    pub period: &'a Period,
    /// The catalogue row's `parameters` (already checked by [`Collector::check_parameters`]).
    pub parameters: &'a serde_json::Value,
    /// The limiter of the collector's source: call `acquire().await` before every API call.
    pub limiter: &'a RateLimiter,
}

pub type CollectFuture<'a> =
    Pin<Box<dyn Future<Output = Result<serde_json::Value, AdapterError>> + Send + 'a>>;

/// A collector plugin: snapshots one kind of evidence as a JSON payload. Payloads are sorted so the
/// same AWS state always gives the same bytes. A failure's [`AdapterError::kind`] decides whether
/// the workflow tries again.
pub trait Collector: Send + Sync {
    fn id(&self) -> &'static str;
    /// Recorded with every run; bump it when the payload's shape changes.
    fn version(&self) -> &'static str;
    fn source(&self) -> Source;
    /// Check a catalogue row's parameters when the catalogue is loaded.
    fn check_parameters(&self, parameters: &serde_json::Value) -> Result<(), String>;
    fn collect<'a>(&'a self, request: CollectRequest<'a>) -> CollectFuture<'a>;
}

/// One implementation can serve as several ports (the unit tests' in-process store does).
impl<T: RunRecords> RunRecords for &T {
    fn claim(
        &self,
        fresh: &RunRecord,
        now: &str,
    ) -> impl Future<Output = Result<Claim, AdapterError>> + Send {
        (**self).claim(fresh, now)
    }

    fn finish(&self, record: &RunRecord) -> impl Future<Output = Result<(), AdapterError>> + Send {
        (**self).finish(record)
    }
}

impl<T: EvidenceWriter> EvidenceWriter for &T {
    fn put(
        &self,
        evidence: &Evidence,
    ) -> impl Future<Output = Result<StoredEvidence, AdapterError>> + Send {
        (**self).put(evidence)
    }
}

impl<T: Clock> Clock for &T {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}
