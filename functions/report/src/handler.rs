//! The invocation: parse the event, run the report workflow, say where the bundle is.

use attest_report_workflow::{AwsReportWorkflow, ReportRunError};
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
        source: ReportRunError,
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
    workflow: &AwsReportWorkflow,
    event: serde_json::Value,
) -> Result<ReportResponse, ReportFnError> {
    let event: ReportEvent =
        serde_json::from_value(event).map_err(|e| ReportFnError::BadEvent(e.to_string()))?;
    let request = event
        .into_request(&workflow.known_frameworks())
        .map_err(|e| ReportFnError::BadEvent(e.to_string()))?;
    let span =
        tracing::info_span!("report", run_id = %request.run_id(), framework = %request.framework);
    // Boxed: the run's future is deep enough to exceed the compiler's layout depth inline.
    let run = Box::pin(workflow.run(&request)).instrument(span).await?;
    let (start, end) = run.header.period.rfc3339_ends();
    Ok(ReportResponse {
        run_id: run.header.run_id,
        framework: run.framework,
        period: format!("{start}/{end}"),
        status: run.status,
        bundle: format!("s3://{}/{}", workflow.objects.bucket(), run.prefix),
        evidence: run.evidence_count,
        merkle_root: run.merkle_root,
        manifest_sha256: run.manifest_sha256,
        verification: run.verification,
    })
}
