//! Report: EventBridge Scheduler (one schedule per framework) or an operator invokes this with a
//! framework and a period; the report workflow (`attest-report-workflow`) pins the evidence
//! snapshot, renders every output, publishes the bundle under Object Lock with a KMS-signed
//! manifest, and re-verifies it from S3.
//!
//! Scheduled event: `{"framework": "PCI-DSS-3.2.1", "period": "previous_month",
//! "scheduled_time": "<aws.scheduler.scheduled-time>"}`.
//! On-demand event: `{"framework": "SOC2", "period": "2026-10-01/2026-11-01",
//! "requested_at": "2026-11-25T10:00:00Z"}`.
//!
//! A bad request fails at once with the reason; any other failure fails the invocation so
//! Scheduler retries it and then sends it to the DLQ. A run whose verification fails is recorded
//! FAILED, never PUBLISHED.

pub mod config;
pub mod handler;

use attest_aws::{EvidenceStore, KmsSigner, ReportRunStore, RunStore, StateStore};
use attest_report_workflow::{AwsReportWorkflow, ReportRunError, ReportWorkflow};

pub use config::{ConfigError, ReportConfig, VARIABLES};
pub use handler::{handle, ReportFnError, ReportResponse};

/// The report workflow over the AWS adapters, as configured: what the function runs, and what
/// `attest report` runs. Fails only if a compiled-in catalogue does not load.
pub fn build(
    sdk: &aws_config::SdkConfig,
    config: &ReportConfig,
) -> Result<AwsReportWorkflow, ReportRunError> {
    let dynamo = aws_sdk_dynamodb::Client::new(sdk);
    ReportWorkflow::with_embedded_catalogues(
        EvidenceStore::new(
            aws_sdk_s3::Client::new(sdk),
            &config.evidence_bucket,
            &config.evidence_kms_key_id,
        ),
        StateStore::new(dynamo.clone(), &config.state_table, &config.history_table),
        RunStore::new(dynamo.clone(), &config.runs_table),
        ReportRunStore::new(dynamo, &config.runs_table),
        KmsSigner::new(aws_sdk_kms::Client::new(sdk), &config.signing_key_id),
    )
    .map(|workflow| workflow.with_policy(config.policy.clone()))
}
