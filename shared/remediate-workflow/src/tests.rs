//! The use case over in-process ports.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use attest_alerts::{json_body, Transition};
use attest_aws::error::FailureKind;
use attest_aws::{AdapterError, PendingRemediation};
use attest_domain::Evidence;
use attest_remediation::{Action, RuleModes};
use serde_json::{json, Value};

use crate::*;

#[derive(Default)]
struct World {
    tags: Mutex<HashMap<String, BTreeMap<String, String>>>,
    config: Mutex<HashMap<String, Value>>,
    applied: Mutex<Vec<String>>,
    fail_apply: Mutex<Option<FailureKind>>,
}

impl Resources for World {
    async fn tags(&self, a: &Action) -> Result<BTreeMap<String, String>, AdapterError> {
        Ok(self
            .tags
            .lock()
            .unwrap()
            .get(a.target())
            .cloned()
            .unwrap_or_default())
    }
    async fn read(&self, a: &Action) -> Result<Value, AdapterError> {
        Ok(self
            .config
            .lock()
            .unwrap()
            .get(a.target())
            .cloned()
            .unwrap_or(Value::Null))
    }
    async fn apply(&self, a: &Action) -> Result<(), AdapterError> {
        if let Some(kind) = *self.fail_apply.lock().unwrap() {
            return Err(AdapterError::Sdk {
                operation: "s3:PutBucketEncryption",
                target: a.target().into(),
                kind,
                code: Some("AccessDenied".into()),
                message: "denied".into(),
            });
        }
        self.applied.lock().unwrap().push(a.name().into());
        self.config
            .lock()
            .unwrap()
            .insert(a.target().into(), json!("fixed"));
        Ok(())
    }
}

#[derive(Default)]
struct Book {
    decided: Mutex<HashMap<String, String>>,
    stored: Mutex<HashMap<String, PendingRemediation>>,
    slots: Mutex<u64>,
    evidence: Mutex<Vec<Evidence>>,
    notified: Mutex<Vec<String>>,
}

impl Records for Book {
    async fn decided(&self, id: &str) -> Result<Option<String>, AdapterError> {
        Ok(self.decided.lock().unwrap().get(id).cloned())
    }
    async fn take_slot(&self, _: &str, cap: u64) -> Result<bool, AdapterError> {
        let mut n = self.slots.lock().unwrap();
        if *n >= cap {
            return Ok(false);
        }
        *n += 1;
        Ok(true)
    }
    async fn record(&self, t: &Transition, d: &str, e: &Evidence) -> Result<(), AdapterError> {
        self.decided.lock().unwrap().insert(t.id.clone(), d.into());
        self.stored.lock().unwrap().insert(
            t.id.clone(),
            PendingRemediation {
                decision: d.into(),
                body: attest_alerts::stored_body(t),
                evidence_key: e.key.clone(),
                evidence_sha256: e.sha256.clone(),
            },
        );
        Ok(())
    }
    async fn stored(&self, id: &str) -> Result<Option<PendingRemediation>, AdapterError> {
        Ok(self.stored.lock().unwrap().get(id).cloned())
    }
    async fn settle(
        &self,
        t: &Transition,
        d: &str,
        e: &Evidence,
        _: &str,
    ) -> Result<bool, AdapterError> {
        let mut stored = self.stored.lock().unwrap();
        match stored.get_mut(&t.id) {
            Some(p) if p.decision == "PENDING_APPROVAL" => {
                p.decision = d.into();
                p.evidence_key = e.key.clone();
                self.decided.lock().unwrap().insert(t.id.clone(), d.into());
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

impl EvidenceSink for Book {
    async fn put(&self, e: &Evidence) -> Result<(), AdapterError> {
        self.evidence.lock().unwrap().push(e.clone());
        Ok(())
    }
}

impl Notifier for Book {
    async fn manual(&self, t: &Transition, why: &str, _: &Evidence) -> Result<(), AdapterError> {
        self.notified
            .lock()
            .unwrap()
            .push(format!("{}: {why}", t.rule_id));
        Ok(())
    }
}

// `Remediate` holds the ports by value; the tests share one `Book` through `&'static`.
fn remediate(
    rules: &[&str],
    cap: u64,
) -> Remediate<World, &'static Book, &'static Book, &'static Book> {
    let book: &'static Book = Box::leak(Box::default());
    Remediate {
        resources: World::default(),
        records: book,
        evidence: book,
        notifier: book,
        settings: Settings {
            rules: RuleModes::parse(&rules.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap(),
            kms_key: None,
            opt_out_tag: "attest-remediation".into(),
            opt_out_value: "off".into(),
            daily_cap: cap,
        },
    }
}

impl<T: Records + ?Sized> Records for &T {
    async fn decided(&self, id: &str) -> Result<Option<String>, AdapterError> {
        (**self).decided(id).await
    }
    async fn take_slot(&self, day: &str, cap: u64) -> Result<bool, AdapterError> {
        (**self).take_slot(day, cap).await
    }
    async fn record(&self, t: &Transition, d: &str, e: &Evidence) -> Result<(), AdapterError> {
        (**self).record(t, d, e).await
    }
    async fn stored(&self, id: &str) -> Result<Option<PendingRemediation>, AdapterError> {
        (**self).stored(id).await
    }
    async fn settle(
        &self,
        t: &Transition,
        d: &str,
        e: &Evidence,
        by: &str,
    ) -> Result<bool, AdapterError> {
        (**self).settle(t, d, e, by).await
    }
}
impl<T: EvidenceSink + ?Sized> EvidenceSink for &T {
    async fn put(&self, e: &Evidence) -> Result<(), AdapterError> {
        (**self).put(e).await
    }
}
impl<T: Notifier + ?Sized> Notifier for &T {
    async fn manual(&self, t: &Transition, why: &str, e: &Evidence) -> Result<(), AdapterError> {
        (**self).manual(t, why, e).await
    }
}

fn failing(rule: &str, resource: &str, evidence: &str) -> String {
    let state = format!("123456789012#us-east-1#{rule}#{resource}");
    let t: Transition = serde_json::from_value(json!({
        "id": Transition::id_of(&state, Some("COMPLIANT"), "NON_COMPLIANT", evidence),
        "change": "FAILED", "state_id": state, "from": "COMPLIANT", "to": "NON_COMPLIANT",
        "severity": "HIGH", "source": "aws.config", "account": "123456789012",
        "region": "us-east-1", "resource_type": "AWS::S3::Bucket", "resource_id": resource,
        "rule_id": rule, "title": null, "controls": [], "frameworks": [],
        "evidence_key": format!("evidence/{evidence}"), "evidence_sha256": evidence,
        "observed_at": "2026-12-01T10:00:00Z", "dedup_key": "d",
    }))
    .unwrap();
    json_body(&t).to_string()
}

const SSE: &str = "s3-bucket-server-side-encryption-enabled";

fn decision(o: &Outcome) -> String {
    match o {
        Outcome::Decided { decision, .. } => decision.as_str().into(),
        Outcome::AlreadyDecided { decision } => format!("already {decision}"),
        Outcome::NotEnabled => "not enabled".into(),
        Outcome::NotAFailure => "not a failure".into(),
    }
}

#[tokio::test]
async fn auto_applies_once_with_the_state_before_and_after_as_evidence() {
    let r = remediate(&["s3-bucket-server-side-encryption-enabled=auto"], 10);
    let body = failing(SSE, "logs", "aa");
    let first = r.handle("m1", &body).await.unwrap();
    assert_eq!(decision(&first), "APPLIED");
    assert_eq!(
        *r.resources.applied.lock().unwrap(),
        ["s3-default-encryption-sse-kms"]
    );
    let evidence = r.evidence.evidence.lock().unwrap().clone();
    let doc: Value = serde_json::from_slice(&evidence[0].bytes).unwrap();
    assert_eq!(
        doc["before"],
        Value::Null,
        "the bucket had no default encryption"
    );
    assert_eq!(doc["after"], "fixed");
    assert_eq!(doc["mode"], "auto");
    let again = r.handle("m1", &body).await.unwrap();
    assert_eq!(decision(&again), "already APPLIED");
    assert_eq!(r.resources.applied.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn nothing_is_touched_when_not_enabled_in_dry_run_tagged_out_or_past_the_cap() {
    let r = remediate(
        &[
            "s3-bucket-server-side-encryption-enabled=auto",
            "S3.8=dry-run",
        ],
        1,
    );
    let not_enabled = r
        .handle("m", &failing("s3-bucket-versioning-enabled", "b", "a1"))
        .await
        .unwrap();
    assert_eq!(decision(&not_enabled), "not enabled");
    let dry = r
        .handle("m", &failing("S3.8", "arn:aws:s3:::site", "a2"))
        .await
        .unwrap();
    assert_eq!(decision(&dry), "DRY_RUN");
    r.resources.tags.lock().unwrap().insert(
        "kept".into(),
        BTreeMap::from([("attest-remediation".into(), "off".into())]),
    );
    let tagged = r.handle("m", &failing(SSE, "kept", "a3")).await.unwrap();
    assert_eq!(decision(&tagged), "OPTED_OUT");
    assert_eq!(
        decision(&r.handle("m", &failing(SSE, "one", "a4")).await.unwrap()),
        "APPLIED"
    );
    assert_eq!(
        decision(&r.handle("m", &failing(SSE, "two", "a5")).await.unwrap()),
        "CAP_REACHED"
    );
    assert_eq!(
        *r.resources.applied.lock().unwrap(),
        ["s3-default-encryption-sse-kms"]
    );
    assert_eq!(
        r.evidence.evidence.lock().unwrap().len(),
        4,
        "every decision is evidence"
    );
}

#[tokio::test]
async fn rds_is_refused_and_a_person_notified_and_a_refused_call_is_not_retried() {
    let r = remediate(
        &[
            "rds-instance-public-access-check=auto",
            "s3-bucket-server-side-encryption-enabled=auto",
        ],
        10,
    );
    let rds = r
        .handle(
            "m",
            &failing("rds-instance-public-access-check", "db-1", "b1"),
        )
        .await
        .unwrap();
    assert_eq!(decision(&rds), "REFUSED");
    *r.resources.fail_apply.lock().unwrap() = Some(FailureKind::Permanent);
    let denied = r.handle("m", &failing(SSE, "locked", "b2")).await.unwrap();
    assert_eq!(decision(&denied), "FAILED");
    let notified = r.notifier.notified.lock().unwrap().clone();
    assert_eq!(notified.len(), 2);
    assert!(notified[0].starts_with("rds-instance-public-access-check"));
    *r.resources.fail_apply.lock().unwrap() = Some(FailureKind::Throttled);
    let err = r
        .handle("m", &failing(SSE, "busy", "b3"))
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err}");
}

#[tokio::test]
async fn resolutions_and_garbage_fix_nothing() {
    let r = remediate(&["s3-bucket-server-side-encryption-enabled=auto"], 10);
    let mut resolved: Value = serde_json::from_str(&failing(SSE, "logs", "c1")).unwrap();
    resolved["change"] = json!("RESOLVED");
    assert_eq!(
        decision(&r.handle("m", &resolved.to_string()).await.unwrap()),
        "not a failure"
    );
    let err = r.handle("m9", "{\"AlarmName\":\"x\"}").await.unwrap_err();
    assert!(
        !err.is_retryable() && err.to_string().contains("m9"),
        "{err}"
    );
    assert!(r.resources.applied.lock().unwrap().is_empty());
}

#[tokio::test]
async fn approve_mode_waits_for_an_operator_and_records_who_approved() {
    let r = remediate(&["S3.8=approve"], 10);
    let body = failing("S3.8", "arn:aws:s3:::site", "d1");
    let t: Transition = attest_alerts::envelope::transition_from_json_body(&body).unwrap();
    let pending = r.handle("m", &body).await.unwrap();
    assert_eq!(decision(&pending), "PENDING_APPROVAL");
    assert!(r.resources.applied.lock().unwrap().is_empty());
    assert!(r.notifier.notified.lock().unwrap()[0].contains("attest remediation approve"));
    assert_eq!(
        decision(&r.handle("m", &body).await.unwrap()),
        "already PENDING_APPROVAL"
    );

    let approver = "arn:aws:iam::123456789012:user/alice";
    let approved = r.approve(&t.id, approver).await.unwrap();
    assert_eq!(decision(&approved), "APPLIED");
    assert_eq!(
        *r.resources.applied.lock().unwrap(),
        ["s3-block-public-access"]
    );
    let last = r.evidence.evidence.lock().unwrap().last().cloned().unwrap();
    let doc: Value = serde_json::from_slice(&last.bytes).unwrap();
    assert_eq!(doc["approval"]["approved_by"], approver);
    let Outcome::Decided { evidence_key, .. } = &pending else {
        panic!()
    };
    assert_eq!(doc["approval"]["request_key"], evidence_key.as_str());

    let err = r.approve(&t.id, approver).await.unwrap_err();
    assert!(
        matches!(err, RemediateError::NotPending { .. }) && err.to_string().contains("APPLIED"),
        "{err}"
    );
    let err = r.approve("unknown", approver).await.unwrap_err();
    assert!(
        err.to_string().contains("no remediation was requested"),
        "{err}"
    );
    assert_eq!(r.resources.applied.lock().unwrap().len(), 1);
}
