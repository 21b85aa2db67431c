//! Step 1: a queued message body -> the transition it carries, with its observed time in the
//! fixed-width form delivery records compare.

use attest_alerts::envelope::transition_from_json_body;
use attest_alerts::{observed_order, Transition};
use attest_domain::timestamp::Timestamp;

/// Why a message is not a transition this version reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("message {message_id}: {source}")]
    Body {
        message_id: String,
        source: attest_alerts::envelope::BodyError,
    },
    #[error("message {message_id}: transition {transition_id}: observed time: {reason}")]
    ObservedAt {
        message_id: String,
        transition_id: String,
        reason: String,
    },
}

/// One SQS message as the handler hands it over.
#[derive(Debug, Clone)]
pub struct QueuedMessage {
    pub message_id: String,
    pub body: String,
}

/// The transition a message carries, and its observed time.
pub fn read_transition(message: &QueuedMessage) -> Result<(Transition, Timestamp), ReadError> {
    let transition =
        transition_from_json_body(&message.body).map_err(|source| ReadError::Body {
            message_id: message.message_id.clone(),
            source,
        })?;
    let observed = observed_order(&transition).map_err(|reason| ReadError::ObservedAt {
        message_id: message.message_id.clone(),
        transition_id: transition.id.clone(),
        reason,
    })?;
    Ok((transition, observed))
}
