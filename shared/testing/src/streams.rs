//! State-table stream records in the shape Lambda delivers them (DynamoDB JSON images), for the
//! alert and notify integration tests.

use serde_json::{json, Value};

/// The state the records are about.
pub const STATE_ID: &str =
    "123456789012#us-east-1#s3-bucket-server-side-encryption-enabled#audit-logs";

/// A current-state item as the stream carries it: severity `HIGH`, observed at 10:00.
pub fn state_image(standing: &str, evidence: &str) -> Value {
    state_image_at(standing, evidence, "HIGH", "2026-12-01T10:00:00.000Z")
}

/// A current-state item with the given severity and observed time.
pub fn state_image_at(standing: &str, evidence: &str, severity: &str, observed_at: &str) -> Value {
    let s = |v: &str| json!({ "S": v });
    json!({
        "pk": s(&format!("STATE#{STATE_ID}")), "sk": s("CURRENT"), "status_sort": s("x"),
        "state_id": s(STATE_ID), "source": s("aws.securityhub"), "event_id": s("e"),
        "source_finding_id": s("f"), "account": s("123456789012"), "region": s("us-east-1"),
        "resource_type": s("AWS::S3::Bucket"), "resource_id": s("audit-logs"),
        "rule_id": s("s3-bucket-server-side-encryption-enabled"),
        "resource_key": s("123456789012#us-east-1#audit-logs"), "status": s(standing),
        "source_status": s(standing), "severity": s(severity), "disposition": s("ACTIVE"),
        "standing": s(standing), "observed_at": s(observed_at),
        "controls": { "L": [s("SOC2:CC6.1"), s("PCI-DSS-3.2.1:3.4")] },
        "mapped": { "BOOL": true }, "evidence_key": s(&format!("evidence/sha256/{evidence}.json")),
        "evidence_sha256": s(evidence), "catalogue_version": s("v1"),
    })
}

/// A `MODIFY` stream record with sequence number `seq`.
pub fn stream_record(seq: &str, old: Value, new: Value) -> Value {
    json!({
        "eventID": format!("id{seq}"), "eventName": "MODIFY", "eventVersion": "1.1",
        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1764583200.0,
            "Keys": { "pk": { "S": format!("STATE#{STATE_ID}") }, "sk": { "S": "CURRENT" } },
            "OldImage": old, "NewImage": new, "SequenceNumber": seq, "SizeBytes": 100,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    })
}
