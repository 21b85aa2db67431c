//! Normalisation of the real-shaped events in `events/` (see events/README.md for their sources).

use super::*;
use crate::finding::{ComplianceStatus as S, Disposition, FindingSource, Severity};

macro_rules! event {
    ($name:literal) => {
        include_bytes!(concat!("../../../../events/", $name))
    };
}

fn catalogue() -> Catalogue {
    Catalogue::embedded().expect("embedded catalogue")
}

fn one(bytes: &[u8]) -> Finding {
    let out = normalize_event(bytes, &catalogue()).expect("normalises");
    assert_eq!(out.findings.len(), 1);
    out.findings.into_iter().next().unwrap().finding
}

fn has_control(f: &Finding, framework: &str) -> bool {
    f.controls.iter().any(|c| c.framework == framework)
}

#[test]
fn config_noncompliant_with_old_result() {
    let f = one(event!("config-noncompliant-with-old-result.json"));
    assert_eq!(f.source, FindingSource::Config);
    assert_eq!(f.status, S::NonCompliant);
    assert_eq!(f.source_status, "NON_COMPLIANT");
    assert_eq!(
        f.subject.rule_id,
        "s3-bucket-server-side-encryption-enabled"
    );
    assert_eq!(f.subject.resource_type, "AWS::S3::Bucket");
    assert_eq!(f.subject.account, "123456789012");
    // The evaluation's own ordering timestamp, not the envelope time and not the clock.
    assert_eq!(f.observed_at.as_str(), "2026-11-02T09:15:11.482Z");
    // The envelope time, kept as the delivery time that orders equal observations.
    assert_eq!(f.delivered_at.as_str(), "2026-11-02T09:15:27.000Z");
    assert!(f.is_mapped());
    assert!(has_control(&f, "PCI-DSS-3.2.1"), "{:?}", f.controls);
}

#[test]
fn config_first_evaluation_without_old_result() {
    let f = one(event!("config-compliant-first-evaluation.json"));
    assert_eq!(f.status, S::Compliant);
    assert_eq!(f.subject.resource_type, "AWS::::Account");
    assert_eq!(f.subject.resource_id, "123456789012");
    assert!(f.is_mapped());
}

#[test]
fn config_conformance_pack_rule_maps_by_base_name() {
    let f = one(event!("config-conformance-pack-rule.json"));
    assert_eq!(
        f.subject.rule_id,
        "restricted-ssh-conformance-pack-7rq2kx9vd"
    );
    assert_eq!(f.status, S::NonCompliant);
    assert!(
        f.is_mapped(),
        "conformance-pack suffix must not hide the mapping"
    );
}

#[test]
fn config_not_applicable() {
    let f = one(event!("config-not-applicable.json"));
    assert_eq!(f.status, S::NotApplicable);
    assert_eq!(f.subject.resource_type, "AWS::RDS::DBInstance");
}

#[test]
fn security_hub_every_finding_in_the_event() {
    let out = normalize_event(event!("securityhub-four-findings.json"), &catalogue()).unwrap();
    let by_rule = |rule: &str| {
        out.findings
            .iter()
            .map(|n| &n.finding)
            .find(|f| f.subject.rule_id == rule)
            .unwrap_or_else(|| panic!("{rule} missing"))
    };
    assert_eq!(out.findings.len(), 4);

    let s3 = by_rule("S3.8");
    assert_eq!(
        (s3.status, s3.severity, s3.disposition),
        (S::NonCompliant, Severity::High, Disposition::Active)
    );
    // ASFF's `AwsS3Bucket`, in the one vocabulary (CloudFormation's, as Config writes it); the
    // evidence keeps the source's spelling.
    assert_eq!(s3.subject.resource_type, "AWS::S3::Bucket");
    let s3_evidence = &out
        .findings
        .iter()
        .find(|f| f.finding.subject.rule_id == "S3.8")
        .unwrap()
        .evidence;
    let doc: serde_json::Value = serde_json::from_slice(&s3_evidence.bytes).unwrap();
    assert_eq!(doc["record"]["Resources"][0]["Type"], "AwsS3Bucket");
    assert!(
        has_control(s3, "CIS-AWS-1.4") && has_control(s3, "PCI-DSS-4.0.1"),
        "{:?}",
        s3.controls
    );
    assert_eq!(s3.observed_at.as_str(), "2026-11-02T09:58:01.662Z");
    // Requirements of the current framework versions, read from `RelatedRequirements`: CIS 5.0.0
    // (`…v5.0.0/2.1.4`) and NIST 800-53 Rev. 5, written with a space (`NIST.800-53.r5 AC-21`).
    let control = |framework: &str, id: &str| {
        s3.controls
            .iter()
            .any(|c| c.framework == framework && c.control_id == id)
    };
    assert!(control("CIS-AWS-5.0", "2.1.4"), "{:?}", s3.controls);
    assert!(control("NIST-800-53-R5", "AC-21"), "{:?}", s3.controls);
    assert!(control("NIST-800-53-R5", "SC-7(11)"), "{:?}", s3.controls);
    assert!(control("PCI-DSS-4.0.1", "1.4.4"), "{:?}", s3.controls);

    let trail = by_rule("CloudTrail.1");
    assert_eq!(trail.status, S::Compliant);

    // Suppressed and archived findings are kept and marked, not dropped and not counted.
    let sg = by_rule("EC2.19");
    assert_eq!(
        (sg.status, sg.disposition),
        (S::NonCompliant, Disposition::Suppressed)
    );
    assert!(!sg.counts_towards_compliance());
    let root = by_rule("IAM.6");
    assert_eq!(root.disposition, Disposition::Archived);
    assert!(!root.counts_towards_compliance());

    // Each finding has its own evidence object.
    let mut keys: Vec<_> = out
        .findings
        .iter()
        .map(|n| n.evidence.key.clone())
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 4);
}

#[test]
fn security_hub_one_finding() {
    let f = one(event!("securityhub-one-finding.json"));
    assert_eq!(f.subject.rule_id, "IAM.4");
    assert_eq!(f.subject.region, "eu-west-1");
    assert_eq!(f.severity, Severity::Critical);
    assert!(has_control(&f, "CIS-AWS-1.2"), "{:?}", f.controls);
}

#[test]
fn cloudtrail_calls() {
    let stop = one(event!("cloudtrail-stoplogging.json"));
    assert_eq!(stop.source, FindingSource::CloudTrail);
    assert_eq!(stop.subject.rule_id, "cloudtrail.amazonaws.com:StopLogging");
    assert_eq!(stop.status, S::NonCompliant);
    assert_eq!(stop.subject.resource_type, "AWS::CloudTrail::Trail");
    assert!(stop.is_mapped());
    assert_eq!(stop.observed_at.as_str(), "2026-11-02T10:02:41.000Z");

    let kms = one(event!("cloudtrail-kms-schedule-key-deletion.json"));
    assert_eq!(
        (kms.subject.rule_id.as_str(), kms.status),
        ("kms.amazonaws.com:ScheduleKeyDeletion", S::NonCompliant)
    );
    assert_eq!(kms.subject.resource_type, "AWS::KMS::Key");
    assert!(kms.is_mapped());

    let sg = one(event!("cloudtrail-authorize-sg-ingress.json"));
    assert_eq!(
        (sg.subject.resource_type.as_str(), sg.status),
        ("AWS::EC2::SecurityGroup", S::NonCompliant)
    );
    assert!(sg.is_mapped());

    let login = one(event!("cloudtrail-console-login-no-mfa.json"));
    assert_eq!(login.status, S::NonCompliant);
    assert_eq!(
        (
            login.subject.resource_type.as_str(),
            login.subject.resource_id.as_str()
        ),
        (
            "AWS::IAM::User",
            "arn:aws:iam::123456789012:user/ci-operator"
        )
    );
    assert!(login.is_mapped());
    // The root user's sign-in is the account's, as Security Hub's root controls name it.
    let mut root: serde_json::Value =
        serde_json::from_slice(event!("cloudtrail-console-login-no-mfa.json")).unwrap();
    root["detail"]["userIdentity"]["type"] = "Root".into();
    root["detail"]["userIdentity"]["arn"] = "arn:aws:iam::123456789012:root".into();
    let root = one(&serde_json::to_vec(&root).unwrap());
    assert_eq!(
        (
            root.subject.resource_type.as_str(),
            root.subject.resource_id.as_str()
        ),
        ("AWS::::Account", "123456789012")
    );
}

#[test]
fn cloudtrail_call_that_maps_to_nothing_is_kept_unmapped() {
    let f = one(event!("cloudtrail-unmapped-create-tags.json"));
    assert_eq!(f.subject.rule_id, "ec2.amazonaws.com:CreateTags");
    assert!(!f.is_mapped());
    assert_eq!(f.status, S::Warning);
}

#[test]
fn a_failed_call_is_a_warning_not_a_change() {
    let mut event: serde_json::Value =
        serde_json::from_slice(event!("cloudtrail-stoplogging.json")).unwrap();
    event["detail"]["errorCode"] = "AccessDenied".into();
    let f = one(&serde_json::to_vec(&event).unwrap());
    assert_eq!(
        (f.status, f.source_status.as_str()),
        (S::Warning, "errorCode=AccessDenied")
    );
}

#[test]
fn console_login_with_mfa_is_compliant_in_either_spelling() {
    // AWS's sign-in reference writes `Yes`; its own published root sign-in record writes `YES`.
    for (mfa, expected) in [
        ("Yes", S::Compliant),
        ("YES", S::Compliant),
        ("No", S::NonCompliant),
    ] {
        let mut event: serde_json::Value =
            serde_json::from_slice(event!("cloudtrail-console-login-no-mfa.json")).unwrap();
        event["detail"]["additionalEventData"]["MFAUsed"] = mfa.into();
        assert_eq!(
            one(&serde_json::to_vec(&event).unwrap()).status,
            expected,
            "MFAUsed={mfa}"
        );
    }
}

#[test]
fn any_zero_length_prefix_opens_a_security_group_to_the_world() {
    let with_cidr = |cidr: &str| {
        let mut event: serde_json::Value =
            serde_json::from_slice(event!("cloudtrail-authorize-sg-ingress.json")).unwrap();
        let ranges = &mut event["detail"]["requestParameters"]["ipPermissions"]["items"][0]
            ["ipRanges"]["items"][0];
        assert!(ranges.get("cidrIp").is_some(), "the sample's shape changed");
        ranges["cidrIp"] = cidr.into();
        one(&serde_json::to_vec(&event).unwrap()).status
    };
    for cidr in ["0.0.0.0/0", "203.0.113.7/0", "::/0", "2001:db8::/0"] {
        assert_eq!(with_cidr(cidr), S::NonCompliant, "{cidr}");
    }
    for cidr in [
        "203.0.113.0/24",
        "10.0.0.0/8",
        "0.0.0.0/1",
        "not-an-address/0",
    ] {
        assert_ne!(with_cidr(cidr), S::NonCompliant, "{cidr}");
    }
}

#[test]
fn evidence_is_deterministic_and_content_addressed() {
    let bytes = event!("config-noncompliant-with-old-result.json");
    let a = normalize_event(bytes, &catalogue())
        .unwrap()
        .findings
        .remove(0)
        .evidence;
    // Re-serialising the same event differently changes nothing in the evidence.
    let reformatted =
        serde_json::to_vec_pretty(&serde_json::from_slice::<serde_json::Value>(bytes).unwrap())
            .unwrap();
    let b = normalize_event(&reformatted, &catalogue())
        .unwrap()
        .findings
        .remove(0)
        .evidence;
    assert_eq!(a, b);
    assert_eq!(a.sha256, crate::canonical::sha256_hex(&a.bytes));
    assert_eq!(
        a.key,
        format!("evidence/123456789012/config/2026/11/02/{}.json", a.sha256)
    );
    let doc: serde_json::Value = serde_json::from_slice(&a.bytes).unwrap();
    assert_eq!(doc["schema"], "attest.evidence/v1");
    assert_eq!(
        doc["envelope"]["id"],
        serde_json::from_slice::<serde_json::Value>(bytes).unwrap()["id"]
    );
    assert_eq!(
        doc["record"]["configRuleName"],
        "s3-bucket-server-side-encryption-enabled"
    );
}

#[test]
fn bad_input_names_the_event_and_the_field() {
    let c = catalogue();
    let err = normalize_event(
        include_bytes!("../../../../events/invalid/not-json.txt"),
        &c,
    )
    .unwrap_err();
    assert!(matches!(err, NormalizeError::NotJson { .. }), "{err}");

    let err = normalize_event(event!("invalid/missing-detail.json"), &c).unwrap_err();
    assert!(
        matches!(&err, NormalizeError::MissingField { field, .. } if field == "detail"),
        "{err}"
    );
    assert!(err
        .event_id()
        .is_some_and(|id| !id.is_empty() && id != "<no id>"));

    let err = normalize_event(event!("invalid/unknown-source.json"), &c).unwrap_err();
    assert!(err.to_string().contains("com.example.custom"), "{err}");

    let err =
        normalize_event(event!("invalid/config-missing-compliance-type.json"), &c).unwrap_err();
    assert!(
        err.to_string()
            .contains("detail.newEvaluationResult.complianceType"),
        "{err}"
    );

    let err = normalize_event(br#"{"source":"aws.config"}"#, &c).unwrap_err();
    assert_eq!(
        err.to_string(),
        "event <no id>: missing required field `id`"
    );

    let err = normalize_event(b"[1,2]", &c).unwrap_err();
    assert!(matches!(err, NormalizeError::NotJson { .. }));

    // The envelope time orders evaluations, so it must be a time.
    let mut bad_time: serde_json::Value =
        serde_json::from_slice(event!("config-noncompliant-with-old-result.json")).unwrap();
    bad_time["time"] = "yesterday".into();
    let err = normalize_event(&serde_json::to_vec(&bad_time).unwrap(), &c).unwrap_err();
    assert!(
        matches!(&err, NormalizeError::InvalidField { field, .. } if field == "time"),
        "{err}"
    );
}

#[test]
fn security_hub_field_errors_name_the_finding_index() {
    let mut event: serde_json::Value =
        serde_json::from_slice(event!("securityhub-four-findings.json")).unwrap();
    event["detail"]["findings"][2]
        .as_object_mut()
        .unwrap()
        .remove("UpdatedAt");
    // Its neighbours are kept (see `a_malformed_record_does_not_hold_back_its_neighbours`).
    let out = normalize_event(&serde_json::to_vec(&event).unwrap(), &catalogue()).unwrap();
    let err = out.refused[0].to_string();
    assert!(err.contains("detail.findings[2].UpdatedAt"), "{err}");

    event["detail"]["findings"] = serde_json::json!([]);
    let err = normalize_event(&serde_json::to_vec(&event).unwrap(), &catalogue()).unwrap_err();
    assert!(err.to_string().contains("detail.findings"), "{err}");
}

#[test]
fn every_sample_event_normalises_and_every_invalid_one_fails() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events");
    let c = catalogue();
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let bytes = std::fs::read(&path).unwrap();
            let out =
                normalize_event(&bytes, &c).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(!out.findings.is_empty());
            seen += 1;
        }
    }
    assert!(seen >= 11, "only {seen} sample events");
    for entry in std::fs::read_dir(dir.join("invalid")).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            normalize_event(&bytes, &c).is_err(),
            "{} should be rejected",
            path.display()
        );
    }
}

/// The evidence key (and so the SHA-256) of every finding of every sample event, as computed before
/// the parser and canonical writer were merged into one pass and as stored since. Auditors hold these
/// hashes: a change to how evidence is written fails here, not in an audit.
#[test]
fn sample_evidence_hashes_are_pinned() {
    const PINNED: &[(&str, &str)] = &[
        ("cloudtrail-authorize-sg-ingress.json", "evidence/123456789012/cloudtrail/2026/11/02/24408c399c983b32c2fb0df51919954d5052138095c8ec9896aeb53cf5bef211.json"),
        ("cloudtrail-console-login-no-mfa.json", "evidence/123456789012/cloudtrail/2026/11/02/e6cfdb18624e7c18f41cc71ce471bc27090066887edc1574b53e2ed905b31576.json"),
        ("cloudtrail-kms-schedule-key-deletion.json", "evidence/123456789012/cloudtrail/2026/11/02/37f9673866fd7b479aaad9342926ccbb555400fee13d47a435973ae57d1c886a.json"),
        ("cloudtrail-stoplogging.json", "evidence/123456789012/cloudtrail/2026/11/02/ffe3354792a31e296b8e748e5d184bfc0ab93394763d526f1890dc96dbadfead.json"),
        ("cloudtrail-unmapped-create-tags.json", "evidence/123456789012/cloudtrail/2026/11/03/d21b2b0b04ff68e46fa29f4c2d766ba4e8fa446b5029c582fbe025c5f6aae23f.json"),
        ("config-compliant-before-the-period.json", "evidence/123456789012/config/2026/05/15/4590d490368669b57c55f96fc7a81ab4d7fb02d4fee9fd50f4272371b6e491c1.json"),
        ("config-compliant-first-evaluation.json", "evidence/123456789012/config/2026/11/02/5f604b6823aa3751370e66bd60387de132352a04cc4df3e80057aed5f0872722.json"),
        ("config-conformance-pack-rule.json", "evidence/123456789012/config/2026/11/02/eb72a662e69fa486bc26730c2a1f2cd4a2bd4b19d331df2fe119352779830d7d.json"),
        ("config-noncompliant-with-old-result.json", "evidence/123456789012/config/2026/11/02/4653d460518537d636f43820163e1ba6cb37b2635004fb38839ffcab9a319fac.json"),
        ("config-not-applicable.json", "evidence/123456789012/config/2026/11/03/ae24856dc15075d5795607313e0cf811a9dbca172b0f68f105084241a70ce229.json"),
        ("securityhub-four-findings.json", "evidence/123456789012/securityhub/2026/11/02/cf5d2b831511f054c1e8c0c0064557d90cdc84d90990c491bb263698c573b17d.json"),
        ("securityhub-four-findings.json", "evidence/123456789012/securityhub/2026/11/02/d1c23b8ecc953f1903f277ffeb511ed39792f8a840ca343de2f014ff0a4f2662.json"),
        ("securityhub-four-findings.json", "evidence/123456789012/securityhub/2026/11/02/2d953c30922b09e8937c271c07e8886a81ca998ff099f262d1ed1ad3dde8a1ec.json"),
        ("securityhub-four-findings.json", "evidence/123456789012/securityhub/2026/11/02/e0813c5f59109e7fe2e4189e3306c3a46868a9dc21e9f89107795793680e5ebc.json"),
        ("securityhub-one-finding.json", "evidence/123456789012/securityhub/2026/11/03/c9e3436c3ab7a53afdf911b7cee90872818f74f9b7a80f83013a483dc5e030ec.json"),
        ("securityhub-v2-compliance-finding.json", "evidence/123456789012/securityhub/2026/11/02/8b5aa03255900bc05334c9b02418a3ba2ef7d522df5fe98f693f2c9d5fc5a031.json"),
        ("securityhub-v2-malformed-between-good.json", "evidence/123456789012/securityhub/2026/11/04/1da6bfc904466b0c20c89809a05dc0b21adfac30735ac596a8dec9f10afa9f4a.json"),
        ("securityhub-v2-malformed-between-good.json", "evidence/123456789012/securityhub/2026/11/04/7e65c0feb45c13c3a2f223c14aa282ad86ff4834fcbb78e24967cc52ec5d6651.json"),
        ("securityhub-v2-three-findings.json", "evidence/123456789012/securityhub/2026/11/02/2b421156a246d1c609178b8f18637f28ec6417fa67724adefba731d9f4258066.json"),
        ("securityhub-v2-three-findings.json", "evidence/123456789012/securityhub/2026/11/02/fc817e7cce4da18d2c2772e3ebae71ab3d4e14091e189419d203beae4ea38b80.json"),
        ("securityhub-v2-three-findings.json", "evidence/123456789012/securityhub/2026/11/02/56eac51186c71fcb3ca19e8d491b3c3af960739d4a40f1e7f24b8a232bf50f1f.json"),
        ("securityhub-v2-three-findings.json", "evidence/123456789012/securityhub/2026/11/02/283c417586fcba2709c6ed00518e4325cf027ca639e6f7e073a3c2031f61ee42.json"),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let c = catalogue();
    let keys: Vec<(String, String)> = names
        .iter()
        .flat_map(|name| {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            normalize_event(&bytes, &c)
                .unwrap()
                .findings
                .into_iter()
                .map(|f| (name.clone(), f.evidence.key))
                .collect::<Vec<_>>()
        })
        .collect();
    let pinned: Vec<(String, String)> = PINNED
        .iter()
        .map(|(n, k)| (n.to_string(), k.to_string()))
        .collect();
    assert_eq!(keys, pinned);
}

/// A sample event with its first `from` replaced by `to` (the same member written twice), as a
/// hostile or broken sender might write it.
fn repeating(name: &str, from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(std::fs::read(sample(name)).unwrap()).unwrap();
    assert!(text.contains(from), "{name} has no {from}");
    text.replacen(from, to, 1).into_bytes()
}

fn sample(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../events")
        .join(name)
}

#[test]
fn an_event_repeating_a_member_name_at_any_depth_is_refused_naming_it() {
    let c = catalogue();
    for (event, path) in [
        (
            repeating(
                "cloudtrail-stoplogging.json",
                r#""source": "aws.cloudtrail""#,
                r#""source": "aws.cloudtrail", "source": "aws.other""#,
            ),
            "source",
        ),
        (
            repeating(
                "securityhub-four-findings.json",
                r#""findings": ["#,
                r#""findings": [], "findings": ["#,
            ),
            "detail.findings",
        ),
        (
            repeating(
                "config-noncompliant-with-old-result.json",
                r#""complianceType": "NON_COMPLIANT""#,
                r#""complianceType": "NON_COMPLIANT", "complianceType": "COMPLIANT""#,
            ),
            "detail.newEvaluationResult.complianceType",
        ),
    ] {
        let err = normalize_event(&event, &c).unwrap_err();
        assert!(
            matches!(&err, NormalizeError::Refused(crate::ijson::ReadError::RepeatedMember { path: p, .. }) if p == path),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains(&format!("member `{path}` appears twice")),
            "{err}"
        );
        assert_eq!(err.event_id(), None);
    }

    // The second finding's Id, written twice.
    let mut event: serde_json::Value =
        serde_json::from_slice(event!("securityhub-four-findings.json")).unwrap();
    event["detail"]["findings"][1]["Id"] = "REPEATED".into();
    let text = serde_json::to_string(&event).unwrap().replacen(
        r#""Id":"REPEATED""#,
        r#""Id":"REPEATED","Id":"other""#,
        1,
    );
    let err = normalize_event(text.as_bytes(), &c).unwrap_err();
    assert!(
        err.to_string()
            .contains("member `detail.findings[1].Id` appears twice"),
        "{err}"
    );
}

#[test]
fn an_event_over_eventbridges_size_limit_is_refused_naming_both_sizes() {
    let mut event: serde_json::Value =
        serde_json::from_slice(event!("cloudtrail-stoplogging.json")).unwrap();
    event["detail"]["padding"] = "x".repeat(1 << 20).into();
    let bytes = serde_json::to_vec(&event).unwrap();
    let err = normalize_event(&bytes, &catalogue()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "event refused: the text is {} bytes, more than the 1048576 bytes an EventBridge event may hold",
            bytes.len()
        )
    );
}

#[test]
fn a_member_of_an_unexpected_type_is_named_or_read_as_absent_as_before() {
    let c = catalogue();
    let mut event: serde_json::Value =
        serde_json::from_slice(event!("securityhub-one-finding.json")).unwrap();
    // Optional members of another type are read as absent ...
    event["detail"]["findings"][0]["Region"] = 5.into();
    event["detail"]["findings"][0]["Workflow"] = "SUPPRESSED".into();
    event["detail"]["findings"][0]["Compliance"]["RelatedRequirements"] =
        serde_json::json!([1, "x"]);
    let f = one(&serde_json::to_vec(&event).unwrap());
    assert_eq!(f.subject.region, "eu-west-1");
    assert_eq!(f.disposition, Disposition::Active);
    // ... and a required one is named with what it was.
    event["detail"]["findings"][0]["AwsAccountId"] = serde_json::json!({"a": 1});
    let err = normalize_event(&serde_json::to_vec(&event).unwrap(), &c).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "event {}: field `detail.findings[0].AwsAccountId` is invalid: expected a string, found an object",
            event["id"].as_str().unwrap()
        )
    );
    event["detail"]["findings"][0]["Resources"] = serde_json::json!("none");
    let err = normalize_event(&serde_json::to_vec(&event).unwrap(), &c).unwrap_err();
    assert!(err.to_string().contains("detail.findings[0]"), "{err}");
}

#[test]
fn a_security_hub_finding_naming_several_resources_is_a_state_per_resource() {
    let mut event: serde_json::Value =
        serde_json::from_slice(event!("securityhub-four-findings.json")).unwrap();
    let finding = &mut event["detail"]["findings"][0];
    let first = finding["Resources"][0].clone();
    let mut second = first.clone();
    second["Id"] = "arn:aws:s3:::another-bucket".into();
    // The first resource listed again adds nothing.
    finding["Resources"] = serde_json::json!([first, second, first]);
    event["detail"]["findings"] = serde_json::json!([finding.clone()]);
    let bytes = serde_json::to_vec(&event).unwrap();
    let out = normalize_event(&bytes, &catalogue()).unwrap().findings;
    assert_eq!(out.len(), 2);
    assert_eq!(
        out[0].finding.subject.resource_id,
        first["Id"].as_str().unwrap()
    );
    assert_eq!(
        out[1].finding.subject.resource_id,
        "arn:aws:s3:::another-bucket"
    );
    assert_ne!(
        out[0].finding.subject.state_id(),
        out[1].finding.subject.state_id()
    );
    // Each resource's evaluation has a document of its own, naming its resource by index, and
    // reading each document back gives that resource's finding.
    assert_ne!(out[0].evidence.sha256, out[1].evidence.sha256);
    for (n, item) in out.iter().enumerate() {
        let doc: serde_json::Value = serde_json::from_slice(&item.evidence.bytes).unwrap();
        assert_eq!(doc["resource"], n, "resource index");
        let again = normalize_evidence(&item.evidence.bytes, &catalogue()).unwrap();
        assert_eq!(again.finding, item.finding);
    }

    // One resource, or the same one listed twice: the document has no index (the v1 bytes).
    event["detail"]["findings"][0]["Resources"] = serde_json::json!([first, first]);
    let out = normalize_event(&serde_json::to_vec(&event).unwrap(), &catalogue()).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.findings[0].evidence.bytes).unwrap();
    assert_eq!(out.findings.len(), 1);
    assert!(doc.get("resource").is_none());

    // A resource without an id is named in the error.
    event["detail"]["findings"][0]["Resources"] =
        serde_json::json!([first, {"Type": "AwsS3Bucket"}]);
    let err = normalize_event(&serde_json::to_vec(&event).unwrap(), &catalogue()).unwrap_err();
    assert!(
        err.to_string()
            .contains("detail.findings[0].Resources[1].Id"),
        "{err}"
    );
}

#[test]
fn a_new_security_hub_ocsf_finding_is_the_same_state_as_its_cspm_finding() {
    let v2 = one(event!("securityhub-v2-compliance-finding.json"));
    assert_eq!(v2.source, FindingSource::SecurityHub);
    assert_eq!(
        (
            v2.subject.rule_id.as_str(),
            v2.subject.resource_type.as_str()
        ),
        ("S3.8", "AWS::S3::Bucket")
    );
    assert_eq!(
        (v2.status, v2.source_status.as_str()),
        (S::NonCompliant, "Fail")
    );
    assert_eq!(v2.severity, Severity::High);
    assert_eq!(v2.observed_at.as_str(), "2026-11-02T09:58:24.731Z");
    assert!(has_control(&v2, "CIS-AWS-3.0"), "{:?}", v2.controls);

    let cspm = normalize_event(event!("securityhub-four-findings.json"), &catalogue()).unwrap();
    let s3_8 = cspm
        .findings
        .iter()
        .find(|f| f.finding.subject.rule_id == "S3.8")
        .unwrap();
    assert_eq!(v2.subject.state_id(), s3_8.finding.subject.state_id());
    assert_eq!(v2.subject.resource_type, s3_8.finding.subject.resource_type);
    assert_eq!(v2.controls, s3_8.finding.controls);
    // The later observation is the OCSF one, so it is the state's newest.
    assert!(v2.observed_at > s3_8.finding.observed_at);
}

#[test]
fn a_new_security_hub_batch_gives_a_state_per_resource_and_reads_detection_findings() {
    let out = normalize_event(event!("securityhub-v2-three-findings.json"), &catalogue()).unwrap();
    assert!(out.refused.is_empty());
    let rules: Vec<(&str, S, Severity)> = out
        .findings
        .iter()
        .map(|f| {
            (
                f.finding.subject.rule_id.as_str(),
                f.finding.status,
                f.finding.severity,
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            ("EC2.19", S::NonCompliant, Severity::Critical),
            ("EC2.19", S::NonCompliant, Severity::Critical),
            ("CloudTrail.1", S::Compliant, Severity::Informational),
            (
                "Stealth:IAMUser/CloudTrailLoggingDisabled",
                S::Warning,
                Severity::Low
            ),
        ]
    );
    // The two security groups of EC2.19: two states, one document each.
    let (a, b) = (&out.findings[0], &out.findings[1]);
    assert_ne!(a.finding.subject.state_id(), b.finding.subject.state_id());
    assert_ne!(a.evidence.key, b.evidence.key);
    // An account resource is its plain id in every source (ASFF writes `AWS::::Account:{id}`),
    // so CSPM, OCSF and Config results about the account are one resource.
    assert_eq!(out.findings[2].finding.subject.resource_id, "123456789012");
    // A GuardDuty detection carries no verdict and maps to no control: stored, counted unmapped.
    assert!(!out.findings[3].finding.is_mapped());
    assert!(out.findings.iter().all(|f| f
        .product_arn
        .as_deref()
        .is_some_and(|p| p.contains(":productv2/aws/"))));
}

#[test]
fn a_malformed_record_does_not_hold_back_its_neighbours() {
    let out = normalize_event(
        event!("securityhub-v2-malformed-between-good.json"),
        &catalogue(),
    )
    .unwrap();
    let rules: Vec<&str> = out
        .findings
        .iter()
        .map(|f| f.finding.subject.rule_id.as_str())
        .collect();
    assert_eq!(rules, ["IAM.3", "S3.5"]);
    assert_eq!(out.refused.len(), 1);
    let err = out.refused[0].to_string();
    assert!(err.contains("detail.findings[1].resources[0]"), "{err}");

    // The same for a CSPM batch: the bad record is named, the others kept.
    let mut event: serde_json::Value =
        serde_json::from_slice(event!("securityhub-four-findings.json")).unwrap();
    event["detail"]["findings"][2]["UpdatedAt"] = "yesterday".into();
    let out = normalize_event(&serde_json::to_vec(&event).unwrap(), &catalogue()).unwrap();
    assert_eq!((out.findings.len(), out.refused.len()), (3, 1));
    assert!(
        out.refused[0]
            .to_string()
            .contains("detail.findings[2].UpdatedAt"),
        "{}",
        out.refused[0]
    );

    // When no record normalises the event itself is bad.
    for finding in event["detail"]["findings"].as_array_mut().unwrap() {
        finding["UpdatedAt"] = "yesterday".into();
    }
    let err = normalize_event(&serde_json::to_vec(&event).unwrap(), &catalogue()).unwrap_err();
    assert!(
        err.to_string().contains("detail.findings[0].UpdatedAt"),
        "{err}"
    );
}

#[test]
fn ocsf_status_and_severity_come_from_their_ids_and_unknown_values_are_refused() {
    let with = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut event: serde_json::Value =
            serde_json::from_slice(event!("securityhub-v2-compliance-finding.json")).unwrap();
        edit(&mut event["detail"]["findings"][0]);
        normalize_event(&serde_json::to_vec(&event).unwrap(), &catalogue())
    };
    let f = with(&|f| {
        f["compliance"]["status_id"] = 1.into();
        f["compliance"]["status"] = "Pass".into();
        f["severity_id"] = 1.into();
        f["status_id"] = 3.into();
    })
    .unwrap()
    .findings
    .remove(0)
    .finding;
    assert_eq!(
        (f.status, f.severity, f.disposition),
        (
            S::Compliant,
            Severity::Informational,
            Disposition::Suppressed
        )
    );
    // Without the id, the caption decides.
    let f = with(&|f| {
        f["compliance"].as_object_mut().unwrap().remove("status_id");
        f["compliance"]["status"] = "Warning".into();
        f["activity_id"] = 3.into();
    })
    .unwrap()
    .findings
    .remove(0)
    .finding;
    assert_eq!(
        (f.status, f.disposition),
        (S::Warning, Disposition::Archived)
    );
    // Captions in any case; the word is kept as written.
    let f = with(&|f| {
        f["compliance"].as_object_mut().unwrap().remove("status_id");
        f["compliance"]["status"] = "FAIL".into();
        f.as_object_mut().unwrap().remove("severity_id");
        f["severity"] = "critical".into();
    })
    .unwrap()
    .findings
    .remove(0)
    .finding;
    assert_eq!(
        (f.status, f.source_status.as_str(), f.severity),
        (S::NonCompliant, "FAIL", Severity::Critical)
    );
    let err = with(&|f| f["compliance"]["status_id"] = 7.into()).unwrap_err();
    assert!(
        err.to_string()
            .contains("detail.findings[0].compliance.status_id"),
        "{err}"
    );
    let err = with(&|f| f["severity_id"] = 8.into()).unwrap_err();
    assert!(
        err.to_string().contains("detail.findings[0].severity_id"),
        "{err}"
    );
    let err = with(&|f| {
        f["finding_info"]
            .as_object_mut()
            .unwrap()
            .remove("modified_time_dt");
        f.as_object_mut().unwrap().remove("time_dt");
    })
    .unwrap_err();
    assert!(
        err.to_string().contains("detail.findings[0].time_dt"),
        "{err}"
    );
}

#[test]
fn pre_2023_security_hub_findings_map_by_their_standards_own_control_naming() {
    let legacy = |generator: &str, product_control: Option<&str>| {
        let mut event: serde_json::Value =
            serde_json::from_slice(event!("securityhub-one-finding.json")).unwrap();
        let finding = &mut event["detail"]["findings"][0];
        let compliance = finding["Compliance"].as_object_mut().unwrap();
        compliance.remove("SecurityControlId");
        compliance.remove("RelatedRequirements");
        finding["GeneratorId"] = generator.into();
        match product_control {
            Some(c) => finding["ProductFields"]["ControlId"] = c.into(),
            None => {
                finding["ProductFields"]
                    .as_object_mut()
                    .unwrap()
                    .remove("ControlId");
            }
        }
        one(&serde_json::to_vec(&event).unwrap())
    };
    let consolidated = one(event!("securityhub-one-finding.json"));
    assert!(consolidated.is_mapped());

    // AWS Foundational Security Best Practices: `ProductFields.ControlId` is the control id.
    let fsbp = legacy(
        "aws-foundational-security-best-practices/v/1.0.0/IAM.4",
        Some("IAM.4"),
    );
    assert_eq!(fsbp.subject.rule_id, "IAM.4");
    let catalogue_rows = catalogue().securityhub_controls(Some("IAM.4"), []);
    assert_eq!(fsbp.controls, catalogue_rows);
    assert!(fsbp.is_mapped());

    // CIS: the GeneratorId names the benchmark version and rule, with or without `rule/`.
    for (generator, framework, control) in [
        (
            "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.12",
            "CIS-AWS-1.2",
            "1.12",
        ),
        (
            "cis-aws-foundations-benchmark/v/1.4.0/1.4",
            "CIS-AWS-1.4",
            "1.4",
        ),
    ] {
        let cis = legacy(generator, None);
        assert!(
            cis.controls
                .iter()
                .any(|c| c.framework == framework && c.control_id == control),
            "{generator}: {:?}",
            cis.controls
        );
        // The one security control whose rows map that CIS rule (IAM.4 for both) is its control:
        // the same state as a consolidated IAM.4 finding, with all of IAM.4's requirements.
        assert_eq!(cis.subject.rule_id, "IAM.4", "{generator}");
        assert!(
            catalogue_rows.iter().all(|c| cis.controls.contains(c)),
            "{generator}: {:?}",
            cis.controls
        );
    }
    // Anything else names no control it can be mapped by.
    assert!(!legacy("pci-dss/v/3.2.1/PCI.IAM.4", Some("PCI.IAM.4")).is_mapped());
    assert!(!legacy(
        "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/",
        None
    )
    .is_mapped());
}

/// Per framework, how many of the sample findings map to it, and how many map to nothing (those
/// are stored and counted, never dropped). `cargo test -p attest-domain sample_findings_per_framework -- --nocapture`
/// prints the table.
#[test]
fn sample_findings_per_framework() {
    let c = catalogue();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    let mut per_framework: std::collections::BTreeMap<String, usize> =
        c.frameworks().map(|f| (f.framework.clone(), 0)).collect();
    let (mut total, mut unmapped) = (0, 0);
    for path in &names {
        let event = normalize_event(&std::fs::read(path).unwrap(), &c).unwrap();
        for item in &event.findings {
            total += 1;
            if !item.finding.is_mapped() {
                unmapped += 1;
            }
            let frameworks: std::collections::BTreeSet<&str> = item
                .finding
                .controls
                .iter()
                .map(|r| r.framework.as_str())
                .collect();
            for framework in frameworks {
                *per_framework
                    .get_mut(framework)
                    .expect("a catalogue framework") += 1;
            }
        }
    }
    eprintln!(
        "{total} sample findings from {} events; {unmapped} map to no control",
        names.len()
    );
    for (framework, n) in &per_framework {
        eprintln!("{framework:<16} {n:>3} mapped");
    }
    // Every framework the catalogue offers is reached by some sample finding.
    for (framework, n) in &per_framework {
        assert!(*n > 0, "no sample finding maps to {framework}");
    }
    // The samples hold unmapped findings too (a CloudTrail call no control names, a GuardDuty
    // detection), which intake stores and reports count.
    assert!(unmapped >= 2, "{unmapped} unmapped");
    assert!(per_framework.values().all(|n| *n <= total));
}

#[test]
fn a_root_console_sign_in_bears_on_the_root_usage_controls_and_is_never_simply_compliant() {
    let sign_in_with = |identity_type: &str, mfa: &str, result: &str| {
        let mut event: serde_json::Value =
            serde_json::from_slice(event!("cloudtrail-console-login-no-mfa.json")).unwrap();
        event["detail"]["userIdentity"]["type"] = identity_type.into();
        event["detail"]["additionalEventData"]["MFAUsed"] = mfa.into();
        event["detail"]["responseElements"]["ConsoleLogin"] = result.into();
        one(&serde_json::to_vec(&event).unwrap())
    };
    let sign_in = |identity_type: &str, mfa: &str| sign_in_with(identity_type, mfa, "Success");
    let has = |f: &Finding, framework: &str, id: &str| {
        f.controls
            .iter()
            .any(|c| c.framework == framework && c.control_id == id)
    };
    let user = sign_in("IAMUser", "Yes");
    assert_eq!(user.status, S::Compliant);
    assert!(!has(&user, "CIS-AWS-1.4", "1.7"));
    // CIS's no-MFA alarm (CloudWatch.3) and failure alarm (CloudWatch.6) each match one outcome;
    // log-in monitoring (HIPAA 164.308(a)(5)(ii)(C)) is every sign-in.
    let outcomes = |f: &Finding| {
        (
            has(f, "CIS-AWS-1.4", "4.2"),
            has(f, "CIS-AWS-1.4", "4.6"),
            has(f, "HIPAA", "164.308(a)(5)(ii)(C)"),
        )
    };
    assert_eq!(outcomes(&user), (false, false, true), "{:?}", user.controls);
    let no_mfa = sign_in("IAMUser", "No");
    assert_eq!(
        outcomes(&no_mfa),
        (true, false, true),
        "{:?}",
        no_mfa.controls
    );
    let failed = sign_in_with("IAMUser", "No", "Failure");
    assert_eq!(failed.status, S::Warning);
    assert_eq!(
        outcomes(&failed),
        (false, true, true),
        "{:?}",
        failed.controls
    );

    // CloudWatch.1's filter (userIdentity.type = Root): CIS 1.2 1.1/3.3, CIS 1.4 1.7/4.3.
    for (mfa, status) in [("YES", S::Warning), ("No", S::NonCompliant)] {
        let root = sign_in("Root", mfa);
        assert_eq!(root.status, status, "MFAUsed={mfa}");
        for (framework, id) in [
            ("CIS-AWS-1.2", "1.1"),
            ("CIS-AWS-1.4", "1.7"),
            ("CIS-AWS-1.4", "4.3"),
        ] {
            assert!(
                has(&root, framework, id),
                "{framework} {id}: {:?}",
                root.controls
            );
        }
        // The sign-in controls of its outcome still apply: the no-MFA alarm only without MFA.
        assert_eq!(
            has(&root, "CIS-AWS-1.4", "4.2"),
            mfa == "No",
            "MFAUsed={mfa}: {:?}",
            root.controls
        );
    }
}

#[test]
fn one_bucket_is_one_resource_whichever_source_names_it() {
    let c = catalogue();
    let config = one(event!("config-noncompliant-with-old-result.json"));
    let cspm = normalize_event(event!("securityhub-four-findings.json"), &c).unwrap();
    let cspm_s3 = &cspm
        .findings
        .iter()
        .find(|f| f.finding.subject.rule_id == "S3.8")
        .unwrap()
        .finding;
    // Config names a bucket by its name, Security Hub by its ARN: both are the ARN here.
    assert!(
        config.subject.resource_id.starts_with("arn:aws:s3:::"),
        "{}",
        config.subject.resource_id
    );
    assert!(cspm_s3.subject.resource_id.starts_with("arn:aws:s3:::"));
    // The account: Config's plain id and ASFF's `AWS::::Account:{id}` are one resource.
    let config_account = one(event!("config-compliant-first-evaluation.json"));
    let cspm_account = cspm
        .findings
        .iter()
        .find(|f| f.finding.subject.resource_type == "AWS::::Account")
        .unwrap();
    assert_eq!(
        config_account.subject.resource_id,
        cspm_account.finding.subject.resource_id
    );
    // A CloudTrail call on a security group names it by the same ARN Security Hub uses.
    let sg = one(event!("cloudtrail-authorize-sg-ingress.json"));
    assert!(
        sg.subject.resource_id.starts_with("arn:aws:ec2:")
            && sg.subject.resource_id.contains(":security-group/sg-"),
        "{}",
        sg.subject.resource_id
    );
}
