//! The run record: one per (control, period), the chain of custody of one piece of collected evidence.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunStatus {
    /// Claimed by an invocation that is collecting now (until `lease_until`).
    Pending,
    Collected,
    /// The last attempt failed; `error` says why. The next trigger retries it.
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Pending => "PENDING",
            RunStatus::Collected => "COLLECTED",
            RunStatus::Failed => "FAILED",
        }
    }
}

/// DynamoDB row of the runs table: `pk` = `RUN#{control}`, `sk` = `{period_start}/{period_end}`;
/// index `ByStatus` (`status`, `status_sort` = `{period_end}#{control}`) lists failed runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    pub pk: String,
    pub sk: String,
    pub control: String,
    pub framework: String,
    pub control_id: String,
    pub period_start: String,
    pub period_end: String,
    pub collector: String,
    pub collector_version: String,
    pub status: RunStatus,
    pub status_sort: String,
    pub attempts: u32,
    /// The invocation holding the claim, and until when (a crashed invocation's claim expires).
    pub claimed_by: String,
    pub lease_until: String,
    pub catalogue_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<String>,
    /// The AWS identity (STS caller ARN) that collected the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_version_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub fn run_pk(control: &str) -> String {
    format!("RUN#{control}")
}

pub fn run_sk(period: &super::Period) -> String {
    format!("{}/{}", period.start, period.end)
}

/// A control definition as deployed, kept in the runs table: `pk` = `CONTROL#{id}`,
/// `sk` = `DEFINITION#{catalogue_version}`. Written once per catalogue version, so the table shows
/// every definition that was ever in force and which runs (by `catalogue_version`) used it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlDefinitionRow {
    pub pk: String,
    pub sk: String,
    pub catalogue_version: String,
    pub schedule: String,
    pub control: super::CollectionControl,
}

impl ControlDefinitionRow {
    pub fn new(control: &super::CollectionControl, catalogue_version: &str) -> Self {
        ControlDefinitionRow {
            pk: format!("CONTROL#{}", control.id),
            sk: format!("DEFINITION#{catalogue_version}"),
            catalogue_version: catalogue_version.to_string(),
            schedule: control.schedule.clone(),
            control: control.clone(),
        }
    }
}
