//! EventBridge event -> normalised findings, each with its evidence document.
//!
//! One entry point, [`normalize_event`], reads the envelope once and dispatches on source and
//! detail-type. Each source's rules live in their own module.

mod cloudtrail;
mod config;
mod fields;
mod securityhub;

use crate::catalogue::Catalogue;
use crate::error::NormalizeError;
use crate::evidence::Evidence;
use crate::finding::Finding;
use crate::json::{Document, Json};
use fields::{members_named, non_empty, Fields};

pub const CONFIG_DETAIL_TYPE: &str = "Config Rules Compliance Change";
pub const SECURITY_HUB_DETAIL_TYPE: &str = "Security Hub Findings - Imported";
pub const CLOUDTRAIL_API_CALL_DETAIL_TYPE: &str = "AWS API Call via CloudTrail";
pub const CONSOLE_SIGN_IN_DETAIL_TYPE: &str = "AWS Console Sign In via CloudTrail";

/// The EventBridge envelope fields that go into every piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Envelope {
    pub id: String,
    pub source: String,
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    pub account: String,
    pub region: String,
    pub time: String,
}

/// One finding and the evidence that backs it.
#[derive(Debug, Clone)]
pub struct NormalizedFinding {
    pub finding: Finding,
    pub evidence: Evidence,
}

#[derive(Debug, Clone)]
pub struct NormalizedEvent {
    pub envelope: Envelope,
    pub findings: Vec<NormalizedFinding>,
}

/// Parse one EventBridge event (raw bytes, as it sits in an SQS message body) into findings.
pub fn normalize_event(
    bytes: &[u8],
    catalogue: &Catalogue,
) -> Result<NormalizedEvent, NormalizeError> {
    // Parsed once, here, by sonic-rs onto a tape that borrows the event's strings (see `json`).
    let document = Document::parse(bytes).map_err(|e| NormalizeError::NotJson { reason: e.0 })?;
    let event = document.root();
    if !event.is_object() {
        return Err(NormalizeError::NotJson {
            reason: "the event is not a JSON object".into(),
        });
    }
    let [id, source, detail_type, account, region, time, detail] = members_named(
        event,
        [
            "id",
            "source",
            "detail-type",
            "account",
            "region",
            "time",
            "detail",
        ],
    );
    // Without an id we still want a useful error, so it is read first and leniently.
    let event_id = match non_empty(id) {
        Some(id) => id.to_string(),
        None => {
            return Err(NormalizeError::MissingField {
                event_id: "<no id>".into(),
                field: "id".into(),
            });
        }
    };
    let f = Fields::new(&event_id);
    let field = |name: &'static str| move || name.to_string();
    let envelope = Envelope {
        source: f.required(source, field("source"))?.to_string(),
        detail_type: f.required(detail_type, field("detail-type"))?.to_string(),
        account: f.required(account, field("account"))?.to_string(),
        region: f.required(region, field("region"))?.to_string(),
        time: f.required(time, field("time"))?.to_string(),
        id: event_id.clone(),
    };
    let detail = detail
        .filter(|d| d.is_object())
        .ok_or_else(|| f.missing("detail"))?;

    let findings = match (envelope.source.as_str(), envelope.detail_type.as_str()) {
        ("aws.config", CONFIG_DETAIL_TYPE) => {
            vec![config::normalize(
                &envelope,
                detail,
                catalogue,
                &f,
                bytes.len(),
            )?]
        }
        ("aws.securityhub", SECURITY_HUB_DETAIL_TYPE) => {
            securityhub::normalize(&envelope, detail, catalogue, &f, bytes.len())?
        }
        // CloudTrail-recorded calls arrive under the calling service's own source (aws.kms, aws.ec2, ...).
        (source, CLOUDTRAIL_API_CALL_DETAIL_TYPE | CONSOLE_SIGN_IN_DETAIL_TYPE)
            if source.starts_with("aws.") =>
        {
            vec![cloudtrail::normalize(
                &envelope,
                detail,
                catalogue,
                &f,
                bytes.len(),
            )?]
        }
        (source, detail_type) => {
            return Err(NormalizeError::UnsupportedSource {
                event_id,
                source_name: source.to_string(),
                detail_type: detail_type.to_string(),
            })
        }
    };
    Ok(NormalizedEvent { envelope, findings })
}

/// `record_size`: about how many bytes the record's JSON takes, to size the evidence buffer once.
fn with_evidence(
    envelope: &Envelope,
    record: Json,
    record_size: usize,
    finding: Finding,
    f: &Fields,
) -> Result<NormalizedFinding, NormalizeError> {
    let evidence = Evidence::build_sized(envelope, record, &finding, record_size)
        .map_err(|e| f.invalid("detail", e.to_string()))?;
    Ok(NormalizedFinding { finding, evidence })
}

#[cfg(test)]
mod tests;
