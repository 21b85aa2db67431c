//! Which of two evaluations of one state (one account, region, rule and resource) is the newer.
//!
//! The order, defined once here, is:
//! 1. the evaluation's own time (`observed_at`: Config `orderingTimestamp`, Security Hub
//!    `UpdatedAt`, CloudTrail `eventTime`);
//! 2. when AWS delivered it: the EventBridge envelope `time` (`delivered_at`). Security Hub's
//!    `BatchUpdateFindings` (suppress, unsuppress, notes) leaves `UpdatedAt` unchanged, but each
//!    change is a new event with a later envelope time, so the change always lands;
//! 3. the evidence hash, so two evaluations delivered in the same second still have one
//!    deterministic order.
//!
//! Every key comes from the evidence document (the record and its envelope, whose `time` is kept
//! as it arrived), so a reader of the evidence can re-derive the order; nothing depends on the
//! clock. Only AWS can publish events whose `source` starts with `aws.`, so the envelope time is
//! AWS's, not the finding provider's.
//!
//! Stored rows carry the order as one fixed-width string attribute, `precedence`
//! (`{observed_at}#{delivered_at}#{sha256}`, times in the fixed-width [`Timestamp`] form), so
//! DynamoDB's string comparison in a condition is this order. Rows written before the attribute
//! existed have no delivered time: they order as if delivered before any delivered time
//! ([`Precedence::of_row`], key `{observed_at}##{sha256}`; `#` sorts before every digit), so a
//! newer evaluation, or a workflow change with the same `observed_at`, replaces them.

use thiserror::Error;

use crate::evidence::Evidence;
use crate::finding::Finding;
use crate::records::FindingFields;
use crate::timestamp::Timestamp;

/// The position of one evaluation in the order of its state's evaluations. `Ord` is the order
/// (field by field, a missing delivered time first), and equals the string order of [`Self::key`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Precedence {
    observed_at: Timestamp,
    /// `None` only for rows written before the delivered time was recorded.
    delivered_at: Option<Timestamp>,
    /// 64 lower-case hex digits.
    evidence_sha256: String,
}

/// A stored precedence or row that does not hold the order's keys.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("precedence `{text}` is invalid: {reason}")]
pub struct PrecedenceError {
    pub text: String,
    pub reason: String,
}

impl Precedence {
    /// The precedence of a finding and its evidence (what intake writes).
    pub fn of(finding: &Finding, evidence: &Evidence) -> Self {
        Precedence {
            observed_at: finding.observed_at.clone(),
            delivered_at: Some(finding.delivered_at.clone()),
            evidence_sha256: evidence.sha256.clone(),
        }
    }

    /// The precedence of a stored current-state or history row: its `precedence` attribute, or
    /// for a row written before that attribute existed, its observed time and evidence hash with
    /// no delivered time (ordering before any evaluation of the same time that has one).
    pub fn of_row(fields: &FindingFields) -> Result<Self, PrecedenceError> {
        match &fields.precedence {
            Some(key) => Self::parse(key),
            None => {
                let observed_at =
                    Timestamp::parse(&fields.observed_at).map_err(|reason| PrecedenceError {
                        text: fields.observed_at.clone(),
                        reason: format!("observed_at: {reason}"),
                    })?;
                Ok(Precedence {
                    observed_at,
                    delivered_at: None,
                    evidence_sha256: hash(&fields.evidence_sha256)?,
                })
            }
        }
    }

    /// Read a stored [`Self::key`]. Only the fixed-width form is accepted, so that the string
    /// order of accepted keys stays the order.
    pub fn parse(text: &str) -> Result<Self, PrecedenceError> {
        let invalid = |reason: &str| PrecedenceError {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let mut parts = text.split('#');
        let (Some(observed), Some(delivered), Some(sha256), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid("expected `{observed_at}#{delivered_at}#{sha256}`"));
        };
        let time = |t: &str, what: &str| match Timestamp::parse(t) {
            Ok(parsed) if parsed.as_str() == t => Ok(parsed),
            _ => Err(invalid(&format!(
                "{what} is not a time in the form YYYY-MM-DDTHH:MM:SS.mmmZ"
            ))),
        };
        Ok(Precedence {
            observed_at: time(observed, "observed_at")?,
            delivered_at: match delivered {
                "" => None,
                d => Some(time(d, "delivered_at")?),
            },
            evidence_sha256: hash(sha256).map_err(|e| invalid(&e.reason))?,
        })
    }

    /// The stored form: `{observed_at}#{delivered_at}#{sha256}` (`{observed_at}##{sha256}` with no
    /// delivered time). Fixed width, so string order is [`Ord`].
    pub fn key(&self) -> String {
        let delivered = self.delivered_at.as_ref().map_or("", Timestamp::as_str);
        [
            self.observed_at.as_str(),
            "#",
            delivered,
            "#",
            &self.evidence_sha256,
        ]
        .concat()
    }

    pub fn observed_at(&self) -> &Timestamp {
        &self.observed_at
    }

    pub fn delivered_at(&self) -> Option<&Timestamp> {
        self.delivered_at.as_ref()
    }

    pub fn evidence_sha256(&self) -> &str {
        &self.evidence_sha256
    }
}

impl std::fmt::Display for Precedence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

fn hash(text: &str) -> Result<String, PrecedenceError> {
    if text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(text.to_string())
    } else {
        Err(PrecedenceError {
            text: text.to_string(),
            reason: "the evidence hash is not 64 lower-case hex digits".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(observed: &str, delivered: Option<&str>, sha: char) -> Precedence {
        Precedence {
            observed_at: Timestamp::parse(observed).unwrap(),
            delivered_at: delivered.map(|d| Timestamp::parse(d).unwrap()),
            evidence_sha256: sha.to_string().repeat(64),
        }
    }

    #[test]
    fn observed_time_then_delivered_time_then_hash() {
        let ordered = [
            p("2026-11-02T09:00:00Z", None, 'f'),
            p("2026-11-02T09:00:00Z", Some("2026-11-02T09:00:01Z"), 'f'),
            // A workflow change: same UpdatedAt, delivered later, smaller hash: still newer.
            p("2026-11-02T09:00:00Z", Some("2026-11-02T10:00:00Z"), '0'),
            p("2026-11-02T09:00:00Z", Some("2026-11-02T10:00:00Z"), '1'),
            // A later observation wins whatever its delivery time.
            p(
                "2026-11-02T09:00:00.001Z",
                Some("2026-11-02T09:00:00Z"),
                '0',
            ),
        ];
        for pair in ordered.windows(2) {
            assert!(pair[0] < pair[1], "{} < {}", pair[0], pair[1]);
            assert!(pair[0].key() < pair[1].key(), "string order is the order");
        }
    }

    #[test]
    fn the_key_reads_back_as_itself_and_is_fixed_width() {
        for q in [
            p("2026-11-02T09:00:00Z", Some("2026-11-02T09:00:05Z"), 'a'),
            p("2026-11-02T09:00:00Z", None, 'a'),
        ] {
            assert_eq!(Precedence::parse(&q.key()).unwrap(), q);
        }
        let key = p("2026-11-02T09:00:00Z", Some("2026-11-02T09:00:05Z"), 'a').key();
        assert_eq!(
            key,
            format!(
                "2026-11-02T09:00:00.000Z#2026-11-02T09:00:05.000Z#{}",
                "a".repeat(64)
            )
        );
    }

    #[test]
    fn a_key_not_in_the_fixed_width_form_is_refused() {
        let sha = "a".repeat(64);
        for bad in [
            format!("2026-11-02T09:00:00Z#2026-11-02T09:00:05.000Z#{sha}"),
            format!("2026-11-02T09:00:00.000Z#{sha}"),
            "2026-11-02T09:00:00.000Z#2026-11-02T09:00:05.000Z#ABC".to_string(),
            format!("2026-11-02T09:00:00.000Z##{sha}#x"),
        ] {
            let err = Precedence::parse(&bad).unwrap_err();
            assert_eq!(err.text, bad);
        }
    }
}
