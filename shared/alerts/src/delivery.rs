//! What the notify function sends for one transition: which channels hear of it, with which body,
//! and when a channel must not hear of it because it already heard of something later.
//!
//! - Slack hears of a transition at or above its severity threshold, failure or resolution.
//! - PagerDuty gets [`PagerDutyAction::for_transition`]: a `trigger` at or above its threshold, a
//!   `resolve` for every resolution.
//! - SNS delivers to SQS in no guaranteed order, so a failure can arrive after the resolution that
//!   followed it. A channel is never told of a transition older than the latest one it was told
//!   of for the same state ([`is_stale`]): otherwise a late `trigger` would reopen an incident
//!   that is already resolved.

use attest_domain::timestamp::Timestamp;
use attest_domain::Severity;
use serde_json::Value;

use crate::render::{pagerduty_event, slack_message, PagerDutyAction};
use crate::transition::Transition;

/// A receiver the notify function posts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Slack,
    PagerDuty,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Slack => "slack",
            Channel::PagerDuty => "pagerduty",
        }
    }
}

/// The channels a deployment has, each with its severity threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRules {
    /// `None`: no Slack webhook is configured.
    pub slack_min_severity: Option<Severity>,
    /// `None`: no PagerDuty routing key is configured.
    pub pagerduty_min_severity: Option<Severity>,
}

/// One body for one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub channel: Channel,
    pub body: Value,
}

/// What `t` sends, channel by channel (Slack first). A PagerDuty body carries `routing_key`.
pub fn deliveries(t: &Transition, rules: &ChannelRules, routing_key: &str) -> Vec<Delivery> {
    let mut out = Vec::new();
    if let Some(min) = rules.slack_min_severity {
        if t.at_or_above(min) {
            out.push(Delivery {
                channel: Channel::Slack,
                body: slack_message(t),
            });
        }
    }
    if let Some(min) = rules.pagerduty_min_severity {
        if let Some(action) = PagerDutyAction::for_transition(t, min) {
            out.push(Delivery {
                channel: Channel::PagerDuty,
                body: pagerduty_event(t, routing_key, action),
            });
        }
    }
    out
}

/// A transition's observed time in the fixed-width form that sorts as time
/// (`YYYY-MM-DDTHH:MM:SS.mmmZ`), as the notify function records and compares it.
pub fn observed_order(t: &Transition) -> Result<Timestamp, String> {
    Timestamp::parse(&t.observed_at)
}

/// Whether a channel that was last told of this state's transition observed at `latest_sent`
/// must not be told of one observed at `observed`: it is strictly older. (Equal times are not
/// stale: one evaluation can only make one transition of a state.)
pub fn is_stale(observed: &Timestamp, latest_sent: &Timestamp) -> bool {
    observed < latest_sent
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transition::tests::row;
    use crate::transition::Change;

    fn transition(from: &str, to: &str, severity: &str) -> Transition {
        let mut old = row(from, "aa");
        let mut new = row(to, "bb");
        old.severity = severity.into();
        new.severity = severity.into();
        Transition::between(Some(&old), Some(&new))
            .unwrap()
            .unwrap()
    }

    const BOTH: ChannelRules = ChannelRules {
        slack_min_severity: Some(Severity::Medium),
        pagerduty_min_severity: Some(Severity::High),
    };

    fn channels(d: &[Delivery]) -> Vec<(Channel, Option<&str>)> {
        d.iter()
            .map(|d| (d.channel, d.body["event_action"].as_str()))
            .collect()
    }

    #[test]
    fn a_high_failure_goes_to_slack_and_triggers_pagerduty() {
        let t = transition("COMPLIANT", "NON_COMPLIANT", "HIGH");
        let d = deliveries(&t, &BOTH, "rk");
        assert_eq!(
            channels(&d),
            [
                (Channel::Slack, None),
                (Channel::PagerDuty, Some("trigger"))
            ]
        );
        assert_eq!(d[1].body["routing_key"], "rk");
        assert_eq!(d[1].body["dedup_key"], t.dedup_key.as_str());
        assert_eq!(d[0].body, slack_message(&t));
    }

    #[test]
    fn a_medium_failure_goes_to_slack_only_and_a_low_one_nowhere() {
        let medium = transition("COMPLIANT", "NON_COMPLIANT", "MEDIUM");
        assert_eq!(
            channels(&deliveries(&medium, &BOTH, "rk")),
            [(Channel::Slack, None)]
        );
        let low = transition("COMPLIANT", "NON_COMPLIANT", "LOW");
        assert!(deliveries(&low, &BOTH, "rk").is_empty());
    }

    #[test]
    fn every_resolution_resolves_pagerduty() {
        let t = transition("NON_COMPLIANT", "COMPLIANT", "LOW");
        assert_eq!(t.change, Change::Resolved);
        assert_eq!(
            channels(&deliveries(&t, &BOTH, "rk")),
            [(Channel::PagerDuty, Some("resolve"))]
        );
    }

    #[test]
    fn an_unconfigured_channel_gets_nothing() {
        let t = transition("COMPLIANT", "NON_COMPLIANT", "CRITICAL");
        let slack_only = ChannelRules {
            slack_min_severity: Some(Severity::Unspecified),
            pagerduty_min_severity: None,
        };
        assert_eq!(
            channels(&deliveries(&t, &slack_only, "")),
            [(Channel::Slack, None)]
        );
        let pagerduty_only = ChannelRules {
            slack_min_severity: None,
            pagerduty_min_severity: Some(Severity::Critical),
        };
        assert_eq!(
            channels(&deliveries(&t, &pagerduty_only, "rk")),
            [(Channel::PagerDuty, Some("trigger"))]
        );
    }

    #[test]
    fn staleness_compares_times_not_text() {
        let t = |s: &str| Timestamp::parse(s).unwrap();
        // As text "10:00:00.5Z" sorts before "10:00:00Z"; as times it is later.
        assert!(!is_stale(
            &t("2026-12-01T10:00:00.5Z"),
            &t("2026-12-01T10:00:00Z")
        ));
        assert!(is_stale(
            &t("2026-12-01T10:00:00Z"),
            &t("2026-12-01T10:00:00.5Z")
        ));
        assert!(is_stale(
            &t("2026-12-01T11:00:00+02:00"),
            &t("2026-12-01T10:00:00Z")
        ));
        assert!(!is_stale(
            &t("2026-12-01T10:00:00Z"),
            &t("2026-12-01T10:00:00.000Z")
        ));
        let mut bad = transition("COMPLIANT", "NON_COMPLIANT", "HIGH");
        bad.observed_at = "yesterday".into();
        assert!(observed_order(&bad).unwrap_err().contains("yesterday"));
    }
}
