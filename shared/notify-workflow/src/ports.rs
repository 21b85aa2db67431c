//! What the notify use case needs from outside: a record of deliveries, and a way to post JSON
//! to a URL. The AWS and HTTPS implementations are in [`crate::adapters`]; the unit tests use
//! in-process ones.

use std::future::Future;

use attest_aws::{AdapterError, DeliveryRecord, DeliveryStatus};

/// The delivery records (`attest_aws::DeliveryStore`).
pub trait DeliveryLog: Send + Sync {
    /// What was recorded for this transition on this channel, if anything.
    fn delivered(
        &self,
        channel: &'static str,
        transition_id: &str,
    ) -> impl Future<Output = Result<Option<DeliveryStatus>, AdapterError>> + Send;

    /// The fixed-width observed time of the newest transition of the state (by its `dedup_key`)
    /// the channel was told of.
    fn latest_sent(
        &self,
        channel: &'static str,
        dedup_key: &str,
    ) -> impl Future<Output = Result<Option<String>, AdapterError>> + Send;

    fn record(
        &self,
        record: &DeliveryRecord<'_>,
    ) -> impl Future<Output = Result<(), AdapterError>> + Send;
}

/// Why a post failed. Never carries the URL: a Slack webhook URL is itself the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostError {
    /// The receiver answered with a status that is not success.
    #[error("the receiver answered HTTP {status} ({}): {body}", if *.retryable { "retryable" } else { "not retryable" })]
    Refused {
        status: u16,
        body: String,
        retryable: bool,
    },
    /// No answer: connection, TLS or timeout.
    #[error("the receiver could not be reached (retryable): {message}")]
    Unreachable { message: String },
}

impl PostError {
    pub fn is_retryable(&self) -> bool {
        match self {
            PostError::Refused { retryable, .. } => *retryable,
            PostError::Unreachable { .. } => true,
        }
    }
}

/// An HTTP client posting one JSON body.
pub trait Poster: Send + Sync {
    /// POST `body` as `application/json`; the success status.
    fn post(
        &self,
        url: &str,
        body: &serde_json::Value,
    ) -> impl Future<Output = Result<u16, PostError>> + Send;
}
