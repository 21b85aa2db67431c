//! The workflow over in-process ports: what is stored, in which order, and what a failure at each
//! step leaves behind. (The integration tests in `functions/intake` run the same code against the
//! local AWS server.)

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use attest_aws::{AdapterError, HistoryOutcome, StateOutcome};
use attest_domain::records::FindingItems;
use attest_domain::{Catalogue, Evidence};

use crate::ports::{EvidenceSink, StateSink};
use crate::{Intake, IntakeError};

/// Which step should fail (retryably), to see what the steps before it left.
#[derive(Default, Clone, Copy, PartialEq)]
enum FailAt {
    #[default]
    Nowhere,
    Evidence,
    History,
    Current,
}

#[derive(Default)]
struct Memory {
    fail: Mutex<FailAt>,
    objects: Mutex<BTreeMap<String, Vec<u8>>>,
    /// (state id, history sort key)
    history: Mutex<BTreeSet<(String, String)>>,
    /// state id -> (observed_at, evidence sha256) of the current state
    current: Mutex<BTreeMap<String, (String, String)>>,
}

fn fail(step: &'static str) -> AdapterError {
    AdapterError::unexpected_answer(step, "test", "injected failure")
}

impl Memory {
    fn failing_at(&self, at: FailAt) -> bool {
        *self.fail.lock().unwrap() == at
    }
}

impl EvidenceSink for Memory {
    async fn put(&self, evidence: &Evidence) -> Result<bool, AdapterError> {
        if self.failing_at(FailAt::Evidence) {
            return Err(fail("s3:PutObject"));
        }
        let mut objects = self.objects.lock().unwrap();
        Ok(objects
            .insert(evidence.key.clone(), evidence.bytes.clone())
            .is_none())
    }
}

impl StateSink for Memory {
    async fn record_history(
        &self,
        items: &FindingItems<'_>,
    ) -> Result<HistoryOutcome, AdapterError> {
        if self.failing_at(FailAt::History) {
            return Err(fail("dynamodb:PutItem history"));
        }
        let row = items.rows().unwrap().history;
        let new = self.history.lock().unwrap().insert((row.pk, row.sk));
        Ok(if new {
            HistoryOutcome::Recorded
        } else {
            HistoryOutcome::AlreadyRecorded
        })
    }

    async fn apply_current(&self, items: &FindingItems<'_>) -> Result<StateOutcome, AdapterError> {
        if self.failing_at(FailAt::Current) {
            return Err(fail("dynamodb:PutItem state"));
        }
        let f = items.rows().unwrap().current.fields;
        let candidate = (f.observed_at, f.evidence_sha256);
        let mut current = self.current.lock().unwrap();
        // The adapter's condition: newer observed time, or the same time and a greater hash.
        match current.get(&f.state_id) {
            Some(held) if *held >= candidate => Ok(StateOutcome::Stale),
            _ => {
                current.insert(f.state_id, candidate);
                Ok(StateOutcome::Updated)
            }
        }
    }
}

fn intake(memory: &Memory) -> Intake<&Memory, &Memory> {
    Intake {
        catalogue: Catalogue::embedded().unwrap(),
        evidence: memory,
        state: memory,
        concurrency: 2,
    }
}

const FOUR: &[u8] = include_bytes!("../../../events/securityhub-four-findings.json");
const CONFIG_OLD: &[u8] =
    include_bytes!("../../../events/config-noncompliant-with-old-result.json");

#[tokio::test]
async fn every_finding_is_stored_once_and_a_redelivery_adds_nothing() {
    let memory = Memory::default();
    let intake = intake(&memory);
    let first = intake.ingest(FOUR).await.unwrap();
    assert_eq!(
        (
            first.findings,
            first.evidence_written,
            first.history_recorded,
            first.state_updated
        ),
        (4, 4, 4, 4)
    );
    assert_eq!(memory.objects.lock().unwrap().len(), 4);
    let again = intake.ingest(FOUR).await.unwrap();
    assert_eq!(
        (
            again.evidence_written,
            again.history_recorded,
            again.state_updated,
            again.state_stale
        ),
        (0, 0, 0, 4)
    );
    assert_eq!(memory.history.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn a_failed_step_leaves_no_row_pointing_past_it_and_a_retry_completes() {
    for (at, objects, history, current) in [
        (FailAt::Evidence, 0, 0, 0),
        (FailAt::History, 1, 0, 0),
        (FailAt::Current, 1, 1, 0),
    ] {
        let memory = Memory::default();
        *memory.fail.lock().unwrap() = at;
        let intake = intake(&memory);
        let err = intake.ingest(CONFIG_OLD).await.unwrap_err();
        assert!(matches!(err, IntakeError::Store { .. }), "{err}");
        assert!(
            err.is_retryable(),
            "a store failure is worth a retry: {err}"
        );
        assert_eq!(
            (
                memory.objects.lock().unwrap().len(),
                memory.history.lock().unwrap().len(),
                memory.current.lock().unwrap().len()
            ),
            (objects, history, current),
        );
        *memory.fail.lock().unwrap() = FailAt::Nowhere;
        let retried = intake.ingest(CONFIG_OLD).await.unwrap();
        assert_eq!(retried.state_updated, 1);
        assert_eq!(retried.evidence_written, 1 - objects);
        assert_eq!(retried.history_recorded, 1 - history);
    }
}

#[tokio::test]
async fn bad_input_stores_nothing_and_says_a_retry_will_not_help() {
    let memory = Memory::default();
    let err = intake(&memory).ingest(b"{\"id\":\"x\"}").await.unwrap_err();
    assert!(matches!(err, IntakeError::Invalid(_)), "{err}");
    assert!(!err.is_retryable());
    assert!(memory.objects.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_older_evaluation_delivered_late_is_history_but_not_current_state() {
    let memory = Memory::default();
    let intake = intake(&memory);
    let newer = edited(CONFIG_OLD, "2026-11-20T00:00:00.000Z");
    let older = edited(CONFIG_OLD, "2026-11-10T00:00:00.000Z");
    assert_eq!(intake.ingest(&newer).await.unwrap().state_updated, 1);
    let late = intake.ingest(&older).await.unwrap();
    assert_eq!((late.history_recorded, late.state_stale), (1, 1));
}

/// The sample Config event observed at another time.
fn edited(event: &[u8], observed_at: &str) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(event).unwrap();
    let result = &mut v["detail"]["newEvaluationResult"];
    result["evaluationResultIdentifier"]["orderingTimestamp"] = observed_at.into();
    result["resultRecordedTime"] = observed_at.into();
    serde_json::to_vec(&v).unwrap()
}
