//! The DynamoDB rows a finding produces, as plain structs (the AWS adapter turns them into items with
//! serde_dynamo). Table keys and the access patterns they serve are documented in the README.
//!
//! State table (`pk`, `sk`):
//! - current state, one per (account, region, rule, resource): `STATE#{state_id}` / `CURRENT`;
//!   indexes `ByResource` (`resource_key`, `rule_id`) and `ByStatus` (`standing`, `status_sort`).
//! - one row per framework that state bears on, listing its controls: `STATE#{state_id}` /
//!   `FRAMEWORK#{framework}`; index `ByFramework` (`framework`, `framework_sort` = `{standing}#{state_id}`).
//!   (One row per framework rather than per control: a Config rule can map to forty controls, and
//!   forty rows per finding would multiply write cost for no query it serves.)
//!
//! History table (`pk`, `sk`), append-only:
//! - per state: `STATE#{state_id}` / `{observed_at}#{evidence_sha256}`; indexes `ByResource`
//!   (`resource_key`, `history_sort`) and `ByDay` (`observed_date`, `history_sort`).
//! - per framework: `FRAMEWORK#{framework}#{state_id}` / `{observed_at}#{evidence_sha256}`; index
//!   `ByFramework` (`framework`, `framework_sort` = `{observed_at}#{state_id}`): a framework's history
//!   over a period is one range query.

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
pub struct FrameworkStateRow {
    pub pk: String,
    pub sk: String,
    pub framework: String,
    /// The framework's control ids this state bears on, sorted.
    pub control_ids: Vec<String>,
    pub framework_sort: String,
    pub state_id: String,
    pub standing: String,
    pub status: String,
    pub disposition: String,
    pub observed_at: String,
    pub account: String,
    pub region: String,
    pub resource_type: String,
    pub resource_id: String,
    pub rule_id: String,
    pub evidence_key: String,
    pub evidence_sha256: String,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameworkHistoryRow {
    pub pk: String,
    pub sk: String,
    pub framework: String,
    pub control_ids: Vec<String>,
    pub framework_sort: String,
    pub state_id: String,
    pub standing: String,
    pub observed_at: String,
    pub resource_key: String,
    pub rule_id: String,
    pub evidence_key: String,
    pub evidence_sha256: String,
}

/// Every row one finding writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRows {
    pub current: CurrentStateRow,
    pub framework_states: Vec<FrameworkStateRow>,
    pub history: HistoryRow,
    pub framework_history: Vec<FrameworkHistoryRow>,
}

pub fn state_pk(state_id: &str) -> String {
    format!("STATE#{state_id}")
}

/// The finding's controls grouped by framework (controls are already sorted by framework, then id).
fn by_framework(finding: &Finding) -> Vec<(&str, Vec<String>)> {
    let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
    for c in &finding.controls {
        match groups.last_mut() {
            Some((fw, ids)) if *fw == c.framework => ids.push(c.control_id.clone()),
            _ => groups.push((&c.framework, vec![c.control_id.clone()])),
        }
    }
    groups
}

impl FindingRows {
    pub fn build(finding: &Finding, evidence: &Evidence, catalogue_version: &str) -> Self {
        let state_id = finding.state_id();
        let standing = standing(finding);
        let observed_at = finding.observed_at.as_str();
        let pk = state_pk(&state_id);
        let fields = FindingFields {
            state_id: state_id.clone(),
            source: finding.source.as_str().to_string(),
            event_id: finding.event_id.clone(),
            source_finding_id: finding.source_finding_id.clone(),
            account: finding.account.clone(),
            region: finding.region.clone(),
            resource_type: finding.resource_type.clone(),
            resource_id: finding.resource_id.clone(),
            resource_key: format!("{}#{}#{}", finding.account, finding.region, finding.resource_id),
            rule_id: finding.rule_id.clone(),
            status: finding.status.as_str().to_string(),
            source_status: finding.source_status.clone(),
            severity: finding.severity.as_str().to_string(),
            disposition: finding.disposition.as_str().to_string(),
            standing: standing.to_string(),
            observed_at: observed_at.to_string(),
            title: finding.title.clone(),
            controls: finding.controls.iter().map(|c| format!("{}:{}", c.framework, c.control_id)).collect(),
            mapped: finding.is_mapped(),
            evidence_key: evidence.key.clone(),
            evidence_sha256: evidence.sha256.clone(),
            catalogue_version: catalogue_version.to_string(),
        };
        let groups = by_framework(finding);
        let framework_states = groups
            .iter()
            .map(|(framework, ids)| FrameworkStateRow {
                pk: pk.clone(),
                sk: format!("FRAMEWORK#{framework}"),
                framework: framework.to_string(),
                control_ids: ids.clone(),
                framework_sort: format!("{standing}#{state_id}"),
                state_id: state_id.clone(),
                standing: standing.to_string(),
                status: fields.status.clone(),
                disposition: fields.disposition.clone(),
                observed_at: observed_at.to_string(),
                account: fields.account.clone(),
                region: fields.region.clone(),
                resource_type: fields.resource_type.clone(),
                resource_id: fields.resource_id.clone(),
                rule_id: fields.rule_id.clone(),
                evidence_key: evidence.key.clone(),
                evidence_sha256: evidence.sha256.clone(),
            })
            .collect();
        let framework_history = groups
            .into_iter()
            .map(|(framework, ids)| FrameworkHistoryRow {
                pk: format!("FRAMEWORK#{framework}#{state_id}"),
                sk: format!("{observed_at}#{}", evidence.sha256),
                framework: framework.to_string(),
                control_ids: ids,
                framework_sort: format!("{observed_at}#{state_id}"),
                state_id: state_id.clone(),
                standing: standing.to_string(),
                observed_at: observed_at.to_string(),
                resource_key: fields.resource_key.clone(),
                rule_id: fields.rule_id.clone(),
                evidence_key: evidence.key.clone(),
                evidence_sha256: evidence.sha256.clone(),
            })
            .collect();
        let history = HistoryRow {
            pk: pk.clone(),
            sk: format!("{observed_at}#{}", evidence.sha256),
            history_sort: format!("{observed_at}#{state_id}"),
            observed_date: finding.observed_at.date().to_string(),
            fields: fields.clone(),
        };
        let current = CurrentStateRow {
            pk,
            sk: CURRENT_SK.to_string(),
            status_sort: format!("{observed_at}#{state_id}"),
            fields,
        };
        FindingRows { current, framework_states, history, framework_history }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{normalize_event, Catalogue};

    #[test]
    fn one_state_row_per_framework_listing_its_controls() {
        let c = Catalogue::embedded().unwrap();
        let event = normalize_event(include_bytes!("../../../events/config-noncompliant-with-old-result.json"), &c).unwrap();
        let f = &event.findings[0];
        let rows = FindingRows::build(&f.finding, &f.evidence, c.version());
        let frameworks: std::collections::BTreeSet<_> = f.finding.controls.iter().map(|c| c.framework.clone()).collect();
        assert_eq!(rows.framework_states.len(), frameworks.len());
        assert_eq!(rows.framework_history.len(), frameworks.len());
        let total: usize = rows.framework_states.iter().map(|r| r.control_ids.len()).sum();
        assert_eq!(total, f.finding.controls.len());
        for r in &rows.framework_states {
            assert_eq!(r.pk, rows.current.pk);
            assert_eq!(r.framework_sort, format!("NON_COMPLIANT#{}", f.finding.state_id()));
        }
        assert_eq!(rows.current.status_sort, format!("2026-11-02T09:15:11.482Z#{}", f.finding.state_id()));
        assert_eq!(rows.history.sk, format!("2026-11-02T09:15:11.482Z#{}", f.evidence.sha256));
    }

    #[test]
    fn set_aside_findings_stand_as_their_disposition() {
        let c = Catalogue::embedded().unwrap();
        let event = normalize_event(include_bytes!("../../../events/securityhub-four-findings.json"), &c).unwrap();
        let standings: Vec<_> = event.findings.iter().map(|f| standing(&f.finding)).collect();
        assert_eq!(standings, ["NON_COMPLIANT", "COMPLIANT", "SUPPRESSED", "ARCHIVED"]);
    }
}
