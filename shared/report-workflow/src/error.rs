use attest_aws::AdapterError;
use attest_reports::ReportError;
use thiserror::Error;

/// Why a report run stopped. Only AWS failures that may pass are worth a retry; the others fail
/// the same way again (a bad request, evidence that changed or disappeared, a bundle that does not
/// verify).
#[derive(Debug, Error)]
pub enum ReportRunError {
    /// The request itself is wrong (unknown framework, bad period): retrying cannot help.
    #[error("bad report request: {0}")]
    Request(#[from] ReportError),
    #[error(transparent)]
    Aws(#[from] AdapterError),
    #[error("evidence object {key} named by {record} is missing from the evidence bucket")]
    MissingEvidence { key: String, record: String },
    #[error(
        "evidence object {key}: stored SHA-256 {stored:?} differs from the recorded {recorded} (named by {record})"
    )]
    EvidenceHash {
        key: String,
        stored: Option<String>,
        recorded: String,
        record: String,
    },
    #[error("stored snapshot {key} hashes to {actual}, the run record says {recorded}")]
    SnapshotChanged {
        key: String,
        actual: String,
        recorded: String,
    },
    /// A stored row the report rests on cannot be read (a time that does not parse): retrying
    /// reads the same row.
    #[error("{record} is malformed: {reason}")]
    BadRecord { record: String, reason: String },
    /// A stored row says something its own evidence object does not (an edited row, or a writer
    /// that lied): the report refuses to rest on it.
    #[error("{record} disagrees with its evidence object {key} in: {fields}")]
    RowDisagrees {
        record: String,
        key: String,
        fields: String,
    },
    /// An evidence object that does not normalise to a finding with the code intake runs.
    #[error("evidence object {key} named by {record} cannot be read as evidence: {source}")]
    UnreadableEvidence {
        key: String,
        record: String,
        source: Box<attest_domain::EvidenceReadError>,
    },
    /// `--amend RUN_ID` names no published run of the same framework and period.
    #[error("cannot amend report run {run_id}: {reason}")]
    AmendedRun { run_id: String, reason: String },
    /// KMS answered with something that is not a P-256 key named by a key ARN.
    #[error("signing key: {0}")]
    Signer(String),
    /// The stored manifest names another key than the signer now uses: a published manifest is
    /// never rewritten, and a key it does not name must not sign it.
    #[error("the stored manifest names signing key {manifest_key}, but the signer now signs with {signer_key}; configure the key the manifest names to finish this run, or request a new run")]
    SigningKeyChanged {
        manifest_key: String,
        signer_key: String,
    },
    /// The run store refused to write the run record (it is PUBLISHED, or names another
    /// snapshot): the record is left as it is.
    #[error("run record {key}: writing {wanted} was refused, the stored record is {stored}{}", .after.as_deref().map(|a| format!(" (this attempt failed: {a})")).unwrap_or_default())]
    RecordRefused {
        key: String,
        wanted: &'static str,
        stored: String,
        after: Option<String>,
    },
    #[error("verification after upload failed: {0}")]
    Verification(String),
    /// A catalogue compiled into this build does not load: a build defect, named by file and row.
    #[error("catalogue: {0}")]
    Catalogue(String),
}

impl ReportRunError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, ReportRunError::Aws(e) if e.is_retryable())
    }
}
