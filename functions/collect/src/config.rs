//! Collect configuration: the variables below, read and checked once at start-up (by the function
//! and by `attest collect`).

use std::time::Duration;

use attest_aws::settings::{process_env, Env, Variable};
use attest_collect_workflow::Policy;

pub use attest_aws::settings::SettingError as ConfigError;

/// Every environment variable collect reads (also checked against the template and
/// `docs/configuration.md`).
pub const VARIABLES: &[Variable] = &[
    Variable::required(
        "ATTEST_EVIDENCE_BUCKET",
        "the Object Lock bucket collected evidence is written to",
    ),
    Variable::required(
        "ATTEST_EVIDENCE_KMS_KEY_ID",
        "KMS key (id, ARN or alias) for SSE-KMS on evidence objects",
    ),
    Variable::required("ATTEST_RUNS_TABLE", "the run records table"),
    Variable::bounded(
        "ATTEST_COLLECT_CONCURRENCY",
        "controls run at once in a batch",
        4,
        1,
        32,
    ),
    Variable::bounded(
        "ATTEST_COLLECT_ATTEMPTS",
        "tries per run, the first included",
        3,
        1,
        10,
    ),
    Variable::bounded(
        "ATTEST_COLLECT_LEASE_SECONDS",
        "how long a claim holds before another trigger may take the run over",
        900,
        60,
        3600,
    ),
];

#[derive(Debug, Clone, PartialEq)]
pub struct CollectConfig {
    pub evidence_bucket: String,
    pub evidence_kms_key_id: String,
    pub runs_table: String,
    /// Concurrency, attempts and lease from the variables; backoff delays as [`Policy::default`].
    pub policy: Policy,
}

impl CollectConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(process_env)
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(VARIABLES, &get);
        let policy = Policy {
            concurrency: env.bounded("ATTEST_COLLECT_CONCURRENCY")? as usize,
            attempts: env.bounded("ATTEST_COLLECT_ATTEMPTS")? as usize,
            lease: Duration::from_secs(env.bounded("ATTEST_COLLECT_LEASE_SECONDS")?),
            ..Policy::default()
        };
        Ok(CollectConfig {
            evidence_bucket: env.required("ATTEST_EVIDENCE_BUCKET")?,
            evidence_kms_key_id: env.required("ATTEST_EVIDENCE_KMS_KEY_ID")?,
            runs_table: env.required("ATTEST_RUNS_TABLE")?,
            policy,
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
        ("ATTEST_RUNS_TABLE", "r"),
    ];

    #[test]
    fn reads_required_and_defaults() {
        let c = CollectConfig::from_lookup(env(FULL)).unwrap();
        assert_eq!(c.runs_table, "r");
        assert_eq!(
            (c.policy.concurrency, c.policy.attempts, c.policy.lease),
            (4, 3, Duration::from_secs(900))
        );
        let mut set = FULL.to_vec();
        set.extend([
            ("ATTEST_COLLECT_CONCURRENCY", "32"),
            ("ATTEST_COLLECT_ATTEMPTS", "1"),
            ("ATTEST_COLLECT_LEASE_SECONDS", "60"),
        ]);
        let c = CollectConfig::from_lookup(env(&set)).unwrap();
        assert_eq!(
            (c.policy.concurrency, c.policy.attempts, c.policy.lease),
            (32, 1, Duration::from_secs(60))
        );
    }

    #[test]
    fn names_the_missing_or_bad_variable() {
        let err = CollectConfig::from_lookup(env(&FULL[..2])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("ATTEST_RUNS_TABLE"));
        let mut bad = FULL.to_vec();
        bad.push(("ATTEST_COLLECT_LEASE_SECONDS", "59"));
        let err = CollectConfig::from_lookup(env(&bad)).unwrap_err();
        assert!(
            err.to_string().contains("ATTEST_COLLECT_LEASE_SECONDS"),
            "{err}"
        );
    }

    #[test]
    fn the_documentation_lists_exactly_these_variables() {
        attest_testing::assert_documented("collect", VARIABLES);
    }
}
