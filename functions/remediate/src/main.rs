//! Lambda entry point: build configuration and clients once, then serve SQS batches.

// The SDK clients' futures nest deeper than the default limit of 128 when the layout of `main` is computed.
#![recursion_limit = "256"]

use attest_remediate::{build, handle_batch, RemediateConfig};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // Honours AWS_LAMBDA_LOG_FORMAT=JSON and AWS_LAMBDA_LOG_LEVEL set by the SAM template.
    lambda_runtime::tracing::init_default_subscriber();
    let config = RemediateConfig::from_env()?;
    let sdk = attest_aws::load_sdk_config().await;
    let remediate = build(&sdk, &config);
    tracing::info!(rules = ?config.rules, daily_cap = config.daily_cap, "remediate ready");

    let remediate = &remediate;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(handle_batch(remediate, event.payload).await.response)
    }))
    .await
}
