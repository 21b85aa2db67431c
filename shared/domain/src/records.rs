//! The DynamoDB rows a finding produces, as plain structs (the AWS adapter turns them into items with
//! serde_dynamo). Table keys and the access patterns they serve are documented in the README.
//!
//! State table (`pk`, `sk`):
//! - current state, one per (account, region, rule, resource): `STATE#{state_id}` / `CURRENT`;
//!   indexes `ByResource` (`resource_key`, `rule_id`) and `ByStatus` (`standing`, `status_sort`).
//! - one row per control that state bears on: `STATE#{state_id}` / `CONTROL#{framework}#{control}`;
//!   index `ByFramework` (`framework`, `framework_sort` = `{standing}#{control}#{state_id}`).
//!
//! History table (`pk`, `sk`), append-only:
//! - per state: `STATE#{state_id}` / `{observed_at}#{evidence_sha256}`; indexes `ByResource`
//!   (`resource_key`, `history_sort`) and `ByDay` (`observed_date`, `history_sort`).
//! - per control: `CONTROL#{framework}#{control}` / `{observed_at}#{state_id}#{evidence_sha256}`;
//!   index `ByFramework` (`framework`, `framework_sort` = `{observed_at}#{control}#{state_id}`).

use serde::{Deserialize, Serialize};

use crate::evidence::Evidence;
use crate::finding::{ControlRef, Disposition, Finding};

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
pub struct ControlStateRow {
    pub pk: String,
    pub sk: String,
    pub framework: String,
    pub control_id: String,
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
pub struct ControlHistoryRow {
    pub pk: String,
    pub sk: String,
    pub framework: String,
    pub control_id: String,
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
    pub control_states: Vec<ControlStateRow>,
    pub history: HistoryRow,
    pub control_history: Vec<ControlHistoryRow>,
}

pub fn state_pk(state_id: &str) -> String {
    format!("STATE#{state_id}")
}

pub fn control_pk(control: &ControlRef) -> String {
    format!("CONTROL#{}#{}", control.framework, control.control_id)
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
        let control_states = finding
            .controls
            .iter()
            .map(|c| ControlStateRow {
                pk: pk.clone(),
                sk: format!("CONTROL#{}#{}", c.framework, c.control_id),
                framework: c.framework.clone(),
                control_id: c.control_id.clone(),
                framework_sort: format!("{standing}#{}#{state_id}", c.control_id),
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
        let control_history = finding
            .controls
            .iter()
            .map(|c| ControlHistoryRow {
                pk: control_pk(c),
                sk: format!("{observed_at}#{state_id}#{}", evidence.sha256),
                framework: c.framework.clone(),
                control_id: c.control_id.clone(),
                framework_sort: format!("{observed_at}#{}#{state_id}", c.control_id),
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
        FindingRows { current, control_states, history, control_history }
    }
}
