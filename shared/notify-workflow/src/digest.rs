//! The daily digest use case: a day's transitions below Slack's threshold, one Slack message per
//! framework (`attest_alerts::digest`), each posted once: a framework's digest of a day already
//! recorded (`DELIVERY#slack-digest#{day}#{framework}`) is not posted again, so a retried or
//! repeated run posts only what is missing.

use std::future::Future;

use attest_alerts::digest::{digest_groups, slack_digest};
use attest_alerts::envelope::transition_from_json_body;
use attest_alerts::Transition;
use attest_aws::{AdapterError, DeliveryRecord, DeliveryStatus};
use tracing::warn;

use crate::channels::SlackChannel;
use crate::ports::{DeliveryLog, PostError, Poster};

/// The delivery records' channel name for digests.
pub const DIGEST_CHANNEL: &str = "slack-digest";

/// A day's transitions (`attest_aws::TransitionStore::bodies_on`).
pub trait TransitionsOfDay: Send + Sync {
    fn bodies_on(
        &self,
        day: &str,
    ) -> impl Future<Output = Result<Vec<String>, AdapterError>> + Send;
}

/// Everything the digest function needs, built once per cold start.
pub struct Digest<D, T, P> {
    pub log: D,
    pub transitions: T,
    pub poster: P,
    pub slack: SlackChannel,
}

#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error("day {day}: transitions table: {source}")]
    Read { day: String, source: AdapterError },
    /// Attest wrote every body; one it cannot read is refused by name rather than left out.
    #[error("day {day}: a stored transition body cannot be read: {reason}")]
    Body { day: String, reason: String },
    #[error("digest {day} {framework}: delivery record: {source}")]
    Log {
        day: String,
        framework: String,
        source: AdapterError,
    },
    #[error("digest {day} {framework}: {source}")]
    Post {
        day: String,
        framework: String,
        source: PostError,
    },
}

impl DigestError {
    pub fn is_retryable(&self) -> bool {
        match self {
            DigestError::Read { source, .. } | DigestError::Log { source, .. } => {
                source.is_retryable()
            }
            DigestError::Body { .. } => false,
            DigestError::Post { source, .. } => source.is_retryable(),
        }
    }
}

/// What one framework's digest did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum FrameworkDigest {
    Sent {
        framework: String,
        transitions: usize,
        http_status: u16,
    },
    AlreadyRecorded {
        framework: String,
    },
}

/// What a run did: the day, how many of its transitions it read, each framework's digest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DigestOutcome {
    pub day: String,
    pub transitions_read: usize,
    pub frameworks: Vec<FrameworkDigest>,
}

/// A run where some framework failed: what the others did, and every failure.
#[derive(Debug)]
pub struct DigestFailure {
    pub done: Option<DigestOutcome>,
    pub failures: Vec<DigestError>,
}

impl<D: DeliveryLog, T: TransitionsOfDay, P: Poster> Digest<D, T, P> {
    pub async fn run(&self, day: &str) -> Result<DigestOutcome, DigestFailure> {
        let fail = |e| DigestFailure {
            done: None,
            failures: vec![e],
        };
        let bodies = self.transitions.bodies_on(day).await.map_err(|source| {
            fail(DigestError::Read {
                day: day.to_string(),
                source,
            })
        })?;
        let transitions = bodies
            .iter()
            .map(|b| transition_from_json_body(b))
            .collect::<Result<Vec<Transition>, _>>()
            .map_err(|e| {
                fail(DigestError::Body {
                    day: day.to_string(),
                    reason: e.to_string(),
                })
            })?;
        let mut outcome = DigestOutcome {
            day: day.to_string(),
            transitions_read: transitions.len(),
            frameworks: Vec::new(),
        };
        let mut failures = Vec::new();
        for (framework, entries) in digest_groups(&transitions, self.slack.min_severity) {
            match self.post_once(day, &framework, &entries).await {
                Ok(done) => outcome.frameworks.push(done),
                Err(err) => {
                    warn!(framework = %framework, error = %err, retryable = err.is_retryable(), "digest failed");
                    failures.push(err);
                }
            }
        }
        if failures.is_empty() {
            Ok(outcome)
        } else {
            Err(DigestFailure {
                done: Some(outcome),
                failures,
            })
        }
    }

    async fn post_once(
        &self,
        day: &str,
        framework: &str,
        entries: &[&Transition],
    ) -> Result<FrameworkDigest, DigestError> {
        let id = format!("{day}#{framework}");
        let log_error = |source| DigestError::Log {
            day: day.to_string(),
            framework: framework.to_string(),
            source,
        };
        if self
            .log
            .delivered(DIGEST_CHANNEL, &id)
            .await
            .map_err(log_error)?
            .is_some()
        {
            return Ok(FrameworkDigest::AlreadyRecorded {
                framework: framework.to_string(),
            });
        }
        let http_status = self
            .poster
            .post(
                &self.slack.webhook_url,
                &slack_digest(framework, day, entries),
            )
            .await
            .map_err(|source| DigestError::Post {
                day: day.to_string(),
                framework: framework.to_string(),
                source,
            })?;
        self.log
            .record(&DeliveryRecord {
                channel: DIGEST_CHANNEL,
                transition_id: &id,
                state_id: framework,
                dedup_key: None,
                observed_at: day,
                status: DeliveryStatus::Sent,
                http_status: Some(http_status),
            })
            .await
            .map_err(log_error)?;
        Ok(FrameworkDigest::Sent {
            framework: framework.to_string(),
            transitions: entries.len(),
            http_status,
        })
    }
}
