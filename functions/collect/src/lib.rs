//! Collect Lambda: EventBridge Scheduler (one schedule per catalogue control) or an operator invokes
//! it with the control(s) to collect and either the scheduled time or an explicit period.
//!
//! Thin by design: [`config`] lists the variables it reads, [`handler`] turns an event into runs of
//! the collect use case (`shared/collect-workflow`), and [`build`] wires that use case to the AWS
//! adapters and collectors once per cold start. `attest collect` calls the same [`build`].

pub mod config;
pub mod handler;

use attest_aws::{EvidenceStore, RunStore};
use attest_collect_workflow::adapters::{caller_identity, SystemClock};
use attest_collect_workflow::{Collection, CollectionError, Registry};
use attest_domain::collection::run::ControlDefinitionRow;
use attest_domain::collection::ControlCatalogue;
use attest_domain::Catalogue;

pub use attest_collect_workflow::RunOutcome;
pub use config::{CollectConfig, ConfigError};
pub use handler::{handle, CollectError, CollectEvent, CollectResponse, RunSummary};

/// The collect use case over DynamoDB, S3 and the system clock.
pub type AwsCollection = Collection<RunStore, EvidenceStore, SystemClock>;

/// The shipped catalogue (`catalogue/controls.json`) with the AWS collectors: what the function
/// and `attest collect` run.
pub async fn build(
    sdk: &aws_config::SdkConfig,
    config: &CollectConfig,
) -> Result<AwsCollection, CollectionError> {
    build_with(
        sdk,
        config,
        attest_collectors::aws_registry(sdk),
        include_str!("../../../catalogue/controls.json"),
    )
    .await
}

/// Like [`build`], with the collectors and the collection catalogue (JSON text) given: the
/// catalogue is checked against the frameworks and the registered collectors, the caller identity
/// read, and the catalogue as deployed recorded in the runs table (once per version).
pub async fn build_with(
    sdk: &aws_config::SdkConfig,
    config: &CollectConfig,
    registry: Registry,
    controls_json: &str,
) -> Result<AwsCollection, CollectionError> {
    let frameworks = Catalogue::embedded()?;
    let ids = registry.ids();
    let catalogue = ControlCatalogue::from_json(
        controls_json,
        |f| frameworks.frameworks().any(|x| x.framework == f),
        &ids,
    )?;
    registry.check(&catalogue)?;
    let runs = RunStore::new(aws_sdk_dynamodb::Client::new(sdk), &config.runs_table);
    let definitions: Vec<_> = catalogue
        .entries()
        .map(|e| ControlDefinitionRow::new(&e.control, catalogue.version()))
        .collect();
    runs.record_definitions(&definitions).await?;
    Ok(Collection {
        catalogue,
        registry,
        runs,
        evidence: EvidenceStore::new(
            aws_sdk_s3::Client::new(sdk),
            &config.evidence_bucket,
            &config.evidence_kms_key_id,
        ),
        clock: SystemClock,
        identity: caller_identity(sdk).await?,
        policy: config.policy.clone(),
    })
}
