//! The run over in-process ports: evidence pinned, bundle published and verified, and the retry
//! rules (published runs returned, failed runs resumed from their stored snapshot, the stored
//! signature kept).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use attest_aws::{AdapterError, KmsAnswer, ObjectHead, StoredObject};
use attest_domain::collection::RunRecord;
use attest_domain::records::{CurrentStateRow, HistoryRow};
use attest_domain::timestamp::Timestamp;
use attest_reports::manifest::{
    public_key_fingerprint, public_key_pem, MANIFEST_FILE, SIGNATURE_FILE, SNAPSHOT_FILE,
};
use attest_reports::request::{ReportEvent, ReportRequest, ReportRun, ReportStatus};
use attest_reports::snapshot::Snapshot;
use attest_reports::verify::TrustAnchor;
use p256::ecdsa::signature::hazmat::PrehashSigner;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::EncodePublicKey;

use crate::ports::{Collections, History, Objects, Ports, ReportRuns, Signer};
use crate::{download_bundle, FetchError, Pins, ReportRunError, ReportWorkflow};

const FRAMEWORK: &str = "PCI-DSS-3.2.1";

fn retryable(op: &'static str, target: &str, msg: &str) -> AdapterError {
    AdapterError::unexpected_answer(op, target, msg)
}

/// One stored version: version id, bytes, `sha256` metadata.
type Version = (String, Vec<u8>, Option<String>);

/// A versioned bucket: every put adds a version; `sha256` metadata as the real store writes it.
#[derive(Default)]
struct MemoryObjects {
    versions: Mutex<BTreeMap<String, Vec<Version>>>,
    next_version: AtomicUsize,
    /// Reads of published report files (`reports/...`) fail, a transient S3 error, while set.
    failing_reads: AtomicBool,
}

impl MemoryObjects {
    fn insert(&self, key: &str, bytes: Vec<u8>, sha256: Option<String>) -> String {
        let version = format!("v{}", self.next_version.fetch_add(1, Ordering::SeqCst));
        self.versions
            .lock()
            .unwrap()
            .entry(key.to_string())
            .or_default()
            .push((version.clone(), bytes, sha256));
        version
    }

    fn latest(&self, key: &str) -> Option<Version> {
        self.versions
            .lock()
            .unwrap()
            .get(key)
            .and_then(|v| v.last().cloned())
    }

    fn remove(&self, key: &str) {
        self.versions.lock().unwrap().remove(key);
    }

    fn keys_under(&self, prefix: &str) -> Vec<String> {
        let versions = self.versions.lock().unwrap();
        versions
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect()
    }

    fn version_count(&self) -> usize {
        self.versions.lock().unwrap().values().map(Vec::len).sum()
    }
}

impl Objects for MemoryObjects {
    async fn put_once(
        &self,
        key: &str,
        bytes: &[u8],
        _media_type: &str,
    ) -> Result<Option<String>, AdapterError> {
        let sha256 = attest_domain::canonical::sha256_hex(bytes);
        match self.latest(key) {
            Some((version, _, stored)) if stored.as_deref() == Some(sha256.as_str()) => {
                Ok(Some(version))
            }
            Some(_) => Err(AdapterError::Aws {
                operation: "s3:PutObject",
                target: key.to_string(),
                message: "a different object is stored under this key".into(),
                retryable: false,
            }),
            None => Ok(Some(self.insert(key, bytes.to_vec(), Some(sha256)))),
        }
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectHead>, AdapterError> {
        Ok(self.latest(key).map(|(version, _, sha256)| ObjectHead {
            version_id: Some(version),
            sha256,
        }))
    }

    async fn get(&self, key: &str, version_id: Option<&str>) -> Result<Vec<u8>, AdapterError> {
        self.get_if_present(key, version_id)
            .await?
            .ok_or_else(|| AdapterError::Aws {
                operation: "s3:GetObject",
                target: key.to_string(),
                message: "no such object".into(),
                retryable: false,
            })
    }

    async fn sha256_of(&self, key: &str, version_id: Option<&str>) -> Result<String, AdapterError> {
        let bytes = Objects::get(self, key, version_id).await?;
        Ok(attest_domain::canonical::sha256_hex(&bytes))
    }

    async fn read(
        &self,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Option<StoredObject>, AdapterError> {
        if self.failing_reads.load(Ordering::SeqCst) && key.starts_with("reports/") {
            return Err(retryable("s3:GetObject", key, "connection reset"));
        }
        let versions = self.versions.lock().unwrap();
        let Some(all) = versions.get(key) else {
            return Ok(None);
        };
        let found = match version_id {
            Some(v) => all.iter().find(|(id, _, _)| id == v),
            None => all.last(),
        };
        Ok(found.map(|(id, bytes, _)| StoredObject {
            bytes: bytes.clone(),
            version_id: Some(id.clone()),
        }))
    }

    async fn version_ids(&self, key: &str) -> Result<Vec<String>, AdapterError> {
        let versions = self.versions.lock().unwrap();
        Ok(versions
            .get(key)
            .map(|all| all.iter().rev().map(|(id, _, _)| id.clone()).collect())
            .unwrap_or_default())
    }

    async fn get_if_present(
        &self,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Option<Vec<u8>>, AdapterError> {
        Ok(self.read(key, version_id).await?.map(|o| o.bytes))
    }
}

/// Intake's history rows; the current state of each state is its latest row.
struct MemoryHistory(Mutex<Vec<HistoryRow>>);

impl MemoryHistory {
    fn new(rows: Vec<HistoryRow>) -> Self {
        MemoryHistory(Mutex::new(rows))
    }

    fn rows(&self) -> Vec<HistoryRow> {
        self.0.lock().unwrap().clone()
    }
}

impl History for MemoryHistory {
    async fn framework_state(&self, framework: &str) -> Result<Vec<CurrentStateRow>, AdapterError> {
        let prefix = format!("{framework}:");
        let mut latest: BTreeMap<String, HistoryRow> = BTreeMap::new();
        for row in self.rows() {
            match latest.get(&row.pk) {
                Some(held) if held.sk >= row.sk => {}
                _ => {
                    latest.insert(row.pk.clone(), row);
                }
            }
        }
        Ok(latest
            .into_values()
            .filter(|r| r.fields.controls.iter().any(|c| c.starts_with(&prefix)))
            .map(|r| CurrentStateRow {
                pk: r.pk,
                sk: attest_domain::records::CURRENT_SK.to_string(),
                fields: r.fields,
                status_sort: r.history_sort,
            })
            .collect())
    }

    async fn latest_before(
        &self,
        state_id: &str,
        before: &Timestamp,
    ) -> Result<Option<HistoryRow>, AdapterError> {
        let pk = attest_domain::records::state_pk(state_id);
        Ok(self
            .rows()
            .into_iter()
            .filter(|r| r.pk == pk && r.sk.as_str() < before.as_str())
            .max_by(|a, b| a.sk.cmp(&b.sk)))
    }

    async fn framework_history_on(
        &self,
        framework: &str,
        date: &str,
    ) -> Result<Vec<HistoryRow>, AdapterError> {
        let prefix = format!("{framework}:");
        Ok(self
            .rows()
            .into_iter()
            .filter(|r| r.fields.observed_at.starts_with(date))
            .filter(|r| r.fields.controls.iter().any(|c| c.starts_with(&prefix)))
            .collect())
    }
}

/// Collection run records, as the runs table holds them.
#[derive(Default)]
struct MemoryCollections(Vec<RunRecord>);

impl Collections for MemoryCollections {
    async fn runs_of(&self, control: &str) -> Result<Vec<RunRecord>, AdapterError> {
        Ok(self
            .0
            .iter()
            .filter(|r| r.control == control)
            .cloned()
            .collect())
    }
}

#[derive(Default)]
struct MemoryRuns(Mutex<BTreeMap<(String, String), ReportRun>>);

impl MemoryRuns {
    fn only(&self) -> ReportRun {
        let runs = self.0.lock().unwrap();
        assert_eq!(runs.len(), 1, "one run record");
        runs.values().next().unwrap().clone()
    }
}

impl ReportRuns for MemoryRuns {
    async fn runs_of(&self, pk: &str) -> Result<Vec<ReportRun>, AdapterError> {
        Ok(self
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|((p, _), _)| p == pk)
            .map(|(_, run)| run.clone())
            .collect())
    }

    async fn get(&self, pk: &str, sk: &str) -> Result<Option<ReportRun>, AdapterError> {
        Ok(self
            .0
            .lock()
            .unwrap()
            .get(&(pk.to_string(), sk.to_string()))
            .cloned())
    }

    async fn create(&self, run: &ReportRun) -> Result<bool, AdapterError> {
        let mut runs = self.0.lock().unwrap();
        let key = (run.pk.clone(), run.sk.clone());
        if runs.contains_key(&key) {
            return Ok(false);
        }
        runs.insert(key, run.clone());
        Ok(true)
    }

    async fn replace(&self, run: &ReportRun) -> Result<bool, AdapterError> {
        let mut runs = self.0.lock().unwrap();
        match runs.get_mut(&(run.pk.clone(), run.sk.clone())) {
            // As the run store: a PUBLISHED record never changes.
            Some(stored)
                if stored.snapshot_sha256 == run.snapshot_sha256
                    && stored.status != ReportStatus::Published =>
            {
                *stored = run.clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

const KEY_ARN: &str = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-4333-8444-555555555555";

/// Signs with one fixed P-256 key and publishes another's public key when `publishes` differs;
/// answers with the key ARN in `arn` (a test changes it to play a key rotation).
struct KeySigner {
    signs_with: SigningKey,
    publishes: SigningKey,
    signatures: AtomicUsize,
    arn: Mutex<String>,
}

impl KeySigner {
    fn new(signs_with: u8, publishes: u8) -> Self {
        KeySigner {
            signs_with: SigningKey::from_slice(&[signs_with; 32]).unwrap(),
            publishes: SigningKey::from_slice(&[publishes; 32]).unwrap(),
            signatures: AtomicUsize::new(0),
            arn: Mutex::new(KEY_ARN.to_string()),
        }
    }

    fn arn(&self) -> String {
        self.arn.lock().unwrap().clone()
    }

    /// The auditor's anchor for the key this signer publishes.
    fn anchor(&self) -> TrustAnchor {
        let der = self.publishes.verifying_key().to_public_key_der().unwrap();
        let pem = public_key_pem(der.as_bytes()).unwrap();
        TrustAnchor::Fingerprint(public_key_fingerprint(&pem).unwrap())
    }
}

impl Signer for KeySigner {
    async fn sign_digest(&self, digest: &[u8; 32]) -> Result<KmsAnswer, AdapterError> {
        self.signatures.fetch_add(1, Ordering::SeqCst);
        let signature: Signature = self
            .signs_with
            .sign_prehash(digest)
            .map_err(|e| retryable("kms:Sign", "alias/test-signing", &e.to_string()))?;
        Ok(KmsAnswer {
            bytes: signature.to_der().as_bytes().to_vec(),
            key_arn: self.arn(),
        })
    }

    async fn public_key(&self) -> Result<KmsAnswer, AdapterError> {
        let der = self
            .publishes
            .verifying_key()
            .to_public_key_der()
            .map_err(|e| retryable("kms:GetPublicKey", "alias/test-signing", &e.to_string()))?;
        Ok(KmsAnswer {
            bytes: der.as_bytes().to_vec(),
            key_arn: self.arn(),
        })
    }
}

struct InProcess;

impl Ports for InProcess {
    type Objects = MemoryObjects;
    type History = MemoryHistory;
    type Collections = MemoryCollections;
    type ReportRuns = MemoryRuns;
    type Signer = KeySigner;
}

type Workflow = ReportWorkflow<InProcess>;

/// The sample events as intake stores them: history rows, and evidence objects with their hash.
fn workflow(signer: KeySigner) -> Workflow {
    workflow_with_runs(signer, Vec::new())
}

/// The same, with collection runs whose evidence objects are stored too.
fn workflow_with_runs(signer: KeySigner, runs: Vec<RunRecord>) -> Workflow {
    let objects = MemoryObjects::default();
    let mut rows = Vec::new();
    for (row, bytes) in attest_report_samples::history_rows().unwrap() {
        if objects.latest(&row.fields.evidence_key).is_none() {
            objects.insert(
                &row.fields.evidence_key,
                bytes,
                Some(row.fields.evidence_sha256.clone()),
            );
        }
        rows.push(row);
    }
    for run in &runs {
        if let (Some(key), Some(sha256)) = (&run.evidence_key, &run.evidence_sha256) {
            objects.insert(
                key,
                format!("evidence of {}", run.sk).into_bytes(),
                Some(sha256.clone()),
            );
        }
    }
    ReportWorkflow::with_embedded_catalogues(
        objects,
        MemoryHistory::new(rows),
        MemoryCollections(runs),
        MemoryRuns::default(),
        signer,
    )
    .unwrap()
}

fn request(w: &Workflow) -> ReportRequest {
    ReportEvent {
        amends: None,
        framework: FRAMEWORK.into(),
        period: "2026-11-01/2026-12-01".into(),
        scheduled_time: None,
        requested_at: Some("2026-12-02T10:00:00Z".into()),
    }
    .into_request(&w.known_frameworks())
    .unwrap()
}

fn stored_snapshot(w: &Workflow, run: &ReportRun) -> Snapshot {
    let (_, bytes, _) = w.objects.latest(&run.snapshot_key).unwrap();
    Snapshot::from_json(&bytes).unwrap()
}

#[tokio::test]
async fn a_fresh_run_pins_versions_and_publishes_a_verified_bundle() {
    let w = workflow(KeySigner::new(7, 7));
    let run = w.run(&request(&w)).await.unwrap();
    assert_eq!(run.status, ReportStatus::Published);
    assert_eq!(run.attempts, 1);
    assert_eq!(w.runs.only(), run);
    let snapshot = stored_snapshot(&w, &run);
    assert!(!snapshot.evidence.is_empty());
    assert_eq!(run.evidence_count, snapshot.evidence.len() as u64);
    for item in &snapshot.evidence {
        let (version, _, _) = w.objects.latest(&item.key).unwrap();
        assert_eq!(
            item.version_id.as_deref(),
            Some(version.as_str()),
            "{}",
            item.key
        );
    }
    let published = w.objects.keys_under(&run.prefix);
    for name in [
        SNAPSHOT_FILE,
        MANIFEST_FILE,
        SIGNATURE_FILE,
        "report.json",
        "report.pdf",
    ] {
        assert!(
            published.contains(&format!("{}{name}", run.prefix)),
            "{name} not published: {published:?}"
        );
    }
    assert!(run.merkle_root.is_some() && run.manifest_sha256.is_some());
    let verification = run.verification.clone().unwrap();
    assert!(verification.contains("signature valid"), "{verification}");
    // Every bundle file's version is pinned on the run record.
    for name in [
        MANIFEST_FILE,
        SIGNATURE_FILE,
        "signing-public-key.pem",
        SNAPSHOT_FILE,
        "report.pdf",
    ] {
        let (latest, _, _) = w.objects.latest(&format!("{}{name}", run.prefix)).unwrap();
        assert_eq!(run.pinned_version(name), Some(latest.as_str()), "{name}");
    }
    // The downloaded bundle passes the auditor's offline verification, naming the key's ARN.
    let bundle = download_bundle(&w.objects, &run.prefix, Pins::Run(&run))
        .await
        .unwrap();
    let verified = attest_reports::verify::verify(&bundle, &w.signer.anchor()).unwrap();
    assert_eq!(verified.key_arn, KEY_ARN);
}

#[tokio::test]
async fn a_version_stacked_over_a_published_file_changes_nothing_for_a_pinned_download() {
    let w = workflow(KeySigner::new(7, 7));
    let run = w.run(&request(&w)).await.unwrap();
    let pinned = download_bundle(&w.objects, &run.prefix, Pins::Run(&run))
        .await
        .unwrap();
    // Anyone with PutObject on reports/ stacks new versions over an output and the manifest.
    for name in ["report.csv", MANIFEST_FILE] {
        let key = format!("{}{name}", run.prefix);
        w.objects.insert(&key, b"forged".to_vec(), None);
    }
    let again = download_bundle(&w.objects, &run.prefix, Pins::Run(&run))
        .await
        .unwrap();
    assert_eq!(again.files, pinned.files);
    assert_eq!(again.evidence, pinned.evidence);
    attest_reports::verify::verify(&again, &w.signer.anchor()).unwrap();
    // Without the run record nothing says which version was published: refused by name.
    match download_bundle(&w.objects, &run.prefix, Pins::SingleVersion).await {
        Err(FetchError::SeveralVersions { key, count }) => {
            assert_eq!((key, count), (format!("{}{MANIFEST_FILE}", run.prefix), 2));
        }
        other => panic!("expected SeveralVersions, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn a_bundle_with_one_version_per_file_downloads_without_its_run_record() {
    let w = workflow(KeySigner::new(7, 7));
    let run = w.run(&request(&w)).await.unwrap();
    let pinned = download_bundle(&w.objects, &run.prefix, Pins::Run(&run))
        .await
        .unwrap();
    let unpinned = download_bundle(&w.objects, &run.prefix, Pins::SingleVersion)
        .await
        .unwrap();
    assert_eq!(unpinned.files, pinned.files);
}

#[tokio::test]
async fn a_retry_after_the_signing_key_changed_keeps_the_manifest_and_stops_naming_both_keys() {
    let w = workflow(KeySigner::new(7, 7));
    let request = request(&w);
    // The first attempt stores the bundle, then cannot read it back.
    w.objects.failing_reads.store(true, Ordering::SeqCst);
    assert!(w.run(&request).await.is_err());
    w.objects.failing_reads.store(false, Ordering::SeqCst);
    let failed = w.runs.only();
    let manifest_key = format!("{}{MANIFEST_FILE}", failed.prefix);
    let (manifest_version, _, _) = w.objects.latest(&manifest_key).unwrap();
    // The function is pointed at a new key before the retry.
    let rotated = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-4333-8444-555555555555";
    *w.signer.arn.lock().unwrap() = rotated.to_string();
    let err = w.run(&request).await.unwrap_err();
    match &err {
        ReportRunError::SigningKeyChanged {
            manifest_key: named,
            signer_key,
        } => assert_eq!((named.as_str(), signer_key.as_str()), (KEY_ARN, rotated)),
        other => panic!("expected SigningKeyChanged, got {other}"),
    }
    assert!(!err.is_retryable());
    let (version, _, _) = w.objects.latest(&manifest_key).unwrap();
    assert_eq!(version, manifest_version, "the manifest is never rewritten");
    // Back on the key the manifest names, the run completes.
    *w.signer.arn.lock().unwrap() = KEY_ARN.to_string();
    assert_eq!(
        w.run(&request).await.unwrap().status,
        ReportStatus::Published
    );
}

#[tokio::test]
async fn a_failed_write_after_published_is_refused_and_reported() {
    let w = workflow(KeySigner::new(7, 7));
    let run = w.run(&request(&w)).await.unwrap();
    let mut late = run.clone();
    late.status = ReportStatus::Failed;
    late.error = Some("a slower attempt failed".into());
    assert!(!w.runs.replace(&late).await.unwrap());
    assert_eq!(w.runs.only(), run);
    let stored = w.record(&late).await.unwrap().unwrap();
    assert_eq!(stored.status, ReportStatus::Published);
}

#[tokio::test]
async fn missing_or_changed_evidence_stops_the_snapshot_naming_key_and_hashes() {
    let w = workflow(KeySigner::new(7, 7));
    let request = request(&w);
    let first = w.snapshot(&request).await.unwrap().evidence[0].clone();
    w.objects.remove(&first.key);
    match w.run(&request).await.unwrap_err() {
        ReportRunError::MissingEvidence { key, record } => {
            assert_eq!(key, first.key);
            assert!(!record.is_empty());
        }
        other => panic!("expected MissingEvidence, got {other}"),
    }
    w.objects
        .insert(&first.key, b"{}".to_vec(), Some("0".repeat(64)));
    let err = w.run(&request).await.unwrap_err();
    let message = err.to_string();
    match err {
        ReportRunError::EvidenceHash {
            key,
            stored,
            recorded,
            ..
        } => {
            assert_eq!(key, first.key);
            // The bytes themselves are hashed, whatever the object's metadata claims.
            assert_eq!(stored, Some(attest_domain::canonical::sha256_hex(b"{}")));
            assert_eq!(recorded, first.sha256);
        }
        other => panic!("expected EvidenceHash, got {other}"),
    }
    assert!(
        message.contains(&first.key) && message.contains(&first.sha256),
        "{message}"
    );
    assert!(
        w.runs.0.lock().unwrap().is_empty(),
        "no run is recorded for a refused snapshot"
    );
}

#[tokio::test]
async fn a_published_run_is_returned_as_it_is() {
    let w = workflow(KeySigner::new(7, 7));
    let request = request(&w);
    let first = w.run(&request).await.unwrap();
    let versions = w.objects.version_count();
    // Even with every read failing: nothing is read, rendered or signed again.
    w.objects.failing_reads.store(true, Ordering::SeqCst);
    let again = w.run(&request).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(w.objects.version_count(), versions);
    assert_eq!(w.signer.signatures.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn verification_failure_marks_the_run_failed_never_published() {
    // The signature is made with another key than the one published beside it.
    let w = workflow(KeySigner::new(7, 9));
    let request = request(&w);
    let err = w.run(&request).await.unwrap_err();
    assert!(matches!(err, ReportRunError::Verification(_)), "{err}");
    assert!(!err.is_retryable());
    let run = w.runs.only();
    assert_eq!(run.status, ReportStatus::Failed);
    assert!(
        run.verification.as_deref().unwrap().starts_with("FAILED: "),
        "{run:?}"
    );
    assert_eq!(run.error, Some(err.to_string()));
    // A retry verifies again and fails again: the stored signature does not become valid.
    assert!(w.run(&request).await.is_err());
    let run = w.runs.only();
    assert_eq!((run.status, run.attempts), (ReportStatus::Failed, 2));
}

#[tokio::test]
async fn a_failed_run_resumes_with_its_stored_snapshot_and_keeps_its_signature() {
    let w = workflow(KeySigner::new(7, 7));
    let request = request(&w);
    // Reads fail after the bundle is stored: verification cannot read it back.
    let snapshot = w.snapshot(&request).await.unwrap();
    w.objects.failing_reads.store(true, Ordering::SeqCst);
    let err = w.run(&request).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    let failed = w.runs.only();
    assert_eq!(failed.status, ReportStatus::Failed);
    let signature_key = format!("{}{SIGNATURE_FILE}", failed.prefix);
    let (signature_version, _, _) = w.objects.latest(&signature_key).unwrap();
    assert_eq!(w.signer.signatures.load(Ordering::SeqCst), 1);

    // A new snapshot now would fail (an evidence object is gone); the resumed run never takes one.
    w.objects.remove(&snapshot.evidence[0].key);
    w.objects.failing_reads.store(false, Ordering::SeqCst);
    let run = w.run(&request).await.unwrap();
    assert_eq!((run.status, run.attempts), (ReportStatus::Published, 2));
    assert_eq!(run.snapshot_sha256, failed.snapshot_sha256);
    assert_eq!(stored_snapshot(&w, &run), snapshot);
    assert_eq!(
        w.signer.signatures.load(Ordering::SeqCst),
        1,
        "signed again"
    );
    let (version, _, _) = w.objects.latest(&signature_key).unwrap();
    assert_eq!(version, signature_version);
}

#[tokio::test]
async fn a_stored_snapshot_whose_bytes_changed_is_refused() {
    let w = workflow(KeySigner::new(7, 9));
    let request = request(&w);
    assert!(w.run(&request).await.is_err());
    let failed = w.runs.only();
    let (_, bytes, sha256) = w.objects.latest(&failed.snapshot_key).unwrap();
    let mut changed = bytes.clone();
    changed.push(b' ');
    // Replace the stored version in place (what the run record pins), as tampering would.
    w.objects.versions.lock().unwrap().insert(
        failed.snapshot_key.clone(),
        vec![(failed.snapshot_version_id.clone().unwrap(), changed, sha256)],
    );
    match w.run(&request).await.unwrap_err() {
        ReportRunError::SnapshotChanged { key, recorded, .. } => {
            assert_eq!(key, failed.snapshot_key);
            assert_eq!(recorded, failed.snapshot_sha256);
        }
        other => panic!("expected SnapshotChanged, got {other}"),
    }
    assert_eq!(w.runs.only().status, ReportStatus::Failed);
}

/// A collected run over `period` for the PCI S3 encryption control, with its evidence object.
fn collected_run(period: &str) -> RunRecord {
    let (start, end) = period.split_once('/').unwrap();
    let control = "pci-3.4-s3-encryption-posture";
    let key = format!("evidence/collected/{control}/{start}.json");
    RunRecord {
        pk: attest_domain::collection::run::run_pk(control),
        sk: period.to_string(),
        control: control.into(),
        framework: FRAMEWORK.into(),
        control_id: "3.4".into(),
        period_start: start.into(),
        period_end: end.into(),
        collector: "s3-encryption".into(),
        collector_version: "1".into(),
        status: attest_domain::collection::RunStatus::Collected,
        status_sort: format!("{end}#{control}"),
        attempts: 1,
        claimed_by: "req-1".into(),
        lease_until: end.into(),
        catalogue_version: "test".into(),
        collected_at: Some(end.into()),
        collected_by: None,
        evidence_sha256: Some(attest_domain::canonical::sha256_hex(
            format!("evidence of {period}").as_bytes(),
        )),
        evidence_key: Some(key),
        evidence_version_id: None,
        error: None,
    }
}

#[tokio::test]
async fn collection_runs_count_when_they_overlap_the_half_open_period() {
    let inside = collected_run("2026-11-30T00:00:00.000Z/2026-12-01T00:00:00.000Z");
    let before = collected_run("2026-10-31T00:00:00.000Z/2026-11-01T00:00:00.000Z");
    // Starts as November ends: December's evidence. Compared as text (`.000Z` against `Z`), it
    // was once counted in November's report.
    let after = collected_run("2026-12-01T00:00:00.000Z/2026-12-02T00:00:00.000Z");
    let w = workflow_with_runs(
        KeySigner::new(7, 7),
        vec![inside.clone(), before.clone(), after.clone()],
    );
    let run = w.run(&request(&w)).await.unwrap();
    assert_eq!(run.status, ReportStatus::Published);
    let keys: Vec<String> = stored_snapshot(&w, &run)
        .evidence
        .into_iter()
        .filter(|item| item.collection.is_some())
        .map(|item| item.key)
        .collect();
    assert_eq!(keys, [inside.evidence_key.unwrap()]);
}

#[tokio::test]
async fn a_collection_run_with_an_unreadable_period_fails_the_run_by_name() {
    let mut broken = collected_run("2026-11-30T00:00:00.000Z/2026-12-01T00:00:00.000Z");
    broken.period_end = "tomorrow".into();
    let w = workflow_with_runs(KeySigner::new(7, 7), vec![broken]);
    let err = w.run(&request(&w)).await.unwrap_err();
    assert!(matches!(err, ReportRunError::BadRecord { .. }), "{err}");
    assert!(err.to_string().contains("tomorrow"), "{err}");
    assert!(!err.is_retryable());
}

mod carried_state;
