//! The report function against the local AWS server (moto): evidence written as intake writes it,
//! then a report run pinned, rendered, published under Object Lock, signed with a KMS P-256 key,
//! re-verified, and checked offline from a download as an auditor would.

use attest_aws::{EvidenceStore, ReportRunStore, StateStore};
use attest_domain::records::FindingItems;
use attest_domain::{normalize_event, Catalogue};
use attest_report::{build, handle, ReportConfig, ReportFnError};
use attest_report_workflow::{download_bundle, FetchError, Pins};
use attest_reports::manifest::MANIFEST_FILE;
use attest_reports::request::{run_key_of_prefix, ReportRun, ReportStatus};
use attest_reports::verify::TrustAnchor;
use attest_testing::{event_bytes, Stack};

const SAMPLES: [&str; 6] = [
    "config-noncompliant-with-old-result.json",
    "config-compliant-first-evaluation.json",
    "config-conformance-pack-rule.json",
    "securityhub-four-findings.json",
    "securityhub-one-finding.json",
    "cloudtrail-stoplogging.json",
];

fn config(stack: &Stack) -> ReportConfig {
    ReportConfig::from_lookup(stack.env("ReportFunction")).expect("template config")
}

/// The state tables and the evidence bucket, as the report function's configuration names them.
fn intake_stores(stack: &Stack) -> (StateStore, EvidenceStore) {
    let env = stack.env("ReportFunction");
    let state = StateStore::new(
        aws_sdk_dynamodb::Client::new(&stack.sdk),
        env("ATTEST_STATE_TABLE").unwrap(),
        env("ATTEST_HISTORY_TABLE").unwrap(),
    );
    let store = EvidenceStore::new(
        aws_sdk_s3::Client::new(&stack.sdk),
        env("ATTEST_EVIDENCE_BUCKET").unwrap(),
        env("ATTEST_EVIDENCE_KMS_KEY_ID").unwrap(),
    );
    (state, store)
}

/// Store evidence and history for sample events exactly as intake does.
async fn ingest(stack: &Stack, names: &[&str]) -> usize {
    let (state, store) = intake_stores(stack);
    let catalogue = Catalogue::embedded().unwrap();
    let mut n = 0;
    for name in names {
        let event = normalize_event(&event_bytes(name), &catalogue).unwrap();
        for f in &event.findings {
            store.put(&f.evidence).await.unwrap();
            let items = FindingItems::new(&f.finding, &f.evidence, catalogue.version());
            state.record_history(&items).await.unwrap();
            n += 1;
        }
    }
    n
}

/// The auditor's anchor, obtained as documented: `GetPublicKey` on the signing key, SHA-256 of
/// the DER key it returns.
async fn anchor(stack: &Stack) -> TrustAnchor {
    let key_id = config(stack).signing_key_id;
    let out = aws_sdk_kms::Client::new(&stack.sdk)
        .get_public_key()
        .key_id(key_id)
        .send()
        .await
        .unwrap();
    let der = out.public_key.unwrap().into_inner();
    TrustAnchor::Fingerprint(format!(
        "SHA256:{}",
        attest_domain::canonical::sha256_hex(&der)
    ))
}

/// A published response's bundle prefix, its run record, and the bundle read at the versions the
/// record pins (as `attest fetch` reads it).
async fn pinned_download(
    stack: &Stack,
    publisher: &attest_report_workflow::AwsReportWorkflow,
    response: &attest_report::ReportResponse,
) -> (String, ReportRun, attest_reports::verify::MemoryBundle) {
    let prefix = response
        .bundle
        .split_once(&format!("{}/", publisher.objects.bucket()))
        .unwrap()
        .1
        .to_string();
    let run = run_record(stack, &prefix).await;
    let bundle = download_bundle(&publisher.objects, &prefix, Pins::Run(&run))
        .await
        .unwrap();
    (prefix, run, bundle)
}

/// The run record of the bundle under `prefix`.
async fn run_record(stack: &Stack, prefix: &str) -> ReportRun {
    let (pk, sk) = run_key_of_prefix(prefix).unwrap();
    ReportRunStore::new(
        aws_sdk_dynamodb::Client::new(&stack.sdk),
        config(stack).runs_table,
    )
    .get(&pk, &sk)
    .await
    .unwrap()
    .unwrap()
}

fn scheduled(framework: &str) -> serde_json::Value {
    serde_json::json!({"framework": framework, "period": "previous_month", "scheduled_time": "2026-12-01T06:00:00Z"})
}

#[tokio::test]
async fn a_scheduled_report_is_published_signed_and_verifies_offline() {
    let stack = Stack::new().await;
    ingest(&stack, &SAMPLES).await;
    let publisher = build(&stack.sdk, &config(&stack)).unwrap();

    let response = handle(&publisher, scheduled("PCI-DSS-3.2.1"))
        .await
        .unwrap();
    assert_eq!(response.status, ReportStatus::Published);
    assert_eq!(response.period, "2026-11-01T00:00:00Z/2026-12-01T00:00:00Z");
    assert!(response.evidence > 0);
    assert!(response
        .verification
        .as_deref()
        .unwrap()
        .contains("match the manifest"));

    // An auditor's download verifies offline: signature, hashes, completeness, re-render.
    let (prefix, run, bundle) = pinned_download(&stack, &publisher, &response).await;
    let prefix = prefix.as_str();
    let verified = attest_reports::verify::verify(&bundle, &anchor(&stack).await).unwrap();
    assert_eq!(verified.evidence as u64, response.evidence);
    assert_eq!(Some(verified.merkle_root.clone()), response.merkle_root);
    // The manifest names the key as KMS does: its ARN, with account and region.
    assert!(
        verified.key_arn.starts_with("arn:aws:kms:us-east-1:")
            && verified.key_arn.contains(":key/"),
        "{}",
        verified.key_arn
    );

    // Forged versions stacked over a published output and over the manifest (a second
    // PutObject on the same keys): the pinned download is the same bundle, and still verifies.
    let s3 = aws_sdk_s3::Client::new(&stack.sdk);
    for name in ["report.json", MANIFEST_FILE] {
        s3.put_object()
            .bucket(publisher.objects.bucket())
            .key(format!("{prefix}{name}"))
            .body(aws_sdk_s3::primitives::ByteStream::from_static(
                b"{\"forged\":true}",
            ))
            .checksum_algorithm(aws_sdk_s3::types::ChecksumAlgorithm::Sha256)
            .send()
            .await
            .unwrap();
    }
    let again = download_bundle(&publisher.objects, prefix, Pins::Run(&run))
        .await
        .unwrap();
    assert_eq!(again.files, bundle.files);
    attest_reports::verify::verify(&again, &anchor(&stack).await).unwrap();
    // Without the run record, a file with two versions is refused by name.
    match download_bundle(&publisher.objects, prefix, Pins::SingleVersion).await {
        Err(FetchError::SeveralVersions { key, count }) => {
            assert_eq!((key, count), (format!("{prefix}{MANIFEST_FILE}"), 2))
        }
        other => panic!("expected SeveralVersions, got {:?}", other.map(|_| ())),
    }

    // A late FAILED write (a slower attempt) cannot demote the published run.
    let store = ReportRunStore::new(
        aws_sdk_dynamodb::Client::new(&stack.sdk),
        config(&stack).runs_table,
    );
    let mut late = run.clone();
    late.status = ReportStatus::Failed;
    late.error = Some("a slower attempt failed".into());
    assert!(!store.replace(&late, &late.snapshot_sha256).await.unwrap());
    assert_eq!(run_record(&stack, prefix).await, run);

    // Scheduler retrying the same event finds the published run: same run, same bytes.
    let again = handle(&publisher, scheduled("PCI-DSS-3.2.1"))
        .await
        .unwrap();
    assert_eq!(again.run_id, response.run_id);
    assert_eq!(again.manifest_sha256, response.manifest_sha256);
}

#[tokio::test]
async fn the_snapshot_is_immutable_and_a_failed_run_resumes_from_it() {
    let stack = Stack::new().await;
    ingest(&stack, &SAMPLES[..2]).await;
    // A signing key that does not exist: the run pins its snapshot, then fails to publish.
    let mut broken = config(&stack);
    broken.signing_key_id =
        "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000".into();
    let publisher = build(&stack.sdk, &broken).unwrap();
    let err = handle(&publisher, scheduled("SOC2")).await.unwrap_err();
    assert!(matches!(err, ReportFnError::Run { .. }), "{err}");
    assert!(err.to_string().contains("kms:"), "{err}");

    // The failed run is recorded FAILED with the reason, never PUBLISHED.
    let request = attest_reports::request::ReportEvent {
        amends: None,
        framework: "SOC2".into(),
        period: "previous_month".into(),
        scheduled_time: Some("2026-12-01T06:00:00Z".into()),
        requested_at: None,
    }
    .into_request(&publisher.known_frameworks())
    .unwrap();
    let failed = publisher.run(&request).await.unwrap_err();
    assert!(failed.to_string().contains("kms:"), "{failed}");

    // New evidence for the same period arrives; the retried run still reports the pinned snapshot.
    ingest(&stack, &SAMPLES[2..]).await;
    let publisher = build(&stack.sdk, &config(&stack)).unwrap();
    let first_snapshot = publisher.snapshot(&request).await.unwrap().evidence.len();
    let response = handle(&publisher, scheduled("SOC2")).await.unwrap();
    assert_eq!(response.status, ReportStatus::Published);
    assert!(
        (response.evidence as usize) < first_snapshot,
        "the resumed run kept its {} pinned items, not today's {first_snapshot}",
        response.evidence
    );
}

#[tokio::test]
async fn missing_evidence_and_bad_requests_are_named() {
    let stack = Stack::new().await;
    let publisher = build(&stack.sdk, &config(&stack)).unwrap();

    let err = handle(&publisher, serde_json::json!({"framework": "SOX", "period": "previous_month", "scheduled_time": "2026-12-01T06:00:00Z"}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unknown framework `SOX`"), "{err}");
    let err = handle(&publisher, serde_json::json!({"framework": "SOC2", "period": "2026-11-01/2026-10-01", "requested_at": "2026-12-01T06:00:00Z"}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("inverted"), "{err}");

    // A history row whose evidence object is not in the bucket.
    let (state, _) = intake_stores(&stack);
    let catalogue = Catalogue::embedded().unwrap();
    let event = normalize_event(&event_bytes(SAMPLES[0]), &catalogue).unwrap();
    let f = &event.findings[0];
    state
        .record_history(&FindingItems::new(
            &f.finding,
            &f.evidence,
            catalogue.version(),
        ))
        .await
        .unwrap();
    let err = handle(&publisher, scheduled("PCI-DSS-3.2.1"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("evidence object {} ", f.evidence.key))
            && err.to_string().contains("missing"),
        "{err}"
    );

    // The object exists, but it is not the evidence recorded: named with both hashes.
    let other = b"{\"not\":\"the recorded evidence\"}";
    publisher
        .objects
        .put_once(&f.evidence.key, other, "application/json")
        .await
        .unwrap();
    let err = handle(&publisher, scheduled("PCI-DSS-3.2.1"))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&f.evidence.key)
            && text.contains(&f.evidence.sha256)
            && text.contains("differs"),
        "{text}"
    );
}

/// Current state and history for one finding, as intake writes them.
async fn store_as_intake(stack: &Stack, f: &attest_domain::normalize::NormalizedFinding) {
    let (state, store) = intake_stores(stack);
    let version = Catalogue::embedded().unwrap().version().to_string();
    store.put(&f.evidence).await.unwrap();
    state
        .store(&FindingItems::new(&f.finding, &f.evidence, &version))
        .await
        .unwrap();
}

#[tokio::test]
async fn standings_before_the_period_are_carried_and_an_edited_row_fails_the_run() {
    use attest_report_samples::config_rule_result;
    let stack = Stack::new().await;
    // Evaluated 200 days before the period start and never since; failing since September.
    let quiet = config_rule_result("bucket-quiet", "COMPLIANT", "2026-04-15T00:00:00Z").unwrap();
    let failing =
        config_rule_result("bucket-failing", "NON_COMPLIANT", "2026-09-01T00:00:00Z").unwrap();
    store_as_intake(&stack, &quiet).await;
    store_as_intake(&stack, &failing).await;
    let publisher = build(&stack.sdk, &config(&stack)).unwrap();
    let response = handle(&publisher, scheduled("PCI-DSS-3.2.1"))
        .await
        .unwrap();
    assert_eq!(response.status, ReportStatus::Published);
    assert_eq!(response.evidence, 2);
    let (_, _, bundle) = pinned_download(&stack, &publisher, &response).await;
    let snapshot = attest_reports::snapshot::Snapshot::from_json(
        &bundle.files[attest_reports::manifest::SNAPSHOT_FILE],
    )
    .unwrap();
    let report = attest_reports::evaluate::evaluate(&snapshot);
    let mut standings: Vec<(String, &str, bool, u32)> = report
        .controls
        .iter()
        .flat_map(|c| &c.resources)
        .map(|r| {
            (
                r.evaluation.subject.resource_id.clone(),
                r.standing.label(),
                r.carried,
                r.evidence_age_days,
            )
        })
        .collect();
    standings.sort();
    standings.dedup();
    assert_eq!(
        standings,
        [
            // Config names the buckets; intake stores them by ARN, as Security Hub does.
            ("arn:aws:s3:::bucket-failing".to_string(), "FAIL", true, 91),
            ("arn:aws:s3:::bucket-quiet".to_string(), "PASS", true, 230),
        ]
    );
    let json = String::from_utf8(bundle.files["report.json"].clone()).unwrap();
    assert!(
        json.contains("\"evidence_age_days\":230"),
        "the age is in the report"
    );

    // December: a new evaluation whose history row is then edited in DynamoDB to say COMPLIANT.
    let edited =
        config_rule_result("bucket-edited", "NON_COMPLIANT", "2026-12-05T00:00:00Z").unwrap();
    store_as_intake(&stack, &edited).await;
    let env = stack.env("ReportFunction");
    let sk = format!("{}#{}", edited.finding.observed_at, edited.evidence.sha256);
    aws_sdk_dynamodb::Client::new(&stack.sdk)
        .update_item()
        .table_name(env("ATTEST_HISTORY_TABLE").unwrap())
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(attest_domain::records::state_pk(
                &edited.finding.subject.state_id(),
            )),
        )
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S(sk.clone()))
        .update_expression("SET #s = :c, standing = :c")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(
            ":c",
            aws_sdk_dynamodb::types::AttributeValue::S("COMPLIANT".into()),
        )
        .send()
        .await
        .unwrap();
    let err = handle(
        &publisher,
        serde_json::json!({"framework": "PCI-DSS-3.2.1", "period": "previous_month", "scheduled_time": "2027-01-01T06:00:00Z"}),
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&sk)
            && text.contains("disagrees with its evidence")
            && text.contains("status"),
        "{text}"
    );
}
