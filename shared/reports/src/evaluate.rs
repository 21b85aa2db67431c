//! Snapshot -> per-control results and summary. Pure and deterministic: ordered collections only,
//! no clock; the only time used to judge anything (exception expiry) is the period end.
//!
//! Rules an auditor can check:
//! - a resource's standing for the period is its latest evaluation in the snapshot; earlier ones stay
//!   in the evidence table. A standing whose evidence predates the period start is **carried**: the
//!   resource was last evaluated then and nothing changed since (AWS Config reports changes only).
//!   Its age at the period end is shown, and evidence older than the policy's maximum age is
//!   flagged **stale**;
//! - evidence that arrived after an earlier report of this framework was published, for that
//!   report's period, is listed as **late evidence**;
//! - each control's **audit sample** is drawn from its evidence by [`sample`]: the items with the
//!   smallest SHA-256 of `{run_id}|{control_id}|{evidence sha256}`, so anyone can re-draw it;
//! - a control with no evidence in the period is a **gap**, never a pass;
//! - suppressed findings and register exceptions in force are **accepted exceptions**: listed with
//!   owner, rationale and expiry, counted as neither pass nor fail; an expired exception is a failure;
//! - archived, not-applicable, insufficient-data and warning results are listed, not counted.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use attest_domain::{ComplianceStatus, Disposition, Severity};
use serde::ser::SerializeStruct;
use serde::Serialize;

use crate::exceptions::ExceptionEntry;
use crate::natural;
use crate::snapshot::{Evaluation, FrameworkInfo, RunHeader, Snapshot};

pub const REPORT_SCHEMA: &str = "attest.report/v1";

/// A control's result for the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ControlOutcome {
    Pass,
    Fail,
    /// Some resources pass, some fail.
    Partial,
    /// Evidence exists but none of it decides (exceptions only, not applicable, insufficient data,
    /// or collected snapshots without an automated evaluation), or no evidence at all (a gap).
    NotAssessed,
}

impl ControlOutcome {
    pub fn label(self) -> &'static str {
        match self {
            ControlOutcome::Pass => "PASS",
            ControlOutcome::Fail => "FAIL",
            ControlOutcome::Partial => "PARTIAL",
            ControlOutcome::NotAssessed => "NOT ASSESSED",
        }
    }
}

/// How one resource stands for the period, after exceptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Standing {
    Pass,
    Fail,
    /// Accepted exception in force.
    Exception,
    NotApplicable,
    /// Insufficient data or a warning: the source could not decide.
    NotAssessed,
    /// Security Hub no longer reports it.
    Archived,
}

impl Standing {
    pub fn label(self) -> &'static str {
        match self {
            Standing::Pass => "PASS",
            Standing::Fail => "FAIL",
            Standing::Exception => "EXCEPTION",
            Standing::NotApplicable => "NOT APPLICABLE",
            Standing::NotAssessed => "NOT ASSESSED",
            Standing::Archived => "ARCHIVED",
        }
    }
}

/// An accepted exception as shown in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionView {
    /// Register id, or `securityhub-suppressed` when only Security Hub records it.
    pub id: String,
    pub owner: String,
    pub rationale: String,
    /// Expiry, or `not recorded`.
    pub expires: String,
    /// `IN_FORCE` or `EXPIRED` at the period end.
    pub state: &'static str,
    pub state_id: String,
    pub rule_id: String,
    pub resource_id: String,
    pub controls: Vec<String>,
}

/// A resource's latest evaluation in the period and how it stands after exceptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceResult {
    pub evaluation: Evaluation,
    pub standing: Standing,
    pub observed_at: String,
    /// Start of the current run of failing evaluations in this snapshot (failures only).
    pub first_detected: Option<String>,
    pub exception: Option<String>,
    pub evidence_sha256: String,
    /// The evidence predates the period start: the standing was carried into the period.
    pub carried: bool,
    /// Whole days from the evidence's observation to the period end.
    pub evidence_age_days: u32,
    /// Older than the policy's maximum evidence age.
    pub stale: bool,
}

/// The report's resource row: the evaluation's identifying fields, status and severity beside the
/// standing. Written by hand because the row leaves out the evaluation's event id, disposition and
/// title (the evidence table and the snapshot carry those), so the published bytes stay as they are.
impl Serialize for ResourceResult {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let e = &self.evaluation;
        let optional = usize::from(self.first_detected.is_some())
            + usize::from(self.exception.is_some())
            + 2 * usize::from(self.carried)
            + usize::from(self.stale);
        let mut row = serializer.serialize_struct("ResourceResult", 12 + optional)?;
        row.serialize_field("state_id", &e.state_id)?;
        row.serialize_field("source", &e.source)?;
        row.serialize_field("account", &e.subject.account)?;
        row.serialize_field("region", &e.subject.region)?;
        row.serialize_field("resource_type", &e.subject.resource_type)?;
        row.serialize_field("resource_id", &e.subject.resource_id)?;
        row.serialize_field("rule_id", &e.subject.rule_id)?;
        row.serialize_field("status", &e.status)?;
        row.serialize_field("standing", &self.standing)?;
        row.serialize_field("severity", &e.severity)?;
        row.serialize_field("observed_at", &self.observed_at)?;
        if let Some(first) = &self.first_detected {
            row.serialize_field("first_detected", first)?;
        }
        if let Some(exception) = &self.exception {
            row.serialize_field("exception", exception)?;
        }
        row.serialize_field("evidence_sha256", &self.evidence_sha256)?;
        if self.carried {
            row.serialize_field("carried", &true)?;
            row.serialize_field("evidence_age_days", &self.evidence_age_days)?;
        }
        if self.stale {
            row.serialize_field("stale", &true)?;
        }
        row.end()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub exceptions: u64,
    pub not_assessed: u64,
    pub not_applicable: u64,
}

impl Counts {
    fn add(&mut self, standing: Standing) {
        match standing {
            Standing::Pass => self.passed += 1,
            Standing::Fail => self.failed += 1,
            Standing::Exception => self.exceptions += 1,
            Standing::NotApplicable => self.not_applicable += 1,
            Standing::NotAssessed | Standing::Archived => self.not_assessed += 1,
        }
    }
}

/// One evidence row in a control's evidence table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceRef {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    pub sha256: String,
    pub observed_at: String,
    /// `rule on resource: STATUS` or `collector (period)`.
    pub summary: String,
    /// Observed before the period start (a carried standing, or late evidence).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub before_period: bool,
    /// The earlier report that missed it (late evidence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub late_for: Option<String>,
}

/// One drawn evidence item of a control's audit sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SampleItem {
    pub key: String,
    pub sha256: String,
    /// SHA-256 (hex) of `{run_id}|{control_id}|{sha256}`: the draw, smallest first.
    pub draw: String,
}

/// A control's audit sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditSample {
    /// How many evidence items the sample was drawn from.
    pub population: u64,
    pub items: Vec<SampleItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlResult {
    pub control_id: String,
    pub title: String,
    pub outcome: ControlOutcome,
    /// No evidence at all in the period.
    pub gap: bool,
    pub counts: Counts,
    /// Shared with every other control the resource's evaluation bears on (serialised as the
    /// row itself): a large report holds each row once.
    #[serde(serialize_with = "shared_rows")]
    pub resources: Vec<Arc<ResourceResult>>,
    pub remediation: Vec<String>,
    /// Shared the same way.
    #[serde(serialize_with = "shared_rows")]
    pub evidence: Vec<Arc<EvidenceRef>>,
    pub sample: AuditSample,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub controls_in_scope: u64,
    pub passed: u64,
    pub failed: u64,
    pub partial: u64,
    pub not_assessed: u64,
    /// Controls with no evidence at all (included in `not_assessed`).
    pub gaps: u64,
    /// Passed / (passed + failed + partial), in hundredths of a percent (integer: no float drift).
    pub compliance_rate_bp: u64,
    /// Assessed / in scope, in hundredths of a percent.
    pub coverage_bp: u64,
    pub evidence_items: u64,
    pub resources: Counts,
    pub by_severity: BTreeMap<Severity, Counts>,
    pub by_resource_type: BTreeMap<String, Counts>,
    pub exceptions_in_force: u64,
    pub exceptions_expired: u64,
    /// Resources whose standing was carried into the period, and how many of those are stale.
    pub carried: u64,
    pub stale: u64,
    pub late_evidence: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub schema: &'static str,
    #[serde(flatten)]
    pub header: RunHeader,
    pub framework: FrameworkInfo,
    pub summary: Summary,
    pub controls: Vec<ControlResult>,
    /// Failing resources, most severe first, then longest-standing.
    #[serde(serialize_with = "shared_rows")]
    pub non_compliant: Vec<Arc<ResourceResult>>,
    pub exceptions: Vec<ExceptionView>,
    /// Evidence for an earlier report's period that arrived after it was published.
    #[serde(serialize_with = "shared_rows")]
    pub late_evidence: Vec<Arc<EvidenceRef>>,
    pub max_evidence_age_days: u32,
    pub sample_size: u32,
}

/// `12.34%` from basis points.
pub fn percent(bp: u64) -> String {
    format!("{}.{:02}%", bp / 100, bp % 100)
}

fn ratio_bp(num: u64, den: u64) -> u64 {
    (num * 10_000).checked_div(den).unwrap_or(0)
}

/// Where a reader finds how to fix a failing rule (AWS's own page for it).
pub fn remediation_note(rule_id: &str, source: &str) -> String {
    match source {
        "config" => format!(
            "AWS Config rule {rule_id}: https://docs.aws.amazon.com/config/latest/developerguide/{}.html",
            attest_domain::catalogue::base_config_rule_name(rule_id)
        ),
        "securityhub" => match rule_id.split_once('.') {
            Some((service, number)) => {
                let service = service.to_ascii_lowercase();
                format!(
                    "Security Hub control {rule_id}: https://docs.aws.amazon.com/securityhub/latest/userguide/{service}-controls.html#{service}-{number}"
                )
            }
            None => format!("Security Hub control {rule_id}: see the finding's Remediation field"),
        },
        _ => format!(
            "API call {rule_id}: confirm it was approved through change management, otherwise revert it"
        ),
    }
}

struct Judged<'a> {
    evaluation: &'a Evaluation,
    standing: Standing,
    exception: Option<ExceptionView>,
}

fn judge<'a>(
    framework: &str,
    evaluation: &'a Evaluation,
    controls: &[String],
    register: &[ExceptionEntry],
    period_end: &str,
) -> Judged<'a> {
    let base = match evaluation.status {
        ComplianceStatus::Compliant => Standing::Pass,
        ComplianceStatus::NonCompliant => Standing::Fail,
        ComplianceStatus::NotApplicable => Standing::NotApplicable,
        ComplianceStatus::InsufficientData | ComplianceStatus::Warning => Standing::NotAssessed,
    };
    if evaluation.disposition == Disposition::Archived {
        return Judged {
            evaluation,
            standing: Standing::Archived,
            exception: None,
        };
    }
    let suppressed = evaluation.disposition == Disposition::Suppressed;
    if base != Standing::Fail && !suppressed {
        return Judged {
            evaluation,
            standing: base,
            exception: None,
        };
    }
    let view = |id: &str, owner: &str, rationale: &str, expires: &str, state| ExceptionView {
        id: id.to_string(),
        owner: owner.to_string(),
        rationale: rationale.to_string(),
        expires: expires.to_string(),
        state,
        state_id: evaluation.state_id.clone(),
        rule_id: evaluation.subject.rule_id.clone(),
        resource_id: evaluation.subject.resource_id.clone(),
        controls: controls.to_vec(),
    };
    if let Some(entry) = register.iter().find(|e| e.covers(framework, evaluation)) {
        let in_force = entry.in_force_at(period_end);
        let state = if in_force { "IN_FORCE" } else { "EXPIRED" };
        return Judged {
            evaluation,
            standing: if in_force {
                Standing::Exception
            } else {
                Standing::Fail
            },
            exception: Some(view(
                &entry.id,
                &entry.owner,
                &entry.rationale,
                &entry.expires,
                state,
            )),
        };
    }
    if suppressed {
        return Judged {
            evaluation,
            standing: Standing::Exception,
            exception: Some(view(
                "securityhub-suppressed",
                "not recorded",
                "Security Hub workflow status SUPPRESSED; no register entry",
                "not recorded",
                "IN_FORCE",
            )),
        };
    }
    Judged {
        evaluation,
        standing: base,
        exception: None,
    }
}

pub fn evaluate(snapshot: &Snapshot) -> Report {
    let framework = snapshot.framework.id.as_str();
    let period_start = snapshot.header.period.start.as_str();
    // Evaluations per state id in precedence order (ties broken by key, so the order is total).
    let mut by_state: BTreeMap<&str, Vec<(&str, &str, usize)>> = BTreeMap::new();
    for (i, item) in snapshot.evidence.iter().enumerate() {
        if let Some(e) = &item.evaluation {
            let (by, key) = item.order();
            by_state
                .entry(e.state_id.as_str())
                .or_default()
                .push((by, key, i));
        }
    }
    let mut latest: BTreeMap<&str, Arc<ResourceResult>> = BTreeMap::new();
    let mut exceptions: BTreeMap<&str, ExceptionView> = BTreeMap::new();
    for (state_id, evals) in by_state.iter_mut() {
        evals.sort();
        let Some(&(_, _, last)) = evals.last() else {
            continue;
        };
        let item = &snapshot.evidence[last];
        let Some(evaluation) = &item.evaluation else {
            continue;
        };
        let age = age_days(&item.observed_at, &snapshot.header.period.end);
        let judged = judge(
            framework,
            evaluation,
            &item.controls,
            &snapshot.exceptions,
            &snapshot.header.period.end.rfc3339(),
        );
        let first_detected = (judged.standing == Standing::Fail).then(|| {
            evals
                .iter()
                .rev()
                .take_while(|(_, _, i)| {
                    snapshot.evidence[*i]
                        .evaluation
                        .as_ref()
                        .is_some_and(|e| e.status == ComplianceStatus::NonCompliant)
                })
                .last()
                .map(|(_, _, i)| snapshot.evidence[*i].observed_at.clone())
                .unwrap_or_else(|| item.observed_at.clone())
        });
        let result = ResourceResult {
            evaluation: judged.evaluation.clone(),
            standing: judged.standing,
            observed_at: item.observed_at.clone(),
            first_detected,
            exception: judged.exception.as_ref().map(|x| x.id.clone()),
            evidence_sha256: item.sha256.clone(),
            carried: item.observed_at.as_str() < period_start,
            evidence_age_days: age,
            stale: age > snapshot.policy.max_evidence_age_days,
        };
        if let Some(x) = judged.exception {
            exceptions.insert(state_id, x);
        }
        latest.insert(state_id, Arc::new(result));
    }

    // Per control: resources whose latest evaluation bears on it, and every evidence item on it.
    let mut control_resources: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut control_evidence: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, item) in snapshot.evidence.iter().enumerate() {
        for c in &item.controls {
            control_evidence.entry(c.as_str()).or_default().push(i);
            if let Some(e) = &item.evaluation {
                control_resources
                    .entry(c.as_str())
                    .or_default()
                    .insert(e.state_id.as_str());
            }
        }
    }

    // One evidence row per item, shared by every control it bears on.
    let refs: Vec<Arc<EvidenceRef>> = snapshot
        .evidence
        .iter()
        .map(|item| Arc::new(evidence_ref(item, period_start)))
        .collect();
    let mut controls = Vec::with_capacity(snapshot.controls.len());
    let mut summary = Summary {
        controls_in_scope: snapshot.controls.len() as u64,
        passed: 0,
        failed: 0,
        partial: 0,
        not_assessed: 0,
        gaps: 0,
        compliance_rate_bp: 0,
        coverage_bp: 0,
        evidence_items: snapshot.evidence.len() as u64,
        resources: Counts::default(),
        by_severity: BTreeMap::new(),
        by_resource_type: BTreeMap::new(),
        exceptions_in_force: 0,
        exceptions_expired: 0,
        carried: 0,
        stale: 0,
        late_evidence: 0,
    };
    for scope in &snapshot.controls {
        let id = scope.control_id.as_str();
        let mut counts = Counts::default();
        let mut resources: Vec<Arc<ResourceResult>> = control_resources
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|s| latest.get(s).cloned())
            .collect();
        for r in &resources {
            counts.add(r.standing);
        }
        resources.sort_by(|a, b| {
            a.standing
                .cmp(&b.standing)
                .then_with(|| {
                    a.evaluation
                        .severity
                        .rank()
                        .cmp(&b.evaluation.severity.rank())
                })
                .then_with(|| a.evaluation.state_id.cmp(&b.evaluation.state_id))
        });
        let mut evidence: Vec<Arc<EvidenceRef>> = control_evidence
            .get(id)
            .into_iter()
            .flatten()
            .map(|&i| Arc::clone(&refs[i]))
            .collect();
        evidence.sort_by(|a, b| a.observed_at.cmp(&b.observed_at).then(a.key.cmp(&b.key)));
        let gap = evidence.is_empty();
        let sample = sample(
            &snapshot.header.run_id,
            id,
            control_evidence
                .get(id)
                .into_iter()
                .flatten()
                .map(|&i| &snapshot.evidence[i]),
            snapshot.policy.sample_size,
        );
        let outcome = match (counts.passed > 0, counts.failed > 0) {
            (true, true) => ControlOutcome::Partial,
            (false, true) => ControlOutcome::Fail,
            (true, false) => ControlOutcome::Pass,
            (false, false) => ControlOutcome::NotAssessed,
        };
        match outcome {
            ControlOutcome::Pass => summary.passed += 1,
            ControlOutcome::Fail => summary.failed += 1,
            ControlOutcome::Partial => summary.partial += 1,
            ControlOutcome::NotAssessed => summary.not_assessed += 1,
        }
        summary.gaps += u64::from(gap);
        let remediation: Vec<String> = resources
            .iter()
            .filter(|r| r.standing == Standing::Fail)
            .map(|r| remediation_note(&r.evaluation.subject.rule_id, &r.evaluation.source))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        controls.push(ControlResult {
            control_id: scope.control_id.clone(),
            title: scope.title.clone(),
            outcome,
            gap,
            counts,
            resources,
            remediation,
            evidence,
            sample,
        });
    }
    controls.sort_by(|a, b| natural::compare(&a.control_id, &b.control_id));

    for r in latest.values() {
        summary.resources.add(r.standing);
        summary
            .by_severity
            .entry(r.evaluation.severity)
            .or_default()
            .add(r.standing);
        summary
            .by_resource_type
            .entry(r.evaluation.subject.resource_type.clone())
            .or_default()
            .add(r.standing);
    }
    let assessed = summary.passed + summary.failed + summary.partial;
    summary.compliance_rate_bp = ratio_bp(summary.passed, assessed);
    summary.coverage_bp = ratio_bp(assessed, summary.controls_in_scope);
    let exceptions: Vec<ExceptionView> = exceptions.into_values().collect();
    summary.exceptions_in_force =
        exceptions.iter().filter(|x| x.state == "IN_FORCE").count() as u64;
    summary.exceptions_expired = exceptions.len() as u64 - summary.exceptions_in_force;
    summary.carried = latest.values().filter(|r| r.carried).count() as u64;
    summary.stale = latest.values().filter(|r| r.stale).count() as u64;
    let late_evidence: Vec<Arc<EvidenceRef>> = snapshot
        .evidence
        .iter()
        .zip(&refs)
        .filter(|(e, _)| e.late_for.is_some())
        .map(|(_, r)| Arc::clone(r))
        .collect();
    summary.late_evidence = late_evidence.len() as u64;

    let mut non_compliant: Vec<Arc<ResourceResult>> = latest
        .values()
        .filter(|r| r.standing == Standing::Fail)
        .cloned()
        .collect();
    non_compliant.sort_by(|a, b| {
        a.evaluation
            .severity
            .rank()
            .cmp(&b.evaluation.severity.rank())
            .then_with(|| a.first_detected.cmp(&b.first_detected))
            .then_with(|| a.evaluation.state_id.cmp(&b.evaluation.state_id))
    });

    Report {
        schema: REPORT_SCHEMA,
        header: snapshot.header.clone(),
        framework: snapshot.framework.clone(),
        summary,
        controls,
        non_compliant,
        exceptions,
        late_evidence,
        max_evidence_age_days: snapshot.policy.max_evidence_age_days,
        sample_size: snapshot.policy.sample_size,
    }
}

/// Rows shared between controls, serialised as the rows themselves.
fn shared_rows<S: serde::Serializer, T: Serialize>(
    rows: &[Arc<T>],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(rows.iter().map(|row| &**row))
}

/// Whole days from `observed_at` to `end` (0 when it does not parse or is later).
fn age_days(observed_at: &str, end: &attest_domain::timestamp::Timestamp) -> u32 {
    use time::format_description::well_known::Rfc3339;
    let parse = |t: &str| time::OffsetDateTime::parse(t, &Rfc3339).ok();
    match (parse(observed_at), parse(end.as_str())) {
        (Some(at), Some(end)) if at < end => {
            u32::try_from((end - at).whole_days()).unwrap_or(u32::MAX)
        }
        _ => 0,
    }
}

/// A control's audit sample: of its evidence items, the `size` whose draw, the SHA-256 of
/// `{run_id}|{control_id}|{evidence sha256}` in lower-case hex, is smallest, smallest first. Seeded
/// by the run id, so the same run always draws the same items and another run draws others; an
/// auditor re-draws it with any SHA-256 tool.
pub fn sample<'a>(
    run_id: &str,
    control_id: &str,
    evidence: impl Iterator<Item = &'a crate::snapshot::EvidenceItem>,
    size: u32,
) -> AuditSample {
    let mut drawn: Vec<SampleItem> = evidence
        .map(|e| SampleItem {
            key: e.key.clone(),
            sha256: e.sha256.clone(),
            draw: attest_domain::canonical::sha256_hex(
                format!("{run_id}|{control_id}|{}", e.sha256).as_bytes(),
            ),
        })
        .collect();
    let population = drawn.len() as u64;
    drawn.sort_by(|a, b| a.draw.cmp(&b.draw).then_with(|| a.key.cmp(&b.key)));
    drawn.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    AuditSample {
        population,
        items: drawn,
    }
}

fn evidence_ref(item: &crate::snapshot::EvidenceItem, period_start: &str) -> EvidenceRef {
    let summary = match (&item.evaluation, &item.collection) {
        (Some(e), _) => e.summary(),
        (None, Some(c)) => format!("{} ({} to {})", c.collector, c.period_start, c.period_end),
        (None, None) => String::new(),
    };
    EvidenceRef {
        key: item.key.clone(),
        version_id: item.version_id.clone(),
        sha256: item.sha256.clone(),
        observed_at: item.observed_at.clone(),
        summary,
        before_period: item.observed_at.as_str() < period_start,
        late_for: item.late_for.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_sample_is_seeded_by_the_run_id_and_re_drawn_identically() {
        let mut snapshot = crate::sample::synthetic(4, 400);
        snapshot.policy.sample_size = 25;
        let first = evaluate(&snapshot);
        let again = evaluate(&snapshot);
        let samples = |r: &Report| -> Vec<Vec<String>> {
            r.controls
                .iter()
                .map(|c| c.sample.items.iter().map(|i| i.key.clone()).collect())
                .collect()
        };
        assert_eq!(samples(&first), samples(&again));
        let big = first
            .controls
            .iter()
            .find(|c| c.sample.population > 25)
            .expect("a control with more than 25 evidence items");
        assert_eq!(big.sample.items.len(), 25);
        // The documented draw: smallest SHA-256 of `{run_id}|{control_id}|{sha256}`, in order.
        for pair in big.sample.items.windows(2) {
            assert!(pair[0].draw < pair[1].draw);
        }
        let item = &big.sample.items[0];
        assert_eq!(
            item.draw,
            attest_domain::canonical::sha256_hex(
                format!(
                    "{}|{}|{}",
                    snapshot.header.run_id, big.control_id, item.sha256
                )
                .as_bytes()
            )
        );
        // Another run id draws other items.
        snapshot.header.run_id = "0123456789abcdef0123".into();
        assert_ne!(samples(&evaluate(&snapshot)), samples(&first));
        // A control with fewer items than the size samples all of them.
        snapshot.policy.sample_size = 1000;
        let all = evaluate(&snapshot);
        for c in &all.controls {
            assert_eq!(c.sample.items.len() as u64, c.sample.population);
            assert_eq!(c.sample.population, c.evidence.len() as u64);
        }
    }
}
