//! Scheduled evidence collection: collector plugins behind one small trait, registered by id; per-source
//! rate limits; retries with exponential backoff and jitter; and the engine that runs each
//! (control, period) exactly once and records its chain of custody.

pub mod collectors;
pub mod config;
pub mod engine;
pub mod rate_limit;
pub mod registry;

use std::future::Future;
use std::pin::Pin;

use attest_aws::AdapterError;
use attest_domain::collection::Period;

pub use engine::{Collection, EngineError, Identity, Policy, RunOutcome};
pub use rate_limit::{RateLimiter, Source};
pub use registry::Registry;

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
    Pin<Box<dyn Future<Output = Result<serde_json::Value, CollectError>> + Send + 'a>>;

/// A collector plugin: snapshots one kind of evidence as a JSON payload. Payloads are sorted so the
/// same AWS state always gives the same bytes.
pub trait Collector: Send + Sync {
    fn id(&self) -> &'static str;
    /// Recorded with every run; bump it when the payload's shape changes.
    fn version(&self) -> &'static str;
    fn source(&self) -> Source;
    /// Check a catalogue row's parameters when the catalogue is loaded.
    fn check_parameters(&self, parameters: &serde_json::Value) -> Result<(), String>;
    fn collect<'a>(&'a self, request: CollectRequest<'a>) -> CollectFuture<'a>;
}

/// A failed collection: retryable ones (network, 5xx, throttling) are retried with backoff and never
/// recorded as evidence; the last failure is recorded on the run as FAILED.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{operation} failed ({}): {message}", if *.throttled { "throttled" } else if *.retryable { "retryable" } else { "not retryable" })]
pub struct CollectError {
    pub operation: String,
    pub message: String,
    pub retryable: bool,
    pub throttled: bool,
}

impl CollectError {
    pub fn permanent(operation: impl Into<String>, message: impl Into<String>) -> Self {
        CollectError {
            operation: operation.into(),
            message: message.into(),
            retryable: false,
            throttled: false,
        }
    }
}

impl From<AdapterError> for CollectError {
    fn from(e: AdapterError) -> Self {
        let (operation, message) = match &e {
            AdapterError::Aws {
                operation,
                target,
                message,
                ..
            } => (format!("{operation} on {target}"), message.clone()),
            other => ("encode".to_string(), other.to_string()),
        };
        CollectError {
            operation,
            message,
            retryable: e.is_retryable(),
            throttled: e.is_throttling(),
        }
    }
}

/// Classify an SDK error the same way the adapters do.
pub(crate) fn sdk_error<E, R>(
    operation: &'static str,
    target: impl Into<String>,
    err: aws_smithy_runtime_api_shim::SdkError<E, R>,
) -> CollectError
where
    E: std::error::Error + aws_sdk_s3::error::ProvideErrorMetadata + Send + Sync + 'static,
    R: std::fmt::Debug + attest_aws::error::HasStatus,
{
    AdapterError::from_sdk(operation, target, err).into()
}

/// The SDK's result type, re-exported by every service crate.
pub(crate) mod aws_smithy_runtime_api_shim {
    pub use aws_sdk_s3::error::SdkError;
}
