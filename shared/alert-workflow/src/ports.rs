//! What the alert use case needs from outside: a record of transitions sent, and the topic. The
//! AWS implementations are in [`crate::adapters`]; the unit tests use in-process ones.

use std::future::Future;

use attest_alerts::{SnsMessage, Transition};
use attest_aws::{AdapterError, TransitionClaim};

/// The transitions table.
pub trait TransitionLedger: Send + Sync {
    /// Record the transition as being sent, unless it was sent already.
    fn claim(
        &self,
        transition: &Transition,
    ) -> impl Future<Output = Result<TransitionClaim, AdapterError>> + Send;

    /// Record that the transition was published as `message_id`.
    fn mark_sent(
        &self,
        transition: &Transition,
        message_id: &str,
    ) -> impl Future<Output = Result<(), AdapterError>> + Send;
}

/// The alerts topic.
pub trait Publisher: Send + Sync {
    /// Publish one message; its message id.
    fn publish(
        &self,
        message: &SnsMessage,
    ) -> impl Future<Output = Result<String, AdapterError>> + Send;
}
