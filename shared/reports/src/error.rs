use thiserror::Error;

/// What went wrong building or rendering a report; every variant names the thing at fault.
#[derive(Debug, Error)]
pub enum ReportError {
    #[error("unknown framework `{0}` (known: {1})")]
    UnknownFramework(String, String),
    #[error("period `{0}`: {1}")]
    BadPeriod(String, String),
    #[error("snapshot: {0}")]
    BadSnapshot(String),
    #[error("exception register row {row}: {reason}")]
    BadException { row: usize, reason: String },
    #[error("rendering {output}: {reason}")]
    Render {
        output: &'static str,
        reason: String,
    },
}
