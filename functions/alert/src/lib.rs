//! Alert Lambda: the state table's DynamoDB stream becomes transitions (a state entering or
//! leaving `NON_COMPLIANT`), each recorded once in the transitions table and published once to the
//! alerts topic.
//!
//! Thin by design: [`config`] lists the variables it reads, [`handler`] turns a stream batch into
//! calls of the alert use case (`shared/alert-workflow`), and [`build`] wires that use case to the
//! AWS adapters once per cold start.

pub mod config;
pub mod handler;

use attest_alert_workflow::Alert;
use attest_aws::{Topic, TransitionStore};

pub use attest_alert_workflow::{AlertError, RecordOutcome};
pub use config::{AlertConfig, ConfigError};
pub use handler::{handle_batch, BatchSummary};

/// The alert use case over DynamoDB and SNS.
pub type AwsAlert = Alert<TransitionStore, Topic>;

/// Clients, once per cold start.
pub fn build(sdk: &aws_config::SdkConfig, config: &AlertConfig) -> AwsAlert {
    Alert {
        ledger: TransitionStore::new(
            aws_sdk_dynamodb::Client::new(sdk),
            &config.transitions_table,
        ),
        publisher: Topic::new(aws_sdk_sns::Client::new(sdk), &config.alerts_topic_arn),
    }
}
