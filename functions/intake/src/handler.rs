//! The SQS handler: each message of a batch is one EventBridge event for [`Intake::ingest`]; every
//! message that failed is listed in `batchItemFailures`, so SQS retries it and, after
//! `maxReceiveCount`, moves it to the dead-letter queue, while its neighbours in the batch are
//! unaffected.

use attest_intake_workflow::{EventOutcome, EvidenceSink, Intake, IntakeError, StateSink};
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures::stream::{self, StreamExt};
use tracing::{field, info, info_span, warn, Instrument};

/// Process a batch, one tracing span per message, a bounded number of messages at once.
pub async fn handle_batch<E: EvidenceSink, S: StateSink>(
    intake: &Intake<E, S>,
    event: SqsEvent,
) -> SqsBatchResponse {
    let results: Vec<(String, Result<EventOutcome, IntakeError>)> = stream::iter(event.records)
        .map(|message| async move {
            let message_id = message.message_id.clone().unwrap_or_default();
            let span = info_span!("sqs_message", message_id = %message_id, event_id = field::Empty);
            let result = process_message(intake, &message)
                .instrument(span.clone())
                .await;
            span.in_scope(|| match &result {
                Ok(outcome) => info!(
                    event_id = %outcome.event_id,
                    findings = outcome.findings,
                    unmapped = outcome.unmapped,
                    evidence_written = outcome.evidence_written,
                    state_updated = outcome.state_updated,
                    state_stale = outcome.state_stale,
                    "event stored"
                ),
                Err(err) => warn!(error = %err, retryable = err.is_retryable(), "event failed; returned to the queue"),
            });
            (message_id, result)
        })
        .buffer_unordered(intake.concurrency.max(1))
        .collect()
        .await;

    let mut response = SqsBatchResponse::default();
    for (message_id, result) in results {
        if result.is_err() {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message_id;
            response.batch_item_failures.push(failure);
        }
    }
    response
        .batch_item_failures
        .sort_by(|a, b| a.item_identifier.cmp(&b.item_identifier));
    response
}

async fn process_message<E: EvidenceSink, S: StateSink>(
    intake: &Intake<E, S>,
    message: &SqsMessage,
) -> Result<EventOutcome, IntakeError> {
    let body = message
        .body
        .as_deref()
        .ok_or_else(|| IntakeError::EmptyMessage {
            message_id: message.message_id.clone().unwrap_or_default(),
        })?;
    intake.ingest(body.as_bytes()).await
}
