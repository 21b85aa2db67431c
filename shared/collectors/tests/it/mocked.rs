//! Collector calls the local server cannot serve, tested on real-shaped responses with
//! aws-smithy-mocks (see main.rs for why).

use attest_aws::AdapterError;
use attest_collect_workflow::{CollectRequest, Collector, RateLimiter};
use attest_collectors::collectors::config::RuleCompliance;
use attest_collectors::collectors::securityhub::Findings;
use attest_domain::collection::Period;
use aws_sdk_config::operation::describe_compliance_by_config_rule::DescribeComplianceByConfigRuleOutput;
use aws_sdk_config::operation::get_compliance_details_by_config_rule::{
    GetComplianceDetailsByConfigRuleError, GetComplianceDetailsByConfigRuleOutput,
};
use aws_sdk_config::types::{
    Compliance, ComplianceByConfigRule, ComplianceType, EvaluationResult,
    EvaluationResultIdentifier, EvaluationResultQualifier,
};
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::DateTime;
use serde_json::json;

fn result(resource: &str, compliance: ComplianceType) -> EvaluationResult {
    EvaluationResult::builder()
        .evaluation_result_identifier(
            EvaluationResultIdentifier::builder()
                .evaluation_result_qualifier(
                    EvaluationResultQualifier::builder()
                        .config_rule_name("restricted-ssh")
                        .resource_type("AWS::EC2::SecurityGroup")
                        .resource_id(resource)
                        .build(),
                )
                .ordering_timestamp(DateTime::from_secs(1_795_000_000))
                .build(),
        )
        .compliance_type(compliance)
        .result_recorded_time(DateTime::from_secs(1_795_000_060))
        .config_rule_invoked_time(DateTime::from_secs(1_795_000_030))
        .build()
}

fn period() -> Period {
    Period::parse("2026-11-24T00:00:00Z/2026-11-25T00:00:00Z").unwrap()
}

#[tokio::test]
async fn config_rule_compliance_reads_every_page_of_every_rule() {
    let summary = mock!(aws_sdk_config::Client::describe_compliance_by_config_rule)
        .match_requests(|r| r.config_rule_names() == ["restricted-ssh"])
        .then_output(|| {
            DescribeComplianceByConfigRuleOutput::builder()
                .compliance_by_config_rules(
                    ComplianceByConfigRule::builder()
                        .config_rule_name("restricted-ssh")
                        .compliance(
                            Compliance::builder()
                                .compliance_type(ComplianceType::NonCompliant)
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
    // Every page asks for all three compliance types; page two is asked for with page one's token.
    let all_types = |r: &aws_sdk_config::operation::get_compliance_details_by_config_rule::GetComplianceDetailsByConfigRuleInput| {
        r.compliance_types()
            == [ComplianceType::Compliant, ComplianceType::NonCompliant, ComplianceType::NotApplicable]
    };
    let page1 = mock!(aws_sdk_config::Client::get_compliance_details_by_config_rule)
        .match_requests(move |r| all_types(r) && r.next_token().is_none())
        .then_output(|| {
            GetComplianceDetailsByConfigRuleOutput::builder()
                .evaluation_results(result("sg-0b", ComplianceType::NonCompliant))
                .evaluation_results(result("sg-0c", ComplianceType::Compliant))
                .next_token("page-2")
                .build()
        });
    let page2 = mock!(aws_sdk_config::Client::get_compliance_details_by_config_rule)
        .match_requests(move |r| all_types(r) && r.next_token() == Some("page-2"))
        .then_output(|| {
            GetComplianceDetailsByConfigRuleOutput::builder()
                .evaluation_results(result("sg-0a", ComplianceType::NonCompliant))
                .build()
        });
    let client = mock_client!(
        aws_sdk_config,
        RuleMode::MatchAny,
        [&summary, &page1, &page2]
    );

    let collector = RuleCompliance::new(client);
    let parameters = json!({"rules": ["restricted-ssh"]});
    collector.check_parameters(&parameters).unwrap();
    let limiter = RateLimiter::per_second(1000.0);
    let payload = collector
        .collect(CollectRequest {
            period: &period(),
            parameters: &parameters,
            limiter: &limiter,
        })
        .await
        .unwrap();

    let rule = &payload["rules"][0];
    assert_eq!(rule["name"], "restricted-ssh");
    assert_eq!(rule["compliance"], "NON_COMPLIANT");
    assert_eq!(rule["non_compliant_count"], 2);
    let ids: Vec<&str> = rule["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["resource_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["sg-0a", "sg-0b", "sg-0c"], "all pages, sorted");
    assert_eq!(
        rule["results"][0]["ordering_timestamp"],
        "2026-11-18T11:06:40Z"
    );
    assert_eq!(
        (summary.num_calls(), page1.num_calls(), page2.num_calls()),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn config_throttling_is_reported_as_retryable_and_throttled() {
    let summary = mock!(aws_sdk_config::Client::describe_compliance_by_config_rule)
        .then_output(|| DescribeComplianceByConfigRuleOutput::builder().build());
    let throttled = mock!(aws_sdk_config::Client::get_compliance_details_by_config_rule)
        .then_error(|| {
            GetComplianceDetailsByConfigRuleError::generic(
                ErrorMetadata::builder()
                    .code("ThrottlingException")
                    .message("Rate exceeded")
                    .build(),
            )
        });
    let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&summary, &throttled]);
    let limiter = RateLimiter::per_second(1000.0);
    let parameters = json!({"rules": ["restricted-ssh"]});
    let err = RuleCompliance::new(client)
        .collect(CollectRequest {
            period: &period(),
            parameters: &parameters,
            limiter: &limiter,
        })
        .await
        .unwrap_err();
    assert!(err.is_retryable() && err.is_throttling(), "{err}");
    assert!(
        matches!(
            err,
            AdapterError::Sdk {
                operation: "config:GetComplianceDetailsByConfigRule",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn parameters_are_checked_when_the_catalogue_loads() {
    let client = mock_client!(
        aws_sdk_config,
        RuleMode::MatchAny,
        Vec::<&aws_smithy_mocks::Rule>::new()
    );
    let c = RuleCompliance::new(client);
    assert!(c
        .check_parameters(&json!({}))
        .unwrap_err()
        .contains("`rules` is required"));
    assert!(c
        .check_parameters(&json!({"rules": []}))
        .unwrap_err()
        .contains("must not be empty"));
    assert!(c
        .check_parameters(&json!({"rules": ["a"], "rule": "b"}))
        .unwrap_err()
        .contains("unknown parameter `rule`"));
}

#[tokio::test]
async fn securityhub_get_findings_sends_the_filters_and_follows_next_token() {
    use aws_sdk_securityhub::operation::get_findings::GetFindingsOutput;
    use aws_sdk_securityhub::types::{AwsSecurityFinding, StringFilterComparison};
    let finding = |id: &str| {
        AwsSecurityFinding::builder()
            .id(id)
            .aws_account_id("123456789012")
            .compliance(
                aws_sdk_securityhub::types::Compliance::builder()
                    .status(aws_sdk_securityhub::types::ComplianceStatus::Failed)
                    .security_control_id("S3.8")
                    .build(),
            )
            .build()
    };
    let filtered = |r: &aws_sdk_securityhub::operation::get_findings::GetFindingsInput| {
        let f = r.filters().expect("filters sent");
        let ids: Vec<_> = f
            .compliance_security_control_id()
            .iter()
            .map(|s| (s.value(), s.comparison().cloned()))
            .collect();
        let statuses: Vec<_> = f.compliance_status().iter().map(|s| s.value()).collect();
        ids == [(Some("S3.8"), Some(StringFilterComparison::Equals))]
            && statuses == [Some("FAILED")]
            && f.record_state().is_empty()
    };
    let page1 = mock!(aws_sdk_securityhub::Client::get_findings)
        .match_requests(move |r| filtered(r) && r.next_token().is_none())
        .then_output(move || {
            GetFindingsOutput::builder()
                .findings(finding("f-2"))
                .next_token("t2")
                .build()
        });
    let page2 = mock!(aws_sdk_securityhub::Client::get_findings)
        .match_requests(move |r| filtered(r) && r.next_token() == Some("t2"))
        .then_output(move || {
            GetFindingsOutput::builder()
                .findings(finding("f-1"))
                .build()
        });
    let client = mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&page1, &page2]);
    let parameters = json!({"security_control_ids": ["S3.8"], "compliance_statuses": ["FAILED"]});
    let limiter = RateLimiter::per_second(1000.0);
    let payload = Findings::new(client)
        .collect(CollectRequest {
            period: &period(),
            parameters: &parameters,
            limiter: &limiter,
        })
        .await
        .unwrap();
    assert_eq!(payload["finding_count"], 2);
    assert_eq!(payload["failed_count"], 2);
    assert_eq!(payload["findings"][0]["id"], "f-1");
}
