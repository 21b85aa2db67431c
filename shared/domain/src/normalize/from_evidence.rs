//! Evidence document -> the finding it records, by the same code intake ran.
//!
//! An evidence document is the event's envelope and one source record, exactly as they arrived, so
//! the event can be rebuilt from it and normalised again. Reports derive every verdict this way
//! (status, disposition, severity, controls), and `attest verify` does the same offline: a
//! DynamoDB row or a snapshot can say what it likes, the verdict is what the evidence says.

use serde_json::{Map, Value};
use thiserror::Error;

use super::{
    normalize_event, NormalizedFinding, SECURITY_HUB_DETAIL_TYPE, SECURITY_HUB_OCSF_DETAIL_TYPE,
};
use crate::canonical::sha256_hex;
use crate::catalogue::Catalogue;
use crate::error::NormalizeError;
use crate::evidence::EVIDENCE_SCHEMA;

/// Why an evidence document did not yield its finding. None is retryable: the bytes decide.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EvidenceReadError {
    #[error("evidence {sha256} is not an Attest evidence document: {reason}")]
    NotEvidence { sha256: String, reason: String },

    #[error("evidence {sha256} does not normalise: {source}")]
    Normalize {
        sha256: String,
        source: NormalizeError,
    },

    /// Normalising the rebuilt event gave no finding whose evidence is these exact bytes.
    #[error("evidence {sha256} is not reproduced by normalising it: {reason}")]
    NotReproduced { sha256: String, reason: String },
}

/// The finding an evidence document records, normalised with `catalogue` (so its controls are
/// that catalogue version's mapping). Normalising must reproduce the document byte for byte, which
/// proves the finding is the document's and not one of its neighbours in a Security Hub batch.
pub fn normalize_evidence(
    bytes: &[u8],
    catalogue: &Catalogue,
) -> Result<NormalizedFinding, EvidenceReadError> {
    let sha256 = sha256_hex(bytes);
    let not_evidence = |reason: String| EvidenceReadError::NotEvidence {
        sha256: sha256.clone(),
        reason,
    };
    let document: Value =
        serde_json::from_slice(bytes).map_err(|e| not_evidence(format!("not JSON: {e}")))?;
    let schema = document.get("schema").and_then(Value::as_str);
    if schema != Some(EVIDENCE_SCHEMA) {
        return Err(not_evidence(format!(
            "schema is {schema:?}, not `{EVIDENCE_SCHEMA}`"
        )));
    }
    let (Some(Value::Object(envelope)), Some(record)) =
        (document.get("envelope"), document.get("record"))
    else {
        return Err(not_evidence(
            "it needs an `envelope` object and a `record`".into(),
        ));
    };
    let mut event: Map<String, Value> = envelope.clone();
    // Security Hub delivers findings in a batch; its evidence keeps one record of it.
    let detail = match envelope.get("detail-type").and_then(Value::as_str) {
        Some(SECURITY_HUB_DETAIL_TYPE | SECURITY_HUB_OCSF_DETAIL_TYPE) => {
            serde_json::json!({ "findings": [record] })
        }
        _ => record.clone(),
    };
    event.insert("detail".into(), detail);
    let event_bytes = serde_json::to_vec(&Value::Object(event))
        .map_err(|e| not_evidence(format!("cannot rebuild the event: {e}")))?;
    let normalized = normalize_event(&event_bytes, catalogue).map_err(|source| {
        EvidenceReadError::Normalize {
            sha256: sha256.clone(),
            source,
        }
    })?;
    let found = normalized.findings.len();
    normalized
        .findings
        .into_iter()
        .find(|f| f.evidence.bytes == bytes)
        .ok_or_else(|| EvidenceReadError::NotReproduced {
            sha256: sha256.clone(),
            reason: format!(
                "the rebuilt event gave {found} finding(s), none with these bytes (is the document canonical?)"
            ),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events_dir() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events")
    }

    #[test]
    fn every_sample_event_round_trips_through_its_evidence() {
        let catalogue = Catalogue::embedded().unwrap();
        let mut seen = 0;
        for entry in std::fs::read_dir(events_dir()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let Ok(event) = normalize_event(&bytes, &catalogue) else {
                continue; // the folder also holds events intake refuses
            };
            for original in event.findings {
                let again = normalize_evidence(&original.evidence.bytes, &catalogue)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert_eq!(again.finding, original.finding, "{}", path.display());
                assert_eq!(again.evidence, original.evidence, "{}", path.display());
                seen += 1;
            }
        }
        assert!(seen >= 5, "only {seen} findings in the sample events");
    }

    #[test]
    fn an_edited_document_says_what_it_now_records_or_is_refused() {
        let catalogue = Catalogue::embedded().unwrap();
        let bytes =
            std::fs::read(events_dir().join("config-noncompliant-with-old-result.json")).unwrap();
        let original = normalize_event(&bytes, &catalogue)
            .unwrap()
            .findings
            .remove(0);
        let text = String::from_utf8(original.evidence.bytes.clone()).unwrap();
        assert!(text.contains("\"NON_COMPLIANT\""));
        // Flipping the verdict inside the evidence changes the finding (and the hash, so the
        // object no longer matches any recorded SHA-256).
        let edited = text.replacen("\"NON_COMPLIANT\"", "\"COMPLIANT\"", 1);
        let again = normalize_evidence(edited.as_bytes(), &catalogue).unwrap();
        assert_ne!(again.finding.status, original.finding.status);
        assert_ne!(again.evidence.sha256, original.evidence.sha256);

        // Not canonical: same content, other bytes.
        let spaced = text.replacen(':', ": ", 1);
        let err = normalize_evidence(spaced.as_bytes(), &catalogue).unwrap_err();
        assert!(
            matches!(err, EvidenceReadError::NotReproduced { .. }),
            "{err}"
        );

        let err = normalize_evidence(br#"{"schema":"other"}"#, &catalogue).unwrap_err();
        assert!(err.to_string().contains("schema"), "{err}");
        let err = normalize_evidence(b"[1]", &catalogue).unwrap_err();
        assert!(
            matches!(err, EvidenceReadError::NotEvidence { .. }),
            "{err}"
        );
    }
}
