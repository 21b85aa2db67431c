//! Step 3: render the outputs from the snapshot (off the async workers) and store them, then the
//! manifest, the signing key's public key and the manifest's signature, all under the run's prefix.
//! Everything but the signature is deterministic, so a retry rewrites nothing; the signature
//! already stored is kept.

use attest_reports::manifest::{
    public_key_pem, signature_record, Manifest, MANIFEST_FILE, PUBLIC_KEY_FILE, SIGNATURE_FILE,
};
use attest_reports::render::render_all;
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
        snapshot: &Snapshot,
        snapshot_bytes: &[u8],
    ) -> Result<Published, ReportRunError> {
        let owned = snapshot.clone();
        // Rendering a large PDF is CPU work: keep it off the async workers.
        let outputs = tokio::task::spawn_blocking(move || render_all(&owned))
            .await
            .map_err(|e| ReportRunError::Verification(format!("renderer stopped: {e}")))??;
        let mut stored = Vec::with_capacity(outputs.len());
        for output in &outputs {
            let key = format!("{}{}", run.prefix, output.name);
            let version_id = self
                .objects
                .put_once(&key, &output.bytes, output.media_type)
                .await?;
            stored.push(StoredOutput {
                name: output.name.to_string(),
                sha256: attest_domain::canonical::sha256_hex(&output.bytes),
                version_id,
            });
        }
        let manifest = Manifest::build(snapshot, snapshot_bytes, &outputs);
        let manifest_bytes = manifest.to_canonical()?;
        self.objects
            .put_once(
                &format!("{}{MANIFEST_FILE}", run.prefix),
                &manifest_bytes,
                "application/json",
            )
            .await?;
        let pem = public_key_pem(&self.signer.public_key().await?)
            .map_err(|e| ReportRunError::Verification(format!("KMS public key: {e}")))?;
        self.objects
            .put_once(
                &format!("{}{PUBLIC_KEY_FILE}", run.prefix),
                pem.as_bytes(),
                "application/x-pem-file",
            )
            .await?;
        // ECDSA signatures differ on every call: a retried run keeps the signature already stored.
        let sig_key = format!("{}{SIGNATURE_FILE}", run.prefix);
        if self.objects.head(&sig_key).await?.is_none() {
            let der = self
                .signer
                .sign_digest(&attest_domain::canonical::sha256(&manifest_bytes))
                .await?;
            let record = signature_record(&manifest_bytes, self.signer.key_id(), &der);
            let bytes = attest_domain::canonical::serialize(&record)
                .map_err(|e| ReportRunError::Verification(e.to_string()))?;
            self.objects
                .put_once(&sig_key, &bytes, "application/json")
                .await?;
        }
        run.outputs = stored;
        run.manifest_sha256 = Some(attest_domain::canonical::sha256_hex(&manifest_bytes));
        run.merkle_root = Some(manifest.merkle_root.clone());
        Ok(Published {
            manifest,
            public_key_pem: pem,
        })
    }
}
