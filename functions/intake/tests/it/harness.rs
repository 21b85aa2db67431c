//! Intake-specific helpers over the shared local-AWS harness (`attest-testing`).

use attest_domain::Catalogue;
use attest_intake::{build, AwsIntake, IntakeConfig};
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};

pub use attest_testing::event_bytes;

pub struct Stack {
    pub inner: attest_testing::Stack,
    pub config: IntakeConfig,
}

impl Stack {
    pub async fn new() -> Stack {
        let inner = attest_testing::Stack::new().await;
        let config = IntakeConfig::from_lookup(inner.env("IntakeFunction"))
            .expect("the template's environment is a valid intake configuration");
        Stack { inner, config }
    }

    pub fn intake(&self) -> AwsIntake {
        build(
            &self.inner.sdk,
            &self.config,
            Catalogue::embedded().expect("catalogue"),
        )
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::new(&self.inner.sdk)
    }
}

/// An SQS batch as the Lambda service delivers it, one message per body.
pub fn sqs_batch(bodies: &[(&str, Vec<u8>)]) -> SqsEvent {
    let mut event = SqsEvent::default();
    for (id, body) in bodies {
        let mut m = SqsMessage::default();
        m.message_id = Some(id.to_string());
        m.body = Some(String::from_utf8_lossy(body).into_owned());
        event.records.push(m);
    }
    event
}

/// Edit a sample event as JSON.
pub fn edited(name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(&event_bytes(name)).unwrap();
    edit(&mut v);
    serde_json::to_vec(&v).unwrap()
}
