//! The steps of one message (see the crate's documentation).

use attest_alerts::digest::day_of;
use attest_alerts::envelope::transition_from_json_body;
use attest_alerts::Change;
use attest_remediation::{plan, Action, Decision, Mode, Plan, RemediationRecord};
use serde_json::Value;
use tracing::{field, info};

use crate::ports::{EvidenceSink, Notifier, Records, Resources};
use crate::{Outcome, Remediate, RemediateError};

impl<R: Resources, D: Records, E: EvidenceSink, N: Notifier> Remediate<R, D, E, N> {
    pub async fn handle(&self, message_id: &str, body: &str) -> Result<Outcome, RemediateError> {
        let t = transition_from_json_body(body).map_err(|source| RemediateError::Message {
            message_id: message_id.to_string(),
            source,
        })?;
        let span = tracing::Span::current();
        span.record("transition_id", field::display(&t.id));
        span.record("rule_id", field::display(&t.rule_id));
        if t.change != Change::Failed {
            return Ok(Outcome::NotAFailure);
        }
        let Some(mode) = self.settings.rules.get(&t.rule_id) else {
            return Ok(Outcome::NotEnabled);
        };
        let aws = |source| RemediateError::Aws {
            transition_id: t.id.clone(),
            source,
        };
        if let Some(decision) = self.records.decided(&t.id).await.map_err(aws)? {
            return Ok(Outcome::AlreadyDecided { decision });
        }
        let record = |decision, action, before, after, reason| RemediationRecord {
            transition: &t,
            decision,
            mode: Some(mode),
            action,
            before,
            after,
            reason,
        };
        let action = match plan(&t, self.settings.kms_key.as_deref()) {
            Plan::Manual { reason } => {
                return self
                    .decide(record(Decision::Refused, None, None, None, Some(reason)))
                    .await
            }
            Plan::Act(action) => action,
        };
        let tags = self.resources.tags(&action).await.map_err(aws)?;
        if tags.get(&self.settings.opt_out_tag) == Some(&self.settings.opt_out_value) {
            let why = format!(
                "the resource is tagged {}={}",
                self.settings.opt_out_tag, self.settings.opt_out_value
            );
            return self
                .decide(record(
                    Decision::OptedOut,
                    Some(&action),
                    None,
                    None,
                    Some(why),
                ))
                .await;
        }
        let before = self.resources.read(&action).await.map_err(aws)?;
        if mode == Mode::DryRun {
            return self
                .decide(record(
                    Decision::DryRun,
                    Some(&action),
                    Some(before),
                    None,
                    None,
                ))
                .await;
        }
        let day = day_of(&t.observed_at).map_err(|reason| RemediateError::Record {
            transition_id: t.id.clone(),
            reason,
        })?;
        if !self
            .records
            .take_slot(&day, self.settings.daily_cap)
            .await
            .map_err(aws)?
        {
            let why = format!(
                "{} resources were already remediated on {day}, the daily cap",
                self.settings.daily_cap
            );
            return self
                .decide(record(
                    Decision::CapReached,
                    Some(&action),
                    Some(before),
                    None,
                    Some(why),
                ))
                .await;
        }
        match self.apply(&action).await {
            Ok(after) => {
                self.decide(record(
                    Decision::Applied,
                    Some(&action),
                    Some(before),
                    Some(after),
                    None,
                ))
                .await
            }
            // Throttling or no answer: the queue retries the message.
            Err(e) if e.is_retryable() => Err(aws(e)),
            Err(e) => {
                self.decide(record(
                    Decision::Failed,
                    Some(&action),
                    Some(before),
                    None,
                    Some(e.to_string()),
                ))
                .await
            }
        }
    }

    async fn apply(&self, action: &Action) -> Result<Value, attest_aws::AdapterError> {
        self.resources.apply(action).await?;
        self.resources.read(action).await
    }

    /// Store the record as evidence, notify a person when one is needed, then record the
    /// decision: a crash before the last step decides again, into the same evidence key.
    async fn decide(&self, record: RemediationRecord<'_>) -> Result<Outcome, RemediateError> {
        let t = record.transition;
        let evidence = record.evidence().map_err(|e| RemediateError::Record {
            transition_id: t.id.clone(),
            reason: e.to_string(),
        })?;
        let aws = |source| RemediateError::Aws {
            transition_id: t.id.clone(),
            source,
        };
        self.evidence.put(&evidence).await.map_err(aws)?;
        if matches!(record.decision, Decision::Refused | Decision::Failed) {
            let why = record.reason.as_deref().unwrap_or_default();
            self.notifier.manual(t, why, &evidence).await.map_err(aws)?;
        }
        self.records
            .record(t, record.decision.as_str(), &evidence)
            .await
            .map_err(aws)?;
        info!(decision = record.decision.as_str(), evidence_key = %evidence.key, "remediation decided");
        Ok(Outcome::Decided {
            decision: record.decision,
            evidence_key: evidence.key,
            evidence_sha256: evidence.sha256,
        })
    }
}
