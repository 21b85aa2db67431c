//! Lambda entry point: build configuration and clients once, then serve stream batches.

// The SDK clients' futures nest deeper than the default limit of 128 when the layout of `main` is computed.
#![recursion_limit = "256"]

use attest_alert::{build, handle_batch, AlertConfig};
use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // Honours AWS_LAMBDA_LOG_FORMAT=JSON and AWS_LAMBDA_LOG_LEVEL set by the SAM template.
    lambda_runtime::tracing::init_default_subscriber();
    let config = AlertConfig::from_env()?;
    let sdk = attest_aws::load_sdk_config().await;
    let alert = build(&sdk, &config);
    tracing::info!(topic = %config.alerts_topic_arn, "alert ready");

    let alert = &alert;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| async move {
        Ok::<DynamoDbEventResponse, Error>(handle_batch(alert, event.payload).await.response)
    }))
    .await
}
