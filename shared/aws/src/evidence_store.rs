//! Evidence objects in S3: canonical JSON, SSE-KMS, in a bucket with Object Lock (COMPLIANCE mode,
//! default retention set on the bucket), written once per key.

use attest_domain::Evidence;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ServerSideEncryption};
use tracing::instrument;

use crate::error::AdapterError;

#[derive(Clone, Debug)]
pub struct EvidenceStore {
    client: aws_sdk_s3::Client,
    bucket: String,
    kms_key_id: String,
}

/// What HeadObject says of a stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectHead {
    pub version_id: Option<String>,
    /// The `sha256` metadata written with the object.
    pub sha256: Option<String>,
}

/// One version of a stored object, as GetObject returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub bytes: Vec<u8>,
    pub version_id: Option<String>,
}

/// Where an evidence object is, and whether this call wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvidence {
    pub version_id: Option<String>,
    /// False when the object was already there (a redelivered event): nothing was rewritten.
    pub newly_written: bool,
}

impl EvidenceStore {
    pub fn new(
        client: aws_sdk_s3::Client,
        bucket: impl Into<String>,
        kms_key_id: impl Into<String>,
    ) -> Self {
        EvidenceStore {
            client,
            bucket: bucket.into(),
            kms_key_id: kms_key_id.into(),
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Write `evidence` unless its key already exists. The key is the content's own hash, so an
    /// existing object holds these exact bytes.
    #[instrument(skip_all, fields(key = %evidence.key))]
    pub async fn put(&self, evidence: &Evidence) -> Result<StoredEvidence, AdapterError> {
        self.put_once(&evidence.key, &evidence.bytes, "application/json")
            .await
    }

    /// Write `bytes` at `key` once (SSE-KMS, under the bucket's Object Lock retention). S3 checks
    /// the upload against our SHA-256 (`x-amz-checksum-sha256`), so a corrupted upload is refused.
    /// If the key exists (a retried run), the stored object must carry the same SHA-256: the call
    /// then succeeds without rewriting; a different object under the key is an error, never
    /// overwritten.
    #[instrument(skip_all, fields(key = %key))]
    pub async fn put_once(
        &self,
        key: &str,
        bytes: &[u8],
        content_type: &str,
    ) -> Result<StoredEvidence, AdapterError> {
        let digest = attest_domain::canonical::sha256(bytes);
        let sha256 = hex::encode(digest);
        let result = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(bytes.to_vec()))
            .content_type(content_type)
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .ssekms_key_id(&self.kms_key_id)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .checksum_sha256(aws_smithy_types::base64::encode(digest))
            .metadata("sha256", &sha256)
            .if_none_match("*")
            .send()
            .await;
        match result {
            Ok(out) => Ok(StoredEvidence {
                version_id: out.version_id,
                newly_written: true,
            }),
            Err(err)
                if err
                    .as_service_error()
                    .and_then(|e| e.code())
                    .is_some_and(|c| {
                        c == "PreconditionFailed" || c == "ConditionalRequestConflict"
                    }) =>
            {
                let head = self.head(key).await?.ok_or_else(|| AdapterError::Aws {
                    operation: "s3:HeadObject",
                    target: self.target(key),
                    message: "the object existed a moment ago and is gone".into(),
                    retryable: true,
                })?;
                if head.sha256.as_deref() != Some(sha256.as_str()) {
                    return Err(AdapterError::Aws {
                        operation: "s3:PutObject",
                        target: self.target(key),
                        message: format!(
                            "a different object is already stored under this key (sha256 {:?}, ours {sha256}); it is never overwritten",
                            head.sha256
                        ),
                        retryable: false,
                    });
                }
                Ok(StoredEvidence {
                    version_id: head.version_id,
                    newly_written: false,
                })
            }
            Err(err) => Err(AdapterError::from_sdk(
                "s3:PutObject",
                self.target(key),
                err,
            )),
        }
    }

    /// Version id and recorded SHA-256 of an object, or `None` when there is no such key.
    pub async fn head(&self, key: &str) -> Result<Option<ObjectHead>, AdapterError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(ObjectHead {
                version_id: out.version_id,
                sha256: out.metadata.and_then(|m| m.get("sha256").cloned()),
            })),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(err) => Err(AdapterError::from_sdk(
                "s3:HeadObject",
                self.target(key),
                err,
            )),
        }
    }

    /// Every version id stored under exactly `key` (ListObjectVersions, every page), newest first.
    pub async fn version_ids(&self, key: &str) -> Result<Vec<String>, AdapterError> {
        let mut ids = Vec::new();
        let (mut key_marker, mut version_marker) = (None, None);
        loop {
            let page = self
                .client
                .list_object_versions()
                .bucket(&self.bucket)
                .prefix(key)
                .set_key_marker(key_marker.take())
                .set_version_id_marker(version_marker.take())
                .send()
                .await
                .map_err(|e| {
                    AdapterError::from_sdk("s3:ListObjectVersions", self.target(key), e)
                })?;
            ids.extend(
                page.versions()
                    .iter()
                    .filter(|v| v.key() == Some(key))
                    .filter_map(|v| v.version_id().map(str::to_string)),
            );
            if page.is_truncated() != Some(true) {
                return Ok(ids);
            }
            key_marker = page.next_key_marker().map(str::to_string);
            version_marker = page.next_version_id_marker().map(str::to_string);
            if key_marker.is_none() {
                return Ok(ids);
            }
        }
    }

    /// The bytes of an evidence object.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, AdapterError> {
        self.get_version(key, None).await
    }

    /// The bytes of one version of an object (the latest when `version_id` is `None`).
    pub async fn get_version(
        &self,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Vec<u8>, AdapterError> {
        self.get_if_present(key, version_id)
            .await?
            .ok_or_else(|| AdapterError::Aws {
                operation: "s3:GetObject",
                target: self.target(key),
                message: format!("no such object (version {version_id:?})"),
                retryable: false,
            })
    }

    /// The bytes of one version of an object, or `None` when that key or version does not exist.
    pub async fn get_if_present(
        &self,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Option<Vec<u8>>, AdapterError> {
        Ok(self.read(key, version_id).await?.map(|o| o.bytes))
    }

    /// One version of an object, bytes and version id (the latest when `version_id` is `None`), or
    /// `None` when that key or version does not exist.
    pub async fn read(
        &self,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Option<StoredObject>, AdapterError> {
        let result = self.get_object(key, version_id).await;
        let out = match result {
            Ok(out) => out,
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_no_such_key() || e.code() == Some("NoSuchVersion")) =>
            {
                return Ok(None)
            }
            Err(err) => {
                return Err(AdapterError::from_sdk(
                    "s3:GetObject",
                    self.target(key),
                    err,
                ))
            }
        };
        let version_id = out.version_id.clone();
        let body = out
            .body
            .collect()
            .await
            .map_err(|e| self.body_error(key, e))?;
        Ok(Some(StoredObject {
            bytes: body.into_bytes().to_vec(),
            version_id,
        }))
    }

    /// SHA-256 (lower-case hex) of one version of an object, hashed as the body streams in, so a
    /// large report output is checked without being held; absent is an error.
    pub async fn sha256_of(
        &self,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<String, AdapterError> {
        use sha2::{Digest, Sha256};
        let out = self
            .get_object(key, version_id)
            .await
            .map_err(|err| AdapterError::from_sdk("s3:GetObject", self.target(key), err))?;
        let mut body = out.body;
        let mut hasher = Sha256::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| self.body_error(key, e))?;
            hasher.update(&chunk);
        }
        Ok(hex::encode(hasher.finalize()))
    }

    /// GetObject of one version (the latest when `version_id` is `None`).
    async fn get_object(
        &self,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<
        aws_sdk_s3::operation::get_object::GetObjectOutput,
        aws_sdk_s3::error::SdkError<aws_sdk_s3::operation::get_object::GetObjectError>,
    > {
        self.client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_version_id(version_id.map(str::to_string))
            .send()
            .await
    }

    /// A body that stopped arriving part-way: worth a retry.
    fn body_error(&self, key: &str, e: impl std::fmt::Display) -> AdapterError {
        AdapterError::Aws {
            operation: "s3:GetObject",
            target: self.target(key),
            message: e.to_string(),
            retryable: true,
        }
    }

    fn target(&self, key: &str) -> String {
        format!("s3://{}/{}", self.bucket, key)
    }
}
