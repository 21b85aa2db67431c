//! What both Security Hubs' readers share: the batch of records in `detail.findings`, and a
//! record's findings, one per distinct resource it names.

use serde_json::Value;

use super::fields::Fields;
use super::{with_evidence, Envelope, NormalizedFinding, Origin};
use crate::error::NormalizeError;
use crate::finding::Finding;

/// `detail.findings`: a non-empty array, as both hubs send it.
pub(super) fn records<'d>(detail: &'d Value, f: &Fields) -> Result<&'d [Value], NormalizeError> {
    match detail.get("findings") {
        None | Some(Value::Null) => Err(f.missing("detail.findings")),
        Some(Value::Array(a)) if a.is_empty() => Err(f.invalid("detail.findings", "is empty")),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(f.invalid("detail.findings", "expected an array")),
    }
}

/// The resources a record names, each `(type, id)` once, with its index in the record.
#[derive(Default)]
pub(super) struct Resources(Vec<(usize, String, String)>);

impl Resources {
    /// Adds the record's resource at `index` unless it was named before: a resource listed twice
    /// is one state, judged once.
    pub fn add(&mut self, index: usize, resource_type: &str, resource_id: String) {
        if !self
            .0
            .iter()
            .any(|(_, t, id)| t == resource_type && *id == resource_id)
        {
            self.0.push((index, resource_type.to_string(), resource_id));
        }
    }
}

/// The record's findings: `finding` with its subject's resource set to each resource in turn,
/// each with its own evidence document, which names the resource's index when there are several.
pub(super) fn per_resource(
    envelope: &Envelope,
    record: &Value,
    finding: Finding,
    resources: Resources,
    origin: Origin,
    f: &Fields,
) -> Result<Vec<NormalizedFinding>, NormalizeError> {
    let several = resources.0.len() > 1;
    resources
        .0
        .into_iter()
        .map(|(index, resource_type, resource_id)| {
            let mut finding = finding.clone();
            finding.subject.resource_type = resource_type;
            finding.subject.resource_id = resource_id;
            let origin = Origin {
                product_arn: origin.product_arn.clone(),
                observed_at_field: origin.observed_at_field,
                resource: several.then_some(index),
            };
            with_evidence(envelope, record, finding, origin, f)
        })
        .collect()
}
