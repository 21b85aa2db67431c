//! Lambda entry point: configuration, catalogues and clients once per cold start.

use attest_report::{build, handle, ReportConfig};
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // Honours AWS_LAMBDA_LOG_FORMAT=JSON and AWS_LAMBDA_LOG_LEVEL set by the SAM template.
    lambda_runtime::tracing::init_default_subscriber();
    let config = ReportConfig::from_env()?;
    let sdk = attest_aws::load_sdk_config().await;
    let workflow = build(&sdk, &config)?;
    tracing::info!(
        catalogue_version = workflow.catalogue.version(),
        template_version = %attest_reports::render::template_version(),
        "report ready"
    );
    let workflow = &workflow;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            handle(workflow, event.payload).await.map_err(Error::from)
        },
    ))
    .await
}
