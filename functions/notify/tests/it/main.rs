//! Integration tests for the notify function against a real AWS API server (moto) on 127.0.0.1,
//! with the template provisioned with both channels set (so the notify queue, its dead-letter
//! queue and the topic's subscription, with raw delivery and its filter policy, exist), the
//! channel secrets in Secrets Manager, and real HTTP receivers on 127.0.0.1 standing in for
//! Slack's incoming webhook and PagerDuty's Events API.
//!
//! Transitions reach the queue the way they do in a deployment: state-table stream records
//! through the alert function's own use case, published to the topic, queued by the template's
//! subscription, received with SQS `ReceiveMessage` and handed to the notify handler as Lambda's
//! event source mapping would. The digest test adds the template's digest function, reading the
//! day's transitions through the transitions table's `ByDay` index.

mod digest;
mod notify;
