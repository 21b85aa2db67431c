//! The one rule for which period a collection request covers, used by the collect function and by
//! `attest collect`: an explicit `START/END` when one is given, otherwise the period the control's
//! schedule assigns to the run's scheduled time. Never the clock, so a late or retried trigger
//! covers the same period as the on-time one.

use thiserror::Error;

use super::schedule::{Schedule, ScheduleError};
use crate::period::{Period, PeriodError};
use crate::timestamp::Timestamp;

/// Why a request names no usable period. Callers phrase [`Missing`](Self::Missing) and
/// [`ScheduledTime`](Self::ScheduledTime) in their own field names.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PeriodRequestError {
    #[error("give an explicit period (START/END) or the run's scheduled time")]
    Missing,
    #[error("scheduled time: {reason}")]
    ScheduledTime { text: String, reason: String },
    #[error(transparent)]
    Period(#[from] PeriodError),
    /// A schedule with no fire time before the scheduled time.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
}

/// The period a request for a control on `schedule` covers. An explicit period wins over a
/// scheduled time (an operator re-collecting a past period names it).
pub fn requested_period(
    schedule: &Schedule,
    explicit: Option<&str>,
    scheduled_time: Option<&str>,
) -> Result<Period, PeriodRequestError> {
    match (explicit, scheduled_time) {
        (Some(period), _) => Ok(Period::parse(period)?),
        (None, Some(text)) => {
            let scheduled =
                Timestamp::parse(text).map_err(|reason| PeriodRequestError::ScheduledTime {
                    text: text.to_string(),
                    reason,
                })?;
            Ok(schedule.period_for(&scheduled)?)
        }
        (None, None) => Err(PeriodRequestError::Missing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn daily() -> Schedule {
        Schedule::parse("cron(0 2 * * ? *)").unwrap()
    }

    #[test]
    fn a_scheduled_run_covers_the_period_its_schedule_defines() {
        let p = requested_period(&daily(), None, Some("2026-11-25T02:00:09Z")).unwrap();
        assert_eq!(
            p.to_string(),
            "2026-11-24T02:00:00.000Z/2026-11-25T02:00:00.000Z"
        );
    }

    #[test]
    fn an_explicit_period_wins() {
        let p = requested_period(
            &daily(),
            Some("2026-10-01T00:00:00Z/2026-11-01T00:00:00Z"),
            Some("2026-11-25T02:00:00Z"),
        )
        .unwrap();
        assert_eq!(
            p.to_string(),
            "2026-10-01T00:00:00.000Z/2026-11-01T00:00:00.000Z"
        );
    }

    #[test]
    fn says_what_is_wrong() {
        assert_eq!(
            requested_period(&daily(), None, None),
            Err(PeriodRequestError::Missing)
        );
        let backwards = requested_period(
            &daily(),
            Some("2026-11-02T00:00:00Z/2026-11-01T00:00:00Z"),
            None,
        )
        .unwrap_err();
        assert!(
            backwards
                .to_string()
                .contains("the period is inverted (start after end)"),
            "{backwards}"
        );
        let bad_time = requested_period(&daily(), None, Some("yesterday")).unwrap_err();
        assert!(
            matches!(&bad_time, PeriodRequestError::ScheduledTime { text, .. } if text == "yesterday"),
            "{bad_time}"
        );
    }
}
