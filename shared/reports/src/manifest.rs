//! The bundle manifest: every output's and every evidence item's SHA-256, the snapshot's hash and a
//! Merkle root over the evidence and the catalogue and template versions. It is canonical JSON, and
//! its SHA-256 is what the KMS key signs (ECDSA_SHA_256 over the digest), so one signature covers
//! every byte of the bundle.

use base64::Engine;
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use serde::{Deserialize, Serialize};

use crate::error::ReportError;
use crate::merkle;
use crate::render::Output;
use crate::snapshot::{RunHeader, Snapshot};

pub const MANIFEST_SCHEMA: &str = "attest.manifest/v1";
pub const MANIFEST_FILE: &str = "manifest.json";
pub const SIGNATURE_FILE: &str = "manifest.sig.json";
pub const PUBLIC_KEY_FILE: &str = "signing-public-key.pem";
pub const SNAPSHOT_FILE: &str = "snapshot.json";
pub const SIGNING_ALGORITHM: &str = "ECDSA_SHA_256";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub name: String,
    pub media_type: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceEntry {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema: String,
    #[serde(flatten)]
    pub header: RunHeader,
    pub framework: String,
    pub snapshot: FileEntry,
    pub outputs: Vec<FileEntry>,
    pub evidence: Vec<EvidenceEntry>,
    /// RFC 6962 Merkle root (hex) over [`merkle::report_leaves`].
    pub merkle_root: String,
}

/// The detached signature, stored next to the manifest. It names the KMS key, so a reader knows
/// which public key to fetch; the manifest itself does not, so a retried run may sign with a
/// rotated key without changing any published byte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestSignature {
    pub algorithm: String,
    pub key_id: String,
    /// SHA-256 (hex) of the manifest bytes: the digest that was signed.
    pub manifest_sha256: String,
    /// DER-encoded ECDSA signature, base64, exactly as KMS `Sign` returned it.
    pub signature: String,
}

fn entry(name: &str, media_type: &str, bytes: &[u8]) -> FileEntry {
    FileEntry {
        name: name.to_string(),
        media_type: media_type.to_string(),
        bytes: bytes.len() as u64,
        sha256: attest_domain::canonical::sha256_hex(bytes),
    }
}

pub fn merkle_root_of(snapshot: &Snapshot) -> String {
    hex::encode(merkle::root(&merkle::report_leaves(
        snapshot
            .evidence
            .iter()
            .map(|e| (e.key.clone(), e.version_id.clone(), e.sha256.clone())),
        &snapshot.header.catalogue_version,
        &snapshot.header.template_version,
    )))
}

impl Manifest {
    pub fn build(snapshot: &Snapshot, snapshot_bytes: &[u8], outputs: &[Output]) -> Self {
        Manifest {
            schema: MANIFEST_SCHEMA.to_string(),
            header: snapshot.header.clone(),
            framework: snapshot.framework.id.clone(),
            snapshot: entry(SNAPSHOT_FILE, "application/json", snapshot_bytes),
            outputs: outputs
                .iter()
                .map(|o| entry(o.name, o.media_type, &o.bytes))
                .collect(),
            evidence: snapshot
                .evidence
                .iter()
                .map(|e| EvidenceEntry {
                    key: e.key.clone(),
                    version_id: e.version_id.clone(),
                    sha256: e.sha256.clone(),
                })
                .collect(),
            merkle_root: merkle_root_of(snapshot),
        }
    }

    pub fn to_canonical(&self) -> Result<Vec<u8>, ReportError> {
        attest_domain::canonical::serialize(self).map_err(|e| ReportError::Render {
            output: MANIFEST_FILE,
            reason: e.to_string(),
        })
    }
}

/// The signature record for a manifest, from the DER signature KMS returned.
pub fn signature_record(manifest_bytes: &[u8], key_id: &str, der: &[u8]) -> ManifestSignature {
    ManifestSignature {
        algorithm: SIGNING_ALGORITHM.to_string(),
        key_id: key_id.to_string(),
        manifest_sha256: attest_domain::canonical::sha256_hex(manifest_bytes),
        signature: base64::engine::general_purpose::STANDARD.encode(der),
    }
}

/// PEM (SubjectPublicKeyInfo) of the DER public key KMS `GetPublicKey` returns.
pub fn public_key_pem(spki_der: &[u8]) -> Result<String, String> {
    use p256::pkcs8::EncodePublicKey;
    let key = p256::PublicKey::from_public_key_der(spki_der)
        .map_err(|e| format!("not a P-256 public key: {e}"))?;
    key.to_public_key_pem(p256::pkcs8::LineEnding::LF)
        .map_err(|e| e.to_string())
}

/// SHA-256 (hex) of the key's DER form: what a reader compares with the key KMS publishes.
pub fn public_key_fingerprint(pem: &str) -> Result<String, String> {
    use p256::pkcs8::EncodePublicKey;
    let key = p256::PublicKey::from_public_key_pem(pem)
        .map_err(|e| format!("not a P-256 public key PEM: {e}"))?;
    let der = key.to_public_key_der().map_err(|e| e.to_string())?;
    Ok(attest_domain::canonical::sha256_hex(der.as_bytes()))
}

/// Check `signature` over `manifest_bytes` with a P-256 public key (PEM), offline.
pub fn verify_signature(
    manifest_bytes: &[u8],
    signature: &ManifestSignature,
    public_key_pem: &str,
) -> Result<(), String> {
    if signature.algorithm != SIGNING_ALGORITHM {
        return Err(format!(
            "signature algorithm `{}` is not {SIGNING_ALGORITHM}",
            signature.algorithm
        ));
    }
    let digest = attest_domain::canonical::sha256(manifest_bytes);
    if hex::encode(digest) != signature.manifest_sha256 {
        return Err("the signature was made over a different manifest (SHA-256 differs)".into());
    }
    let key = VerifyingKey::from_public_key_pem(public_key_pem)
        .map_err(|e| format!("public key: not a P-256 key PEM: {e}"))?;
    let der = base64::engine::general_purpose::STANDARD
        .decode(&signature.signature)
        .map_err(|e| format!("signature is not base64: {e}"))?;
    let sig = Signature::from_der(&der).map_err(|e| format!("signature is not DER ECDSA: {e}"))?;
    key.verify_prehash(&digest, &sig)
        .map_err(|_| "signature does not verify with this public key".to_string())
}
