//! The ports over the `attest-aws` adapters: DynamoDB for the transitions table, SNS for the topic.

use attest_alerts::{SnsMessage, Transition};
use attest_aws::{AdapterError, Topic, TransitionClaim, TransitionRecord, TransitionStore};

use crate::ports::{Publisher, TransitionLedger};

fn record(t: &Transition) -> TransitionRecord<'_> {
    TransitionRecord {
        id: &t.id,
        state_id: &t.state_id,
        change: t.change.as_str(),
        to: &t.to,
        evidence_sha256: &t.evidence_sha256,
        observed_at: &t.observed_at,
    }
}

impl TransitionLedger for TransitionStore {
    async fn claim(&self, transition: &Transition) -> Result<TransitionClaim, AdapterError> {
        TransitionStore::claim(self, &record(transition)).await
    }

    async fn mark_sent(
        &self,
        transition: &Transition,
        message_id: &str,
    ) -> Result<(), AdapterError> {
        TransitionStore::mark_sent(self, &record(transition), message_id).await
    }
}

impl Publisher for Topic {
    async fn publish(&self, message: &SnsMessage) -> Result<String, AdapterError> {
        let attributes: Vec<(&str, &str, &str)> = message
            .attributes
            .iter()
            .map(|a| (a.name, a.data_type, a.value.as_str()))
            .collect();
        self.publish_json(&message.subject, &message.message, &attributes)
            .await
    }
}
