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

use crate::render::{amazon_q_notification, email_subject, email_text, json_body, truncate_chars};
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

pub fn sns_message(t: &Transition) -> SnsMessage {
    let t = &bounded(t);
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

/// Read back the transition from an SQS-delivered SNS notification's `Message` (the `sqs` body).
pub fn transition_from_json_body(body: &str) -> Result<Transition, serde_json::Error> {
    serde_json::from_str(body)
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
}
