//! The workflow over in-process ports: what is stored, in which order, and what a failure at each
//! step leaves behind. (The integration tests in `functions/intake` run the same code against the
//! local AWS server.)

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use attest_aws::{AdapterError, HistoryOutcome, StateOutcome};
use attest_domain::records::FindingItems;
use attest_domain::{Admission, Catalogue, Evidence, Precedence, ProductArn};

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
    /// state id -> (precedence, standing) of the current state
    current: Mutex<BTreeMap<String, (Precedence, String)>>,
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
        let candidate = Precedence::of_row(&f).unwrap();
        let mut current = self.current.lock().unwrap();
        // The adapter's condition: a strictly greater precedence replaces the current state.
        match current.get(&f.state_id) {
            Some((held, _)) if *held >= candidate => Ok(StateOutcome::Stale),
            _ => {
                current.insert(f.state_id, (candidate, f.standing));
                Ok(StateOutcome::Updated)
            }
        }
    }
}

fn intake(memory: &Memory) -> Intake<&Memory, &Memory> {
    Intake {
        catalogue: Catalogue::embedded().unwrap(),
        admission: Admission::default(),
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

/// The sample Config event observed at another time, and delivered at that time.
fn edited(event: &[u8], observed_at: &str) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(event).unwrap();
    v["time"] = observed_at.into();
    let result = &mut v["detail"]["newEvaluationResult"];
    result["evaluationResultIdentifier"]["orderingTimestamp"] = observed_at.into();
    result["resultRecordedTime"] = observed_at.into();
    serde_json::to_vec(&v).unwrap()
}

const ONE: &[u8] = include_bytes!("../../../events/securityhub-one-finding.json");

/// The sample Security Hub finding as `BatchUpdateFindings` leaves it: the same `UpdatedAt`, a
/// new `Workflow.Status`, delivered in a new event at `time`.
fn workflow_change(status: &str, event_id: &str, time: &str) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(ONE).unwrap();
    v["id"] = event_id.into();
    v["time"] = time.into();
    v["detail"]["findings"][0]["Workflow"]["Status"] = status.into();
    serde_json::to_vec(&v).unwrap()
}

fn standing_of(memory: &Memory) -> String {
    let current = memory.current.lock().unwrap();
    assert_eq!(current.len(), 1);
    current.values().next().unwrap().1.clone()
}

#[tokio::test]
async fn suppress_and_unsuppress_with_the_same_updated_at_land_in_either_arrival_order() {
    // Sample delivered 06:48:59; suppressed at 07:10, unsuppressed at 07:20, UpdatedAt unchanged.
    let suppress = workflow_change("SUPPRESSED", "e-suppress", "2026-11-03T07:10:00Z");
    let unsuppress = workflow_change("NOTIFIED", "e-unsuppress", "2026-11-03T07:20:00Z");

    // In order: each change lands.
    let memory = Memory::default();
    let intake = intake(&memory);
    intake.ingest(ONE).await.unwrap();
    assert_eq!(standing_of(&memory), "NON_COMPLIANT");
    assert_eq!(intake.ingest(&suppress).await.unwrap().state_updated, 1);
    assert_eq!(standing_of(&memory), "SUPPRESSED");
    assert_eq!(intake.ingest(&unsuppress).await.unwrap().state_updated, 1);
    assert_eq!(standing_of(&memory), "NON_COMPLIANT");

    // Out of order: the suppression arriving last is history, not current state, whatever the
    // hashes of the two evidence documents are.
    let memory = Memory::default();
    let intake = self::intake(&memory);
    intake.ingest(&unsuppress).await.unwrap();
    let late = intake.ingest(&suppress).await.unwrap();
    assert_eq!((late.history_recorded, late.state_stale), (1, 1));
    assert_eq!(standing_of(&memory), "NON_COMPLIANT");
    intake.ingest(ONE).await.unwrap();
    assert_eq!(standing_of(&memory), "NON_COMPLIANT");
    assert_eq!(memory.history.lock().unwrap().len(), 3);
}

const PARTNER: &str =
    "arn:aws:securityhub:us-east-1:733251395267:product/alertlogic/althreatmanagement";

fn from_partner() -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(ONE).unwrap();
    v["detail"]["findings"][0]["ProductArn"] = PARTNER.into();
    v["detail"]["findings"][0]["Compliance"]["Status"] = "PASSED".into();
    serde_json::to_vec(&v).unwrap()
}

fn nothing_stored(memory: &Memory) -> bool {
    memory.objects.lock().unwrap().is_empty()
        && memory.history.lock().unwrap().is_empty()
        && memory.current.lock().unwrap().is_empty()
}

#[tokio::test]
async fn a_finding_from_an_unlisted_product_is_refused_and_nothing_is_stored() {
    let memory = Memory::default();
    let err = intake(&memory).ingest(&from_partner()).await.unwrap_err();
    assert!(matches!(err, IntakeError::Refused(_)), "{err}");
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(
        text.contains(PARTNER) && text.contains("fb8232e56002"),
        "names the product and the finding: {text}"
    );
    assert!(nothing_stored(&memory));
}

#[tokio::test]
async fn an_allow_listed_product_is_stored() {
    let memory = Memory::default();
    let mut intake = intake(&memory);
    intake.admission = Admission::new([ProductArn::parse(PARTNER).unwrap()], 300);
    let stored = intake.ingest(&from_partner()).await.unwrap();
    assert_eq!(stored.state_updated, 1);
    assert_eq!(standing_of(&memory), "COMPLIANT");
}

#[tokio::test]
async fn an_observation_a_year_after_its_event_is_refused_and_nothing_is_stored() {
    let memory = Memory::default();
    let mut v: serde_json::Value = serde_json::from_slice(ONE).unwrap();
    v["detail"]["findings"][0]["UpdatedAt"] = "2027-11-03T06:48:44.930Z".into();
    let err = intake(&memory)
        .ingest(&serde_json::to_vec(&v).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, IntakeError::Refused(_)), "{err}");
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("`UpdatedAt`"), "{err}");
    assert!(nothing_stored(&memory));
    // The same for a Config evaluation (delivered 2026-11-02T09:15:27Z).
    let mut v: serde_json::Value = serde_json::from_slice(CONFIG_OLD).unwrap();
    v["detail"]["newEvaluationResult"]["evaluationResultIdentifier"]["orderingTimestamp"] =
        "2026-11-03T09:15:11.482Z".into();
    let late = serde_json::to_vec(&v).unwrap();
    let err = intake(&memory).ingest(&late).await.unwrap_err();
    assert!(err.to_string().contains("orderingTimestamp"), "{err}");
    assert!(nothing_stored(&memory));
}
