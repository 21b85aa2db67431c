//! `kms.key_rotation`: every KMS key in the region (all pages) with who manages it, its spec,
//! usage and state, and for the keys AWS can rotate (symmetric encryption keys that are enabled)
//! whether automatic rotation is on and its period. No parameters.

use aws_sdk_kms::types::{KeySpec, KeyState};
use serde_json::{json, Value};

use attest_aws::AdapterError;
use attest_collect_workflow::{CollectFuture, CollectRequest, Collector, Source};

pub struct KeyRotation {
    client: aws_sdk_kms::Client,
}

impl KeyRotation {
    pub fn new(client: aws_sdk_kms::Client) -> Self {
        KeyRotation { client }
    }
}

impl Collector for KeyRotation {
    fn id(&self) -> &'static str {
        "kms.key_rotation"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn source(&self) -> Source {
        Source::Kms
    }
    fn check_parameters(&self, parameters: &Value) -> Result<(), String> {
        super::only_keys(parameters, &[])
    }

    fn collect<'a>(&'a self, request: CollectRequest<'a>) -> CollectFuture<'a> {
        Box::pin(async move {
            let mut ids = Vec::new();
            let mut marker: Option<String> = None;
            loop {
                request.limiter.acquire().await;
                let page = self
                    .client
                    .list_keys()
                    .limit(1000)
                    .set_marker(marker.take())
                    .send()
                    .await
                    .map_err(|e| AdapterError::from_sdk("kms:ListKeys", "region", e))?;
                ids.extend(
                    page.keys()
                        .iter()
                        .filter_map(|k| k.key_arn().map(str::to_string)),
                );
                marker = super::next_page(page.next_marker().filter(|_| page.truncated()));
                if marker.is_none() {
                    break;
                }
            }
            ids.sort();
            let mut keys = Vec::with_capacity(ids.len());
            for arn in &ids {
                request.limiter.acquire().await;
                let described = self
                    .client
                    .describe_key()
                    .key_id(arn)
                    .send()
                    .await
                    .map_err(|e| AdapterError::from_sdk("kms:DescribeKey", arn.clone(), e))?;
                let Some(meta) = described.key_metadata() else {
                    return Err(AdapterError::unexpected_answer(
                        "kms:DescribeKey",
                        arn.clone(),
                        "the answer has no KeyMetadata",
                    ));
                };
                // AWS rotates only enabled symmetric encryption keys (`SYMMETRIC_DEFAULT`, always
                // ENCRYPT_DECRYPT) whose material KMS generated; asking about any other key is
                // refused (UnsupportedOperationException), so theirs is recorded as `null`.
                let rotatable = meta.key_spec() == Some(&KeySpec::SymmetricDefault)
                    && meta.key_state() == Some(&KeyState::Enabled)
                    && meta.origin().is_none_or(|o| o.as_str() == "AWS_KMS");
                let (rotation_enabled, rotation_period_days) = if rotatable {
                    request.limiter.acquire().await;
                    let status = self
                        .client
                        .get_key_rotation_status()
                        .key_id(arn)
                        .send()
                        .await
                        .map_err(|e| {
                            AdapterError::from_sdk("kms:GetKeyRotationStatus", arn.clone(), e)
                        })?;
                    (
                        Some(status.key_rotation_enabled()),
                        status.rotation_period_in_days(),
                    )
                } else {
                    (None, None)
                };
                keys.push(json!({
                    "arn": arn,
                    "key_manager": meta.key_manager().map(|m| m.as_str()),
                    "key_spec": meta.key_spec().map(|s| s.as_str()),
                    "key_usage": meta.key_usage().map(|u| u.as_str()),
                    "key_state": meta.key_state().map(|s| s.as_str()),
                    "origin": meta.origin().map(|o| o.as_str()),
                    "rotation_enabled": rotation_enabled,
                    "rotation_period_days": rotation_period_days,
                }));
            }
            let customer_rotatable_off = keys
                .iter()
                .filter(|k| k["key_manager"] == "CUSTOMER" && k["rotation_enabled"] == false)
                .count();
            Ok(json!({
                "key_count": keys.len(),
                "customer_keys_without_rotation": customer_rotatable_off,
                "keys": keys,
            }))
        })
    }
}
