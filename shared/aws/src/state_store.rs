//! Current compliance state and its history in DynamoDB. Row shapes and keys come from
//! `attest_domain::records`; this module only decides how they are written and read.
//!
//! EventBridge delivers at least once and out of order, so:
//! - history rows are written with `attribute_not_exists`: a redelivered event adds nothing;
//! - the current-state row is replaced only by a strictly newer evaluation (by the evaluation's own
//!   time, then by evidence hash as a deterministic tie-break), and its per-framework rows are written
//!   in the same transaction, so they never disagree with it.

use std::collections::HashMap;

use attest_domain::records::{CurrentStateRow, FindingRows, FrameworkStateRow, HistoryRow, CURRENT_SK};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::instrument;

use crate::error::AdapterError;

/// DynamoDB's limit on items in one transaction.
const MAX_TRANSACTION_ITEMS: usize = 100;

#[derive(Clone, Debug)]
pub struct StateStore {
    client: aws_sdk_dynamodb::Client,
    state_table: String,
    history_table: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryOutcome {
    Recorded,
    /// Every row was already there: this evaluation was delivered before.
    AlreadyRecorded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateOutcome {
    Updated,
    /// The table already holds this evaluation or a newer one; it stays current.
    Stale,
}

type Item = HashMap<String, AttributeValue>;

fn to_item<T: Serialize>(what: &'static str, row: &T) -> Result<Item, AdapterError> {
    serde_dynamo::to_item(row).map_err(|e| AdapterError::Encode { what, message: e.to_string() })
}

fn from_item<T: DeserializeOwned>(what: &'static str, item: Item) -> Result<T, AdapterError> {
    serde_dynamo::from_item(item).map_err(|e| AdapterError::Encode { what, message: e.to_string() })
}

fn put(table: &str, item: Item, condition: Option<(&str, Item)>) -> Result<TransactWriteItem, AdapterError> {
    let mut put = Put::builder().table_name(table).set_item(Some(item));
    if let Some((expression, values)) = condition {
        put = put.condition_expression(expression);
        if !values.is_empty() {
            put = put.set_expression_attribute_values(Some(values));
        }
    }
    let put = put.build().map_err(|e| AdapterError::Encode { what: "transaction put", message: e.to_string() })?;
    Ok(TransactWriteItem::builder().put(put).build())
}

enum TransactionResult {
    Committed,
    ConditionFailed,
}

impl StateStore {
    pub fn new(client: aws_sdk_dynamodb::Client, state_table: impl Into<String>, history_table: impl Into<String>) -> Self {
        StateStore { client, state_table: state_table.into(), history_table: history_table.into() }
    }

    /// Append the finding's history rows (per state and per framework). Idempotent.
    #[instrument(skip_all, fields(state_id = %rows.history.fields.state_id))]
    pub async fn record_history(&self, rows: &FindingRows) -> Result<HistoryOutcome, AdapterError> {
        let only_new = Some(("attribute_not_exists(pk)", Item::new()));
        let mut items = vec![put(&self.history_table, to_item("history row", &rows.history)?, only_new.clone())?];
        for row in &rows.framework_history {
            items.push(put(&self.history_table, to_item("framework history row", row)?, only_new.clone())?);
        }
        // Each chunk is all-or-nothing; a chunk already present (from an earlier, partly finished
        // delivery) is skipped and the rest still written.
        let mut any_written = false;
        for chunk in items.chunks(MAX_TRANSACTION_ITEMS) {
            if let TransactionResult::Committed = self.transact(chunk.to_vec(), &self.history_table).await? {
                any_written = true;
            }
        }
        Ok(if any_written { HistoryOutcome::Recorded } else { HistoryOutcome::AlreadyRecorded })
    }

    /// Make this finding the current state unless an equal or newer evaluation already is.
    #[instrument(skip_all, fields(state_id = %rows.current.fields.state_id))]
    pub async fn apply_current(&self, rows: &FindingRows) -> Result<StateOutcome, AdapterError> {
        // One row per framework: bounded by the catalogue's frameworks, far below the limit.
        if rows.framework_states.len() + 1 > MAX_TRANSACTION_ITEMS {
            return Err(AdapterError::Limit {
                what: "current state",
                message: format!(
                    "{} bears on {} frameworks; one transaction holds at most {}",
                    rows.current.fields.state_id,
                    rows.framework_states.len(),
                    MAX_TRANSACTION_ITEMS - 1
                ),
            });
        }
        let values = Item::from([
            (":t".to_string(), AttributeValue::S(rows.current.fields.observed_at.clone())),
            (":h".to_string(), AttributeValue::S(rows.current.fields.evidence_sha256.clone())),
        ]);
        let newer = "attribute_not_exists(pk) OR observed_at < :t OR (observed_at = :t AND evidence_sha256 < :h)";
        let mut items = vec![put(&self.state_table, to_item("current state row", &rows.current)?, Some((newer, values)))?];
        for row in &rows.framework_states {
            items.push(put(&self.state_table, to_item("framework state row", row)?, None)?);
        }
        Ok(match self.transact(items, &self.state_table).await? {
            TransactionResult::Committed => StateOutcome::Updated,
            TransactionResult::ConditionFailed => StateOutcome::Stale,
        })
    }

    async fn transact(&self, items: Vec<TransactWriteItem>, table: &str) -> Result<TransactionResult, AdapterError> {
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(TransactionResult::Committed),
            Err(err) => {
                if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = err.as_service_error() {
                    let reasons = cancelled.cancellation_reasons();
                    let only_conditions = !reasons.is_empty()
                        && reasons.iter().all(|r| matches!(r.code(), Some("ConditionalCheckFailed") | Some("None") | None))
                        && reasons.iter().any(|r| r.code() == Some("ConditionalCheckFailed"));
                    if only_conditions {
                        return Ok(TransactionResult::ConditionFailed);
                    }
                }
                Err(AdapterError::from_sdk("dynamodb:TransactWriteItems", table.to_string(), err))
            }
        }
    }

    /// The current state row for a state id, if any.
    pub async fn current(&self, state_id: &str) -> Result<Option<CurrentStateRow>, AdapterError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.state_table)
            .key("pk", AttributeValue::S(attest_domain::records::state_pk(state_id)))
            .key("sk", AttributeValue::S(CURRENT_SK.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| AdapterError::from_sdk("dynamodb:GetItem", self.state_table.clone(), e))?;
        out.item.map(|item| from_item("current state row", item)).transpose()
    }

    /// Every history row of one state, oldest first.
    pub async fn history(&self, state_id: &str) -> Result<Vec<HistoryRow>, AdapterError> {
        self.query(
            &self.history_table,
            None,
            "pk = :pk",
            Item::from([(":pk".into(), AttributeValue::S(attest_domain::records::state_pk(state_id)))]),
        )
        .await
    }

    /// Current per-framework rows (index `ByFramework`), optionally only one standing
    /// (`NON_COMPLIANT`, `SUPPRESSED`, ...).
    pub async fn framework_state(&self, framework: &str, standing: Option<&str>) -> Result<Vec<FrameworkStateRow>, AdapterError> {
        let mut values = Item::from([(":f".to_string(), AttributeValue::S(framework.to_string()))]);
        let condition = match standing {
            Some(s) => {
                values.insert(":s".into(), AttributeValue::S(format!("{s}#")));
                "framework = :f AND begins_with(framework_sort, :s)"
            }
            None => "framework = :f",
        };
        self.query(&self.state_table, Some("ByFramework"), condition, values).await
    }

    /// Current state rows with one standing (index `ByStatus`), oldest observation first.
    pub async fn by_standing(&self, standing: &str) -> Result<Vec<CurrentStateRow>, AdapterError> {
        self.query(
            &self.state_table,
            Some("ByStatus"),
            "standing = :s",
            Item::from([(":s".into(), AttributeValue::S(standing.to_string()))]),
        )
        .await
    }

    /// Current state rows of one resource (index `ByResource`): `{account}#{region}#{resource_id}`.
    pub async fn by_resource(&self, resource_key: &str) -> Result<Vec<CurrentStateRow>, AdapterError> {
        self.query(
            &self.state_table,
            Some("ByResource"),
            "resource_key = :r",
            Item::from([(":r".into(), AttributeValue::S(resource_key.to_string()))]),
        )
        .await
    }

    async fn query<T: DeserializeOwned>(
        &self,
        table: &str,
        index: Option<&str>,
        condition: &str,
        values: Item,
    ) -> Result<Vec<T>, AdapterError> {
        let mut rows = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(table)
                .set_index_name(index.map(str::to_string))
                .key_condition_expression(condition)
                .set_expression_attribute_values(Some(values.clone()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| AdapterError::from_sdk("dynamodb:Query", format!("{table}/{}", index.unwrap_or("table")), e))?;
            for item in out.items.unwrap_or_default() {
                rows.push(from_item("queried row", item)?);
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(rows),
            }
        }
    }
}
