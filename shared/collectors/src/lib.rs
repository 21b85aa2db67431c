//! The AWS collector plugins of scheduled evidence collection: each implements the collect
//! workflow's [`Collector`] port (`attest-collect-workflow`) over one AWS API and turns its answers
//! into a sorted JSON payload. The workflow itself (claims, retries, rate limits, storage, run
//! records) is `attest-collect-workflow`.

pub mod collectors;

use std::sync::Arc;

use attest_collect_workflow::{Collector, Registry};

/// The four AWS collectors, sharing one SDK configuration, each with its source's rate limiter.
pub fn aws_registry(sdk: &aws_config::SdkConfig) -> Registry {
    let plugins: [Arc<dyn Collector>; 4] = [
        Arc::new(collectors::config::RuleCompliance::new(
            aws_sdk_config::Client::new(sdk),
        )),
        Arc::new(collectors::securityhub::Findings::new(
            aws_sdk_securityhub::Client::new(sdk),
        )),
        Arc::new(collectors::s3::BucketPosture::new(aws_sdk_s3::Client::new(
            sdk,
        ))),
        Arc::new(collectors::cloudtrail::TrailStatus::new(
            aws_sdk_cloudtrail::Client::new(sdk),
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
