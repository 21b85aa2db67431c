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
        let t = t.to_offset(UtcOffset::UTC);
        Ok(Timestamp(format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        )))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `YYYY-MM-DD`, the day partition used in keys.
    pub fn date(&self) -> &str {
        &self.0[..10]
    }

    /// `YYYY/MM/DD`, the date path used in S3 keys.
    pub fn date_path(&self) -> String {
        format!("{}/{}/{}", &self.0[0..4], &self.0[5..7], &self.0[8..10])
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
    fn date_parts() {
        let t = Timestamp::parse("2026-01-05T00:00:00Z").unwrap();
        assert_eq!(t.date(), "2026-01-05");
        assert_eq!(t.date_path(), "2026/01/05");
    }
}
