use attest_alerts::{sns_message, Transition};
use attest_aws::Topic;
use attest_domain::canonical::sha256_hex;
use attest_remediate::{build, handle_batch, AwsRemediate, RemediateConfig};
use attest_remediate_workflow::Outcome;
use serde_json::{json, Value};

const ACCOUNT: &str = "123456789012";
const RULES: &str = "s3-bucket-server-side-encryption-enabled=auto,S3.8=dry-run,\
cloudtrail.amazonaws.com:StopLogging=auto,rds-instance-public-access-check=auto";

fn transition(change: &str, rule: &str, resource_type: &str, resource: &str) -> Transition {
    let state = format!("{ACCOUNT}#us-east-1#{rule}#{resource}");
    let (from, to) = match change {
        "FAILED" => ("COMPLIANT", "NON_COMPLIANT"),
        _ => ("NON_COMPLIANT", "COMPLIANT"),
    };
    serde_json::from_value(json!({
        "id": Transition::id_of(&state, Some(from), to, "ab"), "change": change,
        "state_id": state, "from": from, "to": to, "severity": "HIGH", "source": "aws.config",
        "account": ACCOUNT, "region": "us-east-1", "resource_type": resource_type,
        "resource_id": resource, "rule_id": rule, "title": null, "controls": ["SOC2:CC6.1"],
        "frameworks": ["SOC2"], "evidence_key": "evidence/x", "evidence_sha256": "ab",
        "observed_at": "2026-12-01T10:00:00Z",
        "dedup_key": Transition::dedup_key_of(ACCOUNT, "us-east-1", rule, resource),
    }))
    .expect("a transition")
}

struct Remediating {
    stack: attest_testing::Stack,
    remediate: AwsRemediate,
    topic: Topic,
    sqs: aws_sdk_sqs::Client,
    s3: aws_sdk_s3::Client,
    /// A queue on the alerts topic with no filter: what a person's email would get.
    inbox: String,
}

async fn remediating() -> Remediating {
    let stack = attest_testing::Stack::with_parameters(&[
        ("RemediationRules", RULES),
        ("RemediationDailyCap", "2"),
    ])
    .await;
    let config = RemediateConfig::from_lookup(stack.env("RemediateFunction"))
        .expect("the template's environment is a valid remediate configuration");
    assert_eq!(config.daily_cap, 2);
    let sqs = aws_sdk_sqs::Client::new(&stack.sdk);
    let topic_arn = stack.attribute("AlertsTopic", "Arn");
    let inbox = stack.queue_on_topic(&topic_arn, "inbox").await;
    Remediating {
        remediate: build(&stack.sdk, &config),
        topic: Topic::new(aws_sdk_sns::Client::new(&stack.sdk), topic_arn),
        s3: aws_sdk_s3::Client::new(&stack.sdk),
        sqs,
        inbox,
        stack,
    }
}

impl Remediating {
    /// Publish as the alert function does, then handle what the template's queue received.
    async fn publish_and_handle(&self, transitions: &[Transition]) -> Vec<Outcome> {
        for t in transitions {
            let m = sns_message(t);
            let attributes: Vec<(&str, &str, &str)> = m
                .attributes
                .iter()
                .map(|a| (a.name, a.data_type, a.value.as_str()))
                .collect();
            self.topic
                .publish_json(&m.subject, &m.message, &attributes)
                .await
                .expect("publish");
        }
        let queue = self.stack.attribute("RemediateQueue", "url");
        let records: Vec<Value> = attest_testing::receive_all(&self.sqs, &queue, true)
            .await
            .into_iter()
            .map(|m| json!({ "messageId": m.message_id, "body": m.body, "eventSource": "aws:sqs" }))
            .collect();
        let summary = handle_batch(
            &self.remediate,
            serde_json::from_value(json!({ "Records": records })).expect("an SQS event"),
        )
        .await;
        assert!(
            summary.response.batch_item_failures.is_empty(),
            "{:?}",
            summary.outcomes
        );
        summary.outcomes
    }

    async fn bucket(&self, name: &str, tags: &[(&str, &str)]) {
        self.s3
            .create_bucket()
            .bucket(name)
            .send()
            .await
            .expect("a bucket");
        if !tags.is_empty() {
            let set = aws_sdk_s3::types::Tagging::builder()
                .set_tag_set(Some(
                    tags.iter()
                        .map(|(k, v)| {
                            aws_sdk_s3::types::Tag::builder()
                                .key(*k)
                                .value(*v)
                                .build()
                                .expect("a tag")
                        })
                        .collect(),
                ))
                .build()
                .expect("tagging");
            self.s3
                .put_bucket_tagging()
                .bucket(name)
                .tagging(set)
                .send()
                .await
                .expect("tag the bucket");
        }
    }

    async fn sse_algorithm(&self, bucket: &str) -> Option<String> {
        self.s3
            .get_bucket_encryption()
            .bucket(bucket)
            .send()
            .await
            .ok()
            .and_then(|o| o.server_side_encryption_configuration)
            .and_then(|c| c.rules.into_iter().next())
            .and_then(|r| r.apply_server_side_encryption_by_default)
            .map(|d| d.sse_algorithm.as_str().to_string())
    }

    /// The record's bytes as stored, checked against its key and hash.
    async fn record(&self, outcome: &Outcome) -> Value {
        let Outcome::Decided {
            evidence_key,
            evidence_sha256,
            ..
        } = outcome
        else {
            panic!("not decided: {outcome:?}");
        };
        let bytes = self
            .s3
            .get_object()
            .bucket(self.stack.name("EvidenceBucket"))
            .key(evidence_key)
            .send()
            .await
            .expect("the record is stored")
            .body
            .collect()
            .await
            .expect("its bytes")
            .into_bytes();
        assert_eq!(&sha256_hex(&bytes), evidence_sha256);
        assert!(evidence_key.ends_with(&format!("/{evidence_sha256}.json")));
        assert!(evidence_key.starts_with(&format!("evidence/{ACCOUNT}/remediation/2026/12/01/")));
        serde_json::from_slice(&bytes).expect("a JSON record")
    }
}

fn decision(o: &Outcome) -> String {
    match o {
        Outcome::Decided { decision, .. } => decision.as_str().to_string(),
        Outcome::AlreadyDecided { decision } => format!("already {decision}"),
        Outcome::NotEnabled => "not enabled".into(),
        Outcome::NotAFailure => "not a failure".into(),
    }
}

#[tokio::test]
async fn opted_in_resources_are_fixed_and_everything_else_is_left_with_a_record() {
    let r = remediating().await;
    let p = &r.stack.prefix;
    let (plain, kept, site, second) = (
        format!("{p}-plain-logs"),
        format!("{p}-kept"),
        format!("{p}-site"),
        format!("{p}-second"),
    );
    r.bucket(&plain, &[]).await;
    r.bucket(&kept, &[("attest-remediation", "off")]).await;
    r.bucket(&site, &[]).await;
    r.bucket(&second, &[]).await;
    // A trail someone stopped.
    let ct = aws_sdk_cloudtrail::Client::new(&r.stack.sdk);
    let trail = ct
        .create_trail()
        .name(format!("{p}-org-trail"))
        .s3_bucket_name(&plain)
        .send()
        .await
        .expect("a trail")
        .trail_arn
        .expect("its arn");
    ct.start_logging().name(&trail).send().await.expect("start");
    ct.stop_logging().name(&trail).send().await.expect("stop");

    let sse = "s3-bucket-server-side-encryption-enabled";
    let failures = [
        transition("FAILED", sse, "AWS::S3::Bucket", &plain),
        transition("FAILED", sse, "AWS::S3::Bucket", &kept),
        transition(
            "FAILED",
            "S3.8",
            "AWS::S3::Bucket",
            &format!("arn:aws:s3:::{site}"),
        ),
        transition(
            "FAILED",
            "cloudtrail.amazonaws.com:StopLogging",
            "AWS::CloudTrail::Trail",
            &trail,
        ),
        transition(
            "FAILED",
            "rds-instance-public-access-check",
            "AWS::RDS::DBInstance",
            "db-public-1",
        ),
        transition(
            "FAILED",
            "s3-bucket-versioning-enabled",
            "AWS::S3::Bucket",
            &plain,
        ),
        transition("FAILED", sse, "AWS::S3::Bucket", &second),
        // A resolution never reaches the queue (the subscription takes failures only).
        transition("RESOLVED", sse, "AWS::S3::Bucket", &plain),
    ];
    let outcomes = r.publish_and_handle(&failures).await;
    let decisions: Vec<String> = outcomes.iter().map(decision).collect();
    assert_eq!(
        decisions,
        [
            "APPLIED",
            "OPTED_OUT",
            "DRY_RUN",
            "APPLIED",
            "REFUSED",
            "not enabled",
            "CAP_REACHED"
        ]
    );

    // What changed, read from moto: only the opted-in bucket and the trail.
    assert_eq!(r.sse_algorithm(&plain).await.as_deref(), Some("aws:kms"));
    assert_ne!(r.sse_algorithm(&kept).await.as_deref(), Some("aws:kms"));
    assert_ne!(
        r.sse_algorithm(&second).await.as_deref(),
        Some("aws:kms"),
        "past the cap"
    );
    assert!(
        r.s3.get_public_access_block()
            .bucket(&site)
            .send()
            .await
            .is_err(),
        "dry run"
    );
    let status = ct
        .get_trail_status()
        .name(&trail)
        .send()
        .await
        .expect("status");
    assert_eq!(status.is_logging, Some(true));

    // Every decision is evidence: stored under its hash, with the state before, the call and the
    // state after read back.
    let applied = r.record(&outcomes[0]).await;
    assert_eq!(
        applied["action"]["call"]["operation"],
        "s3:PutBucketEncryption"
    );
    assert_eq!(
        applied["after"]["ServerSideEncryptionConfiguration"]["Rules"][0]["SSEAlgorithm"],
        "aws:kms"
    );
    assert_eq!(
        applied["triggered_by"]["transition_id"],
        failures[0].id.as_str()
    );
    let trail_record = r.record(&outcomes[3]).await;
    assert_eq!(trail_record["before"]["IsLogging"], false);
    assert_eq!(trail_record["after"]["IsLogging"], true);
    let dry = r.record(&outcomes[2]).await;
    assert_eq!(dry["mode"], "dry-run");
    assert_eq!(dry["after"], Value::Null);
    assert_eq!(
        dry["action"]["call"]["operation"],
        "s3:PutPublicAccessBlock"
    );
    for i in [1, 4, 6] {
        assert!(r.record(&outcomes[i]).await["reason"].is_string());
    }

    // The refused RDS case told a person through the topic.
    let told: Vec<Value> = attest_testing::receive_all(&r.sqs, &r.inbox, true)
        .await
        .into_iter()
        .map(|m| serde_json::from_str(&m.body.expect("a body")).expect("a notification"))
        .filter(|n: &Value| n["MessageAttributes"]["source"]["Value"] == "attest.remediate")
        .collect();
    assert_eq!(told.len(), 1, "{told:#?}");
    assert!(told[0]["Subject"]
        .as_str()
        .unwrap_or_default()
        .contains("rds-instance-public-access-check"));

    // The same failures again (a redelivery): nothing decided or changed twice.
    let again = r.publish_and_handle(&failures[..1]).await;
    assert_eq!(
        again.iter().map(decision).collect::<Vec<_>>(),
        ["already APPLIED"]
    );
}
