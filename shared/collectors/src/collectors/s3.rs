//! `s3.bucket_posture`: every bucket's default encryption, public access block, versioning and
//! Object Lock configuration. Parameters: `bucket_prefix` (optional) limits the buckets.

use aws_sdk_s3::error::ProvideErrorMetadata;
use serde_json::{json, Value};

use attest_aws::AdapterError;
use attest_collect_workflow::{CollectFuture, CollectRequest, Collector, Source};

pub struct BucketPosture {
    client: aws_sdk_s3::Client,
}

impl BucketPosture {
    pub fn new(client: aws_sdk_s3::Client) -> Self {
        BucketPosture { client }
    }
}

/// "Not configured" answers, which are facts about the bucket rather than failures.
const ABSENT: &[&str] = &[
    "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchPublicAccessBlockConfiguration",
    "ObjectLockConfigurationNotFoundError",
];

macro_rules! optional {
    ($call:expr, $op:literal, $bucket:expr) => {
        match $call.await {
            Ok(out) => Some(out),
            Err(e)
                if e.as_service_error()
                    .and_then(|s| s.code())
                    .is_some_and(|c| ABSENT.contains(&c)) =>
            {
                None
            }
            Err(e) => return Err(AdapterError::from_sdk($op, $bucket.to_string(), e)),
        }
    };
}

impl Collector for BucketPosture {
    fn id(&self) -> &'static str {
        "s3.bucket_posture"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn source(&self) -> Source {
        Source::S3
    }
    fn check_parameters(&self, parameters: &Value) -> Result<(), String> {
        super::only_keys(parameters, &["bucket_prefix"])?;
        match parameters.get("bucket_prefix") {
            None | Some(Value::String(_)) => Ok(()),
            Some(_) => Err("`bucket_prefix` must be a string".into()),
        }
    }

    fn collect<'a>(&'a self, request: CollectRequest<'a>) -> CollectFuture<'a> {
        Box::pin(async move {
            let prefix = request
                .parameters
                .get("bucket_prefix")
                .and_then(Value::as_str)
                .unwrap_or("");
            request.limiter.acquire().await;
            let listed = self
                .client
                .list_buckets()
                .send()
                .await
                .map_err(|e| AdapterError::from_sdk("s3:ListBuckets", "account", e))?;
            let mut names: Vec<String> = listed
                .buckets()
                .iter()
                .filter_map(|b| b.name().map(str::to_string))
                .filter(|n| n.starts_with(prefix))
                .collect();
            names.sort();
            let mut buckets = Vec::with_capacity(names.len());
            for name in &names {
                request.limiter.acquire().await;
                let encryption = optional!(
                    self.client.get_bucket_encryption().bucket(name).send(),
                    "s3:GetBucketEncryption",
                    name
                );
                request.limiter.acquire().await;
                let pab = optional!(
                    self.client.get_public_access_block().bucket(name).send(),
                    "s3:GetPublicAccessBlock",
                    name
                );
                request.limiter.acquire().await;
                let versioning = self
                    .client
                    .get_bucket_versioning()
                    .bucket(name)
                    .send()
                    .await
                    .map_err(|e| {
                        AdapterError::from_sdk("s3:GetBucketVersioning", name.clone(), e)
                    })?;
                request.limiter.acquire().await;
                let lock = optional!(
                    self.client
                        .get_object_lock_configuration()
                        .bucket(name)
                        .send(),
                    "s3:GetObjectLockConfiguration",
                    name
                );

                let rules: Vec<Value> = encryption
                    .as_ref()
                    .and_then(|e| e.server_side_encryption_configuration())
                    .map(|c| {
                        c.rules()
                            .iter()
                            .map(|r| {
                                let d = r.apply_server_side_encryption_by_default();
                                json!({
                                    "sse_algorithm": d.map(|d| d.sse_algorithm().as_str()),
                                    "kms_master_key_id": d.and_then(|d| d.kms_master_key_id()),
                                    "bucket_key_enabled": r.bucket_key_enabled(),
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let pab = pab
                    .as_ref()
                    .and_then(|p| p.public_access_block_configuration())
                    .map(|c| {
                        json!({
                            "block_public_acls": c.block_public_acls(),
                            "ignore_public_acls": c.ignore_public_acls(),
                            "block_public_policy": c.block_public_policy(),
                            "restrict_public_buckets": c.restrict_public_buckets(),
                        })
                    });
                let lock = lock
                    .as_ref()
                    .and_then(|l| l.object_lock_configuration())
                    .map(|c| {
                        let retention = c.rule().and_then(|r| r.default_retention());
                        json!({
                            "enabled": c.object_lock_enabled().map(|e| e.as_str()),
                            "default_mode": retention.and_then(|r| r.mode()).map(|m| m.as_str()),
                            "default_days": retention.and_then(|r| r.days()),
                            "default_years": retention.and_then(|r| r.years()),
                        })
                    });
                buckets.push(json!({
                    "name": name,
                    "encryption": if rules.is_empty() { Value::Null } else { json!({ "rules": rules }) },
                    "public_access_block": pab,
                    "versioning": versioning.status().map(|s| s.as_str()),
                    "mfa_delete": versioning.mfa_delete().map(|s| s.as_str()),
                    "object_lock": lock,
                }));
            }
            let unencrypted = buckets.iter().filter(|b| b["encryption"].is_null()).count();
            Ok(
                json!({ "bucket_count": buckets.len(), "unencrypted_count": unencrypted, "buckets": buckets }),
            )
        })
    }
}
