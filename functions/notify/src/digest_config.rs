//! Digest configuration: the variables below, read and checked once at start-up.

use attest_aws::settings::{process_env, Env, Variable};
use attest_domain::Severity;

use crate::config::ConfigError;

/// Every environment variable the digest function reads (also checked against the template and
/// `docs/configuration.md`).
pub const VARIABLES: &[Variable] = &[
    Variable::required(
        "ATTEST_TRANSITIONS_TABLE",
        "table whose `ByDay` index lists a day's transitions, and where each digest sent is recorded",
    ),
    Variable::required(
        "ATTEST_SLACK_WEBHOOK_SECRET_ARN",
        "Secrets Manager secret whose text is the Slack incoming-webhook URL",
    ),
    Variable::text(
        "ATTEST_SLACK_MIN_SEVERITY",
        "the notify function's Slack threshold: the digest lists the transitions below it",
        "UNSPECIFIED",
    ),
    Variable::bounded(
        "ATTEST_NOTIFY_TIMEOUT_SECONDS",
        "time allowed for each post to Slack, connection included",
        10,
        1,
        25,
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestConfig {
    pub transitions_table: String,
    pub slack_webhook_secret_arn: String,
    pub slack_min_severity: Severity,
    pub timeout_seconds: u64,
}

impl DigestConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(process_env)
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(VARIABLES, &get);
        Ok(DigestConfig {
            transitions_table: env.required("ATTEST_TRANSITIONS_TABLE")?,
            slack_webhook_secret_arn: env.required("ATTEST_SLACK_WEBHOOK_SECRET_ARN")?,
            slack_min_severity: crate::config::severity(&env, "ATTEST_SLACK_MIN_SEVERITY")?,
            timeout_seconds: env.bounded("ATTEST_NOTIFY_TIMEOUT_SECONDS")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use attest_testing::lookup as env;

    #[test]
    fn needs_the_table_and_the_slack_secret() {
        let c = DigestConfig::from_lookup(env(&[
            ("ATTEST_TRANSITIONS_TABLE", "t"),
            ("ATTEST_SLACK_WEBHOOK_SECRET_ARN", "arn:s"),
            ("ATTEST_SLACK_MIN_SEVERITY", "HIGH"),
        ]))
        .unwrap();
        assert_eq!(c.slack_min_severity, Severity::High);
        let err = DigestConfig::from_lookup(env(&[("ATTEST_TRANSITIONS_TABLE", "t")])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("ATTEST_SLACK_WEBHOOK_SECRET_ARN"));
    }

    #[test]
    fn the_documentation_lists_exactly_these_variables() {
        attest_testing::assert_documented("digest", VARIABLES);
    }
}
