//! Secrets Manager: the notify function's Slack webhook URL and PagerDuty routing key, read once
//! per cold start, so neither is ever in the repository, the template or an environment variable.

use tracing::instrument;

use crate::error::AdapterError;

/// The current (`AWSCURRENT`) text value of the secret `secret_id` (its ARN or name).
#[instrument(skip(client))]
pub async fn secret_string(
    client: &aws_sdk_secretsmanager::Client,
    secret_id: &str,
) -> Result<String, AdapterError> {
    let out = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|e| AdapterError::from_sdk("secretsmanager:GetSecretValue", secret_id, e))?;
    out.secret_string
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AdapterError::Aws {
            operation: "secretsmanager:GetSecretValue",
            target: secret_id.to_string(),
            message: "the secret has no text value (store the value as SecretString)".into(),
            retryable: false,
        })
}
