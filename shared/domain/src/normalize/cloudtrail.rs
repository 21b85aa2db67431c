//! "AWS API Call via CloudTrail" and "AWS Console Sign In via CloudTrail" events.
//!
//! A CloudTrail call is a change, not a verdict. Its status is:
//! - a console sign-in: COMPLIANT with MFA, NON_COMPLIANT without, WARNING when it failed;
//! - a call that returned an error: WARNING (the change was attempted, not made);
//! - a call the catalogue marks (`catalogue/cloudtrail-status.csv`, e.g. StopLogging): that status;
//! - a security-group ingress rule opened to the whole internet (`0.0.0.0/0`, `::/0`): NON_COMPLIANT;
//! - any other call: WARNING, a compliance-relevant change for a person to review.

use crate::json::Json;

use super::fields::{opt_str, Fields};
use super::{with_evidence, Envelope, NormalizedFinding};
use crate::catalogue::Catalogue;
use crate::error::NormalizeError;
use crate::finding::{ComplianceStatus, Disposition, Finding, FindingSource, Severity};

/// Request parameters that name the resource a call acts on, with that resource's type; the first one
/// present wins. Calls that name none are attributed to the account.
const RESOURCE_PARAMETERS: &[(&str, &str)] = &[
    ("bucketName", "AWS::S3::Bucket"),
    ("keyId", "AWS::KMS::Key"),
    ("groupId", "AWS::EC2::SecurityGroup"),
    ("networkAclId", "AWS::EC2::NetworkAcl"),
    ("routeTableId", "AWS::EC2::RouteTable"),
    ("internetGatewayId", "AWS::EC2::InternetGateway"),
    ("vpcId", "AWS::EC2::VPC"),
    ("policyArn", "AWS::IAM::Policy"),
    ("roleName", "AWS::IAM::Role"),
    ("userName", "AWS::IAM::User"),
    ("groupName", "AWS::IAM::Group"),
    (
        "configurationRecorderName",
        "AWS::Config::ConfigurationRecorder",
    ),
    ("deliveryChannelName", "AWS::Config::DeliveryChannel"),
    ("trailName", "AWS::CloudTrail::Trail"),
];

pub(super) fn normalize(
    envelope: &Envelope,
    detail: Json,
    catalogue: &Catalogue,
    f: &Fields,
    event_size: usize,
) -> Result<NormalizedFinding, NormalizeError> {
    let event_source = f.string_named(detail, "eventSource", "detail.eventSource")?;
    let event_name = f.string_named(detail, "eventName", "detail.eventName")?;
    let observed_at = f.timestamp(detail, "eventTime", "detail.eventTime")?;
    let call = format!("{event_source}:{event_name}");

    let (status, source_status) = if event_name == "ConsoleLogin" {
        let result = opt_str(detail, "responseElements.ConsoleLogin").unwrap_or("");
        let mfa = opt_str(detail, "additionalEventData.MFAUsed").unwrap_or("");
        let status = match (result, mfa) {
            ("Success", "Yes") => ComplianceStatus::Compliant,
            ("Success", _) => ComplianceStatus::NonCompliant,
            _ => ComplianceStatus::Warning,
        };
        (status, format!("ConsoleLogin={result};MFAUsed={mfa}"))
    } else if let Some(error) = opt_str(detail, "errorCode") {
        (ComplianceStatus::Warning, format!("errorCode={error}"))
    } else if event_name == "AuthorizeSecurityGroupIngress"
        && opens_to_internet(detail.get("requestParameters"))
    {
        (
            ComplianceStatus::NonCompliant,
            "Success;ingress from 0.0.0.0/0 or ::/0".to_string(),
        )
    } else {
        (
            catalogue
                .cloudtrail_status(&call)
                .unwrap_or(ComplianceStatus::Warning),
            "Success".to_string(),
        )
    };

    let (resource_type, resource_id) = resource_of(event_source, detail, envelope);

    let finding = Finding {
        source: FindingSource::CloudTrail,
        event_id: envelope.id.clone(),
        source_finding_id: opt_str(detail, "eventID")
            .unwrap_or(&envelope.id)
            .to_string(),
        account: opt_str(detail, "recipientAccountId")
            .or_else(|| opt_str(detail, "userIdentity.accountId"))
            .unwrap_or(&envelope.account)
            .to_string(),
        region: opt_str(detail, "awsRegion")
            .unwrap_or(&envelope.region)
            .to_string(),
        resource_type,
        resource_id,
        controls: catalogue.cloudtrail_controls(&call).to_vec(),
        rule_id: call,
        status,
        source_status,
        severity: Severity::Unspecified,
        disposition: Disposition::Active,
        observed_at,
        title: Some(format!(
            "{event_name} by {}",
            opt_str(detail, "userIdentity.arn").unwrap_or("unknown principal")
        )),
    };
    with_evidence(envelope, detail, event_size, finding, f)
}

/// Whether any CIDR in the request is the whole IPv4 or IPv6 internet.
fn opens_to_internet(params: Option<Json>) -> bool {
    let Some(v) = params else { return false };
    if let Some(s) = v.as_str() {
        s == "0.0.0.0/0" || s == "::/0"
    } else if let Some(mut items) = v.elements() {
        items.any(|v| opens_to_internet(Some(v)))
    } else if let Some(mut members) = v.members() {
        members.any(|(_, v)| opens_to_internet(Some(v)))
    } else {
        false
    }
}

fn resource_of(event_source: &str, detail: Json, envelope: &Envelope) -> (String, String) {
    let params = detail.get("requestParameters");
    if let Some(params) = params.filter(|p| p.is_object()) {
        // CloudTrail's own calls name the trail `name`, which other services use for other things.
        if event_source == "cloudtrail.amazonaws.com" {
            if let Some(name) = opt_str(params, "name") {
                return ("AWS::CloudTrail::Trail".into(), name.into());
            }
        }
        for (param, resource_type) in RESOURCE_PARAMETERS {
            if let Some(id) = opt_str(params, param) {
                return ((*resource_type).into(), id.into());
            }
        }
    }
    if event_source == "signin.amazonaws.com" {
        if let Some(arn) = opt_str(detail, "userIdentity.arn") {
            return ("AWS::IAM::Principal".into(), arn.into());
        }
    }
    let account = opt_str(detail, "recipientAccountId").unwrap_or(&envelope.account);
    ("AWS::::Account".into(), account.into())
}
