use attest_alert::{AlertConfig, AwsAlert};
use attest_alerts::envelope::transition_from_json_body;
use attest_alerts::{pagerduty_event, slack_message, PagerDutyAction, Transition};
use attest_notify::{build, handle_batch, AwsNotify, NotifyConfig, StartError};
use attest_notify_workflow::ChannelOutcome;
use attest_testing::receiver::Receiver;
use attest_testing::streams::{state_image, stream_record};
use aws_lambda_events::event::sqs::SqsEvent;
use serde_json::{json, Value};

/// A PagerDuty routing key's shape (32 characters).
const ROUTING_KEY: &str = "R0UT1NGKEY0000000000000000000001";
const SLACK_PATH: &str = "/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX";

static NEXT_SECRET: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub async fn secret(sdk: &aws_config::SdkConfig, name: &str, value: &str) -> String {
    let n = NEXT_SECRET.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    aws_sdk_secretsmanager::Client::new(sdk)
        .create_secret()
        .name(format!("attest-it-{}-{n}-{name}", std::process::id()))
        .secret_string(value)
        .send()
        .await
        .expect("create a secret")
        .arn
        .expect("a secret arn")
}

struct Notifying {
    stack: attest_testing::Stack,
    alert: AwsAlert,
    notify: AwsNotify,
    sqs: aws_sdk_sqs::Client,
    queue: String,
    slack: Receiver,
    pagerduty: Receiver,
}

async fn notifying() -> Notifying {
    let slack = Receiver::start(SLACK_PATH, 200, "ok");
    let pagerduty = Receiver::start(
        "/v2/enqueue",
        202,
        r#"{"status":"success","message":"Event processed","dedup_key":"k"}"#,
    );
    let sdk = attest_testing::sdk_config().await;
    let slack_secret = secret(&sdk, "slack", &slack.url).await;
    let pagerduty_secret = secret(&sdk, "pagerduty", ROUTING_KEY).await;
    let stack = attest_testing::Stack::with_parameters(&[
        ("SlackWebhookSecretArn", &slack_secret),
        ("PagerDutyRoutingKeySecretArn", &pagerduty_secret),
        ("SlackMinSeverity", "MEDIUM"),
    ])
    .await;
    let env = stack.env("NotifyFunction");
    // The one setting a deployment never changes: where PagerDuty's API is.
    let events_url = pagerduty.url.clone();
    let config = NotifyConfig::from_lookup(move |k| match k {
        "ATTEST_PAGERDUTY_EVENTS_URL" => Some(events_url.clone()),
        _ => env(k),
    })
    .expect("the template's environment is a valid notify configuration");
    assert_eq!(
        config.slack_webhook_secret_arn.as_deref(),
        Some(slack_secret.as_str())
    );
    let notify = build(&stack.sdk, &config)
        .await
        .expect("the secrets are read");
    let alert_config = AlertConfig::from_lookup(stack.env("AlertFunction"))
        .expect("the template's environment is a valid alert configuration");
    let alert = attest_alert::build(&stack.sdk, &alert_config);
    let queue = stack.attribute("NotifyQueue", "url");
    Notifying {
        sqs: aws_sdk_sqs::Client::new(&stack.sdk),
        stack,
        alert,
        notify,
        queue,
        slack,
        pagerduty,
    }
}

impl Notifying {
    /// The alert function handles one stream record.
    async fn state_changes(&self, seq: &str, old: Value, new: Value) {
        let event = serde_json::from_value(json!({ "Records": [stream_record(seq, old, new)] }))
            .expect("a stream event");
        let summary = attest_alert::handle_batch(&self.alert, event).await;
        assert!(summary.response.batch_item_failures.is_empty());
    }

    /// What the notify queue holds now, as the SQS event Lambda would hand the function.
    async fn queued(&self) -> SqsEvent {
        let records: Vec<Value> = attest_testing::receive_all(&self.sqs, &self.queue, false)
            .await
            .into_iter()
            .map(|m| {
                json!({
                    "messageId": m.message_id, "receiptHandle": m.receipt_handle,
                    "body": m.body, "attributes": {}, "messageAttributes": {},
                    "md5OfBody": m.md5_of_body, "eventSource": "aws:sqs",
                    "eventSourceARN": self.stack.attribute("NotifyQueue", "Arn"),
                    "awsRegion": "us-east-1",
                })
            })
            .collect();
        serde_json::from_value(json!({ "Records": records })).expect("an SQS event")
    }

    /// Delivery records in the transitions table: (pk, status, http_status).
    async fn deliveries(&self) -> Vec<(String, String, String)> {
        let items = self.stack.scan(&self.stack.name("TransitionsTable")).await;
        let mut rows: Vec<_> = items
            .iter()
            .filter_map(|item| {
                let pk = item.get("pk")?.as_s().ok()?;
                let text = |k: &str| {
                    item.get(k)
                        .and_then(|v| v.as_s().or(v.as_n()).ok())
                        .cloned()
                        .unwrap_or_default()
                };
                pk.starts_with("DELIVERY#")
                    .then(|| (pk.clone(), text("status"), text("http_status")))
            })
            .collect();
        rows.sort();
        rows
    }
}

fn transition_of(event: &SqsEvent) -> Transition {
    let body = event.records[0].body.as_deref().expect("a body");
    transition_from_json_body(body).expect("the queued body is a transition")
}

fn outcomes(summary: &attest_notify::BatchSummary) -> Vec<Vec<ChannelOutcome>> {
    summary
        .outcomes
        .iter()
        .map(|o| o.channels.clone())
        .collect()
}

const SLACK_SENT: ChannelOutcome = ChannelOutcome::Sent {
    channel: "slack",
    http_status: 200,
};
const PAGERDUTY_SENT: ChannelOutcome = ChannelOutcome::Sent {
    channel: "pagerduty",
    http_status: 202,
};

#[tokio::test]
async fn fail_redelivered_unchanged_alarm_then_pass_reach_slack_and_pagerduty_once_each() {
    let n = notifying().await;

    // A failure: one message queued, posted once to each receiver, exactly as rendered.
    n.state_changes(
        "100",
        state_image("COMPLIANT", "aa"),
        state_image("NON_COMPLIANT", "bb"),
    )
    .await;
    let failed = n.queued().await;
    assert_eq!(failed.records.len(), 1);
    let t = transition_of(&failed);
    let summary = handle_batch(&n.notify, failed.clone()).await;
    assert!(summary.response.batch_item_failures.is_empty());
    assert_eq!(outcomes(&summary), [vec![SLACK_SENT, PAGERDUTY_SENT]]);
    let slack = n.slack.requests();
    assert_eq!(slack.len(), 1);
    assert_eq!(slack[0].method, "POST");
    assert_eq!(slack[0].path, SLACK_PATH);
    assert_eq!(slack[0].header("content-type"), Some("application/json"));
    assert_eq!(slack[0].json(), slack_message(&t));
    assert_eq!(
        n.pagerduty.bodies(),
        [pagerduty_event(&t, ROUTING_KEY, PagerDutyAction::Trigger)]
    );

    // The same message again (SQS redelivers after a lost delete): nothing posted.
    let again = handle_batch(&n.notify, failed).await;
    assert_eq!(
        outcomes(&again),
        [vec![
            ChannelOutcome::AlreadyRecorded { channel: "slack" },
            ChannelOutcome::AlreadyRecorded {
                channel: "pagerduty"
            },
        ]]
    );

    // An unchanged evaluation publishes nothing, and an alarm on the shared topic is filtered
    // out by the subscription: the queue stays empty.
    n.state_changes(
        "200",
        state_image("NON_COMPLIANT", "bb"),
        state_image("NON_COMPLIANT", "cc"),
    )
    .await;
    aws_sdk_sns::Client::new(&n.stack.sdk)
        .publish()
        .topic_arn(n.stack.attribute("AlertsTopic", "Arn"))
        .subject("ALARM: \"IntakeDeadLetterAlarm\"")
        .message(r#"{"AlarmName":"IntakeDeadLetterAlarm","NewStateValue":"ALARM"}"#)
        .send()
        .await
        .expect("publish an alarm");
    assert!(n.queued().await.records.is_empty());

    // The pass: Slack answers 500 the first time; PagerDuty resolves; the message is reported
    // failed, and its retry posts to Slack only.
    n.state_changes(
        "300",
        state_image("NON_COMPLIANT", "cc"),
        state_image("COMPLIANT", "dd"),
    )
    .await;
    let resolved = n.queued().await;
    let r = transition_of(&resolved);
    n.slack.answer_next(500, "rollup_error");
    let first = handle_batch(&n.notify, resolved.clone()).await;
    let failed_ids: Vec<_> = first
        .response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(
        failed_ids,
        [resolved.records[0].message_id.clone().unwrap_or_default()]
    );
    let retry = handle_batch(&n.notify, resolved).await;
    assert_eq!(
        outcomes(&retry),
        [vec![
            SLACK_SENT,
            ChannelOutcome::AlreadyRecorded {
                channel: "pagerduty"
            }
        ]]
    );
    let slack = n.slack.bodies();
    assert_eq!(
        slack.len(),
        3,
        "the failure, the refused resolve, the resolve"
    );
    assert_eq!(slack[1], slack[2]);
    assert_eq!(slack[2], slack_message(&r));
    assert_eq!(
        n.pagerduty.bodies(),
        [
            pagerduty_event(&t, ROUTING_KEY, PagerDutyAction::Trigger),
            pagerduty_event(&r, ROUTING_KEY, PagerDutyAction::Resolve),
        ]
    );
    assert_eq!(
        n.pagerduty.bodies()[0]["dedup_key"],
        n.pagerduty.bodies()[1]["dedup_key"],
        "the resolve closes the incident the failure opened"
    );

    // Each channel's delivery of each transition is recorded once, with the receiver's status.
    let mut expected = vec![
        (
            format!("DELIVERY#pagerduty#{}", t.id),
            "SENT".into(),
            "202".into(),
        ),
        (
            format!("DELIVERY#pagerduty#{}", r.id),
            "SENT".into(),
            "202".into(),
        ),
        (
            format!("DELIVERY#slack#{}", t.id),
            "SENT".into(),
            "200".into(),
        ),
        (
            format!("DELIVERY#slack#{}", r.id),
            "SENT".into(),
            "200".into(),
        ),
    ];
    expected.sort();
    assert_eq!(n.deliveries().await, expected);
}

#[tokio::test]
async fn a_failure_queued_after_its_resolution_does_not_reopen_the_incident() {
    let n = notifying().await;
    let fail = || {
        (
            state_image("COMPLIANT", "aa"),
            attest_testing::streams::state_image_at(
                "NON_COMPLIANT",
                "bb",
                "CRITICAL",
                "2026-12-01T10:00:00.000Z",
            ),
        )
    };
    let (old, new) = fail();
    n.state_changes("100", old, new).await;
    let failed = n.queued().await;
    n.state_changes(
        "200",
        fail().1,
        attest_testing::streams::state_image_at(
            "COMPLIANT",
            "cc",
            "CRITICAL",
            "2026-12-01T10:05:00.000Z",
        ),
    )
    .await;
    let resolved = n.queued().await;
    // SNS to a standard queue keeps no order: the resolution is handled first.
    let first = handle_batch(&n.notify, resolved).await;
    assert_eq!(outcomes(&first), [vec![SLACK_SENT, PAGERDUTY_SENT]]);
    let late = handle_batch(&n.notify, failed).await;
    assert_eq!(
        outcomes(&late),
        [vec![
            ChannelOutcome::Stale { channel: "slack" },
            ChannelOutcome::Stale {
                channel: "pagerduty"
            }
        ]]
    );
    let actions: Vec<Value> = n
        .pagerduty
        .bodies()
        .iter()
        .map(|b| b["event_action"].clone())
        .collect();
    assert_eq!(actions, [json!("resolve")]);
    assert_eq!(n.slack.requests().len(), 1);
}

#[tokio::test]
async fn a_missing_secret_or_a_clear_text_webhook_stops_the_start_naming_the_secret() {
    let sdk = attest_testing::sdk_config().await;
    let missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:attest-it-none-AbCdEf";
    let config = |slack: &str| {
        let slack = slack.to_string();
        NotifyConfig::from_lookup(move |k| match k {
            "ATTEST_TRANSITIONS_TABLE" => Some("unused".into()),
            "ATTEST_SLACK_WEBHOOK_SECRET_ARN" => Some(slack.clone()),
            _ => None,
        })
        .expect("a configuration")
    };
    let err = build(&sdk, &config(missing)).await.err().expect("an error");
    assert!(matches!(err, StartError::Secret { .. }), "{err}");
    assert!(err.to_string().contains(missing), "{err}");

    let clear = secret(
        &sdk,
        "clear-slack",
        "http://hooks.slack.com/services/T0/B0/secretpart",
    )
    .await;
    let err = build(&sdk, &config(&clear)).await.err().expect("an error");
    assert!(matches!(err, StartError::SlackUrl { .. }), "{err}");
    assert!(err.to_string().contains(&clear), "{err}");
    assert!(!err.to_string().contains("secretpart"), "{err}");
}
