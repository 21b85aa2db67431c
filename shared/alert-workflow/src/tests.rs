//! The use case over in-process ports: a ledger in a map, a topic that keeps what it was sent.

use std::collections::HashMap;
use std::sync::Mutex;

use attest_alerts::{SnsMessage, Transition};
use attest_aws::{AdapterError, TransitionClaim};
use attest_domain::records::{CurrentStateRow, FindingFields};
use attest_domain::Subject;

use crate::ports::{Publisher, TransitionLedger};
use crate::{Alert, AlertError, RecordOutcome, StateImages};

#[derive(Default)]
struct Ledger {
    /// id -> sent
    rows: Mutex<HashMap<String, bool>>,
    fail_mark: Mutex<bool>,
}

impl TransitionLedger for Ledger {
    async fn claim(&self, t: &Transition) -> Result<TransitionClaim, AdapterError> {
        let mut rows = self.rows.lock().unwrap();
        if rows.get(&t.id) == Some(&true) {
            return Ok(TransitionClaim::AlreadySent);
        }
        rows.insert(t.id.clone(), false);
        Ok(TransitionClaim::Publish)
    }

    async fn mark_sent(&self, t: &Transition, _message_id: &str) -> Result<(), AdapterError> {
        if *self.fail_mark.lock().unwrap() {
            return Err(AdapterError::unexpected_answer(
                "dynamodb:PutItem",
                "t",
                "down",
            ));
        }
        self.rows.lock().unwrap().insert(t.id.clone(), true);
        Ok(())
    }
}

#[derive(Default)]
struct Topic {
    sent: Mutex<Vec<SnsMessage>>,
}

impl Publisher for Topic {
    async fn publish(&self, message: &SnsMessage) -> Result<String, AdapterError> {
        let mut sent = self.sent.lock().unwrap();
        sent.push(message.clone());
        Ok(format!("m{}", sent.len()))
    }
}

fn row(standing: &str, evidence: &str) -> serde_dynamo::Item {
    let subject = Subject {
        account: "123456789012".into(),
        region: "us-east-1".into(),
        resource_type: "AWS::S3::Bucket".into(),
        resource_id: "audit-logs".into(),
        rule_id: "s3-bucket-server-side-encryption-enabled".into(),
    };
    let fields = FindingFields {
        state_id: subject.state_id(),
        source: "aws.config".into(),
        event_id: "e1".into(),
        source_finding_id: "f1".into(),
        resource_key: subject.resource_key(),
        subject,
        status: standing.into(),
        source_status: standing.into(),
        severity: "HIGH".into(),
        disposition: "ACTIVE".into(),
        standing: standing.into(),
        observed_at: "2026-12-01T10:00:00Z".into(),
        title: None,
        controls: vec!["SOC2:CC6.1".into()],
        mapped: true,
        evidence_key: format!("evidence/sha256/{evidence}.json"),
        evidence_sha256: evidence.into(),
        precedence: None,
        catalogue_version: "v1".into(),
    };
    serde_dynamo::to_item(CurrentStateRow {
        pk: format!("STATE#{}", fields.state_id),
        sk: "CURRENT".into(),
        status_sort: "x".into(),
        fields,
    })
    .unwrap()
}

fn images(old: Option<serde_dynamo::Item>, new: Option<serde_dynamo::Item>) -> StateImages {
    StateImages {
        record: "1".into(),
        old: old.unwrap_or_default(),
        new: new.unwrap_or_default(),
    }
}

fn alert() -> Alert<Ledger, Topic> {
    Alert {
        ledger: Ledger::default(),
        publisher: Topic::default(),
    }
}

#[tokio::test]
async fn fail_redelivered_unchanged_pass_publishes_twice() {
    let a = alert();
    let pass = row("COMPLIANT", "aa");
    let fail = row("NON_COMPLIANT", "bb");
    let fail_again = row("NON_COMPLIANT", "cc");
    let fail_record = images(Some(pass.clone()), Some(fail.clone()));

    let first = a.handle(&fail_record).await.unwrap();
    assert!(matches!(first, RecordOutcome::Published { ref change, .. } if change == "FAILED"));
    let again = a.handle(&fail_record).await.unwrap();
    assert!(
        matches!(again, RecordOutcome::AlreadySent { .. }),
        "{again:?}"
    );
    let unchanged = a
        .handle(&images(Some(fail.clone()), Some(fail_again.clone())))
        .await
        .unwrap();
    assert_eq!(unchanged, RecordOutcome::NoTransition);
    let resolved = a
        .handle(&images(Some(fail_again), Some(row("COMPLIANT", "dd"))))
        .await
        .unwrap();
    assert!(
        matches!(resolved, RecordOutcome::Published { ref change, .. } if change == "RESOLVED")
    );

    let sent = a.publisher.sent.lock().unwrap();
    assert_eq!(sent.len(), 2);
    assert!(sent[0].subject.contains("NON_COMPLIANT"));
    assert!(sent[1].subject.contains("RESOLVED"));
}

#[tokio::test]
async fn a_crash_before_marking_sent_publishes_again_with_the_same_id() {
    let a = alert();
    *a.ledger.fail_mark.lock().unwrap() = true;
    let record = images(None, Some(row("NON_COMPLIANT", "bb")));
    let err = a.handle(&record).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    *a.ledger.fail_mark.lock().unwrap() = false;
    let retried = a.handle(&record).await.unwrap();
    assert!(matches!(retried, RecordOutcome::Published { .. }));
    let sent = a.publisher.sent.lock().unwrap();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0], sent[1],
        "the receivers see the same transition id twice"
    );
}

#[tokio::test]
async fn a_malformed_image_is_a_permanent_error() {
    let a = alert();
    let mut bad = row("NON_COMPLIANT", "bb");
    bad.remove("standing");
    let err = a.handle(&images(None, Some(bad))).await.unwrap_err();
    assert!(matches!(err, AlertError::Image { .. }), "{err}");
    assert!(!err.is_retryable());
    assert!(a.publisher.sent.lock().unwrap().is_empty());
}

#[tokio::test]
async fn removed_rows_and_first_passes_send_nothing() {
    let a = alert();
    let none = a
        .handle(&images(Some(row("NON_COMPLIANT", "bb")), None))
        .await;
    assert_eq!(none.unwrap(), RecordOutcome::NoTransition);
    let none = a.handle(&images(None, Some(row("COMPLIANT", "aa")))).await;
    assert_eq!(none.unwrap(), RecordOutcome::NoTransition);
}
