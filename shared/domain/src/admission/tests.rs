//! The admission rules on the sample events in `events/`, edited.

use serde_json::Value;

use super::*;
use crate::{normalize_event, Catalogue};

macro_rules! event {
    ($name:literal) => {
        include_bytes!(concat!("../../../../events/", $name))
    };
}

fn edited(bytes: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(bytes).unwrap();
    edit(&mut v);
    serde_json::to_vec(&v).unwrap()
}

fn check(admission: &Admission, bytes: &[u8]) -> Result<(), AdmissionError> {
    let event = normalize_event(bytes, &Catalogue::embedded().unwrap()).expect("normalises");
    admission.check(&event)
}

const PARTNER: &str =
    "arn:aws:securityhub:us-east-1:733251395267:product/alertlogic/althreatmanagement";

fn from_product(product_arn: &str) -> Vec<u8> {
    edited(event!("securityhub-one-finding.json"), |v| {
        v["detail"]["findings"][0]["ProductArn"] = product_arn.into();
    })
}

#[test]
fn findings_of_aws_products_are_accepted_by_default() {
    let admission = Admission::default();
    check(&admission, event!("securityhub-four-findings.json")).unwrap();
    check(&admission, event!("securityhub-one-finding.json")).unwrap();
    check(
        &admission,
        &from_product("arn:aws-us-gov:securityhub:us-gov-west-1::product/aws/guardduty"),
    )
    .unwrap();
    check(&admission, event!("securityhub-v2-three-findings.json")).unwrap();
    // An OCSF finding imported under another product is refused like an ASFF one.
    let partner = edited(event!("securityhub-v2-compliance-finding.json"), |v| {
        v["detail"]["findings"][0]["metadata"]["product"]["uid"] =
            "arn:aws:securityhub:us-east-1:444455556666:productv2/example/scanner".into();
    });
    let err = check(&admission, &partner).unwrap_err();
    assert!(
        matches!(err, AdmissionError::ProductNotAllowed { .. }),
        "{err}"
    );
}

#[test]
fn a_third_party_product_is_refused_naming_the_product_and_the_finding() {
    let err = check(&Admission::default(), &from_product(PARTNER)).unwrap_err();
    let AdmissionError::ProductNotAllowed {
        product_arn,
        finding_id,
        ..
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(product_arn, PARTNER);
    assert!(finding_id.ends_with("fb8232e56002"), "{finding_id}");
    let text = err.to_string();
    assert!(
        text.contains(PARTNER) && text.contains(finding_id.as_str()),
        "{text}"
    );
    assert!(!err.is_retryable());
}

#[test]
fn an_allow_listed_third_party_product_is_accepted() {
    let admission = Admission::new([ProductArn::parse(PARTNER).unwrap()], 300);
    check(&admission, &from_product(PARTNER)).unwrap();
    // Only that product: the account's own custom integration is still refused.
    let custom = "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default";
    assert!(matches!(
        check(&admission, &from_product(custom)),
        Err(AdmissionError::ProductNotAllowed { .. })
    ));
}

#[test]
fn a_malformed_or_missing_product_arn_is_refused() {
    // AWS's GuardDuty guide spells it `arn:aws::securityhub:...`; Security Hub never sends that.
    for bad in [
        "arn:aws::securityhub:us-east-1::product/aws/guardduty",
        "arn:aws:securityhub:us-east-1::product/aws",
        "arn:aws:guardduty:us-east-1::product/aws/guardduty",
        "product/aws/securityhub",
    ] {
        let err = check(&Admission::default(), &from_product(bad)).unwrap_err();
        assert!(err.to_string().contains(bad), "{err}");
    }
    let missing = edited(event!("securityhub-one-finding.json"), |v| {
        v["detail"]["findings"][0]
            .as_object_mut()
            .unwrap()
            .remove("ProductArn");
    });
    let err = check(&Admission::default(), &missing).unwrap_err();
    assert!(err.to_string().contains("<none>"), "{err}");
}

#[test]
fn one_refused_finding_refuses_the_event_and_is_the_one_named() {
    let bytes = edited(event!("securityhub-four-findings.json"), |v| {
        v["detail"]["findings"][2]["ProductArn"] = PARTNER.into();
    });
    let third = edited(event!("securityhub-four-findings.json"), |_| {});
    let v: Value = serde_json::from_slice(&third).unwrap();
    let id = v["detail"]["findings"][2]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let err = check(&Admission::default(), &bytes).unwrap_err();
    assert!(
        matches!(&err, AdmissionError::ProductNotAllowed { finding_id, .. } if *finding_id == id),
        "{err}"
    );
}

#[test]
fn an_observed_time_a_year_after_the_envelope_time_is_refused_naming_the_field() {
    // Envelope time 2026-11-03T06:48:59Z.
    let bytes = edited(event!("securityhub-one-finding.json"), |v| {
        v["detail"]["findings"][0]["UpdatedAt"] = "2027-11-03T06:48:59Z".into();
    });
    let err = check(&Admission::default(), &bytes).unwrap_err();
    let AdmissionError::FutureObservation(future) = &err else {
        panic!("{err}");
    };
    assert_eq!(
        (
            future.field,
            future.ahead_seconds,
            future.max_future_skew_seconds
        ),
        ("UpdatedAt", 365 * 86400, 300)
    );
    assert!(
        err.to_string()
            .contains("`UpdatedAt` 2027-11-03T06:48:59.000Z"),
        "{err}"
    );
    assert!(!err.is_retryable());

    let year_9999 = edited(event!("securityhub-one-finding.json"), |v| {
        v["detail"]["findings"][0]["UpdatedAt"] = "9999-12-31T23:59:59Z".into();
    });
    assert!(check(&Admission::default(), &year_9999).is_err());
}

#[test]
fn the_skew_is_measured_from_the_envelope_time_for_every_source() {
    let at_limit = edited(event!("securityhub-one-finding.json"), |v| {
        v["detail"]["findings"][0]["UpdatedAt"] = "2026-11-03T06:53:59Z".into();
    });
    check(&Admission::default(), &at_limit).unwrap();
    assert!(check(&Admission::new([], 299), &at_limit).is_err());

    // Config: envelope 2026-11-02T09:15:27Z.
    let config = edited(event!("config-noncompliant-with-old-result.json"), |v| {
        v["detail"]["newEvaluationResult"]["evaluationResultIdentifier"]["orderingTimestamp"] =
            "2026-11-02T09:30:00Z".into();
    });
    let err = check(&Admission::default(), &config).unwrap_err();
    assert!(
        err.to_string()
            .contains("`detail.newEvaluationResult.evaluationResultIdentifier.orderingTimestamp`"),
        "{err}"
    );
    // CloudTrail: envelope 2026-11-02T10:02:41Z.
    let cloudtrail = edited(event!("cloudtrail-stoplogging.json"), |v| {
        v["detail"]["eventTime"] = "2026-11-02T11:02:41Z".into();
    });
    let err = check(&Admission::default(), &cloudtrail).unwrap_err();
    assert!(
        matches!(
            &err,
            AdmissionError::FutureObservation(future)
                if future.field == "detail.eventTime" && future.ahead_seconds == 3600
        ),
        "{err}"
    );
    // An observation before its delivery (the usual case) is never refused.
    check(
        &Admission::new([], 0),
        event!("config-noncompliant-with-old-result.json"),
    )
    .unwrap();
}

#[test]
fn product_arns_parse_only_in_the_product_shape() {
    for (text, aws) in [
        (
            "arn:aws:securityhub:us-east-1::product/aws/securityhub",
            true,
        ),
        (
            "arn:aws-cn:securityhub:cn-north-1::product/aws/inspector",
            true,
        ),
        // The new Security Hub's OCSF `metadata.product.uid`.
        (
            "arn:aws:securityhub:us-east-1::productv2/aws/guardduty",
            true,
        ),
        (
            "arn:aws:securityhub:us-east-1:123456789012:productv2/aws/securityhub",
            false,
        ),
        (PARTNER, false),
        (
            "arn:aws:securityhub:eu-west-1::product/crowdstrike/crowdstrike-falcon",
            false,
        ),
        (
            "arn:aws:securityhub:eu-west-1:123456789012:product/aws/securityhub",
            false,
        ),
    ] {
        assert_eq!(ProductArn::parse(text).unwrap().is_aws(), aws, "{text}");
    }
    for bad in [
        "",
        "arn:aws:securityhub:us-east-1::product/aws/",
        "arn:gcp:securityhub:us-east-1::product/aws/securityhub",
        "arn:aws:securityhub::123456789012:product/x/y",
        "arn:aws:securityhub:us-east-1:12345:product/x/y",
        "arn:aws:securityhub:us-east-1::product/x/y/z",
        "arn:aws:securityhub:us-east-1::hub/default",
        "arn:aws:securityhub:us-east-1::productv3/aws/securityhub",
    ] {
        let err = ProductArn::parse(bad).unwrap_err();
        assert!(err.contains("is not a Security Hub product ARN"), "{err}");
    }
}
