//! The AWS collector plugins of scheduled evidence collection: each implements the collect
//! workflow's [`Collector`] port (`attest-collect-workflow`) over one AWS API and turns its answers
//! into a sorted JSON payload. The workflow itself (claims, retries, rate limits, storage, run
//! records) is `attest-collect-workflow`.

pub mod collectors;

use std::sync::Arc;

use attest_collect_workflow::{Collector, Registry};

/// The AWS collectors, sharing one SDK configuration, each with its source's rate limiter.
pub fn aws_registry(sdk: &aws_config::SdkConfig) -> Registry {
    let config = aws_sdk_config::Client::new(sdk);
    let iam = aws_sdk_iam::Client::new(sdk);
    let ec2 = aws_sdk_ec2::Client::new(sdk);
    let plugins: [Arc<dyn Collector>; 12] = [
        Arc::new(collectors::config::RuleCompliance::new(config.clone())),
        Arc::new(collectors::config::RecorderStatus::new(config)),
        Arc::new(collectors::securityhub::Findings::new(
            aws_sdk_securityhub::Client::new(sdk),
        )),
        Arc::new(collectors::s3::BucketPosture::new(aws_sdk_s3::Client::new(
            sdk,
        ))),
        Arc::new(collectors::cloudtrail::TrailStatus::new(
            aws_sdk_cloudtrail::Client::new(sdk),
        )),
        Arc::new(collectors::iam::CredentialReport::new(iam.clone())),
        Arc::new(collectors::iam::PasswordPolicy::new(iam)),
        Arc::new(collectors::kms::KeyRotation::new(aws_sdk_kms::Client::new(
            sdk,
        ))),
        Arc::new(collectors::ec2::EbsDefaultEncryption::new(ec2.clone())),
        Arc::new(collectors::ec2::VpcFlowLogs::new(ec2)),
        Arc::new(collectors::guardduty::Detectors::new(
            aws_sdk_guardduty::Client::new(sdk),
        )),
        Arc::new(collectors::rds::InstancePosture::new(
            aws_sdk_rds::Client::new(sdk),
        )),
    ];
    let mut registry = Registry::default();
    for plugin in plugins {
        registry.register(plugin);
    }
    registry
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_registry_ships_exactly_the_collectors_the_domain_lists() {
        let sdk = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        let mut ids = super::aws_registry(&sdk).ids();
        ids.sort();
        assert_eq!(ids, attest_domain::collection::COLLECTOR_IDS);
    }
}
