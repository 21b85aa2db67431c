//! Intake configuration: the variables below, read and checked once at start-up.

use attest_aws::settings::{process_env, Env, Variable};

pub use attest_aws::settings::SettingError as ConfigError;

/// Every environment variable intake reads (also checked against the template and
/// `docs/configuration.md`).
pub const VARIABLES: &[Variable] = &[
    Variable::required(
        "ATTEST_EVIDENCE_BUCKET",
        "the Object Lock bucket evidence is written to",
    ),
    Variable::required(
        "ATTEST_EVIDENCE_KMS_KEY_ID",
        "KMS key (id, ARN or alias) for SSE-KMS on evidence objects",
    ),
    Variable::required("ATTEST_STATE_TABLE", "current compliance state table"),
    Variable::required("ATTEST_HISTORY_TABLE", "append-only history table"),
    Variable::bounded(
        "ATTEST_INTAKE_CONCURRENCY",
        "messages, and findings per message, stored at once",
        8,
        1,
        64,
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeConfig {
    pub evidence_bucket: String,
    pub evidence_kms_key_id: String,
    pub state_table: String,
    pub history_table: String,
    pub concurrency: usize,
}

impl IntakeConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(process_env)
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(VARIABLES, &get);
        Ok(IntakeConfig {
            evidence_bucket: env.required("ATTEST_EVIDENCE_BUCKET")?,
            evidence_kms_key_id: env.required("ATTEST_EVIDENCE_KMS_KEY_ID")?,
            state_table: env.required("ATTEST_STATE_TABLE")?,
            history_table: env.required("ATTEST_HISTORY_TABLE")?,
            concurrency: env.bounded("ATTEST_INTAKE_CONCURRENCY")? as usize,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use attest_testing::lookup as env;

    const FULL: &[(&str, &str)] = &[
        ("ATTEST_EVIDENCE_BUCKET", "b"),
        ("ATTEST_EVIDENCE_KMS_KEY_ID", "k"),
        ("ATTEST_STATE_TABLE", "s"),
        ("ATTEST_HISTORY_TABLE", "h"),
    ];

    #[test]
    fn reads_required_and_defaults() {
        let c = IntakeConfig::from_lookup(env(FULL)).unwrap();
        assert_eq!((c.evidence_bucket.as_str(), c.concurrency), ("b", 8));
    }

    #[test]
    fn names_the_missing_or_bad_variable() {
        let err = IntakeConfig::from_lookup(env(&FULL[1..])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("ATTEST_EVIDENCE_BUCKET"));
        let mut bad = FULL.to_vec();
        bad.push(("ATTEST_INTAKE_CONCURRENCY", "0"));
        let err = IntakeConfig::from_lookup(env(&bad)).unwrap_err();
        assert!(
            err.to_string().contains("ATTEST_INTAKE_CONCURRENCY"),
            "{err}"
        );
    }

    #[test]
    fn the_documentation_lists_exactly_these_variables() {
        attest_testing::assert_documented("intake", VARIABLES);
    }
}
