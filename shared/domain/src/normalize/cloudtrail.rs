//! "AWS API Call via CloudTrail" and "AWS Console Sign In via CloudTrail" events.
//!
//! A CloudTrail call is a change, not a verdict. Its status is:
//! - a console sign-in: COMPLIANT with MFA, NON_COMPLIANT without, WARNING when it failed;
//! - a call that returned an error: WARNING (the change was attempted, not made);
//! - a call the catalogue marks (`catalogue/cloudtrail-status.csv`, e.g. StopLogging): that status;
//! - a security-group ingress rule opened to the whole internet (`0.0.0.0/0`, `::/0`): NON_COMPLIANT;
//! - any other call: WARNING, a compliance-relevant change for a person to review.

use crate::json::Json;

use super::fields::{members_named, non_empty, opt_str, Fields};
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
    let name = |field: &'static str| move || format!("detail.{field}");
    let [event_source, event_name, event_time, response, additional, error_code, request, event_id, recipient, identity, region] =
        members_named(
            detail,
            [
                "eventSource",
                "eventName",
                "eventTime",
                "responseElements",
                "additionalEventData",
                "errorCode",
                "requestParameters",
                "eventID",
                "recipientAccountId",
                "userIdentity",
                "awsRegion",
            ],
        );
    let event_source = f.required(event_source, name("eventSource"))?;
    let event_name = f.required(event_name, name("eventName"))?;
    let observed_at = f.required_timestamp(event_time, name("eventTime"))?;
    let call = [event_source, ":", event_name].concat();
    let [identity_account, principal] = identity
        .map(|i| members_named(i, ["accountId", "arn"]))
        .unwrap_or_default();
    let principal = non_empty(principal);
    let recipient = non_empty(recipient);

    let (status, source_status) = if event_name == "ConsoleLogin" {
        let result = response
            .and_then(|r| opt_str(r, "ConsoleLogin"))
            .unwrap_or("");
        let mfa = additional.and_then(|a| opt_str(a, "MFAUsed")).unwrap_or("");
        let status = match (result, mfa) {
            ("Success", "Yes") => ComplianceStatus::Compliant,
            ("Success", _) => ComplianceStatus::NonCompliant,
            _ => ComplianceStatus::Warning,
        };
        (status, format!("ConsoleLogin={result};MFAUsed={mfa}"))
    } else if let Some(error) = non_empty(error_code) {
        (ComplianceStatus::Warning, ["errorCode=", error].concat())
    } else if event_name == "AuthorizeSecurityGroupIngress" && opens_to_internet(request) {
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

    let account = recipient.unwrap_or(&envelope.account);
    let (resource_type, resource_id) = resource_of(event_source, request, principal, account);

    let finding = Finding {
        source: FindingSource::CloudTrail,
        event_id: envelope.id.clone(),
        source_finding_id: non_empty(event_id).unwrap_or(&envelope.id).to_string(),
        account: recipient
            .or_else(|| non_empty(identity_account))
            .unwrap_or(&envelope.account)
            .to_string(),
        region: non_empty(region).unwrap_or(&envelope.region).to_string(),
        resource_type,
        resource_id,
        controls: catalogue.cloudtrail_controls(&call),
        rule_id: call,
        status,
        source_status,
        severity: Severity::Unspecified,
        disposition: Disposition::Active,
        observed_at,
        title: Some([event_name, " by ", principal.unwrap_or("unknown principal")].concat()),
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

/// The resource a call acts on: named by its request parameters, else the signed-in principal
/// (console sign-ins), else the account.
fn resource_of(
    event_source: &str,
    params: Option<Json>,
    principal: Option<&str>,
    account: &str,
) -> (String, String) {
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
        if let Some(arn) = principal {
            return ("AWS::IAM::Principal".into(), arn.into());
        }
    }
    ("AWS::::Account".into(), account.into())
}
