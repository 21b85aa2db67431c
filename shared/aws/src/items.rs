//! A finding's two DynamoDB items, written attribute by attribute by
//! [`attest_domain::records::FindingItems`] (which lists the attributes; this module only turns each
//! into an SDK `AttributeValue`). serde_dynamo did the same job at several times the cost; it stays
//! as the test oracle: the items here must equal its output for the rows they read back as.

use attest_domain::records::{FindingItems, ItemSink};
use aws_sdk_dynamodb::types::AttributeValue;

pub use crate::dynamo::Item;

/// An item being built.
#[derive(Default, Clone)]
struct Builder(Item);

impl ItemSink for Builder {
    fn reserve(&mut self, additional: usize) {
        self.0.reserve(additional);
    }

    fn string(&mut self, name: &str, value: &str) {
        self.0
            .insert(name.to_string(), AttributeValue::S(value.to_string()));
    }

    fn boolean(&mut self, name: &str, value: bool) {
        self.0.insert(name.to_string(), AttributeValue::Bool(value));
    }

    fn strings(&mut self, name: &str, values: &[String]) {
        self.0.insert(
            name.to_string(),
            AttributeValue::L(values.iter().cloned().map(AttributeValue::S).collect()),
        );
    }
}

/// The current-state item, with `fw_{framework}` = standing for each framework.
pub fn current_item(items: &FindingItems) -> Item {
    let mut item = Builder::default();
    items.write_current(&mut item);
    item.0
}

/// The history item, with `fw_{framework}` = observed date for each framework.
pub fn history_item(items: &FindingItems) -> Item {
    let mut item = Builder::default();
    items.write_history(&mut item);
    item.0
}

/// Both items: `(current, history)`.
pub fn both_items(items: &FindingItems) -> (Item, Item) {
    let (current, history) = items.write_both::<Builder>();
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

    fn same_as_oracle(items: &FindingItems, what: &str) {
        let rows = items.rows().unwrap();
        let current = oracle(
            &rows.current,
            &rows.frameworks,
            &rows.current.fields.standing,
        );
        let history = oracle(&rows.history, &rows.frameworks, &rows.history.observed_date);
        assert_eq!(current_item(items), current, "{what}: current");
        assert_eq!(history_item(items), history, "{what}: history");
        assert_eq!(both_items(items), (current, history), "{what}: both");
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
                let items = FindingItems::new(&f.finding, &f.evidence, catalogue.version());
                let what = format!("{} #{i}", path.display());
                same_as_oracle(&items, &what);
                findings += 1;
                unmapped += usize::from(!f.finding.is_mapped());
                // The same finding without a title (left out, not NULL) and with an empty string.
                let mut bare = f.finding.clone();
                bare.title = None;
                bare.source_status = String::new();
                let items = FindingItems::new(&bare, &f.evidence, catalogue.version());
                same_as_oracle(&items, &format!("{what}, no title, empty status"));
            }
        }
        assert!(findings >= 14, "{findings} findings");
        assert!(unmapped > 0, "an unmapped finding is among the samples");
    }
}
