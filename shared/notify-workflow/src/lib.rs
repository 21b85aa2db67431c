//! The notify use case: a transition the alert function published to the alerts topic, queued for
//! this function by the topic's SQS subscription, becomes a Slack Block Kit message and a
//! PagerDuty Events API v2 event, each posted once per transition and channel.
//!
//! Its steps, one file each:
//! 1. [`read_transition`]: the queued body back to an `attest_alerts::Transition` (anything
//!    else, such as a CloudWatch alarm, is refused by name);
//! 2. [`deliver`]: for each channel the transition is for (`attest_alerts::deliveries`): skip it
//!    if the channel already has it recorded; record it `STALE` without posting if the channel
//!    was already told of a later transition of the same state; otherwise post it, then record it
//!    `SENT`. Channels are independent: one that fails does not stop the other, and the retry of
//!    the message posts only what is not yet recorded.
//!
//! The daily [`digest`] is a second use case over the same ports: a day's transitions below
//! Slack's threshold, one Slack message per framework, each posted once.
//!
//! What it needs from outside is two small [`ports`]; [`adapters`] implements them with
//! `attest_aws::DeliveryStore` and an HTTPS client. The Lambda handler (`functions/notify`) feeds
//! it an SQS batch and reports each failed message in `batchItemFailures`.

pub mod adapters;
pub mod channels;
pub mod deliver;
pub mod digest;
pub mod ports;
pub mod read_transition;

#[cfg(test)]
mod tests;

use attest_aws::AdapterError;

pub use channels::{check_url, Channels, PagerDutyChannel, SlackChannel};
pub use ports::{DeliveryLog, PostError, Poster};
pub use read_transition::{QueuedMessage, ReadError};

/// Everything the notify function needs, built once per cold start.
pub struct Notify<D, P> {
    pub log: D,
    pub poster: P,
    pub channels: Channels,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The message is not a transition this version reads: it fails the same way every time and
    /// ends in the dead-letter queue after its receives.
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("transition {transition_id}, {channel}: delivery record: {source}")]
    Log {
        transition_id: String,
        channel: &'static str,
        source: AdapterError,
    },
    #[error("transition {transition_id}, {channel}: {source}")]
    Post {
        transition_id: String,
        channel: &'static str,
        source: PostError,
    },
}

impl NotifyError {
    pub fn is_retryable(&self) -> bool {
        match self {
            NotifyError::Read(_) => false,
            NotifyError::Log { source, .. } => source.is_retryable(),
            NotifyError::Post { source, .. } => source.is_retryable(),
        }
    }
}

/// What one channel did with a transition.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ChannelOutcome {
    /// Posted now; the receiver answered `http_status`.
    Sent {
        channel: &'static str,
        http_status: u16,
    },
    /// Recorded before (a redelivered message): nothing posted.
    AlreadyRecorded { channel: &'static str },
    /// Not posted: the channel was already told of a later transition of this state.
    Stale { channel: &'static str },
}

/// What one message did: its transition and each channel's outcome (a channel the transition is
/// not for, by configuration or severity, is absent).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MessageOutcome {
    pub transition_id: String,
    pub change: &'static str,
    pub channels: Vec<ChannelOutcome>,
}

/// A message's outcome when some channel failed: what the others did, and every failure.
#[derive(Debug)]
pub struct PartialDelivery {
    pub delivered: Option<MessageOutcome>,
    pub failures: Vec<NotifyError>,
}
