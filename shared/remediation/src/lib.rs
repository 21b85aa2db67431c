//! Attest's remediation logic, pure like `attest-domain`: no AWS SDK, no clock, no network.
//!
//! - [`mode`]: what a team enables, per rule: `dry-run` (record what would be done), `approve`
//!   (wait for an operator's approval) or `auto`.
//! - [`plan`]: the allow-list. A failing rule maps to an action only when the fix cannot cause an
//!   outage (S3 default encryption with SSE-KMS, S3 block public access, restarting CloudTrail
//!   logging after `StopLogging`); anything else, RDS public access included, is for a person.
//! - [`record`]: every decision (applied, dry run, refused, skipped, failed) as a canonical JSON
//!   evidence document named by its SHA-256, with the state before, the call and the state after.

pub mod mode;
pub mod plan;
pub mod record;

pub use mode::{Mode, ModeError, RuleModes};
pub use plan::{plan, Action, Plan};
pub use record::{Approval, Decision, RemediationRecord};
