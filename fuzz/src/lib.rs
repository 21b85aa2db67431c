//! What the fuzz targets share: how one fuzz input carries several files, and the catalogue and
//! signing key built once per process.

use std::sync::OnceLock;

use attest_domain::Catalogue;

/// Separates the files of one input. 0xFF never occurs in UTF-8, so text files (CSV, JSON, PEM)
/// never contain it, and seeds are the files joined with it.
pub const SEPARATOR: u8 = 0xFF;

/// The parts of `data` between separators (`n + 1` parts for `n` separators).
pub fn parts(data: &[u8]) -> Vec<&[u8]> {
    data.split(|b| *b == SEPARATOR).collect()
}

/// `files` joined with [`SEPARATOR`]: the inverse of [`parts`], for seeds.
pub fn join(files: &[&[u8]]) -> Vec<u8> {
    files.join(&[SEPARATOR][..])
}

/// The catalogue compiled into the build, loaded once per process (intake does the same).
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| match Catalogue::embedded() {
        Ok(catalogue) => catalogue,
        Err(e) => panic!("the embedded catalogue does not load: {e}"),
    })
}

/// The report signer of the `verify_bundle` target and its seeds: a fixed P-256 key.
pub fn signing_key() -> p256::ecdsa::SigningKey {
    match p256::ecdsa::SigningKey::from_slice(&[7; 32]) {
        Ok(key) => key,
        Err(e) => panic!("fixed signing key: {e}"),
    }
}

/// The KMS key ARN the seeds' manifests name.
pub const KEY_ARN: &str =
    "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-0000-4000-8000-000000000007";

/// Mode bits of a `verify_bundle` input (its first byte).
pub mod mode {
    /// Sign the manifest with [`super::signing_key`] and ship that key's PEM, so the fuzzer reaches
    /// the checks after the signature (a hostile bundle from someone holding the real key).
    pub const SIGN: u8 = 1;
    /// Set the SHA-256s the manifest and snapshot state to those of the files given, and the
    /// manifest's evidence list and Merkle root to the snapshot's, so the fuzzer reaches evidence
    /// re-derivation and re-rendering.
    pub const FIX_HASHES: u8 = 2;
    /// Copy the snapshot's run header and framework into the manifest.
    pub const FIX_HEADER: u8 = 4;
    /// Trust the key through its PEM (else its fingerprint; bit 4 a trust file).
    pub const ANCHOR_PEM: u8 = 8;
    pub const ANCHOR_TRUST_FILE: u8 = 16;
}

/// `verify_bundle`'s input as a bundle and a trust anchor (see that target for the framing).
pub mod bundle {
    use std::collections::BTreeMap;
    use std::path::{Component, Path};
    use std::sync::OnceLock;

    use attest_domain::canonical::{sha256, sha256_hex};
    use attest_reports::manifest::{
        merkle_root_of, public_key_fingerprint, public_key_pem, signature_record, MANIFEST_FILE,
        PUBLIC_KEY_FILE, SIGNATURE_FILE, SNAPSHOT_FILE,
    };
    use attest_reports::trust::TrustedKey;
    use attest_reports::verify::{check_bundle_path, BundleReader, MemoryBundle, TrustAnchor};
    use attest_reports::Snapshot;
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    use p256::ecdsa::Signature;
    use p256::pkcs8::EncodePublicKey;
    use serde_json::{json, Value};

    use super::mode;

    /// The bundle's files behind the folder reader's name check.
    pub struct Checked(pub MemoryBundle);

    fn checked(name: &str) -> Result<(), String> {
        check_bundle_path(name)?;
        let inside = Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        assert!(
            inside,
            "check_bundle_path accepted `{name}`, which leaves the folder"
        );
        Ok(())
    }

    impl BundleReader for Checked {
        fn file(&self, name: &str) -> Result<Vec<u8>, String> {
            checked(name)?;
            self.0.file(name)
        }
        fn evidence(&self, key: &str, version_id: Option<&str>) -> Result<Vec<u8>, String> {
            checked(key)?;
            self.0.evidence(key, version_id)
        }
    }

    /// The signer's PEM and fingerprint.
    pub fn public_key() -> &'static (String, String) {
        static KEY: OnceLock<(String, String)> = OnceLock::new();
        KEY.get_or_init(|| {
            let der = super::signing_key()
                .verifying_key()
                .to_public_key_der()
                .map_err(|e| e.to_string())
                .and_then(|der| public_key_pem(der.as_bytes()));
            let pem = match der {
                Ok(pem) => pem,
                Err(e) => panic!("fixed key PEM: {e}"),
            };
            match public_key_fingerprint(&pem) {
                Ok(fingerprint) => (pem, fingerprint),
                Err(e) => panic!("fixed key fingerprint: {e}"),
            }
        })
    }

    /// `object[name] = value`, when `object` is an object.
    fn set(object: &mut Value, name: &str, value: Value) {
        if let Some(members) = object.as_object_mut() {
            members.insert(name.to_string(), value);
        }
    }

    /// The snapshot with each evidence item's `sha256` that of the object given under its key.
    fn fix_snapshot(bytes: &[u8], objects: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
        let Ok(mut snapshot) = serde_json::from_slice::<Value>(bytes) else {
            return bytes.to_vec();
        };
        if let Some(items) = snapshot.get_mut("evidence").and_then(Value::as_array_mut) {
            for item in items {
                let hash = item
                    .get("key")
                    .and_then(Value::as_str)
                    .and_then(|key| objects.get(key))
                    .map(|object| sha256_hex(object));
                if let Some(hash) = hash {
                    set(item, "sha256", Value::from(hash));
                }
            }
        }
        serde_json::to_vec(&snapshot).unwrap_or_else(|_| bytes.to_vec())
    }

    /// The manifest made to agree with the snapshot and the files given, as `mode` asks.
    fn fix_manifest(
        bytes: &[u8],
        snapshot_bytes: &[u8],
        bundle: &MemoryBundle,
        mode: u8,
    ) -> Vec<u8> {
        let Ok(mut manifest) = serde_json::from_slice::<Value>(bytes) else {
            return bytes.to_vec();
        };
        let snapshot = Snapshot::from_json(snapshot_bytes).ok();
        if mode & mode::FIX_HASHES != 0 {
            if let Some(entry) = manifest.get_mut("snapshot") {
                set(entry, "sha256", Value::from(sha256_hex(snapshot_bytes)));
            }
            if let Some(outputs) = manifest.get_mut("outputs").and_then(Value::as_array_mut) {
                // Outputs the input does not carry are dropped, so re-rendering is reached.
                outputs.retain(|o| {
                    o.get("name")
                        .and_then(Value::as_str)
                        .is_some_and(|name| bundle.files.contains_key(name))
                });
                for output in outputs {
                    let hash = output
                        .get("name")
                        .and_then(Value::as_str)
                        .and_then(|name| bundle.files.get(name))
                        .map(|body| sha256_hex(body));
                    if let Some(hash) = hash {
                        set(output, "sha256", Value::from(hash));
                    }
                }
            }
            if let Some(snapshot) = &snapshot {
                let evidence: Vec<Value> = snapshot
                    .evidence
                    .iter()
                    .map(|e| match &e.version_id {
                        Some(v) => json!({"key": e.key, "version_id": v, "sha256": e.sha256}),
                        None => json!({"key": e.key, "sha256": e.sha256}),
                    })
                    .collect();
                set(&mut manifest, "evidence", Value::from(evidence));
                set(
                    &mut manifest,
                    "merkle_root",
                    Value::from(merkle_root_of(snapshot)),
                );
            }
        }
        if mode & mode::FIX_HEADER != 0 {
            if let Some(snapshot) = &snapshot {
                let (start, end) = snapshot.header.period.rfc3339_ends();
                let header = &snapshot.header;
                for (name, value) in [
                    ("run_id", header.run_id.clone()),
                    ("period_start", start),
                    ("period_end", end),
                    ("generated_at", header.generated_at.clone()),
                    ("catalogue_version", header.catalogue_version.clone()),
                    ("template_version", header.template_version.clone()),
                    ("framework", snapshot.framework.id.clone()),
                ] {
                    set(&mut manifest, name, Value::from(value));
                }
            }
        }
        serde_json::to_vec(&manifest).unwrap_or_else(|_| bytes.to_vec())
    }

    /// A signature record over `manifest` by the fixed key, naming the key the manifest names.
    fn sign(manifest: &[u8]) -> Vec<u8> {
        let key_id = serde_json::from_slice::<Value>(manifest)
            .ok()
            .and_then(|m| {
                m.pointer("/signing_key/key_arn")?
                    .as_str()
                    .map(str::to_string)
            })
            .unwrap_or_else(|| super::KEY_ARN.to_string());
        let signature: Signature = match super::signing_key().sign_prehash(&sha256(manifest)) {
            Ok(signature) => signature,
            Err(e) => panic!("signing with the fixed key: {e}"),
        };
        let record = signature_record(manifest, &key_id, signature.to_der().as_bytes());
        serde_json::to_vec(&record).unwrap_or_default()
    }

    /// The bundle and anchor `data` describes: a mode byte, then manifest, snapshot, signature
    /// record, public key PEM and name/body pairs separated by 0xFF. `None` for an empty input.
    pub fn from_input(data: &[u8]) -> Option<(Checked, TrustAnchor)> {
        let (&mode, rest) = data.split_first()?;
        let parts = super::parts(rest);
        let part = |i: usize| parts.get(i).copied().unwrap_or_default().to_vec();
        let mut bundle = MemoryBundle::default();
        for pair in parts.get(4..).unwrap_or_default().chunks(2) {
            let name = String::from_utf8_lossy(pair[0]).into_owned();
            let body = pair.get(1).copied().unwrap_or_default().to_vec();
            bundle.files.insert(name.clone(), body.clone());
            bundle.evidence.insert(name, body);
        }
        let mut snapshot = part(1);
        let mut manifest = part(0);
        if mode & mode::FIX_HASHES != 0 {
            snapshot = fix_snapshot(&snapshot, &bundle.evidence);
        }
        if mode & (mode::FIX_HASHES | mode::FIX_HEADER) != 0 {
            manifest = fix_manifest(&manifest, &snapshot, &bundle, mode);
        }
        let (pem, fingerprint) = public_key();
        let (signature, bundle_pem) = if mode & mode::SIGN != 0 {
            (sign(&manifest), pem.clone().into_bytes())
        } else {
            (part(2), part(3))
        };
        bundle.files.insert(MANIFEST_FILE.into(), manifest);
        bundle.files.insert(SNAPSHOT_FILE.into(), snapshot);
        bundle.files.insert(SIGNATURE_FILE.into(), signature);
        bundle.files.insert(PUBLIC_KEY_FILE.into(), bundle_pem);
        let anchor = if mode & mode::ANCHOR_PEM != 0 {
            TrustAnchor::PublicKey(pem.clone())
        } else if mode & mode::ANCHOR_TRUST_FILE != 0 {
            TrustAnchor::TrustFile(vec![TrustedKey {
                fingerprint: fingerprint.clone(),
                key_arn: super::KEY_ARN.into(),
                account: "123456789012".into(),
            }])
        } else {
            TrustAnchor::Fingerprint(fingerprint.clone())
        };
        Some((Checked(bundle), anchor))
    }
}
