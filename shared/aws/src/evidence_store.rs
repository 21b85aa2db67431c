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
    /// existing object holds these exact bytes. S3 checks the upload against our SHA-256
    /// (`x-amz-checksum-sha256`), so a corrupted upload is refused rather than stored.
    #[instrument(skip_all, fields(key = %evidence.key))]
    pub async fn put(&self, evidence: &Evidence) -> Result<StoredEvidence, AdapterError> {
        let checksum =
            aws_smithy_types::base64::encode(attest_domain::canonical::sha256(&evidence.bytes));
        let result = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&evidence.key)
            .body(ByteStream::from(evidence.bytes.clone()))
            .content_type("application/json")
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .ssekms_key_id(&self.kms_key_id)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .checksum_sha256(checksum)
            .metadata("sha256", &evidence.sha256)
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
                let head = self
                    .client
                    .head_object()
                    .bucket(&self.bucket)
                    .key(&evidence.key)
                    .send()
                    .await
                    .map_err(|e| {
                        AdapterError::from_sdk("s3:HeadObject", self.target(&evidence.key), e)
                    })?;
                Ok(StoredEvidence {
                    version_id: head.version_id,
                    newly_written: false,
                })
            }
            Err(err) => Err(AdapterError::from_sdk(
                "s3:PutObject",
                self.target(&evidence.key),
                err,
            )),
        }
    }

    /// The bytes of an evidence object.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, AdapterError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| AdapterError::from_sdk("s3:GetObject", self.target(key), e))?;
        let body = out.body.collect().await.map_err(|e| AdapterError::Aws {
            operation: "s3:GetObject",
            target: self.target(key),
            message: e.to_string(),
            retryable: true,
        })?;
        Ok(body.into_bytes().to_vec())
    }

    fn target(&self, key: &str) -> String {
        format!("s3://{}/{}", self.bucket, key)
    }
}
