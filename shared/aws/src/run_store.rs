//! Collection run records in DynamoDB: exactly one record per (control, period), claimed by one
//! invocation at a time.
//!
//! - The first trigger creates the record as PENDING (conditional on it not existing) and collects.
//! - A concurrent or duplicate trigger finds it: COLLECTED means done (nothing to do), PENDING with a
//!   live lease means someone is collecting now (nothing to do).
//! - A FAILED record, or a PENDING one whose lease has expired (its invocation died), is re-claimed
//!   with a conditional put on the attempt count it read, so only one re-claim wins; the record is
//!   reused, never duplicated.
//! - A PENDING record held by the claiming invocation itself is resumed at once, lease or not: Lambda
//!   retries an asynchronous invocation that crashed or timed out with the same request id, and
//!   only after the failed attempt has ended, so the holder is gone. Without this the retry would
//!   find its own live claim, take it for another collector's and do nothing until the lease ran out.
//! - Completing or failing is conditional on still holding the claim.

use std::collections::HashMap;

use attest_domain::collection::run::{run_pk, run_sk, ControlDefinitionRow};
use attest_domain::collection::{Period, RunRecord, RunStatus};
use aws_sdk_dynamodb::types::AttributeValue;
use tracing::instrument;

use crate::dynamo::{self, Item};
use crate::error::AdapterError;

#[derive(Clone, Debug)]
pub struct RunStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

/// What a trigger found when it tried to claim a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This invocation holds the run and must collect.
    Won(RunRecord),
    AlreadyCollected(RunRecord),
    /// Another invocation holds a live claim.
    InProgress(RunRecord),
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

impl RunStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        RunStore {
            client,
            table: table.into(),
        }
    }

    /// Claim the run described by `fresh` (status PENDING, attempts 1) at time `now`.
    #[instrument(skip_all, fields(control = %fresh.control, period = %fresh.sk))]
    pub async fn claim(&self, fresh: &RunRecord, now: &str) -> Result<Claim, AdapterError> {
        if self
            .put_if(fresh, "attribute_not_exists(pk)", Item::new())
            .await?
        {
            return Ok(Claim::Won(fresh.clone()));
        }
        // Two rounds: a lost re-claim race is followed by one more read, which then sees the winner.
        for _ in 0..2 {
            let existing = self
                .get_by_key(&fresh.pk, &fresh.sk)
                .await?
                .ok_or_else(|| self.vanished(&fresh.pk, &fresh.sk))?;
            match existing.status {
                RunStatus::Collected => return Ok(Claim::AlreadyCollected(existing)),
                RunStatus::Pending if existing.claimed_by == fresh.claimed_by => {
                    let mut next = fresh.clone();
                    next.attempts = existing.attempts + 1;
                    let values = Item::from([
                        (
                            ":seen".into(),
                            AttributeValue::N(existing.attempts.to_string()),
                        ),
                        (":me".into(), s(&fresh.claimed_by)),
                        (":pending".into(), s(RunStatus::Pending.as_str())),
                    ]);
                    let condition = "attempts = :seen AND #status = :pending AND claimed_by = :me";
                    if self.put_if(&next, condition, values).await? {
                        return Ok(Claim::Won(next));
                    }
                }
                RunStatus::Pending if existing.lease_until.as_str() > now => {
                    return Ok(Claim::InProgress(existing))
                }
                RunStatus::Pending | RunStatus::Failed => {
                    let mut next = fresh.clone();
                    next.attempts = existing.attempts + 1;
                    let values = Item::from([
                        (
                            ":seen".into(),
                            AttributeValue::N(existing.attempts.to_string()),
                        ),
                        (":failed".into(), s(RunStatus::Failed.as_str())),
                        (":now".into(), s(now)),
                        (":collected".into(), s(RunStatus::Collected.as_str())),
                    ]);
                    // The holder may finish COLLECTED between our read and this put (finishing
                    // keeps the attempt count): a collected run is never re-claimed.
                    let condition = "attempts = :seen AND #status <> :collected AND (#status = :failed OR lease_until < :now)";
                    if self.put_if(&next, condition, values).await? {
                        return Ok(Claim::Won(next));
                    }
                }
            }
        }
        let existing = self
            .get_by_key(&fresh.pk, &fresh.sk)
            .await?
            .ok_or_else(|| self.vanished(&fresh.pk, &fresh.sk))?;
        Ok(match existing.status {
            RunStatus::Collected => Claim::AlreadyCollected(existing),
            _ => Claim::InProgress(existing),
        })
    }

    /// Record the outcome (COLLECTED or FAILED) of a run this invocation holds.
    #[instrument(skip_all, fields(control = %record.control, status = record.status.as_str()))]
    pub async fn finish(&self, record: &RunRecord) -> Result<(), AdapterError> {
        let values = Item::from([
            (":me".into(), s(&record.claimed_by)),
            (":pending".into(), s(RunStatus::Pending.as_str())),
        ]);
        if self
            .put_if(record, "claimed_by = :me AND #status = :pending", values)
            .await?
        {
            Ok(())
        } else {
            Err(AdapterError::Aws {
                operation: "dynamodb:PutItem",
                target: format!("{}/{}", record.pk, record.sk),
                message: format!(
                    "invocation {} no longer holds the claim (its lease expired)",
                    record.claimed_by
                ),
                retryable: false,
            })
        }
    }

    /// Record every control definition of a catalogue version (idempotent: a version already
    /// recorded is left as it is). Returns how many definitions were new.
    ///
    /// Rows are written in order, so a version whose last row exists was recorded in full: a cold
    /// start of a recorded version makes one read, not one conditional write per control. A cold
    /// start that crashed part-way leaves the last row unwritten, and the next one completes it.
    pub async fn record_definitions(
        &self,
        rows: &[ControlDefinitionRow],
    ) -> Result<usize, AdapterError> {
        if let Some(last) = rows.last() {
            let recorded: Option<ControlDefinitionRow> = dynamo::get(
                &self.client,
                &self.table,
                "control definition",
                &last.pk,
                &last.sk,
            )
            .await?;
            if recorded.is_some() {
                return Ok(0);
            }
        }
        let mut new = 0;
        for row in rows {
            let item: Item = serde_dynamo::to_item(row).map_err(|e| AdapterError::Encode {
                what: "control definition",
                message: e.to_string(),
            })?;
            if dynamo::put_new(&self.client, &self.table, item).await? {
                new += 1;
            }
        }
        Ok(new)
    }

    /// Every recorded definition of one control, one per catalogue version.
    pub async fn definitions(
        &self,
        control: &str,
    ) -> Result<Vec<ControlDefinitionRow>, AdapterError> {
        dynamo::query_all(
            &self.client,
            &self.table,
            None,
            "pk = :k",
            None,
            Item::from([(":k".into(), s(format!("CONTROL#{control}")))]),
        )
        .await
    }

    pub async fn get(
        &self,
        control: &str,
        period: &Period,
    ) -> Result<Option<RunRecord>, AdapterError> {
        self.get_by_key(&run_pk(control), &run_sk(period)).await
    }

    /// Every run of one control, oldest period first.
    pub async fn runs_of(&self, control: &str) -> Result<Vec<RunRecord>, AdapterError> {
        self.query(
            None,
            "pk = :k",
            None,
            Item::from([(":k".into(), s(run_pk(control)))]),
        )
        .await
    }

    /// Runs with a given status (index `ByStatus`), e.g. every FAILED run to alert on.
    pub async fn with_status(&self, status: RunStatus) -> Result<Vec<RunRecord>, AdapterError> {
        let names = HashMap::from([("#status".to_string(), "status".to_string())]);
        self.query(
            Some("ByStatus"),
            "#status = :s",
            Some(names),
            Item::from([(":s".into(), s(status.as_str()))]),
        )
        .await
    }

    async fn query(
        &self,
        index: Option<&str>,
        condition: &str,
        names: Option<HashMap<String, String>>,
        values: Item,
    ) -> Result<Vec<RunRecord>, AdapterError> {
        dynamo::query_all(&self.client, &self.table, index, condition, names, values).await
    }

    async fn get_by_key(&self, pk: &str, sk: &str) -> Result<Option<RunRecord>, AdapterError> {
        dynamo::get(&self.client, &self.table, "run record", pk, sk).await
    }

    /// A conditional put of the whole record: `Ok(false)` when the condition did not hold.
    async fn put_if(
        &self,
        record: &RunRecord,
        condition: &str,
        values: Item,
    ) -> Result<bool, AdapterError> {
        let item: Item = serde_dynamo::to_item(record).map_err(|e| AdapterError::Encode {
            what: "run record",
            message: e.to_string(),
        })?;
        let names = condition
            .contains("#status")
            .then(|| HashMap::from([("#status".to_string(), "status".to_string())]));
        dynamo::put_if(
            &self.client,
            &self.table,
            item,
            condition,
            names,
            Some(values),
        )
        .await
    }

    fn vanished(&self, pk: &str, sk: &str) -> AdapterError {
        AdapterError::Aws {
            operation: "dynamodb:GetItem",
            target: format!("{}/{pk}/{sk}", self.table),
            message: "the run record existed a moment ago and is gone".into(),
            retryable: true,
        }
    }
}
