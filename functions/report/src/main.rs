//! Lambda entry point: configuration, catalogues and clients once per cold start.

use attest_aws::reporting::{ReportConfig, ReportPublisher};
use attest_report::handle;
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = ReportConfig::from_env()?;
    let sdk = attest_aws::load_sdk_config().await;
    let publisher = ReportPublisher::build(&sdk, &config)?;
    tracing::info!(
        catalogue_version = publisher.catalogue.version(),
        template_version = %attest_reports::render::template_version(),
        "report ready"
    );
    let publisher = &publisher;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            handle(publisher, event.payload).await.map_err(Error::from)
        },
    ))
    .await
}
