//! Report runs against AWS: snapshot the evidence, render, publish under Object Lock, sign the
//! manifest with KMS, then read everything back and re-hash it before the run is marked PUBLISHED.
//!
//! Retries are safe. The run id comes from the request, so a retried invocation finds its own run
//! record: a PUBLISHED run is returned as it is; a SNAPSHOTTED or FAILED one reuses its stored
//! snapshot (never a new one, so the report keeps naming exactly the evidence first pinned), and
//! outputs are deterministic, so re-publishing writes nothing new.

use std::collections::{BTreeMap, HashMap};

use attest_domain::collection::{ControlCatalogue, RunStatus};
use attest_domain::Catalogue;
use attest_reports::exceptions;
use attest_reports::manifest::{
    public_key_pem, signature_record, verify_signature, Manifest, ManifestSignature, MANIFEST_FILE,
    PUBLIC_KEY_FILE, SIGNATURE_FILE, SNAPSHOT_FILE,
};
use attest_reports::render::{render_all, template_version};
use attest_reports::request::{
    report_pk, report_prefix, report_sk, ReportRequest, ReportRun, ReportStatus, StoredOutput,
};
use attest_reports::snapshot::{
    framework_info, scope, Collection, EvidenceItem, Snapshot, SNAPSHOT_SCHEMA,
};
use attest_reports::ReportError;
use aws_sdk_dynamodb::types::AttributeValue;
use futures::{StreamExt, TryStreamExt};
use thiserror::Error;
use tracing::{info, instrument, warn};

use crate::dynamo::{self, Item};
use crate::error::AdapterError;
use crate::{EvidenceStore, RunStore, StateStore};

/// HeadObject calls in flight while pinning evidence versions.
const HEAD_CONCURRENCY: usize = 16;

#[derive(Debug, Error)]
pub enum PublishError {
    /// The request itself is wrong (unknown framework, bad period): retrying cannot help.
    #[error("bad report request: {0}")]
    Request(#[from] ReportError),
    #[error(transparent)]
    Aws(#[from] AdapterError),
    #[error(
        "evidence object {key} named by history row {state_id} is missing from the evidence bucket"
    )]
    MissingEvidence { key: String, state_id: String },
    #[error(
        "evidence object {key}: stored SHA-256 {stored:?} differs from the recorded {recorded}"
    )]
    EvidenceHash {
        key: String,
        stored: Option<String>,
        recorded: String,
    },
    #[error("stored snapshot {key} hashes to {actual}, the run record says {recorded}")]
    SnapshotChanged {
        key: String,
        actual: String,
        recorded: String,
    },
    #[error("verification after upload failed: {0}")]
    Verification(String),
}

impl PublishError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, PublishError::Aws(e) if e.is_retryable())
    }
}

/// Signs manifest digests with a KMS asymmetric key (ECC_NIST_P256, ECDSA_SHA_256).
#[derive(Clone, Debug)]
pub struct ManifestSigner {
    client: aws_sdk_kms::Client,
    key_id: String,
}

impl ManifestSigner {
    pub fn new(client: aws_sdk_kms::Client, key_id: impl Into<String>) -> Self {
        ManifestSigner {
            client,
            key_id: key_id.into(),
        }
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// DER ECDSA signature over a SHA-256 digest (`MessageType=DIGEST`).
    pub async fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>, AdapterError> {
        let out = self
            .client
            .sign()
            .key_id(&self.key_id)
            .message(aws_smithy_types::Blob::new(digest.to_vec()))
            .message_type(aws_sdk_kms::types::MessageType::Digest)
            .signing_algorithm(aws_sdk_kms::types::SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await
            .map_err(|e| AdapterError::from_sdk("kms:Sign", self.key_id.clone(), e))?;
        out.signature
            .map(|b| b.into_inner())
            .ok_or_else(|| AdapterError::Aws {
                operation: "kms:Sign",
                target: self.key_id.clone(),
                message: "the answer has no signature".into(),
                retryable: true,
            })
    }

    /// The public key (DER SubjectPublicKeyInfo), for the bundle and for auditors.
    pub async fn public_key(&self) -> Result<Vec<u8>, AdapterError> {
        let out = self
            .client
            .get_public_key()
            .key_id(&self.key_id)
            .send()
            .await
            .map_err(|e| AdapterError::from_sdk("kms:GetPublicKey", self.key_id.clone(), e))?;
        out.public_key
            .map(|b| b.into_inner())
            .ok_or_else(|| AdapterError::Aws {
                operation: "kms:GetPublicKey",
                target: self.key_id.clone(),
                message: "the answer has no public key".into(),
                retryable: true,
            })
    }
}

/// Everything a report run needs, built once per cold start.
pub struct ReportPublisher {
    pub state: StateStore,
    pub runs: RunStore,
    /// The evidence bucket; reports are published in it under `reports/` (same Object Lock).
    pub store: EvidenceStore,
    pub signer: ManifestSigner,
    pub catalogue: Catalogue,
    pub controls: ControlCatalogue,
    pub runs_client: aws_sdk_dynamodb::Client,
    pub runs_table: String,
}

fn encode(run: &ReportRun) -> Result<Item, AdapterError> {
    serde_dynamo::to_item(run).map_err(|e| AdapterError::Encode {
        what: "report run",
        message: e.to_string(),
    })
}

/// The calendar dates (`YYYY-MM-DD`) a half-open period touches.
fn dates_in(start: &str, end: &str) -> Vec<String> {
    let parse = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .map(|t| t.date())
    };
    let (Ok(mut day), Ok(last)) = (parse(start), parse(end)) else {
        return Vec::new();
    };
    let end_is_midnight = end.get(10..) == Some("T00:00:00Z");
    let mut out = Vec::new();
    while day < last || (day == last && !end_is_midnight) {
        out.push(day.to_string());
        match day.next_day() {
            Some(d) => day = d,
            None => break,
        }
    }
    out
}

/// Whether an observed time (`...T09:15:11.482Z`) falls in `[start, end)` given whole-second bounds.
fn within(observed: &str, start: &str, end: &str) -> bool {
    let second = observed.get(..19).unwrap_or(observed);
    second >= start.get(..19).unwrap_or(start) && second < end.get(..19).unwrap_or(end)
}

impl ReportPublisher {
    pub fn known_frameworks(&self) -> Vec<&str> {
        self.catalogue
            .frameworks()
            .map(|f| f.framework.as_str())
            .collect()
    }

    async fn get_run(&self, request: &ReportRequest) -> Result<Option<ReportRun>, AdapterError> {
        dynamo::get(
            &self.runs_client,
            &self.runs_table,
            "report run",
            &report_pk(&request.framework),
            &report_sk(request),
        )
        .await
    }

    async fn put_run(&self, run: &ReportRun, create: bool) -> Result<bool, AdapterError> {
        let condition = if create {
            "attribute_not_exists(pk)"
        } else {
            "attribute_exists(pk) AND snapshot_sha256 = :sha"
        };
        let values = (!create).then(|| {
            Item::from([(
                ":sha".into(),
                AttributeValue::S(run.snapshot_sha256.clone()),
            )])
        });
        dynamo::put_if(
            &self.runs_client,
            &self.runs_table,
            encode(run)?,
            condition,
            None,
            values,
        )
        .await
    }

    /// Run (or resume) the report for `request`, to PUBLISHED or FAILED.
    #[instrument(skip_all, fields(framework = %request.framework, run_id = %request.run_id()))]
    pub async fn publish(&self, request: &ReportRequest) -> Result<ReportRun, PublishError> {
        // The snapshot travels with its stored bytes: the manifest hashes exactly what S3 holds.
        let (mut run, (snapshot, snapshot_bytes)) = match self.get_run(request).await? {
            Some(run) if run.status == ReportStatus::Published => {
                info!("already published");
                return Ok(run);
            }
            Some(mut run) => {
                let loaded = self.load_snapshot(&run).await?;
                run.attempts += 1;
                (run, loaded)
            }
            None => {
                let snapshot = Box::pin(self.snapshot(request)).await?;
                let bytes = snapshot.to_canonical()?;
                let key = format!("{}{SNAPSHOT_FILE}", report_prefix(request));
                let stored = self
                    .store
                    .put_once(&key, &bytes, "application/json")
                    .await?;
                let run = ReportRun {
                    pk: report_pk(&request.framework),
                    sk: report_sk(request),
                    run_id: request.run_id(),
                    framework: request.framework.clone(),
                    period_start: request.period_start.clone(),
                    period_end: request.period_end.clone(),
                    generated_at: request.generated_at.clone(),
                    trigger: request.trigger.to_string(),
                    status: ReportStatus::Snapshotted,
                    status_sort: format!("{}#{}", request.generated_at, request.framework),
                    attempts: 1,
                    prefix: report_prefix(request),
                    catalogue_version: snapshot.catalogue_version.clone(),
                    template_version: snapshot.template_version.clone(),
                    snapshot_key: key,
                    snapshot_sha256: attest_domain::canonical::sha256_hex(&bytes),
                    snapshot_version_id: stored.version_id,
                    evidence_count: snapshot.evidence.len() as u64,
                    manifest_sha256: None,
                    merkle_root: None,
                    outputs: Vec::new(),
                    verification: None,
                    error: None,
                };
                if !self.put_run(&run, true).await? {
                    // A concurrent invocation recorded the run first: continue with its snapshot.
                    let theirs = self
                        .get_run(request)
                        .await?
                        .ok_or_else(|| AdapterError::Aws {
                            operation: "dynamodb:GetItem",
                            target: run.sk.clone(),
                            message: "the report run existed a moment ago and is gone".into(),
                            retryable: true,
                        })?;
                    let loaded = self.load_snapshot(&theirs).await?;
                    (theirs, loaded)
                } else {
                    (run, (snapshot, bytes))
                }
            }
        };
        info!(evidence = snapshot.evidence.len(), "snapshot pinned");
        match Box::pin(self.render_and_publish(&mut run, &snapshot, &snapshot_bytes)).await {
            Ok(()) => {
                run.status = ReportStatus::Published;
                run.error = None;
                self.put_run(&run, false).await?;
                info!(outputs = run.outputs.len(), "published and verified");
                Ok(run)
            }
            Err(err) => {
                warn!(error = %err, "report run failed");
                run.status = ReportStatus::Failed;
                run.error = Some(err.to_string());
                if let PublishError::Verification(reason) = &err {
                    run.verification = Some(format!("FAILED: {reason}"));
                }
                self.put_run(&run, false).await?;
                Err(err)
            }
        }
    }

    async fn load_snapshot(&self, run: &ReportRun) -> Result<(Snapshot, Vec<u8>), PublishError> {
        let bytes = self
            .store
            .get_version(&run.snapshot_key, run.snapshot_version_id.as_deref())
            .await?;
        let actual = attest_domain::canonical::sha256_hex(&bytes);
        if actual != run.snapshot_sha256 {
            return Err(PublishError::SnapshotChanged {
                key: run.snapshot_key.clone(),
                actual,
                recorded: run.snapshot_sha256.clone(),
            });
        }
        Ok((Snapshot::from_json(&bytes)?, bytes))
    }

    /// Pin every evidence item of the framework observed in the period, with its S3 version id.
    #[instrument(skip_all)]
    pub async fn snapshot(&self, request: &ReportRequest) -> Result<Snapshot, PublishError> {
        let framework = request.framework.as_str();
        let info = framework_info(&self.catalogue, framework)?;
        let mut by_key: BTreeMap<String, (EvidenceItem, String)> = BTreeMap::new();
        for date in dates_in(&request.period_start, &request.period_end) {
            for row in self.state.framework_history_on(framework, &date).await? {
                if !within(
                    &row.fields.observed_at,
                    &request.period_start,
                    &request.period_end,
                ) {
                    continue;
                }
                if let Some(item) = EvidenceItem::from_history(&row.fields, framework, None) {
                    by_key
                        .entry(item.key.clone())
                        .or_insert((item, row.fields.state_id.clone()));
                }
            }
        }
        let mut collected_scope = Vec::new();
        for entry in self.controls.entries() {
            let c = &entry.control;
            if c.framework != framework {
                continue;
            }
            collected_scope.push((c.control_id.clone(), c.name.clone()));
            for run in self.runs.runs_of(&c.id).await? {
                let overlaps =
                    run.period_start < request.period_end && run.period_end > request.period_start;
                let (Some(key), Some(sha256)) = (&run.evidence_key, &run.evidence_sha256) else {
                    continue;
                };
                if run.status != RunStatus::Collected || !overlaps {
                    continue;
                }
                let item = EvidenceItem {
                    key: key.clone(),
                    version_id: run.evidence_version_id.clone(),
                    sha256: sha256.clone(),
                    observed_at: run.period_end.clone(),
                    controls: vec![c.control_id.clone()],
                    evaluation: None,
                    collection: Some(Collection {
                        control: c.id.clone(),
                        collector: run.collector.clone(),
                        collector_version: run.collector_version.clone(),
                        period_start: run.period_start.clone(),
                        period_end: run.period_end.clone(),
                        collected_by: run.collected_by.clone(),
                    }),
                };
                by_key
                    .entry(key.clone())
                    .or_insert((item, format!("run {}", run.sk)));
            }
        }
        // Pin versions: every object must exist now, with the hash we recorded.
        let store = &self.store;
        let evidence: Vec<EvidenceItem> =
            futures::stream::iter(by_key.into_values())
                .map(|(mut item, origin)| async move {
                    let head = store.head(&item.key).await?.ok_or_else(|| {
                        PublishError::MissingEvidence {
                            key: item.key.clone(),
                            state_id: origin,
                        }
                    })?;
                    if head.sha256.as_deref() != Some(item.sha256.as_str()) {
                        return Err(PublishError::EvidenceHash {
                            key: item.key.clone(),
                            stored: head.sha256,
                            recorded: item.sha256.clone(),
                        });
                    }
                    if item.version_id.is_none() {
                        item.version_id = head.version_id;
                    }
                    Ok(item)
                })
                .buffered(HEAD_CONCURRENCY)
                .try_collect()
                .await?;
        let snapshot = Snapshot {
            schema: SNAPSHOT_SCHEMA.to_string(),
            run_id: request.run_id(),
            framework: info,
            period_start: request.period_start.clone(),
            period_end: request.period_end.clone(),
            generated_at: request.generated_at.clone(),
            catalogue_version: self.catalogue.version().to_string(),
            template_version: template_version(),
            controls: scope(&self.catalogue, framework, collected_scope),
            exceptions: exceptions::embedded_for(framework)?,
            evidence,
        };
        snapshot.check()?;
        Ok(snapshot)
    }

    async fn render_and_publish(
        &self,
        run: &mut ReportRun,
        snapshot: &Snapshot,
        snapshot_bytes: &[u8],
    ) -> Result<(), PublishError> {
        let owned = snapshot.clone();
        // Rendering a large PDF is CPU work: keep it off the async workers.
        let outputs = tokio::task::spawn_blocking(move || render_all(&owned))
            .await
            .map_err(|e| PublishError::Verification(format!("renderer stopped: {e}")))??;
        let mut stored = Vec::with_capacity(outputs.len());
        for output in &outputs {
            let key = format!("{}{}", run.prefix, output.name);
            let put = self
                .store
                .put_once(&key, &output.bytes, output.media_type)
                .await?;
            stored.push(StoredOutput {
                name: output.name.to_string(),
                sha256: attest_domain::canonical::sha256_hex(&output.bytes),
                version_id: put.version_id,
            });
        }
        let manifest = Manifest::build(snapshot, snapshot_bytes, &outputs);
        let manifest_bytes = manifest.to_canonical()?;
        self.store
            .put_once(
                &format!("{}{MANIFEST_FILE}", run.prefix),
                &manifest_bytes,
                "application/json",
            )
            .await?;
        let pem = public_key_pem(&self.signer.public_key().await?)
            .map_err(|e| PublishError::Verification(format!("KMS public key: {e}")))?;
        self.store
            .put_once(
                &format!("{}{PUBLIC_KEY_FILE}", run.prefix),
                pem.as_bytes(),
                "application/x-pem-file",
            )
            .await?;
        // ECDSA signatures differ on every call: a retried run keeps the signature already stored.
        let sig_key = format!("{}{SIGNATURE_FILE}", run.prefix);
        if self.store.head(&sig_key).await?.is_none() {
            let der = self
                .signer
                .sign_digest(&attest_domain::canonical::sha256(&manifest_bytes))
                .await?;
            let record = signature_record(&manifest_bytes, self.signer.key_id(), &der);
            let bytes = attest_domain::canonical::serialize(&record)
                .map_err(|e| PublishError::Verification(e.to_string()))?;
            self.store
                .put_once(&sig_key, &bytes, "application/json")
                .await?;
        }
        run.outputs = stored;
        run.manifest_sha256 = Some(attest_domain::canonical::sha256_hex(&manifest_bytes));
        run.merkle_root = Some(manifest.merkle_root.clone());
        run.verification = Some(self.verify_published(run, &manifest, &pem).await?);
        Ok(())
    }

    /// Download what was published and check it: manifest bytes, signature, every output's hash.
    async fn verify_published(
        &self,
        run: &ReportRun,
        manifest: &Manifest,
        pem: &str,
    ) -> Result<String, PublishError> {
        let fail = |what: &str| PublishError::Verification(what.to_string());
        let manifest_bytes = self
            .store
            .get(&format!("{}{MANIFEST_FILE}", run.prefix))
            .await?;
        if Some(attest_domain::canonical::sha256_hex(&manifest_bytes)) != run.manifest_sha256 {
            return Err(fail(
                "manifest.json read back differs from what was written",
            ));
        }
        let sig_bytes = self
            .store
            .get(&format!("{}{SIGNATURE_FILE}", run.prefix))
            .await?;
        let signature: ManifestSignature = serde_json::from_slice(&sig_bytes)
            .map_err(|e| fail(&format!("manifest.sig.json: {e}")))?;
        verify_signature(&manifest_bytes, &signature, pem)
            .map_err(|e| fail(&format!("manifest.sig.json: {e}")))?;
        let expected: HashMap<&str, &str> = manifest
            .outputs
            .iter()
            .map(|o| (o.name.as_str(), o.sha256.as_str()))
            .collect();
        for output in &run.outputs {
            let bytes = self
                .store
                .get_version(
                    &format!("{}{}", run.prefix, output.name),
                    output.version_id.as_deref(),
                )
                .await?;
            let actual = attest_domain::canonical::sha256_hex(&bytes);
            if expected.get(output.name.as_str()) != Some(&actual.as_str()) {
                return Err(fail(&format!(
                    "{} read back hashes to {actual}, the manifest says {:?}",
                    output.name,
                    expected.get(output.name.as_str())
                )));
            }
        }
        Ok(format!(
            "{} outputs re-hashed from S3 and match the manifest; signature valid",
            run.outputs.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_touch_the_right_dates() {
        assert_eq!(
            dates_in("2026-11-01T00:00:00Z", "2026-11-03T00:00:00Z"),
            ["2026-11-01", "2026-11-02"]
        );
        assert_eq!(
            dates_in("2026-11-01T12:00:00Z", "2026-11-02T06:00:00Z"),
            ["2026-11-01", "2026-11-02"]
        );
        assert!(within(
            "2026-11-01T00:00:00.000Z",
            "2026-11-01T00:00:00Z",
            "2026-11-02T00:00:00Z"
        ));
        assert!(within(
            "2026-11-01T23:59:59.999Z",
            "2026-11-01T00:00:00Z",
            "2026-11-02T00:00:00Z"
        ));
        assert!(!within(
            "2026-11-02T00:00:00.000Z",
            "2026-11-01T00:00:00Z",
            "2026-11-02T00:00:00Z"
        ));
    }
}

/// Configuration of the report function and `attest report`, from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportConfig {
    /// `ATTEST_EVIDENCE_BUCKET`: evidence is read from it, reports are published in it.
    pub evidence_bucket: String,
    /// `ATTEST_EVIDENCE_KMS_KEY_ID`: SSE-KMS key for the published objects.
    pub evidence_kms_key_id: String,
    /// `ATTEST_STATE_TABLE`, `ATTEST_HISTORY_TABLE`, `ATTEST_RUNS_TABLE`.
    pub state_table: String,
    pub history_table: String,
    pub runs_table: String,
    /// `ATTEST_REPORT_SIGNING_KEY_ID`: KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY).
    pub signing_key_id: String,
}

impl ReportConfig {
    pub fn from_env() -> Result<Self, crate::settings::SettingError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, crate::settings::SettingError> {
        use crate::settings::required;
        Ok(ReportConfig {
            evidence_bucket: required(&get, "ATTEST_EVIDENCE_BUCKET")?,
            evidence_kms_key_id: required(&get, "ATTEST_EVIDENCE_KMS_KEY_ID")?,
            state_table: required(&get, "ATTEST_STATE_TABLE")?,
            history_table: required(&get, "ATTEST_HISTORY_TABLE")?,
            runs_table: required(&get, "ATTEST_RUNS_TABLE")?,
            signing_key_id: required(&get, "ATTEST_REPORT_SIGNING_KEY_ID")?,
        })
    }
}

/// A catalogue that does not load is a build defect: the error says which file and row.
#[derive(Debug, Error)]
#[error("catalogue: {0}")]
pub struct CatalogueLoadError(String);

impl ReportPublisher {
    /// Clients and catalogues, once per cold start.
    pub fn build(
        sdk: &aws_config::SdkConfig,
        config: &ReportConfig,
    ) -> Result<Self, CatalogueLoadError> {
        let catalogue = Catalogue::embedded().map_err(|e| CatalogueLoadError(e.to_string()))?;
        let controls = ControlCatalogue::embedded(
            |f| catalogue.framework(f).is_some(),
            &attest_domain::collection::COLLECTOR_IDS,
        )
        .map_err(|e| CatalogueLoadError(e.to_string()))?;
        let dynamo = aws_sdk_dynamodb::Client::new(sdk);
        Ok(ReportPublisher {
            state: StateStore::new(
                dynamo.clone(),
                config.state_table.clone(),
                config.history_table.clone(),
            ),
            runs: RunStore::new(dynamo.clone(), config.runs_table.clone()),
            store: EvidenceStore::new(
                aws_sdk_s3::Client::new(sdk),
                config.evidence_bucket.clone(),
                config.evidence_kms_key_id.clone(),
            ),
            signer: ManifestSigner::new(
                aws_sdk_kms::Client::new(sdk),
                config.signing_key_id.clone(),
            ),
            catalogue,
            controls,
            runs_client: dynamo,
            runs_table: config.runs_table.clone(),
        })
    }
}

/// Download a published bundle (files under `prefix`, evidence at its pinned versions) for
/// offline verification. Reads only: what an auditor's read-only role allows.
pub async fn download_bundle(
    store: &EvidenceStore,
    prefix: &str,
) -> Result<attest_reports::verify::MemoryBundle, AdapterError> {
    let prefix = if prefix.is_empty() || prefix.ends_with('/') {
        prefix.to_string()
    } else {
        format!("{prefix}/")
    };
    let mut bundle = attest_reports::verify::MemoryBundle::default();
    for name in [
        MANIFEST_FILE,
        SIGNATURE_FILE,
        PUBLIC_KEY_FILE,
        SNAPSHOT_FILE,
    ] {
        if let Some(bytes) = store
            .get_if_present(&format!("{prefix}{name}"), None)
            .await?
        {
            bundle.files.insert(name.to_string(), bytes);
        }
    }
    let Some(manifest) = bundle
        .files
        .get(MANIFEST_FILE)
        .and_then(|b| serde_json::from_slice::<Manifest>(b).ok())
    else {
        // Verification reports the missing or unreadable manifest by name.
        return Ok(bundle);
    };
    for output in &manifest.outputs {
        if let Some(bytes) = store
            .get_if_present(&format!("{prefix}{}", output.name), None)
            .await?
        {
            bundle.files.insert(output.name.clone(), bytes);
        }
    }
    let fetched: Vec<(String, Option<Vec<u8>>)> = futures::stream::iter(&manifest.evidence)
        .map(|e| async move {
            let bytes = store
                .get_if_present(&e.key, e.version_id.as_deref())
                .await?;
            Ok::<_, AdapterError>((e.key.clone(), bytes))
        })
        .buffered(HEAD_CONCURRENCY)
        .try_collect()
        .await?;
    for (key, bytes) in fetched {
        if let Some(bytes) = bytes {
            bundle.evidence.insert(key, bytes);
        }
    }
    Ok(bundle)
}
