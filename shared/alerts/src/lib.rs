//! Attest's alert logic, pure like `attest-domain`: no AWS SDK, no clock, no network.
//!
//! - [`transition`]: what changed between the old and new image of a current-state row, and
//!   whether it alerts (entering `NON_COMPLIANT`, or leaving it: resolved). Each transition has a
//!   stable id, so a redelivered stream record is recognised.
//! - [`render`]: the messages a transition becomes: a plain-text email body and subject, a JSON
//!   body for machines, the Amazon Q Developer in chat applications custom notification, a Slack
//!   Block Kit message and PagerDuty Events API v2 events, each within its documented limits.
//! - [`digest`]: the daily per-framework Slack digest of transitions below the alert threshold.
//! - [`delivery`]: which of those the notify function posts to Slack and PagerDuty, and when a
//!   channel must not hear of a transition older than one it already heard of.

pub mod delivery;
pub mod digest;
pub mod envelope;
pub mod render;
pub mod transition;

pub use delivery::{deliveries, is_stale, observed_order, Channel, ChannelRules, Delivery};
pub use envelope::{sns_message, stored_body, MessageAttribute, SnsMessage};
pub use render::{
    amazon_q_notification, email_subject, email_text, json_body, pagerduty_event, slack_message,
    PagerDutyAction,
};
pub use transition::{Change, Transition, TransitionError};
