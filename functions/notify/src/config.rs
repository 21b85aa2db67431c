//! Notify configuration: the variables below, read and checked once at start-up. The secrets
//! themselves are not variables: the variables name the Secrets Manager secrets that hold them.

use attest_aws::settings::{process_env, Env, Variable};
use attest_domain::Severity;

pub use attest_aws::settings::SettingError as ConfigError;

/// PagerDuty's Events API v2 endpoint.
pub const PAGERDUTY_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// Every environment variable the notify function reads (also checked against the template and
/// `docs/configuration.md`).
pub const VARIABLES: &[Variable] = &[
    Variable::required(
        "ATTEST_TRANSITIONS_TABLE",
        "table holding the transitions and, beside them, each channel's delivery records",
    ),
    Variable::optional(
        "ATTEST_SLACK_WEBHOOK_SECRET_ARN",
        "Secrets Manager secret whose text is the Slack incoming-webhook URL; unset: no Slack",
    ),
    Variable::text(
        "ATTEST_SLACK_MIN_SEVERITY",
        "least severe transition posted to Slack (`UNSPECIFIED`: all, including AWS Config's)",
        "UNSPECIFIED",
    ),
    Variable::optional(
        "ATTEST_PAGERDUTY_ROUTING_KEY_SECRET_ARN",
        "Secrets Manager secret whose text is the PagerDuty integration's routing key; unset: no PagerDuty",
    ),
    Variable::text(
        "ATTEST_PAGERDUTY_MIN_SEVERITY",
        "least severe failure that triggers a PagerDuty incident (every resolution resolves)",
        "HIGH",
    ),
    Variable::text(
        "ATTEST_PAGERDUTY_EVENTS_URL",
        "PagerDuty Events API v2 endpoint",
        PAGERDUTY_EVENTS_URL,
    ),
    Variable::bounded(
        "ATTEST_NOTIFY_TIMEOUT_SECONDS",
        "time allowed for each post to Slack or PagerDuty, connection included",
        10,
        1,
        25,
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    pub transitions_table: String,
    pub slack_webhook_secret_arn: Option<String>,
    pub slack_min_severity: Severity,
    pub pagerduty_routing_key_secret_arn: Option<String>,
    pub pagerduty_min_severity: Severity,
    pub pagerduty_events_url: String,
    pub timeout_seconds: u64,
}

pub(crate) fn severity(env: &Env<'_>, name: &'static str) -> Result<Severity, ConfigError> {
    let text = env.text(name)?;
    Severity::from_stored(&text).ok_or_else(|| ConfigError::Invalid {
        name,
        reason: format!(
            "`{text}` is not one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNSPECIFIED"
        ),
    })
}

impl NotifyConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(process_env)
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(VARIABLES, &get);
        let config = NotifyConfig {
            transitions_table: env.required("ATTEST_TRANSITIONS_TABLE")?,
            slack_webhook_secret_arn: env.optional("ATTEST_SLACK_WEBHOOK_SECRET_ARN")?,
            slack_min_severity: severity(&env, "ATTEST_SLACK_MIN_SEVERITY")?,
            pagerduty_routing_key_secret_arn: env
                .optional("ATTEST_PAGERDUTY_ROUTING_KEY_SECRET_ARN")?,
            pagerduty_min_severity: severity(&env, "ATTEST_PAGERDUTY_MIN_SEVERITY")?,
            pagerduty_events_url: env.text("ATTEST_PAGERDUTY_EVENTS_URL")?,
            timeout_seconds: env.bounded("ATTEST_NOTIFY_TIMEOUT_SECONDS")?,
        };
        attest_notify_workflow::check_url(&config.pagerduty_events_url).map_err(|reason| {
            ConfigError::Invalid {
                name: "ATTEST_PAGERDUTY_EVENTS_URL",
                reason,
            }
        })?;
        if config.slack_webhook_secret_arn.is_none()
            && config.pagerduty_routing_key_secret_arn.is_none()
        {
            // The template deploys this function only when a channel is set.
            return Err(ConfigError::Missing("ATTEST_SLACK_WEBHOOK_SECRET_ARN"));
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use attest_testing::lookup as env;

    const SLACK_ONLY: &[(&str, &str)] = &[
        ("ATTEST_TRANSITIONS_TABLE", "t"),
        (
            "ATTEST_SLACK_WEBHOOK_SECRET_ARN",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-AbCdEf",
        ),
    ];

    #[test]
    fn defaults_are_every_severity_to_slack_and_high_to_pagerduty() {
        let c = NotifyConfig::from_lookup(env(SLACK_ONLY)).unwrap();
        assert_eq!(c.slack_min_severity, Severity::Unspecified);
        assert_eq!(c.pagerduty_min_severity, Severity::High);
        assert_eq!(c.pagerduty_events_url, PAGERDUTY_EVENTS_URL);
        assert_eq!(c.pagerduty_routing_key_secret_arn, None);
        assert_eq!(c.timeout_seconds, 10);
    }

    #[test]
    fn names_what_is_wrong() {
        let err = NotifyConfig::from_lookup(env(&SLACK_ONLY[..1])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("ATTEST_SLACK_WEBHOOK_SECRET_ARN"));
        let mut bad = SLACK_ONLY.to_vec();
        bad.push(("ATTEST_PAGERDUTY_MIN_SEVERITY", "SEVERE"));
        let err = NotifyConfig::from_lookup(env(&bad)).unwrap_err();
        assert!(
            err.to_string().contains("ATTEST_PAGERDUTY_MIN_SEVERITY")
                && err.to_string().contains("SEVERE")
        );
        let mut clear = SLACK_ONLY.to_vec();
        clear.push((
            "ATTEST_PAGERDUTY_EVENTS_URL",
            "http://events.pagerduty.com/v2/enqueue",
        ));
        let err = NotifyConfig::from_lookup(env(&clear)).unwrap_err();
        assert!(err.to_string().contains("https"), "{err}");
    }

    #[test]
    fn the_documentation_lists_exactly_these_variables() {
        attest_testing::assert_documented("notify", VARIABLES);
    }
}
