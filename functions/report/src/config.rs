//! Report configuration: the variables below, read and checked once at start-up (by the function
//! and by `attest report`, which runs the same workflow).

use attest_aws::settings::{process_env, Env, Variable};
use attest_reports::snapshot::{ReportPolicies, ReportPolicy};

/// A bounded variable whose bounds fit in `u32`.
fn bounded_u32(env: &Env, name: &'static str) -> Result<u32, ConfigError> {
    let value = env.bounded(name)?;
    u32::try_from(value).map_err(|_| ConfigError::Invalid {
        name,
        reason: format!("{value} is too large"),
    })
}

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
    Variable::bounded(
        "ATTEST_MAX_EVIDENCE_AGE_DAYS",
        "evidence older than this many days at the period end is flagged stale in reports",
        365,
        1,
        3650,
    ),
    Variable::list(
        "ATTEST_MAX_EVIDENCE_AGE_DAYS_BY_FRAMEWORK",
        "per-framework maximum evidence age, e.g. `PCI-DSS-3.2.1=90,SOC2=180`",
    ),
    Variable::bounded(
        "ATTEST_AUDIT_SAMPLE_SIZE",
        "evidence items drawn per control for the audit sample",
        25,
        1,
        1000,
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
    pub policy: ReportPolicies,
}

/// `FRAMEWORK=DAYS` entries, each number within the age bounds.
fn ages_by_framework(
    entries: &[String],
) -> Result<std::collections::BTreeMap<String, u32>, ConfigError> {
    let name = "ATTEST_MAX_EVIDENCE_AGE_DAYS_BY_FRAMEWORK";
    let mut ages = std::collections::BTreeMap::new();
    for pair in entries {
        let parsed = pair
            .split_once('=')
            .and_then(|(f, d)| Some((f.trim(), d.trim().parse::<u32>().ok()?)))
            .filter(|(f, d)| !f.is_empty() && (1..=3650).contains(d));
        let Some((framework, days)) = parsed else {
            return Err(ConfigError::Invalid {
                name,
                reason: format!("`{pair}` is not FRAMEWORK=DAYS with DAYS from 1 to 3650"),
            });
        };
        ages.insert(framework.to_string(), days);
    }
    Ok(ages)
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
            policy: ReportPolicies {
                default: ReportPolicy {
                    max_evidence_age_days: bounded_u32(&env, "ATTEST_MAX_EVIDENCE_AGE_DAYS")?,
                    sample_size: bounded_u32(&env, "ATTEST_AUDIT_SAMPLE_SIZE")?,
                },
                max_evidence_age_days: ages_by_framework(
                    &env.list("ATTEST_MAX_EVIDENCE_AGE_DAYS_BY_FRAMEWORK")?,
                )?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(skip: &str) -> impl Fn(&str) -> Option<String> + '_ {
        // The numeric variables keep their defaults.
        move |name| {
            (name != skip && !name.contains("AGE") && !name.contains("SAMPLE"))
                .then(|| format!("value-of-{name}"))
        }
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
    fn evidence_age_and_sample_size_have_defaults_and_per_framework_ages_are_checked() {
        let c = ReportConfig::from_lookup(lookup("")).unwrap();
        assert_eq!(c.policy.for_framework("SOC2").max_evidence_age_days, 365);
        assert_eq!(c.policy.for_framework("SOC2").sample_size, 25);
        let with = |value: &'static str| {
            move |name: &str| match name {
                "ATTEST_MAX_EVIDENCE_AGE_DAYS_BY_FRAMEWORK" => Some(value.to_string()),
                n if n.contains("AGE") || n.contains("SAMPLE") => None,
                n => Some(format!("value-of-{n}")),
            }
        };
        let c = ReportConfig::from_lookup(with("PCI-DSS-3.2.1=90, SOC2=180")).unwrap();
        assert_eq!(
            c.policy
                .for_framework("PCI-DSS-3.2.1")
                .max_evidence_age_days,
            90
        );
        assert_eq!(c.policy.for_framework("SOC2").max_evidence_age_days, 180);
        assert_eq!(c.policy.for_framework("HIPAA").max_evidence_age_days, 365);
        let err = ReportConfig::from_lookup(with("PCI-DSS-3.2.1=0")).unwrap_err();
        assert!(err.to_string().contains("PCI-DSS-3.2.1=0"), "{err}");
    }

    #[test]
    fn the_documentation_lists_exactly_these_variables() {
        attest_testing::assert_documented("report", VARIABLES);
    }
}
