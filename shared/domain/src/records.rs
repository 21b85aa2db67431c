//! The DynamoDB items a finding produces. [`FindingItems`] lists each item's attributes once, into an
//! [`ItemSink`]: the AWS adapter's sink builds SDK `AttributeValue`s (this crate stays free of SDK
//! types). Reads come back through serde as the plain row structs below. Table keys and access
//! patterns are documented in the README.
//!
//! A finding writes two items: its current state (replaced only by a newer evaluation, in the order
//! of [`Precedence`], whose key both items carry as `precedence`) and a history entry (append-only). Framework queries use one sparse index per framework instead of extra rows:
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
use crate::finding::{Disposition, Finding, Subject};
use crate::precedence::Precedence;

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
    #[serde(flatten)]
    pub subject: Subject,
    /// `{account}#{region}#{resource_id}`: [`Subject::resource_key`].
    pub resource_key: String,
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
    /// [`Precedence::key`]: where this evaluation stands among its state's evaluations (read it
    /// with [`Precedence::of_row`]). Absent on rows written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precedence: Option<String>,
    pub catalogue_version: String,
}

impl FindingFields {
    /// The names of the fields where `self` (a stored row) says something other than `rebuilt` (the
    /// row its evidence normalises to), in field order. `controls`, `mapped` and `catalogue_version` are compared only
    /// when both rows were mapped with the same catalogue version: another version may map the same
    /// evidence differently, and the report's own pinned version decides then. `precedence` is
    /// compared only when the stored row has one.
    pub fn differences(&self, rebuilt: &FindingFields) -> Vec<String> {
        // The usual case, checked without serialising either row.
        if self == rebuilt {
            return Vec::new();
        }
        let (Ok(serde_json::Value::Object(ours)), Ok(serde_json::Value::Object(theirs))) =
            (serde_json::to_value(self), serde_json::to_value(rebuilt))
        else {
            return vec!["<not serialisable>".to_string()];
        };
        let same_mapping = self.catalogue_version == rebuilt.catalogue_version;
        let mut names: Vec<&String> = ours.keys().chain(theirs.keys()).collect();
        names.sort();
        names.dedup();
        names
            .into_iter()
            .filter(|name| {
                same_mapping
                    || !matches!(name.as_str(), "controls" | "mapped" | "catalogue_version")
            })
            // Rows written before the precedence attribute existed have none to compare.
            .filter(|name| self.precedence.is_some() || name.as_str() != "precedence")
            .filter(|name| ours.get(name.as_str()) != theirs.get(name.as_str()))
            .cloned()
            .collect()
    }
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
    ["fw_", framework].concat()
}

/// Name of the per-framework index (same on both tables).
pub fn framework_index(framework: &str) -> String {
    format!("Fw-{framework}")
}

pub fn state_pk(state_id: &str) -> String {
    ["STATE#", state_id].concat()
}

/// Receives the attributes of one DynamoDB item. Each call is one attribute: a string (`S`), a
/// boolean (`BOOL`) or a list of strings (`L` of `S`), the shapes serde_dynamo gives these fields.
pub trait ItemSink {
    /// Room for `additional` more attributes.
    fn reserve(&mut self, _additional: usize) {}
    fn string(&mut self, name: &str, value: &str);
    fn boolean(&mut self, name: &str, value: bool);
    fn strings(&mut self, name: &str, values: &[String]);
}

/// Attributes of [`FindingFields`] (title counted, though it may be absent).
const FIELD_ATTRIBUTES: usize = 23;

/// A finding's two DynamoDB items, written straight from the finding and its evidence: the keys
/// both items share are worked out once, and every attribute is listed here and only here
/// ([`Self::write_current`], [`Self::write_history`], [`Self::write_both`]). The rows read back
/// ([`CurrentStateRow`], [`HistoryRow`]) are these items seen through serde.
pub struct FindingItems<'f> {
    finding: &'f Finding,
    evidence: &'f Evidence,
    catalogue_version: &'f str,
    /// `STATE#{state_id}`: the partition key of both items.
    pk: String,
    resource_key: String,
    /// `{observed_at}#{state_id}`: the sort key of the status, framework and history indexes.
    sort: String,
    /// `{observed_at}#{evidence_sha256}`: the history item's sort key.
    history_sk: String,
    /// [`Precedence::key`]: the current-state item is replaced only by a greater one.
    precedence: String,
}

impl<'f> FindingItems<'f> {
    pub fn new(finding: &'f Finding, evidence: &'f Evidence, catalogue_version: &'f str) -> Self {
        let state_id = finding.subject.state_id();
        let observed_at = finding.observed_at.as_str();
        FindingItems {
            finding,
            evidence,
            catalogue_version,
            pk: state_pk(&state_id),
            resource_key: finding.subject.resource_key(),
            sort: [observed_at, "#", &state_id].concat(),
            history_sk: [observed_at, "#", &evidence.sha256].concat(),
            precedence: Precedence::of(finding, evidence).key(),
        }
    }

    /// [`Precedence::key`] of the finding: the `precedence` attribute of both items.
    pub fn precedence(&self) -> &str {
        &self.precedence
    }

    /// Identity of the current-state record: account, region, rule and resource.
    pub fn state_id(&self) -> &str {
        &self.pk["STATE#".len()..]
    }

    /// The current-state item: the row's attributes plus `fw_{framework}` = standing for each
    /// framework the finding bears on.
    pub fn write_current(&self, sink: &mut impl ItemSink) {
        sink.reserve(self.attributes());
        self.write_fields(sink);
        self.write_current_keys(sink);
    }

    /// The history item: the row's attributes plus `fw_{framework}` = observed date for each
    /// framework the finding bears on.
    pub fn write_history(&self, sink: &mut impl ItemSink) {
        sink.reserve(self.attributes());
        self.write_fields(sink);
        self.write_history_keys(sink);
    }

    /// Both items, `(current, history)`. They differ only in their keys, so the finding's fields
    /// are written once and the item copied (a copy does not hash the names again).
    pub fn write_both<S: ItemSink + Clone + Default>(&self) -> (S, S) {
        let mut current = S::default();
        current.reserve(self.attributes());
        self.write_fields(&mut current);
        let mut history = current.clone();
        self.write_current_keys(&mut current);
        self.write_history_keys(&mut history);
        (current, history)
    }

    /// Room for either item: the fields, up to four keys and one per framework.
    fn attributes(&self) -> usize {
        FIELD_ATTRIBUTES + 4 + self.finding.controls.framework_keys().len()
    }

    fn write_current_keys(&self, sink: &mut impl ItemSink) {
        let standing = standing(self.finding);
        for key in self.finding.controls.framework_keys() {
            sink.string(key, standing);
        }
        sink.string("pk", &self.pk);
        sink.string("sk", CURRENT_SK);
        sink.string("status_sort", &self.sort);
    }

    fn write_history_keys(&self, sink: &mut impl ItemSink) {
        let date = self.finding.observed_at.date();
        for key in self.finding.controls.framework_keys() {
            sink.string(key, date);
        }
        sink.string("pk", &self.pk);
        sink.string("sk", &self.history_sk);
        sink.string("history_sort", &self.sort);
        sink.string("observed_date", date);
    }

    /// Every field of [`FindingFields`], in declaration order (the subject's inline); a `None`
    /// title is left out.
    fn write_fields(&self, sink: &mut impl ItemSink) {
        let f = self.finding;
        let subject = &f.subject;
        sink.string("state_id", self.state_id());
        sink.string("source", f.source.as_str());
        sink.string("event_id", &f.event_id);
        sink.string("source_finding_id", &f.source_finding_id);
        sink.string("account", &subject.account);
        sink.string("region", &subject.region);
        sink.string("resource_type", &subject.resource_type);
        sink.string("resource_id", &subject.resource_id);
        sink.string("rule_id", &subject.rule_id);
        sink.string("resource_key", &self.resource_key);
        sink.string("status", f.status.as_str());
        sink.string("source_status", &f.source_status);
        sink.string("severity", f.severity.as_str());
        sink.string("disposition", f.disposition.as_str());
        sink.string("standing", standing(f));
        sink.string("observed_at", f.observed_at.as_str());
        if let Some(title) = &f.title {
            sink.string("title", title);
        }
        sink.strings("controls", f.controls.labels());
        sink.boolean("mapped", f.is_mapped());
        sink.string("evidence_key", &self.evidence.key);
        sink.string("evidence_sha256", &self.evidence.sha256);
        sink.string("precedence", &self.precedence);
        sink.string("catalogue_version", self.catalogue_version);
    }
}

/// Every item one finding writes, as the rows they are read back as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRows {
    pub current: CurrentStateRow,
    pub history: HistoryRow,
    /// The frameworks the finding bears on (sorted, unique): the current row carries
    /// `fw_{framework}` = standing, the history row `fw_{framework}` = observed date.
    pub frameworks: Vec<String>,
}

/// An item as a JSON object, for reading it back through serde.
#[derive(Default)]
struct JsonItem(serde_json::Map<String, serde_json::Value>);

impl ItemSink for JsonItem {
    fn string(&mut self, name: &str, value: &str) {
        self.0.insert(name.to_string(), value.into());
    }
    fn boolean(&mut self, name: &str, value: bool) {
        self.0.insert(name.to_string(), value.into());
    }
    fn strings(&mut self, name: &str, values: &[String]) {
        self.0.insert(name.to_string(), values.into());
    }
}

impl FindingRows {
    /// The rows of a finding's items (for tests, samples and the report's reading side; intake
    /// writes the items directly with [`FindingItems`]).
    pub fn build(
        finding: &Finding,
        evidence: &Evidence,
        catalogue_version: &str,
    ) -> Result<Self, serde_json::Error> {
        FindingItems::new(finding, evidence, catalogue_version).rows()
    }
}

impl FindingItems<'_> {
    /// The items read back through serde, as the state store reads them. An error is a row field
    /// the item writer does not write.
    pub fn rows(&self) -> Result<FindingRows, serde_json::Error> {
        let (mut current, mut history) = (JsonItem::default(), JsonItem::default());
        self.write_current(&mut current);
        self.write_history(&mut history);
        Ok(FindingRows {
            current: serde_json::from_value(serde_json::Value::Object(current.0))?,
            history: serde_json::from_value(serde_json::Value::Object(history.0))?,
            frameworks: self.finding.controls.frameworks().to_vec(),
        })
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
        let rows = FindingRows::build(&f.finding, &f.evidence, c.version()).unwrap();
        // The state id (account, region, rule, resource) keys every row of the finding.
        let state_id = "123456789012#us-east-1#s3-bucket-server-side-encryption-enabled#arn:aws:s3:::attest-audit-exports-123456789012";
        assert_eq!(f.finding.subject.state_id(), state_id);
        assert_eq!(rows.current.pk, format!("STATE#{state_id}"));
        let frameworks: std::collections::BTreeSet<_> = f
            .finding
            .controls
            .iter()
            .map(|c| c.framework.clone())
            .collect();
        assert_eq!(rows.frameworks, frameworks.into_iter().collect::<Vec<_>>());
        let labels: Vec<String> = f
            .finding
            .controls
            .iter()
            .map(|c| format!("{}:{}", c.framework, c.control_id))
            .collect();
        let fields = &rows.current.fields;
        assert_eq!(fields.controls, labels);
        assert!(
            labels.iter().any(|l| l == "PCI-DSS-3.2.1:3.4"),
            "{labels:?}"
        );
        assert_eq!(fields.state_id, state_id);
        assert_eq!(
            fields.resource_key,
            "123456789012#us-east-1#arn:aws:s3:::attest-audit-exports-123456789012"
        );
        assert_eq!(
            (
                fields.source.as_str(),
                fields.status.as_str(),
                fields.standing.as_str()
            ),
            ("config", "NON_COMPLIANT", "NON_COMPLIANT")
        );
        assert_eq!(
            (fields.severity.as_str(), fields.disposition.as_str()),
            ("UNSPECIFIED", "ACTIVE")
        );
        assert!(fields.mapped);
        assert_eq!(fields.evidence_key, f.evidence.key);
        assert_eq!(fields.evidence_sha256, f.evidence.sha256);
        assert_eq!(fields.catalogue_version, c.version());
        // Observed time, then the envelope time, then the evidence hash.
        assert_eq!(
            fields.precedence.as_deref(),
            Some(
                format!(
                    "2026-11-02T09:15:11.482Z#2026-11-02T09:15:27.000Z#{}",
                    f.evidence.sha256
                )
                .as_str()
            )
        );
        assert_eq!(
            Precedence::of_row(fields).unwrap(),
            Precedence::of(&f.finding, &f.evidence)
        );
        assert_eq!(fields.observed_at, "2026-11-02T09:15:11.482Z");
        assert_eq!(rows.current.sk, CURRENT_SK);
        assert_eq!(rows.history.fields, rows.current.fields);
        assert_eq!(
            rows.current.status_sort,
            format!("2026-11-02T09:15:11.482Z#{}", f.finding.subject.state_id())
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
