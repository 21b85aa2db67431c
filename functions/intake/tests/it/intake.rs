use attest_domain::canonical::sha256_hex;
use attest_intake::handle_batch;
use aws_sdk_s3::types::{ObjectLockMode, ServerSideEncryption};

use crate::harness::{edited, event_bytes, sqs_batch, Stack};

/// The message ids a batch response reports as failed.
fn failed_ids(response: &aws_lambda_events::event::sqs::SqsBatchResponse) -> Vec<&str> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect()
}

/// Every object key in the evidence bucket.
async fn evidence_keys(stack: &Stack) -> Vec<String> {
    let listed = stack
        .s3()
        .list_objects_v2()
        .bucket(&stack.config.evidence_bucket)
        .send()
        .await
        .unwrap();
    listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_string))
        .collect()
}

/// The current-state row intake stored for a finding; the test fails if there is none.
async fn stored_state(
    intake: &attest_intake::AwsIntake,
    finding: &attest_domain::Finding,
) -> attest_domain::records::CurrentStateRow {
    let state_id = finding.subject.state_id();
    intake
        .state
        .current(&state_id)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no state for {state_id}"))
}

const CONFIG_EVENT: &str = "config-noncompliant-with-old-result.json";
/// The state id of the Config sample's finding: its account, region, rule and the bucket's ARN.
fn config_state_id() -> String {
    let catalogue = attest_domain::Catalogue::embedded().unwrap();
    let event = attest_domain::normalize_event(&event_bytes(CONFIG_EVENT), &catalogue).unwrap();
    let state_id = event.findings[0].finding.subject.state_id();
    assert!(state_id.starts_with(
        "123456789012#us-east-1#s3-bucket-server-side-encryption-enabled#arn:aws:s3:::"
    ));
    state_id
}

#[tokio::test]
async fn each_source_lands_in_state_history_and_s3() {
    let stack = Stack::new().await;
    let intake = stack.intake();
    let batch = sqs_batch(&[
        ("m-config", event_bytes(CONFIG_EVENT)),
        (
            "m-securityhub",
            event_bytes("securityhub-four-findings.json"),
        ),
        ("m-cloudtrail", event_bytes("cloudtrail-stoplogging.json")),
    ]);
    let response = handle_batch(&intake, batch).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "{:?}",
        response.batch_item_failures
    );

    let catalogue = &intake.catalogue;
    let mut checked = 0;
    for name in [
        CONFIG_EVENT,
        "securityhub-four-findings.json",
        "cloudtrail-stoplogging.json",
    ] {
        let normalized = attest_domain::normalize_event(&event_bytes(name), catalogue).unwrap();
        for item in normalized.findings {
            let state_id = item.finding.subject.state_id();
            let current = stored_state(&intake, &item.finding).await;
            assert_eq!(current.fields.evidence_key, item.evidence.key);
            assert_eq!(current.fields.status, item.finding.status.as_str());
            assert_eq!(current.fields.catalogue_version, catalogue.version());

            // The stored object is the canonical evidence, and hashes to the recorded hash.
            let bytes = intake
                .evidence
                .get(&current.fields.evidence_key)
                .await
                .unwrap();
            assert_eq!(sha256_hex(&bytes), current.fields.evidence_sha256);
            assert_eq!(bytes, item.evidence.bytes);

            // Encrypted with the stack's key and locked in COMPLIANCE mode for 7 years.
            let head = stack
                .s3()
                .head_object()
                .bucket(&stack.config.evidence_bucket)
                .key(&current.fields.evidence_key)
                .send()
                .await
                .unwrap();
            assert_eq!(
                head.server_side_encryption,
                Some(ServerSideEncryption::AwsKms)
            );
            assert_eq!(head.object_lock_mode, Some(ObjectLockMode::Compliance));
            let until = head
                .object_lock_retain_until_date
                .expect("retention date")
                .secs();
            let years = (until - head.last_modified.unwrap().secs()) as f64 / (365.25 * 86400.0);
            assert!((6.9..7.1).contains(&years), "retention {years} years");

            let history = intake.state.history(&state_id).await.unwrap();
            assert_eq!(history.len(), 1, "{state_id}");
            assert_eq!(history[0].fields.evidence_sha256, item.evidence.sha256);
            checked += 1;
        }
    }
    assert_eq!(checked, 6);

    // Queryable by framework (control index), by status and by resource.
    let pci = intake
        .state
        .framework_state("PCI-DSS-3.2.1", None)
        .await
        .unwrap();
    assert!(
        pci.iter().any(|r| r.fields.state_id == config_state_id()),
        "{pci:?}"
    );
    let failing_cis = intake
        .state
        .framework_state("CIS-AWS-1.4", Some("NON_COMPLIANT"))
        .await
        .unwrap();
    assert!(
        failing_cis
            .iter()
            .any(|r| r.fields.subject.rule_id == "S3.8"),
        "{failing_cis:?}"
    );
    assert!(failing_cis
        .iter()
        .all(|r| r.fields.standing == "NON_COMPLIANT"));
    // Rows appear only in the indexes of frameworks they bear on.
    let gdpr = intake.state.framework_state("GDPR", None).await.unwrap();
    assert!(
        gdpr.iter()
            .all(|r| r.fields.controls.iter().any(|c| c.starts_with("GDPR:"))),
        "{gdpr:?}"
    );
    let history = intake
        .state
        .framework_history_on("CIS-AWS-1.4", "2026-11-02")
        .await
        .unwrap();
    assert!(
        history.iter().any(|h| h.fields.subject.rule_id == "S3.8"),
        "{history:?}"
    );
    let suppressed = intake.state.by_standing("SUPPRESSED").await.unwrap();
    assert_eq!(
        suppressed
            .iter()
            .map(|r| r.fields.subject.rule_id.as_str())
            .collect::<Vec<_>>(),
        ["EC2.19"]
    );
    let archived = intake.state.by_standing("ARCHIVED").await.unwrap();
    assert_eq!(archived.len(), 1);
    let current = intake
        .state
        .current(&config_state_id())
        .await
        .unwrap()
        .unwrap();
    let by_resource = intake
        .state
        .by_resource(&current.fields.resource_key)
        .await
        .unwrap();
    assert_eq!(by_resource.len(), 1);
    assert_eq!(
        by_resource[0].fields.subject.rule_id,
        "s3-bucket-server-side-encryption-enabled"
    );
}

#[tokio::test]
async fn redelivery_writes_no_second_history_entry_or_evidence_object() {
    let stack = Stack::new().await;
    let intake = stack.intake();
    let bytes = event_bytes("securityhub-four-findings.json");
    let first = intake.ingest(&bytes).await.unwrap();
    assert_eq!(
        (
            first.findings,
            first.evidence_written,
            first.history_recorded,
            first.state_updated
        ),
        (4, 4, 4, 4)
    );

    let again = intake.ingest(&bytes).await.unwrap();
    assert_eq!(
        (
            again.evidence_written,
            again.history_recorded,
            again.state_updated,
            again.state_stale
        ),
        (0, 0, 0, 4)
    );

    let versions = stack
        .s3()
        .list_object_versions()
        .bucket(&stack.config.evidence_bucket)
        .prefix("evidence/")
        .send()
        .await
        .unwrap();
    assert_eq!(
        versions.versions().len(),
        4,
        "one object version per finding, none rewritten"
    );
    for item in attest_domain::normalize_event(&bytes, &intake.catalogue)
        .unwrap()
        .findings
    {
        assert_eq!(
            intake
                .state
                .history(&item.finding.subject.state_id())
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn an_older_evaluation_never_overwrites_a_newer_one_but_is_kept_in_history() {
    let stack = Stack::new().await;
    let intake = stack.intake();
    let newer = edited(CONFIG_EVENT, |v| {
        v["id"] = "7d1e2f00-0000-4000-8000-000000000001".into();
        v["time"] = "2026-11-02T12:00:05Z".into();
        v["detail"]["newEvaluationResult"]["complianceType"] = "COMPLIANT".into();
        v["detail"]["newEvaluationResult"]["evaluationResultIdentifier"]["orderingTimestamp"] =
            "2026-11-02T12:00:00.000Z".into();
    });
    let older = event_bytes(CONFIG_EVENT); // NON_COMPLIANT at 09:15, arriving late

    let a = intake.ingest(&newer).await.unwrap();
    assert_eq!(a.state_updated, 1);
    let b = intake.ingest(&older).await.unwrap();
    assert_eq!(
        (b.history_recorded, b.state_updated, b.state_stale),
        (1, 0, 1)
    );

    let current = intake
        .state
        .current(&config_state_id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current.fields.status, "COMPLIANT");
    assert_eq!(current.fields.observed_at, "2026-11-02T12:00:00.000Z");
    let history = intake.state.history(&config_state_id()).await.unwrap();
    let statuses: Vec<_> = history
        .iter()
        .map(|h| (h.fields.observed_at.as_str(), h.fields.status.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("2026-11-02T09:15:11.482Z", "NON_COMPLIANT"),
            ("2026-11-02T12:00:00.000Z", "COMPLIANT")
        ]
    );

    // The framework index follows the current state, not the late arrival.
    let pci = intake
        .state
        .framework_state("PCI-DSS-3.2.1", None)
        .await
        .unwrap();
    let mine: Vec<_> = pci
        .iter()
        .filter(|r| r.fields.state_id == config_state_id())
        .collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].fields.standing, "COMPLIANT");
    assert!(intake
        .state
        .framework_state("PCI-DSS-3.2.1", Some("NON_COMPLIANT"))
        .await
        .unwrap()
        .is_empty());
    // Both evaluations are in the framework's history for that day.
    assert_eq!(
        intake
            .state
            .framework_history_on("PCI-DSS-3.2.1", "2026-11-02")
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn bad_events_are_reported_as_failures_while_their_neighbours_are_stored() {
    let stack = Stack::new().await;
    let intake = stack.intake();
    let batch = sqs_batch(&[
        ("good-1", event_bytes(CONFIG_EVENT)),
        ("not-json", event_bytes("invalid/not-json.txt")),
        ("unknown-source", event_bytes("invalid/unknown-source.json")),
        (
            "good-2",
            event_bytes("cloudtrail-unmapped-create-tags.json"),
        ),
        (
            "missing-field",
            event_bytes("invalid/config-missing-compliance-type.json"),
        ),
        ("missing-detail", event_bytes("invalid/missing-detail.json")),
    ]);
    let response = handle_batch(&intake, batch).await;
    let failed = failed_ids(&response);
    assert_eq!(
        failed,
        [
            "missing-detail",
            "missing-field",
            "not-json",
            "unknown-source"
        ]
    );

    assert!(intake
        .state
        .current(&config_state_id())
        .await
        .unwrap()
        .is_some());
    let unmapped = attest_domain::normalize_event(
        &event_bytes("cloudtrail-unmapped-create-tags.json"),
        &intake.catalogue,
    )
    .unwrap()
    .findings
    .remove(0);
    let row = intake
        .state
        .current(&unmapped.finding.subject.state_id())
        .await
        .unwrap()
        .expect("unmapped finding is stored");
    assert!(!row.fields.mapped);
}

/// `name` with its first `from` written again right after itself (`from` is a member and its value).
fn repeating_member(name: &str, from: &str, again: &str) -> Vec<u8> {
    let text = String::from_utf8(event_bytes(name)).unwrap();
    assert!(text.contains(from), "{name} has no {from}");
    text.replacen(from, &format!("{from}, {again}"), 1)
        .into_bytes()
}

#[tokio::test]
async fn an_event_repeating_a_member_name_is_a_batch_item_failure_naming_it_and_stores_nothing() {
    let stack = Stack::new().await;
    let intake = stack.intake();
    let envelope = repeating_member(
        CONFIG_EVENT,
        r#""source": "aws.config""#,
        r#""source": "aws.securityhub""#,
    );
    let nested = repeating_member(
        "cloudtrail-stoplogging.json",
        r#""eventName": "StopLogging""#,
        r#""eventName": "StartLogging""#,
    );
    let batch = sqs_batch(&[
        ("repeated-source", envelope.clone()),
        ("good", event_bytes("cloudtrail-unmapped-create-tags.json")),
        ("repeated-event-name", nested.clone()),
    ]);
    let response = handle_batch(&intake, batch).await;
    let failed = failed_ids(&response);
    assert_eq!(failed, ["repeated-event-name", "repeated-source"]);

    for (bytes, member) in [(&envelope, "source"), (&nested, "detail.eventName")] {
        let err = intake.ingest(bytes).await.unwrap_err();
        assert!(!err.is_retryable());
        assert!(
            err.to_string()
                .contains(&format!("member `{member}` appears twice in one object")),
            "{err}"
        );
    }
    // Neither refused event left evidence behind: only the good event's object is in the bucket.
    let keys = evidence_keys(&stack).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
}

#[tokio::test]
async fn a_storage_failure_is_reported_not_swallowed() {
    let mut stack = Stack::new().await;
    stack.config.evidence_bucket = "no-such-bucket-attest".into();
    let intake = stack.intake();
    let response = handle_batch(&intake, sqs_batch(&[("m1", event_bytes(CONFIG_EVENT))])).await;
    assert_eq!(response.batch_item_failures.len(), 1);
    let err = intake.ingest(&event_bytes(CONFIG_EVENT)).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("s3:PutObject") && text.contains("no-such-bucket-attest"),
        "{text}"
    );
    // Nothing was recorded without its evidence.
    assert!(intake
        .state
        .current(&config_state_id())
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn concurrent_duplicate_deliveries_store_one_evidence_object_and_one_history_entry() {
    let stack = Stack::new().await;
    let intake = stack.intake();
    let bytes = event_bytes(CONFIG_EVENT);
    let runs = futures::future::join_all((0..8).map(|_| intake.ingest(&bytes))).await;
    let outcomes: Vec<_> = runs.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(
        outcomes.iter().map(|o| o.history_recorded).sum::<usize>(),
        1
    );
    assert_eq!(outcomes.iter().map(|o| o.state_updated).sum::<usize>(), 1);
    let versions = stack
        .s3()
        .list_object_versions()
        .bucket(&stack.config.evidence_bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 1);
    assert_eq!(
        intake
            .state
            .history(&config_state_id())
            .await
            .unwrap()
            .len(),
        1
    );
}

const SH_ONE: &str = "securityhub-one-finding.json";

/// The sample Security Hub finding after a `BatchUpdateFindings` call: `Workflow.Status` set,
/// a note, `UpdatedAt` unchanged; delivered as a new event at `time`. `resource` picks the state.
fn workflow_change(
    resource: &str,
    status: &str,
    note: &str,
    event_id: &str,
    time: &str,
) -> Vec<u8> {
    edited(SH_ONE, |v| {
        v["id"] = event_id.into();
        v["time"] = time.into();
        let finding = &mut v["detail"]["findings"][0];
        finding["Resources"][0]["Id"] = resource.into();
        finding["Workflow"]["Status"] = status.into();
        finding["Note"] =
            serde_json::json!({"Text": note, "UpdatedBy": "auditor", "UpdatedAt": time});
    })
}

fn one_finding(bytes: &[u8]) -> attest_domain::normalize::NormalizedFinding {
    attest_domain::normalize_event(bytes, &attest_domain::Catalogue::embedded().unwrap())
        .unwrap()
        .findings
        .remove(0)
}

/// A suppression (07:10) and the unsuppression (07:20) of one finding, with the unsuppression's
/// evidence hash the smaller, so that the old tie-break (observed time, then hash) would have kept
/// the suppression whichever arrived last.
fn suppress_then_unsuppress(resource: &str) -> (Vec<u8>, Vec<u8>) {
    let suppress = workflow_change(
        resource,
        "SUPPRESSED",
        "accepted risk",
        &format!("{resource}-s"),
        "2026-11-03T07:10:00Z",
    );
    let suppressed_hash = one_finding(&suppress).evidence.sha256;
    let unsuppress = (0..64)
        .map(|i| {
            workflow_change(
                resource,
                "NOTIFIED",
                &format!("risk no longer accepted ({i})"),
                &format!("{resource}-u"),
                "2026-11-03T07:20:00Z",
            )
        })
        .find(|u| one_finding(u).evidence.sha256 < suppressed_hash)
        .expect("one of 64 notes hashes below the suppression");
    (suppress, unsuppress)
}

#[tokio::test]
async fn suppress_then_unsuppress_with_the_same_updated_at_ends_unsuppressed_in_either_arrival_order(
) {
    let stack = Stack::new().await;
    let intake = stack.intake();
    for (resource, arrival) in [
        ("AWS::::Account:in-order", [0, 1]),
        ("AWS::::Account:reversed", [1, 0]),
    ] {
        let (suppress, unsuppress) = suppress_then_unsuppress(resource);
        let state_id = one_finding(&suppress).finding.subject.state_id();
        let events = [&suppress, &unsuppress];
        let mut standings = Vec::new();
        for i in arrival {
            let response = handle_batch(&intake, sqs_batch(&[("m", events[i].clone())])).await;
            assert!(response.batch_item_failures.is_empty(), "{resource}");
            let current = intake.state.current(&state_id).await.unwrap().unwrap();
            standings.push(current.fields.standing.clone());
        }
        let current = intake.state.current(&state_id).await.unwrap().unwrap();
        assert_eq!(current.fields.disposition, "ACTIVE", "{resource}");
        assert_eq!(current.fields.standing, "NON_COMPLIANT", "{resource}");
        assert_eq!(
            current.fields.evidence_sha256,
            one_finding(&unsuppress).evidence.sha256
        );
        assert_eq!(
            current.fields.observed_at, "2026-11-03T06:48:44.930Z",
            "UpdatedAt unchanged"
        );
        let expected_precedence = format!(
            "2026-11-03T06:48:44.930Z#2026-11-03T07:20:00.000Z#{}",
            current.fields.evidence_sha256
        );
        assert_eq!(
            current.fields.precedence.as_deref(),
            Some(expected_precedence.as_str())
        );
        // In order, each change was current in turn; reversed, the late suppression never was.
        let expected: &[&str] = if arrival == [0, 1] {
            &["SUPPRESSED", "NON_COMPLIANT"]
        } else {
            &["NON_COMPLIANT", "NON_COMPLIANT"]
        };
        assert_eq!(standings, expected, "{resource}");
        // Both evaluations are kept in history.
        assert_eq!(
            intake.state.history(&state_id).await.unwrap().len(),
            2,
            "{resource}"
        );
    }
}

#[tokio::test]
async fn a_row_written_before_precedence_existed_is_replaced_by_a_change_with_the_same_updated_at()
{
    let stack = Stack::new().await;
    let intake = stack.intake();
    let resource = "AWS::::Account:legacy";
    let (suppress, unsuppress) = suppress_then_unsuppress(resource);
    // The suppression's row as the previous version wrote it: no `precedence` attribute.
    let old = one_finding(&suppress);
    let items = attest_domain::records::FindingItems::new(
        &old.finding,
        &old.evidence,
        intake.catalogue.version(),
    );
    let mut item = attest_aws::items::current_item(&items);
    item.remove("precedence");
    aws_sdk_dynamodb::Client::new(&stack.inner.sdk)
        .put_item()
        .table_name(&stack.config.state_table)
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
    let state_id = old.finding.subject.state_id();
    assert!(intake
        .state
        .current(&state_id)
        .await
        .unwrap()
        .unwrap()
        .fields
        .precedence
        .is_none());

    // An evaluation observed earlier does not replace it...
    let earlier = edited(SH_ONE, |v| {
        v["detail"]["findings"][0]["Resources"][0]["Id"] = resource.into();
        v["detail"]["findings"][0]["UpdatedAt"] = "2026-11-03T06:00:00Z".into();
    });
    assert_eq!(intake.ingest(&earlier).await.unwrap().state_stale, 1);
    // ...one with the same UpdatedAt does, whatever its hash (here the smaller one, which the old
    // tie-break would have kept out).
    assert!(one_finding(&unsuppress).evidence.sha256 < old.evidence.sha256);
    assert_eq!(intake.ingest(&unsuppress).await.unwrap().state_updated, 1);
    let current = intake.state.current(&state_id).await.unwrap().unwrap();
    assert_eq!(current.fields.standing, "NON_COMPLIANT");
    assert!(current.fields.precedence.is_some());
}

#[tokio::test]
async fn refused_findings_are_batch_item_failures_and_write_nothing() {
    let stack = Stack::new().await;
    let intake = stack.intake();
    let partner =
        "arn:aws:securityhub:eu-west-1:733251395267:product/alertlogic/althreatmanagement";
    let third_party = edited(SH_ONE, |v| {
        v["id"] = "refused-product".into();
        v["detail"]["findings"][0]["ProductArn"] = partner.into();
        v["detail"]["findings"][0]["Resources"][0]["Id"] = "AWS::::Account:third-party".into();
        v["detail"]["findings"][0]["Compliance"]["Status"] = "PASSED".into();
    });
    let future = edited(SH_ONE, |v| {
        v["id"] = "refused-future".into();
        v["detail"]["findings"][0]["Resources"][0]["Id"] = "AWS::::Account:future".into();
        v["detail"]["findings"][0]["UpdatedAt"] = "2027-11-03T06:48:44.930Z".into();
    });
    let batch = sqs_batch(&[
        ("m-third-party", third_party.clone()),
        ("m-good", event_bytes(CONFIG_EVENT)),
        ("m-future", future.clone()),
    ]);
    let response = handle_batch(&intake, batch).await;
    let failed = failed_ids(&response);
    assert_eq!(failed, ["m-future", "m-third-party"]);

    for (bytes, says) in [(&third_party, partner), (&future, "`UpdatedAt`")] {
        let err = intake.ingest(bytes).await.unwrap_err();
        assert!(!err.is_retryable());
        assert!(err.to_string().contains(says), "{err}");
        let state_id = one_finding(bytes).finding.subject.state_id();
        assert!(intake.state.current(&state_id).await.unwrap().is_none());
        assert!(intake.state.history(&state_id).await.unwrap().is_empty());
    }
    // Only the good event's evidence is in the bucket.
    let keys = evidence_keys(&stack).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
}

#[tokio::test]
async fn an_allow_listed_product_is_stored() {
    let partner =
        "arn:aws:securityhub:eu-west-1:733251395267:product/alertlogic/althreatmanagement";
    let mut stack = Stack::new().await;
    stack.config.security_hub_allowed_products =
        vec![attest_domain::ProductArn::parse(partner).unwrap()];
    let intake = stack.intake();
    let bytes = edited(SH_ONE, |v| {
        v["detail"]["findings"][0]["ProductArn"] = partner.into();
    });
    let response = handle_batch(&intake, sqs_batch(&[("m", bytes.clone())])).await;
    assert!(response.batch_item_failures.is_empty());
    let state_id = one_finding(&bytes).finding.subject.state_id();
    assert!(intake.state.current(&state_id).await.unwrap().is_some());
}

#[tokio::test]
async fn a_new_security_hub_batch_lands_a_state_per_resource_in_state_history_and_s3() {
    let stack = Stack::new().await;
    let intake = stack.intake();
    let name = "securityhub-v2-three-findings.json";
    let response = handle_batch(&intake, sqs_batch(&[("m-v2", event_bytes(name))])).await;
    assert!(failed_ids(&response).is_empty(), "{response:?}");

    let normalized = attest_domain::normalize_event(&event_bytes(name), &intake.catalogue).unwrap();
    // Three findings, the first naming two security groups: four states.
    assert_eq!(normalized.findings.len(), 4);
    for item in &normalized.findings {
        let state_id = item.finding.subject.state_id();
        let current = stored_state(&intake, &item.finding).await;
        assert_eq!(current.fields.evidence_key, item.evidence.key);
        assert_eq!(current.fields.status, item.finding.status.as_str());
        let stored = intake.evidence.get(&item.evidence.key).await.unwrap();
        assert_eq!(stored, item.evidence.bytes);
        assert_eq!(
            intake.state.history(&state_id).await.unwrap().len(),
            1,
            "{state_id}"
        );
    }
    let mut keys = evidence_keys(&stack).await;
    keys.sort();
    keys.dedup();
    assert_eq!(
        keys.len(),
        4,
        "one evidence object per resource's evaluation: {keys:?}"
    );
}

#[tokio::test]
async fn a_cspm_and_a_new_security_hub_result_for_one_control_and_resource_are_one_state() {
    let stack = Stack::new().await;
    let intake = stack.intake();
    // The OCSF copy first: the CSPM finding, observed earlier, arrives after it and must not win.
    let batch = sqs_batch(&[(
        "m-v2",
        event_bytes("securityhub-v2-compliance-finding.json"),
    )]);
    assert!(failed_ids(&handle_batch(&intake, batch).await).is_empty());
    let batch = sqs_batch(&[("m-cspm", event_bytes("securityhub-four-findings.json"))]);
    assert!(failed_ids(&handle_batch(&intake, batch).await).is_empty());

    let v2 = one_finding(&event_bytes("securityhub-v2-compliance-finding.json"));
    let state_id = v2.finding.subject.state_id();
    let history = intake.state.history(&state_id).await.unwrap();
    // Both evaluations are kept, in one state whose current row is the newer (the OCSF one).
    assert_eq!(history.len(), 2, "{history:?}");
    let current = intake.state.current(&state_id).await.unwrap().unwrap();
    assert_eq!(current.fields.evidence_key, v2.evidence.key);
    let by_rule = |rule: &str| {
        let rows: Vec<_> = history
            .iter()
            .filter(|h| h.fields.subject.rule_id == rule)
            .collect();
        rows.len()
    };
    assert_eq!(by_rule("S3.8"), 2);
}

#[tokio::test]
async fn a_malformed_finding_between_two_good_ones_leaves_them_stored_and_fails_its_event() {
    let stack = Stack::new().await;
    let intake = stack.intake();
    let name = "securityhub-v2-malformed-between-good.json";
    let batch = || {
        sqs_batch(&[
            ("m-mixed", event_bytes(name)),
            ("m-good", event_bytes(CONFIG_EVENT)),
        ])
    };
    // The event is reported failed, so SQS retries it and then moves it to the dead-letter queue,
    // whose alarm pages; its neighbour in the batch is not.
    let response = handle_batch(&intake, batch()).await;
    assert_eq!(failed_ids(&response), ["m-mixed"]);

    let normalized = attest_domain::normalize_event(&event_bytes(name), &intake.catalogue).unwrap();
    assert_eq!(normalized.findings.len(), 2);
    for item in &normalized.findings {
        let current = stored_state(&intake, &item.finding).await;
        assert_eq!(current.fields.evidence_sha256, item.evidence.sha256);
    }
    let err = intake.ingest(&event_bytes(name)).await.unwrap_err();
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(
        text.contains("2 finding(s) stored, 1 record(s) refused"),
        "{text}"
    );
    assert!(text.contains("detail.findings[1].resources[0]"), "{text}");

    // Redelivered (as SQS does until the DLQ): still failed, nothing stored twice.
    let before = evidence_keys(&stack).await.len();
    assert_eq!(
        failed_ids(&handle_batch(&intake, batch()).await),
        ["m-mixed"]
    );
    assert_eq!(evidence_keys(&stack).await.len(), before);
    for item in &normalized.findings {
        let history = intake
            .state
            .history(&item.finding.subject.state_id())
            .await
            .unwrap();
        assert_eq!(history.len(), 1);
    }
}
