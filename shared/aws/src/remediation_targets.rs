//! The resources remediation reads and changes: S3 buckets (default encryption, public access
//! block, tags) and CloudTrail trails (logging status, tags). Each read returns the relevant
//! configuration as JSON for the remediation record; "not configured" is `null`, not an error.
//! Which change to make is decided in `attest-remediation`, never here.

use aws_sdk_s3::types::{
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use tracing::instrument;

use crate::error::AdapterError;

#[derive(Clone, Debug)]
pub struct RemediationTargets {
    s3: aws_sdk_s3::Client,
    cloudtrail: aws_sdk_cloudtrail::Client,
}

fn invalid(
    operation: &'static str,
) -> impl Fn(aws_smithy_types::error::operation::BuildError) -> AdapterError {
    move |e| AdapterError::InvalidRequest {
        operation,
        message: e.to_string(),
    }
}

impl RemediationTargets {
    pub fn new(s3: aws_sdk_s3::Client, cloudtrail: aws_sdk_cloudtrail::Client) -> Self {
        RemediationTargets { s3, cloudtrail }
    }

    /// The bucket's default encryption rules, `null` when it has none.
    #[instrument(skip(self))]
    pub async fn bucket_encryption(&self, bucket: &str) -> Result<Value, AdapterError> {
        match self.s3.get_bucket_encryption().bucket(bucket).send().await {
            Ok(out) => {
                let rules: Vec<Value> = out
                    .server_side_encryption_configuration
                    .map(|c| c.rules)
                    .unwrap_or_default()
                    .iter()
                    .map(|r| {
                        let d = r.apply_server_side_encryption_by_default.as_ref();
                        json!({
                            "SSEAlgorithm": d.map(|d| d.sse_algorithm.as_str().to_string()),
                            "KMSMasterKeyID": d.and_then(|d| d.kms_master_key_id.clone()),
                            "BucketKeyEnabled": r.bucket_key_enabled,
                        })
                    })
                    .collect();
                Ok(json!({ "Rules": rules }))
            }
            Err(e)
                if e.as_service_error().and_then(|s| s.code())
                    == Some("ServerSideEncryptionConfigurationNotFoundError") =>
            {
                Ok(Value::Null)
            }
            Err(e) => Err(AdapterError::from_sdk("s3:GetBucketEncryption", bucket, e)),
        }
    }

    #[instrument(skip(self))]
    pub async fn put_bucket_encryption(
        &self,
        bucket: &str,
        kms_key: Option<&str>,
    ) -> Result<(), AdapterError> {
        let default = ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::AwsKms)
            .set_kms_master_key_id(kms_key.map(str::to_string))
            .build()
            .map_err(invalid("s3:PutBucketEncryption"))?;
        let config = ServerSideEncryptionConfiguration::builder()
            .rules(
                ServerSideEncryptionRule::builder()
                    .apply_server_side_encryption_by_default(default)
                    .bucket_key_enabled(true)
                    .build(),
            )
            .build()
            .map_err(invalid("s3:PutBucketEncryption"))?;
        self.s3
            .put_bucket_encryption()
            .bucket(bucket)
            .server_side_encryption_configuration(config)
            .send()
            .await
            .map_err(|e| AdapterError::from_sdk("s3:PutBucketEncryption", bucket, e))?;
        Ok(())
    }

    /// The bucket's public access block, `null` when it has none.
    #[instrument(skip(self))]
    pub async fn public_access_block(&self, bucket: &str) -> Result<Value, AdapterError> {
        match self
            .s3
            .get_public_access_block()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(out) => {
                let c = out.public_access_block_configuration;
                Ok(c.map_or(Value::Null, |c| {
                    json!({
                        "BlockPublicAcls": c.block_public_acls,
                        "IgnorePublicAcls": c.ignore_public_acls,
                        "BlockPublicPolicy": c.block_public_policy,
                        "RestrictPublicBuckets": c.restrict_public_buckets,
                    })
                }))
            }
            Err(e)
                if e.as_service_error().and_then(|s| s.code())
                    == Some("NoSuchPublicAccessBlockConfiguration") =>
            {
                Ok(Value::Null)
            }
            Err(e) => Err(AdapterError::from_sdk("s3:GetPublicAccessBlock", bucket, e)),
        }
    }

    #[instrument(skip(self))]
    pub async fn block_public_access(&self, bucket: &str) -> Result<(), AdapterError> {
        let config = PublicAccessBlockConfiguration::builder()
            .block_public_acls(true)
            .ignore_public_acls(true)
            .block_public_policy(true)
            .restrict_public_buckets(true)
            .build();
        self.s3
            .put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(config)
            .send()
            .await
            .map_err(|e| AdapterError::from_sdk("s3:PutPublicAccessBlock", bucket, e))?;
        Ok(())
    }

    /// The bucket's tags (none when it has no tag set).
    #[instrument(skip(self))]
    pub async fn bucket_tags(
        &self,
        bucket: &str,
    ) -> Result<BTreeMap<String, String>, AdapterError> {
        match self.s3.get_bucket_tagging().bucket(bucket).send().await {
            Ok(out) => Ok(out.tag_set.into_iter().map(|t| (t.key, t.value)).collect()),
            Err(e) if e.as_service_error().and_then(|s| s.code()) == Some("NoSuchTagSet") => {
                Ok(BTreeMap::new())
            }
            Err(e) => Err(AdapterError::from_sdk("s3:GetBucketTagging", bucket, e)),
        }
    }

    /// Whether the trail is logging.
    #[instrument(skip(self))]
    pub async fn trail_status(&self, trail: &str) -> Result<Value, AdapterError> {
        let out = self
            .cloudtrail
            .get_trail_status()
            .name(trail)
            .send()
            .await
            .map_err(|e| AdapterError::from_sdk("cloudtrail:GetTrailStatus", trail, e))?;
        Ok(json!({ "IsLogging": out.is_logging }))
    }

    #[instrument(skip(self))]
    pub async fn start_logging(&self, trail: &str) -> Result<(), AdapterError> {
        self.cloudtrail
            .start_logging()
            .name(trail)
            .send()
            .await
            .map_err(|e| AdapterError::from_sdk("cloudtrail:StartLogging", trail, e))?;
        Ok(())
    }

    /// The trail's tags (its ARN, as CloudTrail events name it).
    #[instrument(skip(self))]
    pub async fn trail_tags(&self, trail: &str) -> Result<BTreeMap<String, String>, AdapterError> {
        let out = self
            .cloudtrail
            .list_tags()
            .resource_id_list(trail)
            .send()
            .await
            .map_err(|e| AdapterError::from_sdk("cloudtrail:ListTags", trail, e))?;
        Ok(out
            .resource_tag_list
            .unwrap_or_default()
            .into_iter()
            .flat_map(|r| r.tags_list.unwrap_or_default())
            .filter_map(|t| Some((t.key, t.value?)))
            .collect())
    }
}
