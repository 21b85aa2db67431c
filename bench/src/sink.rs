//! The item sink both benchmark binaries use: serde_dynamo's own `Item` type, filled exactly as the
//! AWS adapter fills SDK items (`attest-aws` `items.rs`), so the bench measures building real
//! DynamoDB items without linking the AWS SDK. The attributes come from the production writer
//! (`FindingItems::write_current` and `write_history`).

use attest_domain::records::ItemSink;
use serde_dynamo::AttributeValue;

#[derive(Default, Clone)]
pub struct Item(pub serde_dynamo::Item);

impl ItemSink for Item {
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
