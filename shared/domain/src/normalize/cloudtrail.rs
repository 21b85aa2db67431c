//! "AWS API Call via CloudTrail" and "AWS Console Sign In via CloudTrail" events.
//!
//! A CloudTrail call is a change, not a verdict. Its status is:
//! - a console sign-in: COMPLIANT with MFA, NON_COMPLIANT without, WARNING when it failed
//!   (`MFAUsed` is read in any case: AWS documents `Yes` and its root sign-in records show `YES`);
//!   the root user's sign-in with MFA is WARNING, a use of root to review. Every sign-in bears on
//!   the log-in monitoring controls (`signin.amazonaws.com:ConsoleLogin`); one without MFA also on
//!   CIS's no-MFA alarm (`…#NoMFA`), a failed one on its failure alarm (`…#Failure`), and the root
//!   user's on the root-usage controls (`…#Root`);
//! - a call that returned an error: WARNING (the change was attempted, not made);
//! - a call the catalogue marks (`catalogue/cloudtrail-status.csv`, e.g. StopLogging): that status;
//! - a security-group ingress rule opened to the whole internet (any `/0` prefix, such as
//!   `0.0.0.0/0` or `::/0`): NON_COMPLIANT;
//! - any other call: WARNING, a compliance-relevant change for a person to review.

use serde::Deserialize;
use serde_json::Value;

use super::fields::{in_detail as name, opt_str, view, Field, Loose};
use super::resource_types;
use super::{with_evidence, NormalizedFinding, Origin, Source};
use crate::error::NormalizeError;
use crate::finding::{ComplianceStatus, Disposition, Finding, FindingSource, Severity, Subject};

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

/// The members of a CloudTrail record (`detail`) that normalisation reads. `requestParameters` is
/// read from the raw value: its members are the called API's own.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", bound(deserialize = "'de: 'a"))]
struct CloudTrailDetail<'a> {
    event_source: Field<'a>,
    event_name: Field<'a>,
    event_time: Field<'a>,
    response_elements: Loose<ResponseView<'a>>,
    additional_event_data: Loose<AdditionalDataView<'a>>,
    error_code: Field<'a>,
    #[serde(rename = "eventID")]
    event_id: Field<'a>,
    recipient_account_id: Field<'a>,
    user_identity: Loose<IdentityView<'a>>,
    aws_region: Field<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, bound(deserialize = "'de: 'a"))]
struct ResponseView<'a> {
    #[serde(rename = "ConsoleLogin")]
    console_login: Field<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, bound(deserialize = "'de: 'a"))]
struct AdditionalDataView<'a> {
    #[serde(rename = "MFAUsed")]
    mfa_used: Field<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", bound(deserialize = "'de: 'a"))]
struct IdentityView<'a> {
    account_id: Field<'a>,
    arn: Field<'a>,
    #[serde(rename = "type")]
    identity_type: Field<'a>,
}

pub(super) fn normalize(
    source: Source,
    detail: &Value,
) -> Result<NormalizedFinding, NormalizeError> {
    let (envelope, catalogue, f) = (source.envelope, source.catalogue, source.f);
    let v: CloudTrailDetail = view(detail, "detail", f)?;
    let request = detail.get("requestParameters");
    let event_source = f.required(v.event_source, name("eventSource"))?;
    let event_name = f.required(v.event_name, name("eventName"))?;
    let observed_at = f.required_timestamp(v.event_time, name("eventTime"))?;
    let call = [event_source, ":", event_name].concat();
    let identity = v.user_identity.0.unwrap_or_default();
    let principal = identity.arn.non_empty();
    let recipient = v.recipient_account_id.non_empty();

    let root = identity.identity_type.non_empty() == Some("Root");
    // The catalogue rows a sign-in's outcome adds: CIS's alarms on sign-ins without MFA and on
    // failed sign-ins are separate controls, each filtering on its own outcome.
    let mut outcome_rows: Vec<&str> = Vec::new();
    let (status, source_status) = if event_name == "ConsoleLogin" {
        let result = v
            .response_elements
            .0
            .and_then(|r| r.console_login.non_empty())
            .unwrap_or("");
        let mfa = v
            .additional_event_data
            .0
            .and_then(|a| a.mfa_used.non_empty())
            .unwrap_or("");
        let mfa_used = mfa.eq_ignore_ascii_case("yes");
        let status = match result {
            // The root user signing in at all is what CIS's root-usage controls ask to avoid: a
            // use to review even with MFA.
            "Success" if mfa_used && root => ComplianceStatus::Warning,
            "Success" if mfa_used => ComplianceStatus::Compliant,
            "Success" => ComplianceStatus::NonCompliant,
            _ => ComplianceStatus::Warning,
        };
        match result {
            "Success" if !mfa_used => outcome_rows.push("#NoMFA"),
            "Failure" => outcome_rows.push("#Failure"),
            _ => {}
        }
        if root {
            outcome_rows.push("#Root");
        }
        (status, format!("ConsoleLogin={result};MFAUsed={mfa}"))
    } else if let Some(error) = v.error_code.non_empty() {
        (ComplianceStatus::Warning, ["errorCode=", error].concat())
    } else if event_name == "AuthorizeSecurityGroupIngress" && opens_to_internet(request) {
        (
            ComplianceStatus::NonCompliant,
            // The word rows have stored since before any /0 counted; kept so they still match.
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

    // A sign-in bears on the controls of its outcome too, catalogued as `{call}#NoMFA`,
    // `{call}#Failure` and, for the root user, `{call}#Root`.
    let controls = outcome_rows
        .iter()
        .fold(catalogue.cloudtrail_controls(&call), |set, row| {
            set.with(&catalogue.cloudtrail_controls(&[call.as_str(), row].concat()))
        });
    let subject_account = recipient
        .or_else(|| identity.account_id.non_empty())
        .unwrap_or(&envelope.account)
        .to_string();
    let region = v.aws_region.or(&envelope.region);
    let finding = Finding {
        source: FindingSource::CloudTrail,
        event_id: envelope.id.clone(),
        source_finding_id: v.event_id.or(&envelope.id),
        subject: Subject {
            resource_id: resource_types::resource_id(
                &resource_type,
                &resource_id,
                &subject_account,
                &region,
            ),
            account: subject_account,
            region,
            resource_type,
            rule_id: call,
        },
        controls,
        status,
        source_status,
        severity: Severity::Unspecified,
        disposition: Disposition::Active,
        observed_at,
        delivered_at: source.delivered_at.clone(),
        title: Some([event_name, " by ", principal.unwrap_or("unknown principal")].concat()),
    };
    let origin = Origin {
        product_arn: None,
        observed_at_field: "detail.eventTime",
        resource: None,
    };
    with_evidence(envelope, detail, finding, origin, f)
}

/// Whether any CIDR in the request is the whole IPv4 or IPv6 internet: a prefix length of 0 covers
/// every address whatever the address part says (`0.0.0.0/0`, `::/0`, `10.1.2.3/0`).
fn opens_to_internet(params: Option<&Value>) -> bool {
    match params {
        Some(Value::String(s)) => s.split_once('/').is_some_and(|(address, prefix)| {
            prefix == "0" && address.parse::<std::net::IpAddr>().is_ok()
        }),
        Some(Value::Array(items)) => items.iter().any(|v| opens_to_internet(Some(v))),
        Some(Value::Object(members)) => members.values().any(|v| opens_to_internet(Some(v))),
        _ => false,
    }
}

/// The resource a call acts on: named by its request parameters, else the signed-in principal
/// (console sign-ins), else the account.
fn resource_of(
    event_source: &str,
    params: Option<&Value>,
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
    // A sign-in's resource is who signed in, in CloudFormation's vocabulary: an IAM user by its
    // ARN, the root user as its account (the resource Security Hub's root controls name), an
    // assumed role's session under its role type.
    if event_source == "signin.amazonaws.com" {
        match principal {
            Some(arn) if arn.ends_with(":root") => {}
            Some(arn) if arn.contains(":assumed-role/") => {
                return ("AWS::IAM::Role".into(), arn.into());
            }
            Some(arn) => return ("AWS::IAM::User".into(), arn.into()),
            None => {}
        }
    }
    ("AWS::::Account".into(), account.into())
}
