//! The collect handler: an event names control(s) and either the scheduled time or an explicit
//! period; each (control, period) is run by the collect workflow, and the response has one line per
//! run. If any run fails the invocation fails, so Scheduler retries it and then sends it to the
//! DLQ; runs that already succeeded are not repeated (each (control, period) runs once).
//!
//! Event: `{"controls": ["pci-3.4-s3-encryption-posture"], "scheduled_time": "2026-11-25T02:00:00Z"}`
//! (Scheduler fills `scheduled_time` from `<aws.scheduler.scheduled-time>`; `control` may stand for a
//! one-element `controls`), or `{"control": "...", "period": "START/END"}` for an ad-hoc run.

use attest_collect_workflow::{
    Clock, Collection, CollectionError, EvidenceWriter, RunOutcome, RunRecords,
};
use attest_domain::collection::{requested_period, Period, PeriodRequestError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectEvent {
    #[serde(default)]
    pub control: Option<String>,
    #[serde(default)]
    pub controls: Vec<String>,
    #[serde(default)]
    pub scheduled_time: Option<String>,
    #[serde(default)]
    pub period: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("invalid collect event: {0}")]
    BadEvent(String),
    #[error("{failed} of {total} runs failed: {details}")]
    RunsFailed {
        failed: usize,
        total: usize,
        details: String,
    },
}

/// One line of the response per run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    pub control: String,
    pub period: String,
    pub outcome: String,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CollectResponse {
    pub runs: Vec<RunSummary>,
}

/// The (control, period) pairs an event asks for, each period given by the domain's one rule.
pub fn requests<R, E, C>(
    collection: &Collection<R, E, C>,
    event: &CollectEvent,
) -> Result<Vec<(String, Period)>, CollectError> {
    let mut controls = event.controls.clone();
    controls.extend(event.control.clone());
    if controls.is_empty() {
        return Err(CollectError::BadEvent(
            "name at least one control in `control` or `controls`".into(),
        ));
    }
    // One claimant may resume its own claim (a Lambda retry), so the same run twice in one
    // invocation would be collected twice: refused instead.
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = controls.iter().find(|c| !seen.insert(c.as_str())) {
        return Err(CollectError::BadEvent(format!(
            "control `{twice}` is named more than once"
        )));
    }
    controls
        .into_iter()
        .map(|control| {
            let entry = collection
                .catalogue
                .get(&control)
                .ok_or_else(|| CollectError::BadEvent(format!("unknown control `{control}`")))?;
            let period = requested_period(
                &entry.schedule,
                event.period.as_deref(),
                event.scheduled_time.as_deref(),
            )
            .map_err(|e| CollectError::BadEvent(in_event_terms(e)))?;
            Ok((control, period))
        })
        .collect()
}

/// A period error in the event's field names.
fn in_event_terms(e: PeriodRequestError) -> String {
    match e {
        PeriodRequestError::Missing => "give `scheduled_time` or `period`".into(),
        PeriodRequestError::ScheduledTime { reason, .. } => format!("`scheduled_time`: {reason}"),
        PeriodRequestError::Period(e) => e.to_string(),
        PeriodRequestError::Schedule(e) => e.to_string(),
    }
}

pub async fn handle<R: RunRecords, E: EvidenceWriter, C: Clock>(
    collection: &Collection<R, E, C>,
    event: CollectEvent,
    invocation: &str,
) -> Result<CollectResponse, CollectError> {
    let requests = requests(collection, &event)?;
    let results = collection.run_batch(&requests, invocation).await;
    let mut runs = Vec::with_capacity(results.len());
    let mut failures = Vec::new();
    for ((control, result), (_, period)) in results.into_iter().zip(&requests) {
        let summary = match result {
            Ok(outcome) => {
                let r = outcome.record();
                if let RunOutcome::Failed(_) = outcome {
                    failures.push(format!(
                        "{control} {period}: {}",
                        r.error.as_deref().unwrap_or("failed")
                    ));
                }
                RunSummary {
                    control,
                    period: period.to_string(),
                    outcome: outcome.label().to_string(),
                    attempts: r.attempts,
                    evidence_key: r.evidence_key.clone(),
                    evidence_sha256: r.evidence_sha256.clone(),
                    error: r.error.clone(),
                }
            }
            Err(e) => {
                failures.push(format!("{control} {period}: {e}"));
                RunSummary {
                    control,
                    period: period.to_string(),
                    outcome: "error".into(),
                    attempts: 0,
                    evidence_key: None,
                    evidence_sha256: None,
                    error: Some(error_text(&e)),
                }
            }
        };
        runs.push(summary);
    }
    if failures.is_empty() {
        Ok(CollectResponse { runs })
    } else {
        Err(CollectError::RunsFailed {
            failed: failures.len(),
            total: runs.len(),
            details: failures.join("; "),
        })
    }
}

fn error_text(e: &CollectionError) -> String {
    format!(
        "{e} ({})",
        if e.is_retryable() {
            "retryable"
        } else {
            "not retryable"
        }
    )
}
