//! Timestamps from events, normalised so they sort correctly as strings (DynamoDB sort keys and
//! conditional comparisons rely on that). The original text always stays in the evidence.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// A UTC instant rendered as `YYYY-MM-DDTHH:MM:SS.mmmZ` (fixed width, so lexical order is time order).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(String);

impl Timestamp {
    /// Parse an RFC 3339 time such as `2026-11-02T09:15:27Z` or `2026-11-02T09:15:27.123+01:00`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = OffsetDateTime::parse(text, &Rfc3339)
            .map_err(|e| format!("`{text}` is not an RFC 3339 time: {e}"))?;
        // `to_offset` would panic on a time whose UTC year leaves 0000-9999 (`9999-12-31T23:59:59-01:00`).
        let t = t
            .checked_to_offset(UtcOffset::UTC)
            .ok_or_else(|| format!("`{text}` is outside the years 0000-9999 in UTC"))?;
        // Written digit by digit: intake parses a time per finding, and `format!` with padding
        // cost more than the parse itself.
        let year = u32::try_from(t.year())
            .ok()
            .filter(|y| *y <= 9999)
            .ok_or_else(|| format!("`{text}` is outside the years 0000-9999 in UTC"))?;
        let mut out = String::with_capacity(24);
        push_digits(&mut out, year, 4);
        out.push('-');
        push_digits(&mut out, u32::from(u8::from(t.month())), 2);
        out.push('-');
        push_digits(&mut out, u32::from(t.day()), 2);
        out.push('T');
        push_digits(&mut out, u32::from(t.hour()), 2);
        out.push(':');
        push_digits(&mut out, u32::from(t.minute()), 2);
        out.push(':');
        push_digits(&mut out, u32::from(t.second()), 2);
        out.push('.');
        push_digits(&mut out, u32::from(t.millisecond()), 3);
        out.push('Z');
        Ok(Timestamp(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The shortest exact RFC 3339 form: `…T09:15:27Z` for a whole second, else `…T09:15:27.500Z`.
    /// Report periods are written this way; the fixed-width form stays the sort-key form.
    pub fn rfc3339(&self) -> String {
        match self.0.strip_suffix(".000Z") {
            Some(seconds) => format!("{seconds}Z"),
            None => self.0.clone(),
        }
    }

    /// `YYYY-MM-DD`, the day partition used in keys.
    pub fn date(&self) -> &str {
        &self.0[..10]
    }

    /// The UTC calendar day. Always `Some`: a Timestamp holds a valid date by construction.
    pub fn day(&self) -> Option<time::Date> {
        time::Date::parse(
            self.date(),
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok()
    }

    /// Whole seconds from `earlier` to `self` (negative when `self` is before it), milliseconds
    /// rounded towards zero. `None` only if either text were not the fixed-width form, which a
    /// `Timestamp` always holds.
    pub fn seconds_since(&self, earlier: &Timestamp) -> Option<i64> {
        let (later, earlier) = (self.instant()?, earlier.instant()?);
        Some((later - earlier).whole_seconds())
    }

    fn instant(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(&self.0, &Rfc3339).ok()
    }

    /// Year, month and day (`YYYY`, `MM`, `DD`): the date path of S3 keys.
    pub fn date_parts(&self) -> [&str; 3] {
        [&self.0[0..4], &self.0[5..7], &self.0[8..10]]
    }
}

/// `value` in exactly `width` decimal digits (zero-padded; `value` has no more digits than that).
fn push_digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u32.pow(place)) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_to_fixed_width_utc() {
        assert_eq!(
            Timestamp::parse("2026-11-02T09:15:27Z").unwrap().as_str(),
            "2026-11-02T09:15:27.000Z"
        );
        assert_eq!(
            Timestamp::parse("2026-11-02T09:15:27.5Z").unwrap().as_str(),
            "2026-11-02T09:15:27.500Z"
        );
        assert_eq!(
            Timestamp::parse("2026-11-02T10:15:27.123+01:00")
                .unwrap()
                .as_str(),
            "2026-11-02T09:15:27.123Z"
        );
    }

    #[test]
    fn string_order_is_time_order() {
        let a = Timestamp::parse("2026-11-02T09:15:27.9Z").unwrap();
        let b = Timestamp::parse("2026-11-02T09:15:28Z").unwrap();
        assert!(a < b);
        assert!(a.as_str() < b.as_str());
    }

    #[test]
    fn rejects_non_rfc3339() {
        let err = Timestamp::parse("02/11/2026").unwrap_err();
        assert!(err.contains("02/11/2026"), "{err}");
    }

    #[test]
    fn a_time_that_leaves_four_digit_years_in_utc_is_refused() {
        let err = Timestamp::parse("9999-12-31T23:59:59-01:00").unwrap_err();
        assert!(err.contains("outside the years 0000-9999"), "{err}");
        assert_eq!(
            Timestamp::parse("0001-02-03T04:05:06.007Z")
                .unwrap()
                .as_str(),
            "0001-02-03T04:05:06.007Z"
        );
    }

    #[test]
    fn rfc3339_drops_zero_milliseconds_only() {
        let whole = Timestamp::parse("2026-11-02T09:15:27Z").unwrap();
        assert_eq!(whole.rfc3339(), "2026-11-02T09:15:27Z");
        let fraction = Timestamp::parse("2026-11-02T09:15:27.05Z").unwrap();
        assert_eq!(fraction.rfc3339(), "2026-11-02T09:15:27.050Z");
    }

    #[test]
    fn seconds_since_counts_whole_seconds_either_way() {
        let a = Timestamp::parse("2026-11-02T09:15:27.900Z").unwrap();
        let b = Timestamp::parse("2026-11-02T09:20:28Z").unwrap();
        assert_eq!(b.seconds_since(&a), Some(300));
        assert_eq!(a.seconds_since(&b), Some(-300));
        let far = Timestamp::parse("9999-12-31T23:59:59Z").unwrap();
        assert!(far.seconds_since(&a).unwrap() > 250_000_000_000);
    }

    #[test]
    fn date_parts() {
        let t = Timestamp::parse("2026-01-05T00:00:00Z").unwrap();
        assert_eq!(t.date(), "2026-01-05");
        assert_eq!(t.date_parts(), ["2026", "01", "05"]);
    }
}
