//! `securityhub.findings`: Security Hub findings matching the row's filters, every page.
//! Parameters (all optional, each a list of strings, values within a list are ORed):
//! `security_control_ids`, `compliance_statuses`, `record_states`, `workflow_statuses`.

use aws_sdk_securityhub::types::{AwsSecurityFindingFilters, StringFilter, StringFilterComparison};
use serde_json::{json, Value};

use attest_aws::AdapterError;
use attest_collect_workflow::{CollectFuture, CollectRequest, Collector, Source};

const FILTERS: &[&str] = &[
    "security_control_ids",
    "compliance_statuses",
    "record_states",
    "workflow_statuses",
];

pub struct Findings {
    client: aws_sdk_securityhub::Client,
}

impl Findings {
    pub fn new(client: aws_sdk_securityhub::Client) -> Self {
        Findings { client }
    }
}

fn equals(value: &str) -> StringFilter {
    StringFilter::builder()
        .value(value)
        .comparison(StringFilterComparison::Equals)
        .build()
}

/// The GetFindings filters a row's parameters ask for.
pub fn filters(parameters: &Value) -> AwsSecurityFindingFilters {
    // EQUALS filters for each value of one parameter; none when the parameter is absent or empty.
    let any_of = |name: &str| {
        let values = super::string_list(parameters, name, false).unwrap_or_default();
        (!values.is_empty()).then(|| values.iter().map(|v| equals(v)).collect::<Vec<_>>())
    };
    AwsSecurityFindingFilters::builder()
        .set_compliance_security_control_id(any_of("security_control_ids"))
        .set_compliance_status(any_of("compliance_statuses"))
        .set_record_state(any_of("record_states"))
        .set_workflow_status(any_of("workflow_statuses"))
        .build()
}

impl Collector for Findings {
    fn id(&self) -> &'static str {
        "securityhub.findings"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn source(&self) -> Source {
        Source::SecurityHub
    }
    fn check_parameters(&self, parameters: &Value) -> Result<(), String> {
        super::only_keys(parameters, FILTERS)?;
        for name in FILTERS {
            super::string_list(parameters, name, false)?;
        }
        Ok(())
    }

    fn collect<'a>(&'a self, request: CollectRequest<'a>) -> CollectFuture<'a> {
        Box::pin(async move {
            let filters = filters(request.parameters);
            let mut findings = Vec::new();
            let mut token: Option<String> = None;
            loop {
                request.limiter.acquire().await;
                let page = self
                    .client
                    .get_findings()
                    .filters(filters.clone())
                    .max_results(100)
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|e| AdapterError::from_sdk("securityhub:GetFindings", "account", e))?;
                for f in page.findings() {
                    let compliance = f.compliance();
                    findings.push(json!({
                        "id": f.id(),
                        "product_arn": f.product_arn(),
                        "generator_id": f.generator_id(),
                        "account": f.aws_account_id(),
                        "region": f.region(),
                        "title": f.title(),
                        "severity": f.severity().and_then(|s| s.label()).map(|l| l.as_str()),
                        "compliance_status": compliance.and_then(|c| c.status()).map(|s| s.as_str()),
                        "security_control_id": compliance.and_then(|c| c.security_control_id()),
                        "related_requirements": compliance.map(|c| c.related_requirements()).unwrap_or_default(),
                        "workflow_status": f.workflow().and_then(|w| w.status()).map(|s| s.as_str()),
                        "record_state": f.record_state().map(|s| s.as_str()),
                        "resources": f.resources().iter().map(|r| json!({"type": r.r#type(), "id": r.id()})).collect::<Vec<_>>(),
                        "first_observed_at": f.first_observed_at(),
                        "updated_at": f.updated_at(),
                    }));
                }
                token = super::next_page(page.next_token());
                if token.is_none() {
                    break;
                }
            }
            findings.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
            let failed = findings
                .iter()
                .filter(|f| f["compliance_status"] == json!("FAILED"))
                .count();
            Ok(json!({
                "filters": request.parameters,
                "finding_count": findings.len(),
                "failed_count": failed,
                "findings": findings,
            }))
        })
    }
}
