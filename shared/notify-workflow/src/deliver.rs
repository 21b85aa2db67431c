//! Step 2: each channel's body for the transition, posted once and never after a later one.

use attest_alerts::{deliveries, is_stale, Delivery, Transition};
use attest_aws::{DeliveryRecord, DeliveryStatus};
use attest_domain::timestamp::Timestamp;
use tracing::{field, warn};

use crate::ports::{DeliveryLog, Poster};
use crate::read_transition::{read_transition, QueuedMessage};
use crate::{ChannelOutcome, MessageOutcome, Notify, NotifyError, PartialDelivery};

impl<D: DeliveryLog, P: Poster> Notify<D, P> {
    /// Handle one queued message. Every channel the transition is for is tried, whatever the
    /// others do; the message fails if any of them failed, and its retry posts only what is not
    /// recorded yet. Only a crash between a post and its record posts twice, and the receivers
    /// deduplicate (PagerDuty by `dedup_key`, Slack readers by the transition id shown).
    pub async fn handle(&self, message: &QueuedMessage) -> Result<MessageOutcome, PartialDelivery> {
        let (transition, observed) = read_transition(message).map_err(|e| PartialDelivery {
            delivered: None,
            failures: vec![NotifyError::Read(e)],
        })?;
        let span = tracing::Span::current();
        span.record("transition_id", field::display(&transition.id));
        span.record("state_id", field::display(&transition.state_id));

        let mut outcome = MessageOutcome {
            transition_id: transition.id.clone(),
            change: transition.change.as_str(),
            channels: Vec::new(),
        };
        let mut failures = Vec::new();
        for delivery in deliveries(
            &transition,
            &self.channels.rules(),
            self.channels.routing_key(),
        ) {
            // `deliveries` returns only the channels `rules()` says are configured.
            let Some(url) = self.channels.url(delivery.channel) else {
                continue;
            };
            match self.deliver(&transition, &observed, url, &delivery).await {
                Ok(done) => outcome.channels.push(done),
                Err(err) => {
                    warn!(channel = delivery.channel.as_str(), error = %err, retryable = err.is_retryable(), "delivery failed");
                    failures.push(err);
                }
            }
        }
        if failures.is_empty() {
            Ok(outcome)
        } else {
            Err(PartialDelivery {
                delivered: Some(outcome),
                failures,
            })
        }
    }

    async fn deliver(
        &self,
        t: &Transition,
        observed: &Timestamp,
        url: &str,
        delivery: &Delivery,
    ) -> Result<ChannelOutcome, NotifyError> {
        let channel = delivery.channel.as_str();
        let log_error = |source| NotifyError::Log {
            transition_id: t.id.clone(),
            channel,
            source,
        };
        if self
            .log
            .delivered(channel, &t.id)
            .await
            .map_err(log_error)?
            .is_some()
        {
            return Ok(ChannelOutcome::AlreadyRecorded { channel });
        }
        let record = |status, http_status| DeliveryRecord {
            channel,
            transition_id: &t.id,
            state_id: &t.state_id,
            dedup_key: Some(&t.dedup_key),
            observed_at: observed.as_str(),
            status,
            http_status,
        };
        let latest = self
            .log
            .latest_sent(channel, &t.dedup_key)
            .await
            .map_err(log_error)?;
        // A latest time this code did not write (unparsable) cannot make anything stale.
        if let Some(latest) = latest.and_then(|l| Timestamp::parse(&l).ok()) {
            if is_stale(observed, &latest) {
                self.log
                    .record(&record(DeliveryStatus::Stale, None))
                    .await
                    .map_err(log_error)?;
                return Ok(ChannelOutcome::Stale { channel });
            }
        }
        let http_status = self
            .poster
            .post(url, &delivery.body)
            .await
            .map_err(|source| NotifyError::Post {
                transition_id: t.id.clone(),
                channel,
                source,
            })?;
        self.log
            .record(&record(DeliveryStatus::Sent, Some(http_status)))
            .await
            .map_err(log_error)?;
        Ok(ChannelOutcome::Sent {
            channel,
            http_status,
        })
    }
}
