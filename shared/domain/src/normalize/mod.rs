//! EventBridge event -> normalised findings, each with its evidence document.
//!
//! One entry point, [`normalize_event`], reads the event strictly ([`crate::ijson`]: no repeated
//! member names, bounded size and nesting), reads the envelope through a typed view and dispatches
//! on source and detail-type. Each source's rules live in their own module; each record keeps its
//! raw value for the evidence document.

mod cloudtrail;
mod config;
mod fields;
mod from_evidence;
mod resource_types;
mod securityhub;
mod securityhub_batch;
mod securityhub_ocsf;

use crate::catalogue::Catalogue;
use crate::error::NormalizeError;
use crate::evidence::Evidence;
use crate::finding::Finding;
use crate::ijson;
use crate::timestamp::Timestamp;
use fields::{view, Field, Fields};
use serde_json::Value;

pub use from_evidence::{normalize_evidence, EvidenceReadError};

pub const CONFIG_DETAIL_TYPE: &str = "Config Rules Compliance Change";
pub const SECURITY_HUB_DETAIL_TYPE: &str = "Security Hub Findings - Imported";
/// The new AWS Security Hub's OCSF findings (the original service is now "Security Hub CSPM").
pub const SECURITY_HUB_OCSF_DETAIL_TYPE: &str = "Findings Imported V2";
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
    /// Security Hub `ProductArn` as the finding gives it (`None` for other sources, or if absent):
    /// what [`crate::admission`] checks the finding's provenance by.
    pub product_arn: Option<String>,
    /// The event field `finding.observed_at` was read from (`UpdatedAt`, `detail.eventTime`, ...),
    /// for errors about it.
    pub observed_at_field: &'static str,
}

#[derive(Debug, Clone)]
pub struct NormalizedEvent {
    pub envelope: Envelope,
    pub findings: Vec<NormalizedFinding>,
    /// Records of a batch (Security Hub's `detail.findings`) that did not normalise while others
    /// did, each error naming its record (`detail.findings[1].…`). Their neighbours are not held
    /// back by them; whoever stores the findings must still fail the event, so the bad record
    /// reaches the dead-letter queue and its alarm. An event none of whose records normalise is
    /// an `Err`, not an empty list.
    pub refused: Vec<NormalizeError>,
}

/// The envelope members normalisation reads.
#[derive(serde::Deserialize, Default)]
#[serde(default, bound(deserialize = "'de: 'a"))]
struct EnvelopeView<'a> {
    id: Field<'a>,
    source: Field<'a>,
    #[serde(rename = "detail-type")]
    detail_type: Field<'a>,
    account: Field<'a>,
    region: Field<'a>,
    time: Field<'a>,
}

/// Parse one EventBridge event (raw bytes, as it sits in an SQS message body) into findings.
pub fn normalize_event(
    bytes: &[u8],
    catalogue: &Catalogue,
) -> Result<NormalizedEvent, NormalizeError> {
    let event = ijson::parse(bytes, &ijson::EVENT).map_err(NormalizeError::from)?;
    if !event.is_object() {
        return Err(NormalizeError::NotJson {
            reason: "the event is not a JSON object".into(),
        });
    }
    // Without an id we still want a useful error, so it is read first and leniently.
    let no_id = Fields::new("<no id>");
    let fields: EnvelopeView = view(&event, "envelope", &no_id)?;
    let event_id = match fields.id.non_empty() {
        Some(id) => id.to_string(),
        None => return Err(no_id.missing("id")),
    };
    let f = Fields::new(&event_id);
    let field = |name: &'static str| move || name.to_string();
    let envelope = Envelope {
        source: f.required(fields.source, field("source"))?.to_string(),
        detail_type: f
            .required(fields.detail_type, field("detail-type"))?
            .to_string(),
        account: f.required(fields.account, field("account"))?.to_string(),
        region: f.required(fields.region, field("region"))?.to_string(),
        time: f.required(fields.time, field("time"))?.to_string(),
        id: event_id.clone(),
    };
    // Kept as it arrived in the envelope (and so in the evidence); parsed for ordering.
    let delivered_at = f.required_timestamp(fields.time, field("time"))?;
    let detail = event
        .get("detail")
        .filter(|d| d.is_object())
        .ok_or_else(|| f.missing("detail"))?;

    let context = Source {
        envelope: &envelope,
        delivered_at: &delivered_at,
        catalogue,
        f: &f,
    };
    let (findings, refused) = match (envelope.source.as_str(), envelope.detail_type.as_str()) {
        ("aws.config", CONFIG_DETAIL_TYPE) => (vec![config::normalize(context, detail)?], vec![]),
        ("aws.securityhub", SECURITY_HUB_DETAIL_TYPE) => {
            each_record(securityhub::normalize(context, detail)?)?
        }
        ("aws.securityhub", SECURITY_HUB_OCSF_DETAIL_TYPE) => {
            each_record(securityhub_ocsf::normalize(context, detail)?)?
        }
        // CloudTrail-recorded calls arrive under the calling service's own source (aws.kms, aws.ec2, ...).
        (source, CLOUDTRAIL_API_CALL_DETAIL_TYPE | CONSOLE_SIGN_IN_DETAIL_TYPE)
            if source.starts_with("aws.") =>
        {
            (vec![cloudtrail::normalize(context, detail)?], vec![])
        }
        (source, detail_type) => {
            return Err(NormalizeError::UnsupportedSource {
                event_id,
                source_name: source.to_string(),
                detail_type: detail_type.to_string(),
            })
        }
    };
    Ok(NormalizedEvent {
        envelope,
        findings,
        refused,
    })
}

/// The errors of a batch's refused records ([`NormalizedEvent::refused`]) as one line, for logs.
pub fn describe_refused(refused: &[NormalizeError]) -> String {
    refused
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// One batch's records, each normalised on its own: the findings of those that normalised and the
/// errors of those that did not, or the first error when none did.
type RecordResults = Vec<Result<Vec<NormalizedFinding>, NormalizeError>>;

fn each_record(
    records: RecordResults,
) -> Result<(Vec<NormalizedFinding>, Vec<NormalizeError>), NormalizeError> {
    let (mut findings, mut refused) = (Vec::new(), Vec::new());
    for record in records {
        match record {
            Ok(found) => findings.extend(found),
            Err(e) => refused.push(e),
        }
    }
    if findings.is_empty() && !refused.is_empty() {
        return Err(refused.swap_remove(0));
    }
    Ok((findings, refused))
}

/// What each source's normaliser reads besides its own `detail`.
#[derive(Clone, Copy)]
struct Source<'a> {
    envelope: &'a Envelope,
    /// The envelope `time`, parsed.
    delivered_at: &'a Timestamp,
    catalogue: &'a Catalogue,
    /// Names the event and field in every error.
    f: &'a Fields<'a>,
}

/// What a normaliser knows about a finding besides the finding itself.
struct Origin {
    product_arn: Option<String>,
    observed_at_field: &'static str,
    /// The finding's resource's index in its record, when the record names several.
    resource: Option<usize>,
}

/// `finding` with the evidence made from `record`, its source record.
fn with_evidence(
    envelope: &Envelope,
    record: &Value,
    finding: Finding,
    origin: Origin,
    f: &Fields,
) -> Result<NormalizedFinding, NormalizeError> {
    let evidence = Evidence::build(envelope, record, origin.resource, &finding)
        .map_err(|e| f.invalid("detail", e.to_string()))?;
    Ok(NormalizedFinding {
        finding,
        evidence,
        product_arn: origin.product_arn,
        observed_at_field: origin.observed_at_field,
    })
}

#[cfg(test)]
mod tests;
