//! Lambda entry point: build configuration, catalogue and clients once, then serve SQS batches.

use attest_domain::Catalogue;
use attest_intake::{build, handle_batch, IntakeConfig};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};

// Intake builds two DynamoDB items of ~30 attributes per finding, each attribute two small strings;
// mimalloc serves those faster than glibc and keeps peak memory near glibc's (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // Honours AWS_LAMBDA_LOG_FORMAT=JSON and AWS_LAMBDA_LOG_LEVEL set by the SAM template.
    lambda_runtime::tracing::init_default_subscriber();
    let config = IntakeConfig::from_env()?;
    let catalogue = Catalogue::embedded()?;
    let sdk = attest_aws::load_sdk_config().await;
    let intake = build(&sdk, &config, catalogue);
    tracing::info!(
        catalogue_version = intake.catalogue.version(),
        security_hub_allowed_products = config.security_hub_allowed_products.len(),
        max_future_skew_seconds = config.max_future_skew_seconds,
        "intake ready"
    );

    let intake = &intake;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(handle_batch(intake, event.payload).await)
    }))
    .await
}
