//! Reports an auditor can verify, as pure functions of an immutable evidence [`Snapshot`]:
//!
//! - [`snapshot`]: the evidence a report run pinned (ids, S3 version ids, SHA-256) and everything
//!   else re-rendering needs (scope, exception register, the run's recorded time);
//! - [`exceptions`]: the exception register (accepted risks with owner, rationale and expiry);
//! - [`evaluate`]: snapshot -> per-control results and summary ([`Report`]);
//! - [`render`]: the outputs (canonical JSON, CSV, HTML, PDF, OSCAL, OCSF), byte-identical for the
//!   same snapshot and template version;
//! - [`manifest`] and [`merkle`]: what the signed manifest lists and the Merkle root it carries;
//! - [`verify`]: the offline checks `attest verify` runs on a downloaded bundle, against the
//!   auditor's [`trust`] anchor for the signing key.
//!
//! Nothing here reads a clock, a random source or the network. Sample and synthetic snapshots for
//! tests live in the test-support crate `attest-report-samples`.

// The samples crate names report items as `attest_reports::...`; its file is also this crate's
// test module `sample`, so that path must resolve here too.
extern crate self as attest_reports;

pub mod error;
pub mod evaluate;
pub mod exceptions;
pub mod manifest;
pub mod merkle;
pub mod natural;
pub mod render;
pub mod request;
#[cfg(test)]
#[path = "../../report-samples/src/lib.rs"]
mod sample;
pub mod snapshot;
pub mod trust;
pub mod verify;

pub use error::ReportError;
pub use evaluate::{ControlOutcome, Report};
pub use snapshot::{EvidenceItem, Snapshot};
