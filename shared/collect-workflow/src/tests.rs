//! The workflow over in-process ports: what is claimed, collected, stored and recorded, and in
//! which order. (The integration tests in `functions/collect` run the same code against the local
//! AWS server.)

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use attest_aws::error::FailureKind;
use attest_aws::{AdapterError, Claim, StoredEvidence};
use attest_domain::canonical::sha256_hex;
use attest_domain::collection::{ControlCatalogue, Period, RunRecord, RunStatus};
use attest_domain::timestamp::Timestamp;
use attest_domain::Evidence;
use serde_json::json;

use crate::ports::{Clock, CollectFuture, CollectRequest, Collector, EvidenceWriter, RunRecords};
use crate::rate_limit::Source;
use crate::{Collection, Identity, Policy, Registry, RunOutcome};

const CONTROL: &str = "test-control";

fn ts(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn period() -> Period {
    Period::parse("2026-11-24T02:00:00Z/2026-11-25T02:00:00Z").unwrap()
}

/// Run records, evidence objects and a settable clock, in memory, with a log of the writes in the
/// order they happened.
struct Memory {
    now: Mutex<Timestamp>,
    records: Mutex<BTreeMap<(String, String), RunRecord>>,
    objects: Mutex<BTreeMap<String, Vec<u8>>>,
    writes: Mutex<Vec<String>>,
    fail_puts: Mutex<bool>,
}

impl Memory {
    fn new() -> Self {
        Memory {
            now: Mutex::new(ts("2026-11-25T02:00:05Z")),
            records: Mutex::default(),
            objects: Mutex::default(),
            writes: Mutex::default(),
            fail_puts: Mutex::new(false),
        }
    }

    fn set_now(&self, text: &str) {
        *self.now.lock().unwrap() = ts(text);
    }

    fn insert(&self, record: RunRecord) {
        let key = (record.pk.clone(), record.sk.clone());
        self.records.lock().unwrap().insert(key, record);
    }

    fn records(&self) -> Vec<RunRecord> {
        self.records.lock().unwrap().values().cloned().collect()
    }

    fn writes(&self) -> Vec<String> {
        self.writes.lock().unwrap().clone()
    }
}

/// The run store's claim rules (see `attest_aws::RunStore`), as one atomic step.
impl RunRecords for Memory {
    async fn claim(&self, fresh: &RunRecord, now: &str) -> Result<Claim, AdapterError> {
        let mut records = self.records.lock().unwrap();
        let key = (fresh.pk.clone(), fresh.sk.clone());
        let Some(existing) = records.get(&key) else {
            records.insert(key, fresh.clone());
            return Ok(Claim::Won(fresh.clone()));
        };
        Ok(match existing.status {
            RunStatus::Collected => Claim::AlreadyCollected(existing.clone()),
            RunStatus::Pending
                if existing.claimed_by != fresh.claimed_by
                    && existing.lease_until.as_str() > now =>
            {
                Claim::InProgress(existing.clone())
            }
            RunStatus::Pending | RunStatus::Failed => {
                let mut next = fresh.clone();
                next.attempts = existing.attempts + 1;
                records.insert(key, next.clone());
                Claim::Won(next)
            }
        })
    }

    async fn finish(&self, record: &RunRecord) -> Result<(), AdapterError> {
        let mut records = self.records.lock().unwrap();
        let key = (record.pk.clone(), record.sk.clone());
        match records.get(&key) {
            Some(held)
                if held.claimed_by == record.claimed_by && held.status == RunStatus::Pending =>
            {
                self.writes
                    .lock()
                    .unwrap()
                    .push(format!("finish {}", record.status.as_str()));
                records.insert(key, record.clone());
                Ok(())
            }
            _ => Err(AdapterError::Aws {
                operation: "dynamodb:PutItem",
                target: record.sk.clone(),
                message: "no longer holds the claim".into(),
                retryable: false,
            }),
        }
    }
}

impl EvidenceWriter for Memory {
    async fn put(&self, evidence: &Evidence) -> Result<StoredEvidence, AdapterError> {
        if *self.fail_puts.lock().unwrap() {
            return Err(AdapterError::unexpected_answer(
                "s3:PutObject",
                "test",
                "injected failure",
            ));
        }
        self.writes
            .lock()
            .unwrap()
            .push(format!("put {}", evidence.key));
        let mut objects = self.objects.lock().unwrap();
        let newly_written = objects
            .insert(evidence.key.clone(), evidence.bytes.clone())
            .is_none();
        Ok(StoredEvidence {
            version_id: Some(format!("v{}", objects.len())),
            newly_written,
        })
    }
}

impl Clock for Memory {
    fn now(&self) -> Timestamp {
        self.now.lock().unwrap().clone()
    }
}

/// A collector that fails its first `failures` calls with an error of `kind`, then answers.
struct Scripted {
    calls: AtomicUsize,
    failures: usize,
    kind: FailureKind,
}

impl Collector for Scripted {
    fn id(&self) -> &'static str {
        "test.scripted"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn source(&self) -> Source {
        Source::Other
    }
    fn check_parameters(&self, _: &serde_json::Value) -> Result<(), String> {
        Ok(())
    }
    fn collect<'a>(&'a self, _: CollectRequest<'a>) -> CollectFuture<'a> {
        Box::pin(async move {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            if n < self.failures {
                return Err(AdapterError::Sdk {
                    operation: "test:Call",
                    target: "account".into(),
                    kind: self.kind,
                    code: Some("TestCode".into()),
                    message: format!("failure {n}"),
                });
            }
            Ok(json!({ "call": n }))
        })
    }
}

impl Scripted {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

/// The workflow with `memory` as every port, running one control with a [`Scripted`] collector.
type InMemory<'m> = Collection<&'m Memory, &'m Memory, &'m Memory>;

fn collection(
    memory: &Memory,
    failures: usize,
    kind: FailureKind,
) -> (InMemory<'_>, Arc<Scripted>) {
    let scripted = Arc::new(Scripted {
        calls: AtomicUsize::new(0),
        failures,
        kind,
    });
    let mut registry = Registry::default();
    registry.register(scripted.clone());
    let catalogue = json!([{
        "id": CONTROL, "framework": "PCI-DSS-3.2.1", "control_id": "3.4", "name": "test control",
        "description": "test", "collector": "test.scripted", "schedule": "cron(0 2 * * ? *)",
        "parameters": {}, "rationale": "test"
    }]);
    let catalogue =
        ControlCatalogue::from_json(&catalogue.to_string(), |_| true, &["test.scripted"]).unwrap();
    let collection = Collection {
        catalogue,
        registry,
        runs: memory,
        evidence: memory,
        clock: memory,
        identity: Identity {
            arn: "arn:aws:iam::123456789012:role/collector".into(),
            account: "123456789012".into(),
        },
        policy: Policy {
            attempts: 3,
            base_delay: Duration::from_millis(10),
            ..Policy::default()
        },
    };
    (collection, scripted)
}

#[tokio::test(start_paused = true)]
async fn a_control_and_period_is_collected_once() {
    let memory = Memory::new();
    let (c, collector) = collection(&memory, 0, FailureKind::Permanent);
    let first = c.run(CONTROL, &period(), "inv-1").await.unwrap();
    assert!(matches!(first, RunOutcome::Collected(_)), "{first:?}");
    let again = c.run(CONTROL, &period(), "inv-2").await.unwrap();
    let RunOutcome::AlreadyCollected(record) = &again else {
        panic!("{again:?}")
    };
    assert_eq!(record, first.record());
    assert_eq!(collector.calls(), 1, "the second trigger collects nothing");
    assert_eq!(memory.objects.lock().unwrap().len(), 1);
    assert_eq!(memory.records().len(), 1);
}

/// The record another invocation's claim at `at` wrote (PENDING, its lease running 900 s).
fn claimed_by(c: &InMemory<'_>, invocation: &str, at: &str) -> RunRecord {
    crate::claim::fresh_record(crate::claim::Claimant {
        control: &c.catalogue.get(CONTROL).unwrap().control,
        collector: c.registry.get("test.scripted").unwrap().0.as_ref(),
        period: &period(),
        invocation,
        catalogue_version: c.catalogue.version(),
        claimed_at: &ts(at),
        lease: Duration::from_secs(900),
    })
}

#[tokio::test(start_paused = true)]
async fn a_live_claim_of_another_invocation_is_left_alone() {
    let memory = Memory::new();
    let (c, collector) = collection(&memory, 0, FailureKind::Permanent);
    let held = claimed_by(&c, "other", "2026-11-25T02:00:04Z");
    memory.insert(held.clone());

    let outcome = c.run(CONTROL, &period(), "inv-2").await.unwrap();
    assert_eq!(outcome, RunOutcome::InProgress(held.clone()));
    assert_eq!(collector.calls(), 0);
    assert_eq!(memory.records(), vec![held], "the record is untouched");
    assert!(memory.writes().is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_expired_lease_is_taken_over_on_the_same_record() {
    let memory = Memory::new();
    let (c, collector) = collection(&memory, 0, FailureKind::Permanent);
    // An invocation that died after claiming: its record stays PENDING, its lease until 02:15:05.
    let died = claimed_by(&c, "died", "2026-11-25T02:00:05Z");
    assert_eq!(died.lease_until, "2026-11-25T02:15:05.000Z");
    memory.insert(died);

    memory.set_now("2026-11-25T02:15:04Z");
    let early = c.run(CONTROL, &period(), "inv-2").await.unwrap();
    assert!(matches!(early, RunOutcome::InProgress(_)), "{early:?}");

    memory.set_now("2026-11-25T02:15:06Z");
    let outcome = c.run(CONTROL, &period(), "inv-3").await.unwrap();
    let RunOutcome::Collected(record) = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!((record.attempts, record.claimed_by.as_str()), (2, "inv-3"));
    assert_eq!(collector.calls(), 1);
    assert_eq!(memory.records().len(), 1, "no second record");
}

#[tokio::test(start_paused = true)]
async fn a_retry_of_the_claiming_invocation_resumes_its_own_live_claim() {
    let memory = Memory::new();
    let (c, collector) = collection(&memory, 0, FailureKind::Permanent);
    // Lambda's retry of a crashed asynchronous invocation reuses its request id; the lease it took
    // (until 02:15:05) is still running.
    memory.insert(claimed_by(&c, "req-1", "2026-11-25T02:00:05Z"));
    memory.set_now("2026-11-25T02:01:00Z");
    let outcome = c.run(CONTROL, &period(), "req-1").await.unwrap();
    let RunOutcome::Collected(record) = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!((record.attempts, record.claimed_by.as_str()), (2, "req-1"));
    assert_eq!(collector.calls(), 1);
    // Another invocation still finds nothing to do.
    let other = c.run(CONTROL, &period(), "req-2").await.unwrap();
    assert!(
        matches!(other, RunOutcome::AlreadyCollected(_)),
        "{other:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn retryable_failures_are_retried_up_to_the_attempts_and_never_stored() {
    // Throttled twice, then an answer: one run, three calls, the third call's payload stored.
    let memory = Memory::new();
    let (c, collector) = collection(&memory, 2, FailureKind::Throttled);
    let outcome = c.run(CONTROL, &period(), "inv-1").await.unwrap();
    assert!(matches!(outcome, RunOutcome::Collected(_)), "{outcome:?}");
    assert_eq!(collector.calls(), 3);
    assert_eq!(outcome.record().attempts, 1, "one run attempt");
    let objects = memory.objects.lock().unwrap().clone();
    let stored: serde_json::Value =
        serde_json::from_slice(objects.values().next().unwrap()).unwrap();
    assert_eq!(stored["payload"], json!({"call": 2}));

    // Transient on every try: three calls, then FAILED with the last error; nothing stored.
    let memory = Memory::new();
    let (c, collector) = collection(&memory, 100, FailureKind::Transient);
    let outcome = c.run(CONTROL, &period(), "inv-1").await.unwrap();
    let RunOutcome::Failed(record) = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(collector.calls(), 3);
    let error = record.error.as_deref().unwrap();
    assert!(
        error.contains("failure 2") && error.contains("transient"),
        "{error}"
    );
    assert!(record.evidence_key.is_none());
    assert!(memory.objects.lock().unwrap().is_empty());
    assert_eq!(memory.writes(), ["finish FAILED"]);
}

#[tokio::test(start_paused = true)]
async fn a_permanent_failure_is_recorded_and_the_next_trigger_retries_the_same_record() {
    let memory = Memory::new();
    let (c, collector) = collection(&memory, 1, FailureKind::Permanent);
    let first = c.run(CONTROL, &period(), "inv-1").await.unwrap();
    let RunOutcome::Failed(failed) = &first else {
        panic!("{first:?}")
    };
    assert_eq!(collector.calls(), 1, "not retried in-process");
    assert_eq!((failed.status, failed.attempts), (RunStatus::Failed, 1));
    assert!(failed.error.as_deref().unwrap().contains("not retryable"));
    assert_eq!(memory.records(), vec![failed.clone()]);

    let second = c.run(CONTROL, &period(), "inv-2").await.unwrap();
    let RunOutcome::Collected(done) = &second else {
        panic!("{second:?}")
    };
    assert_eq!((done.attempts, done.error.clone()), (2, None));
    assert_eq!(memory.records(), vec![done.clone()], "the same record");
}

#[tokio::test(start_paused = true)]
async fn evidence_is_stored_before_the_run_is_marked_collected() {
    let memory = Memory::new();
    let (c, _) = collection(&memory, 0, FailureKind::Permanent);
    let outcome = c.run(CONTROL, &period(), "inv-1").await.unwrap();
    let record = outcome.record();
    let key = record.evidence_key.clone().unwrap();
    assert_eq!(
        memory.writes(),
        [format!("put {key}"), "finish COLLECTED".into()]
    );
    let bytes = memory.objects.lock().unwrap()[&key].clone();
    assert_eq!(record.evidence_sha256, Some(sha256_hex(&bytes)));
    assert_eq!(record.evidence_version_id.as_deref(), Some("v1"));
    assert_eq!(
        record.collected_at.as_deref(),
        Some("2026-11-25T02:00:05.000Z")
    );
    assert!(
        key.starts_with("collected/123456789012/test-control/"),
        "{key}"
    );

    // A store that refuses the evidence leaves the run FAILED, never COLLECTED without evidence.
    let memory = Memory::new();
    *memory.fail_puts.lock().unwrap() = true;
    let (c, _) = collection(&memory, 0, FailureKind::Permanent);
    let outcome = c.run(CONTROL, &period(), "inv-1").await.unwrap();
    let RunOutcome::Failed(record) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(record
        .error
        .unwrap()
        .starts_with("storing evidence: s3:PutObject"));
    assert_eq!(memory.writes(), ["finish FAILED"]);
}

#[tokio::test(start_paused = true)]
async fn unknown_controls_are_refused_before_anything_is_claimed() {
    let memory = Memory::new();
    let (c, _) = collection(&memory, 0, FailureKind::Permanent);
    let err = c
        .run("no-such-control", &period(), "inv")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no-such-control"), "{err}");
    assert!(!err.is_retryable());
    assert!(memory.records().is_empty());
}
