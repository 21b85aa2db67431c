//! A published bundle, downloaded for offline verification (`attest fetch`, `attest verify s3://`,
//! `attest report --out`): the files under the run's prefix and the evidence at its pinned
//! versions. Reads only: what an auditor's read-only role allows.
//!
//! Every object is read at a pinned version, never "the latest": anyone who may put objects under
//! `reports/` can stack a new version over a locked one (Object Lock keeps the old version, it does
//! not stop a new one). The run record pins the snapshot, outputs, manifest, signature and public
//! key; the manifest pins the evidence. Without a run record ([`Pins::SingleVersion`]), or for a
//! file it does not pin, a key must hold exactly one version, which is then read by its id; a key
//! with several is refused by name, since nothing says which one was published.

use attest_aws::AdapterError;
use attest_reports::manifest::{
    Manifest, MANIFEST_FILE, PUBLIC_KEY_FILE, SIGNATURE_FILE, SNAPSHOT_FILE,
};
use attest_reports::request::ReportRun;
use attest_reports::verify::MemoryBundle;
use futures::{StreamExt, TryStreamExt};

use crate::ports::Objects;
use crate::snapshot::OBJECT_CONCURRENCY;

/// Which version of each bundle file to read.
#[derive(Debug, Clone, Copy)]
pub enum Pins<'a> {
    /// The versions the run record pins.
    Run(&'a ReportRun),
    /// No run record at hand: each file must have exactly one version.
    SingleVersion,
}

/// Why a bundle could not be downloaded.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Aws(#[from] AdapterError),
    #[error("{key} has {count} versions and no run record pins which one was published: refused (read it with its run record, which pins every version)")]
    SeveralVersions { key: String, count: usize },
}

impl FetchError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, FetchError::Aws(e) if e.is_retryable())
    }
}

/// The bytes of `key` at `pinned`, or at its only version when nothing pins it.
async fn read_pinned(
    objects: &impl Objects,
    key: &str,
    pinned: Option<&str>,
) -> Result<Option<Vec<u8>>, FetchError> {
    if let Some(version) = pinned {
        return Ok(objects.get_if_present(key, Some(version)).await?);
    }
    let versions = objects.version_ids(key).await?;
    match versions.as_slice() {
        [] => Ok(None),
        [only] => Ok(objects.get_if_present(key, Some(only)).await?),
        several => Err(FetchError::SeveralVersions {
            key: key.to_string(),
            count: several.len(),
        }),
    }
}

/// Whatever of the bundle under `prefix` exists; verification names what is missing.
pub async fn download_bundle(
    objects: &impl Objects,
    prefix: &str,
    pins: Pins<'_>,
) -> Result<MemoryBundle, FetchError> {
    let prefix = if prefix.is_empty() || prefix.ends_with('/') {
        prefix.to_string()
    } else {
        format!("{prefix}/")
    };
    let pinned = |name: &str| match pins {
        Pins::Run(run) => run.pinned_version(name).map(str::to_string),
        Pins::SingleVersion => None,
    };
    let mut bundle = MemoryBundle::default();
    for name in [
        MANIFEST_FILE,
        SIGNATURE_FILE,
        PUBLIC_KEY_FILE,
        SNAPSHOT_FILE,
    ] {
        let key = format!("{prefix}{name}");
        if let Some(bytes) = read_pinned(objects, &key, pinned(name).as_deref()).await? {
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
        let key = format!("{prefix}{}", output.name);
        if let Some(bytes) = read_pinned(objects, &key, pinned(&output.name).as_deref()).await? {
            bundle.files.insert(output.name.clone(), bytes);
        }
    }
    let fetched: Vec<(String, Option<Vec<u8>>)> = futures::stream::iter(&manifest.evidence)
        .map(|e| async move {
            let bytes = read_pinned(objects, &e.key, e.version_id.as_deref()).await?;
            Ok::<_, FetchError>((e.key.clone(), bytes))
        })
        .buffered(OBJECT_CONCURRENCY)
        .try_collect()
        .await?;
    for (key, bytes) in fetched {
        if let Some(bytes) = bytes {
            bundle.evidence.insert(key, bytes);
        }
    }
    Ok(bundle)
}
