//! The item sink both benchmark binaries use: serde_dynamo's own `Item` type, filled exactly as the
//! AWS adapter fills SDK items (`attest-aws` `items.rs`), so the bench measures building real
//! DynamoDB items without linking the AWS SDK. The attributes come from the production functions
//! (`FindingRows::into_items`).

use attest_domain::records::ItemSink;
use serde_dynamo::AttributeValue;

#[derive(Default)]
pub struct Item(pub serde_dynamo::Item);

impl ItemSink for Item {
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
