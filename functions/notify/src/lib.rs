//! Notify Lambda: transitions from the alerts topic, queued by the topic's SQS subscription,
//! posted to a Slack incoming webhook (Block Kit) and to PagerDuty (Events API v2), each once per
//! transition and channel.
//!
//! Thin by design: [`config`] lists the variables it reads, [`handler`] turns an SQS batch into
//! calls of the notify use case (`shared/notify-workflow`), and [`build`] reads the channels'
//! secrets and wires the use case to its adapters once per cold start.

pub mod config;
pub mod handler;

use std::time::Duration;

use attest_aws::secrets::secret_string;
use attest_aws::{AdapterError, DeliveryStore};
use attest_notify_workflow::adapters::WebhookPoster;
use attest_notify_workflow::{
    check_url, Channels, Notify, PagerDutyChannel, PostError, SlackChannel,
};

pub use config::{ConfigError, NotifyConfig};
pub use handler::{handle_batch, BatchSummary};

/// The notify use case over DynamoDB and HTTPS.
pub type AwsNotify = Notify<DeliveryStore, WebhookPoster>;

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

/// Secrets and clients, once per cold start.
pub async fn build(
    sdk: &aws_config::SdkConfig,
    config: &NotifyConfig,
) -> Result<AwsNotify, StartError> {
    let secrets = aws_sdk_secretsmanager::Client::new(sdk);
    let slack = match &config.slack_webhook_secret_arn {
        None => None,
        Some(arn) => {
            let webhook_url = read(&secrets, arn).await?;
            check_url(&webhook_url).map_err(|reason| StartError::SlackUrl {
                secret_arn: arn.clone(),
                reason,
            })?;
            Some(SlackChannel {
                webhook_url,
                min_severity: config.slack_min_severity,
            })
        }
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
        poster: WebhookPoster::new(Duration::from_secs(config.timeout_seconds))
            .map_err(StartError::Client)?,
        channels: Channels { slack, pagerduty },
    })
}
