//! The adapters' one error vocabulary. Every failure names the operation and what it acted on, and
//! carries a [`FailureKind`] taken from the SDK's own error kinds and codes, so callers decide
//! about retries from the kind, never from message text.

use aws_runtime::retries::classifiers::{THROTTLING_ERRORS, TRANSIENT_ERRORS};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::{ErrorKind, ProvideErrorKind};
use thiserror::Error;

/// Why an AWS call failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// AWS refused the call for rate: retry after a backoff.
    Throttled,
    /// A timeout, a network failure, a 5xx answer or an unreadable response: a retry may succeed.
    Transient,
    /// AWS refused this request (validation, access denied, missing resource), or it could not be
    /// built: the same call fails again.
    Permanent,
}

impl FailureKind {
    pub fn is_retryable(self) -> bool {
        !matches!(self, FailureKind::Permanent)
    }

    fn describe(self) -> &'static str {
        match self {
            FailureKind::Throttled => "throttled, retryable",
            FailureKind::Transient => "transient, retryable",
            FailureKind::Permanent => "not retryable",
        }
    }

    /// The kind the SDK gives an error it calls retryable (modelled `@retryable`, or a connector
    /// failure the runtime classified): every kind it gives is a retry indication, throttling or not.
    fn from_sdk_kind(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::ThrottlingError => FailureKind::Throttled,
            _ => FailureKind::Transient,
        }
    }

    /// Classify an SDK error the way the SDK's standard retry classifiers do: the modelled error
    /// kind first, then the error code against the SDK's throttling and transient code lists, then
    /// the HTTP status; failures before an answer by what the SDK says happened.
    pub fn of_sdk_error<E>(err: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + ProvideErrorKind,
    {
        match err {
            SdkError::ConstructionFailure(_) => FailureKind::Permanent,
            SdkError::TimeoutError(_) | SdkError::ResponseError(_) => FailureKind::Transient,
            SdkError::DispatchFailure(failure) if failure.is_user() => FailureKind::Permanent,
            SdkError::DispatchFailure(failure) => failure
                .as_other()
                .map_or(FailureKind::Transient, FailureKind::from_sdk_kind),
            SdkError::ServiceError(service) => {
                let error = service.err();
                if let Some(kind) = error.retryable_error_kind() {
                    return FailureKind::from_sdk_kind(kind);
                }
                match ProvideErrorMetadata::code(error) {
                    Some(code) if THROTTLING_ERRORS.contains(&code) => FailureKind::Throttled,
                    Some(code) if TRANSIENT_ERRORS.contains(&code) => FailureKind::Transient,
                    _ => match service.raw().status().as_u16() {
                        429 => FailureKind::Throttled,
                        500..=599 => FailureKind::Transient,
                        _ => FailureKind::Permanent,
                    },
                }
            }
            // A failure mode a later SDK adds: no answer was read, so trying again is safe.
            _ => FailureKind::Transient,
        }
    }
}

/// A failed call to AWS, naming the operation and what it acted on, and whether trying again may help.
#[derive(Debug, Clone, Error)]
pub enum AdapterError {
    /// The SDK call failed: `kind` and `code` are the SDK's, `message` its full error chain.
    #[error("{operation} on {target} failed ({}): {message}", .kind.describe())]
    Sdk {
        operation: &'static str,
        target: String,
        kind: FailureKind,
        /// The service's error code, when AWS answered with one.
        code: Option<String>,
        message: String,
    },

    /// The call went through, but its answer is not what the adapter relies on (a missing field,
    /// a lost claim, a different object under a key); the adapter states whether a retry may help.
    #[error("{operation} on {target} failed ({}): {message}", if *.retryable { "retryable" } else { "not retryable" })]
    Aws {
        operation: &'static str,
        target: String,
        message: String,
        retryable: bool,
    },

    /// The adapter could not form the request from its input (e.g. a collector's parameters):
    /// the same input fails again.
    #[error("{operation} cannot be sent: {message}")]
    InvalidRequest {
        operation: &'static str,
        message: String,
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

    /// The failure's kind: the SDK's for SDK errors; transient or permanent as the adapter judged
    /// an answer; permanent for requests that cannot be built or items that cannot be encoded.
    pub fn kind(&self) -> FailureKind {
        match self {
            AdapterError::Sdk { kind, .. } => *kind,
            AdapterError::Aws {
                retryable: true, ..
            } => FailureKind::Transient,
            AdapterError::Aws { .. }
            | AdapterError::InvalidRequest { .. }
            | AdapterError::Encode { .. } => FailureKind::Permanent,
        }
    }

    pub fn is_retryable(&self) -> bool {
        self.kind().is_retryable()
    }

    /// Whether AWS refused the call for rate (throttling), as opposed to any other failure.
    pub fn is_throttling(&self) -> bool {
        self.kind() == FailureKind::Throttled
    }

    /// The service's error code, when AWS answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            AdapterError::Sdk { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// Wrap an SDK error, classified by [`FailureKind::of_sdk_error`].
    pub fn from_sdk<E>(
        operation: &'static str,
        target: impl Into<String>,
        err: SdkError<E, HttpResponse>,
    ) -> Self
    where
        E: std::error::Error + ProvideErrorMetadata + ProvideErrorKind + Send + Sync + 'static,
    {
        AdapterError::Sdk {
            operation,
            target: target.into(),
            kind: FailureKind::of_sdk_error(&err),
            code: err
                .as_service_error()
                .and_then(ProvideErrorMetadata::code)
                .map(str::to_string),
            message: DisplayErrorContext(&err).to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::operation::put_item::PutItemError;
    use aws_sdk_dynamodb::types::error::{
        ConditionalCheckFailedException, ProvisionedThroughputExceededException,
        ReplicatedWriteConflictException,
    };
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    type PutItemSdkError = SdkError<PutItemError, HttpResponse>;

    fn answer(status: u16) -> HttpResponse {
        HttpResponse::new(status.try_into().unwrap(), SdkBody::empty())
    }

    fn meta(code: &str) -> ErrorMetadata {
        ErrorMetadata::builder()
            .code(code)
            .message("from the service")
            .build()
    }

    /// An error the service answered with a code the operation does not model.
    fn unmodelled(code: &str, status: u16) -> PutItemSdkError {
        SdkError::service_error(PutItemError::generic(meta(code)), answer(status))
    }

    fn classify(err: PutItemSdkError) -> AdapterError {
        AdapterError::from_sdk("dynamodb:PutItem", "table", err)
    }

    #[test]
    fn throttling_codes_from_the_sdk_list_are_throttled_whatever_the_message() {
        for code in ["ThrottlingException", "RequestLimitExceeded", "SlowDown"] {
            let e = classify(unmodelled(code, 400));
            assert_eq!(e.kind(), FailureKind::Throttled, "{code}");
            assert!(e.is_throttling() && e.is_retryable());
            assert_eq!(e.code(), Some(code));
        }
        let modelled = PutItemError::ProvisionedThroughputExceededException(
            ProvisionedThroughputExceededException::builder()
                .message("Rate exceeded")
                .meta(meta("ProvisionedThroughputExceededException"))
                .build(),
        );
        let e = classify(SdkError::service_error(modelled, answer(400)));
        assert!(e.is_throttling(), "{e}");
        // A message that talks about throttling does not make an error throttled.
        let e = classify(SdkError::service_error(
            PutItemError::generic(
                ErrorMetadata::builder()
                    .code("ValidationException")
                    .message("ThrottlingException: not really")
                    .build(),
            ),
            answer(400),
        ));
        assert_eq!(e.kind(), FailureKind::Permanent);
    }

    #[test]
    fn an_error_modelled_as_retryable_is_retried() {
        // DynamoDB models it `@retryable` with kind `ClientError`; the SDK's own classifier retries it.
        let conflict = PutItemError::ReplicatedWriteConflictException(
            ReplicatedWriteConflictException::builder()
                .meta(meta("ReplicatedWriteConflictException"))
                .build(),
        );
        let e = classify(SdkError::service_error(conflict, answer(400)));
        assert_eq!(e.kind(), FailureKind::Transient);
    }

    #[test]
    fn service_answers_by_status_when_the_code_says_nothing() {
        assert_eq!(
            classify(unmodelled("InternalServerError", 500)).kind(),
            FailureKind::Transient
        );
        assert_eq!(
            classify(unmodelled("ServiceUnavailable", 503)).kind(),
            FailureKind::Transient
        );
        assert_eq!(
            classify(unmodelled("TooBusy", 429)).kind(),
            FailureKind::Throttled
        );
        assert_eq!(
            classify(unmodelled("RequestTimeout", 400)).kind(),
            FailureKind::Transient,
            "the SDK's transient code list"
        );
        for (code, status) in [
            ("AccessDeniedException", 400),
            ("ResourceNotFoundException", 400),
            ("ValidationException", 400),
        ] {
            let e = classify(unmodelled(code, status));
            assert_eq!(e.kind(), FailureKind::Permanent, "{code}");
            assert!(e.to_string().contains("not retryable"), "{e}");
        }
        let failed = PutItemError::ConditionalCheckFailedException(
            ConditionalCheckFailedException::builder()
                .meta(meta("ConditionalCheckFailedException"))
                .build(),
        );
        assert!(!classify(SdkError::service_error(failed, answer(400))).is_retryable());
    }

    #[test]
    fn failures_before_an_answer_by_what_the_sdk_says_happened() {
        let io = classify(SdkError::dispatch_failure(ConnectorError::io(
            "connection reset".into(),
        )));
        assert_eq!(io.kind(), FailureKind::Transient);
        assert_eq!(io.code(), None);
        let timeout = classify(SdkError::timeout_error("operation timed out"));
        assert_eq!(timeout.kind(), FailureKind::Transient);
        let garbled = classify(SdkError::response_error("not XML", answer(200)));
        assert_eq!(garbled.kind(), FailureKind::Transient);
        let user = classify(SdkError::dispatch_failure(ConnectorError::user(
            "invalid URI".into(),
        )));
        assert_eq!(user.kind(), FailureKind::Permanent);
        let throttled_connector = classify(SdkError::dispatch_failure(ConnectorError::other(
            "pool exhausted".into(),
            Some(ErrorKind::ThrottlingError),
        )));
        assert_eq!(throttled_connector.kind(), FailureKind::Throttled);
        let unbuildable = classify(SdkError::construction_failure("missing table name"));
        assert_eq!(unbuildable.kind(), FailureKind::Permanent);
    }

    #[test]
    fn errors_the_adapters_judge() {
        let e = AdapterError::unexpected_answer("kms:Sign", "key", "no signature");
        assert!(e.is_retryable() && !e.is_throttling());
        let e = AdapterError::InvalidRequest {
            operation: "config:GetComplianceDetailsByConfigRule",
            message: "`rules` is required".into(),
        };
        assert_eq!(e.kind(), FailureKind::Permanent);
    }
}
