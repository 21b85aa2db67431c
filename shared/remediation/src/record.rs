//! The remediation record: what was decided for one failing transition, and why, as evidence.
//! Canonical JSON (RFC 8785) named by its SHA-256 under
//! `evidence/{account}/remediation/{YYYY}/{MM}/{DD}/{sha256}.json`, the date being the
//! transition's observed time. Nothing in it comes from a clock or a random source: the same
//! decision on the same states is the same bytes.

use attest_alerts::Transition;
use attest_domain::canonical::{self, sha256_hex, CanonicalError};
use attest_domain::timestamp::Timestamp;
use attest_domain::Evidence;
use serde_json::{json, Value};

use crate::mode::Mode;
use crate::plan::Action;

pub const REMEDIATION_SCHEMA: &str = "attest.remediation/v1";

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Decision {
    /// The call was made and the state read back.
    Applied,
    /// Dry run: the state before and the call that would be made.
    DryRun,
    /// No allowed fix: left to a person, who is notified.
    Refused,
    /// The resource carries the opt-out tag.
    OptedOut,
    /// The day's cap on resources touched is reached.
    CapReached,
    /// The call was refused by AWS; a person is notified, and it is not retried.
    Failed,
    /// Approve mode: the state before and the call, waiting for an operator.
    PendingApproval,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Applied => "APPLIED",
            Decision::DryRun => "DRY_RUN",
            Decision::Refused => "REFUSED",
            Decision::OptedOut => "OPTED_OUT",
            Decision::CapReached => "CAP_REACHED",
            Decision::Failed => "FAILED",
            Decision::PendingApproval => "PENDING_APPROVAL",
        }
    }
}

/// Everything one record says.
#[derive(Debug, Clone)]
pub struct RemediationRecord<'a> {
    pub transition: &'a Transition,
    pub decision: Decision,
    pub mode: Option<Mode>,
    pub action: Option<&'a Action>,
    /// The resource's state as read before (the relevant configuration), when read.
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// Why (a refusal, an opt-out, a cap, an error), when not applied.
    pub reason: Option<String>,
    /// Approve mode: the identity (IAM ARN) that approved, and the record of the request it
    /// approved.
    pub approval: Option<Approval>,
}

/// Who approved which pending request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub approved_by: String,
    pub request_key: String,
    pub request_sha256: String,
}

impl RemediationRecord<'_> {
    pub fn document(&self) -> Value {
        let t = self.transition;
        json!({
            "schema": REMEDIATION_SCHEMA,
            "decision": self.decision.as_str(),
            "mode": self.mode.map(Mode::as_str),
            "action": self.action.map(|a| json!({ "name": a.name(), "call": a.call() })),
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "approval": self.approval.as_ref().map(|a| json!({
                "approved_by": a.approved_by,
                "request_key": a.request_key,
                "request_sha256": a.request_sha256,
            })),
            // Who or what triggered it: the transition, by its id and the evidence it rests on.
            "triggered_by": {
                "kind": "attest.transition",
                "transition_id": t.id,
                "state_id": t.state_id,
                "rule_id": t.rule_id,
                "resource_type": t.resource_type,
                "resource_id": t.resource_id,
                "account": t.account,
                "region": t.region,
                "observed_at": t.observed_at,
                "evidence_key": t.evidence_key,
                "evidence_sha256": t.evidence_sha256,
            },
        })
    }

    /// The record as evidence: canonical bytes, their SHA-256 and the key.
    pub fn evidence(&self) -> Result<Evidence, RecordError> {
        let bytes = canonical::to_vec(&self.document()).map_err(RecordError::Canonical)?;
        let sha256 = sha256_hex(&bytes);
        let at = Timestamp::parse(&self.transition.observed_at).map_err(RecordError::Time)?;
        let date = at.date().replace('-', "/");
        let key = format!(
            "evidence/{}/remediation/{date}/{sha256}.json",
            self.transition.account
        );
        Ok(Evidence { key, sha256, bytes })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("remediation record: {0}")]
    Canonical(CanonicalError),
    #[error("remediation record: the transition's observed time: {0}")]
    Time(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transition() -> Transition {
        serde_json::from_value(json!({
            "id": "t1", "change": "FAILED", "state_id": "s", "from": null, "to": "NON_COMPLIANT",
            "severity": "HIGH", "source": "aws.config", "account": "123456789012",
            "region": "us-east-1", "resource_type": "AWS::S3::Bucket", "resource_id": "logs",
            "rule_id": "s3-bucket-server-side-encryption-enabled", "title": null, "controls": [],
            "frameworks": [], "evidence_key": "evidence/x", "evidence_sha256": "aa",
            "observed_at": "2026-12-01T10:00:00Z", "dedup_key": "d",
        }))
        .unwrap()
    }

    #[test]
    fn the_same_decision_is_the_same_bytes_under_its_hash() {
        let t = transition();
        let action = Action::S3DefaultEncryption {
            bucket: "logs".into(),
            kms_key: None,
        };
        let record = RemediationRecord {
            transition: &t,
            decision: Decision::Applied,
            mode: Some(Mode::Auto),
            action: Some(&action),
            before: Some(json!({ "encryption": null })),
            after: Some(json!({ "encryption": "aws:kms" })),
            reason: None,
            approval: None,
        };
        let a = record.evidence().unwrap();
        let b = record.clone().evidence().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.sha256, sha256_hex(&a.bytes));
        assert_eq!(
            a.key,
            format!(
                "evidence/123456789012/remediation/2026/12/01/{}.json",
                a.sha256
            )
        );
        let doc: Value = serde_json::from_slice(&a.bytes).unwrap();
        assert_eq!(doc["decision"], "APPLIED");
        assert_eq!(doc["action"]["call"]["operation"], "s3:PutBucketEncryption");
        assert_eq!(doc["triggered_by"]["transition_id"], "t1");
        // Canonical: re-canonicalising changes nothing.
        assert_eq!(canonical::canonicalize_json(&a.bytes).unwrap(), a.bytes);
    }
}
