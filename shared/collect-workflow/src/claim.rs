//! Step 1: the run record this invocation tries to claim. The claim itself is the run store's
//! conditional write ([`crate::ports::RunRecords::claim`]): the first trigger wins, a duplicate
//! finds the run collected, a concurrent one finds a live lease; a FAILED run, an expired lease or
//! a claim of this same invocation (a retry with the same request id) is taken over on the same
//! record.

use std::time::Duration;

use attest_domain::collection::run::{run_pk, run_sk};
use attest_domain::collection::{CollectionControl, Period, RunRecord, RunStatus};
use attest_domain::timestamp::Timestamp;

use crate::ports::Collector;

/// Who claims which run, when, and for how long.
pub struct Claimant<'a> {
    pub control: &'a CollectionControl,
    pub collector: &'a dyn Collector,
    pub period: &'a Period,
    pub invocation: &'a str,
    pub catalogue_version: &'a str,
    pub claimed_at: &'a Timestamp,
    pub lease: Duration,
}

/// The record a first claim writes: PENDING, attempt 1, held by `invocation` until the lease ends.
pub fn fresh_record(claimant: Claimant<'_>) -> RunRecord {
    let Claimant {
        control,
        collector,
        period,
        invocation,
        catalogue_version,
        claimed_at,
        lease,
    } = claimant;
    RunRecord {
        pk: run_pk(&control.id),
        sk: run_sk(period),
        control: control.id.clone(),
        framework: control.framework.clone(),
        control_id: control.control_id.clone(),
        period_start: period.start.to_string(),
        period_end: period.end.to_string(),
        collector: collector.id().to_string(),
        collector_version: collector.version().to_string(),
        status: RunStatus::Pending,
        status_sort: format!("{}#{}", period.end, control.id),
        attempts: 1,
        claimed_by: invocation.to_string(),
        lease_until: lease_end(claimed_at, lease),
        catalogue_version: catalogue_version.to_string(),
        collected_at: None,
        collected_by: None,
        evidence_key: None,
        evidence_version_id: None,
        evidence_sha256: None,
        error: None,
    }
}

/// `claimed_at + lease`, in the same RFC 3339 form (millisecond precision, `Z`), so the run store
/// can compare lease ends with times as text.
fn lease_end(claimed_at: &Timestamp, lease: Duration) -> String {
    chrono::DateTime::parse_from_rfc3339(claimed_at.as_str())
        .map(|d| {
            (d + lease)
                .to_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        })
        .unwrap_or_else(|_| claimed_at.to_string())
}
