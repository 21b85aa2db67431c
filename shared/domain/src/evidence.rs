//! The evidence document: exactly what arrived from AWS (the source record plus the EventBridge
//! envelope), in RFC 8785 canonical form, named by its own SHA-256.
//!
//! Nothing in it is ours: no wall-clock time, no generated id, no mapping. Anyone holding the event
//! can rebuild these bytes and their hash, and the S3 key says where to find them.

use serde::Serialize;
use serde_json::Value;

use crate::canonical::{sha256_hex, to_canonical_vec};
use crate::finding::Finding;
use crate::normalize::Envelope;

/// Version tag inside every evidence document, so the layout can evolve without ambiguity.
pub const EVIDENCE_SCHEMA: &str = "attest.evidence/v1";

#[derive(Serialize)]
struct EvidenceDocument<'a> {
    schema: &'static str,
    envelope: &'a Envelope,
    record: &'a Value,
}

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

impl Evidence {
    pub fn build(envelope: &Envelope, record: &Value, finding: &Finding) -> Result<Self, serde_json::Error> {
        let bytes = to_canonical_vec(&EvidenceDocument { schema: EVIDENCE_SCHEMA, envelope, record })?;
        let sha256 = sha256_hex(&bytes);
        let key = format!(
            "evidence/{}/{}/{}/{}.json",
            finding.account,
            finding.source.as_str(),
            finding.observed_at.date_path(),
            sha256
        );
        Ok(Evidence { key, sha256, bytes })
    }
}
