//! A state's change of standing, read from the old and new image of its current-state row.
//!
//! Only two changes alert: a state entering `NON_COMPLIANT` ([`Change::Failed`]) and a state
//! leaving it ([`Change::Resolved`], whatever it leaves to: `COMPLIANT`, `SUPPRESSED`, `ARCHIVED`,
//! …). A new evaluation with the same standing (an unchanged result, or a redelivered event that
//! rewrote the row) is no transition. A state first seen as `NON_COMPLIANT` fails (from nothing).

use attest_domain::records::FindingFields;
use attest_domain::Severity;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const NON_COMPLIANT: &str = "NON_COMPLIANT";

/// Which way a transition goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Change {
    /// Entered `NON_COMPLIANT`.
    Failed,
    /// Left `NON_COMPLIANT`.
    Resolved,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Failed => "FAILED",
            Change::Resolved => "RESOLVED",
        }
    }
}

/// One alerting change of one state, with everything its messages say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// [`Transition::id_of`]: SHA-256 (hex) of (state id, from, to, evidence hash).
    pub id: String,
    pub change: Change,
    /// `{account}#{region}#{rule}#{resource}`.
    pub state_id: String,
    /// Standing before; `None` when the state was first seen.
    pub from: Option<String>,
    pub to: String,
    pub severity: Severity,
    /// `aws.config`, `aws.securityhub`, `aws.cloudtrail`, `attest.collect`.
    pub source: String,
    pub account: String,
    pub region: String,
    pub resource_type: String,
    pub resource_id: String,
    pub rule_id: String,
    pub title: Option<String>,
    /// `FRAMEWORK:CONTROL`, as stored on the row.
    pub controls: Vec<String>,
    /// The frameworks of [`Self::controls`], sorted, each once.
    pub frameworks: Vec<String>,
    pub evidence_key: String,
    pub evidence_sha256: String,
    /// When the evaluation that made this transition was observed.
    pub observed_at: String,
    /// [`Transition::dedup_key_of`]: SHA-256 (hex) of (account, region, rule, resource), the same
    /// for every transition of a state, so a resolve closes the trigger it follows.
    pub dedup_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("state {state_id}: severity `{severity}` is not one Attest stores")]
    Severity { state_id: String, severity: String },
    #[error("old image is state {old}, new image is state {new}")]
    DifferentStates { old: String, new: String },
}

impl TransitionError {
    /// A malformed row is malformed on every delivery.
    pub fn is_retryable(&self) -> bool {
        false
    }
}

impl Transition {
    /// The transition from `old` to `new` (the images of one current-state row), if it alerts.
    /// `new` is `None` for a removed row, which never alerts (rows are only ever replaced).
    pub fn between(
        old: Option<&FindingFields>,
        new: Option<&FindingFields>,
    ) -> Result<Option<Transition>, TransitionError> {
        let Some(new) = new else {
            return Ok(None);
        };
        if let Some(old) = old {
            if old.state_id != new.state_id {
                return Err(TransitionError::DifferentStates {
                    old: old.state_id.clone(),
                    new: new.state_id.clone(),
                });
            }
        }
        let was_failing = old.is_some_and(|o| o.standing == NON_COMPLIANT);
        let is_failing = new.standing == NON_COMPLIANT;
        let change = match (was_failing, is_failing) {
            (false, true) => Change::Failed,
            (true, false) => Change::Resolved,
            _ => return Ok(None),
        };
        let severity =
            Severity::from_stored(&new.severity).ok_or_else(|| TransitionError::Severity {
                state_id: new.state_id.clone(),
                severity: new.severity.clone(),
            })?;
        let from = old.map(|o| o.standing.clone());
        let mut frameworks: Vec<String> = new
            .controls
            .iter()
            .map(|c| {
                c.split_once(':')
                    .map_or(c.as_str(), |(fw, _)| fw)
                    .to_string()
            })
            .collect();
        frameworks.sort();
        frameworks.dedup();
        let s = &new.subject;
        Ok(Some(Transition {
            id: Self::id_of(
                &new.state_id,
                from.as_deref(),
                &new.standing,
                &new.evidence_sha256,
            ),
            change,
            state_id: new.state_id.clone(),
            from,
            to: new.standing.clone(),
            severity,
            source: new.source.clone(),
            account: s.account.clone(),
            region: s.region.clone(),
            resource_type: s.resource_type.clone(),
            resource_id: s.resource_id.clone(),
            rule_id: s.rule_id.clone(),
            title: new.title.clone(),
            controls: new.controls.clone(),
            frameworks,
            evidence_key: new.evidence_key.clone(),
            evidence_sha256: new.evidence_sha256.clone(),
            observed_at: new.observed_at.clone(),
            dedup_key: Self::dedup_key_of(&s.account, &s.region, &s.rule_id, &s.resource_id),
        }))
    }

    /// SHA-256 (lowercase hex) of the JSON array `[state_id, from, to, evidence_sha256]` (`from`
    /// is `""` when the state was first seen). A JSON array of strings is unambiguous whatever
    /// the strings hold, and is what another implementation would write.
    pub fn id_of(state_id: &str, from: Option<&str>, to: &str, evidence_sha256: &str) -> String {
        hash_strings(&[state_id, from.unwrap_or(""), to, evidence_sha256])
    }

    /// SHA-256 (lowercase hex) of the JSON array `[account, region, rule, resource]`: PagerDuty's
    /// `dedup_key` (64 characters, within its 255).
    pub fn dedup_key_of(account: &str, region: &str, rule_id: &str, resource_id: &str) -> String {
        hash_strings(&[account, region, rule_id, resource_id])
    }

    /// Whether this transition reaches the paging threshold (`threshold` or more severe; an
    /// `UNSPECIFIED` severity, as AWS Config gives, pages only when the threshold is
    /// `UNSPECIFIED`).
    pub fn at_or_above(&self, threshold: Severity) -> bool {
        self.severity.rank() <= threshold.rank()
    }
}

fn hash_strings(parts: &[&str]) -> String {
    // Serialising a slice of strings cannot fail.
    let bytes = serde_json::to_vec(parts).unwrap_or_default();
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use attest_domain::Subject;

    pub(crate) fn row(standing: &str, evidence: &str) -> FindingFields {
        let subject = Subject {
            account: "123456789012".into(),
            region: "us-east-1".into(),
            resource_type: "AWS::S3::Bucket".into(),
            resource_id: "audit-logs".into(),
            rule_id: "s3-bucket-server-side-encryption-enabled".into(),
        };
        FindingFields {
            state_id: subject.state_id(),
            source: "aws.config".into(),
            event_id: "e1".into(),
            source_finding_id: "f1".into(),
            resource_key: subject.resource_key(),
            subject,
            status: standing.into(),
            source_status: standing.into(),
            severity: "HIGH".into(),
            disposition: "ACTIVE".into(),
            standing: standing.into(),
            observed_at: "2026-12-01T10:00:00Z".into(),
            title: Some("S3 bucket default encryption".into()),
            controls: vec![
                "SOC2:CC6.1".into(),
                "PCI-DSS-3.2.1:3.4".into(),
                "SOC2:CC6.7".into(),
            ],
            mapped: true,
            evidence_key: format!("evidence/sha256/{evidence}.json"),
            evidence_sha256: evidence.into(),
            precedence: None,
            catalogue_version: "v1".into(),
        }
    }

    #[test]
    fn entering_and_leaving_non_compliant_alert() {
        let pass = row("COMPLIANT", "aa");
        let fail = row("NON_COMPLIANT", "bb");
        let t = Transition::between(Some(&pass), Some(&fail))
            .unwrap()
            .unwrap();
        assert_eq!(t.change, Change::Failed);
        assert_eq!(
            (t.from.as_deref(), t.to.as_str()),
            (Some("COMPLIANT"), "NON_COMPLIANT")
        );
        assert_eq!(t.frameworks, ["PCI-DSS-3.2.1", "SOC2"]);
        assert_eq!(t.severity, Severity::High);
        let back = Transition::between(Some(&fail), Some(&pass))
            .unwrap()
            .unwrap();
        assert_eq!(back.change, Change::Resolved);
        assert_eq!(back.dedup_key, t.dedup_key, "one PagerDuty alert per state");
        assert_ne!(back.id, t.id);
        let suppressed = row("SUPPRESSED", "cc");
        let t = Transition::between(Some(&fail), Some(&suppressed)).unwrap();
        assert_eq!(t.map(|t| t.change), Some(Change::Resolved));
    }

    #[test]
    fn first_seen_failing_fails_and_first_seen_passing_is_silent() {
        let fail = row("NON_COMPLIANT", "bb");
        let t = Transition::between(None, Some(&fail)).unwrap().unwrap();
        assert_eq!((t.change, t.from), (Change::Failed, None));
        assert_eq!(
            Transition::between(None, Some(&row("COMPLIANT", "aa"))).unwrap(),
            None
        );
    }

    #[test]
    fn unchanged_redelivered_and_removed_rows_are_silent() {
        let fail = row("NON_COMPLIANT", "bb");
        let again = row("NON_COMPLIANT", "cc");
        assert_eq!(
            Transition::between(Some(&fail), Some(&again)).unwrap(),
            None
        );
        assert_eq!(Transition::between(Some(&fail), Some(&fail)).unwrap(), None);
        let pass = row("COMPLIANT", "aa");
        assert_eq!(Transition::between(Some(&pass), Some(&pass)).unwrap(), None);
        assert_eq!(Transition::between(Some(&fail), None).unwrap(), None);
        // Neither side failing: no alert either way.
        let warning = row("WARNING", "dd");
        assert_eq!(
            Transition::between(Some(&pass), Some(&warning)).unwrap(),
            None
        );
    }

    #[test]
    fn ids_are_stable_and_documented() {
        let t = Transition::between(
            Some(&row("COMPLIANT", "aa")),
            Some(&row("NON_COMPLIANT", "bb")),
        )
        .unwrap()
        .unwrap();
        let expected_id = hex::encode(Sha256::digest(
            br#"["123456789012#us-east-1#s3-bucket-server-side-encryption-enabled#audit-logs","COMPLIANT","NON_COMPLIANT","bb"]"#,
        ));
        assert_eq!(t.id, expected_id);
        let expected_dedup = hex::encode(Sha256::digest(
            br#"["123456789012","us-east-1","s3-bucket-server-side-encryption-enabled","audit-logs"]"#,
        ));
        assert_eq!(t.dedup_key, expected_dedup);
        assert_eq!(t.dedup_key.len(), 64);
        // Separators inside values cannot collide.
        assert_ne!(
            Transition::dedup_key_of("a", "b#c", "d", "e"),
            Transition::dedup_key_of("a#b", "c", "d", "e")
        );
    }

    #[test]
    fn bad_rows_are_errors_not_panics() {
        let mut fail = row("NON_COMPLIANT", "bb");
        fail.severity = "SEVERE".into();
        let err = Transition::between(None, Some(&fail)).unwrap_err();
        assert!(matches!(err, TransitionError::Severity { .. }), "{err}");
        assert!(!err.is_retryable());
        let mut other = row("COMPLIANT", "aa");
        other.state_id = "x".into();
        let err = Transition::between(Some(&other), Some(&row("NON_COMPLIANT", "bb")));
        assert!(matches!(err, Err(TransitionError::DifferentStates { .. })));
    }

    #[test]
    fn paging_threshold() {
        let t = Transition::between(None, Some(&row("NON_COMPLIANT", "bb")))
            .unwrap()
            .unwrap();
        assert!(t.at_or_above(Severity::High));
        assert!(t.at_or_above(Severity::Low));
        assert!(!t.at_or_above(Severity::Critical));
    }
}
