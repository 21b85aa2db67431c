//! The evidence document: exactly what arrived from AWS (the source record plus the EventBridge
//! envelope), in RFC 8785 canonical form, named by its own SHA-256.
//!
//! Nothing in it is ours: no wall-clock time, no generated id, no mapping. Anyone holding the event
//! can rebuild these bytes and their hash, and the S3 key says where to find them.

use serde::Serialize;
use serde_json::Value;

use crate::canonical::{self, sha256_hex, CanonicalError};
use crate::finding::Finding;
use crate::normalize::Envelope;

/// Version tag inside every evidence document, so the layout can evolve without ambiguity.
pub const EVIDENCE_SCHEMA: &str = "attest.evidence/v1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// `evidence/{account}/{source}/{YYYY}/{MM}/{DD}/{sha256}.json`, the date being the finding's
    /// observed time. Content-addressed: the same evidence always lands on the same key.
    pub key: String,
    /// Lower-case hex SHA-256 of `bytes`.
    pub sha256: String,
    /// The canonical JSON bytes.
    pub bytes: Vec<u8>,
}

/// The evidence document as it is hashed: `{"envelope":{...},"record":...,"schema":"attest.evidence/v1"}`
/// in RFC 8785 form (the writer orders the members), with `"resource":N` when the record names
/// several resources.
#[derive(Serialize)]
struct Document<'a> {
    envelope: &'a Envelope,
    record: &'a Value,
    /// Which of the record's resources this document's evaluation is about (its index in the
    /// record's resource list), only when the record names more than one: each resource is its
    /// own state, and a report names each state's evidence object once, so each resource's
    /// evaluation needs bytes of its own. Derived from the record, so still nothing of ours.
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<usize>,
    schema: &'static str,
}

impl Evidence {
    /// The evidence of `finding`: the event's `envelope` and the source `record` (a Security Hub
    /// finding, a Config or CloudTrail `detail`) exactly as they arrived, in canonical form, and
    /// `resource`, the finding's resource's index when the record names several.
    pub fn build(
        envelope: &Envelope,
        record: &Value,
        resource: Option<usize>,
        finding: &Finding,
    ) -> Result<Self, CanonicalError> {
        let bytes = canonical::to_vec(&Document {
            envelope,
            record,
            resource,
            schema: EVIDENCE_SCHEMA,
        })?;
        let sha256 = sha256_hex(&bytes);
        let [year, month, day] = finding.observed_at.date_parts();
        let key = [
            "evidence/",
            &finding.subject.account,
            "/",
            finding.source.as_str(),
            "/",
            year,
            "/",
            month,
            "/",
            day,
            "/",
            &sha256,
            ".json",
        ]
        .concat();
        Ok(Evidence { key, sha256, bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{normalize_event, Catalogue};

    fn envelope_of(e: &serde_json::Value) -> serde_json::Value {
        serde_json::json!({"id": e["id"], "source": e["source"], "detail-type": e["detail-type"],
                           "account": e["account"], "region": e["region"], "time": e["time"]})
    }

    #[test]
    fn document_is_the_rfc8785_form_of_envelope_record_and_schema() {
        let c = Catalogue::embedded().unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events");
        for name in [
            "securityhub-four-findings.json",
            "config-noncompliant-with-old-result.json",
            "cloudtrail-stoplogging.json",
        ] {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            let event: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            for (i, item) in normalize_event(&bytes, &c)
                .unwrap()
                .findings
                .iter()
                .enumerate()
            {
                let record = match event["detail"].get("findings") {
                    Some(findings) => findings[i].clone(),
                    None => event["detail"].clone(),
                };
                let doc = serde_json::json!({"schema": EVIDENCE_SCHEMA, "envelope": envelope_of(&event), "record": record});
                assert_eq!(
                    item.evidence.bytes,
                    serde_json_canonicalizer::to_vec(&doc).unwrap(),
                    "{name} #{i}"
                );
            }
        }
    }
}
