//! A finding's two DynamoDB items, written attribute by attribute from its rows
//! ([`attest_domain::records::CurrentStateRow::into_item`] and `HistoryRow::into_item` list the
//! attributes; this module only turns each into an SDK `AttributeValue`). serde_dynamo did the same
//! job at several times the cost; it stays as the test oracle: the items here must equal its output.

use attest_domain::records::{CurrentStateRow, FindingRows, HistoryRow, ItemSink};
use aws_sdk_dynamodb::types::AttributeValue;

use crate::dynamo::Item;

/// An item being built.
#[derive(Default)]
struct Builder(Item);

impl ItemSink for Builder {
    fn reserve(&mut self, additional: usize) {
        self.0.reserve(additional);
    }

    fn string(&mut self, name: impl Into<String>, value: String) {
        self.0.insert(name.into(), AttributeValue::S(value));
    }

    fn boolean(&mut self, name: impl Into<String>, value: bool) {
        self.0.insert(name.into(), AttributeValue::Bool(value));
    }

    fn strings(&mut self, name: impl Into<String>, values: Vec<String>) {
        self.0.insert(
            name.into(),
            AttributeValue::L(values.into_iter().map(AttributeValue::S).collect()),
        );
    }
}

/// The current-state item of a row, with `fw_{framework}` = standing for each framework.
pub(crate) fn current_item(row: CurrentStateRow, frameworks: &[String]) -> Item {
    let mut item = Builder::default();
    row.into_item(frameworks, &mut item);
    item.0
}

/// The history item of a row, with `fw_{framework}` = observed date for each framework.
pub(crate) fn history_item(row: HistoryRow, frameworks: &[String]) -> Item {
    let mut item = Builder::default();
    row.into_item(frameworks, &mut item);
    item.0
}

/// Both items of a finding: `(current, history)`.
pub(crate) fn finding_items(rows: FindingRows) -> (Item, Item) {
    let (mut current, mut history) = (Builder::default(), Builder::default());
    rows.into_items(&mut current, &mut history);
    (current.0, history.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use attest_domain::records::framework_key;
    use attest_domain::{normalize_event, Catalogue};

    /// What the adapter wrote before: serde_dynamo's item of the row plus the framework keys.
    fn oracle<T: serde::Serialize>(row: &T, frameworks: &[String], value: &str) -> Item {
        let mut item: Item = serde_dynamo::to_item(row).unwrap();
        for framework in frameworks {
            item.insert(
                framework_key(framework),
                AttributeValue::S(value.to_string()),
            );
        }
        item
    }

    fn same_as_oracle(rows: &FindingRows, what: &str) {
        let current = oracle(
            &rows.current,
            &rows.frameworks,
            &rows.current.fields.standing,
        );
        let history = oracle(&rows.history, &rows.frameworks, &rows.history.observed_date);
        assert_eq!(
            current_item(rows.current.clone(), &rows.frameworks),
            current,
            "{what}: current"
        );
        assert_eq!(
            history_item(rows.history.clone(), &rows.frameworks),
            history,
            "{what}: history"
        );
        assert_eq!(
            finding_items(rows.clone()),
            (current, history),
            "{what}: both"
        );
    }

    #[test]
    fn items_equal_serde_dynamo_on_every_sample_event() {
        let catalogue = Catalogue::embedded().unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events");
        let (mut findings, mut unmapped) = (0, 0);
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let event = normalize_event(&std::fs::read(&path).unwrap(), &catalogue).unwrap();
            for (i, f) in event.findings.iter().enumerate() {
                let mut rows = FindingRows::build(&f.finding, &f.evidence, catalogue.version());
                let what = format!("{} #{i}", path.display());
                same_as_oracle(&rows, &what);
                findings += 1;
                unmapped += usize::from(rows.frameworks.is_empty());
                // The same finding without a title (left out, not NULL) and with an empty string.
                rows.current.fields.title = None;
                rows.history.fields.title = None;
                rows.current.fields.source_status = String::new();
                rows.history.fields.source_status = String::new();
                same_as_oracle(&rows, &format!("{what}, no title, empty status"));
            }
        }
        assert!(findings >= 14, "{findings} findings");
        assert!(unmapped > 0, "an unmapped finding is among the samples");
    }
}
