//! A published bundle, downloaded for offline verification (`attest fetch`, `attest verify s3://`,
//! `attest report --out`): the files under the run's prefix and the evidence at its pinned
//! versions. Reads only: what an auditor's read-only role allows.

use attest_aws::AdapterError;
use attest_reports::manifest::{
    Manifest, MANIFEST_FILE, PUBLIC_KEY_FILE, SIGNATURE_FILE, SNAPSHOT_FILE,
};
use attest_reports::verify::MemoryBundle;
use futures::{StreamExt, TryStreamExt};

use crate::ports::Objects;
use crate::snapshot::OBJECT_CONCURRENCY;

/// Whatever of the bundle under `prefix` exists; verification names what is missing.
pub async fn download_bundle(
    objects: &impl Objects,
    prefix: &str,
) -> Result<MemoryBundle, AdapterError> {
    let prefix = if prefix.is_empty() || prefix.ends_with('/') {
        prefix.to_string()
    } else {
        format!("{prefix}/")
    };
    let mut bundle = MemoryBundle::default();
    for name in [
        MANIFEST_FILE,
        SIGNATURE_FILE,
        PUBLIC_KEY_FILE,
        SNAPSHOT_FILE,
    ] {
        if let Some(bytes) = objects
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
        if let Some(bytes) = objects
            .get_if_present(&format!("{prefix}{}", output.name), None)
            .await?
        {
            bundle.files.insert(output.name.clone(), bytes);
        }
    }
    let fetched: Vec<(String, Option<Vec<u8>>)> = futures::stream::iter(&manifest.evidence)
        .map(|e| async move {
            let bytes = objects
                .get_if_present(&e.key, e.version_id.as_deref())
                .await?;
            Ok::<_, AdapterError>((e.key.clone(), bytes))
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
