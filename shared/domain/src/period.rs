//! A half-open interval `[start, end)` of observation time: what a collection run and a report
//! each cover.
//!
//! In serialised form a period is two members, `period_start` and `period_end`, meant to be
//! flattened into the record that has the period (report run header, snapshot, manifest). Each end
//! is written in its shortest exact RFC 3339 UTC form: `2026-11-01T00:00:00Z` for a whole second,
//! `2026-11-01T00:00:00.250Z` otherwise.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::timestamp::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("period `{text}` is invalid: {reason}")]
pub struct PeriodError {
    pub text: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "PeriodFields", try_from = "PeriodFields")]
pub struct Period {
    pub start: Timestamp,
    pub end: Timestamp,
}

/// The serialised form: both ends as RFC 3339 text.
#[derive(Serialize, Deserialize)]
struct PeriodFields {
    period_start: String,
    period_end: String,
}

impl Period {
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Self, PeriodError> {
        if start >= end {
            let reason = if start == end {
                "the period is empty (start equals end)"
            } else {
                "the period is inverted (start after end)"
            };
            return Err(PeriodError {
                text: format!("{}/{}", start.rfc3339(), end.rfc3339()),
                reason: reason.into(),
            });
        }
        Ok(Period { start, end })
    }

    /// Parse `START/END`, both RFC 3339.
    pub fn parse(text: &str) -> Result<Self, PeriodError> {
        let (start, end) = text.split_once('/').ok_or_else(|| PeriodError {
            text: text.to_string(),
            reason: "expected START/END".into(),
        })?;
        Period::from_ends(start, end)
    }

    /// A period from its two ends as RFC 3339 text (a run record's or a request's).
    pub fn from_ends(start: &str, end: &str) -> Result<Self, PeriodError> {
        let invalid = |reason: String| PeriodError {
            text: format!("{start}/{end}"),
            reason,
        };
        Period::new(
            Timestamp::parse(start).map_err(invalid)?,
            Timestamp::parse(end).map_err(invalid)?,
        )
        .map_err(|e| invalid(e.reason))
    }

    /// Both ends in their shortest exact RFC 3339 form (as serialised), for display.
    pub fn rfc3339_ends(&self) -> (String, String) {
        (self.start.rfc3339(), self.end.rfc3339())
    }

    /// Whether `at` falls in `[start, end)`.
    pub fn contains(&self, at: &Timestamp) -> bool {
        self.start <= *at && *at < self.end
    }

    /// Whether the two periods share an instant (touching ends do not: both are half-open).
    pub fn overlaps(&self, other: &Period) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// The UTC days (`YYYY-MM-DD`) the period touches, in order: the day partitions to read.
    pub fn days(&self) -> Vec<String> {
        let (Some(mut day), Some(last)) = (self.start.day(), self.end.day()) else {
            return Vec::new();
        };
        let end_is_midnight = self.end.as_str().get(10..) == Some("T00:00:00.000Z");
        let mut out = Vec::new();
        while day < last || (day == last && !end_is_midnight) {
            out.push(day.to_string());
            match day.next_day() {
                Some(next) => day = next,
                None => break,
            }
        }
        out
    }

    /// `20261125T120000Z`-style form of both ends, for object keys.
    pub fn compact(&self) -> String {
        let squash = |t: &Timestamp| t.as_str()[..19].replace(['-', ':'], "") + "Z";
        format!("{}_{}", squash(&self.start), squash(&self.end))
    }
}

/// `START/END` in the fixed-width millisecond form (collection run keys are built from it).
impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.start, self.end)
    }
}

impl From<Period> for PeriodFields {
    fn from(period: Period) -> Self {
        let (period_start, period_end) = period.rfc3339_ends();
        PeriodFields {
            period_start,
            period_end,
        }
    }
}

impl TryFrom<PeriodFields> for Period {
    type Error = PeriodError;
    fn try_from(fields: PeriodFields) -> Result<Self, PeriodError> {
        Period::from_ends(&fields.period_start, &fields.period_end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(text: &str) -> Period {
        Period::parse(text).unwrap()
    }

    #[test]
    fn periods_parse_and_must_run_forwards() {
        let p = period("2026-11-01T00:00:00Z/2026-12-01T00:00:00Z");
        assert_eq!(p.compact(), "20261101T000000Z_20261201T000000Z");
        let inverted = Period::parse("2026-12-01T00:00:00Z/2026-11-01T00:00:00Z").unwrap_err();
        assert!(inverted.reason.contains("inverted"), "{inverted}");
        let empty = Period::parse("2026-12-01T00:00:00Z/2026-12-01T00:00:00Z").unwrap_err();
        assert!(empty.reason.contains("empty"), "{empty}");
        let garbage = Period::parse("yesterday").unwrap_err();
        assert!(garbage.to_string().contains("yesterday"), "{garbage}");
    }

    #[test]
    fn serialises_as_two_members_in_shortest_exact_form() {
        let p = period("2026-11-01T00:00:00Z/2026-11-01T12:00:00.250+02:00");
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"period_start":"2026-11-01T00:00:00Z","period_end":"2026-11-01T10:00:00.250Z"}"#
        );
        assert_eq!(serde_json::from_str::<Period>(&json).unwrap(), p);
        let inverted =
            r#"{"period_start":"2026-11-02T00:00:00Z","period_end":"2026-11-01T00:00:00Z"}"#;
        let err = serde_json::from_str::<Period>(inverted).unwrap_err();
        assert!(err.to_string().contains("inverted"), "{err}");
    }

    #[test]
    fn contains_and_overlaps_are_half_open() {
        let november = period("2026-11-01T00:00:00Z/2026-12-01T00:00:00Z");
        let at = |t: &str| Timestamp::parse(t).unwrap();
        assert!(november.contains(&at("2026-11-01T00:00:00Z")));
        assert!(november.contains(&at("2026-11-30T23:59:59.999Z")));
        assert!(!november.contains(&at("2026-12-01T00:00:00Z")));
        assert!(!november.contains(&at("2026-10-31T23:59:59.999Z")));
        // A daily run that starts as the month ends belongs to December, not November.
        assert!(!november.overlaps(&period("2026-12-01T00:00:00Z/2026-12-02T00:00:00Z")));
        assert!(!november.overlaps(&period("2026-10-31T00:00:00Z/2026-11-01T00:00:00Z")));
        assert!(november.overlaps(&period("2026-11-30T23:00:00Z/2026-12-01T01:00:00Z")));
        assert!(november.overlaps(&period("2026-10-01T00:00:00Z/2027-01-01T00:00:00Z")));
    }

    #[test]
    fn days_are_the_partitions_the_period_touches() {
        assert_eq!(
            period("2026-11-29T00:00:00Z/2026-12-01T00:00:00Z").days(),
            ["2026-11-29", "2026-11-30"]
        );
        assert_eq!(
            period("2026-11-29T12:00:00Z/2026-11-30T00:00:01Z").days(),
            ["2026-11-29", "2026-11-30"]
        );
        assert_eq!(
            period("2026-11-29T12:00:00Z/2026-11-29T13:00:00Z").days(),
            ["2026-11-29"]
        );
    }
}
