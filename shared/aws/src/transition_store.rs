//! The transitions table: one item per alerting transition (`pk` = its id), so a redelivered
//! stream record, or a retried batch, publishes nothing twice.
//!
//! - [`TransitionStore::claim`] writes the item as `PENDING` unless it is already `SENT`
//!   (conditional put): a claim that finds it `SENT` means "already published, do nothing".
//! - After the publish, [`TransitionStore::mark_sent`] records `SENT` and the SNS message id.
//! - [`TransitionStore::bodies_on`] lists a day's transitions (the digest's input).
//!
//! A crash between publish and `mark_sent` leaves `PENDING`; the retry publishes again, and the
//! receivers deduplicate (PagerDuty by `dedup_key`, Slack by the transition id in the message).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use tracing::instrument;

use crate::dynamo::{self, Item};
use crate::error::AdapterError;

pub const PENDING: &str = "PENDING";
pub const SENT: &str = "SENT";

/// What a transition's row says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRecord<'a> {
    pub id: &'a str,
    pub state_id: &'a str,
    /// `FAILED` or `RESOLVED`.
    pub change: &'a str,
    pub to: &'a str,
    pub evidence_sha256: &'a str,
    pub observed_at: &'a str,
    /// The UTC day of `observed_at` (`YYYY-MM-DD`), the `ByDay` index's key.
    pub day: &'a str,
    /// The transition's JSON body as published (`attest_alerts::stored_body`), so the digest and
    /// an auditor read what was sent from the table alone.
    pub body: &'a str,
}

/// Whether this call may publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionClaim {
    /// New, or claimed before but never recorded as sent: publish.
    Publish,
    /// Recorded as sent: do nothing.
    AlreadySent,
}

#[derive(Clone, Debug)]
pub struct TransitionStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

impl TransitionStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        TransitionStore {
            client,
            table: table.into(),
        }
    }

    fn item(record: &TransitionRecord<'_>, status: &str) -> Item {
        Item::from([
            ("pk".to_string(), s(record.id)),
            ("state_id".to_string(), s(record.state_id)),
            ("change".to_string(), s(record.change)),
            ("to_standing".to_string(), s(record.to)),
            ("evidence_sha256".to_string(), s(record.evidence_sha256)),
            ("observed_at".to_string(), s(record.observed_at)),
            ("day".to_string(), s(record.day)),
            ("body".to_string(), s(record.body)),
            ("status".to_string(), s(status)),
        ])
    }

    /// The bodies of every transition observed on `day` (`ByDay` index, eventually consistent:
    /// the digest runs well after the day ends), in observed order.
    #[instrument(skip(self))]
    pub async fn bodies_on(&self, day: &str) -> Result<Vec<String>, AdapterError> {
        #[derive(serde::Deserialize)]
        struct Row {
            body: String,
        }
        let rows: Vec<Row> = dynamo::query_all(
            &self.client,
            &self.table,
            Some("ByDay"),
            "#day = :day",
            Some(HashMap::from([("#day".into(), "day".into())])),
            Item::from([(":day".into(), s(day))]),
        )
        .await?;
        Ok(rows.into_iter().map(|r| r.body).collect())
    }

    #[instrument(skip_all, fields(transition_id = %record.id))]
    pub async fn claim(
        &self,
        record: &TransitionRecord<'_>,
    ) -> Result<TransitionClaim, AdapterError> {
        let won = dynamo::put_if(
            &self.client,
            &self.table,
            Self::item(record, PENDING),
            "attribute_not_exists(pk) OR #status <> :sent",
            Some(HashMap::from([("#status".into(), "status".into())])),
            Some(Item::from([(":sent".into(), s(SENT))])),
        )
        .await?;
        Ok(if won {
            TransitionClaim::Publish
        } else {
            TransitionClaim::AlreadySent
        })
    }

    #[instrument(skip_all, fields(transition_id = %record.id))]
    pub async fn mark_sent(
        &self,
        record: &TransitionRecord<'_>,
        message_id: &str,
    ) -> Result<(), AdapterError> {
        let mut item = Self::item(record, SENT);
        item.insert("message_id".into(), s(message_id));
        let written = dynamo::put_if(
            &self.client,
            &self.table,
            item,
            "attribute_exists(pk)",
            None,
            None,
        )
        .await?;
        if written {
            Ok(())
        } else {
            Err(AdapterError::unexpected_answer(
                "dynamodb:PutItem",
                format!("{}/{}", self.table, record.id),
                "the transition's claim vanished before it was marked sent",
            ))
        }
    }
}
