//! The use case over in-process ports: delivery records in a map, a poster that keeps what it was
//! given and can be told to refuse.

use std::collections::HashMap;
use std::sync::Mutex;

use attest_alerts::{json_body, Transition};
use attest_aws::{AdapterError, DeliveryRecord, DeliveryStatus};
use attest_domain::Severity;
use serde_json::{json, Value};

use crate::read_transition::QueuedMessage;
use crate::*;

#[derive(Default)]
struct Log {
    delivered: Mutex<HashMap<(String, String), DeliveryStatus>>,
    latest: Mutex<HashMap<(String, String), String>>,
}

impl DeliveryLog for Log {
    async fn delivered(
        &self,
        channel: &'static str,
        transition_id: &str,
    ) -> Result<Option<DeliveryStatus>, AdapterError> {
        let key = (channel.to_string(), transition_id.to_string());
        Ok(self.delivered.lock().unwrap().get(&key).copied())
    }

    async fn latest_sent(
        &self,
        channel: &'static str,
        dedup_key: &str,
    ) -> Result<Option<String>, AdapterError> {
        let key = (channel.to_string(), dedup_key.to_string());
        Ok(self.latest.lock().unwrap().get(&key).cloned())
    }

    async fn record(&self, r: &DeliveryRecord<'_>) -> Result<(), AdapterError> {
        let key = (r.channel.to_string(), r.transition_id.to_string());
        self.delivered.lock().unwrap().insert(key, r.status);
        if let Some(dedup_key) = r.dedup_key.filter(|_| r.status == DeliveryStatus::Sent) {
            let key = (r.channel.to_string(), dedup_key.to_string());
            let mut latest = self.latest.lock().unwrap();
            let newer = latest.get(&key).is_some_and(|l| l.as_str() > r.observed_at);
            if !newer {
                latest.insert(key, r.observed_at.to_string());
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct Receivers {
    posted: Mutex<Vec<(String, Value)>>,
    /// A URL answered with this status instead of success.
    refuse: Mutex<HashMap<String, u16>>,
}

impl Poster for Receivers {
    async fn post(&self, url: &str, body: &Value) -> Result<u16, PostError> {
        if let Some(status) = self.refuse.lock().unwrap().get(url) {
            return Err(PostError::Refused {
                status: *status,
                body: "no".into(),
                retryable: *status >= 500,
            });
        }
        self.posted
            .lock()
            .unwrap()
            .push((url.to_string(), body.clone()));
        Ok(if url.contains("pagerduty") { 202 } else { 200 })
    }
}

const SLACK: &str = "https://hooks.slack.test/services/T/B/x";
const PAGERDUTY: &str = "https://events.pagerduty.test/v2/enqueue";

fn notify() -> Notify<Log, Receivers> {
    Notify {
        log: Log::default(),
        poster: Receivers::default(),
        channels: Channels {
            slack: Some(SlackChannel {
                webhook_url: SLACK.into(),
                min_severity: Severity::Medium,
            }),
            pagerduty: Some(PagerDutyChannel {
                events_url: PAGERDUTY.into(),
                routing_key: "rk".into(),
                min_severity: Severity::High,
            }),
        },
    }
}

fn transition(from: &str, to: &str, evidence: &str, observed_at: &str) -> Transition {
    let state = "123456789012#us-east-1#s3-bucket-server-side-encryption-enabled#audit-logs";
    let id = Transition::id_of(state, Some(from), to, evidence);
    serde_json::from_value(json!({
        "id": id,
        "change": if to == "NON_COMPLIANT" { "FAILED" } else { "RESOLVED" },
        "state_id": state, "from": from, "to": to, "severity": "HIGH", "source": "aws.config",
        "account": "123456789012", "region": "us-east-1", "resource_type": "AWS::S3::Bucket",
        "resource_id": "audit-logs", "rule_id": "s3-bucket-server-side-encryption-enabled",
        "title": null, "controls": ["SOC2:CC6.1"], "frameworks": ["SOC2"],
        "evidence_key": format!("evidence/{evidence}"), "evidence_sha256": evidence,
        "observed_at": observed_at,
        "dedup_key": Transition::dedup_key_of("123456789012", "us-east-1",
            "s3-bucket-server-side-encryption-enabled", "audit-logs"),
    }))
    .unwrap()
}

fn message(t: &Transition) -> QueuedMessage {
    QueuedMessage {
        message_id: format!("m-{}", &t.id[..8]),
        body: json_body(t).to_string(),
    }
}

fn kinds(o: &MessageOutcome) -> Vec<String> {
    o.channels
        .iter()
        .map(|c| match c {
            ChannelOutcome::Sent { channel, .. } => format!("{channel} sent"),
            ChannelOutcome::AlreadyRecorded { channel } => format!("{channel} recorded"),
            ChannelOutcome::Stale { channel } => format!("{channel} stale"),
        })
        .collect()
}

#[tokio::test]
async fn a_failure_posts_once_to_each_channel_and_a_redelivery_posts_nothing() {
    let n = notify();
    let fail = message(&transition(
        "COMPLIANT",
        "NON_COMPLIANT",
        "bb",
        "2026-12-01T10:00:00Z",
    ));
    let first = n.handle(&fail).await.unwrap();
    assert_eq!(kinds(&first), ["slack sent", "pagerduty sent"]);
    let again = n.handle(&fail).await.unwrap();
    assert_eq!(kinds(&again), ["slack recorded", "pagerduty recorded"]);
    let posted = n.poster.posted.lock().unwrap();
    assert_eq!(posted.len(), 2);
    assert_eq!(posted[1].1["event_action"], "trigger");
}

#[tokio::test]
async fn a_failing_channel_does_not_stop_the_other_and_its_retry_posts_only_it() {
    let n = notify();
    n.poster.refuse.lock().unwrap().insert(SLACK.into(), 503);
    let fail = message(&transition(
        "COMPLIANT",
        "NON_COMPLIANT",
        "bb",
        "2026-12-01T10:00:00Z",
    ));
    let partial = n.handle(&fail).await.unwrap_err();
    assert_eq!(partial.failures.len(), 1);
    assert!(partial.failures[0].is_retryable());
    assert!(partial.failures[0].to_string().contains("slack"));
    assert_eq!(kinds(&partial.delivered.unwrap()), ["pagerduty sent"]);

    n.poster.refuse.lock().unwrap().clear();
    let retried = n.handle(&fail).await.unwrap();
    assert_eq!(kinds(&retried), ["slack sent", "pagerduty recorded"]);
    assert_eq!(n.poster.posted.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_refused_payload_is_a_permanent_failure() {
    let n = notify();
    n.poster
        .refuse
        .lock()
        .unwrap()
        .insert(PAGERDUTY.into(), 400);
    let fail = message(&transition(
        "COMPLIANT",
        "NON_COMPLIANT",
        "bb",
        "2026-12-01T10:00:00Z",
    ));
    let partial = n.handle(&fail).await.unwrap_err();
    assert!(!partial.failures[0].is_retryable());
    assert!(partial.failures[0].to_string().contains("HTTP 400"));
}

#[tokio::test]
async fn a_failure_arriving_after_its_resolution_is_not_posted() {
    let n = notify();
    let fail = transition("COMPLIANT", "NON_COMPLIANT", "bb", "2026-12-01T10:00:00Z");
    let resolve = transition(
        "NON_COMPLIANT",
        "COMPLIANT",
        "cc",
        "2026-12-01T10:00:00.500Z",
    );
    let resolved = n.handle(&message(&resolve)).await.unwrap();
    assert_eq!(kinds(&resolved), ["slack sent", "pagerduty sent"]);
    let late = n.handle(&message(&fail)).await.unwrap();
    assert_eq!(kinds(&late), ["slack stale", "pagerduty stale"]);
    // Redelivered again, the stale record answers.
    let again = n.handle(&message(&fail)).await.unwrap();
    assert_eq!(kinds(&again), ["slack recorded", "pagerduty recorded"]);
    let posted = n.poster.posted.lock().unwrap();
    let actions: Vec<&str> = posted
        .iter()
        .filter_map(|(_, b)| b["event_action"].as_str())
        .collect();
    assert_eq!(
        actions,
        ["resolve"],
        "no trigger reopens the resolved incident"
    );
}

#[tokio::test]
async fn an_alarm_or_garbage_is_refused_by_name_and_posts_nothing() {
    let n = notify();
    let alarm = QueuedMessage {
        message_id: "m1".into(),
        body: json!({ "AlarmName": "IntakeDeadLetterAlarm", "NewStateValue": "ALARM" }).to_string(),
    };
    let err = n.handle(&alarm).await.unwrap_err();
    assert!(err.delivered.is_none());
    assert!(!err.failures[0].is_retryable());
    assert!(
        err.failures[0].to_string().contains("m1")
            && err.failures[0].to_string().contains("attest.transition"),
        "{}",
        err.failures[0]
    );
    let mut t = json_body(&transition(
        "COMPLIANT",
        "NON_COMPLIANT",
        "bb",
        "2026-12-01T10:00:00Z",
    ));
    t["observed_at"] = json!("not a time");
    let bad_time = QueuedMessage {
        message_id: "m2".into(),
        body: t.to_string(),
    };
    let err = n.handle(&bad_time).await.unwrap_err();
    assert!(err.failures[0].to_string().contains("not a time"));
    assert!(n.poster.posted.lock().unwrap().is_empty());
}

struct Day(Vec<String>);

impl crate::digest::TransitionsOfDay for Day {
    async fn bodies_on(&self, _: &str) -> Result<Vec<String>, AdapterError> {
        Ok(self.0.clone())
    }
}

fn digest(bodies: Vec<String>) -> crate::digest::Digest<Log, Day, Receivers> {
    crate::digest::Digest {
        log: Log::default(),
        transitions: Day(bodies),
        poster: Receivers::default(),
        slack: SlackChannel {
            webhook_url: SLACK.into(),
            min_severity: Severity::Critical,
        },
    }
}

fn frameworks(o: &crate::digest::DigestOutcome) -> Vec<String> {
    o.frameworks
        .iter()
        .map(|f| match f {
            crate::digest::FrameworkDigest::Sent { framework, .. } => format!("{framework} sent"),
            crate::digest::FrameworkDigest::AlreadyRecorded { framework } => {
                format!("{framework} recorded")
            }
        })
        .collect()
}

#[tokio::test]
async fn a_digest_posts_each_framework_once_and_a_rerun_posts_nothing() {
    let mut pci = transition("COMPLIANT", "NON_COMPLIANT", "bb", "2026-12-01T10:00:00Z");
    pci.frameworks = vec!["PCI-DSS-4.0.1".into(), "SOC2".into()];
    let soc2 = transition("NON_COMPLIANT", "COMPLIANT", "cc", "2026-12-01T11:00:00Z");
    let d = digest(vec![
        json_body(&pci).to_string(),
        json_body(&soc2).to_string(),
    ]);
    let first = d.run("2026-12-01").await.unwrap();
    assert_eq!(first.transitions_read, 2);
    assert_eq!(frameworks(&first), ["PCI-DSS-4.0.1 sent", "SOC2 sent"]);
    let posted = d.poster.posted.lock().unwrap().clone();
    assert_eq!(
        posted[1].1["text"],
        "SOC2, 2026-12-01: 1 failed, 1 resolved below the alert threshold"
    );
    let again = d.run("2026-12-01").await.unwrap();
    assert_eq!(
        frameworks(&again),
        ["PCI-DSS-4.0.1 recorded", "SOC2 recorded"]
    );
    assert_eq!(d.poster.posted.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_refused_digest_is_retried_alone_and_an_unreadable_body_fails_by_name() {
    let t = transition("COMPLIANT", "NON_COMPLIANT", "bb", "2026-12-01T10:00:00Z");
    let d = digest(vec![json_body(&t).to_string()]);
    d.poster.refuse.lock().unwrap().insert(SLACK.into(), 503);
    let failed = d.run("2026-12-01").await.unwrap_err();
    assert!(failed.failures[0].is_retryable());
    d.poster.refuse.lock().unwrap().clear();
    assert_eq!(
        frameworks(&d.run("2026-12-01").await.unwrap()),
        ["SOC2 sent"]
    );

    let broken = digest(vec!["{\"type\":\"something else\"}".into()]);
    let err = broken.run("2026-12-01").await.unwrap_err();
    assert!(!err.failures[0].is_retryable());
    assert!(
        err.failures[0].to_string().contains("2026-12-01"),
        "{}",
        err.failures[0]
    );
    assert!(broken.poster.posted.lock().unwrap().is_empty());
}
