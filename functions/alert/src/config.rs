//! Alert configuration: the variables below, read and checked once at start-up.

use attest_aws::settings::{process_env, Env, Variable};

pub use attest_aws::settings::SettingError as ConfigError;

/// Every environment variable the alert function reads (also checked against the template and
/// `docs/configuration.md`).
pub const VARIABLES: &[Variable] = &[
    Variable::required(
        "ATTEST_TRANSITIONS_TABLE",
        "table recording each alerting transition once (claimed before publishing, marked sent after)",
    ),
    Variable::required(
        "ATTEST_ALERTS_TOPIC_ARN",
        "SNS topic transitions are published to",
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertConfig {
    pub transitions_table: String,
    pub alerts_topic_arn: String,
}

impl AlertConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(process_env)
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(VARIABLES, &get);
        Ok(AlertConfig {
            transitions_table: env.required("ATTEST_TRANSITIONS_TABLE")?,
            alerts_topic_arn: env.required("ATTEST_ALERTS_TOPIC_ARN")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use attest_testing::lookup as env;

    const FULL: &[(&str, &str)] = &[
        ("ATTEST_TRANSITIONS_TABLE", "t"),
        (
            "ATTEST_ALERTS_TOPIC_ARN",
            "arn:aws:sns:us-east-1:123456789012:alerts",
        ),
    ];

    #[test]
    fn reads_both() {
        let c = AlertConfig::from_lookup(env(FULL)).unwrap();
        assert_eq!(c.transitions_table, "t");
        assert!(c.alerts_topic_arn.ends_with(":alerts"));
    }

    #[test]
    fn names_the_missing_variable() {
        let err = AlertConfig::from_lookup(env(&FULL[1..])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("ATTEST_TRANSITIONS_TABLE"));
        let err = AlertConfig::from_lookup(env(&FULL[..1])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("ATTEST_ALERTS_TOPIC_ARN"));
    }

    #[test]
    fn the_documentation_lists_exactly_these_variables() {
        attest_testing::assert_documented("alert", VARIABLES);
    }
}
