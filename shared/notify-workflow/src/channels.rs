//! The channels a deployment has: where each posts, the secret it posts with, its threshold.
//! `Debug` never shows a webhook URL or a routing key.

use std::fmt;

use attest_alerts::{Channel, ChannelRules};
use attest_domain::Severity;

/// A Slack incoming webhook.
#[derive(Clone, PartialEq, Eq)]
pub struct SlackChannel {
    /// The webhook URL: itself a secret (it carries the token).
    pub webhook_url: String,
    pub min_severity: Severity,
}

/// A PagerDuty Events API v2 integration.
#[derive(Clone, PartialEq, Eq)]
pub struct PagerDutyChannel {
    pub events_url: String,
    /// The integration's routing key: a secret.
    pub routing_key: String,
    pub min_severity: Severity,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Channels {
    pub slack: Option<SlackChannel>,
    pub pagerduty: Option<PagerDutyChannel>,
}

impl Channels {
    pub fn rules(&self) -> ChannelRules {
        ChannelRules {
            slack_min_severity: self.slack.as_ref().map(|s| s.min_severity),
            pagerduty_min_severity: self.pagerduty.as_ref().map(|p| p.min_severity),
        }
    }

    pub fn routing_key(&self) -> &str {
        self.pagerduty
            .as_ref()
            .map_or("", |p| p.routing_key.as_str())
    }

    /// Where `channel` posts; `None` when it is not configured.
    pub fn url(&self, channel: Channel) -> Option<&str> {
        match channel {
            Channel::Slack => self.slack.as_ref().map(|s| s.webhook_url.as_str()),
            Channel::PagerDuty => self.pagerduty.as_ref().map(|p| p.events_url.as_str()),
        }
    }
}

/// Whether `url` may be posted to: `https`, or `http` to this machine's loopback address only
/// (where the tests' stand-in receivers listen; nothing leaves the machine in clear text). The
/// reason never repeats the URL, which may be a secret.
pub fn check_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL ({e})"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" if parsed.host().is_some() => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err("plain http is allowed only to the loopback address; use https".into()),
        other => Err(format!("scheme `{other}` is not https")),
    }
}

impl fmt::Debug for SlackChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlackChannel")
            .field("webhook_url", &"<secret>")
            .field("min_severity", &self.min_severity)
            .finish()
    }
}

impl fmt::Debug for PagerDutyChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PagerDutyChannel")
            .field("events_url", &self.events_url)
            .field("routing_key", &"<secret>")
            .field("min_severity", &self.min_severity)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_is_posted_to() {
        assert!(check_url("https://hooks.slack.com/services/T/B/x").is_ok());
        assert!(check_url("http://127.0.0.1:8080/slack").is_ok());
        assert!(check_url("http://[::1]:8080/").is_ok());
        assert!(check_url("http://localhost/").is_ok());
        let err = check_url("http://hooks.slack.com/services/T/B/secretpart").unwrap_err();
        assert!(
            err.contains("https") && !err.contains("secretpart"),
            "{err}"
        );
        assert!(check_url("ftp://x/").is_err());
        let err = check_url("hooks.slack.com/services/T/B/secretpart").unwrap_err();
        assert!(!err.contains("secretpart"), "{err}");
    }

    #[test]
    fn debug_shows_no_secret() {
        let channels = Channels {
            slack: Some(SlackChannel {
                webhook_url: "https://hooks.slack.com/services/T0/B0/XYZsecret".into(),
                min_severity: Severity::Low,
            }),
            pagerduty: Some(PagerDutyChannel {
                events_url: "https://events.pagerduty.com/v2/enqueue".into(),
                routing_key: "R0UTINGKEYsecret".into(),
                min_severity: Severity::High,
            }),
        };
        let shown = format!("{channels:?}");
        assert!(!shown.contains("XYZsecret") && !shown.contains("R0UTINGKEYsecret"));
        assert!(shown.contains("events.pagerduty.com"));
    }
}
