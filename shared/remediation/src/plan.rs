//! The allow-list: the failing rules whose fix cannot cause an outage, and the one call that fixes
//! each. Everything else is for a person (the seed guide: "fix only what cannot disrupt service").
//!
//! | rule (source) | action |
//! |---|---|
//! | `s3-bucket-server-side-encryption-enabled` (AWS Config managed rule) | default encryption SSE-KMS (`PutBucketEncryption`) |
//! | `s3-bucket-level-public-access-prohibited` (AWS Config), `S3.8` (Security Hub control) | block all public access (`PutPublicAccessBlock`) |
//! | `cloudtrail.amazonaws.com:StopLogging` (CloudTrail call) | `StartLogging` on the trail |
//!
//! Default encryption changes only how new objects are written; blocking public access can break
//! a site served from a public bucket, which is why it is opt-in per rule and tag, never implied.

use attest_alerts::Transition;
use serde_json::{json, Value};

/// One allowed fix, on one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `PutBucketEncryption`: SSE-KMS with `kms_key` (the account's `aws/s3` key when `None`),
    /// S3 Bucket Keys on.
    S3DefaultEncryption {
        bucket: String,
        kms_key: Option<String>,
    },
    /// `PutPublicAccessBlock` with all four settings on.
    S3BlockPublicAccess { bucket: String },
    /// `StartLogging` on the trail (its ARN or name).
    CloudTrailStartLogging { trail: String },
}

/// What a failing rule gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    Act(Action),
    /// No allowed fix: a person remediates.
    Manual {
        reason: String,
    },
}

/// The bucket name in a resource id that is a name or an S3 ARN.
fn bucket_of(resource_id: &str) -> String {
    resource_id
        .strip_prefix("arn:aws:s3:::")
        .or_else(|| resource_id.strip_prefix("arn:aws-us-gov:s3:::"))
        .or_else(|| resource_id.strip_prefix("arn:aws-cn:s3:::"))
        .unwrap_or(resource_id)
        .to_string()
}

/// The plan for a failing transition's rule and resource.
pub fn plan(t: &Transition, kms_key: Option<&str>) -> Plan {
    match t.rule_id.as_str() {
        "s3-bucket-server-side-encryption-enabled" => Plan::Act(Action::S3DefaultEncryption {
            bucket: bucket_of(&t.resource_id),
            kms_key: kms_key.map(str::to_string),
        }),
        "s3-bucket-level-public-access-prohibited" | "S3.8" => {
            Plan::Act(Action::S3BlockPublicAccess {
                bucket: bucket_of(&t.resource_id),
            })
        }
        "cloudtrail.amazonaws.com:StopLogging" => Plan::Act(Action::CloudTrailStartLogging {
            trail: t.resource_id.clone(),
        }),
        other => Plan::Manual {
            reason: format!(
                "rule `{other}` has no fix on the allow-list (only changes that cannot cause an outage are automated)"
            ),
        },
    }
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::S3DefaultEncryption { .. } => "s3-default-encryption-sse-kms",
            Action::S3BlockPublicAccess { .. } => "s3-block-public-access",
            Action::CloudTrailStartLogging { .. } => "cloudtrail-start-logging",
        }
    }

    /// The resource the action touches, as its tags are read (a bucket name or a trail ARN).
    pub fn target(&self) -> &str {
        match self {
            Action::S3DefaultEncryption { bucket, .. } | Action::S3BlockPublicAccess { bucket } => {
                bucket
            }
            Action::CloudTrailStartLogging { trail } => trail,
        }
    }

    /// The call, as recorded: the API operation and its parameters.
    pub fn call(&self) -> Value {
        match self {
            Action::S3DefaultEncryption { bucket, kms_key } => json!({
                "operation": "s3:PutBucketEncryption",
                "parameters": {
                    "Bucket": bucket,
                    "ServerSideEncryptionConfiguration": { "Rules": [{
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": kms_key,
                        },
                        "BucketKeyEnabled": true,
                    }]},
                },
            }),
            Action::S3BlockPublicAccess { bucket } => json!({
                "operation": "s3:PutPublicAccessBlock",
                "parameters": {
                    "Bucket": bucket,
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": true, "IgnorePublicAcls": true,
                        "BlockPublicPolicy": true, "RestrictPublicBuckets": true,
                    },
                },
            }),
            Action::CloudTrailStartLogging { trail } => json!({
                "operation": "cloudtrail:StartLogging",
                "parameters": { "Name": trail },
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failing(rule: &str, resource: &str) -> Transition {
        serde_json::from_value(json!({
            "id": "t", "change": "FAILED", "state_id": "s", "from": null, "to": "NON_COMPLIANT",
            "severity": "HIGH", "source": "aws.config", "account": "123456789012",
            "region": "us-east-1", "resource_type": "AWS::S3::Bucket", "resource_id": resource,
            "rule_id": rule, "title": null, "controls": [], "frameworks": [],
            "evidence_key": "evidence/x", "evidence_sha256": "aa", "observed_at": "2026-12-01T10:00:00Z",
            "dedup_key": "d",
        }))
        .unwrap()
    }

    #[test]
    fn only_the_allow_list_is_automated() {
        assert_eq!(
            plan(
                &failing("s3-bucket-server-side-encryption-enabled", "logs"),
                Some("arn:k")
            ),
            Plan::Act(Action::S3DefaultEncryption {
                bucket: "logs".into(),
                kms_key: Some("arn:k".into())
            })
        );
        assert_eq!(
            plan(&failing("S3.8", "arn:aws:s3:::public-assets"), None),
            Plan::Act(Action::S3BlockPublicAccess {
                bucket: "public-assets".into()
            })
        );
        let trail = "arn:aws:cloudtrail:us-east-1:123456789012:trail/org";
        assert_eq!(
            plan(
                &failing("cloudtrail.amazonaws.com:StopLogging", trail),
                None
            ),
            Plan::Act(Action::CloudTrailStartLogging {
                trail: trail.into()
            })
        );
        let Plan::Manual { reason } =
            plan(&failing("rds-instance-public-access-check", "db-1"), None)
        else {
            panic!("RDS public access is never automated");
        };
        assert!(reason.contains("rds-instance-public-access-check"));
    }

    #[test]
    fn the_recorded_call_is_the_one_made() {
        let a = Action::S3DefaultEncryption {
            bucket: "b".into(),
            kms_key: None,
        };
        assert_eq!(a.call()["operation"], "s3:PutBucketEncryption");
        assert_eq!(
            a.call()["parameters"]["ServerSideEncryptionConfiguration"]["Rules"][0]
                ["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
            "aws:kms"
        );
        let b = Action::S3BlockPublicAccess { bucket: "b".into() };
        let config = &b.call()["parameters"]["PublicAccessBlockConfiguration"];
        assert!([
            "BlockPublicAcls",
            "IgnorePublicAcls",
            "BlockPublicPolicy",
            "RestrictPublicBuckets"
        ]
        .iter()
        .all(|k| config[k] == true));
    }
}
