//! The one SNS message a transition is published as: `MessageStructure: json`, a body per
//! protocol, and the message attributes subscription filter policies match on.
//!
//! | protocol | body |
//! |---|---|
//! | `email` | [`email_text`] (with [`email_subject`] as the subject) |
//! | `sqs`, `lambda`, `default` | [`json_body`] |
//! | `https` | [`amazon_q_notification`] (Amazon Q Developer in chat applications subscribes with HTTPS) |
//!
//! Attributes: `severity`, `standing` (the new one), `change` (`FAILED`/`RESOLVED`), `account`,
//! `source` (all `String`) and `framework` (`String.Array` of the frameworks the state bears on).

use serde_json::json;

use crate::render::{
    amazon_q_notification, email_subject, email_text, json_body, truncate_chars, JSON_BODY_VERSION,
};
use crate::transition::Transition;

/// One SNS message attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAttribute {
    pub name: &'static str,
    /// `String` or `String.Array`.
    pub data_type: &'static str,
    pub value: String,
}

/// A transition as one SNS `Publish` request's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnsMessage {
    pub subject: String,
    /// The JSON object of per-protocol bodies (`MessageStructure: json`).
    pub message: String,
    pub attributes: Vec<MessageAttribute>,
}

/// SNS's limit on a published message (body and attributes together).
pub const SNS_MESSAGE_MAX_BYTES: usize = 262_144;

/// Free text (state id, resource, rule, title) longer than this is shortened in a message, so one
/// resource with an absurd id cannot push its alert past SNS's limit and into the dead-letter
/// queue. Ids, hashes and the evidence key are never shortened; the evidence keeps the full text.
pub const MESSAGE_TEXT_MAX_CHARS: usize = 1024;

/// `t` with its free text bounded by [`MESSAGE_TEXT_MAX_CHARS`].
fn bounded(t: &Transition) -> Transition {
    let cut = |text: &mut String| {
        if text.chars().count() > MESSAGE_TEXT_MAX_CHARS {
            *text = truncate_chars(text, MESSAGE_TEXT_MAX_CHARS);
        }
    };
    let mut b = t.clone();
    cut(&mut b.state_id);
    cut(&mut b.resource_type);
    cut(&mut b.resource_id);
    cut(&mut b.rule_id);
    if let Some(title) = b.title.as_mut() {
        cut(title);
    }
    b
}

/// The JSON body as published (`sqs`, `lambda`, `default`), free text bounded: what the
/// transitions table keeps of each transition.
pub fn stored_body(t: &Transition) -> String {
    json_body(&bounded(t)).to_string()
}

pub fn sns_message(t: &Transition) -> SnsMessage {
    let t = &bounded(t);
    // What `stored_body` gives, from the transition already bounded.
    let machine = json_body(t).to_string();
    let message = json!({
        "default": machine,
        "sqs": machine,
        "lambda": machine,
        "email": email_text(t),
        "https": amazon_q_notification(t).to_string(),
    })
    .to_string();
    let string = |name, value: &str| MessageAttribute {
        name,
        data_type: "String",
        value: value.to_string(),
    };
    let attributes = vec![
        string("severity", t.severity.as_str()),
        string("standing", &t.to),
        string("change", t.change.as_str()),
        string("account", &t.account),
        string("source", &t.source),
        MessageAttribute {
            name: "framework",
            data_type: "String.Array",
            value: serde_json::to_string(&t.frameworks).unwrap_or_else(|_| "[]".into()),
        },
    ];
    SnsMessage {
        subject: email_subject(t),
        message,
        attributes,
    }
}

impl SnsMessage {
    /// Bytes SNS counts against [`SNS_MESSAGE_MAX_BYTES`]: the body, and each attribute's name,
    /// type and value.
    pub fn size(&self) -> usize {
        self.message.len()
            + self
                .attributes
                .iter()
                .map(|a| a.name.len() + a.data_type.len() + a.value.len())
                .sum::<usize>()
    }
}

/// Why a queued message is not a transition this version reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("the message is not JSON: {0}")]
    NotJson(String),
    #[error("the message is not an `attest.transition` (type {found})")]
    NotATransition { found: String },
    #[error("`attest.transition` version {found} is not version {JSON_BODY_VERSION}")]
    Version { found: String },
    #[error("the transition is malformed: {0}")]
    Malformed(String),
}

/// Read back the transition from the alerts topic's `sqs` body: the queue's message body with
/// raw message delivery, or the `Message` of the SNS notification wrapping it without. Its `type`
/// and `version` are checked, so a CloudWatch alarm or a later body version is refused by name.
pub fn transition_from_json_body(body: &str) -> Result<Transition, BodyError> {
    let mut value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| BodyError::NotJson(e.to_string()))?;
    if value["Type"] == "Notification" {
        if let Some(inner) = value["Message"].as_str() {
            value = serde_json::from_str(inner).map_err(|e| BodyError::NotJson(e.to_string()))?;
        }
    }
    let shown = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "none".to_string(),
        other => truncate_chars(&other.to_string(), 80),
    };
    if value["type"] != "attest.transition" {
        return Err(BodyError::NotATransition {
            found: shown(&value["type"]),
        });
    }
    if value["version"] != JSON_BODY_VERSION {
        return Err(BodyError::Version {
            found: shown(&value["version"]),
        });
    }
    serde_json::from_value(value).map_err(|e| BodyError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transition::tests::row;

    #[test]
    fn one_message_carries_every_protocol_and_the_filter_attributes() {
        let t = Transition::between(None, Some(&row("NON_COMPLIANT", "bb")))
            .unwrap()
            .unwrap();
        let m = sns_message(&t);
        let bodies: serde_json::Value = serde_json::from_str(&m.message).unwrap();
        for protocol in ["default", "sqs", "lambda", "email", "https"] {
            assert!(bodies[protocol].is_string(), "{protocol}");
        }
        let back = transition_from_json_body(bodies["sqs"].as_str().unwrap()).unwrap();
        assert_eq!(back, t);
        let q: serde_json::Value = serde_json::from_str(bodies["https"].as_str().unwrap()).unwrap();
        assert_eq!(q["source"], "custom");
        let names: Vec<&str> = m.attributes.iter().map(|a| a.name).collect();
        assert_eq!(
            names,
            [
                "severity",
                "standing",
                "change",
                "account",
                "source",
                "framework"
            ]
        );
        assert_eq!(m.attributes[5].value, r#"["PCI-DSS-3.2.1","SOC2"]"#);
        assert!(m.size() < SNS_MESSAGE_MAX_BYTES);
        // SNS counts at most 10 attributes.
        assert!(m.attributes.len() <= 10);
    }

    #[test]
    fn a_queued_body_is_read_raw_or_wrapped_and_anything_else_is_refused_by_name() {
        let t = Transition::between(None, Some(&row("NON_COMPLIANT", "bb")))
            .unwrap()
            .unwrap();
        let raw = json_body(&t).to_string();
        assert_eq!(transition_from_json_body(&raw).unwrap(), t);
        let wrapped =
            json!({ "Type": "Notification", "MessageId": "m", "Message": raw }).to_string();
        assert_eq!(transition_from_json_body(&wrapped).unwrap(), t);

        let alarm = json!({ "AlarmName": "x", "NewStateValue": "ALARM" }).to_string();
        assert_eq!(
            transition_from_json_body(&alarm).unwrap_err(),
            BodyError::NotATransition {
                found: "none".into()
            }
        );
        let mut later = json_body(&t);
        later["version"] = json!(2);
        assert_eq!(
            transition_from_json_body(&later.to_string()).unwrap_err(),
            BodyError::Version { found: "2".into() }
        );
        let mut broken = json_body(&t);
        broken["change"] = json!("MAYBE");
        let err = transition_from_json_body(&broken.to_string()).unwrap_err();
        assert!(
            matches!(err, BodyError::Malformed(ref m) if m.contains("MAYBE")),
            "{err}"
        );
        assert!(matches!(
            transition_from_json_body("{"),
            Err(BodyError::NotJson(_))
        ));
    }
}
