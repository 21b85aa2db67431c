//! AWS Config "Config Rules Compliance Change" events.

use serde::Deserialize;
use serde_json::Value;

use super::fields::{in_detail as name, view, Field, Loose};
use super::resource_types;
use super::{with_evidence, NormalizedFinding, Origin, Source};
use crate::error::NormalizeError;
use crate::finding::{ComplianceStatus, Disposition, Finding, FindingSource, Severity, Subject};

/// The members of a Config rule compliance change's `detail` that normalisation reads.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", bound(deserialize = "'de: 'a"))]
struct ConfigDetail<'a> {
    config_rule_name: Field<'a>,
    new_evaluation_result: Loose<EvaluationView<'a>>,
    resource_type: Field<'a>,
    resource_id: Field<'a>,
    aws_account_id: Field<'a>,
    aws_region: Field<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", bound(deserialize = "'de: 'a"))]
struct EvaluationView<'a> {
    compliance_type: Field<'a>,
    evaluation_result_identifier: Loose<IdentifierView<'a>>,
    result_recorded_time: Field<'a>,
    annotation: Field<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", bound(deserialize = "'de: 'a"))]
struct IdentifierView<'a> {
    ordering_timestamp: Field<'a>,
    evaluation_result_qualifier: Loose<QualifierView<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", bound(deserialize = "'de: 'a"))]
struct QualifierView<'a> {
    resource_type: Field<'a>,
    resource_id: Field<'a>,
}

pub(super) fn normalize(
    source: Source,
    detail: &Value,
) -> Result<NormalizedFinding, NormalizeError> {
    let (envelope, catalogue, f) = (source.envelope, source.catalogue, source.f);
    let v: ConfigDetail = view(detail, "detail", f)?;
    let rule = f.required(v.config_rule_name, name("configRuleName"))?;
    let result = v.new_evaluation_result.0.unwrap_or_default();
    let compliance = f.required(
        result.compliance_type,
        name("newEvaluationResult.complianceType"),
    )?;
    let status = ComplianceStatus::from_source_value(compliance)
        .filter(|s| *s != ComplianceStatus::Warning)
        .ok_or_else(|| {
            f.invalid(
                "detail.newEvaluationResult.complianceType",
                format!("`{compliance}` is not COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE or INSUFFICIENT_DATA"),
            )
        })?;
    let identifier = result.evaluation_result_identifier.0.unwrap_or_default();
    // Older payloads name the resource only in the evaluation's qualifier.
    let qualifier = identifier.evaluation_result_qualifier.0.unwrap_or_default();
    let resource_type = v
        .resource_type
        .non_empty()
        .or_else(|| qualifier.resource_type.non_empty())
        .ok_or_else(|| f.missing("detail.resourceType"))?;
    let resource_id = v
        .resource_id
        .non_empty()
        .or_else(|| qualifier.resource_id.non_empty())
        .ok_or_else(|| f.missing("detail.resourceId"))?;
    // Config orders evaluations by orderingTimestamp; older payloads only carry resultRecordedTime.
    let (observed, observed_at_field) = if identifier.ordering_timestamp.non_empty().is_some() {
        (
            identifier.ordering_timestamp,
            "detail.newEvaluationResult.evaluationResultIdentifier.orderingTimestamp",
        )
    } else {
        (
            result.result_recorded_time,
            "detail.newEvaluationResult.resultRecordedTime",
        )
    };
    let observed_at = f.required_timestamp(observed, || observed_at_field.to_string())?;

    let account = v.aws_account_id.or(&envelope.account);
    let region = v.aws_region.or(&envelope.region);
    let finding = Finding {
        source: FindingSource::Config,
        event_id: envelope.id.clone(),
        source_finding_id: [rule, "/", resource_type, "/", resource_id].concat(),
        subject: Subject {
            resource_type: resource_type.to_string(),
            resource_id: resource_types::resource_id(resource_type, resource_id, &account, &region),
            account,
            region,
            rule_id: rule.to_string(),
        },
        status,
        source_status: compliance.to_string(),
        severity: Severity::Unspecified,
        disposition: Disposition::Active,
        observed_at,
        delivered_at: source.delivered_at.clone(),
        title: result.annotation.non_empty().map(str::to_string),
        controls: catalogue.config_rule_controls(rule),
    };
    let origin = Origin {
        product_arn: None,
        observed_at_field,
        resource: None,
    };
    with_evidence(envelope, detail, finding, origin, f)
}
