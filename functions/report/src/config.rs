//! Report configuration: the variables below, read and checked once at start-up (by the function
//! and by `attest report`, which runs the same workflow).

use attest_aws::settings::{process_env, Env, Variable};

pub use attest_aws::settings::SettingError as ConfigError;

/// Every environment variable the report function reads (also checked against the template and
/// `docs/configuration.md`).
pub const VARIABLES: &[Variable] = &[
    Variable::required(
        "ATTEST_EVIDENCE_BUCKET",
        "evidence is read from it; reports are published in it under `reports/`",
    ),
    Variable::required(
        "ATTEST_EVIDENCE_KMS_KEY_ID",
        "KMS key for SSE-KMS on the published objects",
    ),
    Variable::required("ATTEST_STATE_TABLE", "current compliance state table"),
    Variable::required(
        "ATTEST_HISTORY_TABLE",
        "history table the snapshot reads evaluations from",
    ),
    Variable::required(
        "ATTEST_RUNS_TABLE",
        "collection and report run records table",
    ),
    Variable::required(
        "ATTEST_REPORT_SIGNING_KEY_ID",
        "KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY) that signs manifests",
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportConfig {
    pub evidence_bucket: String,
    pub evidence_kms_key_id: String,
    pub state_table: String,
    pub history_table: String,
    pub runs_table: String,
    pub signing_key_id: String,
}

impl ReportConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(process_env)
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(VARIABLES, &get);
        Ok(ReportConfig {
            evidence_bucket: env.required("ATTEST_EVIDENCE_BUCKET")?,
            evidence_kms_key_id: env.required("ATTEST_EVIDENCE_KMS_KEY_ID")?,
            state_table: env.required("ATTEST_STATE_TABLE")?,
            history_table: env.required("ATTEST_HISTORY_TABLE")?,
            runs_table: env.required("ATTEST_RUNS_TABLE")?,
            signing_key_id: env.required("ATTEST_REPORT_SIGNING_KEY_ID")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(skip: &str) -> impl Fn(&str) -> Option<String> + '_ {
        move |name| (name != skip).then(|| format!("value-of-{name}"))
    }

    #[test]
    fn reads_every_variable_and_names_the_missing_one() {
        let c = ReportConfig::from_lookup(lookup("")).unwrap();
        assert_eq!(c.runs_table, "value-of-ATTEST_RUNS_TABLE");
        assert_eq!(c.signing_key_id, "value-of-ATTEST_REPORT_SIGNING_KEY_ID");
        let err = ReportConfig::from_lookup(lookup("ATTEST_REPORT_SIGNING_KEY_ID")).unwrap_err();
        assert_eq!(err, ConfigError::Missing("ATTEST_REPORT_SIGNING_KEY_ID"));
    }

    #[test]
    fn the_documentation_lists_exactly_these_variables() {
        attest_testing::assert_documented("report", VARIABLES);
    }
}
