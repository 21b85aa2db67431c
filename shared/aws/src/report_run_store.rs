//! Report run records in the runs table. The record's shape is the report workflow's
//! (`attest_reports::request::ReportRun`); this store only writes and reads it: created once, then
//! replaced only while it still names the snapshot it was created with and is not PUBLISHED (a
//! late FAILED write from a slower attempt must not demote a published report).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::instrument;

use crate::dynamo::{self, Item};
use crate::error::AdapterError;

#[derive(Clone, Debug)]
pub struct ReportRunStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

fn encode<T: Serialize>(run: &T) -> Result<Item, AdapterError> {
    serde_dynamo::to_item(run).map_err(|e| AdapterError::Encode {
        what: "report run",
        message: e.to_string(),
    })
}

impl ReportRunStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        ReportRunStore {
            client,
            table: table.into(),
        }
    }

    /// The run record under `pk`/`sk` (a consistent read), if any.
    pub async fn get<T: DeserializeOwned>(
        &self,
        pk: &str,
        sk: &str,
    ) -> Result<Option<T>, AdapterError> {
        dynamo::get(&self.client, &self.table, "report run", pk, sk).await
    }

    /// Every record under `pk` (one framework's runs), in sort-key order.
    pub async fn runs_of<T: DeserializeOwned>(&self, pk: &str) -> Result<Vec<T>, AdapterError> {
        dynamo::query_all(
            &self.client,
            &self.table,
            None,
            "pk = :pk",
            None,
            Item::from([(":pk".into(), AttributeValue::S(pk.to_string()))]),
        )
        .await
    }

    /// Write a new record: `Ok(false)` when one with its key exists already.
    #[instrument(skip_all)]
    pub async fn create<T: Serialize>(&self, run: &T) -> Result<bool, AdapterError> {
        dynamo::put_new(&self.client, &self.table, encode(run)?).await
    }

    /// Replace the record if it exists, names `snapshot_sha256` and is not PUBLISHED: `Ok(false)`
    /// otherwise.
    #[instrument(skip_all)]
    pub async fn replace<T: Serialize>(
        &self,
        run: &T,
        snapshot_sha256: &str,
    ) -> Result<bool, AdapterError> {
        let values = Item::from([
            (
                ":sha".into(),
                AttributeValue::S(snapshot_sha256.to_string()),
            ),
            (":published".into(), AttributeValue::S("PUBLISHED".into())),
        ]);
        let names = HashMap::from([("#status".to_string(), "status".to_string())]);
        dynamo::put_if(
            &self.client,
            &self.table,
            encode(run)?,
            "attribute_exists(pk) AND snapshot_sha256 = :sha AND #status <> :published",
            Some(names),
            Some(values),
        )
        .await
    }
}
