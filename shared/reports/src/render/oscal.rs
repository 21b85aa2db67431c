//! NIST OSCAL assessment results (`oscal-assessment-results.json`), for GRC tools that import OSCAL.
//!
//! Built from the [`Report`] (controls, outcomes, exceptions) and the [`Snapshot`] (evidence
//! details). Layout, per the OSCAL 1.1.x assessment-results model (NIST reference
//! <https://pages.nist.gov/OSCAL-Reference/models/v1.1.3/assessment-results/json-reference/>,
//! metaschema `usnistgov/OSCAL` `src/metaschema/oscal_assessment-results_metaschema.xml`):
//!
//! - `metadata`: title naming the framework and period, `last-modified` = the run's recorded time
//!   (never the clock), `version` = run id;
//! - `import-ap`: `#<uuid>` of a back-matter resource that says what the plan was. Attest has no
//!   separate assessment plan document yet: scope is the framework's controls in the catalogue and
//!   the method is automated evaluation, both already recorded in the snapshot;
//! - one `result` for the period: `reviewed-controls` lists every control in scope, one `finding`
//!   per control (target `objective-id`, state `satisfied` only for PASS; FAIL, PARTIAL, NOT
//!   ASSESSED and gaps are `not-satisfied`, since a gap is never a pass), one `observation` per
//!   evidence object (method `TEST` for an automated evaluation, `EXAMINE` for a collected
//!   snapshot) whose `relevant-evidence` names the S3 key, version and SHA-256.
//!
//! OSCAL control ids are tokens (a letter or `_` first; letters, digits, `-`, `.`, `_`), which
//! `1.2.3` or `164.308(a)(1)` are not: [`control_token`] maps them to `ctl-1.2.3` and
//! `ctl-164.308.a.1`, and each finding keeps the exact id in its `framework-control-id` prop.
//!
//! Every UUID is a version 5 (name-based, SHA-1) UUID of the run id and the element's identity, so
//! re-rendering the same snapshot gives the same bytes; the document is RFC 8785 canonical JSON.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::error::ReportError;
use crate::evaluate::{percent, ControlOutcome, ControlResult, Report};
use crate::snapshot::{EvidenceItem, Snapshot};

pub const OUTPUT: &str = "oscal-assessment-results.json";

/// The OSCAL release the document is written against (newest 1.1.x).
pub const OSCAL_VERSION: &str = "1.1.3";

/// Namespace of Attest's own props: OSCAL requires one for names it does not define. A URN, since
/// Attest has no web namespace of its own to point at.
pub const ATTEST_NS: &str = "urn:attest:ns:oscal";

fn fail(reason: impl std::fmt::Display) -> ReportError {
    ReportError::Render {
        output: OUTPUT,
        reason: reason.to_string(),
    }
}

/// Deterministic UUID (v5, RFC 9562 section 5.5) for one element of one run. The run id picks a
/// namespace; `kind` (a fixed word without `:`) and `identity` name the element inside it, so two
/// kinds can never produce the same name.
pub fn element_uuid(run_id: &str, kind: &str, identity: &str) -> String {
    let run = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("urn:attest:run:{run_id}").as_bytes(),
    );
    uuid::Uuid::new_v5(&run, format!("{kind}:{identity}").as_bytes()).to_string()
}

/// A control id as an OSCAL token: `ctl-` + the id with `(x)` written `.x` and any other character
/// outside `[A-Za-z0-9._-]` as `_`. The prefix is always added so the mapping is uniform and every
/// token starts with a letter.
pub fn control_token(control_id: &str) -> String {
    let mut out = String::from("ctl-");
    for c in control_id.chars() {
        match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '.' | '-' | '_' => out.push(c),
            '(' => out.push('.'),
            ')' => {}
            _ => out.push('_'),
        }
    }
    out
}

/// One line of text, as OSCAL titles and prop values require (no line breaks, no edge whitespace).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A prop, or nothing when the value is empty (OSCAL prop values must be non-blank).
fn prop(name: &str, value: &str) -> Option<Value> {
    let value = one_line(value);
    (!value.is_empty()).then(|| json!({"name": name, "ns": ATTEST_NS, "value": value}))
}

fn props(pairs: &[(&str, &str)]) -> Vec<Value> {
    pairs.iter().filter_map(|(n, v)| prop(n, v)).collect()
}

/// RFC 3339 -> the same instant in UTC, `Z` form: OSCAL's date-time pattern wants `T` and `Z`
/// upper-case, which RFC 3339 does not guarantee.
fn utc(text: &str, what: &str) -> Result<String, ReportError> {
    use time::format_description::well_known::Rfc3339;
    let bad =
        |e: &dyn std::fmt::Display| fail(format!("{what} `{text}` is not an RFC 3339 time: {e}"));
    time::OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| bad(&e))?
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|e| bad(&e))
}

/// An S3 key as a relative URI reference (every byte outside unreserved characters and `/`
/// percent-encoded). Relative to the evidence bucket: the snapshot pins keys and versions, not the
/// bucket name, which differs per deployment.
fn key_href(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn observation(
    run_id: &str,
    period_start: &str,
    item: &EvidenceItem,
) -> Result<Value, ReportError> {
    let (title, method, mut observed) = match (&item.evaluation, &item.collection) {
        (Some(e), _) => (
            e.summary(),
            "TEST",
            props(&[
                ("source", &e.source),
                ("account", &e.subject.account),
                ("region", &e.subject.region),
                ("resource-type", &e.subject.resource_type),
                ("resource-id", &e.subject.resource_id),
                ("rule-id", &e.subject.rule_id),
                ("status", e.status.as_str()),
                ("severity", e.severity.as_str()),
                ("disposition", e.disposition.as_str()),
            ]),
        ),
        (None, Some(c)) => (
            format!("{} ({} to {})", c.collector, c.period_start, c.period_end),
            "EXAMINE",
            props(&[
                ("collection-control", &c.control),
                ("collector", &c.collector),
                ("collector-version", &c.collector_version),
                ("collection-period-start", &c.period_start),
                ("collection-period-end", &c.period_end),
                ("collected-by", c.collected_by.as_deref().unwrap_or("")),
            ]),
        ),
        (None, None) => {
            return Err(fail(format!(
                "evidence `{}` has neither an evaluation nor a collection",
                item.key
            )))
        }
    };
    observed.extend(prop("framework-control-ids", &item.controls.join(" ")));
    if item.evaluation.is_some() && item.observed_at.as_str() < period_start {
        observed.extend(prop("observed-before-period", "true"));
    }
    observed.extend(
        item.late_for
            .as_deref()
            .and_then(|run| prop("late-for-run", run)),
    );
    let version = item.version_id.as_deref().unwrap_or("not recorded");
    let mut evidence_props = props(&[("sha256", &item.sha256), ("s3-key", &item.key)]);
    evidence_props.extend(
        item.version_id
            .as_deref()
            .and_then(|v| prop("s3-version-id", v)),
    );
    let title = one_line(&title);
    Ok(json!({
        "uuid": element_uuid(run_id, "observation", &item.key),
        "title": title,
        "description": format!("{title}. Evidence object {} (S3 version {version}), SHA-256 {}.", item.key, item.sha256),
        "methods": [method],
        "props": observed,
        "relevant-evidence": [{
            "href": key_href(&item.key),
            "description": format!(
                "S3 key {} in the Attest evidence bucket, version {version}, SHA-256 {}",
                item.key, item.sha256
            ),
            "props": evidence_props,
        }],
        "collected": utc(&item.observed_at, "observed_at")?,
    }))
}

/// OSCAL objective status for a control outcome, with the reason token OSCAL defines.
fn status(outcome: ControlOutcome) -> (&'static str, &'static str) {
    match outcome {
        ControlOutcome::Pass => ("satisfied", "pass"),
        ControlOutcome::Fail | ControlOutcome::Partial => ("not-satisfied", "fail"),
        ControlOutcome::NotAssessed => ("not-satisfied", "other"),
    }
}

fn finding_text(control: &ControlResult) -> String {
    let c = &control.counts;
    if control.gap {
        return format!(
            "Outcome {}: no evidence in the period, so the control is a gap and is not satisfied.",
            control.outcome.label()
        );
    }
    format!(
        "Outcome {}. Resources: {} passed, {} failed, {} accepted exceptions, {} not assessed, {} not applicable. Evidence objects: {}.",
        control.outcome.label(),
        c.passed,
        c.failed,
        c.exceptions,
        c.not_assessed,
        c.not_applicable,
        control.evidence.len()
    )
}

fn finding_remarks(report: &Report, control: &ControlResult) -> Option<String> {
    let mut lines: Vec<String> = Vec::new();
    if control.outcome == ControlOutcome::NotAssessed && !control.gap {
        lines.push(
            "Not assessed: the evidence holds no automated pass or fail (exceptions, not applicable, insufficient data, or collected snapshots only)."
                .to_string(),
        );
    }
    for r in &control.resources {
        if let Some(id) = &r.exception {
            let detail = report
                .exceptions
                .iter()
                .find(|x| x.state_id == r.evaluation.state_id)
                .map(|x| {
                    format!(
                        " (owner {}, expires {}, {}): {}",
                        x.owner, x.expires, x.state, x.rationale
                    )
                })
                .unwrap_or_default();
            lines.push(format!(
                "Exception {id} for {} on {}, standing {}{detail}",
                r.evaluation.subject.rule_id,
                r.evaluation.subject.resource_id,
                r.standing.label()
            ));
        }
    }
    lines.extend(
        control
            .remediation
            .iter()
            .map(|n| format!("Remediation: {n}")),
    );
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// One control's finding. The run's findings are written one at a time (see [`render`]): a
/// control's `related-observations` can name most of the evidence.
fn finding(
    report: &Report,
    control: &ControlResult,
    observation_of: &BTreeMap<&str, String>,
) -> Result<Value, ReportError> {
    let run = report.header.run_id.as_str();
    let fw = &report.framework;
    let token = control_token(&control.control_id);
    let (state, reason) = status(control.outcome);
    let counts = &control.counts;
    let numbers = [
        counts.passed.to_string(),
        counts.failed.to_string(),
        counts.exceptions.to_string(),
        counts.not_assessed.to_string(),
        counts.not_applicable.to_string(),
    ];
    let mut finding = json!({
        "uuid": element_uuid(run, "finding", &control.control_id),
        "title": one_line(&format!("{} {}: {}", fw.id, control.control_id, control.title)),
        "description": finding_text(control),
        "props": props(&[
            ("framework-control-id", &control.control_id),
            ("outcome", control.outcome.label()),
            ("gap", if control.gap { "true" } else { "false" }),
            ("resources-passed", &numbers[0]),
            ("resources-failed", &numbers[1]),
            ("resources-exception", &numbers[2]),
            ("resources-not-assessed", &numbers[3]),
            ("resources-not-applicable", &numbers[4]),
        ]),
        "target": {
            "type": "objective-id",
            "target-id": format!("{token}_obj"),
            "title": one_line(&format!("{} {}", control.control_id, control.title)),
            "status": {"state": state, "reason": reason},
        },
    });
    let related: Vec<Value> = control
        .evidence
        .iter()
        .filter_map(|e| observation_of.get(e.key.as_str()))
        .map(|u| json!({"observation-uuid": u}))
        .collect();
    if let Some(obj) = finding.as_object_mut() {
        if let Some(Value::Array(list)) = obj.get_mut("props") {
            list.extend(prop(
                "audit-sample-population",
                &control.sample.population.to_string(),
            ));
            // One prop per drawn item, in draw order: the evidence object's SHA-256.
            list.extend(
                control
                    .sample
                    .items
                    .iter()
                    .filter_map(|e| prop("audit-sample", &e.sha256)),
            );
        }
        if !related.is_empty() {
            obj.insert("related-observations".into(), Value::Array(related));
        }
        if let Some(remarks) = finding_remarks(report, control) {
            obj.insert("remarks".into(), Value::String(remarks));
        }
    }
    Ok(finding)
}

pub fn render(snapshot: &Snapshot, report: &Report) -> Result<Vec<u8>, ReportError> {
    let run = report.header.run_id.as_str();
    let fw = &report.framework;
    if report.controls.is_empty() {
        // reviewed-controls needs at least one control; `include-all` would claim more than we did.
        return Err(fail("no controls in scope"));
    }

    let mut tokens: BTreeMap<String, &str> = BTreeMap::new();
    for c in &report.controls {
        let token = control_token(&c.control_id);
        if let Some(other) = tokens.insert(token.clone(), &c.control_id) {
            return Err(fail(format!(
                "control ids `{other}` and `{}` map to the same OSCAL token `{token}`",
                c.control_id
            )));
        }
    }

    // Observations are the bulk of the document. They are written to canonical bytes one at a
    // time, straight into the output, after the rest of the document: holding them as `Value`s took
    // about 23 times the bytes they become, and holding their bytes apart doubled the output.
    let observation_of: BTreeMap<&str, String> = snapshot
        .evidence
        .iter()
        .map(|item| {
            (
                item.key.as_str(),
                element_uuid(run, "observation", &item.key),
            )
        })
        .collect();

    let s = &report.summary;
    let (start, end) = report.header.period.rfc3339_ends();
    let period = format!("{start} to {end}");
    let plan_uuid = element_uuid(run, "assessment-plan", "none");
    let mut result = json!({
        "uuid": element_uuid(run, "result", "period"),
        "title": one_line(&format!("{} ({}) controls, {period}", fw.name, fw.id)),
        "description": format!(
            "Automated assessment of {} controls in scope for {} {} over the half-open period [{}, {}): {} passed, {} failed, {} partial, {} not assessed ({} gaps without evidence). Compliance rate {}, coverage {}.",
            s.controls_in_scope, fw.name, fw.version, start, end,
            s.passed, s.failed, s.partial, s.not_assessed, s.gaps,
            percent(s.compliance_rate_bp), percent(s.coverage_bp)
        ),
        "start": utc(&start, "period_start")?,
        "end": utc(&end, "period_end")?,
        "props": props(&[
            ("compliance-rate", &percent(s.compliance_rate_bp)),
            ("coverage", &percent(s.coverage_bp)),
            ("evidence-items", &s.evidence_items.to_string()),
        ]),
        "reviewed-controls": {
            "control-selections": [{
                "description": one_line(&format!("Every control of {} ({}) in Attest catalogue {}", fw.name, fw.id, report.header.catalogue_version)),
                // Report order (natural control order), not the map's.
                "include-controls": report.controls.iter().map(|c| json!({"control-id": control_token(&c.control_id)})).collect::<Vec<_>>(),
            }],
        },
        "findings": [],
    });
    if !snapshot.evidence.is_empty() {
        if let Some(obj) = result.as_object_mut() {
            obj.insert("observations".into(), Value::Array(Vec::new()));
        }
    }

    let document = json!({
        "assessment-results": {
            "uuid": element_uuid(run, "assessment-results", "document"),
            "metadata": {
                "title": one_line(&format!("Attest assessment results: {} {} ({}), {period}", fw.name, fw.version, fw.id)),
                "last-modified": utc(&report.header.generated_at, "generated_at")?,
                "version": run,
                "oscal-version": OSCAL_VERSION,
                "props": props(&[
                    ("framework", &fw.id),
                    ("catalogue-version", &report.header.catalogue_version),
                    ("template-version", &report.header.template_version),
                    ("run-id", run),
                ]),
            },
            "import-ap": {
                "href": format!("#{plan_uuid}"),
                "remarks": "Attest publishes no separate assessment plan yet; the referenced back-matter resource states the scope and method this run used.",
            },
            "results": [result],
            "back-matter": {
                "resources": [{
                    "uuid": plan_uuid,
                    "title": "Assessment plan (not separately published)",
                    "description": format!(
                        "Scope: every control of {} ({}) that Attest catalogue {} maps evidence to, listed in reviewed-controls. Method: automated evaluation of AWS Config rule results, Security Hub findings and CloudTrail calls, plus scheduled evidence collections, over the period {period}. Exceptions come from the exception register in the run's snapshot.",
                        fw.name, fw.id, report.header.catalogue_version
                    ),
                }],
            },
        }
    });
    // The skeleton holds both arrays empty; the findings and then the observations are written into
    // their places in the output. RFC 8785 sorts members by name, so in `result` `findings` comes
    // just before `observations`.
    let skeleton = attest_domain::canonical::to_vec(&document).map_err(fail)?;
    let findings_at = empty_member_at(&skeleton, "findings")?;
    let mut out = Vec::with_capacity(skeleton.len() + snapshot.evidence.len() * 1024);
    out.extend_from_slice(&skeleton[..findings_at]);
    for (i, control) in report.controls.iter().enumerate() {
        out.push(if i == 0 { b'[' } else { b',' });
        let f = finding(report, control, &observation_of)?;
        attest_domain::canonical::write(&mut out, &f).map_err(fail)?;
    }
    out.push(b']');
    let rest = &skeleton[findings_at + 2..];
    if snapshot.evidence.is_empty() {
        out.extend_from_slice(rest);
        return Ok(out);
    }
    let observations_at = empty_member_at(rest, "observations")?;
    out.extend_from_slice(&rest[..observations_at]);
    for (i, item) in snapshot.evidence.iter().enumerate() {
        out.push(if i == 0 { b'[' } else { b',' });
        let o = observation(run, snapshot.header.period.start.as_str(), item)?;
        attest_domain::canonical::write(&mut out, &o).map_err(fail)?;
    }
    out.push(b']');
    out.extend_from_slice(&rest[observations_at + 2..]);
    Ok(out)
}

/// Where the value of the one empty member `name` starts in canonical bytes. RFC 8785 writes an
/// array as `[`, its elements' canonical forms joined by `,`, and `]`, and a member's position
/// depends only on its name, so writing the elements there gives the canonical form of the whole
/// document. The member can be found by its text: inside a JSON string every `"` is escaped, so
/// `"name":[]` only occurs as a member.
fn empty_member_at(canonical: &[u8], name: &str) -> Result<usize, ReportError> {
    let member = format!("\"{name}\":[]");
    let member = member.as_bytes();
    let mut found = canonical
        .windows(member.len())
        .enumerate()
        .filter(|(_, w)| *w == member)
        .map(|(i, _)| i);
    let (Some(at), None) = (found.next(), found.next()) else {
        return Err(fail(format!(
            "expected exactly one empty {name} member to fill"
        )));
    };
    Ok(at + member.len() - 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::evaluate;
    use crate::sample;

    #[test]
    fn the_spliced_document_is_canonical_json_with_every_observation() {
        let snapshot = sample::synthetic(5, 120);
        let bytes = render(&snapshot, &evaluate(&snapshot)).unwrap();
        // Parsing and writing it again as RFC 8785 changes nothing.
        assert_eq!(
            attest_domain::canonical::canonicalize_json(&bytes).unwrap(),
            bytes
        );
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        let observations = doc["assessment-results"]["results"][0]["observations"]
            .as_array()
            .unwrap();
        assert_eq!(observations.len(), snapshot.evidence.len());
        let err = empty_member_at(b"{}", "observations").unwrap_err();
        assert!(err.to_string().contains("exactly one"), "{err}");
    }

    #[test]
    fn uuids_are_v5_stable_and_distinct_per_element() {
        let a = element_uuid("run1", "finding", "1.2.3");
        assert_eq!(a, element_uuid("run1", "finding", "1.2.3"));
        assert_ne!(a, element_uuid("run2", "finding", "1.2.3"));
        assert_ne!(a, element_uuid("run1", "observation", "1.2.3"));
        assert_ne!(a, element_uuid("run1", "finding", "1.2.4"));
        // Version nibble 5, RFC 4122 variant: what OSCAL's UUID pattern requires.
        assert_eq!(&a[14..15], "5");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
        // Same value as an independent implementation: Python's
        // uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, "urn:attest:run:run1"), "finding:1.2.3").
        assert_eq!(a, "ce6795f2-b908-579a-9e09-e39b8b40dae5");
    }

    #[test]
    fn control_tokens_are_oscal_tokens() {
        assert_eq!(control_token("1.2.3"), "ctl-1.2.3");
        assert_eq!(control_token("CC6.1"), "ctl-CC6.1");
        assert_eq!(
            control_token("164.308(a)(1)(ii)(A)"),
            "ctl-164.308.a.1.ii.A"
        );
        assert_eq!(control_token("Art. 32"), "ctl-Art._32");
    }

    #[test]
    fn every_element_uuid_is_unique_and_rendering_twice_gives_identical_bytes() {
        for snapshot in [
            sample::from_events("PCI-DSS-3.2.1").unwrap(),
            sample::synthetic(40, 800),
        ] {
            let report = evaluate(&snapshot);
            let first = render(&snapshot, &report).unwrap();
            assert_eq!(first, render(&snapshot, &evaluate(&snapshot)).unwrap());
            let doc: Value = serde_json::from_slice(&first).unwrap();
            let mut uuids = Vec::new();
            collect_uuids(&doc, &mut uuids);
            let total = uuids.len();
            uuids.sort();
            uuids.dedup();
            assert_eq!(uuids.len(), total, "a UUID is used twice");
            let result = &doc["assessment-results"]["results"][0];
            assert_eq!(
                result["findings"].as_array().unwrap().len(),
                report.controls.len()
            );
            assert_eq!(
                result["observations"].as_array().unwrap().len(),
                snapshot.evidence.len()
            );
        }
    }

    /// Every `uuid` member (element definitions; references use other names).
    fn collect_uuids(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    if k == "uuid" {
                        out.push(x.as_str().unwrap_or_default().to_string());
                    }
                    collect_uuids(x, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| collect_uuids(x, out)),
            _ => {}
        }
    }

    #[test]
    fn outcomes_map_to_objective_states_and_gaps_are_never_satisfied() {
        let snapshot = sample::from_events("PCI-DSS-3.2.1").unwrap();
        let report = evaluate(&snapshot);
        let doc: Value = serde_json::from_slice(&render(&snapshot, &report).unwrap()).unwrap();
        let findings = doc["assessment-results"]["results"][0]["findings"]
            .as_array()
            .unwrap();
        for (control, finding) in report.controls.iter().zip(findings) {
            let state = finding["target"]["status"]["state"].as_str().unwrap();
            assert_eq!(
                state == "satisfied",
                control.outcome == ControlOutcome::Pass,
                "{}",
                control.control_id
            );
        }
        assert!(report.controls.iter().any(|c| c.gap));
    }

    #[test]
    fn bad_times_are_render_errors() {
        let mut snapshot = sample::synthetic(10, 50);
        snapshot.evidence[0].observed_at = "yesterday".into();
        let report = evaluate(&snapshot);
        let err = render(&snapshot, &report).unwrap_err().to_string();
        assert!(err.contains(OUTPUT) && err.contains("yesterday"), "{err}");
    }
}
