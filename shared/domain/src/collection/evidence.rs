//! The collected-evidence document: what a collector returned for a control and period, with its
//! chain of custody, in RFC 8785 canonical form, named by its SHA-256.

use serde::Serialize;

use super::controls::CollectionControl;
use crate::canonical::{self, sha256_hex, CanonicalError};
use crate::evidence::Evidence;
use crate::period::Period;

pub const COLLECTED_SCHEMA: &str = "attest.collected/v1";

/// Everything that goes into a collected evidence document. All times come from the run record.
pub struct CollectedEvidence<'a> {
    pub control: &'a CollectionControl,
    pub period: &'a Period,
    pub collector_version: &'a str,
    pub collected_at: &'a str,
    pub collected_by: &'a str,
    pub account: &'a str,
    pub payload: &'a serde_json::Value,
}

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    control: ControlPart<'a>,
    period: PeriodPart<'a>,
    collector: CollectorPart<'a>,
    collected_at: &'a str,
    collected_by: &'a str,
    account: &'a str,
    payload: &'a serde_json::Value,
}

#[derive(Serialize)]
struct ControlPart<'a> {
    id: &'a str,
    framework: &'a str,
    control_id: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct PeriodPart<'a> {
    start: &'a str,
    end: &'a str,
}

#[derive(Serialize)]
struct CollectorPart<'a> {
    id: &'a str,
    version: &'a str,
}

impl CollectedEvidence<'_> {
    /// Canonical bytes, hash, and key `collected/{account}/{control}/{start}_{end}/{sha256}.json`.
    pub fn build(&self) -> Result<Evidence, CanonicalError> {
        let doc = Document {
            schema: COLLECTED_SCHEMA,
            control: ControlPart {
                id: &self.control.id,
                framework: &self.control.framework,
                control_id: &self.control.control_id,
                name: &self.control.name,
            },
            period: PeriodPart {
                start: self.period.start.as_str(),
                end: self.period.end.as_str(),
            },
            collector: CollectorPart {
                id: &self.control.collector,
                version: self.collector_version,
            },
            collected_at: self.collected_at,
            collected_by: self.collected_by,
            account: self.account,
            payload: self.payload,
        };
        let bytes = canonical::serialize(&doc)?;
        let sha256 = sha256_hex(&bytes);
        let key = format!(
            "collected/{}/{}/{}/{sha256}.json",
            self.account,
            self.control.id,
            self.period.compact()
        );
        Ok(Evidence { key, sha256, bytes })
    }
}
