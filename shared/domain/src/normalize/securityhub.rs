//! Security Hub "Security Hub Findings - Imported" events: every finding in `detail.findings`.

use crate::json::Json;

use super::fields::{opt_str, Fields};
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
    let id = f.string_at(raw, "Id", at("Id"))?;
    let account = f.string_at(raw, "AwsAccountId", at("AwsAccountId"))?;
    let observed_at = f.timestamp_at(raw, "UpdatedAt", at("UpdatedAt"))?;
    let resource = raw
        .get("Resources")
        .and_then(|r| r.index(0))
        .ok_or_else(|| f.missing(&at("Resources[0]")()))?;
    let resource_type = f.string_at(resource, "Type", at("Resources[0].Type"))?;
    let resource_id = f.string_at(resource, "Id", at("Resources[0].Id"))?;

    let control_id = opt_str(raw, "Compliance.SecurityControlId");
    let rule_id = match control_id.or_else(|| opt_str(raw, "ProductFields.ControlId")) {
        Some(c) => c,
        None => f.string_at(raw, "GeneratorId", at("GeneratorId"))?,
    };

    // Findings without a compliance verdict (GuardDuty, Inspector, ...) are security signals to review.
    let (status, source_status) = match opt_str(raw, "Compliance.Status") {
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

    let severity = match opt_str(raw, "Severity.Label") {
        Some(label) => Severity::from_label(label).ok_or_else(|| {
            f.invalid(
                &at("Severity.Label")(),
                format!("unknown severity `{label}`"),
            )
        })?,
        None => raw
            .get("Severity")
            .and_then(|s| s.get("Normalized"))
            .and_then(|n| n.as_u64())
            .map(severity_from_normalized)
            .unwrap_or(Severity::Unspecified),
    };

    let disposition = if opt_str(raw, "RecordState") == Some("ARCHIVED") {
        Disposition::Archived
    } else if opt_str(raw, "Workflow.Status") == Some("SUPPRESSED")
        || opt_str(raw, "WorkflowState") == Some("SUPPRESSED")
    {
        Disposition::Suppressed
    } else {
        Disposition::Active
    };

    let related = raw
        .get("Compliance")
        .and_then(|c| c.get("RelatedRequirements"))
        .and_then(|r| r.elements())
        .map(|a| a.filter_map(|r| r.as_str()).collect::<Vec<_>>())
        .unwrap_or_default();

    let finding = Finding {
        source: FindingSource::SecurityHub,
        event_id: envelope.id.clone(),
        source_finding_id: id.to_string(),
        account: account.to_string(),
        region: opt_str(raw, "Region")
            .unwrap_or(&envelope.region)
            .to_string(),
        resource_type: resource_type.to_string(),
        resource_id: resource_id.to_string(),
        rule_id: rule_id.to_string(),
        status,
        source_status,
        severity,
        disposition,
        observed_at,
        title: opt_str(raw, "Title").map(str::to_string),
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
