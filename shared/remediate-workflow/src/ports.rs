//! What the remediate use case needs from outside. The AWS implementations are in
//! [`crate::adapters`]; the unit tests use in-process ones.

use std::collections::BTreeMap;
use std::future::Future;

use attest_alerts::Transition;
use attest_aws::{AdapterError, PendingRemediation};
use attest_domain::Evidence;
use attest_remediation::Action;
use serde_json::Value;

/// The resources fixes act on.
pub trait Resources: Send + Sync {
    fn tags(
        &self,
        action: &Action,
    ) -> impl Future<Output = Result<BTreeMap<String, String>, AdapterError>> + Send;

    /// The configuration the action changes, as JSON (`null`: not configured).
    fn read(&self, action: &Action) -> impl Future<Output = Result<Value, AdapterError>> + Send;

    fn apply(&self, action: &Action) -> impl Future<Output = Result<(), AdapterError>> + Send;
}

/// Decisions and the daily cap (`attest_aws::DeliveryStore`).
pub trait Records: Send + Sync {
    fn decided(
        &self,
        transition_id: &str,
    ) -> impl Future<Output = Result<Option<String>, AdapterError>> + Send;

    fn take_slot(
        &self,
        day: &str,
        cap: u64,
    ) -> impl Future<Output = Result<bool, AdapterError>> + Send;

    /// Record the decision, with the transition (first record wins).
    fn record(
        &self,
        transition: &Transition,
        decision: &str,
        evidence: &Evidence,
    ) -> impl Future<Output = Result<(), AdapterError>> + Send;

    /// The stored record of a transition's remediation, if any.
    fn stored(
        &self,
        transition_id: &str,
    ) -> impl Future<Output = Result<Option<PendingRemediation>, AdapterError>> + Send;

    /// Replace a pending decision by its approval's outcome; `false` if no longer pending.
    fn settle(
        &self,
        transition: &Transition,
        decision: &str,
        evidence: &Evidence,
        approved_by: &str,
    ) -> impl Future<Output = Result<bool, AdapterError>> + Send;
}

/// The evidence bucket.
pub trait EvidenceSink: Send + Sync {
    fn put(&self, evidence: &Evidence) -> impl Future<Output = Result<(), AdapterError>> + Send;
}

/// Telling a person that a failing resource needs them.
pub trait Notifier: Send + Sync {
    fn manual(
        &self,
        transition: &Transition,
        why: &str,
        evidence: &Evidence,
    ) -> impl Future<Output = Result<(), AdapterError>> + Send;
}
