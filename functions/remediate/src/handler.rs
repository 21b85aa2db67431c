//! The SQS handler: each message is one failing transition for [`Remediate::handle`], one span
//! each; a message that failed (throttled, unreachable) is listed in `batchItemFailures` and
//! retried, then dead-lettered and alarmed. A call AWS refuses is not a failure here: it is
//! recorded `FAILED` and a person is told, so it is not retried forever.

use attest_remediate_workflow::{EvidenceSink, Notifier, Outcome, Records, Remediate, Resources};
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use tracing::{error, field, info, info_span, Instrument};

#[derive(Debug, Default)]
pub struct BatchSummary {
    pub outcomes: Vec<Outcome>,
    pub response: SqsBatchResponse,
}

pub async fn handle_batch<R: Resources, D: Records, E: EvidenceSink, N: Notifier>(
    remediate: &Remediate<R, D, E, N>,
    event: SqsEvent,
) -> BatchSummary {
    let mut summary = BatchSummary::default();
    for message in event.records {
        let message_id = message.message_id.clone().unwrap_or_default();
        let span = info_span!("sqs_message", message_id = %message_id, transition_id = field::Empty, rule_id = field::Empty);
        let body = message.body.unwrap_or_default();
        match remediate
            .handle(&message_id, &body)
            .instrument(span.clone())
            .await
        {
            Ok(outcome) => {
                span.in_scope(|| info!(outcome = ?outcome, "message handled"));
                summary.outcomes.push(outcome);
            }
            Err(err) => {
                span.in_scope(|| error!(error = %err, retryable = err.is_retryable(), "message failed; returned to the queue"));
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = message_id;
                summary.response.batch_item_failures.push(failure);
            }
        }
    }
    summary
}
