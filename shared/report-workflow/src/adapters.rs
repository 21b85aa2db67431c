//! The ports implemented by the `attest-aws` stores: glue only.

use attest_aws::{
    AdapterError, EvidenceStore, KmsAnswer, KmsSigner, ObjectHead, ReportRunStore, RunStore,
    StateStore, StoredObject,
};
use attest_domain::collection::RunRecord;
use attest_domain::records::{CurrentStateRow, HistoryRow};
use attest_domain::timestamp::Timestamp;
use attest_reports::request::ReportRun;

use crate::ports::{Collections, History, Objects, Ports, ReportRuns, Signer};

impl Objects for EvidenceStore {
    async fn put_once(
        &self,
        key: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<Option<String>, AdapterError> {
        Ok(EvidenceStore::put_once(self, key, bytes, media_type)
            .await?
            .version_id)
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectHead>, AdapterError> {
        EvidenceStore::head(self, key).await
    }

    async fn get(&self, key: &str, version_id: Option<&str>) -> Result<Vec<u8>, AdapterError> {
        self.get_version(key, version_id).await
    }

    async fn sha256_of(&self, key: &str, version_id: Option<&str>) -> Result<String, AdapterError> {
        EvidenceStore::sha256_of(self, key, version_id).await
    }

    async fn read(
        &self,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Option<StoredObject>, AdapterError> {
        EvidenceStore::read(self, key, version_id).await
    }

    async fn version_ids(&self, key: &str) -> Result<Vec<String>, AdapterError> {
        EvidenceStore::version_ids(self, key).await
    }

    async fn get_if_present(
        &self,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Option<Vec<u8>>, AdapterError> {
        EvidenceStore::get_if_present(self, key, version_id).await
    }
}

impl History for StateStore {
    async fn framework_history_on(
        &self,
        framework: &str,
        date: &str,
    ) -> Result<Vec<HistoryRow>, AdapterError> {
        StateStore::framework_history_on(self, framework, date).await
    }

    async fn framework_state(&self, framework: &str) -> Result<Vec<CurrentStateRow>, AdapterError> {
        StateStore::framework_state(self, framework, None).await
    }

    async fn latest_before(
        &self,
        state_id: &str,
        before: &Timestamp,
    ) -> Result<Option<HistoryRow>, AdapterError> {
        StateStore::latest_before(self, state_id, before).await
    }
}

impl Collections for RunStore {
    async fn runs_of(&self, control: &str) -> Result<Vec<RunRecord>, AdapterError> {
        RunStore::runs_of(self, control).await
    }
}

impl ReportRuns for ReportRunStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<ReportRun>, AdapterError> {
        ReportRunStore::get(self, pk, sk).await
    }

    async fn runs_of(&self, pk: &str) -> Result<Vec<ReportRun>, AdapterError> {
        ReportRunStore::runs_of(self, pk).await
    }

    async fn create(&self, run: &ReportRun) -> Result<bool, AdapterError> {
        ReportRunStore::create(self, run).await
    }

    async fn replace(&self, run: &ReportRun) -> Result<bool, AdapterError> {
        ReportRunStore::replace(self, run, &run.snapshot_sha256).await
    }
}

impl Signer for KmsSigner {
    async fn sign_digest(&self, digest: &[u8; 32]) -> Result<KmsAnswer, AdapterError> {
        KmsSigner::sign_digest(self, digest).await
    }

    async fn public_key(&self) -> Result<KmsAnswer, AdapterError> {
        KmsSigner::public_key(self).await
    }
}

/// The `attest-aws` stores as the workflow's ports.
pub struct AwsPorts;

impl Ports for AwsPorts {
    type Objects = EvidenceStore;
    type History = StateStore;
    type Collections = RunStore;
    type ReportRuns = ReportRunStore;
    type Signer = KmsSigner;
}

/// The report run wired to AWS: what the report function and `attest report` run.
pub type AwsReportWorkflow = crate::ReportWorkflow<AwsPorts>;
