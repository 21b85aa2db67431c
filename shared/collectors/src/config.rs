//! Configuration of the collect function and `attest collect`, from the environment.

use std::time::Duration;

use attest_aws::settings::{bounded, required, SettingError};
use attest_aws::{EvidenceStore, RunStore};
use attest_domain::collection::run::ControlDefinitionRow;
use attest_domain::collection::ControlCatalogue;
use attest_domain::Catalogue;

use crate::engine::{Collection, EngineError, Identity, Policy};
use crate::registry::Registry;

#[derive(Debug, Clone, PartialEq)]
pub struct CollectConfig {
    /// `ATTEST_EVIDENCE_BUCKET`
    pub evidence_bucket: String,
    /// `ATTEST_EVIDENCE_KMS_KEY_ID`
    pub evidence_kms_key_id: String,
    /// `ATTEST_RUNS_TABLE`
    pub runs_table: String,
    /// `ATTEST_COLLECT_CONCURRENCY` (1-32, default 4), `ATTEST_COLLECT_ATTEMPTS` (1-10, default 3),
    /// `ATTEST_COLLECT_LEASE_SECONDS` (60-3600, default 900).
    pub policy: Policy,
}

impl CollectConfig {
    pub fn from_env() -> Result<Self, SettingError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        let policy = Policy {
            concurrency: bounded(&get, "ATTEST_COLLECT_CONCURRENCY", 4, 1, 32)? as usize,
            attempts: bounded(&get, "ATTEST_COLLECT_ATTEMPTS", 3, 1, 10)? as usize,
            lease: Duration::from_secs(bounded(
                &get,
                "ATTEST_COLLECT_LEASE_SECONDS",
                900,
                60,
                3600,
            )?),
            ..Policy::default()
        };
        Ok(CollectConfig {
            evidence_bucket: required(&get, "ATTEST_EVIDENCE_BUCKET")?,
            evidence_kms_key_id: required(&get, "ATTEST_EVIDENCE_KMS_KEY_ID")?,
            runs_table: required(&get, "ATTEST_RUNS_TABLE")?,
            policy,
        })
    }
}

/// Everything a cold start builds: the embedded catalogues checked against the registered collectors,
/// clients, and the caller identity.
pub async fn build(
    sdk: &aws_config::SdkConfig,
    config: &CollectConfig,
    registry: Registry,
) -> Result<Collection, EngineError> {
    build_with(
        sdk,
        config,
        registry,
        include_str!("../../../catalogue/controls.json"),
    )
    .await
}

/// Like [`build`], with the collection catalogue given as JSON text.
pub async fn build_with(
    sdk: &aws_config::SdkConfig,
    config: &CollectConfig,
    registry: Registry,
    controls_json: &str,
) -> Result<Collection, EngineError> {
    let frameworks = Catalogue::embedded()?;
    let ids = registry.ids();
    let catalogue = ControlCatalogue::from_json(
        controls_json,
        |f| frameworks.frameworks().any(|x| x.framework == f),
        &ids,
    )?;
    registry.check(&catalogue)?;
    let runs = RunStore::new(aws_sdk_dynamodb::Client::new(sdk), &config.runs_table);
    // The catalogue as deployed goes into the runs table on the first start of each version.
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
        identity: Identity::from_sts(sdk).await?,
        policy: config.policy.clone(),
    })
}
