//! Step 2: record the transition, publish it, record that it was sent.

use attest_alerts::sns_message;
use attest_aws::TransitionClaim;
use tracing::field;

use crate::ports::{Publisher, TransitionLedger};
use crate::read_change::{read_change, StateImages};
use crate::{Alert, AlertError, RecordOutcome};

impl<L: TransitionLedger, P: Publisher> Alert<L, P> {
    /// Handle one stream record. Its transition (if any) is claimed before it is published and
    /// marked sent after, so a redelivered record finds it sent and publishes nothing; only a
    /// crash between publish and mark publishes twice, and receivers deduplicate by its ids.
    pub async fn handle(&self, images: &StateImages) -> Result<RecordOutcome, AlertError> {
        let Some(transition) = read_change(images)? else {
            return Ok(RecordOutcome::NoTransition);
        };
        let span = tracing::Span::current();
        span.record("transition_id", field::display(&transition.id));
        span.record("state_id", field::display(&transition.state_id));
        let store_error = |source| AlertError::Store {
            transition_id: transition.id.clone(),
            source,
        };
        match self.ledger.claim(&transition).await.map_err(store_error)? {
            TransitionClaim::AlreadySent => {
                return Ok(RecordOutcome::AlreadySent {
                    transition_id: transition.id,
                })
            }
            TransitionClaim::Publish => {}
        }
        let message_id = self
            .publisher
            .publish(&sns_message(&transition))
            .await
            .map_err(store_error)?;
        self.ledger
            .mark_sent(&transition, &message_id)
            .await
            .map_err(store_error)?;
        Ok(RecordOutcome::Published {
            transition_id: transition.id,
            change: transition.change.as_str().to_string(),
            message_id,
        })
    }
}
