//! Step 4: download what was published, at the versions publishing stored, and check it (manifest
//! bytes, public key, signature, every output's hash) before the run may be marked PUBLISHED.

use std::collections::HashMap;

use attest_reports::manifest::{
    verify_signature, ManifestSignature, MANIFEST_FILE, PUBLIC_KEY_FILE, SIGNATURE_FILE,
};
use attest_reports::request::ReportRun;

use crate::ports::{Objects, Ports};
use crate::publish::Published;
use crate::{ReportRunError, ReportWorkflow};

impl<P: Ports> ReportWorkflow<P> {
    /// What was checked, for the run record; a [`ReportRunError::Verification`] naming the first
    /// thing that does not match.
    pub async fn verify(
        &self,
        run: &ReportRun,
        published: &Published,
    ) -> Result<String, ReportRunError> {
        let fail = |what: &str| ReportRunError::Verification(what.to_string());
        let manifest_bytes = self
            .objects
            .get(
                &format!("{}{MANIFEST_FILE}", run.prefix),
                run.manifest_version_id.as_deref(),
            )
            .await?;
        if Some(attest_domain::canonical::sha256_hex(&manifest_bytes)) != run.manifest_sha256 {
            return Err(fail(
                "manifest.json read back differs from what was written",
            ));
        }
        let pem = self
            .objects
            .get(
                &format!("{}{PUBLIC_KEY_FILE}", run.prefix),
                run.public_key_version_id.as_deref(),
            )
            .await?;
        if pem != published.public_key_pem.as_bytes() {
            return Err(fail(
                "signing-public-key.pem read back is not the signing key's public key",
            ));
        }
        let sig_bytes = self
            .objects
            .get(
                &format!("{}{SIGNATURE_FILE}", run.prefix),
                run.signature_version_id.as_deref(),
            )
            .await?;
        let signature: ManifestSignature = serde_json::from_slice(&sig_bytes)
            .map_err(|e| fail(&format!("manifest.sig.json: {e}")))?;
        verify_signature(&manifest_bytes, &signature, &published.public_key_pem)
            .map_err(|e| fail(&format!("manifest.sig.json: {e}")))?;
        let expected: HashMap<&str, &str> = published
            .manifest
            .outputs
            .iter()
            .map(|o| (o.name.as_str(), o.sha256.as_str()))
            .collect();
        for output in &run.outputs {
            let actual = self
                .objects
                .sha256_of(
                    &format!("{}{}", run.prefix, output.name),
                    output.version_id.as_deref(),
                )
                .await?;
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
