//! The remediate use case: a failing transition from the alerts topic's queue becomes, for a rule
//! a team enabled, the one allowed fix (`attest_remediation::plan`) in its mode, or a refusal left
//! to a person; every decision is recorded once, as evidence.
//!
//! Its steps, in [`remediate`]:
//! 1. read the queued transition (only `FAILED` ones of enabled rules go further);
//! 2. a transition already decided (`REMEDIATION#{id}`) decides nothing again;
//! 3. no allowed fix: `REFUSED`, and a person is notified;
//! 4. the resource carries the opt-out tag: `OPTED_OUT`;
//! 5. read the state before; `dry-run`: `DRY_RUN` with the call that would be made; `approve`:
//!    `PENDING_APPROVAL` with the same, and a person is told how to approve it;
//! 6. `auto`: take one of the day's slots (`CAP_REACHED` when none is left), make the call, read
//!    the state back: `APPLIED`; a call AWS refuses is `FAILED`, notified and not retried (a
//!    throttled or failed-to-reach call is retried through the queue).
//!
//! [`Remediate::approve`] is the second half of `approve` mode (`attest remediation approve`): the
//! pending request is checked again (opt-out, cap), the call made and read back, and the outcome
//! recorded with the approver's identity and the request it approves.
//!
//! Each decision is an evidence document in S3 (canonical JSON under its SHA-256), then the
//! record pointing to it. What it needs from outside is four small [`ports`]; [`adapters`]
//! implements them with `attest_aws`.

pub mod adapters;
pub mod ports;
pub mod remediate;

#[cfg(test)]
mod tests;

use attest_aws::AdapterError;
use attest_remediation::{Decision, RuleModes};

pub use ports::{EvidenceSink, Notifier, Records, Resources};

/// Everything the remediate function needs, built once per cold start.
pub struct Remediate<R, D, E, N> {
    pub resources: R,
    pub records: D,
    pub evidence: E,
    pub notifier: N,
    pub settings: Settings,
}

/// What a team configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub rules: RuleModes,
    /// The KMS key for S3 default encryption; `None`: the account's `aws/s3` key.
    pub kms_key: Option<String>,
    /// A resource with this tag key set to [`Settings::opt_out_value`] is never touched.
    pub opt_out_tag: String,
    pub opt_out_value: String,
    /// Resources touched per UTC day (of the transitions' observed times), at most.
    pub daily_cap: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum RemediateError {
    #[error("message {message_id}: {source}")]
    Message {
        message_id: String,
        source: attest_alerts::envelope::BodyError,
    },
    #[error("transition {transition_id}: remediation record: {reason}")]
    Record {
        transition_id: String,
        reason: String,
    },
    /// An approval for a transition whose remediation is not waiting for one.
    #[error("transition {transition_id}: nothing to approve ({state})")]
    NotPending {
        transition_id: String,
        state: String,
    },
    #[error("transition {transition_id}: {source}")]
    Aws {
        transition_id: String,
        source: AdapterError,
    },
}

impl RemediateError {
    pub fn is_retryable(&self) -> bool {
        match self {
            RemediateError::Message { .. }
            | RemediateError::Record { .. }
            | RemediateError::NotPending { .. } => false,
            RemediateError::Aws { source, .. } => source.is_retryable(),
        }
    }
}

/// What one message did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// A resolution: nothing to fix.
    NotAFailure,
    /// The rule is not enabled for remediation.
    NotEnabled,
    /// Decided before (a redelivered message).
    AlreadyDecided { decision: String },
    /// Decided now, recorded as evidence.
    Decided {
        decision: Decision,
        evidence_key: String,
        evidence_sha256: String,
    },
}
