//! The DynamoDB rows a finding produces, as plain structs, and the one function per row that lists
//! its item's attributes ([`CurrentStateRow::into_item`], [`HistoryRow::into_item`]) into an
//! [`ItemSink`]: the AWS adapter's sink builds SDK `AttributeValue`s (this crate stays free of SDK
//! types). Reads come back through serde. Table keys and access patterns are documented in the README.
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
    concat(&["fw_", framework])
}

/// The parts joined, in one allocation of the right size (cheaper than `format!` for keys built
/// per finding).
fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
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

/// Receives the attributes of one DynamoDB item. Each call is one attribute: a string (`S`), a
/// boolean (`BOOL`) or a list of strings (`L` of `S`), the shapes serde_dynamo gives these fields.
pub trait ItemSink {
    /// Room for `additional` more attributes.
    fn reserve(&mut self, _additional: usize) {}
    fn string(&mut self, name: impl Into<String>, value: String);
    fn boolean(&mut self, name: impl Into<String>, value: bool);
    fn strings(&mut self, name: impl Into<String>, values: Vec<String>);
}

/// Attributes of [`FindingFields`] (title counted, though it may be absent).
const FIELD_ATTRIBUTES: usize = 22;

impl FindingFields {
    /// Every field as an item attribute, in declaration order; a `None` title is left out.
    fn into_attributes(self, sink: &mut impl ItemSink) {
        sink.string("state_id", self.state_id);
        sink.string("source", self.source);
        sink.string("event_id", self.event_id);
        sink.string("source_finding_id", self.source_finding_id);
        sink.string("account", self.account);
        sink.string("region", self.region);
        sink.string("resource_type", self.resource_type);
        sink.string("resource_id", self.resource_id);
        sink.string("resource_key", self.resource_key);
        sink.string("rule_id", self.rule_id);
        sink.string("status", self.status);
        sink.string("source_status", self.source_status);
        sink.string("severity", self.severity);
        sink.string("disposition", self.disposition);
        sink.string("standing", self.standing);
        sink.string("observed_at", self.observed_at);
        if let Some(title) = self.title {
            sink.string("title", title);
        }
        sink.strings("controls", self.controls);
        sink.boolean("mapped", self.mapped);
        sink.string("evidence_key", self.evidence_key);
        sink.string("evidence_sha256", self.evidence_sha256);
        sink.string("catalogue_version", self.catalogue_version);
    }
}

/// `fw_{framework}` = `value` for each framework the finding bears on.
fn framework_attributes(frameworks: &[String], value: &str, sink: &mut impl ItemSink) {
    for framework in frameworks {
        sink.string(framework_key(framework), value.to_string());
    }
}

impl CurrentStateRow {
    /// The current-state item: the row's attributes (what serde would write) plus
    /// `fw_{framework}` = standing for each of `frameworks`.
    pub fn into_item(self, frameworks: &[String], sink: &mut impl ItemSink) {
        sink.reserve(3 + FIELD_ATTRIBUTES + frameworks.len());
        framework_attributes(frameworks, &self.fields.standing, sink);
        sink.string("pk", self.pk);
        sink.string("sk", self.sk);
        sink.string("status_sort", self.status_sort);
        self.fields.into_attributes(sink);
    }
}

impl HistoryRow {
    /// The history item: the row's attributes (what serde would write) plus
    /// `fw_{framework}` = observed date for each of `frameworks`.
    pub fn into_item(self, frameworks: &[String], sink: &mut impl ItemSink) {
        sink.reserve(4 + FIELD_ATTRIBUTES + frameworks.len());
        framework_attributes(frameworks, &self.observed_date, sink);
        sink.string("pk", self.pk);
        sink.string("sk", self.sk);
        sink.string("history_sort", self.history_sort);
        sink.string("observed_date", self.observed_date);
        self.fields.into_attributes(sink);
    }
}

impl FindingRows {
    /// Both items, consuming the rows (their strings move into the items): `(current, history)`.
    pub fn into_items<C: ItemSink, H: ItemSink>(self, current: &mut C, history: &mut H) {
        self.current.into_item(&self.frameworks, current);
        self.history.into_item(&self.frameworks, history);
    }
}

pub fn state_pk(state_id: &str) -> String {
    concat(&["STATE#", state_id])
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
            resource_key: concat(&[
                &finding.account,
                "#",
                &finding.region,
                "#",
                &finding.resource_id,
            ]),
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
                .map(|c| concat(&[&c.framework, ":", &c.control_id]))
                .collect(),
            mapped: finding.is_mapped(),
            evidence_key: evidence.key.clone(),
            evidence_sha256: evidence.sha256.clone(),
            catalogue_version: catalogue_version.to_string(),
        };
        let sort = concat(&[observed_at, "#", &state_id]);
        let history = HistoryRow {
            pk: pk.clone(),
            sk: concat(&[observed_at, "#", &evidence.sha256]),
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
        // The state id (account, region, rule, resource) keys every row of the finding.
        let state_id = "123456789012#us-east-1#s3-bucket-server-side-encryption-enabled#attest-audit-exports-123456789012";
        assert_eq!(f.finding.state_id(), state_id);
        assert_eq!(rows.current.pk, format!("STATE#{state_id}"));
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
