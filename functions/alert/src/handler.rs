//! The stream handler: the records of a DynamoDB Streams batch are handled in order, one tracing
//! span each. At the first failure the rest of the batch is left alone and that record's sequence
//! number is returned in `batchItemFailures`: Lambda checkpoints everything before it and retries
//! from it, so transitions of one state are never published out of order. A record that keeps
//! failing goes, after the event source mapping's retries, to its on-failure destination, and the
//! shard moves on.

use attest_alert_workflow::{
    Alert, AlertError, Publisher, RecordOutcome, StateImages, TransitionLedger,
};
use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use tracing::{error, field, info, info_span, Instrument};

/// What a batch did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchSummary {
    pub outcomes: Vec<RecordOutcome>,
    pub response: DynamoDbEventResponse,
}

/// The record's checkpoint id: its sequence number (the event id when a record lacks one).
fn record_id(record: &EventRecord) -> String {
    record
        .change
        .sequence_number
        .clone()
        .unwrap_or_else(|| record.event_id.clone())
}

pub async fn handle_batch<L: TransitionLedger, P: Publisher>(
    alert: &Alert<L, P>,
    event: Event,
) -> BatchSummary {
    let mut summary = BatchSummary::default();
    for record in event.records {
        let id = record_id(&record);
        let span = info_span!(
            "stream_record",
            sequence_number = %id,
            event_name = %record.event_name,
            transition_id = field::Empty,
            state_id = field::Empty,
        );
        let images = StateImages {
            record: id.clone(),
            old: record.change.old_image,
            new: record.change.new_image,
        };
        let result: Result<RecordOutcome, AlertError> =
            alert.handle(&images).instrument(span.clone()).await;
        match result {
            Ok(outcome) => {
                span.in_scope(|| info!(outcome = ?outcome, "stream record handled"));
                summary.outcomes.push(outcome);
            }
            Err(err) => {
                span.in_scope(|| {
                    error!(error = %err, retryable = err.is_retryable(), "stream record failed; the batch resumes from it")
                });
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = Some(id);
                summary.response.batch_item_failures.push(failure);
                break;
            }
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;
    use attest_alerts::{SnsMessage, Transition};
    use attest_aws::{AdapterError, TransitionClaim};
    use std::sync::Mutex;

    struct Ledger;
    impl TransitionLedger for Ledger {
        async fn claim(&self, _: &Transition) -> Result<TransitionClaim, AdapterError> {
            Ok(TransitionClaim::Publish)
        }
        async fn mark_sent(&self, _: &Transition, _: &str) -> Result<(), AdapterError> {
            Ok(())
        }
    }
    #[derive(Default)]
    struct Topic(Mutex<Vec<String>>);
    impl Publisher for Topic {
        async fn publish(&self, m: &SnsMessage) -> Result<String, AdapterError> {
            self.0.lock().unwrap().push(m.subject.clone());
            Ok("m".into())
        }
    }

    /// A state-table item as the stream carries it (DynamoDB JSON).
    fn image(standing: &str, evidence: &str) -> serde_json::Value {
        let s = |v: &str| serde_json::json!({ "S": v });
        serde_json::json!({
            "pk": s("STATE#1#r#rule#b"), "sk": s("CURRENT"), "status_sort": s("x"),
            "state_id": s("1#r#rule#b"), "source": s("aws.config"), "event_id": s("e"),
            "source_finding_id": s("f"), "account": s("1"), "region": s("r"),
            "resource_type": s("AWS::S3::Bucket"), "resource_id": s("b"), "rule_id": s("rule"),
            "resource_key": s("1#r#b"), "status": s(standing), "source_status": s(standing),
            "severity": s("HIGH"), "disposition": s("ACTIVE"), "standing": s(standing),
            "observed_at": s("2026-12-01T10:00:00Z"), "controls": { "L": [s("SOC2:CC6.1")] },
            "mapped": { "BOOL": true }, "evidence_key": s("evidence/x"),
            "evidence_sha256": s(evidence), "catalogue_version": s("v1"),
        })
    }

    fn record(
        seq: &str,
        old: Option<serde_json::Value>,
        new: serde_json::Value,
    ) -> serde_json::Value {
        let mut change = serde_json::json!({
            "ApproximateCreationDateTime": 1764583200.0,
            "Keys": { "pk": { "S": "STATE#1#r#rule#b" }, "sk": { "S": "CURRENT" } },
            "NewImage": new, "SequenceNumber": seq, "SizeBytes": 100,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        });
        if let Some(old) = old {
            change["OldImage"] = old;
        }
        serde_json::json!({
            "eventID": format!("id{seq}"), "eventName": "MODIFY", "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": "us-east-1", "dynamodb": change,
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:1:table/state/stream/2026",
        })
    }

    #[tokio::test]
    async fn the_first_failed_record_is_reported_and_the_rest_left_for_the_retry() {
        let mut bad = image("NON_COMPLIANT", "cc");
        bad.as_object_mut().unwrap().remove("standing");
        let event: Event = serde_json::from_value(serde_json::json!({ "Records": [
            record("100", Some(image("COMPLIANT", "aa")), image("NON_COMPLIANT", "bb")),
            record("200", Some(image("NON_COMPLIANT", "bb")), image("NON_COMPLIANT", "bc")),
            record("300", Some(image("NON_COMPLIANT", "bc")), bad),
            record("400", Some(image("NON_COMPLIANT", "bc")), image("COMPLIANT", "dd")),
        ]}))
        .unwrap();
        let alert = Alert {
            ledger: Ledger,
            publisher: Topic::default(),
        };
        let summary = handle_batch(&alert, event).await;
        let failed: Vec<_> = summary
            .response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        assert_eq!(failed, [Some("300".to_string())]);
        assert_eq!(summary.outcomes.len(), 2);
        assert_eq!(summary.outcomes[1], RecordOutcome::NoTransition);
        let sent = alert.publisher.0.lock().unwrap();
        assert_eq!(sent.len(), 1, "record 400 waits for the retry: {sent:?}");
    }
}
