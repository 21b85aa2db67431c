use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_smithy_types::error::display::DisplayErrorContext;
use thiserror::Error;

/// A failed call to AWS, naming the operation and what it acted on, and whether trying again may help.
#[derive(Debug, Error)]
pub enum AdapterError {
    #[error("{operation} on {target} failed ({}): {message}", if *.retryable { "retryable" } else { "not retryable" })]
    Aws {
        operation: &'static str,
        target: String,
        message: String,
        retryable: bool,
    },

    #[error("could not convert {what} to a DynamoDB item: {message}")]
    Encode { what: &'static str, message: String },
}

impl AdapterError {
    /// AWS answered, but without something its API promises (a signature, a version id): worth a
    /// retry, since the call itself went through.
    pub fn unexpected_answer(
        operation: &'static str,
        target: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        AdapterError::Aws {
            operation,
            target: target.into(),
            message: message.into(),
            retryable: true,
        }
    }

    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            AdapterError::Aws {
                retryable: true,
                ..
            }
        )
    }

    /// Whether AWS refused the call for rate (throttling), as opposed to any other failure.
    pub fn is_throttling(&self) -> bool {
        matches!(self, AdapterError::Aws { message, .. }
            if message.contains("Throttl") || message.contains("TooManyRequests") || message.contains("RequestLimitExceeded") || message.contains("SlowDown"))
    }

    /// Classify an SDK error: network and timeout failures, throttling and 5xx answers are
    /// retryable; other service answers (validation, access denied, missing table) are not.
    pub fn from_sdk<E, R>(
        operation: &'static str,
        target: impl Into<String>,
        err: aws_smithy_runtime_api::client::result::SdkError<E, R>,
    ) -> Self
    where
        E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
        R: std::fmt::Debug + HasStatus,
    {
        use aws_smithy_runtime_api::client::result::SdkError;
        let retryable = match &err {
            SdkError::ServiceError(se) => {
                let code = se.err().code().unwrap_or_default();
                se.raw().status_code() >= 500
                    || code.contains("Throttl")
                    || code == "RequestLimitExceeded"
            }
            SdkError::ConstructionFailure(_) => false,
            _ => true,
        };
        AdapterError::Aws {
            operation,
            target: target.into(),
            message: DisplayErrorContext(&err).to_string(),
            retryable,
        }
    }
}

/// The HTTP status of a raw response, for classifying service errors.
pub trait HasStatus {
    fn status_code(&self) -> u16;
}

impl HasStatus for aws_smithy_runtime_api::http::Response {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}
