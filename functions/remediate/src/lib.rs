//! Remediate Lambda: failing transitions from the alerts topic, for the rules a team enabled,
//! become the allowed fix in `dry-run` or `auto`, or a refusal a person is told of; each decision
//! is recorded once, as evidence (`shared/remediate-workflow`).
//!
//! Thin by design: [`config`] lists the variables it reads, [`handler`] turns an SQS batch into
//! calls of the use case, and [`build`] wires it to the AWS adapters once per cold start.

pub mod config;
pub mod handler;

use attest_aws::{DeliveryStore, EvidenceStore, RemediationTargets, Topic};
use attest_remediate_workflow::{Remediate, Settings};

pub use config::{ConfigError, RemediateConfig};
pub use handler::{handle_batch, BatchSummary};

/// The remediate use case over S3, CloudTrail, DynamoDB and SNS.
pub type AwsRemediate = Remediate<RemediationTargets, DeliveryStore, EvidenceStore, Topic>;

/// The value of the opt-out tag that keeps remediation away.
pub const OPT_OUT_VALUE: &str = "off";

/// Clients, once per cold start.
pub fn build(sdk: &aws_config::SdkConfig, config: &RemediateConfig) -> AwsRemediate {
    let s3 = aws_sdk_s3::Client::new(sdk);
    Remediate {
        resources: RemediationTargets::new(s3.clone(), aws_sdk_cloudtrail::Client::new(sdk)),
        records: DeliveryStore::new(
            aws_sdk_dynamodb::Client::new(sdk),
            &config.transitions_table,
        ),
        evidence: EvidenceStore::new(s3, &config.evidence_bucket, &config.evidence_kms_key_id),
        notifier: Topic::new(aws_sdk_sns::Client::new(sdk), &config.alerts_topic_arn),
        settings: Settings {
            rules: config.rules.clone(),
            kms_key: config.remediation_kms_key_id.clone(),
            opt_out_tag: config.opt_out_tag.clone(),
            opt_out_value: OPT_OUT_VALUE.to_string(),
            daily_cap: config.daily_cap,
        },
    }
}
