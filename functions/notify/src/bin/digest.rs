//! Digest Lambda entry point: read configuration and the Slack secret and build clients once, then
//! serve scheduled digest requests.

// The SDK clients' futures nest deeper than the default limit of 128 when the layout of `main` is computed.
#![recursion_limit = "256"]

use attest_notify::{build_digest, handle_digest, DigestConfig, DigestRequest};
use attest_notify_workflow::digest::DigestOutcome;
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // Honours AWS_LAMBDA_LOG_FORMAT=JSON and AWS_LAMBDA_LOG_LEVEL set by the SAM template.
    lambda_runtime::tracing::init_default_subscriber();
    let config = DigestConfig::from_env()?;
    let sdk = attest_aws::load_sdk_config().await;
    let digest = build_digest(&sdk, &config).await?;
    tracing::info!(slack = ?digest.slack, "digest ready");

    let digest = &digest;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<DigestRequest>| async move {
            Ok::<DigestOutcome, Error>(handle_digest(digest, event.payload).await?)
        },
    ))
    .await
}
