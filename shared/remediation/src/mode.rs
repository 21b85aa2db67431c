//! Remediation is off unless a rule is named: `ATTEST_REMEDIATION_RULES` lists `rule=mode` pairs,
//! the mode `dry-run`, `approve` or `auto`.

use std::collections::BTreeMap;

/// What is done for a failing rule that has an allowed fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Record what would be done (the state before and the call), change nothing.
    DryRun,
    /// Record what would be done and wait: an operator approves it with
    /// `attest remediation approve TRANSITION_ID`, and only then is the call made.
    Approve,
    /// Make the call, read the state back, record all three.
    Auto,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::DryRun => "dry-run",
            Mode::Approve => "approve",
            Mode::Auto => "auto",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModeError {
    #[error("`{0}` is not `rule=mode`")]
    NotAPair(String),
    #[error(
        "rule `{rule}`: mode `{mode}` is not `dry-run` or `auto` (`approve` is not built yet)"
    )]
    Mode { rule: String, mode: String },
    #[error("rule `{0}` is listed twice")]
    Twice(String),
}

/// The rules remediation is enabled for, each with its mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleModes(BTreeMap<String, Mode>);

impl RuleModes {
    /// Read `rule=mode` entries (already split on commas).
    pub fn parse(entries: &[String]) -> Result<Self, ModeError> {
        let mut modes = BTreeMap::new();
        for entry in entries {
            let (rule, mode) = entry
                .split_once('=')
                .map(|(r, m)| (r.trim(), m.trim()))
                .filter(|(r, m)| !r.is_empty() && !m.is_empty())
                .ok_or_else(|| ModeError::NotAPair(entry.clone()))?;
            let mode = match mode {
                "dry-run" => Mode::DryRun,
                "approve" => Mode::Approve,
                "auto" => Mode::Auto,
                other => {
                    return Err(ModeError::Mode {
                        rule: rule.to_string(),
                        mode: other.to_string(),
                    })
                }
            };
            if modes.insert(rule.to_string(), mode).is_some() {
                return Err(ModeError::Twice(rule.to_string()));
            }
        }
        Ok(RuleModes(modes))
    }

    pub fn get(&self, rule_id: &str) -> Option<Mode> {
        self.0.get(rule_id).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(list: &[&str]) -> Result<RuleModes, ModeError> {
        RuleModes::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn rules_are_off_unless_named_and_modes_are_checked() {
        let m = parse(&[
            "s3-bucket-server-side-encryption-enabled=auto",
            "S3.8 = dry-run",
        ])
        .unwrap();
        assert_eq!(
            m.get("s3-bucket-server-side-encryption-enabled"),
            Some(Mode::Auto)
        );
        assert_eq!(m.get("S3.8"), Some(Mode::DryRun));
        assert_eq!(m.get("rds-instance-public-access-check"), None);
        assert!(parse(&[]).unwrap().is_empty());
        assert_eq!(
            parse(&["S3.8"]).unwrap_err(),
            ModeError::NotAPair("S3.8".into())
        );
        assert_eq!(
            parse(&["S3.8=approve"]).unwrap().get("S3.8"),
            Some(Mode::Approve)
        );
        let err = parse(&["S3.8=yolo"]).unwrap_err();
        assert!(err.to_string().contains("yolo"), "{err}");
        assert_eq!(
            parse(&["S3.8=auto", "S3.8=dry-run"]).unwrap_err(),
            ModeError::Twice("S3.8".into())
        );
    }
}
