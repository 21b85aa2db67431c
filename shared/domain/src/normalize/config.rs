//! AWS Config "Config Rules Compliance Change" events.

use crate::json::Json;

use super::fields::{opt_str, Fields};
use super::{with_evidence, Envelope, NormalizedFinding};
use crate::catalogue::Catalogue;
use crate::error::NormalizeError;
use crate::finding::{ComplianceStatus, Disposition, Finding, FindingSource, Severity};

const QUALIFIER: &str = "newEvaluationResult.evaluationResultIdentifier.evaluationResultQualifier";

pub(super) fn normalize(
    envelope: &Envelope,
    detail: Json,
    catalogue: &Catalogue,
    f: &Fields,
    event_size: usize,
) -> Result<NormalizedFinding, NormalizeError> {
    let rule = f.string_named(detail, "configRuleName", "detail.configRuleName")?;
    let compliance = f.string_named(
        detail,
        "newEvaluationResult.complianceType",
        "detail.newEvaluationResult.complianceType",
    )?;
    let status = ComplianceStatus::from_source_value(compliance)
        .filter(|s| *s != ComplianceStatus::Warning)
        .ok_or_else(|| {
            f.invalid(
                "detail.newEvaluationResult.complianceType",
                format!("`{compliance}` is not COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE or INSUFFICIENT_DATA"),
            )
        })?;
    let resource_type = opt_str(detail, "resourceType")
        .or_else(|| opt_str(detail, &format!("{QUALIFIER}.resourceType")))
        .ok_or_else(|| f.missing("detail.resourceType"))?;
    let resource_id = opt_str(detail, "resourceId")
        .or_else(|| opt_str(detail, &format!("{QUALIFIER}.resourceId")))
        .ok_or_else(|| f.missing("detail.resourceId"))?;
    // Config orders evaluations by orderingTimestamp; older payloads only carry resultRecordedTime.
    let observed_at = if opt_str(
        detail,
        "newEvaluationResult.evaluationResultIdentifier.orderingTimestamp",
    )
    .is_some()
    {
        f.timestamp(
            detail,
            "newEvaluationResult.evaluationResultIdentifier.orderingTimestamp",
            "detail.newEvaluationResult.evaluationResultIdentifier.orderingTimestamp",
        )?
    } else {
        f.timestamp(
            detail,
            "newEvaluationResult.resultRecordedTime",
            "detail.newEvaluationResult.resultRecordedTime",
        )?
    };

    let finding = Finding {
        source: FindingSource::Config,
        event_id: envelope.id.clone(),
        source_finding_id: format!("{rule}/{resource_type}/{resource_id}"),
        account: opt_str(detail, "awsAccountId")
            .unwrap_or(&envelope.account)
            .to_string(),
        region: opt_str(detail, "awsRegion")
            .unwrap_or(&envelope.region)
            .to_string(),
        resource_type: resource_type.to_string(),
        resource_id: resource_id.to_string(),
        rule_id: rule.to_string(),
        status,
        source_status: compliance.to_string(),
        severity: Severity::Unspecified,
        disposition: Disposition::Active,
        observed_at,
        title: opt_str(detail, "newEvaluationResult.annotation").map(str::to_string),
        controls: catalogue.config_rule_controls(rule).to_vec(),
    };
    with_evidence(envelope, detail, event_size, finding, f)
}
