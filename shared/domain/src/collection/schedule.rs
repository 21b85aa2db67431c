//! AWS EventBridge Scheduler cron expressions and the period a scheduled run covers.
//!
//! A run fired at time T covers [previous fire time, T): derived from the schedule and the run's
//! scheduled time (which Scheduler passes in), never from the wall clock, so a late or retried run
//! covers exactly the same period as the on-time one.

use chrono::{DateTime, SecondsFormat, Utc};
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;
use thiserror::Error;

use crate::period::{Period, PeriodError};
use crate::timestamp::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScheduleError {
    #[error("schedule `{expression}` is invalid: {reason}")]
    Invalid { expression: String, reason: String },
    #[error(transparent)]
    Period(#[from] PeriodError),
    #[error("schedule `{0}` has no fire time before {1}")]
    NoPreviousFireTime(String, String),
}

#[derive(Debug, Clone)]
pub struct Schedule {
    expression: String,
    cron: Cron,
}

/// Largest value of each AWS cron field (minutes, hours, day-of-month, month, day-of-week, year),
/// for rewriting AWS's `N/S` steps as `N-MAX/S`, the form croner accepts.
const FIELD_MAX: [u32; 6] = [59, 23, 31, 12, 7, 2199];

impl Schedule {
    /// Parse `cron(min hour day-of-month month day-of-week year)` with AWS's rules: six fields,
    /// exactly one of day-of-month and day-of-week is `?`, day-of-week 1-7 is SUN-SAT.
    /// `rate()` and `at()` expressions are refused: a period needs fixed fire times.
    pub fn parse(expression: &str) -> Result<Self, ScheduleError> {
        let invalid = |reason: &str| ScheduleError::Invalid {
            expression: expression.to_string(),
            reason: reason.to_string(),
        };
        let inner = expression
            .trim()
            .strip_prefix("cron(")
            .and_then(|s| s.strip_suffix(')'))
            .ok_or_else(|| invalid("expected cron(minutes hours day-of-month month day-of-week year); rate() and at() have no fixed fire times"))?;
        let fields: Vec<&str> = inner.split_whitespace().collect();
        if fields.len() != 6 {
            return Err(invalid("a cron expression has exactly six fields"));
        }
        if (fields[2] == "?") == (fields[4] == "?") {
            return Err(invalid(
                "exactly one of day-of-month and day-of-week must be `?`",
            ));
        }
        let rewritten: Vec<String> = fields
            .iter()
            .zip(FIELD_MAX)
            .map(|(field, max)| {
                field
                    .split(',')
                    .map(|part| match part.split_once('/') {
                        Some((from, step))
                            if from.chars().all(|c| c.is_ascii_digit()) && !from.is_empty() =>
                        {
                            format!("{from}-{max}/{step}")
                        }
                        _ => part.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        let pattern = format!("0 {}", rewritten.join(" "));
        let parser = CronParser::builder()
            .seconds(Seconds::Required)
            .year(Year::Required)
            .alternative_weekdays(true)
            .build();
        let cron = parser
            .parse(&pattern)
            .map_err(|e| invalid(&e.to_string()))?;
        Ok(Schedule {
            expression: expression.trim().to_string(),
            cron,
        })
    }

    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The period covered by the run Scheduler fired for `scheduled`: it ends at the latest fire time
    /// at or before `scheduled` and starts at the fire time before that.
    pub fn period_for(&self, scheduled: &Timestamp) -> Result<Period, ScheduleError> {
        let at = to_chrono(scheduled);
        let end = if self.cron.is_time_matching(&at).unwrap_or(false) {
            at
        } else {
            self.previous(&at, scheduled)?
        };
        let start = self.previous(&end, scheduled)?;
        Ok(Period::new(from_chrono(&start), from_chrono(&end))?)
    }

    /// Fire times strictly after `after`, for tests, demos and benchmarks.
    pub fn fire_times_after(&self, after: &Timestamp, count: usize) -> Vec<Timestamp> {
        self.cron
            .iter_after(to_chrono(after))
            .take(count)
            .map(|t| from_chrono(&t))
            .collect()
    }

    fn previous(
        &self,
        before: &DateTime<Utc>,
        scheduled: &Timestamp,
    ) -> Result<DateTime<Utc>, ScheduleError> {
        self.cron
            .find_previous_occurrence(before, false)
            .map_err(|_| {
                ScheduleError::NoPreviousFireTime(self.expression.clone(), scheduled.to_string())
            })
    }
}

fn to_chrono(t: &Timestamp) -> DateTime<Utc> {
    // Timestamp is always valid RFC 3339 in UTC, so this cannot fail; fall back to the epoch anyway.
    DateTime::parse_from_rfc3339(t.as_str())
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

fn from_chrono(t: &DateTime<Utc>) -> Timestamp {
    // Formatting a valid time as RFC 3339 always parses back.
    Timestamp::parse(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_else(|_| unreachable_timestamp())
}

fn unreachable_timestamp() -> Timestamp {
    Timestamp::parse("1970-01-01T00:00:00Z")
        .unwrap_or_else(|_| unreachable!("the epoch is a valid RFC 3339 time"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn hourly_period_is_previous_to_this_fire_time() {
        let s = Schedule::parse("cron(0 * * * ? *)").unwrap();
        let p = s.period_for(&ts("2026-11-25T12:00:00Z")).unwrap();
        assert_eq!(
            p.to_string(),
            "2026-11-25T11:00:00.000Z/2026-11-25T12:00:00.000Z"
        );
        // A late or retried run, with the same scheduled time or a little after, covers the same period.
        assert_eq!(s.period_for(&ts("2026-11-25T12:07:31Z")).unwrap(), p);
    }

    #[test]
    fn daily_weekday_and_quarterly_periods() {
        let daily = Schedule::parse("cron(0 2 * * ? *)").unwrap();
        assert_eq!(
            daily
                .period_for(&ts("2026-11-25T02:00:00Z"))
                .unwrap()
                .to_string(),
            "2026-11-24T02:00:00.000Z/2026-11-25T02:00:00.000Z"
        );
        let weekdays = Schedule::parse("cron(0 18 ? * MON-FRI *)").unwrap();
        assert_eq!(
            weekdays
                .period_for(&ts("2026-11-30T18:00:00Z"))
                .unwrap()
                .to_string(),
            "2026-11-27T18:00:00.000Z/2026-11-30T18:00:00.000Z",
            "Monday's run covers since Friday"
        );
        // AWS's `N/S` step form: every third month from January.
        let quarterly = Schedule::parse("cron(0 0 1 1/3 ? *)").unwrap();
        assert_eq!(
            quarterly
                .period_for(&ts("2027-01-01T00:00:00Z"))
                .unwrap()
                .to_string(),
            "2026-10-01T00:00:00.000Z/2027-01-01T00:00:00.000Z"
        );
        // Day-of-week 2 is Monday in AWS (1 = SUN).
        let monday = Schedule::parse("cron(0 10 ? * 2 *)").unwrap();
        let next = monday.fire_times_after(&ts("2026-11-25T12:00:00Z"), 1);
        assert_eq!(next[0].as_str(), "2026-11-30T10:00:00.000Z");
        // Last day of the month, second Friday.
        assert_eq!(
            Schedule::parse("cron(0 0 L * ? *)")
                .unwrap()
                .fire_times_after(&ts("2026-11-25T00:00:00Z"), 1)[0]
                .as_str(),
            "2026-11-30T00:00:00.000Z"
        );
        assert_eq!(
            Schedule::parse("cron(0 12 ? * 6#2 *)")
                .unwrap()
                .fire_times_after(&ts("2026-11-25T00:00:00Z"), 1)[0]
                .as_str(),
            "2026-12-11T12:00:00.000Z"
        );
    }

    #[test]
    fn rejects_what_aws_rejects() {
        for bad in [
            "rate(1 hour)",
            "cron(0 * * * *)",
            "cron(0 * * * * *)",
            "cron(0 * ? * ? *)",
            "cron(61 * * * ? *)",
            "0 * * * ? *",
        ] {
            let err = Schedule::parse(bad).unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
    }
}
