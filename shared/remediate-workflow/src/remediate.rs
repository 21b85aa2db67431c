//! The steps of one message, and of one approval (see the crate's documentation).

use attest_alerts::digest::day_of;
use attest_alerts::envelope::transition_from_json_body;
use attest_alerts::{Change, Transition};
use attest_remediation::{plan, Action, Approval, Decision, Mode, Plan, RemediationRecord};
use serde_json::Value;
use tracing::{field, info};

use crate::ports::{EvidenceSink, Notifier, Records, Resources};
use crate::{Outcome, Remediate, RemediateError};

impl<R: Resources, D: Records, E: EvidenceSink, N: Notifier> Remediate<R, D, E, N> {
    /// A failing transition from the queue.
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
        if let Some(decision) = self.records.decided(&t.id).await.map_err(aws(&t))? {
            return Ok(Outcome::AlreadyDecided { decision });
        }
        self.act(&t, mode, None).await
    }

    /// An operator's approval of a pending request (`attest remediation approve`), by the IAM
    /// identity `approved_by`. The request is checked again as it stands now: a resource tagged
    /// out since, or a cap reached since, is not touched.
    pub async fn approve(
        &self,
        transition_id: &str,
        approved_by: &str,
    ) -> Result<Outcome, RemediateError> {
        let not_pending = |state: &str| RemediateError::NotPending {
            transition_id: transition_id.to_string(),
            state: state.to_string(),
        };
        let stored = self
            .records
            .stored(transition_id)
            .await
            .map_err(|source| RemediateError::Aws {
                transition_id: transition_id.to_string(),
                source,
            })?
            .ok_or_else(|| not_pending("no remediation was requested for it"))?;
        if stored.decision != Decision::PendingApproval.as_str() {
            return Err(not_pending(&format!("its decision is {}", stored.decision)));
        }
        let t = transition_from_json_body(&stored.body).map_err(|e| RemediateError::Record {
            transition_id: transition_id.to_string(),
            reason: format!("the stored transition cannot be read: {e}"),
        })?;
        let approval = Approval {
            approved_by: approved_by.to_string(),
            request_key: stored.evidence_key,
            request_sha256: stored.evidence_sha256,
        };
        self.act(&t, Mode::Approve, Some(approval)).await
    }

    /// From the plan on: shared by a queued failure and an approval.
    async fn act(
        &self,
        t: &Transition,
        mode: Mode,
        approval: Option<Approval>,
    ) -> Result<Outcome, RemediateError> {
        let record = |decision, action, before, after, reason| RemediationRecord {
            transition: t,
            decision,
            mode: Some(mode),
            action,
            before,
            after,
            reason,
            approval: approval.clone(),
        };
        let action = match plan(t, self.settings.kms_key.as_deref()) {
            Plan::Manual { reason } => {
                return self
                    .decide(record(Decision::Refused, None, None, None, Some(reason)))
                    .await
            }
            Plan::Act(action) => action,
        };
        let tags = self.resources.tags(&action).await.map_err(aws(t))?;
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
        let before = self.resources.read(&action).await.map_err(aws(t))?;
        match (mode, &approval) {
            (Mode::DryRun, _) => {
                return self
                    .decide(record(
                        Decision::DryRun,
                        Some(&action),
                        Some(before),
                        None,
                        None,
                    ))
                    .await
            }
            (Mode::Approve, None) => {
                let why = format!(
                    "waiting for approval: `attest remediation approve {}` makes the call",
                    t.id
                );
                return self
                    .decide(record(
                        Decision::PendingApproval,
                        Some(&action),
                        Some(before),
                        None,
                        Some(why),
                    ))
                    .await;
            }
            (Mode::Approve, Some(_)) | (Mode::Auto, _) => {}
        }
        let day = day_of(&t.observed_at).map_err(|reason| RemediateError::Record {
            transition_id: t.id.clone(),
            reason,
        })?;
        if !self
            .records
            .take_slot(&day, self.settings.daily_cap)
            .await
            .map_err(aws(t))?
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
            // Throttling or no answer: the queue (or the operator) retries.
            Err(e) if e.is_retryable() => Err(aws(t)(e)),
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

    /// Store the record as evidence, tell a person when one is needed, then record the decision
    /// (or settle the approved request): a crash before the last step decides again, into the
    /// same evidence key.
    async fn decide(&self, record: RemediationRecord<'_>) -> Result<Outcome, RemediateError> {
        let t = record.transition;
        let evidence = record.evidence().map_err(|e| RemediateError::Record {
            transition_id: t.id.clone(),
            reason: e.to_string(),
        })?;
        self.evidence.put(&evidence).await.map_err(aws(t))?;
        if matches!(
            record.decision,
            Decision::Refused | Decision::Failed | Decision::PendingApproval
        ) {
            let why = record.reason.as_deref().unwrap_or_default();
            self.notifier
                .manual(t, why, &evidence)
                .await
                .map_err(aws(t))?;
        }
        match &record.approval {
            None => self
                .records
                .record(t, record.decision.as_str(), &evidence)
                .await
                .map_err(aws(t))?,
            Some(approval) => {
                let settled = self
                    .records
                    .settle(
                        t,
                        record.decision.as_str(),
                        &evidence,
                        &approval.approved_by,
                    )
                    .await
                    .map_err(aws(t))?;
                if !settled {
                    return Err(RemediateError::NotPending {
                        transition_id: t.id.clone(),
                        state: "it was settled by another approval meanwhile".into(),
                    });
                }
            }
        }
        info!(decision = record.decision.as_str(), evidence_key = %evidence.key, "remediation decided");
        Ok(Outcome::Decided {
            decision: record.decision,
            evidence_key: evidence.key,
            evidence_sha256: evidence.sha256,
        })
    }
}

fn aws(t: &Transition) -> impl Fn(attest_aws::AdapterError) -> RemediateError + '_ {
    move |source| RemediateError::Aws {
        transition_id: t.id.clone(),
        source,
    }
}
