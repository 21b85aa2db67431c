//! The evidence snapshot: the immutable input of a report run.
//!
//! A report is a pure function of its snapshot and the template version. The snapshot names every
//! evidence object (S3 key, version id, SHA-256) and carries the fields the report shows, the
//! framework's controls in scope, the exception register in force and the run's recorded time, so
//! an auditor holding the snapshot and the evidence can re-render the outputs byte for byte without
//! access to our tables. It is stored as canonical JSON next to the outputs and its hash is in the
//! signed manifest.

use attest_domain::normalize::NormalizedFinding;
use attest_domain::{
    ComplianceStatus, Disposition, Finding, Period, Precedence, Severity, Subject,
};
use serde::{Deserialize, Serialize};

use crate::error::ReportError;
use crate::exceptions::ExceptionEntry;

pub const SNAPSHOT_SCHEMA: &str = "attest.snapshot/v2";

/// Maximum age of the evidence behind a standing when no other is configured (days, at the period end).
pub const DEFAULT_MAX_EVIDENCE_AGE_DAYS: u32 = 365;
/// Evidence items drawn per control for the audit sample when no other size is configured.
pub const DEFAULT_SAMPLE_SIZE: u32 = 25;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameworkInfo {
    /// Catalogue id, e.g. `PCI-DSS-3.2.1`.
    pub id: String,
    pub name: String,
    pub version: String,
}

/// A control of the framework that the report must account for (with evidence or as a gap).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeControl {
    pub control_id: String,
    pub title: String,
}

/// One evaluation from intake (a Config rule result, a Security Hub finding, a CloudTrail call).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub state_id: String,
    pub source: String,
    pub event_id: String,
    #[serde(flatten)]
    pub subject: Subject,
    pub status: ComplianceStatus,
    pub severity: Severity,
    pub disposition: Disposition,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Evaluation {
    /// The fields in which `self` and `other` differ, by name.
    pub fn differences(&self, other: &Evaluation) -> Vec<&'static str> {
        [
            ("state_id", self.state_id != other.state_id),
            ("source", self.source != other.source),
            ("event_id", self.event_id != other.event_id),
            ("subject", self.subject != other.subject),
            ("status", self.status != other.status),
            ("severity", self.severity != other.severity),
            ("disposition", self.disposition != other.disposition),
            ("title", self.title != other.title),
        ]
        .into_iter()
        .filter_map(|(name, differs)| differs.then_some(name))
        .collect()
    }

    /// `{rule} on {resource}: {status}`: how evidence lists name the evaluation.
    pub fn summary(&self) -> String {
        format!(
            "{} on {}: {}",
            self.subject.rule_id,
            self.subject.resource_id,
            self.status.as_str()
        )
    }
}

/// One scheduled collection (issue 4's run record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection {
    /// Collection control id from `catalogue/controls.json`.
    pub control: String,
    pub collector: String,
    pub collector_version: String,
    /// The run record's period, in the record's own (fixed-width) text.
    pub period_start: String,
    pub period_end: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_by: Option<String>,
}

/// One evidence object the report rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceItem {
    /// S3 key of the canonical evidence document.
    pub key: String,
    /// S3 version id at snapshot time (Object Lock pins it); absent only where the store has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// SHA-256 (lower-case hex) of the object's bytes.
    pub sha256: String,
    /// When the evidence was observed (evaluation time, or the end of the collection period).
    pub observed_at: String,
    /// Control ids of this report's framework the evidence bears on (natural order, unique).
    pub controls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<Evaluation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<Collection>,
    /// The evaluation's place in its state's order ([`attest_domain::Precedence`] key: observed
    /// time, delivery time, evidence hash), derived from the evidence; absent for collections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precedence: Option<String>,
    /// Run id of an earlier published report of this framework whose period the item was observed
    /// in but which did not include it (the evidence arrived after that report was published).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_for: Option<String>,
}

impl EvidenceItem {
    /// The order of a state's evaluations: the precedence key (observed time, then when AWS
    /// delivered it, so a Security Hub workflow change with an unchanged `UpdatedAt` still lands,
    /// then the hash), or the observed time where there is none; the key breaks any tie.
    pub fn order(&self) -> (&str, &str) {
        let by = self.precedence.as_deref().unwrap_or(&self.observed_at);
        (by, self.key.as_str())
    }
}

/// How the run judges evidence, recorded so every re-render judges the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPolicy {
    /// Evidence older than this at the period end is flagged stale.
    pub max_evidence_age_days: u32,
    /// Evidence items drawn per control for the audit sample.
    pub sample_size: u32,
}

impl Default for ReportPolicy {
    fn default() -> Self {
        ReportPolicy {
            max_evidence_age_days: DEFAULT_MAX_EVIDENCE_AGE_DAYS,
            sample_size: DEFAULT_SAMPLE_SIZE,
        }
    }
}

/// The report function's policies: one default, and a maximum evidence age per framework where
/// configured (`MAX_EVIDENCE_AGE_DAYS`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportPolicies {
    pub default: ReportPolicy,
    pub max_evidence_age_days: std::collections::BTreeMap<String, u32>,
}

impl ReportPolicies {
    pub fn for_framework(&self, framework: &str) -> ReportPolicy {
        ReportPolicy {
            max_evidence_age_days: self
                .max_evidence_age_days
                .get(framework)
                .copied()
                .unwrap_or(self.default.max_evidence_age_days),
            sample_size: self.default.sample_size,
        }
    }
}

/// Another published report run of the same framework, named by its manifest's SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRef {
    pub run_id: String,
    #[serde(flatten)]
    pub period: Period,
    pub manifest_sha256: String,
}

/// What the snapshot, the report, the manifest and the run record each state about the run,
/// flattened into each (the serialised field names are these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunHeader {
    /// Derived from framework, period and the recorded time, never random: see [`run_id`].
    pub run_id: String,
    /// Half-open period, serialised as `period_start` and `period_end` (RFC 3339 UTC, whole seconds).
    #[serde(flatten)]
    pub period: Period,
    /// The run's recorded time (schedule time, or the on-demand request time); shown as "generated at".
    pub generated_at: String,
    pub catalogue_version: String,
    pub template_version: String,
    /// The published report whose closing state this one starts from (absent for a framework's
    /// first report): each framework's reports form a chain of manifest hashes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predecessor: Option<RunRef>,
    /// The published report of the same period this run amends (`attest report --amend`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amends: Option<RunRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub schema: String,
    #[serde(flatten)]
    pub header: RunHeader,
    pub framework: FrameworkInfo,
    pub policy: ReportPolicy,
    pub controls: Vec<ScopeControl>,
    pub exceptions: Vec<ExceptionEntry>,
    /// Sorted by key; each key once. Evaluations observed before the period start are the standing
    /// each resource carries into the period (its latest evaluation before the start), or late
    /// evidence of an earlier report's period (`late_for`).
    pub evidence: Vec<EvidenceItem>,
}

/// A report run's id: the first 20 hex digits of SHA-256 over framework, period and recorded time.
/// The same request gives the same id (and the same S3 prefix), so a retried run cannot publish a
/// second, different report for one request.
pub fn run_id(framework: &str, period: &Period, generated_at: &str) -> String {
    let (start, end) = period.rfc3339_ends();
    let digest = attest_domain::canonical::sha256_hex(
        format!("{framework}|{start}|{end}|{generated_at}").as_bytes(),
    );
    digest[..20].to_string()
}

/// Parse `START/END` (RFC 3339 instants or `YYYY-MM-DD` dates, meaning midnight UTC) into a
/// normalised half-open period; refuses empty and inverted periods.
pub fn parse_period(text: &str) -> Result<Period, ReportError> {
    let bad = |why: &str| ReportError::BadPeriod(text.to_string(), why.to_string());
    let (start, end) = text
        .split_once('/')
        .ok_or_else(|| bad("expected START/END, e.g. 2026-10-01/2026-11-01"))?;
    let start = normalise_instant(start).map_err(|e| bad(&format!("start: {e}")))?;
    let end = normalise_instant(end).map_err(|e| bad(&format!("end: {e}")))?;
    Period::from_ends(&start, &end).map_err(|e| bad(&e.reason))
}

/// `2026-10-01` or any RFC 3339 instant -> `2026-10-01T00:00:00Z` form (UTC, seconds).
pub fn normalise_instant(text: &str) -> Result<String, String> {
    use time::format_description::well_known::Rfc3339;
    let text = text.trim();
    let instant = if text.len() == 10 {
        let date = time::Date::parse(
            text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|e| format!("`{text}` is not a date: {e}"))?;
        date.midnight().assume_utc()
    } else {
        time::OffsetDateTime::parse(text, &Rfc3339)
            .map_err(|e| format!("`{text}` is not an RFC 3339 time: {e}"))?
    };
    let utc = instant.to_offset(time::UtcOffset::UTC);
    utc.format(&time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
    ))
    .map_err(|e| e.to_string())
}

impl Snapshot {
    /// Checks a snapshot read from a file or built by a run: schema, period, ordering, hashes.
    pub fn check(&self) -> Result<(), ReportError> {
        let bad = |why: String| ReportError::BadSnapshot(why);
        if self.schema != SNAPSHOT_SCHEMA {
            return Err(bad(format!(
                "schema `{}` is not `{SNAPSHOT_SCHEMA}`",
                self.schema
            )));
        }
        for pair in self.evidence.windows(2) {
            if pair[0].key >= pair[1].key {
                return Err(bad(format!(
                    "evidence not sorted by key or listed twice at `{}`",
                    pair[1].key
                )));
            }
        }
        for item in &self.evidence {
            if item.sha256.len() != 64
                || !item
                    .sha256
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            {
                return Err(bad(format!(
                    "evidence `{}`: sha256 `{}` is not 64 lower-case hex digits",
                    item.key, item.sha256
                )));
            }
            if item.evaluation.is_some() == item.collection.is_some() {
                return Err(bad(format!(
                    "evidence `{}` must be exactly one of an evaluation or a collection",
                    item.key
                )));
            }
        }
        Ok(())
    }

    /// Canonical JSON (RFC 8785) of the snapshot: the bytes stored and hashed.
    pub fn to_canonical(&self) -> Result<Vec<u8>, ReportError> {
        attest_domain::canonical::to_vec(self).map_err(|e| ReportError::Render {
            output: "snapshot.json",
            reason: e.to_string(),
        })
    }

    pub fn from_json(bytes: &[u8]) -> Result<Self, ReportError> {
        let snapshot: Snapshot = serde_json::from_slice(bytes)
            .map_err(|e| ReportError::BadSnapshot(format!("not a snapshot document: {e}")))?;
        snapshot.check()?;
        Ok(snapshot)
    }
}

impl EvidenceItem {
    /// The evidence item for one finding, seen from one framework: `None` when the finding bears
    /// on no control of that framework. The report builds it from the finding its evidence object
    /// normalises to ([`attest_domain::normalize_evidence`]), never from a stored row.
    pub fn from_finding(
        derived: &NormalizedFinding,
        key: &str,
        version_id: Option<String>,
        framework: &str,
    ) -> Option<Self> {
        let finding = &derived.finding;
        let mut controls: Vec<String> = finding
            .controls
            .iter()
            .filter(|c| c.framework == framework)
            .map(|c| c.control_id.clone())
            .collect();
        if controls.is_empty() {
            return None;
        }
        controls.sort_by(|a, b| crate::natural::compare(a, b));
        controls.dedup();
        Some(EvidenceItem {
            key: key.to_string(),
            version_id,
            sha256: derived.evidence.sha256.clone(),
            observed_at: finding.observed_at.as_str().to_string(),
            controls,
            evaluation: Some(Evaluation::of(finding)),
            collection: None,
            precedence: Some(Precedence::of(finding, &derived.evidence).key()),
            late_for: None,
        })
    }
}

impl Evaluation {
    /// What the report shows of a finding.
    pub fn of(finding: &Finding) -> Self {
        Evaluation {
            state_id: finding.subject.state_id(),
            source: finding.source.as_str().to_string(),
            event_id: finding.event_id.clone(),
            subject: finding.subject.clone(),
            status: finding.status,
            severity: finding.severity,
            disposition: finding.disposition,
            title: finding.title.clone(),
        }
    }
}

/// The framework's controls in scope: every control the catalogue maps something to, plus the
/// controls the collection catalogue collects for (titles from the catalogue where it has them).
pub fn scope(
    catalogue: &attest_domain::Catalogue,
    framework: &str,
    collected: impl IntoIterator<Item = (String, String)>,
) -> Vec<ScopeControl> {
    let mut map: std::collections::BTreeMap<String, String> = catalogue
        .controls_of(framework)
        .map(|(c, info)| (c.control_id.clone(), info.title.clone()))
        .collect();
    for (id, title) in collected {
        map.entry(id).or_insert(title);
    }
    let mut out: Vec<ScopeControl> = map
        .into_iter()
        .map(|(control_id, title)| ScopeControl { control_id, title })
        .collect();
    out.sort_by(|a, b| crate::natural::compare(&a.control_id, &b.control_id));
    out
}

pub fn framework_info(
    catalogue: &attest_domain::Catalogue,
    framework: &str,
) -> Result<FrameworkInfo, ReportError> {
    catalogue
        .framework(framework)
        .map(|f| FrameworkInfo {
            id: f.framework.clone(),
            name: f.name.clone(),
            version: f.version.clone(),
        })
        .ok_or_else(|| {
            ReportError::UnknownFramework(
                framework.to_string(),
                catalogue
                    .frameworks()
                    .map(|f| f.framework.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_normalised_and_checked() {
        let october = parse_period("2026-10-01/2026-11-01").unwrap();
        assert_eq!(
            (october.start.rfc3339(), october.end.rfc3339()),
            ("2026-10-01T00:00:00Z".into(), "2026-11-01T00:00:00Z".into())
        );
        assert_eq!(
            parse_period("2026-10-01T02:00:00+02:00/2026-10-02T00:00:00Z")
                .unwrap()
                .start
                .rfc3339(),
            "2026-10-01T00:00:00Z"
        );
        let empty = parse_period("2026-10-01/2026-10-01")
            .unwrap_err()
            .to_string();
        assert!(empty.contains("empty"), "{empty}");
        let inverted = parse_period("2026-11-01/2026-10-01")
            .unwrap_err()
            .to_string();
        assert!(inverted.contains("inverted"), "{inverted}");
        let garbage = parse_period("last month").unwrap_err().to_string();
        assert!(garbage.contains("START/END"), "{garbage}");
        let bad_date = parse_period("2026-13-01/2026-11-01")
            .unwrap_err()
            .to_string();
        assert!(bad_date.contains("start"), "{bad_date}");
    }

    #[test]
    fn run_ids_are_derived_not_random() {
        let november = Period::parse("2026-11-01T00:00:00Z/2026-12-01T00:00:00Z").unwrap();
        let a = run_id("SOC2", &november, "2026-12-01T06:00:00Z");
        assert_eq!(a, run_id("SOC2", &november, "2026-12-01T06:00:00Z"));
        assert_ne!(a, run_id("SOC2", &november, "2026-12-01T06:00:01Z"));
        assert_eq!(a.len(), 20);
        // The id hashes the periods' whole-second text, as every published run's id did.
        let digest = attest_domain::canonical::sha256_hex(
            b"SOC2|2026-11-01T00:00:00Z|2026-12-01T00:00:00Z|2026-12-01T06:00:00Z",
        );
        assert_eq!(a, digest[..20]);
    }
}
