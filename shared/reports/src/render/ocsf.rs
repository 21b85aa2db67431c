//! OCSF Compliance Finding events (`ocsf-compliance-findings.jsonl`), for SIEMs and data lakes
//! (Security Lake, Splunk, Datadog) that ingest OCSF.
//!
//! One event per (control, resource) result, in report order, plus one per control without
//! resources (a gap, or collected evidence only) so a consumer sees those controls rather than
//! their absence. Each line is RFC 8785 canonical JSON followed by `\n`.
//!
//! Target: OCSF 1.3.0, class Compliance Finding (`class_uid` 2003, category Findings `2`). Sources
//! used for attributes, requirements and enumerations:
//! - `ocsf/ocsf-schema` `events/findings/compliance_finding.json` (class: `compliance` required,
//!   `resources` recommended, `remediation`), `events/findings/finding.json` (`finding_info`
//!   required; `activity_id` 1 Create / 2 Update / 3 Close; finding `status_id`),
//!   `objects/compliance.json` (`standards` required; `status_id` 1 Pass, 2 Warning = "did not
//!   yield a result due to missing information", 3 Fail, plus the dictionary's 0 Unknown and
//!   99 Other), `objects/finding_info.json` (`uid` required), `objects/metadata.json` (`product`
//!   and `version` required), `objects/cloud.json` (`provider` required), `objects/account.json`
//!   (`type_id` 10 = AWS Account), `objects/resource_details.json`;
//! - the 1.3.0 rendering at <https://docs.tenzir.com/reference/ocsf/1-3-0/classes/compliance_finding>
//!   (base-event required attributes `activity_id`, `category_uid`, `class_uid`, `severity_id`
//!   0-6 and 99, `time`, `type_uid` = `class_uid` * 100 + `activity_id`, `metadata`).
//!
//! `scripts/validate_ocsf.py` checks the output against the same list.
//!
//! Mapping choices: `compliance.status_id` is the source's verdict (COMPLIANT -> Pass,
//! NON_COMPLIANT -> Fail, INSUFFICIENT_DATA/WARNING -> Warning, NOT_APPLICABLE -> Other "Not
//! Applicable"); a control without any automated verdict is Unknown. Attest's own judgement (an
//! accepted exception, an archived finding) is the finding lifecycle `status_id` (3 Suppressed,
//! 99 Other "Archived") and, with the standing and control outcome, in `unmapped.attest`.

use attest_domain::{ComplianceStatus, Severity};
use serde_json::{json, Value};

use crate::error::ReportError;
use crate::evaluate::{ControlResult, Report, ResourceResult, Standing};
use crate::render::oscal::element_uuid;

pub const OUTPUT: &str = "ocsf-compliance-findings.jsonl";

pub const OCSF_VERSION: &str = "1.3.0";
const CLASS_UID: u64 = 2003;
const CATEGORY_UID: u64 = 2;
/// Create: each report run states its findings afresh; it does not update another run's.
const ACTIVITY_ID: u64 = 1;

fn fail(reason: impl std::fmt::Display) -> ReportError {
    ReportError::Render {
        output: OUTPUT,
        reason: reason.to_string(),
    }
}

/// `severity_id` and its caption from the finding severity (none given is OCSF's Unknown).
pub fn severity(severity: Option<Severity>) -> (u64, &'static str) {
    match severity {
        Some(Severity::Informational) => (1, "Informational"),
        Some(Severity::Low) => (2, "Low"),
        Some(Severity::Medium) => (3, "Medium"),
        Some(Severity::High) => (4, "High"),
        Some(Severity::Critical) => (5, "Critical"),
        Some(Severity::Unspecified) | None => (0, "Unknown"),
    }
}

/// `compliance.status_id` and `compliance.status` from the evaluated status.
pub fn compliance_status(status: ComplianceStatus) -> (u64, &'static str) {
    match status {
        ComplianceStatus::Compliant => (1, "Pass"),
        ComplianceStatus::NonCompliant => (3, "Fail"),
        ComplianceStatus::InsufficientData | ComplianceStatus::Warning => (2, "Warning"),
        ComplianceStatus::NotApplicable => (99, "Not Applicable"),
    }
}

/// RFC 3339 text -> epoch milliseconds (OCSF `timestamp_t`).
fn epoch_ms(text: &str, what: &str) -> Result<i64, ReportError> {
    use time::format_description::well_known::Rfc3339;
    let t = time::OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| fail(format!("{what} `{text}` is not an RFC 3339 time: {e}")))?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000)
        .map_err(|e| fail(format!("{what} `{text}`: {e}")))
}

/// Attributes every event of the run shares.
fn base(
    report: &Report,
    severity_of: Option<Severity>,
    time_ms: i64,
) -> serde_json::Map<String, Value> {
    let (severity_id, severity) = severity(severity_of);
    let value = json!({
        "activity_id": ACTIVITY_ID,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_ID,
        "type_name": "Compliance Finding: Create",
        "severity_id": severity_id,
        "severity": severity,
        "time": time_ms,
        "metadata": {
            "version": OCSF_VERSION,
            "profiles": ["cloud"],
            // The template version, not the crate version: output bytes must depend only on the
            // snapshot and the template version, which the manifest records.
            "product": {"name": "Attest", "vendor_name": "Attest", "version": report.header.template_version},
            // Groups the events of one report run.
            "correlation_uid": report.header.run_id,
        },
    });
    match value {
        Value::Object(map) => map,
        // Unreachable: `json!` of an object literal is always an object.
        _ => serde_json::Map::new(),
    }
}

fn resource_event(
    report: &Report,
    control: &ControlResult,
    r: &ResourceResult,
) -> Result<Value, ReportError> {
    let fw = &report.framework;
    let time = epoch_ms(&r.observed_at, "observed_at")?;
    let (status_id, status) = compliance_status(r.evaluation.status);
    let mut detail = format!("Attest standing {}", r.standing.label());
    if let Some(id) = &r.exception {
        if let Some(x) = report
            .exceptions
            .iter()
            .find(|x| x.state_id == r.evaluation.state_id)
        {
            detail.push_str(&format!(
                "; exception {id} ({}, owner {}, expires {}): {}",
                x.state, x.owner, x.expires, x.rationale
            ));
        } else {
            detail.push_str(&format!("; exception {id}"));
        }
    }
    let mut finding_info = json!({
        "uid": element_uuid(&report.header.run_id, "ocsf-finding", &format!("{}\u{0}{}", control.control_id, r.evaluation.state_id)),
        "title": format!("{} {}: {} on {}", fw.id, control.control_id, r.evaluation.subject.rule_id, r.evaluation.subject.resource_id),
        "desc": control.title,
        "last_seen_time": time,
    });
    if let (Some(first), Some(obj)) = (&r.first_detected, finding_info.as_object_mut()) {
        obj.insert(
            "first_seen_time".into(),
            json!(epoch_ms(first, "first_detected")?),
        );
    }
    let mut event = base(report, Some(r.evaluation.severity), time);
    event.insert(
        "message".into(),
        json!(format!(
            "{} {} {}: {} on {} is {}",
            fw.id,
            control.control_id,
            r.standing.label(),
            r.evaluation.subject.rule_id,
            r.evaluation.subject.resource_id,
            r.evaluation.status.as_str()
        )),
    );
    event.insert(
        "cloud".into(),
        json!({
            "provider": "AWS",
            "account": {"uid": r.evaluation.subject.account, "type": "AWS Account", "type_id": 10},
            "region": r.evaluation.subject.region,
        }),
    );
    event.insert(
        "compliance".into(),
        json!({
            "standards": [fw.id],
            "control": control.control_id,
            "status_id": status_id,
            "status": status,
            "status_code": r.evaluation.status,
            "status_detail": detail,
        }),
    );
    event.insert("finding_info".into(), finding_info);
    event.insert(
        "resources".into(),
        json!([{"uid": r.evaluation.subject.resource_id, "type": r.evaluation.subject.resource_type, "region": r.evaluation.subject.region}]),
    );
    match r.standing {
        Standing::Exception => {
            event.insert("status_id".into(), json!(3));
            event.insert("status".into(), json!("Suppressed"));
        }
        Standing::Archived => {
            event.insert("status_id".into(), json!(99));
            event.insert("status".into(), json!("Archived"));
        }
        _ => {}
    }
    if r.standing == Standing::Fail {
        let note =
            crate::evaluate::remediation_note(&r.evaluation.subject.rule_id, &r.evaluation.source);
        event.insert("remediation".into(), json!({"desc": note}));
    }
    let mut attest = json!({
        "run_id": report.header.run_id,
        "framework_name": fw.name,
        "framework_version": fw.version,
        "control_outcome": control.outcome.label(),
        "gap": control.gap,
        "standing": r.standing.label(),
        "source": r.evaluation.source,
        "state_id": r.evaluation.state_id,
        "rule_id": r.evaluation.subject.rule_id,
        "evidence_sha256": r.evidence_sha256,
    });
    if let Some(obj) = attest.as_object_mut() {
        if let Some(id) = &r.exception {
            obj.insert("exception_id".into(), json!(id));
        }
        if r.carried {
            obj.insert("carried".into(), json!(true));
            obj.insert("evidence_age_days".into(), json!(r.evidence_age_days));
        }
        if r.stale {
            obj.insert("stale".into(), json!(true));
        }
        // The resource's evidence drawn into the control's audit sample: its 1-based position.
        if let Some(i) = control
            .sample
            .items
            .iter()
            .position(|s| s.sha256 == r.evidence_sha256)
        {
            obj.insert("audit_sample".into(), json!(i + 1));
        }
    }
    event.insert("unmapped".into(), json!({ "attest": attest }));
    Ok(Value::Object(event))
}

/// A control with no resource results: a gap (no evidence) or collected evidence only. Neither
/// has an automated verdict, so the compliance status is Unknown; the time is the run's.
fn control_event(report: &Report, control: &ControlResult) -> Result<Value, ReportError> {
    let fw = &report.framework;
    let time = epoch_ms(&report.header.generated_at, "generated_at")?;
    let detail = if control.gap {
        "No evidence in the period: a gap, not assessed (never a pass)".to_string()
    } else {
        format!(
            "{} evidence objects collected, none with an automated evaluation: not assessed",
            control.evidence.len()
        )
    };
    let mut event = base(report, None, time);
    event.insert(
        "message".into(),
        json!(format!(
            "{} {} {}{}",
            fw.id,
            control.control_id,
            control.outcome.label(),
            if control.gap { " (gap)" } else { "" }
        )),
    );
    event.insert("cloud".into(), json!({"provider": "AWS"}));
    event.insert(
        "compliance".into(),
        json!({
            "standards": [fw.id],
            "control": control.control_id,
            "status_id": 0,
            "status": "Unknown",
            "status_detail": detail,
        }),
    );
    event.insert(
        "finding_info".into(),
        json!({
            "uid": element_uuid(&report.header.run_id, "ocsf-control", &control.control_id),
            "title": format!("{} {}: {}", fw.id, control.control_id, control.outcome.label()),
            "desc": control.title,
        }),
    );
    event.insert(
        "unmapped".into(),
        json!({"attest": {
            "run_id": report.header.run_id,
            "framework_name": fw.name,
            "framework_version": fw.version,
            "control_outcome": control.outcome.label(),
            "gap": control.gap,
            "evidence_items": control.evidence.len(),
        }}),
    );
    Ok(Value::Object(event))
}

pub fn render(report: &Report) -> Result<Vec<u8>, ReportError> {
    let mut out = Vec::new();
    let mut write = |event: Value| -> Result<(), ReportError> {
        out.extend(attest_domain::canonical::to_vec(&event).map_err(fail)?);
        out.push(b'\n');
        Ok(())
    };
    for control in &report.controls {
        if control.resources.is_empty() {
            write(control_event(report, control)?)?;
        }
        for r in &control.resources {
            write(resource_event(report, control, r)?)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::evaluate;
    use crate::sample;

    fn events(bytes: &[u8]) -> Vec<Value> {
        assert!(bytes.ends_with(b"\n"));
        bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect()
    }

    #[test]
    fn one_event_per_resource_result_and_per_control_without_resources() {
        let report = evaluate(&sample::from_events("PCI-DSS-3.2.1").unwrap());
        let expected: usize = report
            .controls
            .iter()
            .map(|c| c.resources.len().max(1))
            .sum();
        let all = events(&render(&report).unwrap());
        assert_eq!(all.len(), expected);
        for e in &all {
            assert_eq!(e["class_uid"], 2003);
            assert_eq!(e["type_uid"], 200301);
            assert_eq!(e["compliance"]["standards"][0], "PCI-DSS-3.2.1");
        }
        // A gap is Unknown, never Pass; a failing resource is Fail with remediation.
        let gap = all
            .iter()
            .find(|e| e["unmapped"]["attest"]["gap"] == true)
            .unwrap();
        assert_eq!(gap["compliance"]["status_id"], 0);
        let failing = all
            .iter()
            .find(|e| e["unmapped"]["attest"]["standing"] == "FAIL")
            .unwrap();
        assert_eq!(failing["compliance"]["status_id"], 3);
        assert!(failing["remediation"]["desc"].is_string());
        assert!(failing["finding_info"]["first_seen_time"].is_i64());
    }

    #[test]
    fn uids_are_stable_and_distinct_and_rendering_twice_gives_identical_bytes() {
        let snapshot = sample::synthetic(40, 800);
        let first = render(&evaluate(&snapshot)).unwrap();
        assert_eq!(
            first,
            render(&evaluate(&sample::synthetic(40, 800))).unwrap()
        );
        let mut uids: Vec<String> = events(&first)
            .iter()
            .map(|e| e["finding_info"]["uid"].as_str().unwrap().to_string())
            .collect();
        let total = uids.len();
        uids.sort();
        uids.dedup();
        assert_eq!(uids.len(), total);
    }

    #[test]
    fn times_are_epoch_milliseconds() {
        assert_eq!(epoch_ms("1970-01-01T00:00:01.5Z", "t").unwrap(), 1500);
        assert_eq!(
            epoch_ms("2026-12-01T06:00:00Z", "t").unwrap(),
            1_796_104_800_000
        );
        let err = epoch_ms("soon", "observed_at").unwrap_err().to_string();
        assert!(err.contains(OUTPUT) && err.contains("soon"), "{err}");
    }
}
