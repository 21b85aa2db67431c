//! Scheduled evidence collection, the pure half: which controls are collected on what schedule
//! (`catalogue/controls.json`), which period a run covers, the run record, and the collected
//! evidence document. The collection workflow is
//! `attest-collect-workflow`; the collectors, which call AWS, are in `attest-collectors`.

pub mod controls;
pub mod evidence;
pub mod request;
pub mod run;
pub mod schedule;

pub use crate::period::Period;
pub use controls::{CollectionControl, ControlCatalogue};
pub use request::{requested_period, PeriodRequestError};
pub use run::{RunRecord, RunStatus};
pub use schedule::{Schedule, ScheduleError};

/// Ids of the collectors this release ships, for code that reads the catalogue without running
/// collectors (the report function). `attest-collectors` tests that its registry has exactly these.
pub const COLLECTOR_IDS: [&str; 12] = [
    "cloudtrail.trail_status",
    "config.recorder_status",
    "config.rule_compliance",
    "ec2.ebs_default_encryption",
    "ec2.vpc_flow_logs",
    "guardduty.detectors",
    "iam.credential_report",
    "iam.password_policy",
    "kms.key_rotation",
    "rds.instance_posture",
    "s3.bucket_posture",
    "securityhub.findings",
];
