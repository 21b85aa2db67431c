//! AWS Config "Config Rules Compliance Change" events.

use crate::json::Json;

use super::fields::{members_named, non_empty, Fields};
use super::{with_evidence, Envelope, NormalizedFinding};
use crate::catalogue::Catalogue;
use crate::error::NormalizeError;
use crate::finding::{ComplianceStatus, Disposition, Finding, FindingSource, Severity};

pub(super) fn normalize(
    envelope: &Envelope,
    detail: Json,
    catalogue: &Catalogue,
    f: &Fields,
    event_size: usize,
) -> Result<NormalizedFinding, NormalizeError> {
    let name = |field: &'static str| move || format!("detail.{field}");
    let [rule, new_result, resource_type, resource_id, account, region] = members_named(
        detail,
        [
            "configRuleName",
            "newEvaluationResult",
            "resourceType",
            "resourceId",
            "awsAccountId",
            "awsRegion",
        ],
    );
    let rule = f.required(rule, name("configRuleName"))?;
    let [compliance, identifier, recorded_time, annotation] = new_result
        .map(|r| {
            members_named(
                r,
                [
                    "complianceType",
                    "evaluationResultIdentifier",
                    "resultRecordedTime",
                    "annotation",
                ],
            )
        })
        .unwrap_or_default();
    let compliance = f.required(compliance, name("newEvaluationResult.complianceType"))?;
    let status = ComplianceStatus::from_source_value(compliance)
        .filter(|s| *s != ComplianceStatus::Warning)
        .ok_or_else(|| {
            f.invalid(
                "detail.newEvaluationResult.complianceType",
                format!("`{compliance}` is not COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE or INSUFFICIENT_DATA"),
            )
        })?;
    let [ordering_time, qualifier] = identifier
        .map(|i| members_named(i, ["orderingTimestamp", "evaluationResultQualifier"]))
        .unwrap_or_default();
    // Older payloads name the resource only in the evaluation's qualifier.
    let [qualified_type, qualified_id] = qualifier
        .map(|q| members_named(q, ["resourceType", "resourceId"]))
        .unwrap_or_default();
    let resource_type = non_empty(resource_type)
        .or_else(|| non_empty(qualified_type))
        .ok_or_else(|| f.missing("detail.resourceType"))?;
    let resource_id = non_empty(resource_id)
        .or_else(|| non_empty(qualified_id))
        .ok_or_else(|| f.missing("detail.resourceId"))?;
    // Config orders evaluations by orderingTimestamp; older payloads only carry resultRecordedTime.
    let observed_at = if non_empty(ordering_time).is_some() {
        f.required_timestamp(
            ordering_time,
            name("newEvaluationResult.evaluationResultIdentifier.orderingTimestamp"),
        )?
    } else {
        f.required_timestamp(
            recorded_time,
            name("newEvaluationResult.resultRecordedTime"),
        )?
    };

    let finding = Finding {
        source: FindingSource::Config,
        event_id: envelope.id.clone(),
        source_finding_id: [rule, "/", resource_type, "/", resource_id].concat(),
        account: non_empty(account).unwrap_or(&envelope.account).to_string(),
        region: non_empty(region).unwrap_or(&envelope.region).to_string(),
        resource_type: resource_type.to_string(),
        resource_id: resource_id.to_string(),
        rule_id: rule.to_string(),
        status,
        source_status: compliance.to_string(),
        severity: Severity::Unspecified,
        disposition: Disposition::Active,
        observed_at,
        title: non_empty(annotation).map(str::to_string),
        controls: catalogue.config_rule_controls(rule),
    };
    with_evidence(envelope, detail, event_size, finding, f)
}
