//! `config.rule_compliance`: for each named AWS Config rule, its overall compliance and every evaluated
//! resource's result (all pages). Parameters: `rules`, the rule names as deployed (required).
//!
//! `config.recorder_status`: every configuration recorder in the region, what it records, and
//! whether it is recording now with its last status and error. No parameters.

use aws_sdk_config::types::ComplianceType;
use serde_json::{json, Value};

use attest_aws::AdapterError;
use attest_collect_workflow::{CollectFuture, CollectRequest, Collector, Source};

pub struct RuleCompliance {
    client: aws_sdk_config::Client,
}

impl RuleCompliance {
    pub fn new(client: aws_sdk_config::Client) -> Self {
        RuleCompliance { client }
    }
}

impl Collector for RuleCompliance {
    fn id(&self) -> &'static str {
        "config.rule_compliance"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn source(&self) -> Source {
        Source::Config
    }
    fn check_parameters(&self, parameters: &Value) -> Result<(), String> {
        super::only_keys(parameters, &["rules"])?;
        super::string_list(parameters, "rules", true).map(|_| ())
    }

    fn collect<'a>(&'a self, request: CollectRequest<'a>) -> CollectFuture<'a> {
        Box::pin(async move {
            let mut rules = super::string_list(request.parameters, "rules", true).map_err(|e| {
                AdapterError::InvalidRequest {
                    operation: "config:DescribeComplianceByConfigRule",
                    message: format!("parameters: {e}"),
                }
            })?;
            rules.sort();
            rules.dedup();
            let mut out = Vec::with_capacity(rules.len());
            for rule in &rules {
                request.limiter.acquire().await;
                let summary = self
                    .client
                    .describe_compliance_by_config_rule()
                    .config_rule_names(rule)
                    .send()
                    .await
                    .map_err(|e| {
                        AdapterError::from_sdk(
                            "config:DescribeComplianceByConfigRule",
                            rule.clone(),
                            e,
                        )
                    })?;
                let compliance = summary
                    .compliance_by_config_rules()
                    .iter()
                    .find(|c| c.config_rule_name() == Some(rule.as_str()))
                    .and_then(|c| c.compliance())
                    .and_then(|c| c.compliance_type())
                    .map(|t| t.as_str().to_string());

                let mut results = Vec::new();
                let mut token: Option<String> = None;
                loop {
                    request.limiter.acquire().await;
                    let page = self
                        .client
                        .get_compliance_details_by_config_rule()
                        .config_rule_name(rule)
                        .compliance_types(ComplianceType::Compliant)
                        .compliance_types(ComplianceType::NonCompliant)
                        .compliance_types(ComplianceType::NotApplicable)
                        .limit(100)
                        .set_next_token(token.take())
                        .send()
                        .await
                        .map_err(|e| {
                            AdapterError::from_sdk(
                                "config:GetComplianceDetailsByConfigRule",
                                rule.clone(),
                                e,
                            )
                        })?;
                    for r in page.evaluation_results() {
                        let id = r.evaluation_result_identifier();
                        let q = id.and_then(|i| i.evaluation_result_qualifier());
                        results.push(json!({
                            "resource_type": q.and_then(|q| q.resource_type()),
                            "resource_id": q.and_then(|q| q.resource_id()),
                            "compliance_type": r.compliance_type().map(|c| c.as_str()),
                            "ordering_timestamp": id.and_then(|i| i.ordering_timestamp()).map(|t| t.to_string()),
                            "result_recorded_time": r.result_recorded_time().map(|t| t.to_string()),
                            "annotation": r.annotation(),
                        }));
                    }
                    token = super::next_page(page.next_token());
                    if token.is_none() {
                        break;
                    }
                }
                results.sort_by(|a, b| {
                    (a["resource_type"].as_str(), a["resource_id"].as_str())
                        .cmp(&(b["resource_type"].as_str(), b["resource_id"].as_str()))
                });
                let non_compliant = results
                    .iter()
                    .filter(|r| r["compliance_type"] == json!("NON_COMPLIANT"))
                    .count();
                out.push(json!({
                    "name": rule,
                    "compliance": compliance,
                    "non_compliant_count": non_compliant,
                    "results": results,
                }));
            }
            Ok(json!({ "rules": out }))
        })
    }
}

pub struct RecorderStatus {
    client: aws_sdk_config::Client,
}

impl RecorderStatus {
    pub fn new(client: aws_sdk_config::Client) -> Self {
        RecorderStatus { client }
    }
}

impl Collector for RecorderStatus {
    fn id(&self) -> &'static str {
        "config.recorder_status"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn source(&self) -> Source {
        Source::Config
    }
    fn check_parameters(&self, parameters: &Value) -> Result<(), String> {
        super::only_keys(parameters, &[])
    }

    fn collect<'a>(&'a self, request: CollectRequest<'a>) -> CollectFuture<'a> {
        Box::pin(async move {
            request.limiter.acquire().await;
            let recorders = self
                .client
                .describe_configuration_recorders()
                .send()
                .await
                .map_err(|e| {
                    AdapterError::from_sdk("config:DescribeConfigurationRecorders", "region", e)
                })?;
            request.limiter.acquire().await;
            let statuses = self
                .client
                .describe_configuration_recorder_status()
                .send()
                .await
                .map_err(|e| {
                    AdapterError::from_sdk(
                        "config:DescribeConfigurationRecorderStatus",
                        "region",
                        e,
                    )
                })?;
            let mut out: Vec<Value> = recorders
                .configuration_recorders()
                .iter()
                .map(|r| {
                    let status = statuses
                        .configuration_recorders_status()
                        .iter()
                        .find(|s| s.name() == r.name());
                    let group = r.recording_group();
                    json!({
                        "name": r.name(),
                        "role_arn": r.role_arn(),
                        "all_supported": group.map(|g| g.all_supported()),
                        "include_global_resource_types": group.map(|g| g.include_global_resource_types()),
                        "recording_strategy": group
                            .and_then(|g| g.recording_strategy())
                            .and_then(|s| s.use_only())
                            .map(|u| u.as_str()),
                        "recording": status.map(|s| s.recording()),
                        "last_status": status.and_then(|s| s.last_status()).map(|s| s.as_str()),
                        "last_start_time": status.and_then(|s| s.last_start_time()).map(|t| t.to_string()),
                        "last_stop_time": status.and_then(|s| s.last_stop_time()).map(|t| t.to_string()),
                        "last_error_code": status.and_then(|s| s.last_error_code()),
                    })
                })
                .collect();
            out.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
            let recording = out.iter().filter(|r| r["recording"] == true).count();
            Ok(json!({
                "region": self.client.config().region().map(|r| r.to_string()),
                "recorder_count": out.len(),
                "recording_count": recording,
                "recorders": out,
            }))
        })
    }
}
