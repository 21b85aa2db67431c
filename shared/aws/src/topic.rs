//! The alerts topic: one SNS `Publish` per transition, `MessageStructure: json`, with the message
//! attributes subscription filter policies match on.

use aws_sdk_sns::types::MessageAttributeValue;
use tracing::instrument;

use crate::error::AdapterError;

/// One message attribute: name, SNS data type (`String`, `String.Array`), value.
pub type Attribute<'a> = (&'a str, &'a str, &'a str);

#[derive(Clone, Debug)]
pub struct Topic {
    client: aws_sdk_sns::Client,
    arn: String,
}

impl Topic {
    pub fn new(client: aws_sdk_sns::Client, arn: impl Into<String>) -> Self {
        Topic {
            client,
            arn: arn.into(),
        }
    }

    pub fn arn(&self) -> &str {
        &self.arn
    }

    /// Publish `message` (a JSON object of per-protocol bodies); returns the SNS message id.
    #[instrument(skip_all, fields(topic = %self.arn))]
    pub async fn publish_json(
        &self,
        subject: &str,
        message: &str,
        attributes: &[Attribute<'_>],
    ) -> Result<String, AdapterError> {
        let mut request = self
            .client
            .publish()
            .topic_arn(&self.arn)
            .subject(subject)
            .message(message)
            .message_structure("json");
        for (name, data_type, value) in attributes {
            let value = MessageAttributeValue::builder()
                .data_type(*data_type)
                .string_value(*value)
                .build()
                .map_err(|e| AdapterError::InvalidRequest {
                    operation: "sns:Publish",
                    message: e.to_string(),
                })?;
            request = request.message_attributes(*name, value);
        }
        let out = request
            .send()
            .await
            .map_err(|e| AdapterError::from_sdk("sns:Publish", self.arn.clone(), e))?;
        out.message_id.ok_or_else(|| {
            AdapterError::unexpected_answer("sns:Publish", self.arn.clone(), "no MessageId")
        })
    }
}
