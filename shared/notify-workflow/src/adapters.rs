//! The ports over real things: the delivery records in DynamoDB (`attest_aws::DeliveryStore`),
//! and HTTPS posts with `reqwest` (docs/adr/0051-notify-https-client-and-delivery-records.md).

use std::time::Duration;

use attest_aws::{AdapterError, DeliveryRecord, DeliveryStatus, DeliveryStore, TransitionStore};

use crate::digest::TransitionsOfDay;
use crate::ports::{DeliveryLog, PostError, Poster};

impl TransitionsOfDay for TransitionStore {
    async fn bodies_on(&self, day: &str) -> Result<Vec<String>, AdapterError> {
        TransitionStore::bodies_on(self, day).await
    }
}

impl DeliveryLog for DeliveryStore {
    async fn delivered(
        &self,
        channel: &'static str,
        transition_id: &str,
    ) -> Result<Option<DeliveryStatus>, AdapterError> {
        DeliveryStore::delivered(self, channel, transition_id).await
    }

    async fn latest_sent(
        &self,
        channel: &'static str,
        dedup_key: &str,
    ) -> Result<Option<String>, AdapterError> {
        DeliveryStore::latest_sent(self, channel, dedup_key).await
    }

    async fn record(&self, record: &DeliveryRecord<'_>) -> Result<(), AdapterError> {
        DeliveryStore::record(self, record).await
    }
}

/// How much of a refusal's body an error keeps (Slack answers `invalid_payload`, PagerDuty a
/// short JSON with its reasons).
const REFUSAL_BODY_MAX_CHARS: usize = 300;

/// Posts JSON over HTTPS (HTTP/1.1, rustls with the system's roots).
#[derive(Clone, Debug)]
pub struct WebhookPoster {
    client: reqwest::Client,
}

impl WebhookPoster {
    /// `timeout` bounds each post, connection included, well inside the function's timeout.
    pub fn new(timeout: Duration) -> Result<Self, PostError> {
        // reqwest is built without a crypto provider of its own: it uses the one the AWS SDK
        // already links (aws-lc-rs). Installing it twice is harmless.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A webhook that redirects is misconfigured; following it could post the alert
            // somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("attest-notify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PostError::Unreachable {
                message: e.without_url().to_string(),
            })?;
        Ok(WebhookPoster { client })
    }
}

/// Whether a refusal may succeed later: rate limits, request timeouts and server errors (as both
/// Slack's and PagerDuty's documentation say to retry them); any other answer fails again.
fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500..=599)
}

impl Poster for WebhookPoster {
    async fn post(&self, url: &str, body: &serde_json::Value) -> Result<u16, PostError> {
        let unreachable = |e: reqwest::Error| PostError::Unreachable {
            // `without_url`: a Slack webhook URL is the secret itself.
            message: e.without_url().to_string(),
        };
        let response = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status().as_u16();
        if response.status().is_success() {
            return Ok(status);
        }
        let text = response.text().await.unwrap_or_default();
        Err(PostError::Refused {
            status,
            body: attest_alerts::render::truncate_chars(&text, REFUSAL_BODY_MAX_CHARS),
            retryable: retryable_status(status),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_and_server_errors_are_retried_other_refusals_are_not() {
        for status in [408, 429, 500, 502, 503] {
            assert!(retryable_status(status), "{status}");
        }
        for status in [400, 401, 403, 404, 410, 413] {
            assert!(!retryable_status(status), "{status}");
        }
    }
}
