//! The new AWS Security Hub's "Findings Imported V2" events: OCSF findings in `detail.findings`
//! (OCSF 1.6 and later, as AWS's "OCSF findings in Security Hub" page says), every resource of
//! each finding a state of its own.
//!
//! | what | OCSF member |
//! |---|---|
//! | control result | `compliance.status_id` (1 Pass, 2 Warning, 3 Fail), else its caption `compliance.status`; no `compliance` (a GuardDuty Detection Finding): WARNING, a signal to review |
//! | rule | `compliance.control` (`S3.8`), else `finding_info.types[0]`, else `finding_info.analytic.uid` |
//! | requirements | `compliance.requirements[]` (the CSPM's `RelatedRequirements` strings) |
//! | resources | `resources[]`: `type` (CloudFormation's names), id `uid_alt` (the ARN) or else `uid`, in one form (`resource_types::resource_id`) |
//! | account, region | `cloud.account.uid`, `cloud.region` (else the envelope's) |
//! | observed | `finding_info.modified_time_dt`, else `time_dt` |
//! | disposition | `status_id` 3 Suppressed; `status_id` 5 Archived or `activity_id` 3 Close: archived |
//! | provenance | `metadata.product.uid` (`arn:aws:securityhub:{region}::productv2/aws/{service}`) |
//!
//! **One state with the CSPM.** A team running both hubs gets each control result twice, once as
//! ASFF and once as OCSF. Both become the same state: the state is keyed by account, region, rule
//! and resource id, and here the rule is the same control id and the resource id the same ARN that
//! ASFF's `Resources[].Id` gives (`uid_alt`; an account, which has no ARN, is its plain id in every
//! source). The newer observation wins, as between any two evaluations.

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

/// The members of one OCSF finding that normalisation reads.
#[derive(Deserialize, Default)]
#[serde(default, bound(deserialize = "'de: 'a"))]
struct FindingView<'a> {
    activity_id: Field<'a>,
    status_id: Field<'a>,
    severity_id: Field<'a>,
    severity: Field<'a>,
    time_dt: Field<'a>,
    finding_info: Loose<FindingInfoView<'a>>,
    compliance: Loose<ComplianceView<'a>>,
    resources: Items<Loose<ResourceView<'a>>>,
    cloud: Loose<CloudView<'a>>,
    metadata: Loose<MetadataView<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, bound(deserialize = "'de: 'a"))]
struct FindingInfoView<'a> {
    uid: Field<'a>,
    title: Field<'a>,
    modified_time_dt: Field<'a>,
    types: Items<Field<'a>>,
    analytic: Loose<AnalyticView<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, bound(deserialize = "'de: 'a"))]
struct AnalyticView<'a> {
    uid: Field<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, bound(deserialize = "'de: 'a"))]
struct ComplianceView<'a> {
    control: Field<'a>,
    status: Field<'a>,
    status_id: Field<'a>,
    requirements: Items<Field<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, bound(deserialize = "'de: 'a"))]
struct ResourceView<'a> {
    #[serde(rename = "type")]
    resource_type: Field<'a>,
    uid: Field<'a>,
    uid_alt: Field<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, bound(deserialize = "'de: 'a"))]
struct CloudView<'a> {
    account: Loose<AccountView<'a>>,
    region: Field<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, bound(deserialize = "'de: 'a"))]
struct AccountView<'a> {
    uid: Field<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, bound(deserialize = "'de: 'a"))]
struct MetadataView<'a> {
    product: Loose<ProductView<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, bound(deserialize = "'de: 'a"))]
struct ProductView<'a> {
    uid: Field<'a>,
}

/// Each finding of the batch normalised on its own (see [`super::each_record`]).
pub(super) fn normalize(source: Source, detail: &Value) -> Result<RecordResults, NormalizeError> {
    let (envelope, catalogue, f) = (source.envelope, source.catalogue, source.f);
    let findings = securityhub_batch::records(detail, f)?;
    Ok(findings
        .iter()
        .enumerate()
        .map(|(i, raw)| one(envelope, source.delivered_at, raw, i, catalogue, f))
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
    let at = |field: &'static str| move || format!("detail.findings[{index}].{field}");
    let here = format!("detail.findings[{index}]");
    if !raw.is_object() {
        return Err(f.invalid(&here, "expected an object"));
    }
    let v: FindingView = view(raw, &here, f)?;
    let info = v.finding_info.0.unwrap_or_default();
    let id = f.required(info.uid, at("finding_info.uid"))?;
    let cloud = v.cloud.0.unwrap_or_default();
    let account_field = cloud.account.0.unwrap_or_default().uid;
    let account = f.required(account_field, at("cloud.account.uid"))?;
    let (observed_at, observed_at_field) = match info.modified_time_dt {
        Field::Absent | Field::Null => (f.required_timestamp(v.time_dt, at("time_dt"))?, "time_dt"),
        given => (
            f.required_timestamp(given, at("finding_info.modified_time_dt"))?,
            "finding_info.modified_time_dt",
        ),
    };

    if v.resources.0.is_empty() {
        return Err(f.missing(&at("resources[0]")()));
    }
    let region = cloud.region.or(&envelope.region);
    let mut resources = Resources::default();
    for (r, resource) in v.resources.0.into_iter().enumerate() {
        let resource = resource.0.unwrap_or_default();
        let field =
            |name: &'static str| move || format!("detail.findings[{index}].resources[{r}].{name}");
        let resource_type = f.required(resource.resource_type, field("type"))?;
        let resource_id = match resource.uid_alt.non_empty() {
            Some(arn) => arn,
            None => f.required(resource.uid, field("uid"))?,
        };
        let resource_id = resource_types::resource_id(resource_type, resource_id, account, &region);
        resources.add(r, resource_type, resource_id);
    }

    let compliance = v.compliance.0;
    let control = compliance.as_ref().and_then(|c| c.control.non_empty());
    let rule_id = match control
        .or_else(|| info.types.0.first().and_then(|t| t.non_empty()))
        .or_else(|| info.analytic.0.as_ref().and_then(|a| a.uid.non_empty()))
    {
        Some(rule) => rule,
        None => f.required(Field::Absent, at("compliance.control"))?,
    };
    let (status, source_status) = match &compliance {
        Some(c) => control_result(c, index, f)?,
        // Detection findings (GuardDuty, Inspector, ...) carry no verdict: a signal to review.
        None => (ComplianceStatus::Warning, String::new()),
    };
    let severity = severity(v.severity_id, v.severity, index, f)?;
    let disposition = match (v.status_id.as_u64(), v.activity_id.as_u64()) {
        (Some(5), _) | (_, Some(3)) => Disposition::Archived,
        (Some(3), _) => Disposition::Suppressed,
        _ => Disposition::Active,
    };
    let requirements = compliance
        .iter()
        .flat_map(|c| c.requirements.0.iter())
        .filter_map(|r| r.non_empty());
    let controls = catalogue.securityhub_controls(control, requirements);

    let product_arn = v
        .metadata
        .0
        .and_then(|m| m.product.0)
        .and_then(|p| p.uid.non_empty())
        .map(str::to_string);
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
        title: info.title.non_empty().map(str::to_string),
        controls,
    };
    let origin = Origin {
        product_arn,
        observed_at_field,
        resource: None,
    };
    per_resource(envelope, raw, finding, resources, origin, f)
}

/// The control result: OCSF's `status_id` where given (its caption may be localised or missing),
/// else the caption; with the word as the source wrote it.
fn control_result(
    c: &ComplianceView,
    index: usize,
    f: &Fields,
) -> Result<(ComplianceStatus, String), NormalizeError> {
    let at = |field: &str| format!("detail.findings[{index}].compliance.{field}");
    let caption = c.status.non_empty();
    let written = caption.map(str::to_string).unwrap_or_default();
    if let Some(id) = c.status_id.as_u64() {
        let status = match id {
            1 => ComplianceStatus::Compliant,
            2 => ComplianceStatus::Warning,
            3 => ComplianceStatus::NonCompliant,
            // 0 Unknown, 99 Other: no verdict to count.
            0 | 99 => ComplianceStatus::InsufficientData,
            other => {
                return Err(f.invalid(
                    &at("status_id"),
                    format!("`{other}` is not an OCSF compliance status (0, 1, 2, 3 or 99)"),
                ))
            }
        };
        let written = if written.is_empty() {
            format!("status_id={id}")
        } else {
            written
        };
        return Ok((status, written));
    }
    // Captions are compared in any case, as OCSF consumers do (AWS's own remediation solution
    // lower-cases them first).
    let status = match caption.map(str::to_ascii_lowercase).as_deref() {
        Some("pass") => ComplianceStatus::Compliant,
        Some("warning") => ComplianceStatus::Warning,
        Some("fail") => ComplianceStatus::NonCompliant,
        Some("unknown" | "other") => ComplianceStatus::InsufficientData,
        Some(_) => {
            let word = caption.unwrap_or_default();
            return Err(f.invalid(
                &at("status"),
                format!("`{word}` is not Pass, Warning, Fail, Unknown or Other"),
            ));
        }
        None => return Err(f.missing(&at("status_id"))),
    };
    Ok((status, written))
}

/// OCSF's `severity_id` (1 Informational … 5 Critical, 6 Fatal), else its caption.
fn severity(
    id: Field,
    caption: Field,
    index: usize,
    f: &Fields,
) -> Result<Severity, NormalizeError> {
    let at = |field: &str| format!("detail.findings[{index}].{field}");
    Ok(match (id.as_u64(), caption.non_empty()) {
        (Some(1), _) => Severity::Informational,
        (Some(2), _) => Severity::Low,
        (Some(3), _) => Severity::Medium,
        (Some(4), _) => Severity::High,
        (Some(5 | 6), _) => Severity::Critical,
        (Some(0 | 99), _) | (None, None) => Severity::Unspecified,
        (Some(other), _) => {
            return Err(f.invalid(
                &at("severity_id"),
                format!("`{other}` is not an OCSF severity (0 to 6 or 99)"),
            ))
        }
        (None, Some(word)) => match word.to_ascii_lowercase().as_str() {
            "informational" => Severity::Informational,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" | "fatal" => Severity::Critical,
            "unknown" | "other" => Severity::Unspecified,
            _ => return Err(f.invalid(&at("severity"), format!("unknown severity `{word}`"))),
        },
    })
}
