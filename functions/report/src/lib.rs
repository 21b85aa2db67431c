//! Report: EventBridge Scheduler (one schedule per framework) or an operator invokes this with a
//! framework and a period; it pins the evidence snapshot, renders every output, publishes the
//! bundle under Object Lock with a KMS-signed manifest, and re-verifies it from S3.
//!
//! Scheduled event: `{"framework": "PCI-DSS-3.2.1", "period": "previous_month",
//! "scheduled_time": "<aws.scheduler.scheduled-time>"}`.
//! On-demand event: `{"framework": "SOC2", "period": "2026-10-01/2026-11-01",
//! "requested_at": "2026-11-25T10:00:00Z"}`.
//!
//! A bad request fails at once with the reason; any other failure fails the invocation so
//! Scheduler retries it and then sends it to the DLQ. A run whose verification fails is recorded
//! FAILED, never PUBLISHED.

use attest_aws::reporting::{PublishError, ReportPublisher};
use attest_reports::request::{ReportEvent, ReportStatus};
use serde::Serialize;
use tracing::Instrument;

#[derive(Debug, thiserror::Error)]
pub enum ReportFnError {
    #[error("invalid report event: {0}")]
    BadEvent(String),
    #[error("report run failed ({}): {source}", if .source.is_retryable() { "retryable" } else { "not retryable" })]
    Run {
        #[from]
        source: PublishError,
    },
}

/// What the invocation returns: where the bundle is and what was verified.
#[derive(Debug, Clone, Serialize)]
pub struct ReportResponse {
    pub run_id: String,
    pub framework: String,
    pub period: String,
    pub status: ReportStatus,
    pub bundle: String,
    pub evidence: u64,
    pub merkle_root: Option<String>,
    pub manifest_sha256: Option<String>,
    pub verification: Option<String>,
}

pub async fn handle(
    publisher: &ReportPublisher,
    event: serde_json::Value,
) -> Result<ReportResponse, ReportFnError> {
    let event: ReportEvent =
        serde_json::from_value(event).map_err(|e| ReportFnError::BadEvent(e.to_string()))?;
    let request = event
        .into_request(&publisher.known_frameworks())
        .map_err(|e| ReportFnError::BadEvent(e.to_string()))?;
    let span =
        tracing::info_span!("report", run_id = %request.run_id(), framework = %request.framework);
    // Boxed: the publish future is deep enough to exceed the compiler's layout depth inline.
    let run = Box::pin(publisher.publish(&request))
        .instrument(span)
        .await?;
    Ok(ReportResponse {
        run_id: run.run_id,
        framework: run.framework,
        period: format!("{}/{}", run.period_start, run.period_end),
        status: run.status,
        bundle: format!("s3://{}/{}", publisher.store.bucket(), run.prefix),
        evidence: run.evidence_count,
        merkle_root: run.merkle_root,
        manifest_sha256: run.manifest_sha256,
        verification: run.verification,
    })
}
