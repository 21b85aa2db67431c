//! The evidence snapshot: the immutable input of a report run.
//!
//! A report is a pure function of its snapshot and the template version. The snapshot names every
//! evidence object (S3 key, version id, SHA-256) and carries the fields the report shows, the
//! framework's controls in scope, the exception register in force and the run's recorded time, so
//! an auditor holding the snapshot and the evidence can re-render the outputs byte for byte without
//! access to our tables. It is stored as canonical JSON next to the outputs and its hash is in the
//! signed manifest.

use attest_domain::{ComplianceStatus, Disposition, Period, Severity, Subject};
use serde::{Deserialize, Serialize};

use crate::error::ReportError;
use crate::exceptions::ExceptionEntry;

pub const SNAPSHOT_SCHEMA: &str = "attest.snapshot/v1";

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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub schema: String,
    #[serde(flatten)]
    pub header: RunHeader,
    pub framework: FrameworkInfo,
    pub controls: Vec<ScopeControl>,
    pub exceptions: Vec<ExceptionEntry>,
    /// Sorted by key; each key once.
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
        attest_domain::canonical::serialize(self).map_err(|e| ReportError::Render {
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
    /// The evidence item for one intake history row, seen from one framework. `None` when the row
    /// bears on no control of that framework; an error when the row's status, severity or
    /// disposition is not one of ours.
    pub fn from_history(
        fields: &attest_domain::records::FindingFields,
        framework: &str,
        version_id: Option<String>,
    ) -> Result<Option<Self>, ReportError> {
        let prefix = format!("{framework}:");
        let mut controls: Vec<String> = fields
            .controls
            .iter()
            .filter_map(|c| c.strip_prefix(&prefix).map(str::to_string))
            .collect();
        if controls.is_empty() {
            return Ok(None);
        }
        controls.sort_by(|a, b| crate::natural::compare(a, b));
        controls.dedup();
        let unknown = |what: &str, value: &str| {
            ReportError::BadSnapshot(format!(
                "history row {}: {what} `{value}` is not one Attest writes",
                fields.state_id
            ))
        };
        Ok(Some(EvidenceItem {
            key: fields.evidence_key.clone(),
            version_id,
            sha256: fields.evidence_sha256.clone(),
            observed_at: fields.observed_at.clone(),
            controls,
            evaluation: Some(Evaluation {
                state_id: fields.state_id.clone(),
                source: fields.source.clone(),
                event_id: fields.event_id.clone(),
                subject: fields.subject.clone(),
                status: ComplianceStatus::from_stored(&fields.status)
                    .ok_or_else(|| unknown("status", &fields.status))?,
                severity: Severity::from_stored(&fields.severity)
                    .ok_or_else(|| unknown("severity", &fields.severity))?,
                disposition: Disposition::from_stored(&fields.disposition)
                    .ok_or_else(|| unknown("disposition", &fields.disposition))?,
                title: fields.title.clone(),
            }),
            collection: None,
        }))
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
