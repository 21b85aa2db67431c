//! Attest's pure compliance logic. Everything an auditor would want to read lives here, and none of
//! it touches the network or an AWS SDK type:
//!
//! - [`normalize`]: EventBridge events (AWS Config, Security Hub, CloudTrail) -> [`Finding`]s.
//! - [`catalogue`]: the versioned control catalogue (data files under `catalogue/`) that maps rules,
//!   Security Hub controls and CloudTrail calls to framework controls.
//! - [`ijson`]: the strict JSON reader (serde_json, refusing repeated member names, bounded size and
//!   nesting) every event and canonicalised document goes through.
//! - [`canonical`]: RFC 8785 canonical JSON (`serde_json_canonicalizer`) and SHA-256.
//! - [`evidence`]: the evidence document stored in S3 and its content-addressed key.
//! - [`records`]: the DynamoDB rows (current state, per-control state, history) as plain structs.

pub mod admission;
pub mod canonical;
pub mod catalogue;
pub mod collection;
pub mod error;
pub mod evidence;
pub mod finding;
pub mod ijson;
pub mod normalize;
pub mod period;
pub mod precedence;
pub mod records;
pub mod timestamp;

#[cfg(test)]
mod test_json;

pub use admission::{Admission, AdmissionError, ProductArn};
pub use catalogue::Catalogue;
pub use error::NormalizeError;
pub use evidence::Evidence;
pub use finding::{
    ComplianceStatus, ControlRef, Disposition, Finding, FindingSource, Severity, Subject,
};
pub use normalize::{normalize_event, normalize_evidence, EvidenceReadError, NormalizedEvent};
pub use period::{Period, PeriodError};
pub use precedence::{Precedence, PrecedenceError};
