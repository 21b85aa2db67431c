//! The daily digest: transitions below Slack's alert threshold are not posted one by one; once a
//! day they are posted as one Slack message per framework, listing each.
//!
//! The day is the UTC date of the transitions' observed times. A scheduled run at
//! `scheduled_time` digests the day before it ([`digest_day`]), so a run that starts late or is
//! retried digests the same day.

use std::collections::BTreeMap;

use attest_domain::timestamp::Timestamp;
use attest_domain::Severity;
use serde_json::{json, Value};

use crate::render::{
    mrkdwn, slack_escape, truncate_chars, SLACK_BLOCKS_MAX, SLACK_HEADER_MAX,
    SLACK_SECTION_TEXT_MAX, SLACK_TEXT_MAX,
};
use crate::transition::{Change, Transition};

/// The group of a transition whose state bears on no framework.
pub const NO_FRAMEWORK: &str = "unmapped";

/// Lines per section block: well inside a section's 3000 characters at the line length below.
const LINES_PER_SECTION: usize = 10;
const LINE_MAX: usize = 280;

/// The UTC day (`YYYY-MM-DD`) a transition observed at `observed_at` belongs to.
pub fn day_of(observed_at: &str) -> Result<String, String> {
    Timestamp::parse(observed_at).map(|t| t.date().to_string())
}

fn date(text: &str) -> Result<time::Date, String> {
    time::Date::parse(
        text,
        &time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|e| format!("`{text}` is not a day (YYYY-MM-DD): {e}"))
}

/// A day given by hand (`YYYY-MM-DD`), checked.
pub fn parse_day(text: &str) -> Result<String, String> {
    date(text).map(|d| d.to_string())
}

/// The day a digest scheduled at `scheduled_time` covers: the UTC day before it.
pub fn digest_day(scheduled_time: &str) -> Result<String, String> {
    let at = Timestamp::parse(scheduled_time)?;
    let date = date(at.date())?;
    let before = date
        .previous_day()
        .ok_or_else(|| format!("`{scheduled_time}` has no day before it"))?;
    Ok(before.to_string())
}

/// The transitions below `slack_min_severity`, by framework (a transition bearing on two
/// frameworks is in both), each list in observed order.
pub fn digest_groups(
    transitions: &[Transition],
    slack_min_severity: Severity,
) -> BTreeMap<String, Vec<&Transition>> {
    let mut groups: BTreeMap<String, Vec<&Transition>> = BTreeMap::new();
    for t in transitions
        .iter()
        .filter(|t| !t.at_or_above(slack_min_severity))
    {
        if t.frameworks.is_empty() {
            groups.entry(NO_FRAMEWORK.to_string()).or_default().push(t);
        }
        for framework in &t.frameworks {
            groups.entry(framework.clone()).or_default().push(t);
        }
    }
    for list in groups.values_mut() {
        list.sort_by(|a, b| (&a.observed_at, &a.id).cmp(&(&b.observed_at, &b.id)));
        list.dedup_by(|a, b| a.id == b.id);
    }
    groups
}

fn line(t: &Transition) -> String {
    let icon = match t.change {
        Change::Failed => "🔴 failed",
        Change::Resolved => "✅ resolved",
    };
    truncate_chars(
        &format!(
            "{icon} {} `{}` on {} ({} {}) at {} · `{}`",
            t.severity.as_str(),
            slack_escape(&t.rule_id),
            slack_escape(&t.resource_id),
            t.account,
            t.region,
            t.observed_at,
            t.id.chars().take(12).collect::<String>(),
        ),
        LINE_MAX,
    )
}

/// One framework's digest for `day` as a Slack incoming-webhook message, within Block Kit's
/// limits: a header, the counts, the transitions ten to a section, and, when more than fit in 50
/// blocks, how many were left out and where to read them all.
pub fn slack_digest(framework: &str, day: &str, entries: &[&Transition]) -> Value {
    let failed = entries
        .iter()
        .filter(|t| t.change == Change::Failed)
        .count();
    let resolved = entries.len() - failed;
    let summary = format!(
        "{framework}, {day}: {failed} failed, {resolved} resolved below the alert threshold"
    );
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "emoji": true,
            "text": truncate_chars(&format!("Attest daily digest: {framework}, {day}"), SLACK_HEADER_MAX)}}),
        json!({"type": "section", "text": mrkdwn(slack_escape(&summary))}),
    ];
    // Two blocks for the header and counts, one kept for the "more" note.
    let room = (SLACK_BLOCKS_MAX - 3) * LINES_PER_SECTION;
    for chunk in entries[..entries.len().min(room)].chunks(LINES_PER_SECTION) {
        let text = chunk.iter().map(|t| line(t)).collect::<Vec<_>>().join("\n");
        blocks.push(json!({"type": "section",
            "text": mrkdwn(truncate_chars(&text, SLACK_SECTION_TEXT_MAX))}));
    }
    let note = if entries.len() > room {
        format!(
            "… and {} more: the transitions table's `ByDay` index, day {day}, lists them all",
            entries.len() - room
        )
    } else {
        format!("day {day} (UTC), from the transitions table's `ByDay` index")
    };
    blocks.push(json!({"type": "context", "elements": [mrkdwn(note)]}));
    json!({"text": truncate_chars(&slack_escape(&summary), SLACK_TEXT_MAX), "blocks": blocks})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transition::tests::row;

    fn transition(severity: &str, to: &str, evidence: &str, observed_at: &str) -> Transition {
        let mut old = row(
            if to == "NON_COMPLIANT" {
                "COMPLIANT"
            } else {
                "NON_COMPLIANT"
            },
            "aa",
        );
        let mut new = row(to, evidence);
        old.severity = severity.into();
        new.severity = severity.into();
        new.observed_at = observed_at.into();
        Transition::between(Some(&old), Some(&new))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn the_digest_day_is_the_utc_day_before_the_schedule() {
        assert_eq!(digest_day("2026-12-02T00:15:00Z").unwrap(), "2026-12-01");
        assert_eq!(digest_day("2026-03-01T00:15:00Z").unwrap(), "2026-02-28");
        assert_eq!(
            digest_day("2027-01-01T00:30:00+01:00").unwrap(),
            "2026-12-30"
        );
        assert!(digest_day("tomorrow").unwrap_err().contains("tomorrow"));
        assert_eq!(parse_day("2026-12-01").unwrap(), "2026-12-01");
        assert!(parse_day("2026-13-01").unwrap_err().contains("2026-13-01"));
        assert_eq!(day_of("2026-12-01T23:59:59.999Z").unwrap(), "2026-12-01");
        assert_eq!(day_of("2026-12-02T00:30:00+01:00").unwrap(), "2026-12-01");
    }

    #[test]
    fn only_transitions_below_the_threshold_are_grouped_by_framework() {
        let ts = vec![
            transition("HIGH", "NON_COMPLIANT", "b1", "2026-12-01T10:00:00Z"),
            transition("LOW", "NON_COMPLIANT", "b2", "2026-12-01T11:00:00Z"),
            transition("MEDIUM", "COMPLIANT", "b3", "2026-12-01T09:00:00Z"),
        ];
        let groups = digest_groups(&ts, Severity::High);
        assert_eq!(groups.keys().collect::<Vec<_>>(), ["PCI-DSS-3.2.1", "SOC2"]);
        let soc2: Vec<&str> = groups["SOC2"]
            .iter()
            .map(|t| t.evidence_sha256.as_str())
            .collect();
        assert_eq!(soc2, ["b3", "b2"], "below HIGH only, in observed order");
        let mut unmapped = ts[1].clone();
        unmapped.frameworks.clear();
        let unmapped = [unmapped];
        let groups = digest_groups(&unmapped, Severity::High);
        assert_eq!(groups.keys().collect::<Vec<_>>(), [NO_FRAMEWORK]);
        assert!(digest_groups(&ts, Severity::Unspecified).is_empty());
    }

    #[test]
    fn a_digest_lists_every_entry_and_keeps_block_kit_limits_however_many() {
        let ts: Vec<Transition> = (0..3)
            .map(|i| {
                transition(
                    "LOW",
                    "NON_COMPLIANT",
                    &format!("e{i}"),
                    "2026-12-01T10:00:00Z",
                )
            })
            .collect();
        let refs: Vec<&Transition> = ts.iter().collect();
        let m = slack_digest("SOC2", "2026-12-01", &refs);
        assert_eq!(
            m["text"],
            "SOC2, 2026-12-01: 3 failed, 0 resolved below the alert threshold"
        );
        let body = m.to_string();
        for t in &ts {
            assert!(body.contains(&t.id[..12]));
        }
        let many: Vec<Transition> = (0..600)
            .map(|i| {
                let mut t = transition(
                    "LOW",
                    "NON_COMPLIANT",
                    &format!("m{i}"),
                    "2026-12-01T10:00:00Z",
                );
                t.resource_id = "<!channel> ".repeat(200);
                t
            })
            .collect();
        let refs: Vec<&Transition> = many.iter().collect();
        let m = slack_digest("SOC2", "2026-12-01", &refs);
        let blocks = m["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), SLACK_BLOCKS_MAX);
        for b in blocks.iter().filter(|b| b["type"] == "section") {
            assert!(b["text"]["text"].as_str().unwrap().chars().count() <= SLACK_SECTION_TEXT_MAX);
        }
        let note = blocks[SLACK_BLOCKS_MAX - 1]["elements"][0]["text"]
            .as_str()
            .unwrap();
        assert!(note.starts_with("… and 130 more"), "{note}");
        assert!(!m.to_string().contains("<!channel>"));
        // A body read back from the table is input: an id that is not ASCII must not panic.
        let mut odd = ts[0].clone();
        odd.id = "é".repeat(20);
        let m = slack_digest("SOC2", "2026-12-01", &[&odd]);
        assert!(m.to_string().contains(&"é".repeat(12)));
    }
}
