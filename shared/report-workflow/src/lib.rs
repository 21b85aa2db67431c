//! The report run, one step per file:
//!
//! - [`snapshot`]: pin the evidence: each state's standing at the period start (from the previous
//!   published report), late evidence, everything observed in the period and the collected runs,
//!   each object read at its S3 version, checked against its SHA-256 and its verdict derived from it;
//! - evaluation and rendering are pure and live in `attest-reports` (`evaluate`, `render`);
//! - [`publish`]: store the outputs, the manifest, the public key and the manifest's signature;
//! - [`verify`]: read everything back and re-hash it before the run is marked PUBLISHED;
//! - [`fetch`]: download a published bundle for offline verification (`attest fetch`/`verify`).
//!
//! Retries are safe. The run id comes from the request, so a retried invocation finds its own run
//! record: a PUBLISHED run is returned as it is; a SNAPSHOTTED or FAILED one reuses its stored
//! snapshot (never a new one, so the report keeps naming exactly the evidence first pinned), and
//! outputs are deterministic, so re-publishing writes nothing new.

pub mod adapters;
mod error;
pub mod fetch;
pub mod ports;
pub mod publish;
pub mod snapshot;
pub mod verify;

use attest_aws::AdapterError;
use attest_domain::collection::ControlCatalogue;
use attest_domain::Catalogue;
use attest_reports::manifest::{FileEntry, SNAPSHOT_FILE};
use attest_reports::request::{
    report_pk, report_prefix, report_sk, ReportRequest, ReportRun, ReportStatus,
};
use attest_reports::snapshot::{ReportPolicies, Snapshot};
use tracing::{info, instrument, warn};

pub use adapters::AwsReportWorkflow;
pub use error::ReportRunError;
pub use fetch::{download_bundle, FetchError, Pins};

use ports::{Objects, Ports, ReportRuns};

/// Everything a report run needs, built once per cold start.
pub struct ReportWorkflow<P: Ports> {
    /// The evidence bucket; reports are published in it under `reports/` (same Object Lock).
    pub objects: P::Objects,
    pub history: P::History,
    pub collections: P::Collections,
    pub runs: P::ReportRuns,
    pub signer: P::Signer,
    pub catalogue: Catalogue,
    pub controls: ControlCatalogue,
    /// Evidence age limits and audit sample size, recorded in each snapshot.
    pub policy: ReportPolicies,
}

impl<P: Ports> ReportWorkflow<P> {
    /// The workflow over these ports with the catalogues compiled into this build.
    pub fn with_embedded_catalogues(
        objects: P::Objects,
        history: P::History,
        collections: P::Collections,
        runs: P::ReportRuns,
        signer: P::Signer,
    ) -> Result<Self, ReportRunError> {
        let catalogue =
            Catalogue::embedded().map_err(|e| ReportRunError::Catalogue(e.to_string()))?;
        let controls = ControlCatalogue::embedded(
            |f| catalogue.framework(f).is_some(),
            &attest_domain::collection::COLLECTOR_IDS,
        )
        .map_err(|e| ReportRunError::Catalogue(e.to_string()))?;
        Ok(ReportWorkflow {
            objects,
            history,
            collections,
            runs,
            signer,
            catalogue,
            controls,
            policy: ReportPolicies::default(),
        })
    }

    /// The same workflow judging evidence with `policy` (the function's configuration).
    pub fn with_policy(mut self, policy: ReportPolicies) -> Self {
        self.policy = policy;
        self
    }

    pub fn known_frameworks(&self) -> Vec<&str> {
        self.catalogue
            .frameworks()
            .map(|f| f.framework.as_str())
            .collect()
    }

    async fn get_run(&self, request: &ReportRequest) -> Result<Option<ReportRun>, AdapterError> {
        self.runs
            .get(&report_pk(&request.framework), &report_sk(request))
            .await
    }

    /// Run (or resume) the report for `request`, to PUBLISHED or FAILED.
    #[instrument(skip_all, fields(framework = %request.framework, run_id = %request.run_id()))]
    pub async fn run(&self, request: &ReportRequest) -> Result<ReportRun, ReportRunError> {
        // The snapshot travels with the entry of its stored bytes: the manifest hashes exactly what
        // S3 holds.
        let (mut run, (snapshot, snapshot_entry)) = match self.get_run(request).await? {
            Some(run) if run.status == ReportStatus::Published => {
                info!("already published");
                return Ok(run);
            }
            Some(mut run) => {
                let loaded = self.load_snapshot(&run).await?;
                run.attempts += 1;
                (run, stored_entry(loaded))
            }
            None => {
                let snapshot = Box::pin(self.snapshot(request)).await?;
                let bytes = snapshot.to_canonical()?;
                let key = format!("{}{SNAPSHOT_FILE}", report_prefix(request));
                let version_id = self
                    .objects
                    .put_once(&key, &bytes, "application/json")
                    .await?;
                let run = ReportRun {
                    pk: report_pk(&request.framework),
                    sk: report_sk(request),
                    // The run record states what the snapshot states about the run.
                    header: snapshot.header.clone(),
                    framework: request.framework.clone(),
                    trigger: request.trigger.to_string(),
                    status: ReportStatus::Snapshotted,
                    status_sort: format!("{}#{}", request.generated_at, request.framework),
                    attempts: 1,
                    prefix: report_prefix(request),
                    snapshot_key: key,
                    snapshot_sha256: attest_domain::canonical::sha256_hex(&bytes),
                    snapshot_version_id: version_id,
                    evidence_count: snapshot.evidence.len() as u64,
                    manifest_sha256: None,
                    manifest_version_id: None,
                    signature_version_id: None,
                    public_key_version_id: None,
                    merkle_root: None,
                    outputs: Vec::new(),
                    verification: None,
                    error: None,
                };
                if self.runs.create(&run).await? {
                    (run, stored_entry((snapshot, bytes)))
                } else {
                    // A concurrent invocation recorded the run first: continue with its snapshot.
                    let theirs = self.get_run(request).await?.ok_or_else(|| {
                        AdapterError::unexpected_answer(
                            "dynamodb:GetItem",
                            run.sk.clone(),
                            "the report run existed a moment ago and is gone",
                        )
                    })?;
                    let loaded = self.load_snapshot(&theirs).await?;
                    (theirs, stored_entry(loaded))
                }
            }
        };
        info!(evidence = snapshot.evidence.len(), "snapshot pinned");
        let snapshot = std::sync::Arc::new(snapshot);
        let outcome = match Box::pin(self.publish(&mut run, snapshot, snapshot_entry)).await {
            Ok(published) => self.verify(&run, &published).await,
            Err(err) => Err(err),
        };
        match outcome {
            Ok(verification) => {
                run.verification = Some(verification);
                run.status = ReportStatus::Published;
                run.error = None;
                if let Some(stored) = self.record(&run).await? {
                    // A concurrent invocation of the same run published it first: same bytes.
                    if stored.status == ReportStatus::Published {
                        info!("published meanwhile by another invocation");
                        return Ok(stored);
                    }
                    return Err(refused(&run, &stored, None));
                }
                info!(outputs = run.outputs.len(), "published and verified");
                Ok(run)
            }
            Err(err) => {
                warn!(error = %err, "report run failed");
                run.status = ReportStatus::Failed;
                run.error = Some(err.to_string());
                if let ReportRunError::Verification(reason) = &err {
                    run.verification = Some(format!("FAILED: {reason}"));
                }
                if let Some(stored) = self.record(&run).await? {
                    return Err(refused(&run, &stored, Some(err.to_string())));
                }
                Err(err)
            }
        }
    }

    /// Replace the run record; `Ok(Some(stored))` with the record as stored when the store refuses
    /// (it is PUBLISHED already, or names another snapshot).
    async fn record(&self, run: &ReportRun) -> Result<Option<ReportRun>, ReportRunError> {
        if self.runs.replace(run).await? {
            return Ok(None);
        }
        let stored = self.runs.get(&run.pk, &run.sk).await?.ok_or_else(|| {
            AdapterError::unexpected_answer(
                "dynamodb:GetItem",
                run.sk.clone(),
                "the report run existed a moment ago and is gone",
            )
        })?;
        warn!(
            stored = stored.status.as_str(),
            wanted = run.status.as_str(),
            "run record write refused"
        );
        Ok(Some(stored))
    }
}

/// A snapshot with the manifest entry of its stored bytes (the bytes themselves are not kept).
fn stored_entry((snapshot, bytes): (Snapshot, Vec<u8>)) -> (Snapshot, FileEntry) {
    let entry = FileEntry::of(SNAPSHOT_FILE, "application/json", &bytes);
    (snapshot, entry)
}

fn refused(run: &ReportRun, stored: &ReportRun, after: Option<String>) -> ReportRunError {
    ReportRunError::RecordRefused {
        key: format!("{}/{}", run.pk, run.sk),
        wanted: run.status.as_str(),
        stored: if stored.snapshot_sha256 == run.snapshot_sha256 {
            stored.status.as_str().to_string()
        } else {
            format!(
                "{} with snapshot {}",
                stored.status.as_str(),
                stored.snapshot_sha256
            )
        },
        after,
    }
}

#[cfg(test)]
mod tests;
