//! `cloudtrail.trail_status`: every trail's configuration (multi-region, log file validation,
//! destination) and whether it is logging now. No parameters.

use serde_json::{json, Value};

use attest_aws::AdapterError;
use attest_collect_workflow::{CollectFuture, CollectRequest, Collector, Source};

pub struct TrailStatus {
    client: aws_sdk_cloudtrail::Client,
}

impl TrailStatus {
    pub fn new(client: aws_sdk_cloudtrail::Client) -> Self {
        TrailStatus { client }
    }
}

impl Collector for TrailStatus {
    fn id(&self) -> &'static str {
        "cloudtrail.trail_status"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn source(&self) -> Source {
        Source::CloudTrail
    }
    fn check_parameters(&self, parameters: &Value) -> Result<(), String> {
        super::only_keys(parameters, &[])
    }

    fn collect<'a>(&'a self, request: CollectRequest<'a>) -> CollectFuture<'a> {
        Box::pin(async move {
            request.limiter.acquire().await;
            let described = self
                .client
                .describe_trails()
                .include_shadow_trails(false)
                .send()
                .await
                .map_err(|e| AdapterError::from_sdk("cloudtrail:DescribeTrails", "account", e))?;
            let mut trails: Vec<_> = described.trail_list().to_vec();
            trails.sort_by(|a, b| a.trail_arn().cmp(&b.trail_arn()));
            let mut out = Vec::with_capacity(trails.len());
            for trail in &trails {
                let id = trail
                    .trail_arn()
                    .or(trail.name())
                    .unwrap_or_default()
                    .to_string();
                request.limiter.acquire().await;
                let status = self
                    .client
                    .get_trail_status()
                    .name(&id)
                    .send()
                    .await
                    .map_err(|e| {
                        AdapterError::from_sdk("cloudtrail:GetTrailStatus", id.clone(), e)
                    })?;
                out.push(json!({
                    "name": trail.name(),
                    "arn": trail.trail_arn(),
                    "home_region": trail.home_region(),
                    "is_multi_region": trail.is_multi_region_trail(),
                    "is_organization_trail": trail.is_organization_trail(),
                    "log_file_validation_enabled": trail.log_file_validation_enabled(),
                    "include_global_service_events": trail.include_global_service_events(),
                    "s3_bucket": trail.s3_bucket_name(),
                    "kms_key_id": trail.kms_key_id(),
                    "is_logging": status.is_logging(),
                    "latest_delivery_error": status.latest_delivery_error(),
                    "latest_delivery_time": status.latest_delivery_time().map(|t| t.to_string()),
                }));
            }
            let logging = out
                .iter()
                .filter(|t| t["is_logging"] == json!(true))
                .count();
            let multi_region_logging = out
                .iter()
                .filter(|t| t["is_logging"] == json!(true) && t["is_multi_region"] == json!(true))
                .count();
            Ok(
                json!({ "trail_count": out.len(), "logging_count": logging, "multi_region_logging_count": multi_region_logging, "trails": out }),
            )
        })
    }
}
