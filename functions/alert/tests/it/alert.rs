use attest_alert::{build, handle_batch, AlertConfig, AwsAlert, RecordOutcome};
use attest_alerts::envelope::transition_from_json_body;
use attest_alerts::Change;
use aws_lambda_events::event::dynamodb::Event;
use serde_json::{json, Value};

use attest_testing::streams::{state_image as image, stream_record as record, STATE_ID as STATE};

fn batch(records: Vec<Value>) -> Event {
    serde_json::from_value(json!({ "Records": records })).expect("a stream event")
}

struct Alerting {
    stack: attest_testing::Stack,
    config: AlertConfig,
    alert: AwsAlert,
    sqs: aws_sdk_sqs::Client,
    /// A queue subscribed to the alerts topic, as a machine consumer would be.
    inbox: String,
}

async fn alerting() -> Alerting {
    let stack = attest_testing::Stack::new().await;
    let config = AlertConfig::from_lookup(stack.env("AlertFunction"))
        .expect("the template's environment is a valid alert configuration");
    let alert = build(&stack.sdk, &config);
    let sqs = aws_sdk_sqs::Client::new(&stack.sdk);
    let inbox = stack
        .queue_on_topic(&config.alerts_topic_arn, "inbox")
        .await;
    Alerting {
        stack,
        config,
        alert,
        sqs,
        inbox,
    }
}

impl Alerting {
    /// Every SNS notification delivered to the inbox so far.
    async fn delivered(&self) -> Vec<Value> {
        attest_testing::receive_all(&self.sqs, &self.inbox, true)
            .await
            .into_iter()
            .map(|m| serde_json::from_str(&m.body.expect("a body")).expect("an SNS notification"))
            .collect()
    }

    async fn transitions_recorded(&self) -> Vec<(String, String, String)> {
        let items = self.stack.scan(&self.config.transitions_table).await;
        let mut rows: Vec<_> = items
            .iter()
            .map(|item| {
                let text = |k: &str| {
                    item.get(k)
                        .and_then(|v| v.as_s().ok())
                        .cloned()
                        .unwrap_or_default()
                };
                (text("pk"), text("status"), text("message_id"))
            })
            .collect();
        rows.sort();
        rows
    }
}

#[tokio::test]
async fn fail_redelivered_unchanged_pass_publishes_fail_and_resolve_once_each() {
    let a = alerting().await;
    let fail = record(
        "100",
        image("COMPLIANT", "aa"),
        image("NON_COMPLIANT", "bb"),
    );
    let deliveries = [
        batch(vec![fail.clone()]),
        // The same record again (a retried batch).
        batch(vec![fail]),
        batch(vec![record(
            "200",
            image("NON_COMPLIANT", "bb"),
            image("NON_COMPLIANT", "cc"),
        )]),
        batch(vec![record(
            "300",
            image("NON_COMPLIANT", "cc"),
            image("COMPLIANT", "dd"),
        )]),
    ];
    let mut outcomes = Vec::new();
    for event in deliveries {
        let summary = handle_batch(&a.alert, event).await;
        assert!(
            summary.response.batch_item_failures.is_empty(),
            "{:?}",
            summary.outcomes
        );
        outcomes.extend(summary.outcomes);
    }
    let kinds: Vec<&str> = outcomes
        .iter()
        .map(|o| match o {
            RecordOutcome::Published { change, .. } if change == "FAILED" => "published failed",
            RecordOutcome::Published { .. } => "published resolved",
            RecordOutcome::AlreadySent { .. } => "already sent",
            RecordOutcome::NoTransition => "nothing",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "published failed",
            "already sent",
            "nothing",
            "published resolved"
        ]
    );

    // Both transitions are recorded as sent, each with its SNS message id.
    let mut published: Vec<(String, String, String)> = outcomes
        .iter()
        .filter_map(|o| match o {
            RecordOutcome::Published {
                transition_id,
                message_id,
                ..
            } => Some((
                transition_id.clone(),
                "SENT".to_string(),
                message_id.clone(),
            )),
            _ => None,
        })
        .collect();
    published.sort();
    assert_eq!(a.transitions_recorded().await, published);

    // A subscriber got exactly those two messages, in order, each with its `sqs` body and the
    // attributes filter policies match on.
    let delivered = a.delivered().await;
    assert_eq!(delivered.len(), 2, "{delivered:#?}");
    let mut changes = Vec::new();
    for n in &delivered {
        let message = n["Message"].as_str().expect("a Message");
        let t = transition_from_json_body(message).expect("the sqs body is a transition");
        assert_eq!(t.state_id, STATE);
        let attr = |name: &str| {
            n["MessageAttributes"][name]["Value"]
                .as_str()
                .map(str::to_string)
        };
        assert_eq!(attr("severity").as_deref(), Some("HIGH"));
        assert_eq!(attr("change").as_deref(), Some(t.change.as_str()));
        assert_eq!(attr("standing").as_deref(), Some(t.to.as_str()));
        assert_eq!(attr("account").as_deref(), Some("123456789012"));
        let frameworks: Vec<String> =
            serde_json::from_str(&attr("framework").expect("a framework attribute"))
                .expect("a String.Array");
        assert_eq!(frameworks, ["PCI-DSS-3.2.1", "SOC2"]);
        assert!(published
            .iter()
            .any(|(id, _, mid)| id == &t.id && mid == n["MessageId"].as_str().unwrap_or_default()));
        changes.push(t.change);
    }
    assert_eq!(changes, [Change::Failed, Change::Resolved]);
}

#[tokio::test]
async fn a_malformed_image_is_reported_failed_and_nothing_after_it_is_published() {
    let a = alerting().await;
    let mut broken = image("NON_COMPLIANT", "bb");
    broken
        .as_object_mut()
        .expect("an image is an object")
        .remove("standing");
    let summary = handle_batch(
        &a.alert,
        batch(vec![
            record("100", image("COMPLIANT", "aa"), broken),
            record(
                "200",
                image("COMPLIANT", "aa"),
                image("NON_COMPLIANT", "cc"),
            ),
        ]),
    )
    .await;
    let failed: Vec<_> = summary
        .response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(failed, [Some("100".to_string())]);
    assert!(summary.outcomes.is_empty(), "{:?}", summary.outcomes);
    assert!(a.transitions_recorded().await.is_empty());
    assert!(a.delivered().await.is_empty());
}
