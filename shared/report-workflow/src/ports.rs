//! What the report run needs from the outside world, as small traits. `adapters.rs` implements them
//! for the `attest-aws` stores; the unit tests implement them in memory.
//!
//! Methods return `impl Future + Send` (implementations may write `async fn`), so a run can be
//! driven from any Tokio worker.

use std::future::Future;

use attest_aws::{AdapterError, KmsAnswer, ObjectHead, StoredObject};
use attest_domain::collection::RunRecord;
use attest_domain::records::{CurrentStateRow, HistoryRow};
use attest_domain::timestamp::Timestamp;
use attest_reports::request::ReportRun;

/// The evidence bucket: evidence is read from it, report bundles are written to it (Object Lock).
pub trait Objects: Sync {
    /// Write `bytes` at `key` once; an existing object with the same SHA-256 is kept, a different
    /// one is an error. Returns the object's version id.
    fn put_once(
        &self,
        key: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> impl Future<Output = Result<Option<String>, AdapterError>> + Send;

    /// Version id and recorded SHA-256 of the latest version, or `None` when there is no such key.
    fn head(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<ObjectHead>, AdapterError>> + Send;

    /// The bytes of one version (the latest when `version_id` is `None`); absent is an error.
    fn get(
        &self,
        key: &str,
        version_id: Option<&str>,
    ) -> impl Future<Output = Result<Vec<u8>, AdapterError>> + Send;

    /// SHA-256 (lower-case hex) of one version's bytes (the latest when `version_id` is `None`),
    /// without holding them; absent is an error.
    fn sha256_of(
        &self,
        key: &str,
        version_id: Option<&str>,
    ) -> impl Future<Output = Result<String, AdapterError>> + Send;

    /// One version's bytes with its version id (the latest when `version_id` is `None`), or `None`
    /// when the key or version does not exist.
    fn read(
        &self,
        key: &str,
        version_id: Option<&str>,
    ) -> impl Future<Output = Result<Option<StoredObject>, AdapterError>> + Send;

    /// Every version id stored under exactly `key` (none when there is no such key).
    fn version_ids(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Vec<String>, AdapterError>> + Send;

    /// The bytes of one version, or `None` when the key or version does not exist.
    fn get_if_present(
        &self,
        key: &str,
        version_id: Option<&str>,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, AdapterError>> + Send;
}

/// Intake's history: every evaluation, by framework and day.
pub trait History: Sync {
    /// Rows bearing on `framework` observed on `date` (`YYYY-MM-DD`).
    fn framework_history_on(
        &self,
        framework: &str,
        date: &str,
    ) -> impl Future<Output = Result<Vec<HistoryRow>, AdapterError>> + Send;

    /// Current state rows bearing on `framework`: where a framework's first report finds the
    /// states in scope.
    fn framework_state(
        &self,
        framework: &str,
    ) -> impl Future<Output = Result<Vec<CurrentStateRow>, AdapterError>> + Send;

    /// The latest history row of one state observed before `before`, if any.
    fn latest_before(
        &self,
        state_id: &str,
        before: &Timestamp,
    ) -> impl Future<Output = Result<Option<HistoryRow>, AdapterError>> + Send;
}

/// Scheduled collections' run records.
pub trait Collections: Sync {
    /// Every run record of one collection control.
    fn runs_of(
        &self,
        control: &str,
    ) -> impl Future<Output = Result<Vec<RunRecord>, AdapterError>> + Send;
}

/// Report run records.
pub trait ReportRuns: Sync {
    fn get(
        &self,
        pk: &str,
        sk: &str,
    ) -> impl Future<Output = Result<Option<ReportRun>, AdapterError>> + Send;

    /// Every run record of one framework (`pk`), in sort-key order (period start first).
    fn runs_of(
        &self,
        pk: &str,
    ) -> impl Future<Output = Result<Vec<ReportRun>, AdapterError>> + Send;

    /// Record a new run: `Ok(false)` when a run with its key exists already.
    fn create(&self, run: &ReportRun) -> impl Future<Output = Result<bool, AdapterError>> + Send;

    /// Replace the run if it still names the snapshot it was created with and is not PUBLISHED
    /// (a published run never changes state): `Ok(false)` otherwise.
    fn replace(&self, run: &ReportRun) -> impl Future<Output = Result<bool, AdapterError>> + Send;
}

/// The manifest signing key. Both answers name the key by ARN (as KMS does), whatever id or
/// alias the signer was configured with: that ARN is what the manifest records.
pub trait Signer: Sync {
    /// DER ECDSA P-256 signature over a SHA-256 digest.
    fn sign_digest(
        &self,
        digest: &[u8; 32],
    ) -> impl Future<Output = Result<KmsAnswer, AdapterError>> + Send;

    /// The public key, DER SubjectPublicKeyInfo.
    fn public_key(&self) -> impl Future<Output = Result<KmsAnswer, AdapterError>> + Send;
}

/// The five ports one workflow runs over, named once (`adapters::AwsPorts`, the tests' own).
pub trait Ports {
    type Objects: Objects;
    type History: History;
    type Collections: Collections;
    type ReportRuns: ReportRuns;
    type Signer: Signer;
}
