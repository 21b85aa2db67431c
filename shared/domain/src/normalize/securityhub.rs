//! Security Hub CSPM "Security Hub Findings - Imported" events (ASFF): every finding in
//! `detail.findings`, and every resource each finding names (one state per resource), its type in
//! CloudFormation's name ([`super::resource_types`]).

use serde::Deserialize;
use serde_json::Value;

use super::fields::{view, Field, Fields, Items, Loose};
use super::resource_types;
use super::securityhub_batch::{self, per_resource, Resources};
use super::{Envelope, NormalizedFinding, Origin, RecordResults, Source};
use crate::catalogue::Catalogue;
use crate::error::NormalizeError;
use crate::finding::{ComplianceStatus, Disposition, Finding, FindingSource, Severity, Subject};
use crate::timestamp::Timestamp;

/// The members of one ASFF finding that normalisation reads.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct FindingView<'a> {
    id: Field<'a>,
    aws_account_id: Field<'a>,
    updated_at: Field<'a>,
    product_arn: Field<'a>,
    resources: Items<Loose<ResourceView<'a>>>,
    compliance: Loose<ComplianceView<'a>>,
    product_fields: Loose<ProductFieldsView<'a>>,
    generator_id: Field<'a>,
    severity: Loose<SeverityView<'a>>,
    record_state: Field<'a>,
    workflow: Loose<WorkflowView<'a>>,
    workflow_state: Field<'a>,
    region: Field<'a>,
    title: Field<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, bound(deserialize = "'de: 'a"))]
struct ResourceView<'a> {
    #[serde(rename = "Type")]
    resource_type: Field<'a>,
    #[serde(rename = "Id")]
    id: Field<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct ComplianceView<'a> {
    security_control_id: Field<'a>,
    status: Field<'a>,
    related_requirements: Items<Field<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct ProductFieldsView<'a> {
    control_id: Field<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct SeverityView<'a> {
    label: Field<'a>,
    normalized: Field<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct WorkflowView<'a> {
    status: Field<'a>,
}

/// Each finding of the batch normalised on its own (see [`super::each_record`]).
pub(super) fn normalize(source: Source, detail: &Value) -> Result<RecordResults, NormalizeError> {
    let (envelope, catalogue, f) = (source.envelope, source.catalogue, source.f);
    let delivered_at = source.delivered_at;
    let findings = securityhub_batch::records(detail, f)?;
    Ok(findings
        .iter()
        .enumerate()
        .map(|(i, raw)| one(envelope, delivered_at, raw, i, catalogue, f))
        .collect())
}

fn one(
    envelope: &Envelope,
    delivered_at: &Timestamp,
    raw: &Value,
    index: usize,
    catalogue: &Catalogue,
    f: &Fields,
) -> Result<Vec<NormalizedFinding>, NormalizeError> {
    // Field names for errors, built only when there is one.
    let at = |field: &'static str| move || format!("detail.findings[{index}].{field}");
    let here = format!("detail.findings[{index}]");
    if !raw.is_object() {
        return Err(f.invalid(&here, "expected an object"));
    }
    let v: FindingView = view(raw, &here, f)?;
    let id = f.required(v.id, at("Id"))?;
    let account = f.required(v.aws_account_id, at("AwsAccountId"))?;
    let observed_at = f.required_timestamp(v.updated_at, at("UpdatedAt"))?;
    if v.resources.0.is_empty() {
        return Err(f.missing(&at("Resources[0]")()));
    }
    let region = v.region.or(&envelope.region);
    let mut resources = Resources::default();
    for (r, resource) in v.resources.0.into_iter().enumerate() {
        let resource = resource.0.unwrap_or_default();
        let field =
            |name: &'static str| move || format!("detail.findings[{index}].Resources[{r}].{name}");
        let resource_type = f.required(resource.resource_type, field("Type"))?;
        let resource_id = f.required(resource.id, field("Id"))?;
        let resource_type = resource_types::from_asff(resource_type);
        let resource_id = resource_types::resource_id(resource_type, resource_id, account, &region);
        resources.add(r, resource_type, resource_id);
    }

    let compliance = v.compliance.0.unwrap_or_default();
    let control_id = compliance.security_control_id.non_empty();
    let product_control = v.product_fields.0.and_then(|p| p.control_id.non_empty());
    // Findings from before consolidated control findings (2023) carry no `SecurityControlId`.
    let legacy = match control_id {
        Some(_) => Legacy::default(),
        None => Legacy::of(v.generator_id.non_empty(), product_control, catalogue),
    };
    let rule_id = match control_id.or(product_control).or(legacy.control_id) {
        Some(c) => c,
        None => f.required(v.generator_id, at("GeneratorId"))?,
    };

    // Findings without a compliance verdict (GuardDuty, Inspector, ...) are security signals to review.
    let (status, source_status) = match compliance.status.non_empty() {
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

    let severity = v.severity.0.unwrap_or_default();
    let severity = match severity.label.non_empty() {
        Some(label) => Severity::from_label(label).ok_or_else(|| {
            f.invalid(
                &at("Severity.Label")(),
                format!("unknown severity `{label}`"),
            )
        })?,
        None => severity
            .normalized
            .as_u64()
            .map(severity_from_normalized)
            .unwrap_or(Severity::Unspecified),
    };

    let workflow_status = v.workflow.0.and_then(|w| w.status.non_empty());
    let disposition = if v.record_state.non_empty() == Some("ARCHIVED") {
        Disposition::Archived
    } else if workflow_status == Some("SUPPRESSED")
        || v.workflow_state.non_empty() == Some("SUPPRESSED")
    {
        Disposition::Suppressed
    } else {
        Disposition::Active
    };

    let related = compliance
        .related_requirements
        .0
        .into_iter()
        .filter_map(|r| match r {
            Field::Str(s) => Some(s),
            _ => None,
        });
    let related = related.chain(legacy.requirement.as_deref());
    let control_id = control_id.or(legacy.control_id);

    let controls = catalogue.securityhub_controls(control_id, related);
    let finding = Finding {
        source: FindingSource::SecurityHub,
        event_id: envelope.id.clone(),
        source_finding_id: id.to_string(),
        subject: Subject {
            account: account.to_string(),
            region,
            // Set per resource by `per_resource`.
            resource_type: String::new(),
            resource_id: String::new(),
            rule_id: rule_id.to_string(),
        },
        status,
        source_status,
        severity,
        disposition,
        observed_at,
        delivered_at: delivered_at.clone(),
        title: v.title.non_empty().map(str::to_string),
        controls,
    };
    // Kept as given (not required here): whether its provenance is accepted is
    // `crate::admission`'s decision, so `attest normalize` still reads any finding.
    let origin = Origin {
        product_arn: v.product_arn.non_empty().map(str::to_string),
        observed_at_field: "UpdatedAt",
        resource: None,
    };
    per_resource(envelope, raw, finding, resources, origin, f)
}

/// What a pre-2023 (not consolidated) finding says its control is, where only its standard's own
/// naming gives it: `ProductFields.ControlId` of an AWS Foundational Security Best Practices
/// finding is the security control id itself (`EC2.7`); a CIS finding's `GeneratorId` names the
/// benchmark version and rule (`arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.3`,
/// or `cis-aws-foundations-benchmark/v/1.4.0/1.14`), read as the requirement
/// `CIS AWS Foundations Benchmark v1.2.0/1.3` that `RelatedRequirements` would hold, and as the
/// security control whose catalogue rows alone map that requirement (`IAM.8`; Security Hub's CIS
/// page maps each CIS rule to one control), so it is the same state as a consolidated finding.
#[derive(Default)]
struct Legacy<'a> {
    control_id: Option<&'a str>,
    requirement: Option<String>,
}

impl<'a> Legacy<'a> {
    fn of(
        generator_id: Option<&'a str>,
        product_control: Option<&'a str>,
        catalogue: &'a Catalogue,
    ) -> Self {
        let Some(generator) = generator_id else {
            return Legacy::default();
        };
        if generator.contains("aws-foundational-security-best-practices/v/") {
            return Legacy {
                control_id: product_control,
                requirement: None,
            };
        }
        let requirement = generator
            .split_once("cis-aws-foundations-benchmark/v/")
            .and_then(|(_, rest)| rest.split_once('/'))
            .map(|(version, rule)| (version, rule.strip_prefix("rule/").unwrap_or(rule)))
            .filter(|(version, rule)| {
                !version.is_empty() && !rule.is_empty() && !rule.contains('/')
            })
            .map(|(version, rule)| format!("CIS AWS Foundations Benchmark v{version}/{rule}"));
        Legacy {
            control_id: requirement
                .as_deref()
                .and_then(|r| catalogue.securityhub_control_of_requirement(r)),
            requirement,
        }
    }
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
