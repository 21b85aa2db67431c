//! Current compliance state and its history in DynamoDB. Row shapes and keys come from
//! `attest_domain::records`; this module only decides how they are written and read.
//!
//! EventBridge delivers at least once and out of order, so:
//! - a history item is written only if absent (`attribute_not_exists`): a redelivery adds nothing;
//! - the current-state item is replaced only by a strictly newer evaluation, in the domain's order
//!   ([`attest_domain::Precedence`]: the evaluation's own time, then the EventBridge envelope time,
//!   then the evidence hash), compared as the items' fixed-width `precedence` strings.
//!
//! Each is one conditional PutItem: the per-framework index keys live on the same item, so there is
//! nothing to keep consistent across items and no transaction is needed.

use std::collections::HashMap;

use attest_domain::records::{
    framework_index, framework_key, state_pk, CurrentStateRow, FindingItems, HistoryRow, CURRENT_SK,
};
use attest_domain::timestamp::Timestamp;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;
use tracing::instrument;

use crate::dynamo::{self, Item};
use crate::error::AdapterError;
use crate::items::{both_items, current_item, history_item};

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

/// Every standing a state can have, for reading a framework index whole.
pub const STANDINGS: [&str; 7] = [
    "COMPLIANT",
    "NON_COMPLIANT",
    "WARNING",
    "NOT_APPLICABLE",
    "INSUFFICIENT_DATA",
    "SUPPRESSED",
    "ARCHIVED",
];

impl StateStore {
    pub fn new(
        client: aws_sdk_dynamodb::Client,
        state_table: impl Into<String>,
        history_table: impl Into<String>,
    ) -> Self {
        StateStore {
            client,
            state_table: state_table.into(),
            history_table: history_table.into(),
        }
    }

    /// Append the finding's history item. Idempotent.
    #[instrument(skip_all, fields(state_id = %items.state_id()))]
    pub async fn record_history(
        &self,
        items: &FindingItems<'_>,
    ) -> Result<HistoryOutcome, AdapterError> {
        self.put_history(history_item(items)).await
    }

    /// Make this finding the current state unless an equal or newer evaluation already is.
    #[instrument(skip_all, fields(state_id = %items.state_id()))]
    pub async fn apply_current(
        &self,
        items: &FindingItems<'_>,
    ) -> Result<StateOutcome, AdapterError> {
        self.put_current(current_item(items)).await
    }

    /// [`Self::record_history`], then [`Self::apply_current`]: a current state always has its
    /// history entry.
    #[instrument(skip_all, fields(state_id = %items.state_id()))]
    pub async fn store(
        &self,
        items: &FindingItems<'_>,
    ) -> Result<(HistoryOutcome, StateOutcome), AdapterError> {
        let (current, history) = both_items(items);
        let history = self.put_history(history).await?;
        Ok((history, self.put_current(current).await?))
    }

    async fn put_history(&self, item: Item) -> Result<HistoryOutcome, AdapterError> {
        Ok(
            match self
                .put_if(&self.history_table, item, "attribute_not_exists(pk)", None)
                .await?
            {
                true => HistoryOutcome::Recorded,
                false => HistoryOutcome::AlreadyRecorded,
            },
        )
    }

    async fn put_current(&self, item: Item) -> Result<StateOutcome, AdapterError> {
        // Every current-state item carries both (`FindingItems::write_current` always writes them).
        let value = |name: &str| {
            item.get(name)
                .cloned()
                .unwrap_or(AttributeValue::Null(true))
        };
        let values = Item::from([
            (":p".to_string(), value("precedence")),
            (":t".to_string(), value("observed_at")),
        ]);
        // A row written before `precedence` existed has no delivered time, so it orders before
        // every evaluation with its observed time or a later one (`Precedence::of_row`).
        let newer = "attribute_not_exists(pk) OR precedence < :p \
                     OR (attribute_not_exists(precedence) AND observed_at <= :t)";
        Ok(
            match self
                .put_if(&self.state_table, item, newer, Some(values))
                .await?
            {
                true => StateOutcome::Updated,
                false => StateOutcome::Stale,
            },
        )
    }

    async fn put_if(
        &self,
        table: &str,
        item: Item,
        condition: &str,
        values: Option<Item>,
    ) -> Result<bool, AdapterError> {
        dynamo::put_if(&self.client, table, item, condition, None, values).await
    }

    /// The current state row for a state id, if any.
    pub async fn current(&self, state_id: &str) -> Result<Option<CurrentStateRow>, AdapterError> {
        dynamo::get(
            &self.client,
            &self.state_table,
            "current state row",
            &state_pk(state_id),
            CURRENT_SK,
        )
        .await
    }

    /// Every history row of one state, oldest first.
    pub async fn history(&self, state_id: &str) -> Result<Vec<HistoryRow>, AdapterError> {
        dynamo::query_all(
            &self.client,
            &self.history_table,
            None,
            "pk = :pk",
            None,
            Item::from([(":pk".into(), AttributeValue::S(state_pk(state_id)))]),
        )
        .await
    }

    /// The latest history row of one state observed before `before` (one page of one item: the
    /// sort key is `{observed_at}#{sha256}`, so every key below `before` sorts before it).
    pub async fn latest_before(
        &self,
        state_id: &str,
        before: &Timestamp,
    ) -> Result<Option<HistoryRow>, AdapterError> {
        let out = self
            .client
            .query()
            .table_name(&self.history_table)
            .key_condition_expression("pk = :pk AND sk < :before")
            .expression_attribute_values(":pk", AttributeValue::S(state_pk(state_id)))
            .expression_attribute_values(":before", AttributeValue::S(before.as_str().to_string()))
            .scan_index_forward(false)
            .limit(1)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| {
                AdapterError::from_sdk("dynamodb:Query", format!("{}/table", self.history_table), e)
            })?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .next()
            .map(|item| dynamo::decode("history row", item))
            .transpose()
    }

    /// Current state rows bearing on a framework (index `Fw-{framework}`), optionally of one
    /// standing (`NON_COMPLIANT`, `SUPPRESSED`, ...).
    pub async fn framework_state(
        &self,
        framework: &str,
        standing: Option<&str>,
    ) -> Result<Vec<CurrentStateRow>, AdapterError> {
        let mut rows = Vec::new();
        for s in standing
            .map(|s| vec![s])
            .unwrap_or_else(|| STANDINGS.to_vec())
        {
            rows.extend(
                self.framework_query(&self.state_table, framework, s)
                    .await?,
            );
        }
        Ok(rows)
    }

    /// History rows bearing on a framework observed on one day (`YYYY-MM-DD`), oldest first.
    pub async fn framework_history_on(
        &self,
        framework: &str,
        date: &str,
    ) -> Result<Vec<HistoryRow>, AdapterError> {
        self.framework_query(&self.history_table, framework, date)
            .await
    }

    async fn framework_query<T: DeserializeOwned>(
        &self,
        table: &str,
        framework: &str,
        key: &str,
    ) -> Result<Vec<T>, AdapterError> {
        let names = HashMap::from([("#k".to_string(), framework_key(framework))]);
        dynamo::query_all(
            &self.client,
            table,
            Some(&framework_index(framework)),
            "#k = :k",
            Some(names),
            Item::from([(":k".into(), AttributeValue::S(key.to_string()))]),
        )
        .await
    }

    /// Current state rows with one standing (index `ByStatus`), oldest observation first.
    pub async fn by_standing(&self, standing: &str) -> Result<Vec<CurrentStateRow>, AdapterError> {
        dynamo::query_all(
            &self.client,
            &self.state_table,
            Some("ByStatus"),
            "standing = :s",
            None,
            Item::from([(":s".into(), AttributeValue::S(standing.to_string()))]),
        )
        .await
    }

    /// Current state rows of one resource (index `ByResource`): `{account}#{region}#{resource_id}`.
    pub async fn by_resource(
        &self,
        resource_key: &str,
    ) -> Result<Vec<CurrentStateRow>, AdapterError> {
        dynamo::query_all(
            &self.client,
            &self.state_table,
            Some("ByResource"),
            "resource_key = :r",
            None,
            Item::from([(":r".into(), AttributeValue::S(resource_key.to_string()))]),
        )
        .await
    }
}
