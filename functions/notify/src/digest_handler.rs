//! The scheduled handler: EventBridge Scheduler's event (`{"scheduled_time": …}`, the template's
//! input) digests the UTC day before it; `{"day": "YYYY-MM-DD"}` digests that day (a re-run by
//! hand). A run with any failure returns an error: Lambda retries the asynchronous invocation,
//! then sends it to the digest's dead-letter queue, whose alarm fires; a retry posts only the
//! frameworks not yet recorded.

use attest_alerts::digest::{digest_day, parse_day};
use attest_notify_workflow::digest::{Digest, DigestOutcome, TransitionsOfDay};
use attest_notify_workflow::{DeliveryLog, Poster};
use tracing::{error, info, info_span, Instrument};

/// What the digest is asked for.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestRequest {
    pub scheduled_time: Option<String>,
    pub day: Option<String>,
}

/// Why a request cannot run or did not complete; Lambda reports it as the invocation's error.
#[derive(Debug, thiserror::Error)]
pub enum DigestRunError {
    #[error("digest request: {0}")]
    Request(String),
    #[error(
        "digest of {day}: {failures} of its posts failed (see the log); retry posts only those"
    )]
    Failed { day: String, failures: usize },
}

fn day(request: &DigestRequest) -> Result<String, DigestRunError> {
    match (&request.day, &request.scheduled_time) {
        (Some(day), None) => parse_day(day),
        (None, Some(at)) => digest_day(at),
        _ => Err("give exactly one of `scheduled_time` and `day`".to_string()),
    }
    .map_err(DigestRunError::Request)
}

pub async fn handle_digest<D: DeliveryLog, T: TransitionsOfDay, P: Poster>(
    digest: &Digest<D, T, P>,
    request: DigestRequest,
) -> Result<DigestOutcome, DigestRunError> {
    let day = day(&request)?;
    let span = info_span!("digest", day = %day);
    match digest.run(&day).instrument(span.clone()).await {
        Ok(outcome) => {
            span.in_scope(|| info!(frameworks = ?outcome.frameworks, transitions = outcome.transitions_read, "digest posted"));
            Ok(outcome)
        }
        Err(failure) => {
            span.in_scope(|| {
                for f in &failure.failures {
                    error!(error = %f, retryable = f.is_retryable(), "digest failed");
                }
            });
            Err(DigestRunError::Failed {
                day,
                failures: failure.failures.len(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_names_exactly_one_day() {
        let at = |s: Option<&str>, d: Option<&str>| DigestRequest {
            scheduled_time: s.map(str::to_string),
            day: d.map(str::to_string),
        };
        assert_eq!(
            day(&at(Some("2026-12-02T00:15:00Z"), None)).unwrap(),
            "2026-12-01"
        );
        assert_eq!(day(&at(None, Some("2026-11-30"))).unwrap(), "2026-11-30");
        assert!(day(&at(None, None)).is_err());
        assert!(day(&at(Some("2026-12-02T00:15:00Z"), Some("2026-11-30"))).is_err());
        let err = day(&at(None, Some("30/11/2026"))).unwrap_err();
        assert!(err.to_string().contains("30/11/2026"), "{err}");
        let unknown: Result<DigestRequest, _> =
            serde_json::from_str(r#"{"scheduled_time":"2026-12-02T00:15:00Z","framework":"SOC2"}"#);
        assert!(unknown.is_err());
    }
}
