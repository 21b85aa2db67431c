//! `rds.instance_posture`: every RDS DB instance in the region (all pages) with its storage
//! encryption, public accessibility, backups, deletion protection and IAM authentication.
//! Parameters: `identifier_prefix` (optional) limits the instances.

use serde_json::{json, Value};

use attest_aws::AdapterError;
use attest_collect_workflow::{CollectFuture, CollectRequest, Collector, Source};

pub struct InstancePosture {
    client: aws_sdk_rds::Client,
}

impl InstancePosture {
    pub fn new(client: aws_sdk_rds::Client) -> Self {
        InstancePosture { client }
    }
}

impl Collector for InstancePosture {
    fn id(&self) -> &'static str {
        "rds.instance_posture"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn source(&self) -> Source {
        Source::Rds
    }
    fn check_parameters(&self, parameters: &Value) -> Result<(), String> {
        super::only_keys(parameters, &["identifier_prefix"])?;
        match parameters.get("identifier_prefix") {
            None | Some(Value::String(_)) => Ok(()),
            Some(_) => Err("`identifier_prefix` must be a string".into()),
        }
    }

    fn collect<'a>(&'a self, request: CollectRequest<'a>) -> CollectFuture<'a> {
        Box::pin(async move {
            let prefix = request
                .parameters
                .get("identifier_prefix")
                .and_then(Value::as_str)
                .unwrap_or("");
            let mut instances = Vec::new();
            let mut marker: Option<String> = None;
            loop {
                request.limiter.acquire().await;
                let page = self
                    .client
                    .describe_db_instances()
                    .max_records(100)
                    .set_marker(marker.take())
                    .send()
                    .await
                    .map_err(|e| AdapterError::from_sdk("rds:DescribeDBInstances", "region", e))?;
                for db in page.db_instances() {
                    let id = db.db_instance_identifier().unwrap_or_default();
                    if !id.starts_with(prefix) {
                        continue;
                    }
                    instances.push(json!({
                        "identifier": id,
                        "arn": db.db_instance_arn(),
                        "engine": db.engine(),
                        "engine_version": db.engine_version(),
                        "status": db.db_instance_status(),
                        "storage_encrypted": db.storage_encrypted(),
                        "kms_key_id": db.kms_key_id(),
                        "publicly_accessible": db.publicly_accessible(),
                        "multi_az": db.multi_az(),
                        "backup_retention_period": db.backup_retention_period(),
                        "deletion_protection": db.deletion_protection(),
                        "auto_minor_version_upgrade": db.auto_minor_version_upgrade(),
                        "iam_database_authentication_enabled": db.iam_database_authentication_enabled(),
                        "cluster": db.db_cluster_identifier(),
                    }));
                }
                marker = super::next_page(page.marker());
                if marker.is_none() {
                    break;
                }
            }
            instances.sort_by(|a, b| a["identifier"].as_str().cmp(&b["identifier"].as_str()));
            let unencrypted = instances
                .iter()
                .filter(|i| i["storage_encrypted"] != true)
                .count();
            let public = instances
                .iter()
                .filter(|i| i["publicly_accessible"] == true)
                .count();
            Ok(json!({
                "instance_count": instances.len(),
                "unencrypted_count": unencrypted,
                "publicly_accessible_count": public,
                "instances": instances,
            }))
        })
    }
}
