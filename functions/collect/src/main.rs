//! Lambda entry point: configuration, catalogues, clients and identity once per cold start.

use attest_collect::{build, handle, CollectConfig, CollectEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = CollectConfig::from_env()?;
    let sdk = attest_aws::load_sdk_config().await;
    let collection = build(&sdk, &config).await?;
    tracing::info!(controls = collection.catalogue.len(), identity = %collection.identity.arn, "collect ready");
    let collection = &collection;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<CollectEvent>| async move {
            let invocation = event.context.request_id.clone();
            handle(collection, event.payload, &invocation)
                .await
                .map_err(Error::from)
        },
    ))
    .await
}
