//! The messages a [`Transition`] becomes. Each renderer keeps within its receiver's documented
//! limits by shortening free text (titles, resource ids), never by dropping the transition id,
//! the evidence hash or the state's identity.
//!
//! | message | limits kept |
//! |---|---|
//! | SNS email subject | ASCII, no line breaks, under 100 characters |
//! | Slack Block Kit | header `plain_text` 150; section field 2000, at most 10 fields; section text 3000; context at most 10 elements; at most 50 blocks; top-level `text` (notification fallback) kept under 4000 |
//! | PagerDuty Events v2 | `summary` 1024; `dedup_key` 255 (ours is 64); `severity` one of critical, error, warning, info |
//! | Amazon Q custom notification | `version` `1.0`, `source` `custom`, `content.description` required; `metadata.threadId` the state's id so updates thread |

use attest_domain::Severity;
use serde_json::{json, Value};

use crate::transition::{Change, Transition};

pub const EMAIL_SUBJECT_MAX: usize = 99;
pub const SLACK_HEADER_MAX: usize = 150;
pub const SLACK_FIELD_MAX: usize = 2000;
pub const SLACK_FIELDS_MAX: usize = 10;
pub const SLACK_SECTION_TEXT_MAX: usize = 3000;
pub const SLACK_CONTEXT_ELEMENTS_MAX: usize = 10;
pub const SLACK_BLOCKS_MAX: usize = 50;
pub const SLACK_TEXT_MAX: usize = 4000;
pub const PAGERDUTY_SUMMARY_MAX: usize = 1024;
pub const PAGERDUTY_DEDUP_KEY_MAX: usize = 255;

/// Version of [`json_body`]'s shape.
pub const JSON_BODY_VERSION: u32 = 1;

/// Shorten `text` to at most `max` characters, ending with `…` when shortened.
pub fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn what(t: &Transition) -> &'static str {
    match t.change {
        Change::Failed => "NON_COMPLIANT",
        Change::Resolved => "RESOLVED",
    }
}

fn rule_label(t: &Transition) -> String {
    match &t.title {
        Some(title) => format!("{} ({})", title, t.rule_id),
        None => t.rule_id.clone(),
    }
}

/// The email subject (SNS: ASCII, no line breaks, under 100 characters).
pub fn email_subject(t: &Transition) -> String {
    let text = format!(
        "[Attest] {} {}: {} on {}",
        what(t),
        t.severity.as_str(),
        t.rule_id,
        t.resource_id
    );
    let ascii: String = text
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                '?'
            }
        })
        .collect();
    if ascii.len() <= EMAIL_SUBJECT_MAX {
        ascii
    } else {
        format!("{}...", &ascii[..EMAIL_SUBJECT_MAX - 3])
    }
}

/// The plain-text email body: what failed (or recovered), on which resource, which controls,
/// since when, the evidence key and hash, and what to do.
pub fn email_text(t: &Transition) -> String {
    let headline = match t.change {
        Change::Failed => "A control check is now NON_COMPLIANT.",
        Change::Resolved => "A control check is no longer NON_COMPLIANT (resolved).",
    };
    let controls = if t.controls.is_empty() {
        "none mapped".to_string()
    } else {
        t.controls.join(", ")
    };
    let next = match t.change {
        Change::Failed => format!(
            "How to fix: bring {} in line with rule {} (see the rule's documentation for its \
             remediation); the next evaluation that passes resolves this alert.",
            t.resource_id, t.rule_id
        ),
        Change::Resolved => "Nothing to do: this is the record that the failure ended.".into(),
    };
    format!(
        "{headline}\n\n\
         Rule:        {rule}\n\
         Resource:    {rtype} {resource}\n\
         Account:     {account} ({region})\n\
         Severity:    {severity}\n\
         Standing:    {from} -> {to}\n\
         Since:       {since}\n\
         Controls:    {controls}\n\
         Source:      {source}\n\
         Evidence:    {key}\n\
         SHA-256:     {sha}\n\
         Transition:  {id}\n\n\
         {next}\n\
         Check the evidence offline: download the object and run `attest hash FILE`; it must print the SHA-256 above.\n",
        rule = rule_label(t),
        rtype = t.resource_type,
        resource = t.resource_id,
        account = t.account,
        region = t.region,
        severity = t.severity.as_str(),
        from = t.from.as_deref().unwrap_or("(first seen)"),
        to = t.to,
        since = t.observed_at,
        source = t.source,
        key = t.evidence_key,
        sha = t.evidence_sha256,
        id = t.id,
    )
}

/// The JSON body for machines (the SNS `sqs` and `default` protocols): the transition itself,
/// tagged with its shape's name and version.
pub fn json_body(t: &Transition) -> Value {
    let mut body = serde_json::to_value(t).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut body {
        map.insert("type".into(), json!("attest.transition"));
        map.insert("version".into(), json!(JSON_BODY_VERSION));
    }
    body
}

/// The Amazon Q Developer in chat applications custom notification (the SNS `https` protocol,
/// which its Slack and Teams channels subscribe with). `threadId` is the state's id, so a
/// resolve threads under its failure.
pub fn amazon_q_notification(t: &Transition) -> Value {
    let icon = match t.change {
        Change::Failed => ":red_circle:",
        Change::Resolved => ":large_green_circle:",
    };
    json!({
        "version": "1.0",
        "source": "custom",
        "id": t.id,
        "content": {
            "textType": "client-markdown",
            "title": format!("{icon} {} {}: {}", what(t), t.severity.as_str(), truncate_chars(&rule_label(t), 200)),
            "description": format!(
                "*Resource:* `{}` ({})\n*Account:* {} {}\n*Standing:* {} → {}\n*Controls:* {}\n*Evidence:* `{}`\n*SHA-256:* `{}`",
                t.resource_id, t.resource_type, t.account, t.region,
                t.from.as_deref().unwrap_or("first seen"), t.to,
                if t.controls.is_empty() { "none mapped".to_string() } else { t.controls.join(", ") },
                t.evidence_key, t.evidence_sha256,
            ),
            "keywords": [t.severity.as_str(), t.to.as_str(), t.account.as_str()],
        },
        "metadata": {
            "threadId": t.state_id,
            "summary": truncate_chars(&format!("{} {} on {}", what(t), t.rule_id, t.resource_id), 250),
            "eventType": format!("attest.transition.{}", t.change.as_str()),
            "relatedResources": [t.resource_id],
            "additionalContext": {
                "transition_id": t.id,
                "dedup_key": t.dedup_key,
                "evidence_sha256": t.evidence_sha256,
                "observed_at": t.observed_at,
            },
        },
    })
}

/// Escape the three characters Slack's `mrkdwn` gives meaning to.
pub(crate) fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub(crate) fn mrkdwn(text: String) -> Value {
    json!({"type": "mrkdwn", "text": text})
}

/// The Slack Block Kit message for an incoming webhook: a header, the facts as fields, the
/// controls, and a context line with the evidence hash and the transition id (by which a
/// receiver recognises a repeated delivery). `text` is the notification fallback.
pub fn slack_message(t: &Transition) -> Value {
    let icon = match t.change {
        Change::Failed => "🔴",
        Change::Resolved => "✅",
    };
    let header = truncate_chars(
        &format!(
            "{icon} {} {}: {}",
            what(t),
            t.severity.as_str(),
            rule_label(t)
        ),
        SLACK_HEADER_MAX,
    );
    let field = |label: &str, value: &str| {
        mrkdwn(truncate_chars(
            &format!("*{label}*\n{}", slack_escape(value)),
            SLACK_FIELD_MAX,
        ))
    };
    let fields = vec![
        field(
            "Resource",
            &format!("{} {}", t.resource_type, t.resource_id),
        ),
        field("Account", &format!("{} ({})", t.account, t.region)),
        field("Rule", &t.rule_id),
        field("Severity", t.severity.as_str()),
        field(
            "Standing",
            &format!("{} → {}", t.from.as_deref().unwrap_or("first seen"), t.to),
        ),
        field("Since", &t.observed_at),
    ];
    debug_assert!(fields.len() <= SLACK_FIELDS_MAX);
    let controls = if t.controls.is_empty() {
        "none mapped".to_string()
    } else {
        t.controls.join(", ")
    };
    let blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": header, "emoji": true}}),
        json!({"type": "section", "fields": fields}),
        json!({"type": "section", "text": mrkdwn(truncate_chars(
            &format!("*Controls:* {}\n*Evidence:* `{}`", slack_escape(&controls), slack_escape(&t.evidence_key)),
            SLACK_SECTION_TEXT_MAX,
        ))}),
        json!({"type": "context", "elements": [
            mrkdwn(format!("evidence sha256 `{}`", t.evidence_sha256)),
            mrkdwn(format!("transition `{}`", t.id)),
        ]}),
    ];
    let text = truncate_chars(
        &slack_escape(&format!(
            "{} {}: {} on {} ({} {})",
            what(t),
            t.severity.as_str(),
            t.rule_id,
            t.resource_id,
            t.account,
            t.region
        )),
        SLACK_TEXT_MAX,
    );
    json!({"text": text, "blocks": blocks})
}

/// The PagerDuty event a transition sends, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagerDutyAction {
    Trigger,
    Resolve,
}

impl PagerDutyAction {
    /// `trigger` for a failure at or above `threshold`; `resolve` for every resolution (resolving
    /// an alert PagerDuty does not have is a no-op there, and the severity of the failure that
    /// opened it may have been higher than the resolving row's).
    pub fn for_transition(t: &Transition, threshold: Severity) -> Option<Self> {
        match t.change {
            Change::Failed if t.at_or_above(threshold) => Some(PagerDutyAction::Trigger),
            Change::Failed => None,
            Change::Resolved => Some(PagerDutyAction::Resolve),
        }
    }
}

/// PagerDuty's severity for ours: CRITICAL critical, HIGH error, MEDIUM warning, the rest info.
pub fn pagerduty_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "critical",
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Informational | Severity::Unspecified => "info",
    }
}

/// A PagerDuty Events API v2 event. A resolve carries only what the API reads for it.
pub fn pagerduty_event(t: &Transition, routing_key: &str, action: PagerDutyAction) -> Value {
    match action {
        PagerDutyAction::Resolve => json!({
            "routing_key": routing_key,
            "event_action": "resolve",
            "dedup_key": t.dedup_key,
        }),
        PagerDutyAction::Trigger => json!({
            "routing_key": routing_key,
            "event_action": "trigger",
            "dedup_key": t.dedup_key,
            "payload": {
                "summary": truncate_chars(
                    &format!("{} {}: {} on {} ({} {})", what(t), t.severity.as_str(), rule_label(t), t.resource_id, t.account, t.region),
                    PAGERDUTY_SUMMARY_MAX,
                ),
                "source": format!("{}/{}/{}", t.account, t.region, t.resource_id),
                "severity": pagerduty_severity(t.severity),
                "timestamp": t.observed_at,
                "component": t.resource_type,
                "group": t.account,
                "class": t.rule_id,
                "custom_details": {
                    "transition_id": t.id,
                    "state_id": t.state_id,
                    "controls": t.controls,
                    "evidence_key": t.evidence_key,
                    "evidence_sha256": t.evidence_sha256,
                    "source": t.source,
                },
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transition::tests::row;

    fn failed() -> Transition {
        Transition::between(
            Some(&row("COMPLIANT", "aa")),
            Some(&row("NON_COMPLIANT", "bb")),
        )
        .unwrap()
        .unwrap()
    }

    fn resolved() -> Transition {
        Transition::between(
            Some(&row("NON_COMPLIANT", "bb")),
            Some(&row("COMPLIANT", "cc")),
        )
        .unwrap()
        .unwrap()
    }

    /// A transition whose free text is far longer than any limit.
    fn huge() -> Transition {
        let mut t = failed();
        t.title = Some("T".repeat(5000));
        t.resource_id = "r".repeat(5000);
        t.controls = (0..400).map(|i| format!("SOC2:CC{i}.{i}")).collect();
        t
    }

    fn chars(v: &Value) -> usize {
        v.as_str().map_or(usize::MAX, |s| s.chars().count())
    }

    fn check_slack_limits(message: &Value) {
        let text = &message["text"];
        assert!(chars(text) <= SLACK_TEXT_MAX && chars(text) > 0);
        let blocks = message["blocks"].as_array().unwrap();
        assert!(blocks.len() <= SLACK_BLOCKS_MAX);
        for block in blocks {
            match block["type"].as_str().unwrap() {
                "header" => {
                    assert_eq!(block["text"]["type"], "plain_text");
                    assert!(chars(&block["text"]["text"]) <= SLACK_HEADER_MAX);
                }
                "section" => {
                    if let Some(fields) = block.get("fields") {
                        let fields = fields.as_array().unwrap();
                        assert!(fields.len() <= SLACK_FIELDS_MAX);
                        for f in fields {
                            assert!(chars(&f["text"]) <= SLACK_FIELD_MAX);
                        }
                    } else {
                        assert!(chars(&block["text"]["text"]) <= SLACK_SECTION_TEXT_MAX);
                    }
                }
                "context" => {
                    let elements = block["elements"].as_array().unwrap();
                    assert!(!elements.is_empty() && elements.len() <= SLACK_CONTEXT_ELEMENTS_MAX);
                }
                other => panic!("unexpected block {other}"),
            }
        }
    }

    #[test]
    fn slack_message_has_header_fields_context_and_fallback() {
        let t = failed();
        let m = slack_message(&t);
        check_slack_limits(&m);
        assert_eq!(m["blocks"][0]["type"], "header");
        assert_eq!(m["blocks"][1]["fields"].as_array().unwrap().len(), 6);
        let context = m["blocks"][3]["elements"].to_string();
        assert!(context.contains(&t.evidence_sha256) && context.contains(&t.id));
        assert_eq!(
            m["text"],
            "NON_COMPLIANT HIGH: s3-bucket-server-side-encryption-enabled on audit-logs (123456789012 us-east-1)"
        );
        check_slack_limits(&slack_message(&huge()));
        check_slack_limits(&slack_message(&resolved()));
        // The hash and id survive however long the free text is.
        let h = huge();
        let big = slack_message(&h).to_string();
        assert!(big.contains(&h.id) && big.contains(&h.evidence_sha256));
    }

    /// The report renderers' hostile corpus (shared/reports/tests/reports.rs), through every alert
    /// payload: each stays within its limits and no attacker text becomes a Slack mention or link,
    /// an email header line, or broken JSON.
    #[test]
    fn hostile_strings_stay_text_in_every_alert_payload() {
        let corpus = [
            "=HYPERLINK(\"http://evil.example/\")".to_string(),
            "<!channel> <!here> <@U123> <http://evil.example|click>".to_string(),
            "<script>alert(1)</script>".to_string(),
            "bucket-\u{202E}fdp.exe".to_string(),
            "bell\u{7}esc\u{1b}[31m\r\nBcc: victim@example.com\u{0}".to_string(),
            "\u{1F4A5}".repeat(30_000),
        ];
        for hostile in &corpus {
            let mut t = failed();
            t.resource_id = hostile.clone();
            t.rule_id = hostile.clone();
            t.title = Some(hostile.clone());

            let subject = email_subject(&t);
            assert!(subject.len() <= EMAIL_SUBJECT_MAX);
            assert!(
                subject
                    .chars()
                    .all(|c| c.is_ascii() && !c.is_ascii_control()),
                "{subject:?}"
            );

            let slack = slack_message(&t);
            check_slack_limits(&slack);
            // Slack parses mentions and links in `mrkdwn` text and in the `text` fallback; the
            // header is `plain_text`, which it shows as written.
            let mut parsed = vec![slack["text"].to_string()];
            for block in slack["blocks"].as_array().into_iter().flatten() {
                if block["type"] != "header" {
                    parsed.push(block.to_string());
                }
            }
            for text in &parsed {
                for active in ["<!channel>", "<!here>", "<@U123>", "<http://"] {
                    assert!(!text.contains(active), "Slack mrkdwn keeps {active}");
                }
            }
            assert_eq!(slack["blocks"][0]["text"]["type"], "plain_text");

            let e = pagerduty_event(&t, "R", PagerDutyAction::Trigger);
            assert!(chars(&e["payload"]["summary"]) <= PAGERDUTY_SUMMARY_MAX);
            assert_eq!(e["dedup_key"], t.dedup_key.as_str());

            for body in [json_body(&t), amazon_q_notification(&t)] {
                let text = body.to_string();
                let back: Value = serde_json::from_str(&text).expect("a payload is JSON");
                assert_eq!(back, body);
            }
            // A 120 KB resource id once made a 1.9 MB message, which SNS refuses: free text is
            // bounded in the message, never the ids or hashes.
            let message = crate::envelope::sns_message(&t);
            for kept in [&t.id, &t.dedup_key, &t.evidence_sha256, &t.evidence_key] {
                assert!(
                    message.message.contains(kept.as_str()),
                    "the message lost {kept}"
                );
            }
            assert!(
                message.size() <= crate::envelope::SNS_MESSAGE_MAX_BYTES,
                "{}",
                message.size()
            );
        }
    }

    #[test]
    fn slack_text_is_escaped() {
        let mut t = failed();
        t.resource_id = "<!channel> & co".into();
        let m = slack_message(&t).to_string();
        assert!(!m.contains("<!channel>"), "{m}");
        assert!(m.contains("&lt;!channel&gt; &amp; co"));
    }

    #[test]
    fn pagerduty_trigger_and_resolve_follow_events_v2() {
        let t = failed();
        assert_eq!(
            PagerDutyAction::for_transition(&t, Severity::High),
            Some(PagerDutyAction::Trigger)
        );
        assert_eq!(
            PagerDutyAction::for_transition(&t, Severity::Critical),
            None
        );
        let e = pagerduty_event(&t, "R0UTING", PagerDutyAction::Trigger);
        assert_eq!(e["event_action"], "trigger");
        assert_eq!(e["routing_key"], "R0UTING");
        assert_eq!(e["dedup_key"], t.dedup_key.as_str());
        assert!(chars(&e["dedup_key"]) <= PAGERDUTY_DEDUP_KEY_MAX);
        let p = &e["payload"];
        for required in ["summary", "source", "severity"] {
            assert!(chars(&p[required]) > 0, "{required}");
        }
        assert_eq!(p["severity"], "error");
        assert!(["critical", "error", "warning", "info"].contains(&p["severity"].as_str().unwrap()));
        let e = pagerduty_event(&huge(), "R", PagerDutyAction::Trigger);
        assert_eq!(chars(&e["payload"]["summary"]), PAGERDUTY_SUMMARY_MAX);

        let r = resolved();
        assert_eq!(
            PagerDutyAction::for_transition(&r, Severity::Critical),
            Some(PagerDutyAction::Resolve)
        );
        let e = pagerduty_event(&r, "R0UTING", PagerDutyAction::Resolve);
        assert_eq!(
            e,
            json!({"routing_key": "R0UTING", "event_action": "resolve", "dedup_key": t.dedup_key})
        );
    }

    #[test]
    fn email_subject_is_short_ascii_and_body_says_everything() {
        let t = failed();
        assert_eq!(
            email_subject(&t),
            "[Attest] NON_COMPLIANT HIGH: s3-bucket-server-side-encryption-enabled on audit-logs"
        );
        let mut odd = huge();
        odd.resource_id = "bücket\nname".repeat(40);
        let s = email_subject(&odd);
        assert!(
            s.len() <= EMAIL_SUBJECT_MAX && s.is_ascii() && !s.contains('\n'),
            "{s}"
        );
        let body = email_text(&t);
        for needle in [
            "NON_COMPLIANT",
            "audit-logs",
            "SOC2:CC6.1",
            "2026-12-01T10:00:00Z",
            &t.evidence_key,
            &t.evidence_sha256,
            &t.id,
            "How to fix",
        ] {
            assert!(body.contains(needle), "{needle} missing from\n{body}");
        }
        assert!(email_text(&resolved()).contains("resolved"));
    }

    #[test]
    fn amazon_q_notification_threads_per_state() {
        let f = amazon_q_notification(&failed());
        let r = amazon_q_notification(&resolved());
        for n in [&f, &r] {
            assert_eq!(n["version"], "1.0");
            assert_eq!(n["source"], "custom");
            assert_eq!(n["content"]["textType"], "client-markdown");
            assert!(chars(&n["content"]["description"]) > 0);
        }
        assert_eq!(f["metadata"]["threadId"], r["metadata"]["threadId"]);
        assert_eq!(f["metadata"]["threadId"], failed().state_id.as_str());
    }

    #[test]
    fn json_body_is_the_transition_tagged() {
        let t = failed();
        let body = json_body(&t);
        assert_eq!(body["type"], "attest.transition");
        assert_eq!(body["version"], 1);
        assert_eq!(body["id"], t.id.as_str());
        let back: Transition = serde_json::from_value(body).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate_chars("héllo", 5), "héllo");
        assert_eq!(truncate_chars("héllo!", 5), "héll…");
        assert_eq!(truncate_chars("héllo!", 5).chars().count(), 5);
    }
}
