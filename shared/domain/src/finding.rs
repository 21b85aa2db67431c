//! The normalised finding: one observation, from one source, about one resource and one rule.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::records::framework_key;
use crate::timestamp::Timestamp;

/// Where a finding came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingSource {
    Config,
    SecurityHub,
    CloudTrail,
}

impl FindingSource {
    /// Short, stable name used in keys and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingSource::Config => "config",
            FindingSource::SecurityHub => "securityhub",
            FindingSource::CloudTrail => "cloudtrail",
        }
    }
}

/// One status vocabulary for all sources.
///
/// | source value | status |
/// |---|---|
/// | Config COMPLIANT, Security Hub PASSED | `Compliant` |
/// | Config NON_COMPLIANT, Security Hub FAILED | `NonCompliant` |
/// | Config NOT_APPLICABLE | `NotApplicable` |
/// | Config INSUFFICIENT_DATA, Security Hub NOT_AVAILABLE | `InsufficientData` |
/// | Security Hub WARNING, a compliance-relevant CloudTrail change to review | `Warning` |
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ComplianceStatus {
    Compliant,
    NonCompliant,
    NotApplicable,
    InsufficientData,
    Warning,
}

impl ComplianceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ComplianceStatus::Compliant => "COMPLIANT",
            ComplianceStatus::NonCompliant => "NON_COMPLIANT",
            ComplianceStatus::NotApplicable => "NOT_APPLICABLE",
            ComplianceStatus::InsufficientData => "INSUFFICIENT_DATA",
            ComplianceStatus::Warning => "WARNING",
        }
    }

    /// The inverse of [`Self::as_str`]: reads the word our own rows store.
    pub fn from_stored(text: &str) -> Option<Self> {
        [
            ComplianceStatus::Compliant,
            ComplianceStatus::NonCompliant,
            ComplianceStatus::NotApplicable,
            ComplianceStatus::InsufficientData,
            ComplianceStatus::Warning,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Parse the status words of Config, Security Hub and our own vocabulary.
    pub fn from_source_value(value: &str) -> Option<Self> {
        Some(match value {
            "COMPLIANT" | "PASSED" => ComplianceStatus::Compliant,
            "NON_COMPLIANT" | "FAILED" => ComplianceStatus::NonCompliant,
            "NOT_APPLICABLE" => ComplianceStatus::NotApplicable,
            "INSUFFICIENT_DATA" | "NOT_AVAILABLE" => ComplianceStatus::InsufficientData,
            "WARNING" => ComplianceStatus::Warning,
            _ => return None,
        })
    }
}

/// Severity on Security Hub's scale; Config and CloudTrail events carry none of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    Informational,
    Low,
    Medium,
    High,
    Critical,
    /// The source gave no severity (AWS Config rule evaluations, most CloudTrail calls).
    Unspecified,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Informational => "INFORMATIONAL",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
            Severity::Unspecified => "UNSPECIFIED",
        }
    }

    /// The inverse of [`Self::as_str`] (including `UNSPECIFIED`, which no source sends as a label).
    pub fn from_stored(text: &str) -> Option<Self> {
        Self::from_label(text)
            .or_else(|| (text == Severity::Unspecified.as_str()).then_some(Severity::Unspecified))
    }

    /// Most severe first: `Critical` is 0, `Unspecified` last.
    pub fn rank(self) -> u8 {
        match self {
            Severity::Critical => 0,
            Severity::High => 1,
            Severity::Medium => 2,
            Severity::Low => 3,
            Severity::Informational => 4,
            Severity::Unspecified => 5,
        }
    }

    pub fn from_label(label: &str) -> Option<Self> {
        Some(match label {
            "INFORMATIONAL" => Severity::Informational,
            "LOW" => Severity::Low,
            "MEDIUM" => Severity::Medium,
            "HIGH" => Severity::High,
            "CRITICAL" => Severity::Critical,
            _ => return None,
        })
    }
}

/// Whether the team has set the finding aside. A suppressed or archived finding is kept and shown,
/// but counted neither as a pass nor as a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Disposition {
    Active,
    /// Security Hub `Workflow.Status` = SUPPRESSED: an accepted exception.
    Suppressed,
    /// Security Hub `RecordState` = ARCHIVED: the provider no longer reports it.
    Archived,
}

impl Disposition {
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Active => "ACTIVE",
            Disposition::Suppressed => "SUPPRESSED",
            Disposition::Archived => "ARCHIVED",
        }
    }

    /// The inverse of [`Self::as_str`]: reads the word our own rows store.
    pub fn from_stored(text: &str) -> Option<Self> {
        [
            Disposition::Active,
            Disposition::Suppressed,
            Disposition::Archived,
        ]
        .into_iter()
        .find(|d| d.as_str() == text)
    }
}

/// A framework control a finding bears on, e.g. `PCI-DSS-3.2.1` / `1.2.1`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ControlRef {
    pub framework: String,
    pub control_id: String,
}

/// The controls a finding bears on: sorted, without duplicates; empty means unmapped.
///
/// Made once per catalogue row and shared by every finding it maps (cloning is a reference count),
/// with what the DynamoDB items need worked out once too: the `FRAMEWORK:CONTROL` labels, the
/// frameworks and their index key names.
#[derive(Clone, PartialEq, Eq)]
pub struct ControlSet(Arc<Controls>);

#[derive(PartialEq, Eq)]
struct Controls {
    controls: Vec<ControlRef>,
    labels: Vec<String>,
    frameworks: Vec<String>,
    framework_keys: Vec<String>,
}

impl ControlSet {
    pub fn new(mut controls: Vec<ControlRef>) -> Self {
        controls.sort();
        controls.dedup();
        let labels = controls
            .iter()
            .map(|c| [c.framework.as_str(), ":", &c.control_id].concat())
            .collect();
        let mut frameworks: Vec<String> = controls.iter().map(|c| c.framework.clone()).collect();
        // Sorted by framework first, so equal frameworks are adjacent.
        frameworks.dedup();
        let framework_keys = frameworks.iter().map(|f| framework_key(f)).collect();
        ControlSet(Arc::new(Controls {
            controls,
            labels,
            frameworks,
            framework_keys,
        }))
    }

    /// `FRAMEWORK:CONTROL` for each control, in order.
    /// The controls of both sets, as one set.
    pub fn with(&self, other: &ControlSet) -> ControlSet {
        if other.is_empty() {
            return self.clone();
        }
        ControlSet::new(self.iter().chain(other.iter()).cloned().collect())
    }

    pub fn labels(&self) -> &[String] {
        &self.0.labels
    }

    /// The frameworks of the controls, sorted, each once.
    pub fn frameworks(&self) -> &[String] {
        &self.0.frameworks
    }

    /// `fw_{FRAMEWORK}` for each of [`Self::frameworks`]: the per-framework index keys.
    pub fn framework_keys(&self) -> &[String] {
        &self.0.framework_keys
    }
}

impl Default for ControlSet {
    fn default() -> Self {
        ControlSet::new(Vec::new())
    }
}

impl std::ops::Deref for ControlSet {
    type Target = [ControlRef];
    fn deref(&self) -> &[ControlRef] {
        &self.0.controls
    }
}

impl std::fmt::Debug for ControlSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for ControlSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.controls.serialize(s)
    }
}

impl<'de> Deserialize<'de> for ControlSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<ControlRef>::deserialize(d).map(ControlSet::new)
    }
}

/// What an evaluation is about: a resource in an account and region, and the rule that judged it.
///
/// Embedded with `#[serde(flatten)]` in [`Finding`], the DynamoDB rows
/// ([`crate::records::FindingFields`]) and the report snapshot's evaluations, so its fields keep
/// their names there.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Subject {
    pub account: String,
    pub region: String,
    pub resource_type: String,
    pub resource_id: String,
    /// Config rule name as deployed, Security Hub control id, or `eventSource:eventName`.
    pub rule_id: String,
}

impl Subject {
    /// Identity of the current-state record: one per (account, region, rule, resource).
    pub fn state_id(&self) -> String {
        [
            self.account.as_str(),
            "#",
            &self.region,
            "#",
            &self.rule_id,
            "#",
            &self.resource_id,
        ]
        .concat()
    }

    /// The resource across rules: `{account}#{region}#{resource_id}`.
    pub fn resource_key(&self) -> String {
        [
            self.account.as_str(),
            "#",
            &self.region,
            "#",
            &self.resource_id,
        ]
        .concat()
    }
}

/// A normalised finding. Every time in it comes from the event, never from the clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub source: FindingSource,
    /// The EventBridge event id this finding arrived in.
    pub event_id: String,
    /// The source's own id: the Security Hub finding id, the CloudTrail `eventID`, or for Config
    /// `rule/resourceType/resourceId`.
    pub source_finding_id: String,
    #[serde(flatten)]
    pub subject: Subject,
    pub status: ComplianceStatus,
    /// The status word exactly as the source wrote it.
    pub source_status: String,
    pub severity: Severity,
    pub disposition: Disposition,
    /// The evaluation's own time: Config `orderingTimestamp`, Security Hub `UpdatedAt`, CloudTrail `eventTime`.
    pub observed_at: Timestamp,
    /// The EventBridge envelope `time`: when AWS published the event. Orders evaluations with the
    /// same observed time ([`crate::precedence::Precedence`]).
    pub delivered_at: Timestamp,
    pub title: Option<String>,
    pub controls: ControlSet,
}

impl Finding {
    pub fn is_mapped(&self) -> bool {
        !self.controls.is_empty()
    }

    /// Whether this finding counts towards pass/fail totals (suppressed and archived ones do not).
    pub fn counts_towards_compliance(&self) -> bool {
        self.disposition == Disposition::Active
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_status_maps_to_one_enum() {
        for (word, status) in [
            ("COMPLIANT", ComplianceStatus::Compliant),
            ("PASSED", ComplianceStatus::Compliant),
            ("NON_COMPLIANT", ComplianceStatus::NonCompliant),
            ("FAILED", ComplianceStatus::NonCompliant),
            ("NOT_APPLICABLE", ComplianceStatus::NotApplicable),
            ("INSUFFICIENT_DATA", ComplianceStatus::InsufficientData),
            ("NOT_AVAILABLE", ComplianceStatus::InsufficientData),
            ("WARNING", ComplianceStatus::Warning),
        ] {
            assert_eq!(
                ComplianceStatus::from_source_value(word),
                Some(status),
                "{word}"
            );
        }
        assert_eq!(ComplianceStatus::from_source_value("compliant"), None);
    }
}
