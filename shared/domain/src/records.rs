//! The DynamoDB rows a finding produces, as plain structs (the AWS adapter turns them into items with
//! serde_dynamo). Table keys and the access patterns they serve are documented in the README.
//!
//! A finding writes two items: its current state (replaced only by a newer evaluation) and a history
//! entry (append-only). Framework queries use one sparse index per framework instead of extra rows:
//! each item carries `fw_{FRAMEWORK}` only for the frameworks it bears on, so a Config rule that maps
//! to forty controls across eight frameworks still writes two items, in single conditional puts.
//!
//! State table (`pk` = `STATE#{state_id}`, `sk` = `CURRENT`):
//! - `ByResource` (`resource_key`, `rule_id`), `ByStatus` (`standing`, `status_sort`);
//! - `Fw-{FRAMEWORK}` (`fw_{FRAMEWORK}` = standing, `status_sort`) for each framework.
//!
//! History table (`pk` = `STATE#{state_id}`, `sk` = `{observed_at}#{evidence_sha256}`):
//! - `ByResource` (`resource_key`, `history_sort`), `ByDay` (`observed_date`, `history_sort`);
//! - `Fw-{FRAMEWORK}` (`fw_{FRAMEWORK}` = observed date, `history_sort`) for each framework.

use serde::{Deserialize, Serialize};

use crate::evidence::Evidence;
use crate::finding::{Disposition, Finding};

pub const CURRENT_SK: &str = "CURRENT";

/// What a finding counts as: its status when active, otherwise SUPPRESSED or ARCHIVED, so that
/// set-aside findings are never counted as passes or failures.
pub fn standing(finding: &Finding) -> &'static str {
    match finding.disposition {
        Disposition::Active => finding.status.as_str(),
        other => other.as_str(),
    }
}

/// Fields shared by current-state and history rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingFields {
    pub state_id: String,
    pub source: String,
    pub event_id: String,
    pub source_finding_id: String,
    pub account: String,
    pub region: String,
    pub resource_type: String,
    pub resource_id: String,
    pub resource_key: String,
    pub rule_id: String,
    pub status: String,
    pub source_status: String,
    pub severity: String,
    pub disposition: String,
    pub standing: String,
    pub observed_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `FRAMEWORK:CONTROL` for each control; empty when unmapped.
    pub controls: Vec<String>,
    pub mapped: bool,
    pub evidence_key: String,
    pub evidence_sha256: String,
    pub catalogue_version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentStateRow {
    pub pk: String,
    pub sk: String,
    #[serde(flatten)]
    pub fields: FindingFields,
    pub status_sort: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub pk: String,
    pub sk: String,
    #[serde(flatten)]
    pub fields: FindingFields,
    pub history_sort: String,
    pub observed_date: String,
}

/// Name of the sparse index key a row carries for a framework it bears on.
pub fn framework_key(framework: &str) -> String {
    format!("fw_{framework}")
}

/// Name of the per-framework index (same on both tables).
pub fn framework_index(framework: &str) -> String {
    format!("Fw-{framework}")
}

/// Every item one finding writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRows {
    pub current: CurrentStateRow,
    pub history: HistoryRow,
    /// The frameworks the finding bears on (sorted, unique): the adapter adds `fw_{framework}` to
    /// the current row (value: standing) and to the history row (value: observed date).
    pub frameworks: Vec<String>,
}

pub fn state_pk(state_id: &str) -> String {
    format!("STATE#{state_id}")
}

impl FindingRows {
    pub fn build(finding: &Finding, evidence: &Evidence, catalogue_version: &str) -> Self {
        let state_id = finding.state_id();
        let standing = standing(finding);
        let observed_at = finding.observed_at.as_str();
        let pk = state_pk(&state_id);
        let mut frameworks: Vec<String> = Vec::new();
        for c in &finding.controls {
            // Controls are sorted by framework, so equal frameworks are adjacent.
            if frameworks.last() != Some(&c.framework) {
                frameworks.push(c.framework.clone());
            }
        }
        let fields = FindingFields {
            state_id: state_id.clone(),
            source: finding.source.as_str().to_string(),
            event_id: finding.event_id.clone(),
            source_finding_id: finding.source_finding_id.clone(),
            account: finding.account.clone(),
            region: finding.region.clone(),
            resource_type: finding.resource_type.clone(),
            resource_id: finding.resource_id.clone(),
            resource_key: format!(
                "{}#{}#{}",
                finding.account, finding.region, finding.resource_id
            ),
            rule_id: finding.rule_id.clone(),
            status: finding.status.as_str().to_string(),
            source_status: finding.source_status.clone(),
            severity: finding.severity.as_str().to_string(),
            disposition: finding.disposition.as_str().to_string(),
            standing: standing.to_string(),
            observed_at: observed_at.to_string(),
            title: finding.title.clone(),
            controls: finding
                .controls
                .iter()
                .map(|c| format!("{}:{}", c.framework, c.control_id))
                .collect(),
            mapped: finding.is_mapped(),
            evidence_key: evidence.key.clone(),
            evidence_sha256: evidence.sha256.clone(),
            catalogue_version: catalogue_version.to_string(),
        };
        let sort = format!("{observed_at}#{state_id}");
        let history = HistoryRow {
            pk: pk.clone(),
            sk: format!("{observed_at}#{}", evidence.sha256),
            history_sort: sort.clone(),
            observed_date: finding.observed_at.date().to_string(),
            fields: fields.clone(),
        };
        let current = CurrentStateRow {
            pk,
            sk: CURRENT_SK.to_string(),
            status_sort: sort,
            fields,
        };
        FindingRows {
            current,
            history,
            frameworks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{normalize_event, Catalogue};

    #[test]
    fn two_items_per_finding_with_one_key_per_framework() {
        let c = Catalogue::embedded().unwrap();
        let event = normalize_event(
            include_bytes!("../../../events/config-noncompliant-with-old-result.json"),
            &c,
        )
        .unwrap();
        let f = &event.findings[0];
        let rows = FindingRows::build(&f.finding, &f.evidence, c.version());
        let frameworks: std::collections::BTreeSet<_> = f
            .finding
            .controls
            .iter()
            .map(|c| c.framework.clone())
            .collect();
        assert_eq!(rows.frameworks, frameworks.into_iter().collect::<Vec<_>>());
        assert_eq!(rows.current.fields.controls.len(), f.finding.controls.len());
        assert_eq!(
            rows.current.status_sort,
            format!("2026-11-02T09:15:11.482Z#{}", f.finding.state_id())
        );
        assert_eq!(
            rows.history.sk,
            format!("2026-11-02T09:15:11.482Z#{}", f.evidence.sha256)
        );
        assert_eq!(rows.history.observed_date, "2026-11-02");
        assert_eq!(framework_key("PCI-DSS-3.2.1"), "fw_PCI-DSS-3.2.1");
        assert_eq!(framework_index("PCI-DSS-3.2.1"), "Fw-PCI-DSS-3.2.1");
    }

    #[test]
    fn set_aside_findings_stand_as_their_disposition() {
        let c = Catalogue::embedded().unwrap();
        let event = normalize_event(
            include_bytes!("../../../events/securityhub-four-findings.json"),
            &c,
        )
        .unwrap();
        let standings: Vec<_> = event
            .findings
            .iter()
            .map(|f| standing(&f.finding))
            .collect();
        assert_eq!(
            standings,
            ["NON_COMPLIANT", "COMPLIANT", "SUPPRESSED", "ARCHIVED"]
        );
    }
}
