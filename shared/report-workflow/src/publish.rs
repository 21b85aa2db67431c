//! Step 3: render the outputs from the snapshot (off the async workers) and store them, then the
//! manifest, the signing key's public key and the manifest's signature, all under the run's prefix.
//! Everything but the signature is deterministic, so a retry rewrites nothing; the signature
//! already stored is kept.
//!
//! The manifest names the signing key (its ARN, as KMS answers it). It is written once: a retried
//! run finds it and keeps it. If the configured key has changed since (a rotation to a new key
//! between a failed attempt and its retry), the retry stops naming both keys rather than sign a
//! manifest with a key it does not name; point the function back at the key the manifest names, or
//! request a new run.

use std::sync::Arc;

use attest_reports::evaluate::evaluate;
use attest_reports::manifest::{
    public_key_pem, signature_record, FileEntry, Manifest, SigningKey, MANIFEST_FILE,
    PUBLIC_KEY_FILE, SIGNATURE_FILE,
};
use attest_reports::render::{check_template_version, Output, OUTPUTS};
use attest_reports::request::{ReportRun, StoredOutput};
use attest_reports::snapshot::Snapshot;

use crate::ports::{Objects, Ports, Signer};
use crate::{ReportRunError, ReportWorkflow};

/// What publishing stored, for the verification that follows.
pub struct Published {
    pub manifest: Manifest,
    /// The signing key's public key as stored in the bundle.
    pub public_key_pem: String,
}

impl<P: Ports> ReportWorkflow<P> {
    /// Store the bundle and record in `run` what was stored (outputs, manifest hash, Merkle root).
    pub async fn publish(
        &self,
        run: &mut ReportRun,
        snapshot: Arc<Snapshot>,
        snapshot_entry: FileEntry,
    ) -> Result<Published, ReportRunError> {
        check_template_version(&snapshot)?;
        // Evaluating and rendering are CPU work: keep them off the async workers.
        let report = {
            let snapshot = Arc::clone(&snapshot);
            Arc::new(off_the_workers(move || Ok(evaluate(&snapshot))).await?)
        };
        // One output at a time, each dropped once stored: a large report holds one output, not six.
        let mut stored = Vec::with_capacity(OUTPUTS.len());
        let mut entries = Vec::with_capacity(OUTPUTS.len());
        for spec in OUTPUTS {
            let output: Output = {
                let (snapshot, report) = (Arc::clone(&snapshot), Arc::clone(&report));
                off_the_workers(move || Ok(spec.render(&snapshot, &report)?)).await?
            };
            let key = format!("{}{}", run.prefix, output.name);
            let version_id = self
                .objects
                .put_once(&key, &output.bytes, output.media_type)
                .await?;
            let entry = FileEntry::of(output.name, output.media_type, &output.bytes);
            stored.push(StoredOutput {
                name: output.name.to_string(),
                sha256: entry.sha256.clone(),
                version_id,
            });
            entries.push(entry);
        }
        drop(report);
        let public = self.signer.public_key().await?;
        let signing_key = SigningKey::from_arn(&public.key_arn)
            .map_err(|e| ReportRunError::Signer(format!("kms:GetPublicKey: {e}")))?;
        let pem = public_key_pem(&public.bytes)
            .map_err(|e| ReportRunError::Signer(format!("kms:GetPublicKey: {e}")))?;
        let manifest = Manifest::from_entries(&snapshot, snapshot_entry, entries, signing_key);
        let manifest_bytes = manifest.to_canonical()?;
        let manifest_key = format!("{}{MANIFEST_FILE}", run.prefix);
        self.refuse_a_manifest_of_another_key(&manifest_key, &manifest, &manifest_bytes)
            .await?;
        let manifest_version_id = self
            .objects
            .put_once(&manifest_key, &manifest_bytes, "application/json")
            .await?;
        let public_key_version_id = self
            .objects
            .put_once(
                &format!("{}{PUBLIC_KEY_FILE}", run.prefix),
                pem.as_bytes(),
                "application/x-pem-file",
            )
            .await?;
        // ECDSA signatures differ on every call: a retried run keeps the signature already stored.
        let sig_key = format!("{}{SIGNATURE_FILE}", run.prefix);
        let signature_version_id = match self.objects.head(&sig_key).await? {
            Some(head) => head.version_id,
            None => {
                let signed = self
                    .signer
                    .sign_digest(&attest_domain::canonical::sha256(&manifest_bytes))
                    .await?;
                if signed.key_arn != manifest.signing_key.key_arn {
                    return Err(ReportRunError::SigningKeyChanged {
                        manifest_key: manifest.signing_key.key_arn.clone(),
                        signer_key: signed.key_arn,
                    });
                }
                let record = signature_record(&manifest_bytes, &signed.key_arn, &signed.bytes);
                let bytes = attest_domain::canonical::serialize(&record)
                    .map_err(|e| ReportRunError::Verification(e.to_string()))?;
                self.objects
                    .put_once(&sig_key, &bytes, "application/json")
                    .await?
            }
        };
        run.manifest_version_id = manifest_version_id;
        run.public_key_version_id = public_key_version_id;
        run.signature_version_id = signature_version_id;
        run.outputs = stored;
        run.manifest_sha256 = Some(attest_domain::canonical::sha256_hex(&manifest_bytes));
        run.merkle_root = Some(manifest.merkle_root.clone());
        Ok(Published {
            manifest,
            public_key_pem: pem,
        })
    }
}

/// Run CPU work on Tokio's blocking pool.
async fn off_the_workers<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ReportRunError> + Send + 'static,
) -> Result<T, ReportRunError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ReportRunError::Verification(format!("renderer stopped: {e}")))?
}

impl<P: Ports> ReportWorkflow<P> {
    /// A manifest already stored that is ours but for the signing key: the key changed between
    /// attempts. Anything else that differs is left to `put_once`, which refuses it by key.
    async fn refuse_a_manifest_of_another_key(
        &self,
        key: &str,
        ours: &Manifest,
        our_bytes: &[u8],
    ) -> Result<(), ReportRunError> {
        let Some(head) = self.objects.head(key).await? else {
            return Ok(());
        };
        if head.sha256.as_deref() == Some(attest_domain::canonical::sha256_hex(our_bytes).as_str())
        {
            return Ok(());
        }
        let bytes = self.objects.get(key, head.version_id.as_deref()).await?;
        let Ok(stored) = serde_json::from_slice::<Manifest>(&bytes) else {
            return Ok(());
        };
        let same_but_key = Manifest {
            signing_key: stored.signing_key.clone(),
            ..ours.clone()
        } == stored;
        if same_but_key && stored.signing_key != ours.signing_key {
            return Err(ReportRunError::SigningKeyChanged {
                manifest_key: stored.signing_key.key_arn,
                signer_key: ours.signing_key.key_arn.clone(),
            });
        }
        Ok(())
    }
}
