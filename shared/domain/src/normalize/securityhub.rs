//! Security Hub "Security Hub Findings - Imported" events: every finding in `detail.findings`.

use crate::json::Json;

use super::fields::{members_named, non_empty, opt_str, Fields};
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
) -> Result<Vec<NormalizedFinding>, NormalizeError> {
    let findings = match detail.get("findings") {
        None => return Err(f.missing("detail.findings")),
        Some(v) if v.is_null() => return Err(f.missing("detail.findings")),
        Some(v) => match v.elements() {
            Some(a) if a.len() == 0 => return Err(f.invalid("detail.findings", "is empty")),
            Some(a) => a,
            None => return Err(f.invalid("detail.findings", "expected an array")),
        },
    };
    // Findings in one event are of similar size.
    let record_size = event_size / findings.len();
    findings
        .enumerate()
        .map(|(i, raw)| one(envelope, raw, i, record_size, catalogue, f))
        .collect()
}

fn one(
    envelope: &Envelope,
    raw: Json,
    index: usize,
    record_size: usize,
    catalogue: &Catalogue,
    f: &Fields,
) -> Result<NormalizedFinding, NormalizeError> {
    // Field names for errors, built only when there is one.
    let at = |field: &'static str| move || format!("detail.findings[{index}].{field}");
    if !raw.is_object() {
        return Err(f.invalid(&format!("detail.findings[{index}]"), "expected an object"));
    }
    // One pass over the finding's (thirty or so) members for every field read here.
    let [id, account, updated_at, resources, compliance, product_fields, generator_id, severity, record_state, workflow, workflow_state, region, title] =
        members_named(
            raw,
            [
                "Id",
                "AwsAccountId",
                "UpdatedAt",
                "Resources",
                "Compliance",
                "ProductFields",
                "GeneratorId",
                "Severity",
                "RecordState",
                "Workflow",
                "WorkflowState",
                "Region",
                "Title",
            ],
        );
    let id = f.required(id, at("Id"))?;
    let account = f.required(account, at("AwsAccountId"))?;
    let observed_at = f.required_timestamp(updated_at, at("UpdatedAt"))?;
    let resource = resources
        .and_then(|r| r.index(0))
        .ok_or_else(|| f.missing(&at("Resources[0]")()))?;
    let [resource_type, resource_id] = members_named(resource, ["Type", "Id"]);
    let resource_type = f.required(resource_type, at("Resources[0].Type"))?;
    let resource_id = f.required(resource_id, at("Resources[0].Id"))?;

    let [control_id, compliance_status, related] = compliance
        .map(|c| members_named(c, ["SecurityControlId", "Status", "RelatedRequirements"]))
        .unwrap_or_default();
    let control_id = non_empty(control_id);
    let rule_id = match control_id.or_else(|| product_fields.and_then(|p| opt_str(p, "ControlId")))
    {
        Some(c) => c,
        None => f.required(generator_id, at("GeneratorId"))?,
    };

    // Findings without a compliance verdict (GuardDuty, Inspector, ...) are security signals to review.
    let (status, source_status) = match non_empty(compliance_status) {
        Some(word) => (
            ComplianceStatus::from_source_value(word)
                .filter(|s| {
                    matches!(
                        s,
                        ComplianceStatus::Compliant
                            | ComplianceStatus::NonCompliant
                            | ComplianceStatus::Warning
                            | ComplianceStatus::InsufficientData
                    )
                })
                .ok_or_else(|| {
                    f.invalid(
                        &at("Compliance.Status")(),
                        format!("`{word}` is not PASSED, FAILED, WARNING or NOT_AVAILABLE"),
                    )
                })?,
            word.to_string(),
        ),
        None => (ComplianceStatus::Warning, String::new()),
    };

    let [label, normalized] = severity
        .map(|s| members_named(s, ["Label", "Normalized"]))
        .unwrap_or_default();
    let severity = match non_empty(label) {
        Some(label) => Severity::from_label(label).ok_or_else(|| {
            f.invalid(
                &at("Severity.Label")(),
                format!("unknown severity `{label}`"),
            )
        })?,
        None => normalized
            .and_then(|n| n.as_u64())
            .map(severity_from_normalized)
            .unwrap_or(Severity::Unspecified),
    };

    let disposition = if non_empty(record_state) == Some("ARCHIVED") {
        Disposition::Archived
    } else if workflow.and_then(|w| opt_str(w, "Status")) == Some("SUPPRESSED")
        || non_empty(workflow_state) == Some("SUPPRESSED")
    {
        Disposition::Suppressed
    } else {
        Disposition::Active
    };

    let related = related
        .and_then(|r| r.elements())
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str());

    let finding = Finding {
        source: FindingSource::SecurityHub,
        event_id: envelope.id.clone(),
        source_finding_id: id.to_string(),
        account: account.to_string(),
        region: non_empty(region).unwrap_or(&envelope.region).to_string(),
        resource_type: resource_type.to_string(),
        resource_id: resource_id.to_string(),
        rule_id: rule_id.to_string(),
        status,
        source_status,
        severity,
        disposition,
        observed_at,
        title: non_empty(title).map(str::to_string),
        controls: catalogue.securityhub_controls(control_id, related),
    };
    with_evidence(envelope, raw, record_size, finding, f)
}

/// ASFF's documented bands for `Severity.Normalized` when no label is given.
fn severity_from_normalized(n: u64) -> Severity {
    match n {
        0 => Severity::Informational,
        1..=39 => Severity::Low,
        40..=69 => Severity::Medium,
        70..=89 => Severity::High,
        _ => Severity::Critical,
    }
}
