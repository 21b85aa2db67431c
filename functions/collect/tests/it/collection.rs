use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use attest_aws::error::FailureKind;
use attest_aws::AdapterError;
use attest_aws::Claim;
use attest_collect::{build_with, AwsCollection, CollectConfig};
use attest_collect_workflow::claim::Claimant;
use attest_collect_workflow::{
    CollectFuture, CollectRequest, Collector, Registry, RunOutcome, Source,
};
use attest_collectors::aws_registry;
use attest_domain::canonical::sha256_hex;
use attest_domain::collection::{Period, RunStatus};
use attest_domain::timestamp::Timestamp;
use attest_testing::Stack;
use aws_sdk_s3::types::{
    BucketVersioningStatus, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    VersioningConfiguration,
};
use serde_json::json;

pub(crate) fn period() -> Period {
    Period::parse("2026-11-24T02:00:00Z/2026-11-25T02:00:00Z").unwrap()
}

/// A catalogue of one control, with the given collector and parameters.
pub(crate) fn controls(id: &str, collector: &str, parameters: serde_json::Value) -> String {
    json!([{
        "id": id, "framework": "PCI-DSS-3.2.1", "control_id": "3.4", "name": "test control",
        "description": "test", "collector": collector, "schedule": "cron(0 2 * * ? *)",
        "parameters": parameters, "rationale": "test"
    }])
    .to_string()
}

pub(crate) async fn collection(
    stack: &Stack,
    registry: Registry,
    controls_json: &str,
) -> AwsCollection {
    let mut config = CollectConfig::from_lookup(stack.env("CollectFunction"))
        .expect("template sets a valid collect config");
    config.policy.base_delay = std::time::Duration::from_millis(10);
    build_with(&stack.sdk, &config, registry, controls_json)
        .await
        .expect("collection builds")
}

/// The evidence object a run recorded, checked against its recorded hash; returns its payload.
pub(crate) async fn stored_payload(
    stack: &Stack,
    c: &AwsCollection,
    outcome: &RunOutcome,
) -> serde_json::Value {
    let record = outcome.record();
    let key = record.evidence_key.as_deref().expect("evidence key");
    let bytes = c.evidence.get(key).await.unwrap();
    assert_eq!(
        Some(sha256_hex(&bytes)),
        record.evidence_sha256,
        "stored bytes hash to the recorded hash"
    );
    assert!(
        key.starts_with(&format!("collected/123456789012/{}/", record.control)),
        "{key}"
    );
    let head = aws_sdk_s3::Client::new(&stack.sdk)
        .head_object()
        .bucket(c.evidence.bucket())
        .key(key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.server_side_encryption,
        Some(ServerSideEncryption::AwsKms)
    );
    assert_eq!(head.version_id, record.evidence_version_id);
    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc["schema"], "attest.collected/v1");
    assert_eq!(doc["period"]["start"], record.period_start);
    assert_eq!(doc["collected_by"], record.collected_by.clone().unwrap());
    doc["payload"].clone()
}

#[tokio::test]
async fn s3_posture_evidence_lands_in_s3_with_the_recorded_hash() {
    let stack = Stack::new().await;
    let s3 = aws_sdk_s3::Client::new(&stack.sdk);
    let data = format!("{}-data-", stack.prefix);
    let (encrypted, plain) = (format!("{data}enc"), format!("{data}plain"));
    for (b, versioning) in [
        (&encrypted, BucketVersioningStatus::Enabled),
        (&plain, BucketVersioningStatus::Suspended),
    ] {
        s3.create_bucket().bucket(b).send().await.unwrap();
        s3.put_bucket_versioning()
            .bucket(b)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(versioning)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(
            ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::Aes256)
                .build()
                .unwrap(),
        )
        .build();
    s3.put_bucket_encryption()
        .bucket(&encrypted)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(rule)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    s3.put_public_access_block()
        .bucket(&encrypted)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .block_public_policy(true)
                .build(),
        )
        .send()
        .await
        .unwrap();

    let c = collection(
        &stack,
        aws_registry(&stack.sdk),
        &controls(
            "s3-posture",
            "s3.bucket_posture",
            json!({"bucket_prefix": data}),
        ),
    )
    .await;
    let outcome = c.run("s3-posture", &period(), "inv-1").await.unwrap();
    assert!(matches!(outcome, RunOutcome::Collected(_)), "{outcome:?}");
    let record = outcome.record();
    assert_eq!(
        (record.status, record.attempts, record.collector.as_str()),
        (RunStatus::Collected, 1, "s3.bucket_posture")
    );
    assert_eq!(
        record
            .collected_by
            .as_deref()
            .map(|a| a.contains("123456789012")),
        Some(true)
    );

    let payload = stored_payload(&stack, &c, &outcome).await;
    assert_eq!(payload["bucket_count"], 2);
    assert_eq!(payload["unencrypted_count"], 1);
    let buckets = payload["buckets"].as_array().unwrap();
    assert_eq!(buckets[0]["name"], encrypted, "sorted by name");
    assert_eq!(
        buckets[0]["encryption"]["rules"][0]["sse_algorithm"],
        "AES256"
    );
    assert_eq!(buckets[0]["public_access_block"]["block_public_acls"], true);
    assert_eq!(
        (
            buckets[0]["versioning"].clone(),
            buckets[1]["versioning"].clone()
        ),
        (json!("Enabled"), json!("Suspended"))
    );
    assert_eq!(buckets[1]["name"], plain);
    assert!(buckets[1]["encryption"].is_null() && buckets[1]["public_access_block"].is_null());

    // The record is queryable and says what was collected.
    let stored = c.runs.get("s3-posture", &period()).await.unwrap().unwrap();
    assert_eq!(&stored, record);
}

#[tokio::test]
async fn cloudtrail_trail_status_is_collected() {
    let stack = Stack::new().await;
    let s3 = aws_sdk_s3::Client::new(&stack.sdk);
    let bucket = format!("{}-trail", stack.prefix);
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let ct = aws_sdk_cloudtrail::Client::new(&stack.sdk);
    let name = format!("{}-org-trail", stack.prefix);
    ct.create_trail()
        .name(&name)
        .s3_bucket_name(&bucket)
        .is_multi_region_trail(true)
        .enable_log_file_validation(true)
        .send()
        .await
        .unwrap();
    ct.start_logging().name(&name).send().await.unwrap();

    let c = collection(
        &stack,
        aws_registry(&stack.sdk),
        &controls("trails", "cloudtrail.trail_status", json!({})),
    )
    .await;
    let outcome = c.run("trails", &period(), "inv-1").await.unwrap();
    let payload = stored_payload(&stack, &c, &outcome).await;
    let trail = payload["trails"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name.as_str())
        .expect("our trail")
        .clone();
    assert_eq!(
        (
            trail["is_logging"].clone(),
            trail["is_multi_region"].clone()
        ),
        (json!(true), json!(true))
    );
    assert_eq!(trail["log_file_validation_enabled"], true);
}

#[tokio::test]
async fn securityhub_findings_are_collected_from_every_page() {
    let stack = Stack::new().await;
    let sh = aws_sdk_securityhub::Client::new(&stack.sdk);
    let _ = sh.enable_security_hub().send().await;
    let mut findings = Vec::new();
    for i in 0..3 {
        findings.push(
            aws_sdk_securityhub::types::AwsSecurityFinding::builder()
                .schema_version("2018-10-08")
                .id(format!("{}-finding-{i}", stack.prefix))
                .product_arn("arn:aws:securityhub:us-east-1::product/aws/securityhub")
                .generator_id("security-control/S3.8")
                .aws_account_id("123456789012")
                .types("Software and Configuration Checks/Industry and Regulatory Standards")
                .created_at("2026-11-24T10:00:00.000Z")
                .updated_at("2026-11-24T10:00:00.000Z")
                .title("S3 general purpose buckets should block public access")
                .description("test")
                .severity(
                    aws_sdk_securityhub::types::Severity::builder()
                        .label(aws_sdk_securityhub::types::SeverityLabel::High)
                        .build(),
                )
                .resources(
                    aws_sdk_securityhub::types::Resource::builder()
                        .r#type("AwsS3Bucket")
                        .id(format!("arn:aws:s3:::b{i}"))
                        .build(),
                )
                .build(),
        );
    }
    let imported = sh
        .batch_import_findings()
        .set_findings(Some(findings))
        .send()
        .await
        .unwrap();
    assert_eq!(imported.failed_count(), Some(0));

    let c = collection(
        &stack,
        aws_registry(&stack.sdk),
        &controls(
            "sh",
            "securityhub.findings",
            json!({"security_control_ids": ["S3.8"]}),
        ),
    )
    .await;
    let outcome = c.run("sh", &period(), "inv-1").await.unwrap();
    let payload = stored_payload(&stack, &c, &outcome).await;
    let ids: Vec<&str> = payload["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    for i in 0..3 {
        assert!(
            ids.contains(&format!("{}-finding-{i}", stack.prefix).as_str()),
            "{ids:?}"
        );
    }
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "findings sorted by id");
    assert_eq!(
        payload["filters"],
        json!({"security_control_ids": ["S3.8"]})
    );
}

#[tokio::test]
async fn twenty_concurrent_triggers_of_one_control_and_period_give_one_record() {
    let stack = Stack::new().await;
    let c = collection(
        &stack,
        aws_registry(&stack.sdk),
        &controls(
            "posture",
            "s3.bucket_posture",
            json!({"bucket_prefix": format!("{}-data-", stack.prefix)}),
        ),
    )
    .await;
    let p = period();
    let runs = futures::future::join_all((0..20).map(|i| {
        let c = &c;
        let p = &p;
        async move {
            c.run("posture", p, &format!("invocation-{i}"))
                .await
                .unwrap()
        }
    }))
    .await;
    let collected = runs
        .iter()
        .filter(|o| matches!(o, RunOutcome::Collected(_)))
        .count();
    assert_eq!(
        collected,
        1,
        "{:?}",
        runs.iter().map(RunOutcome::label).collect::<Vec<_>>()
    );
    assert!(runs.iter().all(|o| matches!(
        o,
        RunOutcome::Collected(_) | RunOutcome::AlreadyCollected(_) | RunOutcome::InProgress(_)
    )));
    assert_eq!(c.runs.runs_of("posture").await.unwrap().len(), 1);
    let versions = aws_sdk_s3::Client::new(&stack.sdk)
        .list_object_versions()
        .bucket(c.evidence.bucket())
        .prefix("collected/123456789012/posture/")
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 1, "one evidence object");
    // A later duplicate trigger does nothing.
    assert!(matches!(
        c.run("posture", &p, "late").await.unwrap(),
        RunOutcome::AlreadyCollected(_)
    ));
}

/// A test collector that fails its first `failures` calls, with a retryable (throttled) or a
/// permanent error, then succeeds.
struct Flaky {
    calls: AtomicUsize,
    failures: usize,
    throttled: bool,
}

impl Collector for Flaky {
    fn id(&self) -> &'static str {
        "test.flaky"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn source(&self) -> Source {
        Source::Other
    }
    fn check_parameters(&self, _: &serde_json::Value) -> Result<(), String> {
        Ok(())
    }
    fn collect<'a>(&'a self, _request: CollectRequest<'a>) -> CollectFuture<'a> {
        Box::pin(async move {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            if n < self.failures {
                let (kind, code) = if self.throttled {
                    (FailureKind::Throttled, "ThrottlingException")
                } else {
                    (FailureKind::Permanent, "AccessDenied")
                };
                return Err(AdapterError::Sdk {
                    operation: "test:Call",
                    target: "account".into(),
                    kind,
                    code: Some(code.into()),
                    message: code.into(),
                });
            }
            Ok(json!({"call": n}))
        })
    }
}

fn flaky_registry(stack: &Stack, failures: usize, throttled: bool) -> (Registry, Arc<Flaky>) {
    let flaky = Arc::new(Flaky {
        calls: AtomicUsize::new(0),
        failures,
        throttled,
    });
    let mut registry = aws_registry(&stack.sdk);
    registry.register(flaky.clone());
    (registry, flaky)
}

#[tokio::test]
async fn a_failed_run_is_recorded_and_the_retry_reuses_the_record() {
    let stack = Stack::new().await;
    // Permanent errors are not retried in-process: the first trigger fails after one call.
    let (registry, flaky) = flaky_registry(&stack, 1, false);
    let c = collection(
        &stack,
        registry,
        &controls("flaky", "test.flaky", json!({})),
    )
    .await;
    let first = c.run("flaky", &period(), "inv-1").await.unwrap();
    let RunOutcome::Failed(failed) = &first else {
        panic!("{first:?}")
    };
    assert_eq!((failed.status, failed.attempts), (RunStatus::Failed, 1));
    assert!(
        failed.error.as_deref().unwrap().contains("AccessDenied"),
        "{failed:?}"
    );
    assert!(failed.evidence_key.is_none());
    assert_eq!(
        c.runs
            .with_status(RunStatus::Failed)
            .await
            .unwrap()
            .iter()
            .filter(|r| r.control == "flaky")
            .count(),
        1
    );

    // The next trigger (Scheduler's retry) re-claims the same record and succeeds.
    let second = c.run("flaky", &period(), "inv-2").await.unwrap();
    let RunOutcome::Collected(done) = &second else {
        panic!("{second:?}")
    };
    assert_eq!((done.attempts, done.error.clone()), (2, None));
    assert_eq!(
        c.runs.runs_of("flaky").await.unwrap().len(),
        1,
        "no duplicate record"
    );
    assert!(c
        .runs
        .with_status(RunStatus::Failed)
        .await
        .unwrap()
        .iter()
        .all(|r| r.control != "flaky"));
    assert_eq!(flaky.calls.load(Ordering::SeqCst), 2);
    let payload = stored_payload(&stack, &c, &second).await;
    assert_eq!(payload, json!({"call": 1}));
}

/// Claim `control` as `invocation` at `claimed_at` (900 s lease) and do nothing more: an invocation
/// that crashed right after its claim.
async fn claim_and_crash(c: &AwsCollection, control: &str, invocation: &str, claimed_at: &str) {
    let entry = c.catalogue.get(control).unwrap();
    let (collector, _) = c.registry.get(&entry.control.collector).unwrap();
    let claimed_at = Timestamp::parse(claimed_at).unwrap();
    let fresh = attest_collect_workflow::claim::fresh_record(Claimant {
        control: &entry.control,
        collector: collector.as_ref(),
        period: &period(),
        invocation,
        catalogue_version: c.catalogue.version(),
        claimed_at: &claimed_at,
        lease: std::time::Duration::from_secs(900),
    });
    let claim = c.runs.claim(&fresh, claimed_at.as_str()).await.unwrap();
    assert!(matches!(claim, Claim::Won(_)), "{claim:?}");
}

#[tokio::test]
async fn a_crash_after_the_claim_is_resumed_by_its_own_retry_and_an_expired_lease_by_anyone() {
    let stack = Stack::new().await;
    let (registry, flaky) = flaky_registry(&stack, 0, false);
    let catalogue = json!([
        serde_json::from_str::<serde_json::Value>(&controls("crashed", "test.flaky", json!({})))
            .unwrap()[0],
        serde_json::from_str::<serde_json::Value>(&controls("expired", "test.flaky", json!({})))
            .unwrap()[0],
    ])
    .to_string();
    let c = collection(&stack, registry, &catalogue).await;
    let now = chrono::Utc::now();
    let a_minute_ago = (now - chrono::Duration::seconds(60)).to_rfc3339();
    let an_hour_ago = (now - chrono::Duration::seconds(3600)).to_rfc3339();

    // Crashed a minute ago, lease still running: another invocation leaves it alone...
    claim_and_crash(&c, "crashed", "req-1", &a_minute_ago).await;
    let other = c.run("crashed", &period(), "req-2").await.unwrap();
    assert!(matches!(other, RunOutcome::InProgress(_)), "{other:?}");
    assert_eq!(flaky.calls.load(Ordering::SeqCst), 0);
    // ...and Lambda's retry of the crashed invocation (same request id) resumes it.
    let retry = c.run("crashed", &period(), "req-1").await.unwrap();
    let RunOutcome::Collected(done) = &retry else {
        panic!("{retry:?}")
    };
    assert_eq!((done.attempts, done.claimed_by.as_str()), (2, "req-1"));
    stored_payload(&stack, &c, &retry).await;

    // Crashed an hour ago: its lease (900 s) ended, so any trigger takes the run over.
    claim_and_crash(&c, "expired", "req-3", &an_hour_ago).await;
    let takeover = c.run("expired", &period(), "req-4").await.unwrap();
    let RunOutcome::Collected(done) = &takeover else {
        panic!("{takeover:?}")
    };
    assert_eq!((done.attempts, done.claimed_by.as_str()), (2, "req-4"));
    for control in ["crashed", "expired"] {
        assert_eq!(
            c.runs.runs_of(control).await.unwrap().len(),
            1,
            "{control}: one record"
        );
    }
    assert_eq!(flaky.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn throttling_is_retried_with_backoff_and_never_recorded_as_evidence() {
    let stack = Stack::new().await;
    let (registry, flaky) = flaky_registry(&stack, 2, true);
    let c = collection(
        &stack,
        registry,
        &controls("throttled", "test.flaky", json!({})),
    )
    .await;
    let outcome = c.run("throttled", &period(), "inv-1").await.unwrap();
    assert!(matches!(outcome, RunOutcome::Collected(_)), "{outcome:?}");
    assert_eq!(
        flaky.calls.load(Ordering::SeqCst),
        3,
        "two throttled calls retried in-process"
    );
    assert_eq!(outcome.record().attempts, 1, "one run attempt");
    assert_eq!(
        stored_payload(&stack, &c, &outcome).await,
        json!({"call": 2})
    );

    // Throttled on every try: the run fails (alert-able), with no evidence.
    let (registry, _) = flaky_registry(&stack, 100, true);
    let c = collection(
        &stack,
        registry,
        &controls("always-throttled", "test.flaky", json!({})),
    )
    .await;
    let outcome = c.run("always-throttled", &period(), "inv-1").await.unwrap();
    let RunOutcome::Failed(record) = outcome else {
        panic!()
    };
    assert!(record.error.unwrap().contains("throttled"));
    assert!(record.evidence_key.is_none());
}

#[tokio::test]
async fn the_shipped_catalogue_and_unknown_controls() {
    let stack = Stack::new().await;
    let mut config = CollectConfig::from_lookup(stack.env("CollectFunction")).unwrap();
    config.policy.base_delay = std::time::Duration::from_millis(10);
    let c = attest_collect::build(&stack.sdk, &config).await.unwrap();
    let shipped: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(attest_testing::repo_root().join("catalogue/controls.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(c.catalogue.len(), shipped.len());
    let err = c
        .run("no-such-control", &period(), "inv")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no-such-control"), "{err}");
}
