//! The ports over the `attest-aws` adapters: DynamoDB for the transitions table, SNS for the topic.

use attest_alerts::{SnsMessage, Transition};
use attest_aws::{AdapterError, Topic, TransitionClaim, TransitionRecord, TransitionStore};

use crate::ports::{Publisher, TransitionLedger};

/// What the table keeps of `t`; `day` and `body` are computed once by the caller.
fn record<'a>(t: &'a Transition, day: &'a str, body: &'a str) -> TransitionRecord<'a> {
    TransitionRecord {
        id: &t.id,
        state_id: &t.state_id,
        change: t.change.as_str(),
        to: &t.to,
        evidence_sha256: &t.evidence_sha256,
        observed_at: &t.observed_at,
        day,
        body,
    }
}

fn day_and_body(t: &Transition) -> (String, String) {
    // Attest writes observed times in RFC 3339; the date prefix is the fallback for one it did not.
    let day = attest_alerts::digest::day_of(&t.observed_at)
        .unwrap_or_else(|_| t.observed_at.chars().take(10).collect());
    (day, attest_alerts::stored_body(t))
}

impl TransitionLedger for TransitionStore {
    async fn claim(&self, transition: &Transition) -> Result<TransitionClaim, AdapterError> {
        let (day, body) = day_and_body(transition);
        TransitionStore::claim(self, &record(transition, &day, &body)).await
    }

    async fn mark_sent(
        &self,
        transition: &Transition,
        message_id: &str,
    ) -> Result<(), AdapterError> {
        let (day, body) = day_and_body(transition);
        TransitionStore::mark_sent(self, &record(transition, &day, &body), message_id).await
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
