//! Adapters between the Attest domain and AWS. Each holds an SDK client built once per cold start;
//! none decides anything about compliance (that is `attest-domain`'s job).

pub mod delivery_store;
mod dynamo;
pub mod error;
pub mod evidence_store;
pub mod items;
#[cfg(feature = "kms")]
pub mod kms_signer;
#[cfg(feature = "remediation")]
pub mod remediation_targets;
pub mod report_run_store;
pub mod run_store;
#[cfg(feature = "secretsmanager")]
pub mod secrets;
pub mod settings;
pub mod state_store;
#[cfg(feature = "sns")]
pub mod topic;
pub mod transition_store;

pub use delivery_store::{DeliveryRecord, DeliveryStatus, DeliveryStore, PendingRemediation};
pub use error::AdapterError;
pub use evidence_store::{EvidenceStore, ObjectHead, StoredEvidence, StoredObject};
#[cfg(feature = "kms")]
pub use kms_signer::{KmsAnswer, KmsSigner};
#[cfg(feature = "remediation")]
pub use remediation_targets::RemediationTargets;
pub use report_run_store::ReportRunStore;
pub use run_store::{Claim, RunStore};
pub use state_store::{HistoryOutcome, StateOutcome, StateStore};
#[cfg(feature = "sns")]
pub use topic::Topic;
pub use transition_store::{TransitionClaim, TransitionRecord, TransitionStore};

/// Load the shared SDK configuration from the environment (region, credentials, and
/// `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` endpoint overrides).
pub async fn load_sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await
}
