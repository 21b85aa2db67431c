use attest_notify::NotifyConfig;
use attest_notify::{
    build, build_digest, handle_batch, handle_digest, DigestConfig, DigestRequest,
};
use attest_notify_workflow::digest::FrameworkDigest;
use attest_testing::receiver::Receiver;
use attest_testing::streams::{state_image_at, stream_record};
use serde_json::json;

use crate::notify::secret;

#[tokio::test]
async fn transitions_below_the_slack_threshold_are_posted_once_a_day_per_framework() {
    let slack = Receiver::start("/services/T0/B0/digest", 200, "ok");
    let sdk = attest_testing::sdk_config().await;
    let slack_secret = secret(&sdk, "digest-slack", &slack.url).await;
    let stack = attest_testing::Stack::with_parameters(&[
        ("SlackWebhookSecretArn", &slack_secret),
        ("SlackMinSeverity", "HIGH"),
    ])
    .await;
    let alert = attest_alert::build(
        &stack.sdk,
        &attest_alert::AlertConfig::from_lookup(stack.env("AlertFunction")).expect("alert config"),
    );
    let notify = build(
        &stack.sdk,
        &NotifyConfig::from_lookup(stack.env("NotifyFunction")).expect("notify config"),
    )
    .await
    .expect("notify starts");

    // On 1 December: a MEDIUM failure and its resolution (below HIGH), then a HIGH failure.
    let image = |standing: &str, evidence: &str, severity: &str, at: &str| {
        state_image_at(
            standing,
            evidence,
            severity,
            &format!("2026-12-01T{at}:00.000Z"),
        )
    };
    let changes = [
        (
            "100",
            image("COMPLIANT", "aa", "MEDIUM", "09:00"),
            image("NON_COMPLIANT", "bb", "MEDIUM", "10:00"),
        ),
        (
            "200",
            image("NON_COMPLIANT", "bb", "MEDIUM", "10:00"),
            image("COMPLIANT", "cc", "MEDIUM", "11:00"),
        ),
        (
            "300",
            image("COMPLIANT", "cc", "HIGH", "11:00"),
            image("NON_COMPLIANT", "dd", "HIGH", "12:00"),
        ),
    ];
    for (seq, old, new) in changes {
        let event = serde_json::from_value(json!({ "Records": [stream_record(seq, old, new)] }))
            .expect("a stream event");
        let summary = attest_alert::handle_batch(&alert, event).await;
        assert!(summary.response.batch_item_failures.is_empty());
    }
    let queue = stack.attribute("NotifyQueue", "url");
    let sqs = aws_sdk_sqs::Client::new(&stack.sdk);
    let records: Vec<serde_json::Value> = attest_testing::receive_all(&sqs, &queue, true)
        .await
        .into_iter()
        .map(|m| json!({ "messageId": m.message_id, "body": m.body, "eventSource": "aws:sqs" }))
        .collect();
    assert_eq!(records.len(), 3);
    let summary = handle_batch(
        &notify,
        serde_json::from_value(json!({ "Records": records })).expect("an SQS event"),
    )
    .await;
    let sent: usize = summary.outcomes.iter().map(|o| o.channels.len()).sum();
    assert_eq!(
        sent, 1,
        "only the HIGH failure is posted at once: {:?}",
        summary.outcomes
    );

    // The digest scheduled at 00:15 on 2 December covers 1 December: the two MEDIUM transitions,
    // once per framework their state bears on.
    let digest = build_digest(
        &stack.sdk,
        &DigestConfig::from_lookup(stack.env("DigestFunction"))
            .expect("the template's digest configuration"),
    )
    .await
    .expect("the digest starts");
    let scheduled = || DigestRequest {
        scheduled_time: Some("2026-12-02T00:15:00Z".into()),
        day: None,
    };
    let outcome = handle_digest(&digest, scheduled())
        .await
        .expect("the digest runs");
    assert_eq!(outcome.day, "2026-12-01");
    assert_eq!(outcome.transitions_read, 3);
    let posted: Vec<_> = outcome
        .frameworks
        .iter()
        .map(|f| match f {
            FrameworkDigest::Sent {
                framework,
                transitions,
                ..
            } => (framework.as_str(), *transitions),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(posted, [("PCI-DSS-3.2.1", 2), ("SOC2", 2)]);
    let bodies = slack.bodies();
    assert_eq!(bodies.len(), 3, "one immediate post, two digests");
    assert_eq!(
        bodies[1]["text"],
        "PCI-DSS-3.2.1, 2026-12-01: 1 failed, 1 resolved below the alert threshold"
    );
    assert_eq!(
        bodies[2]["text"],
        "SOC2, 2026-12-01: 1 failed, 1 resolved below the alert threshold"
    );

    // Scheduler retrying, or someone re-running the day: nothing posted again.
    let again = handle_digest(&digest, scheduled())
        .await
        .expect("the digest runs");
    assert!(again
        .frameworks
        .iter()
        .all(|f| matches!(f, FrameworkDigest::AlreadyRecorded { .. })));
    let by_hand = handle_digest(
        &digest,
        DigestRequest {
            scheduled_time: None,
            day: Some("2026-12-01".into()),
        },
    )
    .await
    .expect("the digest runs");
    assert_eq!(by_hand.frameworks.len(), 2);
    assert_eq!(slack.bodies().len(), 3);
}
