//! Intake: SQS batches of EventBridge events (AWS Config, Security Hub, CloudTrail) become findings,
//! each with canonical evidence in S3, a history entry and (if newest) the current state in DynamoDB.
//!
//! The handler is thin: [`attest_domain::normalize_event`] decides what an event means, the adapters
//! in `attest-aws` store it. A message that cannot be processed is reported in `batchItemFailures`, so
//! SQS retries it and, after `maxReceiveCount`, moves it to the dead-letter queue; its neighbours in
//! the batch are unaffected.

pub mod config;

use attest_aws::{AdapterError, EvidenceStore, HistoryOutcome, StateOutcome, StateStore};
use attest_domain::normalize::NormalizedFinding;
use attest_domain::records::FindingItems;
use attest_domain::{Catalogue, NormalizeError};
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures::stream::{self, StreamExt, TryStreamExt};
use tracing::{field, info, info_span, warn, Instrument};

pub use config::{ConfigError, IntakeConfig};

/// Everything built once per cold start.
pub struct Intake {
    pub catalogue: Catalogue,
    pub evidence: EvidenceStore,
    pub state: StateStore,
    /// How many findings are stored at once.
    pub concurrency: usize,
}

impl Intake {
    pub fn new(sdk: &aws_config::SdkConfig, config: &IntakeConfig, catalogue: Catalogue) -> Self {
        Intake {
            catalogue,
            evidence: EvidenceStore::new(
                aws_sdk_s3::Client::new(sdk),
                &config.evidence_bucket,
                &config.evidence_kms_key_id,
            ),
            state: StateStore::new(
                aws_sdk_dynamodb::Client::new(sdk),
                &config.state_table,
                &config.history_table,
            ),
            concurrency: config.concurrency,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Invalid(#[from] NormalizeError),
    #[error("event {event_id}: {source}")]
    Store {
        event_id: String,
        source: AdapterError,
    },
    #[error("SQS message {message_id} has no body")]
    EmptyMessage { message_id: String },
}

impl IntakeError {
    /// Bad input fails the same way every time; it still goes back to SQS (and so to the DLQ), but
    /// the log says a retry will not help.
    pub fn is_retryable(&self) -> bool {
        match self {
            IntakeError::Store { source, .. } => source.is_retryable(),
            IntakeError::Invalid(_) | IntakeError::EmptyMessage { .. } => false,
        }
    }
}

/// What one event did, for logs, the demo and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EventOutcome {
    pub event_id: String,
    pub findings: usize,
    pub unmapped: usize,
    pub evidence_written: usize,
    pub history_recorded: usize,
    pub state_updated: usize,
    pub state_stale: usize,
}

/// Process a batch; every message that failed is listed in the response.
pub async fn handle_batch(intake: &Intake, event: SqsEvent) -> SqsBatchResponse {
    let results: Vec<(String, Result<EventOutcome, IntakeError>)> = stream::iter(event.records)
        .map(|message| async move {
            let message_id = message.message_id.clone().unwrap_or_default();
            let span = info_span!("sqs_message", message_id = %message_id, event_id = field::Empty);
            let result = process_message(intake, &message).instrument(span.clone()).await;
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

async fn process_message(
    intake: &Intake,
    message: &SqsMessage,
) -> Result<EventOutcome, IntakeError> {
    let body = message
        .body
        .as_deref()
        .ok_or_else(|| IntakeError::EmptyMessage {
            message_id: message.message_id.clone().unwrap_or_default(),
        })?;
    process_event(intake, body.as_bytes()).await
}

/// Normalise one EventBridge event and store every finding in it.
pub async fn process_event(intake: &Intake, bytes: &[u8]) -> Result<EventOutcome, IntakeError> {
    let normalized = attest_domain::normalize_event(bytes, &intake.catalogue)?;
    let event_id = normalized.envelope.id.clone();
    tracing::Span::current().record("event_id", field::display(&event_id));

    let per_finding: Vec<FindingOutcome> = stream::iter(normalized.findings.iter().map(Ok))
        .map_ok(|item| store_finding(intake, item))
        .try_buffer_unordered(intake.concurrency.max(1))
        .try_collect()
        .await
        .map_err(|source| IntakeError::Store {
            event_id: event_id.clone(),
            source,
        })?;

    let mut outcome = EventOutcome {
        event_id,
        findings: per_finding.len(),
        ..Default::default()
    };
    for f in per_finding {
        outcome.unmapped += usize::from(!f.mapped);
        outcome.evidence_written += usize::from(f.evidence_written);
        outcome.history_recorded += usize::from(f.history == HistoryOutcome::Recorded);
        outcome.state_updated += usize::from(f.state == StateOutcome::Updated);
        outcome.state_stale += usize::from(f.state == StateOutcome::Stale);
    }
    Ok(outcome)
}

struct FindingOutcome {
    mapped: bool,
    evidence_written: bool,
    history: HistoryOutcome,
    state: StateOutcome,
}

/// Evidence first, then history, then current state: a row never points at evidence that is not
/// stored, and a retry after a failure at any step redoes only what is missing.
async fn store_finding(
    intake: &Intake,
    item: &NormalizedFinding,
) -> Result<FindingOutcome, AdapterError> {
    let stored = intake.evidence.put(&item.evidence).await?;
    let items = FindingItems::new(&item.finding, &item.evidence, intake.catalogue.version());
    let (history, state) = intake.state.store(&items).await?;
    Ok(FindingOutcome {
        mapped: item.finding.is_mapped(),
        evidence_written: stored.newly_written,
        history,
        state,
    })
}
