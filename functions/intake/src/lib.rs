//! Intake Lambda: SQS batches of EventBridge events (AWS Config, Security Hub, CloudTrail) become
//! findings with evidence in S3 and state in DynamoDB.
//!
//! Thin by design: [`config`] lists the variables it reads, [`handler`] turns an SQS batch into
//! calls of the intake use case (`shared/intake-workflow`), and [`build`] wires that use case to the
//! AWS adapters once per cold start.

pub mod config;
pub mod handler;

use attest_aws::{EvidenceStore, StateStore};
use attest_domain::Catalogue;
use attest_intake_workflow::Intake;

pub use attest_intake_workflow::{EventOutcome, IntakeError};
pub use config::{ConfigError, IntakeConfig};
pub use handler::handle_batch;

/// The intake use case over S3 and DynamoDB.
pub type AwsIntake = Intake<EvidenceStore, StateStore>;

/// Clients and catalogue, once per cold start.
pub fn build(
    sdk: &aws_config::SdkConfig,
    config: &IntakeConfig,
    catalogue: Catalogue,
) -> AwsIntake {
    Intake {
        catalogue,
        admission: config.admission(),
        evidence: EvidenceStore::new(
            aws_sdk_s3::Client::new(sdk),
            &config.evidence_bucket,
            &config.evidence_kms_key_id,
        ),
        state: StateStore::new(
            aws_sdk_dynamodb::Client::new(sdk),
            &config.state_table,
            &config.history_table,
        ),
        concurrency: config.concurrency,
    }
}
