//! The collect function against the local AWS server: how an event becomes runs (here), and the
//! collection workflow with the AWS collectors, tables and bucket of the template (`collection`),
//! and each collector of account settings against the local server's IAM, KMS, EC2, GuardDuty,
//! Config and RDS (`settings_collectors`).

mod collection;
mod settings_collectors;

use attest_collect::{build, handle, AwsCollection, CollectConfig, CollectError, CollectEvent};
use attest_testing::Stack;

async fn collection(stack: &Stack) -> AwsCollection {
    let config = CollectConfig::from_lookup(stack.env("CollectFunction")).expect("template config");
    build(&stack.sdk, &config).await.expect("collection")
}

fn event(json: serde_json::Value) -> CollectEvent {
    serde_json::from_value(json).expect("event")
}

#[tokio::test]
async fn a_scheduled_event_collects_the_period_its_schedule_defines() {
    let stack = Stack::new().await;
    let c = collection(&stack).await;
    // As Scheduler sends it (input from the template), a little late: the period is still the schedule's.
    let e = event(
        serde_json::json!({"controls": ["pci-3.4-s3-encryption-posture"], "scheduled_time": "2026-11-25T02:00:09Z"}),
    );
    let response = handle(&c, e.clone(), "req-1").await.unwrap();
    assert_eq!(response.runs.len(), 1);
    let run = &response.runs[0];
    assert_eq!(
        run.period,
        "2026-11-24T02:00:00.000Z/2026-11-25T02:00:00.000Z"
    );
    assert_eq!(run.outcome, "collected");
    assert_eq!(run.evidence_sha256.as_deref().map(str::len), Some(64));

    // Scheduler retrying the same event changes nothing.
    let again = handle(&c, e, "req-2").await.unwrap();
    assert_eq!(again.runs[0].outcome, "already_collected");
    assert_eq!(again.runs[0].evidence_sha256, run.evidence_sha256);
}

#[tokio::test]
async fn the_catalogue_as_deployed_is_recorded_once_per_version() {
    let stack = Stack::new().await;
    let c = collection(&stack).await;
    let defs = c
        .runs
        .definitions("pci-3.4-s3-encryption-posture")
        .await
        .unwrap();
    assert_eq!(defs.len(), 1);
    assert_eq!(defs[0].catalogue_version, c.catalogue.version());
    assert_eq!(defs[0].schedule, "cron(0 2 * * ? *)");
    assert_eq!(defs[0].control.control_id, "3.4");
    // A second cold start of the same version adds nothing.
    let again = collection(&stack).await;
    assert_eq!(
        again
            .runs
            .definitions("pci-3.4-s3-encryption-posture")
            .await
            .unwrap()
            .len(),
        1
    );
    for entry in c.catalogue.entries() {
        assert_eq!(
            c.runs.definitions(&entry.control.id).await.unwrap().len(),
            1,
            "{}",
            entry.control.id
        );
    }
}

#[tokio::test]
async fn a_catalogue_recorded_part_way_is_completed_by_the_next_cold_start() {
    let stack = Stack::new().await;
    let c = collection(&stack).await;
    // A version of our own, so the rows the first cold start wrote do not count.
    let rows: Vec<_> = c
        .catalogue
        .entries()
        .map(|e| attest_domain::collection::run::ControlDefinitionRow::new(&e.control, "partial"))
        .collect();
    let half = rows.len() / 2;
    // A cold start that crashed after writing half the rows...
    assert_eq!(
        c.runs.record_definitions(&rows[..half]).await.unwrap(),
        half
    );
    // ...is completed by the next one, which writes only what is missing...
    assert_eq!(
        c.runs.record_definitions(&rows).await.unwrap(),
        rows.len() - half
    );
    // ...after which a cold start finds the version recorded and writes nothing.
    assert_eq!(c.runs.record_definitions(&rows).await.unwrap(), 0);
    let last = &rows[rows.len() - 1].control.id;
    assert!(c
        .runs
        .definitions(last)
        .await
        .unwrap()
        .iter()
        .any(|d| d.catalogue_version == "partial"));
}

#[tokio::test]
async fn an_ad_hoc_period_and_a_batch() {
    let stack = Stack::new().await;
    let c = collection(&stack).await;
    let e = event(serde_json::json!({
        "controls": ["cis-1.4-3.1-trail-status", "soc2-cc6.1-s3-public-access"],
        "period": "2026-10-01T00:00:00Z/2026-11-01T00:00:00Z"
    }));
    let response = handle(&c, e, "req-1").await.unwrap();
    let outcomes: Vec<_> = response
        .runs
        .iter()
        .map(|r| (r.control.as_str(), r.outcome.as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("cis-1.4-3.1-trail-status", "collected"),
            ("soc2-cc6.1-s3-public-access", "collected")
        ]
    );
    assert!(response
        .runs
        .iter()
        .all(|r| r.period == "2026-10-01T00:00:00.000Z/2026-11-01T00:00:00.000Z"));
}

#[tokio::test]
async fn bad_events_are_refused_with_the_reason() {
    let stack = Stack::new().await;
    let c = collection(&stack).await;
    for (json, expected) in [
        (
            serde_json::json!({"scheduled_time": "2026-11-25T02:00:00Z"}),
            "name at least one control",
        ),
        (
            serde_json::json!({"control": "nope", "scheduled_time": "2026-11-25T02:00:00Z"}),
            "unknown control `nope`",
        ),
        (
            serde_json::json!({"control": "pci-3.4-s3-encryption-posture"}),
            "give `scheduled_time` or `period`",
        ),
        (
            serde_json::json!({"control": "pci-3.4-s3-encryption-posture", "controls": ["pci-3.4-s3-encryption-posture"], "scheduled_time": "2026-11-25T02:00:00Z"}),
            "control `pci-3.4-s3-encryption-posture` is named more than once",
        ),
        (
            serde_json::json!({"control": "pci-3.4-s3-encryption-posture", "period": "2026-11-02T00:00:00Z/2026-11-01T00:00:00Z"}),
            "the period is inverted (start after end)",
        ),
        (
            serde_json::json!({"control": "pci-3.4-s3-encryption-posture", "scheduled_time": "yesterday"}),
            "`scheduled_time`",
        ),
    ] {
        let err = handle(&c, event(json.clone()), "req").await.unwrap_err();
        assert!(matches!(err, CollectError::BadEvent(_)), "{json}: {err}");
        assert!(err.to_string().contains(expected), "{json}: {err}");
    }
    assert!(
        serde_json::from_value::<CollectEvent>(serde_json::json!({"control": "x", "contorls": []}))
            .is_err(),
        "typos are refused"
    );
}

#[tokio::test]
async fn a_failed_run_fails_the_invocation_so_scheduler_retries_it() {
    let stack = Stack::new().await;
    let c = collection(&stack).await;
    // The local server does not implement AWS Config's GetComplianceDetailsByConfigRule, so this
    // collector fails here: the invocation must fail (and be retried, then dead-lettered), and the
    // run must be recorded as FAILED.
    let e = event(
        serde_json::json!({"control": "pci-1.2.1-config-network-rules", "scheduled_time": "2026-11-25T12:00:00Z"}),
    );
    let err = handle(&c, e, "req-1").await.unwrap_err();
    assert!(
        matches!(
            err,
            CollectError::RunsFailed {
                failed: 1,
                total: 1,
                ..
            }
        ),
        "{err}"
    );
    let period =
        attest_domain::collection::Period::parse("2026-11-25T11:00:00Z/2026-11-25T12:00:00Z")
            .unwrap();
    let record = c
        .runs
        .get("pci-1.2.1-config-network-rules", &period)
        .await
        .unwrap()
        .expect("run recorded");
    assert_eq!(record.status, attest_domain::collection::RunStatus::Failed);
    assert!(
        record.error.unwrap().contains("config:"),
        "the error names the failing call"
    );
}
