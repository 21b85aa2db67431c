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

/// v2 names the signing key (`signing_key`); v1 bundles named it only in the detached signature.
pub const MANIFEST_SCHEMA: &str = "attest.manifest/v2";
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

/// The KMS key that signs the manifest, as KMS names it (`KeyId` of `GetPublicKey` and `Sign` is
/// the key ARN); account and region are read from the ARN, so a trust file can be checked
/// against them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKey {
    pub key_arn: String,
    pub account: String,
    pub region: String,
}

impl SigningKey {
    /// From a KMS key ARN (`arn:PARTITION:kms:REGION:ACCOUNT:key/ID`); an alias ARN or a bare key
    /// id is refused, since it does not say which key signed.
    pub fn from_arn(arn: &str) -> Result<Self, String> {
        let parts: Vec<&str> = arn.split(':').collect();
        match parts.as_slice() {
            ["arn", partition, "kms", region, account, resource]
                if !partition.is_empty()
                    && !region.is_empty()
                    && account.len() == 12
                    && account.bytes().all(|b| b.is_ascii_digit())
                    && resource
                        .strip_prefix("key/")
                        .is_some_and(|id| !id.is_empty()) =>
            {
                Ok(SigningKey {
                    key_arn: arn.to_string(),
                    account: account.to_string(),
                    region: region.to_string(),
                })
            }
            _ => Err(format!(
                "`{arn}` is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)"
            )),
        }
    }
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
    /// The key that signs this manifest. The manifest is written once: a retried run finds it and
    /// keeps it, so a run is always signed by the key it first named (see `publish.rs`).
    pub signing_key: SigningKey,
}

/// The detached signature, stored next to the manifest. `key_id` is the ARN KMS answered `Sign`
/// with; verification requires it to be the manifest's `signing_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestSignature {
    pub algorithm: String,
    pub key_id: String,
    /// SHA-256 (hex) of the manifest bytes: the digest that was signed.
    pub manifest_sha256: String,
    /// DER-encoded ECDSA signature, base64, exactly as KMS `Sign` returned it.
    pub signature: String,
}

impl FileEntry {
    /// The entry of a file held in memory.
    pub fn of(name: &str, media_type: &str, bytes: &[u8]) -> FileEntry {
        FileEntry {
            name: name.to_string(),
            media_type: media_type.to_string(),
            bytes: bytes.len() as u64,
            sha256: attest_domain::canonical::sha256_hex(bytes),
        }
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
    pub fn build(
        snapshot: &Snapshot,
        snapshot_bytes: &[u8],
        outputs: &[Output],
        signing_key: SigningKey,
    ) -> Self {
        Self::from_entries(
            snapshot,
            FileEntry::of(SNAPSHOT_FILE, "application/json", snapshot_bytes),
            outputs
                .iter()
                .map(|o| FileEntry::of(o.name, o.media_type, &o.bytes))
                .collect(),
            signing_key,
        )
    }

    /// The manifest from the entries of files already stored (and no longer held).
    pub fn from_entries(
        snapshot: &Snapshot,
        snapshot_entry: FileEntry,
        outputs: Vec<FileEntry>,
        signing_key: SigningKey,
    ) -> Self {
        Manifest {
            schema: MANIFEST_SCHEMA.to_string(),
            header: snapshot.header.clone(),
            framework: snapshot.framework.id.clone(),
            snapshot: snapshot_entry,
            outputs,
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
            signing_key,
        }
    }

    pub fn to_canonical(&self) -> Result<Vec<u8>, ReportError> {
        attest_domain::canonical::to_vec(self).map_err(|e| ReportError::Render {
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

/// A P-256 public key from PEM (SubjectPublicKeyInfo) or DER bytes, the form
/// `aws kms get-public-key ... | base64 -d` writes.
pub fn parse_public_key(bytes: &[u8]) -> Result<p256::PublicKey, String> {
    let text = std::str::from_utf8(bytes).ok().map(str::trim_start);
    match text {
        Some(pem) if pem.starts_with("-----BEGIN") => p256::PublicKey::from_public_key_pem(pem)
            .map_err(|e| format!("not a P-256 public key PEM: {e}")),
        _ => p256::PublicKey::from_public_key_der(bytes)
            .map_err(|e| format!("neither a P-256 public key PEM nor DER: {e}")),
    }
}

/// `SHA256:` and the SHA-256 (hex) of the key's DER form: `sha256sum` of the DER file KMS
/// `GetPublicKey` returns gives the same digits.
pub fn public_key_fingerprint(pem: &str) -> Result<String, String> {
    use p256::pkcs8::EncodePublicKey;
    let key = parse_public_key(pem.as_bytes())?;
    let der = key.to_public_key_der().map_err(|e| e.to_string())?;
    Ok(format!(
        "SHA256:{}",
        attest_domain::canonical::sha256_hex(der.as_bytes())
    ))
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
