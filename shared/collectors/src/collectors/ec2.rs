//! `ec2.ebs_default_encryption`: whether new EBS volumes in the region are encrypted by default.
//! No parameters.
//!
//! `ec2.vpc_flow_logs`: every VPC in the region (all pages) with the flow logs that capture it,
//! and the flow logs of other resources (subnets, interfaces) by resource id. No parameters.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use attest_aws::AdapterError;
use attest_collect_workflow::{CollectFuture, CollectRequest, Collector, Source};

pub struct EbsDefaultEncryption {
    client: aws_sdk_ec2::Client,
}

impl EbsDefaultEncryption {
    pub fn new(client: aws_sdk_ec2::Client) -> Self {
        EbsDefaultEncryption { client }
    }
}

/// The region the client calls, recorded with account-wide regional settings.
fn region(client: &aws_sdk_ec2::Client) -> Option<String> {
    client.config().region().map(|r| r.to_string())
}

impl Collector for EbsDefaultEncryption {
    fn id(&self) -> &'static str {
        "ec2.ebs_default_encryption"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn source(&self) -> Source {
        Source::Ec2
    }
    fn check_parameters(&self, parameters: &Value) -> Result<(), String> {
        super::only_keys(parameters, &[])
    }

    fn collect<'a>(&'a self, request: CollectRequest<'a>) -> CollectFuture<'a> {
        Box::pin(async move {
            request.limiter.acquire().await;
            let out = self
                .client
                .get_ebs_encryption_by_default()
                .send()
                .await
                .map_err(|e| {
                    AdapterError::from_sdk("ec2:GetEbsEncryptionByDefault", "region", e)
                })?;
            Ok(json!({
                "region": region(&self.client),
                "ebs_encryption_by_default": out.ebs_encryption_by_default(),
            }))
        })
    }
}

pub struct VpcFlowLogs {
    client: aws_sdk_ec2::Client,
}

impl VpcFlowLogs {
    pub fn new(client: aws_sdk_ec2::Client) -> Self {
        VpcFlowLogs { client }
    }
}

impl Collector for VpcFlowLogs {
    fn id(&self) -> &'static str {
        "ec2.vpc_flow_logs"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn source(&self) -> Source {
        Source::Ec2
    }
    fn check_parameters(&self, parameters: &Value) -> Result<(), String> {
        super::only_keys(parameters, &[])
    }

    fn collect<'a>(&'a self, request: CollectRequest<'a>) -> CollectFuture<'a> {
        Box::pin(async move {
            let mut vpcs: BTreeMap<String, bool> = BTreeMap::new();
            let mut token: Option<String> = None;
            loop {
                request.limiter.acquire().await;
                let page = self
                    .client
                    .describe_vpcs()
                    .max_results(1000)
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|e| AdapterError::from_sdk("ec2:DescribeVpcs", "region", e))?;
                for vpc in page.vpcs() {
                    if let Some(id) = vpc.vpc_id() {
                        vpcs.insert(id.to_string(), vpc.is_default().unwrap_or(false));
                    }
                }
                token = super::next_page(page.next_token());
                if token.is_none() {
                    break;
                }
            }

            let mut logs: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            let mut token: Option<String> = None;
            loop {
                request.limiter.acquire().await;
                let page = self
                    .client
                    .describe_flow_logs()
                    .max_results(1000)
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|e| AdapterError::from_sdk("ec2:DescribeFlowLogs", "region", e))?;
                for log in page.flow_logs() {
                    let Some(resource) = log.resource_id() else {
                        continue;
                    };
                    logs.entry(resource.to_string()).or_default().push(json!({
                        "flow_log_id": log.flow_log_id(),
                        "status": log.flow_log_status(),
                        "deliver_logs_status": log.deliver_logs_status(),
                        "traffic_type": log.traffic_type().map(|t| t.as_str()),
                        "log_destination_type": log.log_destination_type().map(|t| t.as_str()),
                        "log_destination": log.log_destination().or(log.log_group_name()),
                    }));
                }
                token = super::next_page(page.next_token());
                if token.is_none() {
                    break;
                }
            }

            let out: Vec<Value> = vpcs
                .iter()
                .map(|(id, is_default)| {
                    let mut flow_logs = logs.remove(id).unwrap_or_default();
                    flow_logs
                        .sort_by(|a, b| a["flow_log_id"].as_str().cmp(&b["flow_log_id"].as_str()));
                    json!({ "vpc_id": id, "is_default": is_default, "flow_logs": flow_logs })
                })
                .collect();
            let without = out
                .iter()
                .filter(|v| v["flow_logs"].as_array().is_some_and(Vec::is_empty))
                .count();
            // Flow logs on subnets, interfaces or transit gateways cover part of a VPC; they are
            // kept beside it rather than dropped.
            for flow_logs in logs.values_mut() {
                flow_logs.sort_by(|a, b| a["flow_log_id"].as_str().cmp(&b["flow_log_id"].as_str()));
            }
            Ok(json!({
                "region": region(&self.client),
                "vpc_count": out.len(),
                "vpcs_without_flow_logs": without,
                "vpcs": out,
                "flow_logs_of_other_resources": logs,
            }))
        })
    }
}
