//! Intake configuration, read and checked once at start-up.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeConfig {
    /// `ATTEST_EVIDENCE_BUCKET`: the Object Lock bucket evidence is written to.
    pub evidence_bucket: String,
    /// `ATTEST_EVIDENCE_KMS_KEY_ID`: KMS key (id, ARN or alias) for SSE-KMS on evidence objects.
    pub evidence_kms_key_id: String,
    /// `ATTEST_STATE_TABLE`: current compliance state.
    pub state_table: String,
    /// `ATTEST_HISTORY_TABLE`: append-only history.
    pub history_table: String,
    /// `ATTEST_INTAKE_CONCURRENCY` (default 8, 1..=64): messages, and findings per message, stored at once.
    pub concurrency: usize,
}

pub use attest_aws::settings::SettingError as ConfigError;
use attest_aws::settings::{bounded, required};

impl IntakeConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(IntakeConfig {
            evidence_bucket: required(&get, "ATTEST_EVIDENCE_BUCKET")?,
            evidence_kms_key_id: required(&get, "ATTEST_EVIDENCE_KMS_KEY_ID")?,
            state_table: required(&get, "ATTEST_STATE_TABLE")?,
            history_table: required(&get, "ATTEST_HISTORY_TABLE")?,
            concurrency: bounded(&get, "ATTEST_INTAKE_CONCURRENCY", 8, 1, 64)? as usize,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

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
}
