//! Lambda entry point: read configuration and secrets and build clients once, then serve SQS
//! batches.

// The SDK clients' futures nest deeper than the default limit of 128 when the layout of `main` is computed.
#![recursion_limit = "256"]

use attest_notify::{build, handle_batch, NotifyConfig};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // Honours AWS_LAMBDA_LOG_FORMAT=JSON and AWS_LAMBDA_LOG_LEVEL set by the SAM template.
    lambda_runtime::tracing::init_default_subscriber();
    let config = NotifyConfig::from_env()?;
    let sdk = attest_aws::load_sdk_config().await;
    let notify = build(&sdk, &config).await?;
    tracing::info!(channels = ?notify.channels, "notify ready");

    let notify = &notify;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(handle_batch(notify, event.payload).await.response)
    }))
    .await
}
