//! Notify Lambda: transitions from the alerts topic, queued by the topic's SQS subscription,
//! posted to a Slack incoming webhook (Block Kit) and to PagerDuty (Events API v2), each once per
//! transition and channel. Its second binary, `digest` (`src/bin/digest.rs`), posts the daily
//! per-framework digest of the transitions below Slack's threshold.
//!
//! Thin by design: [`config`] and [`digest_config`] list the variables each binary reads,
//! [`handler`] turns an SQS batch into calls of the notify use case (`shared/notify-workflow`),
//! [`digest_handler`] a scheduled event into one digest run, and [`build`] and [`build_digest`]
//! read the secrets and wire the use cases to their adapters once per cold start.

pub mod config;
pub mod digest_config;
pub mod digest_handler;
pub mod handler;

use std::time::Duration;

use attest_aws::secrets::secret_string;
use attest_aws::{AdapterError, DeliveryStore, TransitionStore};
use attest_domain::Severity;
use attest_notify_workflow::adapters::WebhookPoster;
use attest_notify_workflow::digest::Digest;
use attest_notify_workflow::{
    check_url, Channels, Notify, PagerDutyChannel, PostError, SlackChannel,
};

pub use config::{ConfigError, NotifyConfig};
pub use digest_config::DigestConfig;
pub use digest_handler::{handle_digest, DigestRequest};
pub use handler::{handle_batch, BatchSummary};

/// The notify use case over DynamoDB and HTTPS.
pub type AwsNotify = Notify<DeliveryStore, WebhookPoster>;

/// The digest use case over DynamoDB and HTTPS.
pub type AwsDigest = Digest<DeliveryStore, TransitionStore, WebhookPoster>;

/// Why the function cannot start. Lambda reports it as an init error; the queue's messages wait,
/// and after their receives go to the dead-letter queue, whose alarm fires.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("reading secret {secret_arn}: {source}")]
    Secret {
        secret_arn: String,
        source: AdapterError,
    },
    /// Never repeats the URL: the webhook URL is the secret.
    #[error("the Slack webhook URL in secret {secret_arn} cannot be used: {reason}")]
    SlackUrl { secret_arn: String, reason: String },
    #[error("HTTPS client: {0}")]
    Client(PostError),
}

async fn read(
    secrets: &aws_sdk_secretsmanager::Client,
    secret_arn: &str,
) -> Result<String, StartError> {
    secret_string(secrets, secret_arn)
        .await
        .map_err(|source| StartError::Secret {
            secret_arn: secret_arn.to_string(),
            source,
        })
}

/// The Slack channel whose webhook URL is in `secret_arn`.
async fn slack_channel(
    secrets: &aws_sdk_secretsmanager::Client,
    secret_arn: &str,
    min_severity: Severity,
) -> Result<SlackChannel, StartError> {
    let webhook_url = read(secrets, secret_arn).await?;
    check_url(&webhook_url).map_err(|reason| StartError::SlackUrl {
        secret_arn: secret_arn.to_string(),
        reason,
    })?;
    Ok(SlackChannel {
        webhook_url,
        min_severity,
    })
}

fn poster(timeout_seconds: u64) -> Result<WebhookPoster, StartError> {
    WebhookPoster::new(Duration::from_secs(timeout_seconds)).map_err(StartError::Client)
}

/// Secrets and clients, once per cold start.
pub async fn build(
    sdk: &aws_config::SdkConfig,
    config: &NotifyConfig,
) -> Result<AwsNotify, StartError> {
    let secrets = aws_sdk_secretsmanager::Client::new(sdk);
    let slack = match &config.slack_webhook_secret_arn {
        None => None,
        Some(arn) => Some(slack_channel(&secrets, arn, config.slack_min_severity).await?),
    };
    let pagerduty = match &config.pagerduty_routing_key_secret_arn {
        None => None,
        Some(arn) => Some(PagerDutyChannel {
            events_url: config.pagerduty_events_url.clone(),
            routing_key: read(&secrets, arn).await?,
            min_severity: config.pagerduty_min_severity,
        }),
    };
    Ok(Notify {
        log: DeliveryStore::new(
            aws_sdk_dynamodb::Client::new(sdk),
            &config.transitions_table,
        ),
        poster: poster(config.timeout_seconds)?,
        channels: Channels { slack, pagerduty },
    })
}

/// The digest's secret and clients, once per cold start.
pub async fn build_digest(
    sdk: &aws_config::SdkConfig,
    config: &DigestConfig,
) -> Result<AwsDigest, StartError> {
    let secrets = aws_sdk_secretsmanager::Client::new(sdk);
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
    Ok(Digest {
        log: DeliveryStore::new(dynamodb.clone(), &config.transitions_table),
        transitions: TransitionStore::new(dynamodb, &config.transitions_table),
        poster: poster(config.timeout_seconds)?,
        slack: slack_channel(
            &secrets,
            &config.slack_webhook_secret_arn,
            config.slack_min_severity,
        )
        .await?,
    })
}
