//! Offline verification of a report bundle, as `attest verify` runs it. Needs only read access to
//! the bundle's files and evidence objects; no AWS call, no trust in our tables.
//!
//! In order, stopping at the first failure (which is named):
//! 1. the manifest's signature, with a key the auditor's [`TrustAnchor`] accepts (the bundle's
//!    copy only when the anchor vouches for it);
//! 2. the snapshot's SHA-256 against the manifest, and that both describe the same run;
//! 3. completeness: the manifest lists exactly the snapshot's evidence, and each object is present
//!    and hashes to its recorded SHA-256; each evaluation's verdict (status, severity, disposition,
//!    subject, controls) is derived again from its evidence object by the code intake runs, with the
//!    catalogue version the snapshot pins, and must be what the snapshot says;
//! 4. the Merkle root, recomputed;
//! 5. each output's SHA-256 against the manifest;
//! 6. re-rendering the snapshot reproduces every output byte for byte.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use attest_domain::Period;

use crate::manifest::{
    merkle_root_of, verify_signature, Manifest, ManifestSignature, MANIFEST_FILE, PUBLIC_KEY_FILE,
    SIGNATURE_FILE, SNAPSHOT_FILE,
};
use crate::render::render_all;
use crate::snapshot::Snapshot;
pub use crate::trust::TrustAnchor;

/// The first thing that failed, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{item}: {reason}")]
pub struct VerifyError {
    pub item: String,
    pub reason: String,
}

fn fail(item: impl Into<String>, reason: impl Into<String>) -> VerifyError {
    VerifyError {
        item: item.into(),
        reason: reason.into(),
    }
}

/// Where the bundle's bytes come from: a folder, or objects downloaded from S3.
pub trait BundleReader {
    /// A bundle file by name (`manifest.json`, `report.pdf`, ...).
    fn file(&self, name: &str) -> Result<Vec<u8>, String>;
    /// An evidence object by S3 key (and version, where the source keeps versions).
    fn evidence(&self, key: &str, version_id: Option<&str>) -> Result<Vec<u8>, String>;
}

/// Refuses a bundle file name or evidence key that could name a file outside the bundle's folder
/// on any platform: names and keys come from the manifest, which whoever hands over the bundle
/// controls. Every name this system writes is `/`-separated ASCII words (`report.pdf`,
/// `evidence/123456789012/config/2026/11/02/<sha256>.json`), so anything else is refused: an
/// empty, `.` or `..` part, a leading `/`, a backslash, a drive or stream prefix (`:`), or a
/// control character.
pub fn check_bundle_path(relative: &str) -> Result<(), String> {
    let bad_part = relative
        .split('/')
        .any(|p| p.is_empty() || p == "." || p == "..");
    let bad_char = relative
        .chars()
        .any(|c| c == '\\' || c == ':' || c.is_control());
    if bad_part || bad_char {
        return Err(format!(
            "refusing path `{}`: bundle names are `/`-separated relative paths with no `.`, `..`, `\\` or `:`",
            relative.escape_debug()
        ));
    }
    Ok(())
}

/// A downloaded bundle: files at the top of the folder, evidence objects at `<folder>/<key>`.
pub struct FolderBundle {
    root: PathBuf,
}

impl FolderBundle {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FolderBundle { root: root.into() }
    }

    fn read(&self, relative: &str) -> Result<Vec<u8>, String> {
        check_bundle_path(relative)?;
        let path = self.root.join(Path::new(relative));
        std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    }
}

impl BundleReader for FolderBundle {
    fn file(&self, name: &str) -> Result<Vec<u8>, String> {
        self.read(name)
    }
    fn evidence(&self, key: &str, _version_id: Option<&str>) -> Result<Vec<u8>, String> {
        self.read(key)
    }
}

/// A bundle held in memory (what the CLI builds from S3 downloads).
#[derive(Default)]
pub struct MemoryBundle {
    pub files: BTreeMap<String, Vec<u8>>,
    pub evidence: BTreeMap<String, Vec<u8>>,
}

impl BundleReader for MemoryBundle {
    // The same path rule as a folder, so a manifest naming `../x` fails alike from S3 and disk.
    fn file(&self, name: &str) -> Result<Vec<u8>, String> {
        check_bundle_path(name)?;
        self.files
            .get(name)
            .cloned()
            .ok_or_else(|| format!("`{name}` is not in the bundle"))
    }
    fn evidence(&self, key: &str, _version_id: Option<&str>) -> Result<Vec<u8>, String> {
        check_bundle_path(key)?;
        self.evidence
            .get(key)
            .cloned()
            .ok_or_else(|| format!("evidence object `{key}` is not in the bundle"))
    }
}

/// What a successful verification checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub framework: String,
    pub period: Period,
    pub run_id: String,
    pub outputs: usize,
    pub evidence: usize,
    pub merkle_root: String,
    /// `SHA256:` and 64 hex digits.
    pub key_fingerprint: String,
    pub key_arn: String,
    /// Which kind of anchor vouched for the key.
    pub anchor: &'static str,
}

impl std::fmt::Display for Verified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "OK {} {}/{} run {}: signature valid (key {} {}, trusted by {}), {} outputs re-rendered byte-identical, {} evidence objects hashed, merkle root {}",
            self.framework,
            self.period.start.rfc3339(),
            self.period.end.rfc3339(),
            self.run_id,
            self.key_fingerprint,
            self.key_arn,
            self.anchor,
            self.outputs,
            self.evidence,
            self.merkle_root
        )
    }
}

/// Manifest and snapshot, read and parsed: needed first by verification and by the CLI's S3 path
/// (to know which objects to download).
pub fn read_manifest(bundle: &dyn BundleReader) -> Result<(Vec<u8>, Manifest), VerifyError> {
    let bytes = bundle
        .file(MANIFEST_FILE)
        .map_err(|e| fail(MANIFEST_FILE, e))?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| fail(MANIFEST_FILE, format!("not a manifest: {e}")))?;
    if manifest.schema != crate::manifest::MANIFEST_SCHEMA {
        return Err(fail(
            MANIFEST_FILE,
            format!("unknown schema `{}`", manifest.schema),
        ));
    }
    Ok((bytes, manifest))
}

pub fn verify(bundle: &dyn BundleReader, anchor: &TrustAnchor) -> Result<Verified, VerifyError> {
    let (manifest_bytes, manifest) = read_manifest(bundle)?;

    // 1. Signature.
    let sig_bytes = bundle
        .file(SIGNATURE_FILE)
        .map_err(|e| fail(SIGNATURE_FILE, e))?;
    let signature: ManifestSignature = serde_json::from_slice(&sig_bytes)
        .map_err(|e| fail(SIGNATURE_FILE, format!("not a signature record: {e}")))?;
    let (pem, key_fingerprint) = anchor
        .signing_key(&manifest.signing_key, || {
            let bytes = bundle
                .file(PUBLIC_KEY_FILE)
                .map_err(|e| (PUBLIC_KEY_FILE.to_string(), e))?;
            String::from_utf8(bytes)
                .map_err(|_| (PUBLIC_KEY_FILE.to_string(), "not UTF-8 PEM".to_string()))
        })
        .map_err(|(item, reason)| fail(item, reason))?;
    verify_signature(&manifest_bytes, &signature, &pem).map_err(|e| fail(SIGNATURE_FILE, e))?;
    if signature.key_id != manifest.signing_key.key_arn {
        return Err(fail(
            SIGNATURE_FILE,
            format!(
                "made by key {}, but the manifest names {}",
                signature.key_id, manifest.signing_key.key_arn
            ),
        ));
    }

    // 2. Snapshot.
    let snapshot_bytes = bundle
        .file(SNAPSHOT_FILE)
        .map_err(|e| fail(SNAPSHOT_FILE, e))?;
    let actual = attest_domain::canonical::sha256_hex(&snapshot_bytes);
    if actual != manifest.snapshot.sha256 {
        return Err(fail(
            SNAPSHOT_FILE,
            format!(
                "SHA-256 {actual} differs from the manifest's {}",
                manifest.snapshot.sha256
            ),
        ));
    }
    let snapshot =
        Snapshot::from_json(&snapshot_bytes).map_err(|e| fail(SNAPSHOT_FILE, e.to_string()))?;
    let (our_start, our_end) = snapshot.header.period.rfc3339_ends();
    let (their_start, their_end) = manifest.header.period.rfc3339_ends();
    for (what, ours, theirs) in [
        ("run id", &snapshot.header.run_id, &manifest.header.run_id),
        ("framework", &snapshot.framework.id, &manifest.framework),
        ("period start", &our_start, &their_start),
        ("period end", &our_end, &their_end),
        (
            "generated at",
            &snapshot.header.generated_at,
            &manifest.header.generated_at,
        ),
        (
            "catalogue version",
            &snapshot.header.catalogue_version,
            &manifest.header.catalogue_version,
        ),
        (
            "template version",
            &snapshot.header.template_version,
            &manifest.header.template_version,
        ),
    ] {
        if ours != theirs {
            return Err(fail(
                SNAPSHOT_FILE,
                format!("{what} `{ours}` differs from the manifest's `{theirs}`"),
            ));
        }
    }

    // 3. Completeness and evidence hashes.
    if manifest.evidence.len() != snapshot.evidence.len() {
        return Err(fail(
            MANIFEST_FILE,
            format!(
                "lists {} evidence items but the snapshot names {}",
                manifest.evidence.len(),
                snapshot.evidence.len()
            ),
        ));
    }
    let mut catalogue = None;
    for (listed, item) in manifest.evidence.iter().zip(&snapshot.evidence) {
        if listed.key != item.key
            || listed.sha256 != item.sha256
            || listed.version_id != item.version_id
        {
            return Err(fail(
                format!("evidence {}", item.key),
                "the manifest and the snapshot disagree on this item (key, version or hash)",
            ));
        }
        let bytes = bundle
            .evidence(&item.key, item.version_id.as_deref())
            .map_err(|e| fail(format!("evidence {}", item.key), format!("missing: {e}")))?;
        let actual = attest_domain::canonical::sha256_hex(&bytes);
        if actual != item.sha256 {
            return Err(fail(
                format!("evidence {}", item.key),
                format!("SHA-256 {actual} differs from the recorded {}", item.sha256),
            ));
        }
        if item.evaluation.is_some() {
            if catalogue.is_none() {
                catalogue = Some(pinned_catalogue(&snapshot)?);
            }
            if let Some(catalogue) = &catalogue {
                check_derived(catalogue, &snapshot.framework.id, item, &bytes)?;
            }
        }
    }

    // 4. Merkle root.
    let root = merkle_root_of(&snapshot);
    if root != manifest.merkle_root {
        return Err(fail(
            MANIFEST_FILE,
            format!(
                "merkle root {} does not match the recomputed {root}",
                manifest.merkle_root
            ),
        ));
    }

    // 5. Output hashes.
    let mut files = BTreeMap::new();
    for listed in &manifest.outputs {
        let bytes = bundle
            .file(&listed.name)
            .map_err(|e| fail(&listed.name, e))?;
        let actual = attest_domain::canonical::sha256_hex(&bytes);
        if actual != listed.sha256 {
            return Err(fail(
                &listed.name,
                format!(
                    "SHA-256 {actual} differs from the manifest's {}",
                    listed.sha256
                ),
            ));
        }
        files.insert(listed.name.clone(), bytes);
    }

    // 6. Re-render.
    let rendered = render_all(&snapshot).map_err(|e| fail("re-render", e.to_string()))?;
    if rendered.len() != manifest.outputs.len() {
        return Err(fail(
            MANIFEST_FILE,
            format!(
                "lists {} outputs but re-rendering gives {}",
                manifest.outputs.len(),
                rendered.len()
            ),
        ));
    }
    for output in &rendered {
        match files.get(output.name) {
            Some(bytes) if *bytes == output.bytes => {}
            Some(_) => {
                return Err(fail(
                    output.name,
                    "re-rendering the snapshot gives different bytes",
                ))
            }
            None => return Err(fail(output.name, "not listed in the manifest")),
        }
    }

    Ok(Verified {
        framework: manifest.framework,
        period: manifest.header.period,
        run_id: manifest.header.run_id,
        outputs: rendered.len(),
        evidence: snapshot.evidence.len(),
        merkle_root: root,
        key_fingerprint,
        key_arn: manifest.signing_key.key_arn,
        anchor: anchor.kind(),
    })
}

/// The catalogue compiled into this build, if it is the version the snapshot pins: another version
/// may map the same evidence to other controls, so verdicts could not be re-derived.
fn pinned_catalogue(snapshot: &Snapshot) -> Result<attest_domain::Catalogue, VerifyError> {
    let catalogue = attest_domain::Catalogue::embedded().map_err(|e| {
        fail(
            "catalogue",
            format!("this build's catalogue does not load: {e}"),
        )
    })?;
    if catalogue.version() != snapshot.header.catalogue_version {
        return Err(fail(
            SNAPSHOT_FILE,
            format!(
                "pinned to catalogue version {} but this attest carries {}: verify with the release that carries it",
                snapshot.header.catalogue_version,
                catalogue.version()
            ),
        ));
    }
    Ok(catalogue)
}

/// The evaluation and controls the snapshot states for an item must be the ones its evidence
/// object normalises to: a snapshot cannot say PASS over failing evidence.
fn check_derived(
    catalogue: &attest_domain::Catalogue,
    framework: &str,
    item: &crate::snapshot::EvidenceItem,
    bytes: &[u8],
) -> Result<(), VerifyError> {
    let what = || format!("evidence {}", item.key);
    let derived = attest_domain::normalize_evidence(bytes, catalogue)
        .map_err(|e| fail(what(), format!("does not normalise: {e}")))?;
    let expected = crate::snapshot::EvidenceItem::from_finding(
        &derived,
        &item.key,
        item.version_id.clone(),
        framework,
    );
    let Some(expected) = expected else {
        return Err(fail(
            what(),
            format!("its evidence bears on no control of {framework}"),
        ));
    };
    if let (Some(said), Some(derived)) = (&item.evaluation, &expected.evaluation) {
        let differing = said.differences(derived);
        if !differing.is_empty() {
            return Err(fail(
                what(),
                format!(
                    "the snapshot's {} differ from what the evidence says ({} in the snapshot, {} in the evidence)",
                    differing.join(", "),
                    said.summary(),
                    derived.summary()
                ),
            ));
        }
    }
    if expected.controls != item.controls
        || expected.observed_at != item.observed_at
        || expected.precedence != item.precedence
    {
        return Err(fail(
            what(),
            "the snapshot's controls, observation time or precedence are not the evidence's",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{
        public_key_fingerprint, public_key_pem, signature_record, Manifest, SigningKey,
    };
    use crate::trust::{TrustError, TrustedKey};
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    use p256::ecdsa::Signature;
    use p256::pkcs8::EncodePublicKey;

    const KEY_ARN: &str =
        "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-0000-4000-8000-000000000007";

    fn key(seed: u8) -> (p256::ecdsa::SigningKey, String) {
        let signing = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
        let der = signing.verifying_key().to_public_key_der().unwrap();
        (signing, public_key_pem(der.as_bytes()).unwrap())
    }

    /// A complete, signed bundle of the sample PCI report, as the report function would publish it.
    fn bundle(seed: u8) -> (MemoryBundle, String) {
        let (snapshot, objects) = crate::sample::from_events_with_objects("PCI-DSS-3.2.1").unwrap();
        let outputs = render_all(&snapshot).unwrap();
        signed(seed, &snapshot, outputs, objects)
    }

    /// Sign whatever outputs are given, as a signer holding the key would.
    fn signed(
        seed: u8,
        snapshot: &Snapshot,
        outputs: Vec<crate::render::Output>,
        objects: BTreeMap<String, Vec<u8>>,
    ) -> (MemoryBundle, String) {
        let snapshot_bytes = snapshot.to_canonical().unwrap();
        let manifest = Manifest::build(
            snapshot,
            &snapshot_bytes,
            &outputs,
            SigningKey::from_arn(KEY_ARN).unwrap(),
        );
        let manifest_bytes = manifest.to_canonical().unwrap();
        let (signing, pem) = key(seed);
        let sig: Signature = signing
            .sign_prehash(&attest_domain::canonical::sha256(&manifest_bytes))
            .unwrap();
        let record = signature_record(&manifest_bytes, KEY_ARN, sig.to_der().as_bytes());
        let mut b = MemoryBundle::default();
        b.files.insert(MANIFEST_FILE.into(), manifest_bytes);
        b.files
            .insert(SIGNATURE_FILE.into(), serde_json::to_vec(&record).unwrap());
        b.files
            .insert(PUBLIC_KEY_FILE.into(), pem.clone().into_bytes());
        b.files.insert(SNAPSHOT_FILE.into(), snapshot_bytes);
        for o in outputs {
            b.files.insert(o.name.into(), o.bytes);
        }
        b.evidence = objects;
        (b, pem)
    }

    /// The anchor an auditor holds for the key with this seed: its fingerprint.
    fn trusted(seed: u8) -> TrustAnchor {
        TrustAnchor::Fingerprint(public_key_fingerprint(&key(seed).1).unwrap())
    }

    #[test]
    fn a_complete_bundle_verifies() {
        let (b, pem) = bundle(7);
        let ok = verify(&b, &trusted(7)).unwrap();
        assert_eq!(ok.framework, "PCI-DSS-3.2.1");
        assert!(ok.evidence > 0 && ok.outputs >= 2);
        let line = ok.to_string();
        assert!(line.starts_with("OK PCI-DSS-3.2.1"), "{line}");
        // The full fingerprint and the key ARN, to compare with what KMS says.
        let fingerprint = public_key_fingerprint(&pem).unwrap();
        assert_eq!(fingerprint.len(), "SHA256:".len() + 64);
        assert!(
            line.contains(&format!("key {fingerprint} {KEY_ARN}")),
            "{line}"
        );
        assert!(verify(&b, &TrustAnchor::PublicKey(pem)).is_ok());
    }

    #[test]
    fn a_bundle_re_signed_with_another_key_passes_only_the_anchor_of_that_key() {
        // Whoever can write the bundle re-signs it with their own key and ships that key's PEM.
        let (forged, _) = bundle(9);
        // Without an anchor there is nothing to verify against: refused, saying how to get one.
        let e = TrustAnchor::from_options(None, None, None).unwrap_err();
        assert_eq!(e, TrustError::Missing);
        assert!(e.to_string().contains("aws kms get-public-key"), "{e}");
        // With the real key's fingerprint: the bundle's key is not it, named with both.
        let real = public_key_fingerprint(&key(7).1).unwrap();
        let theirs = public_key_fingerprint(&key(9).1).unwrap();
        let e = verify(&forged, &trusted(7)).unwrap_err();
        assert_eq!(e.item, PUBLIC_KEY_FILE, "{e}");
        assert_eq!(
            e.reason,
            format!("fingerprint {theirs} is not the trusted {real}")
        );
        // With the real public key itself: the signature does not verify.
        let e = verify(&forged, &TrustAnchor::PublicKey(key(7).1)).unwrap_err();
        assert_eq!(e.item, SIGNATURE_FILE, "{e}");
        // The genuine bundle passes with the right fingerprint.
        let (genuine, _) = bundle(7);
        assert!(verify(&genuine, &trusted(7)).is_ok());
        // The forged signature beside the genuine key is refused too.
        let mut mixed = MemoryBundle {
            files: forged.files.clone(),
            evidence: forged.evidence.clone(),
        };
        mixed.files.insert(
            PUBLIC_KEY_FILE.into(),
            genuine.files[PUBLIC_KEY_FILE].clone(),
        );
        let e = verify(&mixed, &trusted(7)).unwrap_err();
        assert_eq!(e.item, SIGNATURE_FILE, "{e}");
    }

    #[test]
    fn a_trust_file_entry_must_name_the_manifest_key_and_account() {
        let (b, _) = bundle(7);
        let listed = |arn: &str, account: &str| {
            TrustAnchor::TrustFile(vec![TrustedKey {
                fingerprint: public_key_fingerprint(&key(7).1).unwrap(),
                key_arn: arn.into(),
                account: account.into(),
            }])
        };
        let ok = verify(&b, &listed(KEY_ARN, "123456789012")).unwrap();
        assert!(ok.to_string().contains("trusted by trust file"), "{ok}");
        let other = "arn:aws:kms:us-east-1:210987654321:key/0b1c2d3e-0000-4000-8000-000000000007";
        let e = verify(&b, &listed(other, "210987654321")).unwrap_err();
        assert_eq!(e.item, "trust file");
        assert!(
            e.reason.contains(other) && e.reason.contains(KEY_ARN),
            "names both: {e}"
        );
        assert!(
            e.reason.contains("account 210987654321") && e.reason.contains("account 123456789012"),
            "{e}"
        );
        // A key the trust file does not list.
        let e = verify(&bundle(9).0, &listed(KEY_ARN, "123456789012")).unwrap_err();
        assert_eq!(e.item, PUBLIC_KEY_FILE);
        assert!(e.reason.contains("not in the trust file"), "{e}");
    }

    #[test]
    fn outputs_that_the_snapshot_does_not_reproduce_fail_even_when_signed() {
        // The signer's own key signs a manifest over an altered report: hashes and signature agree,
        // and only re-rendering shows the report does not follow from its evidence.
        let (snapshot, objects) = crate::sample::from_events_with_objects("PCI-DSS-3.2.1").unwrap();
        let mut outputs = render_all(&snapshot).unwrap();
        let csv = outputs.iter_mut().find(|o| o.name == "report.csv").unwrap();
        csv.bytes = String::from_utf8(csv.bytes.clone())
            .unwrap()
            .replace("FAIL", "PASS")
            .into_bytes();
        let (b, _) = signed(7, &snapshot, outputs, objects);
        let e = verify(&b, &trusted(7)).unwrap_err();
        assert_eq!(e.item, "report.csv");
        assert!(e.reason.contains("re-rendering"), "{e}");

        // A snapshot pinned to another template version cannot be re-rendered here: named.
        let (mut snapshot, objects) =
            crate::sample::from_events_with_objects("PCI-DSS-3.2.1").unwrap();
        let outputs = render_all(&snapshot).unwrap();
        snapshot.header.template_version = "sha256:0000000000000000".into();
        let (b, _) = signed(7, &snapshot, outputs, objects);
        let e = verify(&b, &trusted(7)).unwrap_err();
        assert_eq!(e.item, "re-render");
        assert!(
            e.reason
                .contains("template version sha256:0000000000000000"),
            "{e}"
        );
    }

    #[test]
    fn a_snapshot_that_says_pass_over_failing_evidence_fails_even_signed_by_the_real_key() {
        use attest_domain::ComplianceStatus;
        let (mut snapshot, objects) =
            crate::sample::from_events_with_objects("PCI-DSS-3.2.1").unwrap();
        let item = snapshot
            .evidence
            .iter_mut()
            .find(|e| {
                e.evaluation
                    .as_ref()
                    .is_some_and(|v| v.status == ComplianceStatus::NonCompliant)
            })
            .unwrap();
        let key = item.key.clone();
        if let Some(evaluation) = item.evaluation.as_mut() {
            evaluation.status = ComplianceStatus::Compliant;
        }
        // Outputs re-rendered from the edited snapshot and signed: every hash agrees.
        let outputs = render_all(&snapshot).unwrap();
        let (b, pem) = signed(7, &snapshot, outputs, objects);
        let e = verify(&b, &TrustAnchor::PublicKey(pem)).unwrap_err();
        assert_eq!(e.item, format!("evidence {key}"), "{e}");
        assert!(e.reason.contains("status"), "{e}");
        assert!(e.reason.contains("COMPLIANT in the snapshot"), "{e}");
    }

    #[test]
    fn bundle_paths_that_could_leave_the_folder_are_refused() {
        for good in [
            "report.pdf",
            "evidence/123456789012/config/2026/11/02/4653d460.json",
            "collected/123456789012/pci-3.4/20261124T020000Z_20261125T020000Z/ab.json",
        ] {
            assert_eq!(check_bundle_path(good), Ok(()), "{good}");
        }
        for bad in [
            "../manifest.json",
            "evidence/../../etc/passwd",
            "/etc/passwd",
            "./report.pdf",
            "evidence//x.json",
            "",
            "C:\\Windows\\win.ini",
            "C:report.pdf",
            "evidence\\..\\..\\x",
            "report.pdf:stream",
            "report\npdf",
        ] {
            let e = check_bundle_path(bad).unwrap_err();
            assert!(e.starts_with("refusing path"), "{bad}: {e}");
        }
        let folder = FolderBundle::new(std::env::temp_dir());
        assert!(folder.file("../etc/passwd").is_err());
        assert!(folder.evidence("C:\\x", None).is_err());
        let mut memory = MemoryBundle::default();
        memory
            .files
            .insert("../manifest.json".into(), b"{}".to_vec());
        let e = memory.file("../manifest.json").unwrap_err();
        assert!(e.starts_with("refusing path"), "{e}");
    }

    #[test]
    fn a_signed_snapshot_with_malformed_times_fails_with_a_message_not_a_panic() {
        type Edit = (&'static str, fn(&mut Snapshot));
        let edits: [Edit; 5] = [
            ("generated_at", |s| {
                s.header.generated_at = "yesterday".into()
            }),
            ("observed_at", |s| {
                s.evidence[0].observed_at = "2026-13-45T99:00:00Z".into()
            }),
            ("observed_at", |s| s.evidence[0].observed_at = "".into()),
            ("observed_at", |s| {
                s.evidence[0].observed_at = "\u{e9}t\u{e9}".into()
            }),
            ("generated_at", |s| {
                s.header.generated_at = "2026-11-30T25:00:00Z".into()
            }),
        ];
        for (field, edit) in edits {
            let (mut snapshot, objects) =
                crate::sample::from_events_with_objects("PCI-DSS-3.2.1").unwrap();
            let outputs = render_all(&snapshot).unwrap();
            edit(&mut snapshot);
            let (b, pem) = signed(7, &snapshot, outputs, objects);
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                verify(&b, &TrustAnchor::PublicKey(pem.clone()))
            }));
            let Ok(result) = result else {
                panic!("verify panicked on a malformed {field}")
            };
            let e = result.expect_err(field);
            assert!(!e.reason.is_empty(), "{field}: {e}");
        }
    }

    #[test]
    fn each_kind_of_tampering_is_named() {
        // Another key than the one the auditor trusts.
        let (b, _) = bundle(7);
        let (_, other) = key(9);
        let e = verify(&b, &TrustAnchor::PublicKey(other)).unwrap_err();
        assert_eq!(e.item, SIGNATURE_FILE, "{e}");

        // An output changed after signing.
        let (mut b, _) = bundle(7);
        b.files.get_mut("report.csv").unwrap().push(b'x');
        let e = verify(&b, &trusted(7)).unwrap_err();
        assert_eq!(e.item, "report.csv", "{e}");
        assert!(e.reason.contains("differs from the manifest"), "{e}");

        // A missing evidence object, and a changed one.
        let (mut b, _) = bundle(7);
        let first = b.evidence.keys().next().unwrap().clone();
        b.evidence.remove(&first);
        let e = verify(&b, &trusted(7)).unwrap_err();
        assert_eq!(e.item, format!("evidence {first}"));
        assert!(e.reason.contains("missing"), "{e}");
        let (mut b, _) = bundle(7);
        b.evidence.get_mut(&first).unwrap()[0] ^= 1;
        let e = verify(&b, &trusted(7)).unwrap_err();
        assert!(e.reason.contains("differs from the recorded"), "{e}");

        // A manifest edited after signing (e.g. an evidence hash swapped).
        let (mut b, _) = bundle(7);
        let m = b.files.get_mut(MANIFEST_FILE).unwrap();
        let text =
            String::from_utf8(m.clone())
                .unwrap()
                .replacen("\"sha256\":\"", "\"sha256\":\"0", 1);
        *m = text.into_bytes();
        let e = verify(&b, &trusted(7)).unwrap_err();
        assert_eq!(e.item, SIGNATURE_FILE, "{e}");
    }
}
