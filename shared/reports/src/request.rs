//! What a report run is asked to do, and its run record.
//!
//! A scheduled run (EventBridge Scheduler) names a relative period (`previous_day`,
//! `previous_month`, `previous_quarter`) and passes its scheduled time; an on-demand run names an
//! explicit `START/END` and its request time. Either way the run's recorded time comes from the
//! event, never from the clock, so a retried invocation is the same run with the same id.

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::error::ReportError;
use attest_domain::timestamp::Timestamp;
use attest_domain::Period;

use crate::snapshot::{normalise_instant, parse_period, run_id, RunHeader};

/// The event the report function takes (and what `attest report` builds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportEvent {
    pub framework: String,
    /// `previous_day`, `previous_month`, `previous_quarter`, or `START/END`.
    pub period: String,
    /// Scheduler's `<aws.scheduler.scheduled-time>`: the run's recorded time for scheduled runs.
    #[serde(default)]
    pub scheduled_time: Option<String>,
    /// The request time of an on-demand run.
    #[serde(default)]
    pub requested_at: Option<String>,
    /// Run id of a published report of the same framework and period that this run re-issues
    /// (`attest report --amend`), e.g. with evidence that arrived after it was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amends: Option<String>,
}

/// A checked request: framework, half-open period and the run's recorded time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRequest {
    pub framework: String,
    pub period: Period,
    pub generated_at: String,
    pub trigger: &'static str,
    /// Run id of the published run this one amends.
    pub amends: Option<String>,
}

impl ReportRequest {
    pub fn run_id(&self) -> String {
        let id = run_id(&self.framework, &self.period, &self.generated_at);
        match &self.amends {
            // An amendment is another run than a plain one asked for at the same time.
            Some(amended) => {
                attest_domain::canonical::sha256_hex(format!("{id}|amends|{amended}").as_bytes())
                    [..20]
                    .to_string()
            }
            None => id,
        }
    }
}

fn first_of_month(year: i32, month: Month) -> Result<Date, String> {
    Date::from_calendar_date(year, month, 1).map_err(|e| e.to_string())
}

fn midnight(date: Date) -> Result<Timestamp, String> {
    Timestamp::parse(&format!("{date}T00:00:00Z"))
}

/// The relative period that ends at the boundary at or before `at`.
pub fn relative_period(name: &str, at: &str) -> Result<Period, String> {
    let today = Timestamp::parse(at)?.day().ok_or("date out of range")?;
    let (start, end) = match name {
        "previous_day" => (today.previous_day().ok_or("date out of range")?, today),
        "previous_month" => {
            let end = first_of_month(today.year(), today.month())?;
            let prev = end.previous_day().ok_or("date out of range")?;
            (first_of_month(prev.year(), prev.month())?, end)
        }
        "previous_quarter" => {
            let q_month = Month::try_from(((u8::from(today.month()) - 1) / 3) * 3 + 1)
                .map_err(|e| e.to_string())?;
            let end = first_of_month(today.year(), q_month)?;
            let prev = end.previous_day().ok_or("date out of range")?;
            let p_month = Month::try_from(((u8::from(prev.month()) - 1) / 3) * 3 + 1)
                .map_err(|e| e.to_string())?;
            (first_of_month(prev.year(), p_month)?, end)
        }
        other => {
            return Err(format!(
                "unknown relative period `{other}` (previous_day, previous_month, previous_quarter or START/END)"
            ))
        }
    };
    Period::new(midnight(start)?, midnight(end)?).map_err(|e| e.reason)
}

impl ReportEvent {
    /// Check the event; every error names the field and what is wrong with it.
    pub fn into_request(self, known_frameworks: &[&str]) -> Result<ReportRequest, ReportError> {
        if !known_frameworks.contains(&self.framework.as_str()) {
            return Err(ReportError::UnknownFramework(
                self.framework,
                known_frameworks.join(", "),
            ));
        }
        let (recorded, trigger) = match (&self.scheduled_time, &self.requested_at) {
            (Some(t), None) => (t, "schedule"),
            (None, Some(t)) => (t, "on-demand"),
            _ => {
                return Err(ReportError::BadPeriod(
                    self.period.clone(),
                    "exactly one of scheduled_time (scheduled run) or requested_at (on-demand run) must be given: it is the run's recorded time".into(),
                ))
            }
        };
        let generated_at = normalise_instant(recorded).map_err(|e| {
            ReportError::BadPeriod(self.period.clone(), format!("recorded time: {e}"))
        })?;
        let period = if self.period.contains('/') {
            parse_period(&self.period)?
        } else {
            relative_period(&self.period, &generated_at)
                .map_err(|e| ReportError::BadPeriod(self.period.clone(), e))?
        };
        if let Some(amended) = &self.amends {
            if amended.len() != 20 || !amended.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(ReportError::BadPeriod(
                    self.period.clone(),
                    format!("amends: `{amended}` is not a report run id (20 hex digits)"),
                ));
            }
        }
        Ok(ReportRequest {
            framework: self.framework,
            period,
            generated_at,
            trigger,
            amends: self.amends,
        })
    }
}

/// Where a report run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReportStatus {
    /// The snapshot is stored (immutable); rendering and publishing are under way or to be retried.
    Snapshotted,
    /// Outputs, manifest and signature are stored and re-verified from S3.
    Published,
    /// Publishing or verification failed; `error` says why. Never shown as a good report.
    Failed,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Snapshotted => "SNAPSHOTTED",
            ReportStatus::Published => "PUBLISHED",
            ReportStatus::Failed => "FAILED",
        }
    }
}

/// One stored output and the S3 version it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredOutput {
    pub name: String,
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// Report run record in the runs table: `pk` = `REPORT#{framework}`,
/// `sk` = `{period_start}/{period_end}#{run_id}`; index `ByStatus` (`status`, `status_sort`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRun {
    pub pk: String,
    pub sk: String,
    #[serde(flatten)]
    pub header: RunHeader,
    pub framework: String,
    pub trigger: String,
    pub status: ReportStatus,
    pub status_sort: String,
    pub attempts: u32,
    /// S3 prefix of the bundle: `reports/{framework}/{start}_{end}/{run_id}/` (compact UTC times).
    pub prefix: String,
    pub snapshot_key: String,
    pub snapshot_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_version_id: Option<String>,
    pub evidence_count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_sha256: Option<String>,
    /// S3 versions of the manifest, its signature and the public key as published: what
    /// `attest fetch` reads, so a version stacked over one later changes nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_version_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_version_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_version_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merkle_root: Option<String>,
    #[serde(default)]
    pub outputs: Vec<StoredOutput>,
    /// What the post-upload verification checked, or why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ReportRun {
    /// The S3 version of a bundle file (`manifest.json`, `report.pdf`, ...) as this record pins it.
    pub fn pinned_version(&self, name: &str) -> Option<&str> {
        use crate::manifest::{MANIFEST_FILE, PUBLIC_KEY_FILE, SIGNATURE_FILE, SNAPSHOT_FILE};
        match name {
            MANIFEST_FILE => self.manifest_version_id.as_deref(),
            SIGNATURE_FILE => self.signature_version_id.as_deref(),
            PUBLIC_KEY_FILE => self.public_key_version_id.as_deref(),
            SNAPSHOT_FILE => self.snapshot_version_id.as_deref(),
            output => self
                .outputs
                .iter()
                .find(|o| o.name == output)
                .and_then(|o| o.version_id.as_deref()),
        }
    }
}

pub fn report_pk(framework: &str) -> String {
    format!("REPORT#{framework}")
}

pub fn report_sk(request: &ReportRequest) -> String {
    let (start, end) = request.period.rfc3339_ends();
    format!("{start}/{end}#{}", request.run_id())
}

/// The run record key (`pk`, `sk`) of a bundle prefix `reports/{framework}/{start}_{end}/{run_id}/`
/// (as [`report_prefix`] writes it), or `None` when `prefix` is not of that form.
pub fn run_key_of_prefix(prefix: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = prefix.trim_end_matches('/').split('/').collect();
    let ["reports", framework, period, run_id] = parts.as_slice() else {
        return None;
    };
    // `20261101T000000Z` -> `2026-11-01T00:00:00Z`.
    let expand = |c: &str| -> Option<String> {
        let ok = c.len() == 16 && c.is_ascii() && &c[8..9] == "T" && c.ends_with('Z');
        ok.then(|| {
            format!(
                "{}-{}-{}T{}:{}:{}Z",
                &c[..4],
                &c[4..6],
                &c[6..8],
                &c[9..11],
                &c[11..13],
                &c[13..15]
            )
        })
    };
    let (start, end) = period.split_once('_')?;
    let period = Period::from_ends(&expand(start)?, &expand(end)?).ok()?;
    let (start, end) = period.rfc3339_ends();
    Some((report_pk(framework), format!("{start}/{end}#{run_id}")))
}

pub fn report_prefix(request: &ReportRequest) -> String {
    format!(
        "reports/{}/{}/{}/",
        request.framework,
        request.period.compact(),
        request.run_id()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(period: &str, scheduled: Option<&str>, requested: Option<&str>) -> ReportEvent {
        ReportEvent {
            amends: None,
            framework: "SOC2".into(),
            period: period.into(),
            scheduled_time: scheduled.map(Into::into),
            requested_at: requested.map(Into::into),
        }
    }

    #[test]
    fn relative_periods_end_at_the_boundary_before_the_scheduled_time() {
        let ends = |p: Period| p.rfc3339_ends();
        let r = event("previous_month", Some("2026-12-01T06:00:00Z"), None)
            .into_request(&["SOC2"])
            .unwrap();
        assert_eq!(
            ends(r.period.clone()),
            ("2026-11-01T00:00:00Z".into(), "2026-12-01T00:00:00Z".into())
        );
        assert_eq!(r.trigger, "schedule");
        for (name, at, start, end) in [
            (
                "previous_month",
                "2026-01-15T00:00:00Z",
                "2025-12-01T00:00:00Z",
                "2026-01-01T00:00:00Z",
            ),
            (
                "previous_quarter",
                "2026-02-10T00:00:00Z",
                "2025-10-01T00:00:00Z",
                "2026-01-01T00:00:00Z",
            ),
            (
                "previous_day",
                "2026-03-01T02:00:00Z",
                "2026-02-28T00:00:00Z",
                "2026-03-01T00:00:00Z",
            ),
        ] {
            assert_eq!(
                ends(relative_period(name, at).unwrap()),
                (start.to_string(), end.to_string()),
                "{name} at {at}"
            );
        }
    }

    #[test]
    fn bad_requests_name_the_problem() {
        let e = ReportEvent {
            amends: None,
            framework: "SOX".into(),
            ..event("previous_day", Some("2026-12-01T00:00:00Z"), None)
        }
        .into_request(&["SOC2"])
        .unwrap_err();
        assert_eq!(e.to_string(), "unknown framework `SOX` (known: SOC2)");
        let e = event("2026-11-01/2026-10-01", None, Some("2026-12-01T00:00:00Z"))
            .into_request(&["SOC2"])
            .unwrap_err();
        assert!(e.to_string().contains("inverted"), "{e}");
        let e = event("2026-11-01/2026-11-01", None, Some("2026-12-01T00:00:00Z"))
            .into_request(&["SOC2"])
            .unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
        let e = event("previous_week", Some("2026-12-01T00:00:00Z"), None)
            .into_request(&["SOC2"])
            .unwrap_err();
        assert!(e.to_string().contains("unknown relative period"), "{e}");
        let e = event("previous_day", None, None)
            .into_request(&["SOC2"])
            .unwrap_err();
        assert!(e.to_string().contains("recorded time"), "{e}");
    }

    #[test]
    fn the_same_request_is_the_same_run() {
        let a = event("2026-11-01/2026-12-01", None, Some("2026-12-02T10:00:00Z"))
            .into_request(&["SOC2"])
            .unwrap();
        let b = event(
            "2026-11-01T00:00:00Z/2026-12-01",
            None,
            Some("2026-12-02T10:00:00.000Z"),
        )
        .into_request(&["SOC2"])
        .unwrap();
        assert_eq!(a.run_id(), b.run_id());
        assert_eq!(
            report_prefix(&a),
            format!(
                "reports/SOC2/20261101T000000Z_20261201T000000Z/{}/",
                a.run_id()
            )
        );
        // A bundle's prefix leads back to its run record.
        assert_eq!(
            run_key_of_prefix(&report_prefix(&a)),
            Some((report_pk("SOC2"), report_sk(&a)))
        );
        assert_eq!(run_key_of_prefix("reports/SOC2/2026_2027/x/"), None);
        assert_eq!(run_key_of_prefix("evidence/a/b/c"), None);
    }
}
