//! Step 2: call the collector, waiting on its source's rate limiter before each API call (the
//! collector does that with [`CollectRequest::limiter`]), and retry retryable failures
//! (throttling, 5xx, network: [`AdapterError::is_retryable`]) with exponential backoff and jitter,
//! up to the policy's attempts. A payload is only ever the answer of one successful try.

use std::time::Duration;

use attest_aws::AdapterError;
use backon::{ExponentialBuilder, Retryable};
use tracing::warn;

use crate::ports::{CollectRequest, Collector};
use crate::Policy;

pub async fn collect(
    collector: &dyn Collector,
    request: CollectRequest<'_>,
    policy: &Policy,
) -> Result<serde_json::Value, AdapterError> {
    let backoff = ExponentialBuilder::default()
        .with_min_delay(policy.base_delay)
        .with_max_delay(policy.max_delay)
        .with_max_times(policy.attempts.saturating_sub(1))
        .with_jitter();
    (|| collector.collect(request))
        .retry(backoff)
        .sleep(tokio::time::sleep)
        .when(AdapterError::is_retryable)
        .notify(|e: &AdapterError, wait: Duration| {
            warn!(collector = collector.id(), error = %e, throttled = e.is_throttling(), ?wait, "collection failed; retrying")
        })
        .await
}
