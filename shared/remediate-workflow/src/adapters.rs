//! The ports over `attest_aws`: the resources (S3, CloudTrail), the decision records and the cap
//! (the transitions table), the evidence bucket, and the alerts topic for what needs a person.

use std::collections::BTreeMap;

use attest_alerts::render::truncate_chars;
use attest_alerts::Transition;
use attest_aws::{
    AdapterError, DeliveryStore, EvidenceStore, PendingRemediation, RemediationTargets, Topic,
};
use attest_domain::Evidence;
use attest_remediation::Action;
use serde_json::{json, Value};

use crate::ports::{EvidenceSink, Notifier, Records, Resources};

impl Resources for RemediationTargets {
    async fn tags(&self, action: &Action) -> Result<BTreeMap<String, String>, AdapterError> {
        match action {
            Action::S3DefaultEncryption { bucket, .. } | Action::S3BlockPublicAccess { bucket } => {
                self.bucket_tags(bucket).await
            }
            Action::CloudTrailStartLogging { trail } => self.trail_tags(trail).await,
        }
    }

    async fn read(&self, action: &Action) -> Result<Value, AdapterError> {
        Ok(match action {
            Action::S3DefaultEncryption { bucket, .. } => {
                json!({ "ServerSideEncryptionConfiguration": self.bucket_encryption(bucket).await? })
            }
            Action::S3BlockPublicAccess { bucket } => {
                json!({ "PublicAccessBlockConfiguration": self.public_access_block(bucket).await? })
            }
            Action::CloudTrailStartLogging { trail } => self.trail_status(trail).await?,
        })
    }

    async fn apply(&self, action: &Action) -> Result<(), AdapterError> {
        match action {
            Action::S3DefaultEncryption { bucket, kms_key } => {
                self.put_bucket_encryption(bucket, kms_key.as_deref()).await
            }
            Action::S3BlockPublicAccess { bucket } => self.block_public_access(bucket).await,
            Action::CloudTrailStartLogging { trail } => self.start_logging(trail).await,
        }
    }
}

impl Records for DeliveryStore {
    async fn decided(&self, transition_id: &str) -> Result<Option<String>, AdapterError> {
        self.remediation_of(transition_id).await
    }

    async fn take_slot(&self, day: &str, cap: u64) -> Result<bool, AdapterError> {
        self.take_remediation_slot(day, cap).await
    }

    async fn record(
        &self,
        t: &Transition,
        decision: &str,
        evidence: &Evidence,
    ) -> Result<(), AdapterError> {
        let body = attest_alerts::stored_body(t);
        self.record_remediation(
            &t.id,
            &t.state_id,
            decision,
            &evidence.key,
            &evidence.sha256,
            &body,
        )
        .await
    }

    async fn stored(
        &self,
        transition_id: &str,
    ) -> Result<Option<PendingRemediation>, AdapterError> {
        self.pending_remediation(transition_id).await
    }

    async fn settle(
        &self,
        t: &Transition,
        decision: &str,
        evidence: &Evidence,
        approved_by: &str,
    ) -> Result<bool, AdapterError> {
        self.settle_remediation(
            &t.id,
            decision,
            &evidence.key,
            &evidence.sha256,
            approved_by,
        )
        .await
    }
}

impl EvidenceSink for EvidenceStore {
    async fn put(&self, evidence: &Evidence) -> Result<(), AdapterError> {
        EvidenceStore::put(self, evidence).await.map(|_| ())
    }
}

impl Notifier for Topic {
    /// A message on the alerts topic with `source` `attest.remediate` (so the email subscription
    /// takes it at CRITICAL and HIGH, and the notify subscription, which wants a `change`, does
    /// not).
    async fn manual(
        &self,
        t: &Transition,
        why: &str,
        evidence: &Evidence,
    ) -> Result<(), AdapterError> {
        let subject = truncate_chars(
            &format!(
                "[Attest] Manual remediation needed: {} on {}",
                t.rule_id, t.resource_id
            )
            .replace(|c: char| !c.is_ascii() || c.is_control(), " "),
            99,
        );
        let text = format!(
            "{} on {} ({} {}) is NON_COMPLIANT and was not fixed automatically: {why}.\n\n\
             Transition: {}\nRemediation record: {} (SHA-256 {})\n",
            t.rule_id, t.resource_id, t.account, t.region, t.id, evidence.key, evidence.sha256
        );
        let machine = json!({
            "type": "attest.manual-remediation", "version": 1, "transition_id": t.id,
            "rule_id": t.rule_id, "resource_id": t.resource_id, "account": t.account,
            "region": t.region, "reason": why, "record_key": evidence.key,
            "record_sha256": evidence.sha256,
        })
        .to_string();
        let message = json!({ "default": machine, "sqs": machine, "email": text }).to_string();
        self.publish_json(
            &subject,
            &message,
            &[
                ("source", "String", "attest.remediate"),
                ("severity", "String", t.severity.as_str()),
                ("account", "String", &t.account),
            ],
        )
        .await
        .map(|_| ())
    }
}
