//! Remediate configuration: the variables below, read and checked once at start-up.

use attest_aws::settings::{process_env, Env, Variable};
use attest_remediation::RuleModes;

pub use attest_aws::settings::SettingError as ConfigError;

/// Every environment variable the remediate function reads (also checked against the template and
/// `docs/configuration.md`).
pub const VARIABLES: &[Variable] = &[
    Variable::required(
        "ATTEST_EVIDENCE_BUCKET",
        "bucket remediation records are written to, as evidence",
    ),
    Variable::required(
        "ATTEST_EVIDENCE_KMS_KEY_ID",
        "KMS key the records are encrypted with",
    ),
    Variable::required(
        "ATTEST_TRANSITIONS_TABLE",
        "table holding each transition's remediation decision and the daily count",
    ),
    Variable::required(
        "ATTEST_ALERTS_TOPIC_ARN",
        "topic told when a failing resource needs a person (refused or failed)",
    ),
    Variable::list(
        "ATTEST_REMEDIATION_RULES",
        "`rule=mode` pairs (`dry-run`, `approve` or `auto`): the only rules remediated; at least one",
    ),
    Variable::optional(
        "ATTEST_REMEDIATION_KMS_KEY_ID",
        "KMS key S3 default encryption is set to; unset: the account's `aws/s3` key",
    ),
    Variable::text(
        "ATTEST_REMEDIATION_OPT_OUT_TAG",
        "tag key that, set to `off` on a resource, keeps remediation away from it",
        "attest-remediation",
    ),
    Variable::bounded(
        "ATTEST_REMEDIATION_DAILY_CAP",
        "resources remediation may change per UTC day (of the transitions' observed times)",
        10,
        1,
        1000,
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemediateConfig {
    pub evidence_bucket: String,
    pub evidence_kms_key_id: String,
    pub transitions_table: String,
    pub alerts_topic_arn: String,
    pub rules: RuleModes,
    pub remediation_kms_key_id: Option<String>,
    pub opt_out_tag: String,
    pub daily_cap: u64,
}

impl RemediateConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(process_env)
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(VARIABLES, &get);
        let rules = RuleModes::parse(&env.list("ATTEST_REMEDIATION_RULES")?).map_err(|e| {
            ConfigError::Invalid {
                name: "ATTEST_REMEDIATION_RULES",
                reason: e.to_string(),
            }
        })?;
        if rules.is_empty() {
            // The template deploys this function only when rules are set.
            return Err(ConfigError::Missing("ATTEST_REMEDIATION_RULES"));
        }
        Ok(RemediateConfig {
            evidence_bucket: env.required("ATTEST_EVIDENCE_BUCKET")?,
            evidence_kms_key_id: env.required("ATTEST_EVIDENCE_KMS_KEY_ID")?,
            transitions_table: env.required("ATTEST_TRANSITIONS_TABLE")?,
            alerts_topic_arn: env.required("ATTEST_ALERTS_TOPIC_ARN")?,
            rules,
            remediation_kms_key_id: env.optional("ATTEST_REMEDIATION_KMS_KEY_ID")?,
            opt_out_tag: env.text("ATTEST_REMEDIATION_OPT_OUT_TAG")?,
            daily_cap: env.bounded("ATTEST_REMEDIATION_DAILY_CAP")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use attest_remediation::Mode;
    use attest_testing::lookup as env;

    const FULL: &[(&str, &str)] = &[
        ("ATTEST_EVIDENCE_BUCKET", "b"),
        ("ATTEST_EVIDENCE_KMS_KEY_ID", "k"),
        ("ATTEST_TRANSITIONS_TABLE", "t"),
        (
            "ATTEST_ALERTS_TOPIC_ARN",
            "arn:aws:sns:us-east-1:123456789012:alerts",
        ),
        (
            "ATTEST_REMEDIATION_RULES",
            "S3.8=dry-run,cloudtrail.amazonaws.com:StopLogging=auto",
        ),
    ];

    #[test]
    fn reads_the_rules_and_defaults() {
        let c = RemediateConfig::from_lookup(env(FULL)).unwrap();
        assert_eq!(c.rules.get("S3.8"), Some(Mode::DryRun));
        assert_eq!(c.daily_cap, 10);
        assert_eq!(c.opt_out_tag, "attest-remediation");
    }

    #[test]
    fn off_unless_rules_are_named_and_bad_modes_are_refused_by_name() {
        let err = RemediateConfig::from_lookup(env(&FULL[..4])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("ATTEST_REMEDIATION_RULES"));
        let mut bad = FULL[..4].to_vec();
        bad.push(("ATTEST_REMEDIATION_RULES", "S3.8=sometimes"));
        let err = RemediateConfig::from_lookup(env(&bad)).unwrap_err();
        assert!(
            err.to_string().contains("ATTEST_REMEDIATION_RULES")
                && err.to_string().contains("approve")
        );
    }

    #[test]
    fn the_documentation_lists_exactly_these_variables() {
        attest_testing::assert_documented("remediate", VARIABLES);
    }
}
