//! The SQS handler: each message of a batch is one transition for [`Notify::handle`], one tracing
//! span each. Every message that failed on any channel is listed in `batchItemFailures`, so SQS
//! retries it (its retry posts only to the channels not yet recorded) and, after
//! `maxReceiveCount`, moves it to the dead-letter queue, whose alarm fires. The queue is a
//! standard one, so messages are independent: one failure does not hold back the others, and
//! ordering is restored per state by the delivery records (stale transitions are not posted).

use attest_notify_workflow::read_transition::QueuedMessage;
use attest_notify_workflow::{DeliveryLog, MessageOutcome, Notify, Poster};
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use tracing::{error, field, info, info_span, Instrument};

/// What a batch did, for logs and tests.
#[derive(Debug, Default)]
pub struct BatchSummary {
    pub outcomes: Vec<MessageOutcome>,
    pub response: SqsBatchResponse,
}

pub async fn handle_batch<D: DeliveryLog, P: Poster>(
    notify: &Notify<D, P>,
    event: SqsEvent,
) -> BatchSummary {
    let mut summary = BatchSummary::default();
    for message in event.records {
        let message_id = message.message_id.clone().unwrap_or_default();
        let span = info_span!(
            "sqs_message",
            message_id = %message_id,
            transition_id = field::Empty,
            state_id = field::Empty,
        );
        let queued = QueuedMessage {
            message_id: message_id.clone(),
            body: message.body.unwrap_or_default(),
        };
        match notify.handle(&queued).instrument(span.clone()).await {
            Ok(outcome) => {
                span.in_scope(|| info!(channels = ?outcome.channels, "transition delivered"));
                summary.outcomes.push(outcome);
            }
            Err(partial) => {
                span.in_scope(|| {
                    for failure in &partial.failures {
                        error!(error = %failure, retryable = failure.is_retryable(), "message failed; returned to the queue");
                    }
                    if let Some(done) = &partial.delivered {
                        info!(channels = ?done.channels, "delivered before the failure");
                    }
                });
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = message_id;
                summary.response.batch_item_failures.push(failure);
            }
        }
    }
    summary
}
