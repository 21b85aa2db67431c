//! The notify function's delivery records, in the transitions table beside the transitions
//! themselves (one table holds everything about alerts an auditor may want to read):
//!
//! - `DELIVERY#{channel}#{transition id}`: the transition was delivered to the channel (`SENT`,
//!   with the receiver's HTTP status) or deliberately not (`STALE`). A redelivered SQS message
//!   finds it and posts nothing again on that channel.
//! - `LATEST#{channel}#{dedup key}`: the observed time of the newest transition of a state the
//!   channel was told of, advanced only forwards (conditional put), so a late, older transition
//!   is recognised as stale.
//!
//! - `REMEDIATION#{transition id}`: what remediation decided for a failing transition and the
//!   evidence key of its record, so a redelivered message decides nothing twice;
//!   `REMEDIATION_COUNT#{day}`: resources remediation touched that day, against the daily cap.
//!
//! Observed times are stored in `attest_domain::timestamp::Timestamp`'s fixed-width form, so the
//! condition's string comparison is a time comparison.

use aws_sdk_dynamodb::types::AttributeValue;
use tracing::instrument;

use crate::dynamo::{self, Item};
use crate::error::AdapterError;

/// What happened to a transition on one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Posted; the receiver accepted it.
    Sent,
    /// Not posted: the channel had already been told of a later transition of the same state.
    Stale,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Sent => "SENT",
            DeliveryStatus::Stale => "STALE",
        }
    }
}

/// One delivery record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord<'a> {
    pub channel: &'a str,
    pub transition_id: &'a str,
    pub state_id: &'a str,
    /// The state's `dedup_key`, whose `LATEST#` item a sent delivery advances; `None` for a
    /// delivery that is about no one state (a digest).
    pub dedup_key: Option<&'a str>,
    /// Fixed-width observed time of the transition.
    pub observed_at: &'a str,
    pub status: DeliveryStatus,
    /// The receiver's HTTP status, when posted.
    pub http_status: Option<u16>,
}

/// A transition's remediation record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRemediation {
    pub decision: String,
    /// The transition's JSON body.
    pub body: String,
    pub evidence_key: String,
    pub evidence_sha256: String,
}

#[derive(Clone, Debug)]
pub struct DeliveryStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

fn delivery_key(channel: &str, transition_id: &str) -> String {
    format!("DELIVERY#{channel}#{transition_id}")
}

fn latest_key(channel: &str, dedup_key: &str) -> String {
    format!("LATEST#{channel}#{dedup_key}")
}

impl DeliveryStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        DeliveryStore {
            client,
            table: table.into(),
        }
    }

    /// A strongly consistent read of one item's attribute `attribute` by `pk`.
    async fn read(&self, pk: String, attribute: &str) -> Result<Option<String>, AdapterError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(pk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| AdapterError::from_sdk("dynamodb:GetItem", self.table.clone(), e))?;
        Ok(out
            .item
            .and_then(|item| item.get(attribute).and_then(|v| v.as_s().ok()).cloned()))
    }

    /// The status recorded for this transition on this channel, if any.
    #[instrument(skip(self))]
    pub async fn delivered(
        &self,
        channel: &str,
        transition_id: &str,
    ) -> Result<Option<DeliveryStatus>, AdapterError> {
        let status = self
            .read(delivery_key(channel, transition_id), "status")
            .await?;
        Ok(match status.as_deref() {
            None => None,
            Some("SENT") => Some(DeliveryStatus::Sent),
            Some("STALE") => Some(DeliveryStatus::Stale),
            Some(other) => {
                return Err(AdapterError::Aws {
                    operation: "dynamodb:GetItem",
                    target: format!("{}/{}", self.table, delivery_key(channel, transition_id)),
                    message: format!("unknown delivery status `{other}`"),
                    retryable: false,
                })
            }
        })
    }

    /// The fixed-width observed time of the newest transition of the state the channel was told
    /// of, if any.
    #[instrument(skip(self))]
    pub async fn latest_sent(
        &self,
        channel: &str,
        dedup_key: &str,
    ) -> Result<Option<String>, AdapterError> {
        self.read(latest_key(channel, dedup_key), "observed_at")
            .await
    }

    /// Record the delivery; for a sent one, advance the state's latest time on the channel unless
    /// a newer one is already there.
    #[instrument(skip_all, fields(channel = record.channel, transition_id = record.transition_id))]
    pub async fn record(&self, record: &DeliveryRecord<'_>) -> Result<(), AdapterError> {
        let mut item = Item::from([
            (
                "pk".to_string(),
                s(&delivery_key(record.channel, record.transition_id)),
            ),
            ("channel".to_string(), s(record.channel)),
            ("transition_id".to_string(), s(record.transition_id)),
            ("state_id".to_string(), s(record.state_id)),
            ("observed_at".to_string(), s(record.observed_at)),
            ("status".to_string(), s(record.status.as_str())),
        ]);
        if let Some(code) = record.http_status {
            item.insert("http_status".into(), AttributeValue::N(code.to_string()));
        }
        // `false`: two deliveries of one message raced and the other recorded first; the record
        // is the first word on what the channel was told.
        dynamo::put_new(&self.client, &self.table, item).await?;
        let Some(dedup_key) = record
            .dedup_key
            .filter(|_| record.status == DeliveryStatus::Sent)
        else {
            return Ok(());
        };
        let latest = Item::from([
            ("pk".to_string(), s(&latest_key(record.channel, dedup_key))),
            ("channel".to_string(), s(record.channel)),
            ("state_id".to_string(), s(record.state_id)),
            ("transition_id".to_string(), s(record.transition_id)),
            ("observed_at".to_string(), s(record.observed_at)),
        ]);
        // `false`: a newer transition was recorded meanwhile, and stays the latest.
        dynamo::put_if(
            &self.client,
            &self.table,
            latest,
            "attribute_not_exists(pk) OR observed_at <= :t",
            None,
            Some(Item::from([(":t".into(), s(record.observed_at))])),
        )
        .await?;
        Ok(())
    }

    /// The decision recorded for remediating this transition, if any.
    #[instrument(skip(self))]
    pub async fn remediation_of(
        &self,
        transition_id: &str,
    ) -> Result<Option<String>, AdapterError> {
        self.read(format!("REMEDIATION#{transition_id}"), "decision")
            .await
    }

    /// The transition body kept with a decision that is waiting for approval.
    #[instrument(skip(self))]
    pub async fn pending_remediation(
        &self,
        transition_id: &str,
    ) -> Result<Option<PendingRemediation>, AdapterError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(&format!("REMEDIATION#{transition_id}")))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| AdapterError::from_sdk("dynamodb:GetItem", self.table.clone(), e))?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
        Ok(Some(PendingRemediation {
            decision: text("decision").unwrap_or_default(),
            body: text("body").unwrap_or_default(),
            evidence_key: text("evidence_key").unwrap_or_default(),
            evidence_sha256: text("evidence_sha256").unwrap_or_default(),
        }))
    }

    /// Replace a `PENDING_APPROVAL` decision by the approval's outcome; `false` when it was no
    /// longer pending (approved by someone else meanwhile).
    #[instrument(skip(self))]
    pub async fn settle_remediation(
        &self,
        transition_id: &str,
        decision: &str,
        evidence_key: &str,
        evidence_sha256: &str,
        approved_by: &str,
    ) -> Result<bool, AdapterError> {
        dynamo::update_if(
            &self.client,
            &self.table,
            &format!("REMEDIATION#{transition_id}"),
            "SET decision = :d, request_evidence_key = evidence_key, \
             evidence_key = :k, evidence_sha256 = :h, approved_by = :by",
            "decision = :pending",
            Item::from([
                (":d".to_string(), s(decision)),
                (":k".to_string(), s(evidence_key)),
                (":h".to_string(), s(evidence_sha256)),
                (":by".to_string(), s(approved_by)),
                (":pending".to_string(), s("PENDING_APPROVAL")),
            ]),
        )
        .await
    }

    /// Record the remediation decision of a transition (first record wins), with the
    /// transition's body, so an approval later acts on exactly what was requested.
    #[instrument(skip(self, body))]
    pub async fn record_remediation(
        &self,
        transition_id: &str,
        state_id: &str,
        decision: &str,
        evidence_key: &str,
        evidence_sha256: &str,
        body: &str,
    ) -> Result<(), AdapterError> {
        let item = Item::from([
            ("pk".to_string(), s(&format!("REMEDIATION#{transition_id}"))),
            ("transition_id".to_string(), s(transition_id)),
            ("state_id".to_string(), s(state_id)),
            ("decision".to_string(), s(decision)),
            ("evidence_key".to_string(), s(evidence_key)),
            ("evidence_sha256".to_string(), s(evidence_sha256)),
            ("body".to_string(), s(body)),
        ]);
        dynamo::put_new(&self.client, &self.table, item).await?;
        Ok(())
    }

    /// Take one of `day`'s `cap` remediation slots; `false` when all are taken. A slot taken by
    /// a run that then fails stays taken: the cap errs towards touching less.
    #[instrument(skip(self))]
    pub async fn take_remediation_slot(&self, day: &str, cap: u64) -> Result<bool, AdapterError> {
        dynamo::update_if(
            &self.client,
            &self.table,
            &format!("REMEDIATION_COUNT#{day}"),
            "ADD touched :one",
            "attribute_not_exists(touched) OR touched < :cap",
            Item::from([
                (":one".to_string(), AttributeValue::N("1".into())),
                (":cap".to_string(), AttributeValue::N(cap.to_string())),
            ]),
        )
        .await
    }
}
