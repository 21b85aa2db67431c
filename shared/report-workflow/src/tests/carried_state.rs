//! Standings carried into the period, verdicts derived from the evidence, late evidence: the
//! snapshot over rows written as intake writes them, from Config events made for each case.

use super::*;
use attest_domain::records::{FindingRows, HistoryRow};
use attest_domain::{Catalogue, ComplianceStatus};
use attest_reports::evaluate::{evaluate, Standing};
use attest_reports::request::{ReportEvent, ReportStatus};

/// A Config rule result for bucket `resource`, observed at `at`, with its history row and evidence.
fn evaluation(resource: &str, status: &str, at: &str) -> (HistoryRow, Vec<u8>) {
    let f = attest_report_samples::config_rule_result(resource, status, at).unwrap();
    let version = Catalogue::embedded().unwrap().version().to_string();
    let rows = FindingRows::build(&f.finding, &f.evidence, &version).unwrap();
    (rows.history, f.evidence.bytes)
}

fn workflow_of(rows: Vec<(HistoryRow, Vec<u8>)>) -> Workflow {
    let objects = MemoryObjects::default();
    let history = rows
        .into_iter()
        .map(|(row, bytes)| {
            objects.insert(
                &row.fields.evidence_key,
                bytes,
                Some(row.fields.evidence_sha256.clone()),
            );
            row
        })
        .collect();
    ReportWorkflow::with_embedded_catalogues(
        objects,
        MemoryHistory::new(history),
        MemoryCollections::default(),
        MemoryRuns::default(),
        KeySigner::new(7, 7),
    )
    .unwrap()
}

fn add(w: &Workflow, (row, bytes): (HistoryRow, Vec<u8>)) {
    w.objects.insert(
        &row.fields.evidence_key,
        bytes,
        Some(row.fields.evidence_sha256.clone()),
    );
    w.history.0.lock().unwrap().push(row);
}

fn month(w: &Workflow, period: &str, requested_at: &str) -> ReportRequest {
    ReportEvent {
        amends: None,
        framework: FRAMEWORK.into(),
        period: period.into(),
        scheduled_time: None,
        requested_at: Some(requested_at.into()),
    }
    .into_request(&w.known_frameworks())
    .unwrap()
}

fn november(w: &Workflow) -> ReportRequest {
    month(w, "2026-11-01/2026-12-01", "2026-12-01T06:00:00Z")
}

fn december(w: &Workflow) -> ReportRequest {
    month(w, "2026-12-01/2027-01-01", "2027-01-01T06:00:00Z")
}

/// The standing of each bucket in a report over `snapshot`.
/// Each bucket's standing, by bucket name (intake stores the Config samples' buckets by ARN).
fn standings(snapshot: &Snapshot) -> BTreeMap<String, (Standing, bool, u32, bool)> {
    evaluate(snapshot)
        .controls
        .into_iter()
        .flat_map(|c| c.resources)
        .map(|r| {
            let id = &r.evaluation.subject.resource_id;
            (
                id.strip_prefix("arn:aws:s3:::").unwrap_or(id).to_string(),
                (r.standing, r.carried, r.evidence_age_days, r.stale),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_first_report_assesses_unchanged_resources_from_evidence_before_the_period() {
    let w = workflow_of(vec![
        // Evaluated 200 days before the period and never since.
        evaluation("bucket-quiet", "COMPLIANT", "2026-04-15T00:00:00Z"),
        // Failing since before the period.
        evaluation("bucket-failing", "NON_COMPLIANT", "2026-09-01T00:00:00Z"),
        // Failing before, fixed in the period: the in-period evaluation decides.
        evaluation("bucket-fixed", "NON_COMPLIANT", "2026-09-01T00:00:00Z"),
        evaluation("bucket-fixed", "COMPLIANT", "2026-11-10T00:00:00Z"),
    ]);
    let run = w.run(&november(&w)).await.unwrap();
    assert_eq!(run.status, ReportStatus::Published);
    let snapshot = stored_snapshot(&w, &run);
    assert_eq!(snapshot.header.predecessor, None);
    let by_bucket = standings(&snapshot);
    // Age at the period end (1 December): 230 days.
    assert_eq!(
        by_bucket["bucket-quiet"],
        (Standing::Pass, true, 230, false)
    );
    assert_eq!(
        by_bucket["bucket-failing"],
        (Standing::Fail, true, 91, false)
    );
    assert_eq!(
        by_bucket["bucket-fixed"],
        (Standing::Pass, false, 21, false)
    );
    // The carried standing of bucket-fixed is evidence too; nothing older than the latest before
    // the start is pinned.
    assert_eq!(snapshot.evidence.len(), 4);

    // With a 100-day limit the quiet bucket's evidence is stale, still assessed.
    let strict = workflow_of(vec![evaluation(
        "bucket-quiet",
        "COMPLIANT",
        "2026-04-15T00:00:00Z",
    )])
    .with_policy(attest_reports::snapshot::ReportPolicies {
        max_evidence_age_days: [(FRAMEWORK.to_string(), 100)].into(),
        ..Default::default()
    });
    let snapshot = strict.snapshot(&november(&strict)).await.unwrap();
    assert_eq!(snapshot.policy.max_evidence_age_days, 100);
    assert_eq!(
        standings(&snapshot)["bucket-quiet"],
        (Standing::Pass, true, 230, true)
    );
}

#[tokio::test]
async fn the_next_report_starts_from_the_published_closing_state_and_lists_late_evidence() {
    let w = workflow_of(vec![
        evaluation("bucket-quiet", "COMPLIANT", "2026-04-15T00:00:00Z"),
        evaluation("bucket-failing", "NON_COMPLIANT", "2026-09-01T00:00:00Z"),
        evaluation("bucket-fixed", "COMPLIANT", "2026-11-10T00:00:00Z"),
    ]);
    let nov = w.run(&november(&w)).await.unwrap();
    // Observed in November, delivered after November's report was published.
    add(
        &w,
        evaluation("bucket-late", "NON_COMPLIANT", "2026-11-20T00:00:00Z"),
    );
    // December's own evidence.
    add(
        &w,
        evaluation("bucket-quiet", "NON_COMPLIANT", "2026-12-05T00:00:00Z"),
    );

    let dec = w.run(&december(&w)).await.unwrap();
    assert_eq!(dec.status, ReportStatus::Published);
    let snapshot = stored_snapshot(&w, &dec);
    let predecessor = snapshot.header.predecessor.clone().unwrap();
    assert_eq!(predecessor.run_id, nov.header.run_id);
    assert_eq!(Some(predecessor.manifest_sha256), nov.manifest_sha256);
    let by_bucket = standings(&snapshot);
    assert_eq!(by_bucket["bucket-quiet"].0, Standing::Fail);
    assert_eq!(
        by_bucket["bucket-failing"],
        (Standing::Fail, true, 122, false)
    );
    assert_eq!(by_bucket["bucket-fixed"].0, Standing::Pass);
    assert_eq!(by_bucket["bucket-late"], (Standing::Fail, true, 42, false));
    let report = evaluate(&snapshot);
    let late: Vec<(&str, Option<&str>)> = report
        .late_evidence
        .iter()
        .map(|e| (e.summary.as_str(), e.late_for.as_deref()))
        .collect();
    assert_eq!(
        late,
        [(
            "s3-bucket-server-side-encryption-enabled on arn:aws:s3:::bucket-late: NON_COMPLIANT",
            Some(nov.header.run_id.as_str())
        )]
    );
    assert_eq!(report.summary.late_evidence, 1);

    // January carries December's closing state; the late item is listed once, not again.
    let jan = w
        .run(&month(&w, "2027-01-01/2027-02-01", "2027-02-01T06:00:00Z"))
        .await
        .unwrap();
    let snapshot = stored_snapshot(&w, &jan);
    assert_eq!(
        snapshot
            .header
            .predecessor
            .as_ref()
            .map(|p| p.run_id.clone()),
        Some(dec.header.run_id.clone())
    );
    let report = evaluate(&snapshot);
    assert!(
        report.late_evidence.is_empty(),
        "{:?}",
        report.late_evidence
    );
    assert_eq!(standings(&snapshot)["bucket-late"].0, Standing::Fail);
}

#[tokio::test]
async fn a_row_that_disagrees_with_its_evidence_fails_the_run_naming_it() {
    let (mut row, bytes) = evaluation("bucket-failing", "NON_COMPLIANT", "2026-11-05T00:00:00Z");
    row.fields.status = ComplianceStatus::Compliant.as_str().to_string();
    row.fields.standing = ComplianceStatus::Compliant.as_str().to_string();
    let sk = row.sk.clone();
    let w = workflow_of(vec![(row, bytes)]);
    let err = w.run(&november(&w)).await.unwrap_err();
    assert!(
        matches!(&err, ReportRunError::RowDisagrees { record, fields, .. }
            if record.contains(&sk) && fields.contains("status")),
        "{err}"
    );
    assert!(!err.is_retryable());
    assert!(
        w.runs.0.lock().unwrap().is_empty(),
        "no run for a refused snapshot"
    );
}

#[tokio::test]
async fn an_amendment_re_issues_the_period_with_what_the_original_missed() {
    let w = workflow_of(vec![evaluation(
        "bucket-fixed",
        "COMPLIANT",
        "2026-11-10T00:00:00Z",
    )]);
    let original = w.run(&november(&w)).await.unwrap();
    add(
        &w,
        evaluation("bucket-late", "NON_COMPLIANT", "2026-11-20T00:00:00Z"),
    );
    let mut amend = month(&w, "2026-11-01/2026-12-01", "2026-12-03T09:00:00Z");
    amend.amends = Some(original.header.run_id.clone());
    let amendment = w.run(&amend).await.unwrap();
    assert_eq!(amendment.status, ReportStatus::Published);
    assert_ne!(amendment.header.run_id, original.header.run_id);
    let snapshot = stored_snapshot(&w, &amendment);
    let reference = snapshot.header.amends.clone().unwrap();
    assert_eq!(reference.run_id, original.header.run_id);
    assert_eq!(Some(reference.manifest_sha256), original.manifest_sha256);
    let late: Vec<&str> = snapshot
        .evidence
        .iter()
        .filter(|e| e.late_for.as_deref() == Some(original.header.run_id.as_str()))
        .map(|e| e.evaluation.as_ref().unwrap().subject.resource_id.as_str())
        .collect();
    assert_eq!(late, ["arn:aws:s3:::bucket-late"]);
    // The manifest, which the signature covers, names the amended run too.
    let manifest_key = format!("{}{MANIFEST_FILE}", amendment.prefix);
    let (_, manifest, _) = w.objects.latest(&manifest_key).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    assert_eq!(
        manifest["amends"]["run_id"],
        original.header.run_id.as_str()
    );

    // Only a published run of the same period can be amended.
    let mut wrong = month(&w, "2026-10-01/2026-11-01", "2026-12-03T09:00:00Z");
    wrong.amends = Some(original.header.run_id.clone());
    let err = w.run(&wrong).await.unwrap_err();
    assert!(matches!(err, ReportRunError::AmendedRun { .. }), "{err}");
}

/// The sample IAM.4 Security Hub finding with its workflow status set, delivered at `delivered`
/// (its `UpdatedAt` unchanged, as `BatchUpdateFindings` leaves it).
fn workflow_change(status: &str, delivered: &str) -> (HistoryRow, Vec<u8>) {
    let mut event: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../events/securityhub-one-finding.json"),
        )
        .unwrap(),
    )
    .unwrap();
    event["id"] = serde_json::json!(format!("evt-{status}-{delivered}"));
    event["time"] = serde_json::json!(delivered);
    let finding = &mut event["detail"]["findings"][0];
    finding["Workflow"]["Status"] = serde_json::json!(status);
    finding["WorkflowState"] = serde_json::json!(status);
    let catalogue = Catalogue::embedded().unwrap();
    let bytes = serde_json::to_vec(&event).unwrap();
    let f = attest_domain::normalize_event(&bytes, &catalogue)
        .unwrap()
        .findings
        .remove(0);
    let rows = FindingRows::build(&f.finding, &f.evidence, catalogue.version()).unwrap();
    (rows.history, f.evidence.bytes)
}

#[tokio::test]
async fn a_security_hub_workflow_change_with_an_unchanged_updated_at_decides_by_delivery() {
    // Whichever hash is smaller, the later delivery is the standing: once suppressed last, once
    // unsuppressed last.
    for (first, last, expected) in [
        ("NEW", "SUPPRESSED", Standing::Exception),
        ("SUPPRESSED", "NOTIFIED", Standing::Fail),
    ] {
        let w = workflow_of(vec![
            workflow_change(first, "2026-11-03T06:48:59Z"),
            workflow_change(last, "2026-11-04T10:00:00Z"),
        ]);
        let snapshot = w.snapshot(&november(&w)).await.unwrap();
        let report = evaluate(&snapshot);
        let standing: Vec<Standing> = report
            .controls
            .iter()
            .flat_map(|c| &c.resources)
            .map(|r| r.standing)
            .collect();
        assert!(!standing.is_empty());
        assert!(
            standing.iter().all(|s| *s == expected),
            "{first} then {last}: {standing:?}"
        );
    }
}
